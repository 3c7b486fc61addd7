"""The bounded shortest-path kernel against scipy's Dijkstra and by hand."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.sparse.csgraph import dijkstra

from safespaces.mix.spatial import network_reach_matrix
from safespaces.shortest_paths import pairs_within, radius_sums, spatial_order, thread_count


def random_graph(n: int, seed: int) -> tuple[sp.csr_matrix, np.ndarray]:
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0, 400, size=(n, 2))
    a = rng.integers(0, n, size=2 * n)
    b = rng.integers(0, n, size=2 * n)
    keep = a != b
    a, b = a[keep], b[keep]
    w = np.linalg.norm(xy[a] - xy[b], axis=1) * rng.uniform(1.0, 1.4, size=len(a)) + 1.0
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    # one edge per pair (the shortest), as safespaces.network.adjacency builds it
    order = np.lexsort((w, hi, lo))
    lo, hi, w = lo[order], hi[order], w[order]
    first = np.r_[True, (np.diff(lo) != 0) | (np.diff(hi) != 0)][: len(lo)]
    lo, hi, w = lo[first], hi[first], w[first]
    m = sp.csr_matrix((np.r_[w, w], (np.r_[lo, hi], np.r_[hi, lo])), shape=(n, n))
    return m, xy


@settings(max_examples=30, deadline=None)
@given(n=st.integers(1, 60), seed=st.integers(0, 10_000), limit=st.sampled_from([50.0, 200.0]))
def test_pairs_within_equal_scipy(n: int, seed: int, limit: float) -> None:
    m, xy = random_graph(n, seed)
    rng = np.random.default_rng(seed + 1)
    sources = rng.integers(0, n, size=min(n, 7))
    targets = np.flatnonzero(rng.random(n) < 0.6)
    full = dijkstra(m, directed=False, indices=sources, limit=limit)
    want = {
        (i, int(j)): full[i, j] for i in range(len(sources)) for j in targets if full[i, j] <= limit
    }
    for xy_arg, threads in ((None, 1), (xy, 2)):
        s, t, d = pairs_within(m, sources, limit, targets=targets, xy=xy_arg, threads=threads)
        got = {(int(a), int(b)): c for a, b, c in zip(s, t, d, strict=True)}
        assert got.keys() == want.keys()
        for key, value in want.items():
            assert got[key] == pytest.approx(value, rel=1e-12)
        assert np.all(np.diff(s) >= 0)  # sorted by source


def test_radius_sums_by_hand() -> None:
    # path 0 - 1 - 2 with 100 m and 300 m edges; weights 1, 2, 3
    m = sp.csr_matrix((np.array([100.0, 100, 300, 300]), ([0, 1, 1, 2], [1, 0, 2, 1])))
    out = radius_sums(m, (150.0, 400.0), weights=np.array([1.0, 2.0, 3.0]))
    np.testing.assert_allclose(out["density_150"], [2, 1, 0])
    np.testing.assert_allclose(out["density_400"], [5, 4, 3])
    np.testing.assert_allclose(
        out["harmonic_400"], [2 / 100 + 3 / 400, 1 / 100 + 3 / 300, 1 / 400 + 2 / 300]
    )
    beta = 4 / 400
    np.testing.assert_allclose(
        out["gravity_400"],
        [
            2 * np.exp(-100 * beta) + 3 * np.exp(-400 * beta),
            np.exp(-100 * beta) + 3 * np.exp(-300 * beta),
            np.exp(-400 * beta) + 2 * np.exp(-300 * beta),
        ],
    )


@settings(max_examples=20, deadline=None)
@given(n=st.integers(2, 50), seed=st.integers(0, 10_000))
def test_network_reach_equals_dense_dijkstra(n: int, seed: int) -> None:
    m, xy = random_graph(n, seed)
    rng = np.random.default_rng(seed)
    units = rng.integers(0, n, size=2 * n)
    access = rng.uniform(0, 30, size=len(units))
    full = dijkstra(m, directed=False)
    total = access[:, None] + full[np.ix_(units, units)] + access[None, :]
    want = (total <= 150.0) | np.eye(len(units), dtype=bool)
    got = network_reach_matrix(m, units, 150.0, access_m=access, node_xy=xy)
    assert (got.toarray() == want).all()


def test_spatial_order_is_a_permutation_and_local() -> None:
    xy = np.array([[0.0, 0.0], [1000.0, 1000.0], [2.0, 1.0], [1001.0, 1003.0]])
    order = spatial_order(xy, 4)
    assert sorted(order.tolist()) == [0, 1, 2, 3]
    # the two close pairs stay next to each other
    pos = np.empty(4, dtype=int)
    pos[order] = np.arange(4)
    assert abs(pos[0] - pos[2]) == 1 and abs(pos[1] - pos[3]) == 1


def test_thread_count_reads_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFESPACES_THREADS", "3")
    assert thread_count() == 3
    monkeypatch.setenv("SAFESPACES_THREADS", "two")
    with pytest.raises(ValueError, match="SAFESPACES_THREADS"):
        thread_count()


def test_lattice_with_ties_equals_scipy() -> None:
    # a 12 x 12 lattice of 10 m edges: many nodes at equal distances (heap ties)
    side = 12
    idx = np.arange(side * side).reshape(side, side)
    a = np.r_[idx[:, :-1].ravel(), idx[:-1, :].ravel()]
    b = np.r_[idx[:, 1:].ravel(), idx[1:, :].ravel()]
    m = sp.csr_matrix((np.full(2 * len(a), 10.0), (np.r_[a, b], np.r_[b, a])))
    sources = np.arange(side * side)
    s, t, d = pairs_within(m, sources, 60.0, threads=2)
    full = dijkstra(m, directed=False, limit=60.0)
    want = np.argwhere(full <= 60.0)
    assert len(s) == len(want)
    np.testing.assert_array_equal(d, full[s, t])
    sums = radius_sums(m, (60.0,), threads=2)
    np.testing.assert_allclose(sums["density_60"], (full <= 60.0).sum(axis=1) - 1)
