"""Outputs on the Helsinki default (synthetic tenure) and on the real district polygons.

The districts come from ../shared/data/helsinki (never copied into the repository);
their tenure table is synthetic and generated here from a seed.
"""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
from conftest import require

from safespaces.cli import main
from safespaces.crs import metric_crs
from safespaces.mix import (
    MixParams,
    aggregate_buildings,
    analyse_mix,
    building_neighbourhood_scores,
    synthetic_area_tenure,
    walking_reach,
    what_if,
)
from safespaces.sections import HELSINKI_TENURE
from safespaces.sources.areas import grid_areas
from safespaces.sources.osm import load_osm
from safespaces.sources.tenure import read_tenure
from safespaces.synthetic import DEFAULT_OSM, TENURE_FILE

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "helsinki"
DISTRICTS = SHARED / "osa_alueet.geojson"
CATS = list(HELSINKI_TENURE)
COLUMNS = [f"tenure_{c}" for c in CATS]


def reach_matrix_sizes(buildings: gpd.GeoDataFrame) -> int:
    from safespaces.mix.spatial import reach_matrix

    pts = buildings.geometry.representative_point()
    return int(reach_matrix(np.column_stack([pts.x, pts.y]), 400.0).nnz)


def districts() -> gpd.GeoDataFrame:
    require(
        DISTRICTS.is_file(), f"{DISTRICTS} is absent (real districts live beside the repository)"
    )
    gdf = gpd.read_file(DISTRICTS)
    gdf = gdf.to_crs(metric_crs(24.94, 60.17))
    return gdf.join(synthetic_area_tenure(gdf, seed=20261121))


@pytest.mark.shared
def test_real_districts_with_synthetic_tenure() -> None:
    gdf = districts()
    assert len(gdf) == 148
    r = analyse_mix(gdf, COLUMNS, params=MixParams(permutations=19), seed=1)
    a = r.areas
    for col in ["mix_entropy", "mix_simpson", "mix_divergence", "mix_suppressed"]:
        assert col in a
    for c in CATS:
        assert f"mix_lq_{c}" in a and f"tenure_{c}" in a
    for g in ("ara_rental", "intermediate", "unregulated"):
        assert f"mix_target_gap_{g}" in a
    sup = a["mix_suppressed"].to_numpy()
    assert 0 < sup.sum() < len(a)  # the generator leaves some districts (nearly) empty
    assert a.loc[sup, "tenure_owner"].isna().all()
    ok = a.loc[~sup, "mix_entropy"]
    assert ok.between(0, 1).all()
    s = json.loads(json.dumps(r.indices, allow_nan=False))
    assert 0 < s["multigroup_dissimilarity"] < 1
    assert s["p_values"]["theil_h"] <= 0.05  # the synthetic city is segregated by design


@pytest.mark.shared
def test_cli_on_real_districts(tmp_path: Path) -> None:
    gdf = districts()
    gdf.to_crs(4326).to_file(tmp_path / "districts.gpkg")
    dev = gdf.iloc[[10]].copy()
    dev["geometry"] = dev.geometry.representative_point().buffer(50)
    dev[COLUMNS] = [30, 0, 20, 50, 0, 0]
    dev[COLUMNS + ["geometry"]].to_file(tmp_path / "dev.gpkg")
    out = tmp_path / "out"
    rc = main(
        ["mix", "--areas", str(tmp_path / "districts.gpkg"), "--groups", ",".join(COLUMNS)]
        + ["--out", str(out), "--what-if", str(tmp_path / "dev.gpkg"), "--id-column", "nimi_fi"]
    )
    assert rc == 0
    layer = pyogrio.read_dataframe(out / "safespaces.gpkg", layer="areas")
    assert len(layer) == 148 and "mix_target_gap_ara_rental" in layer
    assert (out / "mix_summary.json").is_file() and (out / "mix_what_if.csv").is_file()


def test_helsinki_default_synthetic_tenure() -> None:
    """The embedded default: synthetic tenure per building, 250 m grid areas."""
    buildings = read_tenure(TENURE_FILE, categories=HELSINKI_TENURE)
    crs = metric_crs(24.94, 60.17)
    buildings = buildings.to_crs(crs)
    grid = grid_areas(tuple(buildings.total_bounds), crs, size_m=250.0)
    counts = aggregate_buildings(buildings, grid, COLUMNS)
    assert counts.to_numpy().sum() == buildings[COLUMNS].to_numpy().sum()
    areas = grid.join(counts)
    r = analyse_mix(areas, COLUMNS, params=MixParams(permutations=19), seed=2)
    assert r.areas["mix_suppressed"].any() and not r.areas["mix_suppressed"].all()
    assert np.isfinite(r.indices["theil_h"])
    nb = building_neighbourhood_scores(buildings, COLUMNS)
    assert {"mix_entropy_400m", "mix_simpson_800m", "mix_suppressed_800m"} <= set(nb.columns)
    # a bigger walking radius holds at least as many dwellings: fewer suppressed
    assert nb["mix_suppressed_800m"].sum() <= nb["mix_suppressed_400m"].sum()
    # walking-network neighbourhoods on the embedded OSM extract
    osm = load_osm(DEFAULT_OSM)
    reach = walking_reach(osm.segments, buildings.to_crs(osm.crs), (400.0, 800.0))
    walk = building_neighbourhood_scores(buildings, COLUMNS, reach=reach)
    straight = reach_matrix_sizes(buildings)
    assert reach[400.0].nnz <= straight  # a walk is never shorter than the straight line
    assert walk["mix_entropy_800m"].notna().any()
    dev = buildings.iloc[[0]].copy()
    dev[COLUMNS] = [40, 0, 0, 0, 0, 0]
    t = what_if(areas, dev, COLUMNS)
    city = t[(t["scope"] == "city") & (t["metric"] == "dwellings")]
    assert float(city["change"].iloc[0]) == 40
