"""analyse_mix: output contract, new production, targets, errors; inference and spatial."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from segregation.multigroup import MultiDissim
from segregation.singlegroup import Dissim

from safespaces.errors import ConfigError, InputError
from safespaces.mix import MixParams, aggregate_buildings, analyse_mix, permutation_p_values
from safespaces.mix.analysis import SUMMARY_KEYS
from safespaces.mix.indices import global_indices
from safespaces.mix.inference import shuffle_dwellings
from safespaces.mix.spatial import kernel_weights, neighbourhood_counts, reach_matrix

GROUPS = ["ara_rental", "hitas_owner", "owner"]


def areas(n: int = 30, seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    x = np.arange(n) % 6 * 200.0
    y = np.arange(n) // 6 * 200.0
    frame = pd.DataFrame(rng.integers(0, 40, (n, 3)), columns=GROUPS)
    frame.loc[0] = [0, 0, 0]
    frame.loc[1] = [3, 0, 1]
    return gpd.GeoDataFrame(frame, geometry=shapely.box(x, y, x + 200, y + 200), crs=3067)


def test_summary_contract_is_json_ready() -> None:
    r = analyse_mix(areas(), GROUPS, params=MixParams(permutations=19), seed=1)
    s = json.loads(json.dumps(r.indices, allow_nan=False))
    for key in ("dissimilarity", "isolation", "exposure", "gini"):
        assert set(s[key]) == set(GROUPS)
        assert set(s["p_values"][key]) == set(GROUPS)
    for key in ("multigroup_dissimilarity", "multigroup_gini", "theil_h"):
        assert isinstance(s[key], float)
        assert 0 < s["p_values"][key] <= 1
    for key in ("simpsons_interaction", "multigroup_entropy"):
        assert isinstance(s[key], float) and key not in s["p_values"]
    assert "decay_1000m" in s["spatial"]
    t = r.summary_table
    assert list(t.columns) == ["index", "group", "value", "p_value"]
    assert set(SUMMARY_KEYS) <= set(t["index"])


def test_same_seed_same_p_values() -> None:
    a = analyse_mix(areas(), GROUPS, params=MixParams(permutations=9), seed=5).indices
    b = analyse_mix(areas(), GROUPS, params=MixParams(permutations=9), seed=5).indices
    assert a["p_values"] == b["p_values"]


def test_total_column_feeds_single_group_indices_only() -> None:
    g = areas()
    g["total"] = g[GROUPS].sum(axis=1) + 5
    s = analyse_mix(g, GROUPS, total="total", params=MixParams(permutations=0)).indices
    ref: dict[str, Any] = global_indices(g[GROUPS].to_numpy(), GROUPS, g["total"].to_numpy())
    assert s["dissimilarity"]["owner"] == pytest.approx(ref["dissimilarity"]["owner"])
    plain = analyse_mix(g, GROUPS, params=MixParams(permutations=0)).indices
    assert s["multigroup_gini"] == pytest.approx(plain["multigroup_gini"])
    assert s["dissimilarity"]["owner"] != pytest.approx(plain["dissimilarity"]["owner"])


def test_new_production_gap() -> None:
    g = areas()
    g["new_tenure_ara_rental"] = 0
    g["new_tenure_owner"] = 0
    g.loc[5, ["new_tenure_ara_rental", "new_tenure_owner"]] = [6, 14]
    a = analyse_mix(g, GROUPS, params=MixParams(permutations=0)).areas
    assert a.loc[5, "mix_new_target_gap_ara_rental"] == pytest.approx(0.0)  # 30 % = target
    assert a.loc[5, "mix_new_target_gap_unregulated"] == pytest.approx(20.0)
    assert np.isnan(a["mix_new_target_gap_ara_rental"].to_numpy()[6])  # no new production
    assert bool(a.loc[6, "mix_new_suppressed"])


def test_buildings_with_new_production_aggregate_to_areas() -> None:
    g = areas(4)
    b = gpd.GeoDataFrame(
        {"ara_rental": [5, 7, 1], "owner": [1, 2, 3], "new_production": [True, False, True]},
        geometry=[shapely.Point(10, 10), shapely.Point(20, 20), shapely.Point(300, 10)],
        crs=3067,
    )
    out = aggregate_buildings(b, g, ["ara_rental", "owner"])
    assert out["tenure_ara_rental"].tolist() == [12, 1, 0, 0]
    assert out["new_tenure_ara_rental"].tolist() == [5, 1, 0, 0]


def test_custom_and_bad_targets() -> None:
    custom = MixParams(
        target="custom",
        custom_targets={"ara_rental": 0.5, "intermediate": 0.0, "unregulated": 0.5},
        permutations=0,
    )
    a = analyse_mix(areas(), GROUPS, params=custom).areas
    row = a.loc[2]
    share = row["tenure_ara_rental"] / row["mix_dwellings"]
    assert row["mix_target_gap_ara_rental"] == pytest.approx(100 * (share - 0.5))
    with pytest.raises(ConfigError, match="'mix.target' = 'am1999': not one of"):
        analyse_mix(areas(), GROUPS, params=MixParams(target="am1999"))
    with pytest.raises(ConfigError, match="sum to 1"):
        analyse_mix(
            areas(),
            GROUPS,
            params=MixParams(target="custom", custom_targets={"ara_rental": 0.4}),
        )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda g: g.drop(columns="owner"), "column 'owner': count column not found"),
        (lambda g: g.assign(owner=g["owner"].astype(object).where(g.index != 3, "x")), "row 4"),
        (lambda g: g.assign(owner=g["owner"].where(g.index != 2, -1)), "negative"),
    ],
)
def test_bad_counts_name_the_place(change, message) -> None:
    with pytest.raises(InputError, match=message):
        analyse_mix(change(areas()), GROUPS)


def test_total_smaller_than_groups() -> None:
    g = areas()
    g["total"] = g[GROUPS].sum(axis=1)
    g.loc[2, "total"] -= 1
    with pytest.raises(InputError, match="row 3, column 'total'.*smaller than the sum"):
        analyse_mix(g, GROUPS, total="total")


# --- inference ---------------------------------------------------------------------------------


def test_shuffle_keeps_both_margins() -> None:
    rng = np.random.default_rng(0)
    c = rng.integers(0, 9, (50, 4))
    c[:5] = 0
    s = shuffle_dwellings(c, rng)
    assert (s.sum(axis=0) == c.sum(axis=0)).all()
    assert (s.sum(axis=1) == c.sum(axis=1)).all()


def test_p_values_segregated_and_random_cities() -> None:
    seg = np.array([[30, 0], [0, 30]] * 5)
    p: dict[str, Any] = permutation_p_values(seg, ["a", "b"], permutations=49, seed=1)
    assert p["multigroup_dissimilarity"] == pytest.approx(1 / 50)
    assert p["exposure"]["a"] == pytest.approx(1 / 50)
    rng = np.random.default_rng(3)
    random_city = rng.multinomial(40, [0.5, 0.3, 0.2], size=60)
    p = permutation_p_values(random_city, ["a", "b", "c"], permutations=99, seed=2)
    assert isinstance(p["theil_h"], float)
    assert p["theil_h"] > 0.05


# --- spatial -----------------------------------------------------------------------------------


def test_distance_decay_equals_pysal_spatial_indices() -> None:
    """PySAL's distance= indices use libpysal kernels with a unit diagonal and then round
    the smoothed counts to whole numbers; with that rounding ours agree exactly."""
    rng = np.random.default_rng(0)
    xy = rng.uniform(0, 3000, (40, 2))
    g = gpd.GeoDataFrame(
        {"a": rng.integers(0, 50, 40), "b": rng.integers(0, 50, 40)},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=3067,
    )
    g["t"] = g["a"] + g["b"]
    for kernel in ("triangular", "gaussian"):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ref = Dissim(g, "a", "t", distance=1000, function=kernel).statistic
            ref_m = MultiDissim(g, ["a", "b"], distance=1000, function=kernel).statistic
        w = kernel_weights(xy, 1000, kernel)
        s = np.round(neighbourhood_counts(g[["a", "t"]].to_numpy(), w))
        sm = np.round(neighbourhood_counts(g[["a", "b"]].to_numpy(), w))
        res = global_indices(sm, ["a", "b"], s[:, 1])
        assert res["multigroup_dissimilarity"] == pytest.approx(ref_m, rel=1e-9, abs=1e-9)
        from safespaces.mix.indices import dissimilarity

        assert dissimilarity(s[:, 0], s[:, 1]) == pytest.approx(ref, rel=1e-9, abs=1e-9)


def test_reach_matrix_and_network_weights() -> None:
    xy = np.array([[0.0, 0.0], [300.0, 0.0], [1000.0, 0.0]])
    r = reach_matrix(xy, 400).toarray()
    assert r.tolist() == [[1, 1, 0], [1, 1, 0], [0, 0, 1]]
    k = kernel_weights(xy, 400, "triangular").toarray()
    assert k[0, 1] == pytest.approx(1 - 300 / 400) and k[0, 0] == 1.0 and k[0, 2] == 0.0
    g = areas(3)
    net = analyse_mix(g, GROUPS, params=MixParams(permutations=0), weights=r).indices
    smooth = global_indices(r @ g[GROUPS].to_numpy(float), GROUPS)
    assert net["spatial"]["network"]["theil_h"] == pytest.approx(smooth["theil_h"])
    assert math.isfinite(net["spatial"]["network"]["multigroup_gini"])
