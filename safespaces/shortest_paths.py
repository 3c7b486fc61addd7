"""Bounded shortest paths on the walking network (compiled, multi-threaded).

Every network measure in safespaces looks a bounded distance along the walking
network from many sources: the eyes-on-the-street flow potential from every
node within 400 and 800 m, the social-mix walking neighbourhoods from every
building within 500 m. This module holds the one search they share: Dijkstra's
algorithm from each source, stopped at the radius.

Why our own kernel, not ``scipy.sparse.csgraph.dijkstra``: scipy returns a
dense (sources x nodes) matrix, so each search costs O(nodes) to allocate and
scan even when it settles only the ~1,000 nodes within 800 m; at metro scale
(400,000 nodes) that scan, not the search, dominated (benchmarks/RESULTS.md).
Here each search touches only the nodes it reaches (a 4-ary heap with lazy
deletion, per-thread work arrays reset by the list of touched nodes), sums are
accumulated in the search itself, and blocks of sources run on several threads
(the kernels release the GIL). Results equal scipy's distances exactly (both
add edge lengths in float64 along the same shortest path); the sums differ from
a numpy ``bincount`` over the same pairs only by the order of additions.

The number of threads is the limit set with :func:`limit_threads` in the
calling thread (the dask engine sets its worker's thread count per task), else
``SAFESPACES_THREADS`` if set, else every usable core.

The kernels compile the first time they are called (about 7 s on two cores) and
numba keeps the machine code on disk (``cache=True``: ``NUMBA_CACHE_DIR`` if set,
else ``__pycache__`` beside this file, else, when that is read-only, the user's
cache folder ``~/.cache/numba``; with none writable, nothing is kept and every
process compiles); later processes load it in a fraction of a second. :func:`warm_up` (``safespaces
warmup``, run by ``tools/env.sh`` after an install) compiles every signature the
measures call, so that a new install's first run does not wait for it.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any, Literal, TypeVar

import numba
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_T = TypeVar("_T")

#: Sources per block handed to a thread (small enough to balance two threads
#: on a small study, large enough that the per-block work arrays are reused).
BLOCK = 512


#: Thread limit of the current context (thread or task); None: not limited here.
_THREAD_LIMIT: ContextVar[int | None] = ContextVar("safespaces_threads", default=None)


@contextmanager
def limit_threads(threads: int | None) -> Iterator[None]:
    """Run the kernels called in this context (this thread only) on ``threads``.

    None leaves the default (:func:`thread_count`). Unlike the environment
    variable, the limit belongs to the calling thread, so concurrent tasks in
    one process (dask workers of a ``processes=False`` cluster) don't share it.
    """
    token = _THREAD_LIMIT.set(threads)
    try:
        yield
    finally:
        _THREAD_LIMIT.reset(token)


def thread_count() -> int:
    """Threads for the kernels: :func:`limit_threads`, else ``SAFESPACES_THREADS``,
    else usable cores."""
    limit = _THREAD_LIMIT.get()
    if limit is not None:
        return max(1, limit)
    value = os.environ.get("SAFESPACES_THREADS", "").strip()
    if value:
        try:
            n = int(value)
        except ValueError as exc:
            raise ValueError(
                f"SAFESPACES_THREADS={value!r} is not a whole number; set it to e.g. 1 or 4"
            ) from exc
        return max(1, n)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def _kernel(**options: Any) -> Callable[[Callable[..., Any]], Any]:
    """``numba.njit(nogil=True, cache=True, **options)``, without the disk cache when numba
    finds no folder it can write (a read-only install and a read-only home, no
    ``NUMBA_CACHE_DIR``): numba's decorator raises then, which would fail the import; the
    kernels are compiled in every process instead."""

    def decorate(function: Callable[..., Any]) -> Any:
        try:
            return numba.njit(cache=True, nogil=True, **options)(function)
        except RuntimeError as exc:
            if "no locator available" not in str(exc):  # pragma: no cover - another failure
                raise
            return numba.njit(nogil=True, **options)(function)

    return decorate


# A 4-ary min-heap of (distance, node) with lazy deletion: shallower than a
# binary heap, and a node's four children share a cache line (28 % less time
# per search than a binary heap on the 4x4 tiled city).


@_kernel(inline="always")
def _push(heap_d: FloatArray, heap_n: IntArray, size: int, d: float, node: int) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if heap_d[parent] <= d:
            break
        heap_d[i] = heap_d[parent]
        heap_n[i] = heap_n[parent]
        i = parent
    heap_d[i] = d
    heap_n[i] = node
    return size + 1


@_kernel(inline="always")
def _pop(heap_d: FloatArray, heap_n: IntArray, size: int) -> int:
    """Remove the root (read it before calling); returns the new size."""
    size -= 1
    d = heap_d[size]
    node = heap_n[size]
    i = 0
    while True:
        first = 4 * i + 1
        if first >= size:
            break
        best = first
        best_d = heap_d[first]
        for c in range(first + 1, min(first + 4, size)):
            if heap_d[c] < best_d:
                best_d = heap_d[c]
                best = c
        if best_d >= d:
            break
        heap_d[i] = best_d
        heap_n[i] = heap_n[best]
        i = best
    if size > 0:
        heap_d[i] = d
        heap_n[i] = node
    return size


@_kernel()
def _search(
    source: int,
    indptr: IntArray,
    indices: IntArray,
    lengths: FloatArray,
    limit: float,
    dist: FloatArray,
    touched: IntArray,
    heap_d: FloatArray,
    heap_n: IntArray,
    out_node: IntArray,
    out_dist: FloatArray,
) -> int:
    """Dijkstra from ``source`` up to ``limit``; settled nodes in order of distance.

    ``dist`` (inf) is a work array of the graph's size, left as it was found.
    A heap entry is stale when its distance is above the node's best (a node
    is pushed only on a strict improvement, so each node is settled once), and
    a settled node is never improved (lengths are >= 0), so no "done" flags
    are needed. Returns how many nodes were settled; their
    positions and distances are ``out_node[:k]`` and ``out_dist[:k]`` (the
    source first, at distance 0).
    """
    n_touched = 0
    settled = 0
    size = 0
    dist[source] = 0.0
    touched[n_touched] = source
    n_touched += 1
    size = _push(heap_d, heap_n, size, 0.0, source)
    while size > 0:
        d = heap_d[0]
        u = heap_n[0]
        size = _pop(heap_d, heap_n, size)
        if d > dist[u]:
            continue
        out_node[settled] = u
        out_dist[settled] = d
        settled += 1
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = d + lengths[e]
            if nd <= limit and nd < dist[v]:
                if dist[v] == np.inf:
                    touched[n_touched] = v
                    n_touched += 1
                dist[v] = nd
                size = _push(heap_d, heap_n, size, nd, v)
    for i in range(n_touched):
        dist[touched[i]] = np.inf
    return settled


@_kernel()
def _workspace(
    n: int, n_edges: int
) -> tuple[FloatArray, IntArray, FloatArray, IntArray, IntArray, FloatArray]:
    """Work arrays of :func:`_search` for a graph of ``n`` nodes and ``n_edges`` arcs.

    ``dist`` starts at inf (the searches leave it so); a heap holds at most one
    entry per relaxed arc plus the source.
    """
    return (
        np.full(n, np.inf),
        np.empty(n, dtype=np.int64),
        np.empty(n_edges + 1),
        np.empty(n_edges + 1, dtype=np.int64),
        np.empty(n, dtype=np.int64),
        np.empty(n),
    )


@_kernel()
def _gravity_block(
    sources: IntArray,
    indptr: IntArray,
    indices: IntArray,
    lengths: FloatArray,
    weights: FloatArray,
    radii: FloatArray,
    betas: FloatArray,
    out: FloatArray,
) -> None:
    n = indptr.shape[0] - 1
    limit = radii.max()
    dist, touched, heap_d, heap_n, out_node, out_dist = _workspace(n, indices.shape[0])
    n_radii = radii.shape[0]
    acc = np.zeros(3 * n_radii)
    for s in sources:
        k = _search(
            s, indptr, indices, lengths, limit, dist, touched, heap_d, heap_n,
            out_node, out_dist,
        )  # fmt: skip
        acc[:] = 0.0
        for i in range(1, k):  # the source itself (i = 0) is left out
            d = out_dist[i]
            w = weights[out_node[i]]
            for r in range(n_radii):
                if d <= radii[r]:
                    acc[3 * r] += w
                    acc[3 * r + 1] += w / d
                    acc[3 * r + 2] += w * np.exp(-betas[r] * d)
        for j in range(3 * n_radii):
            out[j, s] = acc[j]


@_kernel()
def _pairs_block(
    sources: IntArray,
    indptr: IntArray,
    indices: IntArray,
    lengths: FloatArray,
    limit: float,
    is_target: npt.NDArray[np.bool_],
) -> tuple[IntArray, IntArray, FloatArray]:
    n = indptr.shape[0] - 1
    dist, touched, heap_d, heap_n, out_node, out_dist = _workspace(n, indices.shape[0])
    cap = max(1024, 64 * sources.shape[0])
    src = np.empty(cap, dtype=np.int64)
    dst = np.empty(cap, dtype=np.int64)
    dd = np.empty(cap)
    m = 0
    for j in range(sources.shape[0]):
        k = _search(
            sources[j], indptr, indices, lengths, limit, dist, touched, heap_d,
            heap_n, out_node, out_dist,
        )  # fmt: skip
        if m + k > cap:
            cap = max(2 * cap, m + k)
            src2 = np.empty(cap, dtype=np.int64)
            dst2 = np.empty(cap, dtype=np.int64)
            dd2 = np.empty(cap)
            src2[:m] = src[:m]
            dst2[:m] = dst[:m]
            dd2[:m] = dd[:m]
            src, dst, dd = src2, dst2, dd2
        for i in range(k):
            if is_target[out_node[i]]:
                src[m] = j
                dst[m] = out_node[i]
                dd[m] = out_dist[i]
                m += 1
    return src[:m], dst[:m], dd[:m]


def _csr(matrix: sp.spmatrix | sp.sparray, perm: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
    """Index arrays of a square, non-negative adjacency (metres), nodes renumbered.

    New node i is old node ``perm[i]``.
    """
    csr = sp.csr_matrix(matrix)
    if csr.shape[0] != csr.shape[1]:
        raise ValueError(f"adjacency must be square; got shape {csr.shape}")
    csr.sum_duplicates()
    if csr.nnz and float(csr.data.min()) < 0:
        raise ValueError("adjacency has negative edge lengths; lengths must be >= 0 metres")
    csr = sp.csr_matrix(csr[perm][:, perm])
    return (
        csr.indptr.astype(np.int64),
        csr.indices.astype(np.int64),
        csr.data.astype(np.float64),
    )


def _spread_bits(v: IntArray) -> IntArray:
    """Interleave zeros between the low 21 bits of ``v`` (for Morton codes)."""
    v = v & 0x1FFFFF
    v = (v | (v << 32)) & 0x1F00000000FFFF
    v = (v | (v << 16)) & 0x1F0000FF0000FF
    v = (v | (v << 8)) & 0x100F00F00F00F00F
    v = (v | (v << 4)) & 0x10C30C30C30C30C3
    v = (v | (v << 2)) & 0x1249249249249249
    return v


def spatial_order(xy: npt.ArrayLike | None, n: int, cell_m: float = 5.0) -> IntArray:
    """Positions sorted along a Morton (Z-order) curve of ``cell_m`` cells.

    Numbering the nodes in this order puts nodes that are near each other on
    the ground near each other in memory, so one search, and consecutive
    searches from neighbouring sources, reuse the same cache lines (measured
    1.5-2x faster than the OSM order on the tiled cities). Identity without ``xy``.
    """
    if xy is None or n == 0:
        return np.arange(n, dtype=np.int64)
    pts = np.asarray(xy, dtype=np.float64)
    cell = np.floor((pts - pts.min(axis=0)) / cell_m).astype(np.int64)
    code = _spread_bits(cell[:, 0]) | (_spread_bits(cell[:, 1]) << 1)
    return np.argsort(code, kind="stable").astype(np.int64)


def _map_blocks(
    function: Callable[[IntArray], _T], order: IntArray, threads: int | None
) -> list[_T]:
    blocks = [order[i : i + BLOCK] for i in range(0, len(order), BLOCK)]
    workers = min(thread_count() if threads is None else max(1, threads), len(blocks))
    if workers <= 1:
        return [function(b) for b in blocks]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(function, blocks))


def radius_sums(
    matrix: sp.spmatrix | sp.sparray,
    radii: Sequence[float],
    *,
    weights: npt.ArrayLike | None = None,
    beta_times_radius: float = 4.0,
    xy: npt.ArrayLike | None = None,
    threads: int | None = None,
) -> dict[str, FloatArray]:
    """Density, harmonic and gravity sums of every node over the nodes within each radius.

    For every node i and radius r, over the other nodes j with network distance
    d_ij <= r (shortest path, Dijkstra):

    - ``density_r`` = sum w_j
    - ``harmonic_r`` = sum w_j / d_ij
    - ``gravity_r`` = sum w_j exp(-beta d_ij), beta = ``beta_times_radius`` / r

    (Hansen 1959 gravity; cityseer's ``density``, ``harmonic`` and ``exp(-4p)``
    closeness with node weights).

    Parameters
    ----------
    matrix
        Symmetric sparse adjacency, edge lengths in metres (no duplicates:
        :func:`safespaces.network.adjacency` keeps the shortest).
    radii
        Network radii (metres).
    weights
        Node weights w_j (default 1).
    beta_times_radius
        beta x r.
    xy
        Node coordinates; only used to order the searches for memory locality.
    threads
        Threads (default :func:`thread_count`).

    Returns
    -------
    dict
        Arrays keyed ``density_<r>``, ``harmonic_<r>``, ``gravity_<r>`` (r as an int).
    """
    n = matrix.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=np.float64)
    if w.shape != (n,):
        raise ValueError(f"weights has shape {w.shape}; expected ({n},)")
    r_arr = np.asarray([float(r) for r in radii], dtype=np.float64)
    if r_arr.size == 0 or (r_arr <= 0).any():
        raise ValueError(f"radii must be positive metres; got {list(radii)}")
    betas = beta_times_radius / r_arr
    perm = spatial_order(xy, n)
    indptr, indices, lengths = _csr(matrix, perm)
    w_perm = w[perm]
    out_perm = np.zeros((3 * len(r_arr), n))
    if n:

        def block(sources: IntArray) -> None:
            _gravity_block(sources, indptr, indices, lengths, w_perm, r_arr, betas, out_perm)

        _map_blocks(block, np.arange(n, dtype=np.int64), threads)
    out = np.empty_like(out_perm)
    out[:, perm] = out_perm
    result: dict[str, FloatArray] = {}
    for i, r in enumerate(r_arr):
        for j, kind in enumerate(("density", "harmonic", "gravity")):
            result[f"{kind}_{int(r)}"] = out[3 * i + j]
    return result


def pairs_within(
    matrix: sp.spmatrix | sp.sparray,
    sources: npt.ArrayLike,
    limit: float,
    *,
    targets: npt.ArrayLike | None = None,
    xy: npt.ArrayLike | None = None,
    threads: int | None = None,
) -> tuple[IntArray, IntArray, FloatArray]:
    """Every (source, target) pair within ``limit`` metres along the network.

    Parameters
    ----------
    matrix
        Symmetric sparse adjacency, edge lengths in metres.
    sources
        Source nodes (positions in ``matrix``).
    limit
        Largest network distance (metres), included.
    targets
        Nodes to report (default all); a source reaches itself at distance 0.
    xy
        Node coordinates; only used to order the searches for memory locality.
    threads
        Threads (default :func:`thread_count`).

    Returns
    -------
    source_pos, target, distance
        ``source_pos`` indexes ``sources``; ``target`` is a node; rows sorted by
        source position, then by distance.
    """
    n = matrix.shape[0]
    src_nodes = np.asarray(sources, dtype=np.int64)
    if src_nodes.size and (src_nodes.min() < 0 or src_nodes.max() >= n):
        raise ValueError(f"sources must be node positions in 0..{n - 1}")
    perm = spatial_order(xy, n)
    inverse = np.empty(n, dtype=np.int64)
    inverse[perm] = np.arange(n)
    indptr, indices, lengths = _csr(matrix, perm)
    is_target = np.ones(n, dtype=np.bool_)
    if targets is not None:
        is_target[:] = False
        is_target[inverse[np.asarray(targets, dtype=np.int64)]] = True
    src_new = inverse[src_nodes]
    order = np.argsort(src_new, kind="stable").astype(np.int64)

    def block(positions: IntArray) -> tuple[IntArray, IntArray, FloatArray]:
        s, t, d = _pairs_block(
            src_new[positions], indptr, indices, lengths, float(limit), is_target
        )
        return positions[s], perm[t], d

    parts: list[Any] = _map_blocks(block, order, threads)
    if not parts:
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    s_all = np.concatenate([p[0] for p in parts])
    t_all = np.concatenate([p[1] for p in parts])
    d_all = np.concatenate([p[2] for p in parts])
    sort = np.argsort(s_all, kind="stable")
    return s_all[sort], t_all[sort], d_all[sort]


#: The compiled entry points the measures call (through :func:`radius_sums` and
#: :func:`pairs_within`); ``_search`` and ``_workspace`` are compiled into them.
KERNELS = {"radius_sums": _gravity_block, "pairs_within": _pairs_block}


def warm_up() -> dict[str, tuple[Literal["compiled", "loaded"], str | None]]:
    """Compile every kernel signature the measures use, or load it from numba's cache.

    Runs :func:`radius_sums` and :func:`pairs_within` once on a three-node path
    with the argument types the eyes and social-mix stages pass (the public
    functions convert every input to those types, so a tiny graph compiles the
    very signatures a city does) and checks the answers by hand. Afterwards
    every process that imports this module on this machine (same numba, same
    CPU, same source file) loads the machine code from the cache instead of
    compiling it.

    Returns
    -------
    dict
        For each public function: ``"compiled"`` or ``"loaded"`` (from the
        cache), and the cache folder (None: numba could not cache).

    Examples
    --------
    >>> sorted(warm_up())
    ['pairs_within', 'radius_sums']
    """
    # 0 -1 m- 1 -2 m- 2, all nodes weighted 1
    matrix = sp.csr_matrix(
        (np.array([1.0, 1.0, 2.0, 2.0]), (np.array([0, 1, 1, 2]), np.array([1, 0, 2, 1]))),
        shape=(3, 3),
    )
    xy = np.array([[0.0, 0.0], [1.0, 0.0], [3.0, 0.0]])
    before = {name: sum(k.stats.cache_misses.values()) for name, k in KERNELS.items()}
    sums = radius_sums(matrix, (1.0, 3.0), weights=np.ones(3), xy=xy, threads=1)
    s, t, d = pairs_within(matrix, [0, 2], 2.0, targets=[0, 1], xy=xy, threads=1)
    if not (
        np.array_equal(sums["density_1"], [1.0, 1.0, 0.0])
        and np.array_equal(sums["density_3"], [2.0, 2.0, 2.0])
        and np.array_equal(s, [0, 0, 1])
        and np.array_equal(t, [0, 1, 1])
        and np.array_equal(d, [0.0, 1.0, 2.0])
    ):  # pragma: no cover - a broken numba or llvmlite install
        raise RuntimeError(
            "the compiled shortest-path kernels give wrong answers on a three-node graph; "
            "reinstall numba and llvmlite (pip install --force-reinstall numba)"
        )
    report: dict[str, tuple[Literal["compiled", "loaded"], str | None]] = {}
    for name, kernel in KERNELS.items():
        compiled = sum(kernel.stats.cache_misses.values()) > before[name]
        path = getattr(getattr(kernel, "_cache", None), "cache_path", None)
        report[name] = ("compiled" if compiled else "loaded", path)
    return report
