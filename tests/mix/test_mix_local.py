"""Local scores on a 3 x 3 toy grid, checked by hand."""

from __future__ import annotations

import math

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces.mix import MixParams, analyse_mix, building_neighbourhood_scores, local

# 3 x 3 grid of 100 m cells, row-major; columns ara_rental, hitas_owner, owner.
# City totals are 50 / 50 / 50, so each city share is 1/3.
GRID = np.array(
    [
        [10, 0, 0],  # 0: one group only
        [10, 10, 10],  # 1: perfectly even
        [5, 5, 0],  # 2: two groups, equal
        [0, 0, 0],  # 3: empty -> suppressed
        [2, 2, 2],  # 4: 6 dwellings < 10 -> suppressed
        [0, 20, 0],  # 5
        [15, 5, 0],  # 6
        [0, 0, 20],  # 7
        [8, 8, 18],  # 8
    ]
)
GROUPS = ["ara_rental", "hitas_owner", "owner"]


def grid(counts: np.ndarray = GRID) -> gpd.GeoDataFrame:
    x, y = np.arange(9) % 3 * 100.0, np.arange(9) // 3 * 100.0
    frame = pd.DataFrame(counts, columns=GROUPS)
    return gpd.GeoDataFrame(frame, geometry=shapely.box(x, y, x + 100, y + 100), crs=3067)


def test_entropy_by_hand() -> None:
    e = local.entropy(GRID)
    assert e[0] == 0.0
    assert e[1] == pytest.approx(1.0)
    assert e[2] == pytest.approx(math.log(2) / math.log(3))
    assert np.isnan(e[3])
    h6 = -(0.75 * math.log(0.75) + 0.25 * math.log(0.25)) / math.log(3)
    assert e[6] == pytest.approx(h6)
    assert e[5] == 0.0


def test_simpson_by_hand() -> None:
    s = local.simpson(GRID)
    assert s[0] == 0.0
    assert s[1] == pytest.approx(2 / 3)
    assert s[2] == pytest.approx(0.5)
    assert s[6] == pytest.approx(1 - 0.75**2 - 0.25**2)
    assert np.isnan(s[3])


def test_location_quotient_by_hand() -> None:
    lq = local.location_quotient(GRID)
    assert lq[0].tolist() == pytest.approx([3.0, 0.0, 0.0])
    assert lq[1].tolist() == pytest.approx([1.0, 1.0, 1.0])
    assert lq[2].tolist() == pytest.approx([1.5, 1.5, 0.0])
    assert lq[6, 0] == pytest.approx(2.25)
    assert np.isnan(lq[3]).all()


def test_divergence_by_hand() -> None:
    d = local.divergence(GRID)
    assert d[0] == pytest.approx(math.log(3))
    assert d[1] == pytest.approx(0.0)
    assert d[2] == pytest.approx(math.log(1.5))
    assert np.isnan(d[3])


def test_area_columns_targets_and_suppression() -> None:
    result = analyse_mix(grid(), GROUPS, params=MixParams(permutations=0))
    a = result.areas
    assert a["mix_suppressed"].tolist() == [False, False, False, True, True] + [False] * 4
    # suppressed: scores AND counts are NULL (privacy), also in the input columns
    for col in ["mix_entropy", "mix_simpson", "mix_lq_owner", "tenure_owner", "owner"]:
        assert a[col].isna().tolist()[3:5] == [True, True], col
    assert a.loc[1, "mix_entropy"] == pytest.approx(1.0)
    assert a.loc[0, "tenure_ara_rental"] == 10
    # AM 2023: 30 % ARA / 20 % intermediate (Hitas) / 50 % unregulated (owner)
    assert a.loc[1, "mix_target_gap_ara_rental"] == pytest.approx(100 / 3 - 30)
    assert a.loc[1, "mix_target_gap_intermediate"] == pytest.approx(100 / 3 - 20)
    assert a.loc[1, "mix_target_gap_unregulated"] == pytest.approx(100 / 3 - 50)
    assert a.loc[0, "mix_target_gap_ara_rental"] == pytest.approx(70.0)
    am2021 = analyse_mix(grid(), GROUPS, params=MixParams(target="am2021", permutations=0))
    assert am2021.areas.loc[0, "mix_target_gap_intermediate"] == pytest.approx(-30.0)


def test_min_dwellings_is_configurable() -> None:
    a = analyse_mix(grid(), GROUPS, params=MixParams(min_dwellings=5, permutations=0)).areas
    assert a["mix_suppressed"].sum() == 1  # only the empty cell
    assert a.loc[4, "mix_entropy"] == pytest.approx(1.0)


def test_building_neighbourhoods_by_hand() -> None:
    # buildings at the cell centres; 100 m reaches the 4 orthogonal neighbours, not diagonals
    b = grid().copy()
    b["geometry"] = b.geometry.centroid
    out = building_neighbourhood_scores(b, GROUPS, params=MixParams(radii_m=(100.0, 400.0)))
    centre = GRID[[1, 3, 4, 5, 7]].sum(axis=0)
    assert centre.tolist() == [12, 32, 32]
    assert out.loc[4, "mix_entropy_100m"] == pytest.approx(local.entropy(centre[None])[0])
    assert out.loc[4, "mix_simpson_100m"] == pytest.approx(1 - (12 / 76) ** 2 - 2 * (32 / 76) ** 2)
    # 400 m reaches every building: the whole city, LQ 1 and divergence 0
    assert out["mix_lq_owner_400m"].to_numpy() == pytest.approx(np.ones(9))
    assert out["mix_divergence_400m"].to_numpy() == pytest.approx(np.zeros(9))
    assert not out["mix_suppressed_100m"].any()
    assert list(out.index) == list(b.index)


def test_building_neighbourhoods_accept_network_reach() -> None:
    import scipy.sparse as sp

    b = grid().copy()
    b["geometry"] = b.geometry.centroid
    alone = sp.identity(9, format="csr")  # a network where nobody reaches anybody else
    out = building_neighbourhood_scores(
        b, GROUPS, params=MixParams(radii_m=(400.0,)), reach={400.0: alone}
    )
    expected = local.entropy(GRID)
    expected[[3, 4]] = np.nan
    np.testing.assert_allclose(out["mix_entropy_400m"], expected)


def test_network_reach_matrix_by_hand() -> None:
    import scipy.sparse as sp

    from safespaces.mix.spatial import network_reach_matrix

    # path 0 - 1 - 2 - 3 with 100 m edges; units at nodes 0, 1, 3 (10 m away) and 3
    edges = ([0, 1, 1, 2, 2, 3], [1, 0, 2, 1, 3, 2])
    graph = sp.csr_matrix((np.full(6, 100.0), edges), shape=(4, 4))
    reach = network_reach_matrix(graph, [0, 1, 3, 3], 200.0, access_m=[0, 0, 10, 0])
    assert reach.toarray().tolist() == [
        [1, 1, 0, 0],
        [1, 1, 0, 1],  # 1 -> unit at node 3 is 200 m; the one 10 m off the node is 210 m
        [0, 0, 1, 1],
        [0, 1, 1, 1],
    ]
