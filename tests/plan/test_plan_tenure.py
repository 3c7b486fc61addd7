"""plan tenure: the split verified by re-running the what-if and the walking neighbourhoods."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces.errors import InputError
from safespaces.mix.buildings import analyse_neighbourhoods
from safespaces.mix.params import MixParams
from safespaces.mix.whatif import what_if
from safespaces.plan.tenure import TenureParams, grid_splits, plan_tenure
from safespaces.sources.frames import street_segments

CRS = "EPSG:3067"
GROUPS = ["tenure_ara_rental", "tenure_right_of_occupancy", "tenure_owner"]
POLICY = ["ara_rental", "intermediate", "unregulated"]
X0, Y0 = 385_000.0, 6_672_000.0


def _town() -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame, gpd.GeoDataFrame]:
    """Three 300 m areas in a row, a street along them, nine tenure buildings."""
    areas = gpd.GeoDataFrame(
        {"name": ["A", "B", "C"]},
        geometry=[shapely.box(X0 + 300 * i, Y0, X0 + 300 * (i + 1), Y0 + 300) for i in range(3)],
        crs=CRS,
    )
    xs = [50, 150, 250, 350, 450, 550, 650, 750, 850]
    homes = gpd.GeoDataFrame(
        {
            "tenure_ara_rental": [40, 30, 5, 10, 0, 0, 20, 0, 10],
            "tenure_right_of_occupancy": [0, 10, 5, 0, 10, 0, 0, 30, 0],
            "tenure_owner": [10, 0, 10, 30, 20, 40, 0, 10, 30],
        },
        geometry=[shapely.Point(X0 + x, Y0 + 160) for x in xs],
        crs=CRS,
    )
    street = gpd.GeoDataFrame(
        geometry=[
            shapely.LineString([(X0 + 100 * i, Y0 + 150), (X0 + 100 * (i + 1), Y0 + 150)])
            for i in range(9)
        ],
        crs=CRS,
    )
    counts = homes.assign(area=np.repeat([0, 1, 2], 3)).groupby("area")[GROUPS].sum().reset_index()
    return areas.join(counts[GROUPS]), homes, street_segments(street, need=("u", "v", "length_m"))


PARAMS = MixParams(min_dwellings=1, radii_m=(400.0, 800.0))


def _site(dwellings: object = 20, x: float = 120) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"dwellings": [dwellings]}, geometry=[shapely.Point(X0 + x, Y0 + 160)], crs=CRS
    )


def _objective_by_the_models(split, areas, homes, street) -> float:
    """J recomputed from the what-if (area) and the walking-neighbourhood scores (400/800 m)
    of the development added as a building: the tool's own models, not the planner's code."""
    dev = _site()
    for g, x in zip(GROUPS, split, strict=True):
        dev[g] = int(x)
    change = what_if(areas, dev, GROUPS, params=PARAMS)
    area = change[change["scope"] == "area"].set_index("metric")["after"]
    gaps = [area[f"target_gap_{g}"] for g in POLICY]
    both = pd.concat([homes, dev[[*GROUPS, "geometry"]]], ignore_index=True)
    walks = analyse_neighbourhoods(street, both, GROUPS, PARAMS).neighbourhoods
    assert walks is not None
    walks = walks.iloc[-1]
    for r in ("400m", "800m"):
        gaps += [walks[f"mix_target_gap_{g}_{r}"] for g in POLICY]
    return float(sum((np.asarray(gaps, dtype=float) / 100.0) ** 2))


def test_best_on_the_grid_by_brute_force_through_the_models():
    areas, homes, street = _town()
    plan = plan_tenure(
        areas,
        _site(),
        GROUPS,
        tenure=homes,
        segments=street,
        params=PARAMS,
        plan=TenureParams(step_share=0.1),
    )
    assert plan.method == "exhaustive"
    grid = grid_splits(20, 3, 10)
    assert len(grid) == plan.tried == 66
    best = plan.split["dwellings"].to_numpy()
    assert best.sum() == 20
    j_best = _objective_by_the_models(best, areas, homes, street)
    assert j_best == pytest.approx(plan.objective, rel=1e-9)
    others = [_objective_by_the_models(s, areas, homes, street) for s in grid]
    assert j_best <= min(others) + 1e-12
    # the planner's objective agrees with the models on every split of the grid
    assert np.allclose(plan.objective_of(grid), others, rtol=1e-9)


def test_after_values_equal_the_what_if_re_run():
    areas, homes, street = _town()
    plan = plan_tenure(areas, _site(), GROUPS, tenure=homes, segments=street, params=PARAMS)
    again = what_if(areas, plan.development, GROUPS, params=PARAMS)
    table = plan.table[plan.table["scope"].isin(["area", "neighbourhood", "city"])]
    pd.testing.assert_frame_equal(
        table.reset_index(drop=True)[["scope", "metric", "before", "after"]],
        again[["scope", "metric", "before", "after"]],
    )
    walk = plan.table[plan.table["scope"] == "walk_400m"].set_index("metric")["after"]
    both = pd.concat([homes, plan.development[[*GROUPS, "geometry"]]], ignore_index=True)
    frame = analyse_neighbourhoods(street, both, GROUPS, PARAMS).neighbourhoods
    assert frame is not None
    scores = frame.iloc[-1]
    for metric in ("entropy", "target_gap_ara_rental", "lq_tenure_owner", "lq_owner"):
        if metric in walk:
            assert walk[metric] == pytest.approx(scores[f"mix_{metric}_400m"], rel=1e-9)


def test_greedy_for_many_groups_matches_the_grid_optimum_within_a_step():
    areas, homes, street = _town()
    exhaustive = plan_tenure(areas, _site(40), GROUPS, params=PARAMS)
    import safespaces.plan.tenure as tenure

    limit = tenure.EXHAUSTIVE_LIMIT
    try:
        tenure.EXHAUSTIVE_LIMIT = 0
        greedy = plan_tenure(areas, _site(40), GROUPS, params=PARAMS)
    finally:
        tenure.EXHAUSTIVE_LIMIT = limit
    assert (exhaustive.method, greedy.method) == ("exhaustive", "greedy")
    assert greedy.split["dwellings"].sum() == 40
    assert greedy.objective <= exhaustive.objective + 0.01


@pytest.mark.parametrize(
    ("site", "match"),
    [
        (_site().drop(columns="dwellings"), "column 'dwellings'.*Fix: add a column"),
        (_site(0), "column 'dwellings'.*not a number of dwellings"),
        (_site("many"), "not a number of dwellings"),
        (_site(x=5000), "outside every area.*Fix: check its coordinates"),
        (pd.concat([_site(), _site()]), "2 features"),
    ],
)
def test_bad_development(site, match):
    areas, _, _ = _town()
    with pytest.raises(InputError, match=match):
        plan_tenure(areas, site, GROUPS, params=PARAMS, path="site.gpkg")


@pytest.mark.slow
def test_cli_on_the_helsinki_default(tmp_path):
    """The embedded default (SYNTHETIC tenure) through the command: the split sums to the
    dwellings, the table is in the GeoPackage and the CSV; bad files exit 2."""
    import json

    from test_plan_hours import _cli

    site = gpd.GeoDataFrame(
        {"dwellings": [200]}, geometry=[shapely.Point(385_700, 6_671_800)], crs=CRS
    )
    site.to_file(tmp_path / "site.gpkg")
    out = tmp_path / "out"
    assert (
        _cli(["plan", "tenure", "--development", str(tmp_path / "site.gpkg"), "--out", str(out)])
        == 0
    )
    info = json.loads((out / "plan_tenure_summary.json").read_text())
    assert info["tenure_synthetic"] is True
    assert sum(info["split"].values()) == 200
    table = gpd.read_file(out / "safespaces.gpkg", layer="plan_tenure")
    csv = pd.read_csv(out / "plan_tenure.csv")
    assert len(table) == len(csv) > 50
    assert set(csv["scope"]) >= {"development", "area", "walk_400m", "walk_800m", "city"}
    bad = tmp_path / "bad.gpkg"
    site.drop(columns="dwellings").assign(homes=[200]).to_file(bad)
    assert _cli(["plan", "tenure", "--development", str(bad), "--out", str(out)]) == 2
    far = tmp_path / "far.gpkg"
    site.assign(geometry=[shapely.Point(300_000, 6_600_000)]).to_file(far)
    assert _cli(["plan", "tenure", "--development", str(far), "--out", str(out)]) == 2


@pytest.mark.slow
def test_helsinki_default_verified_by_the_what_if_and_the_walks():
    """On the embedded default (SYNTHETIC tenure), 200 dwellings in Keskusta 2: the after-values
    equal a re-run of the what-if, the walks' target gaps equal the walking-neighbourhood
    model's for the development added as a building, and J is the best of the 5 % grid."""
    from safespaces.config import Config
    from safespaces.mix.buildings import aggregate_buildings
    from safespaces.stages import tenure_groups
    from safespaces.study import Inputs, load_study

    config = Config()
    study = load_study(Inputs(), config)
    groups = tenure_groups(study)
    counts = aggregate_buildings(study.tenure, study.areas, groups)
    areas = study.areas.drop(columns=[c for c in counts.columns if c in study.areas]).join(counts)
    site = gpd.GeoDataFrame(
        {"dwellings": [200]}, geometry=[areas.geometry.iloc[5].representative_point()], crs=CRS
    )
    plan = plan_tenure(
        areas,
        site,
        groups,
        tenure=study.tenure,
        segments=study.osm.segments,
        params=config.mix,
        id_column="name",
    )
    assert plan.split["dwellings"].sum() == 200
    again = what_if(areas, plan.development, groups, params=config.mix, id_column="name")
    table = plan.table[plan.table["scope"].isin(["area", "neighbourhood", "city"])]
    assert np.allclose(
        table["after"].to_numpy(float), again["after"].to_numpy(float), equal_nan=True
    )
    both = pd.concat([study.tenure, plan.development[[*groups, "geometry"]]], ignore_index=True)
    walks = analyse_neighbourhoods(study.osm.segments, both, groups, config.mix).neighbourhoods
    assert walks is not None
    row = walks.iloc[-1]
    for r in ("400m", "800m"):
        mine = plan.table[plan.table["scope"] == f"walk_{r}"].set_index("metric")["after"]
        for g in POLICY:
            assert mine[f"target_gap_{g}"] == pytest.approx(row[f"mix_target_gap_{g}_{r}"])
    grid = grid_splits(200, 3, 20)
    assert plan.objective == pytest.approx(plan.objective_of(grid).min())
    area = plan.table[
        (plan.table["scope"] == "area") & plan.table["metric"].str.startswith("target")
    ]
    assert (area["after"].abs() < area["before"].abs()).all()  # the area moves to the targets
