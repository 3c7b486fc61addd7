"""Privacy: no output of ``safespaces run`` exposes a raw incident point or a count below k.

Runs the embedded default (SYNTHETIC incidents and tenure) once, opens every layer of the
GeoPackage and every raster, and checks them against the raw points; then checks that the
opt-in ``--include-raw-points`` is recorded.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import rasterio
import shapely
from scipy.spatial import cKDTree

from safespaces.cli import main
from safespaces.config import Config
from safespaces.io import read_metadata
from safespaces.mix.analysis import analyse_mix
from safespaces.mix.params import MixParams
from safespaces.sources.incidents import read_incidents
from safespaces.synthetic import INCIDENT_FILE

K = Config().incidents.k_min
MIN_DWELLINGS = Config().mix.min_dwellings
TIME_COLUMN = re.compile(r"^(time|timestamp|occurred(_at)?|datetime|date_time|aika|hour)$")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("privacy")
    assert main(["run", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def layers(run_dir: Path) -> dict[str, pd.DataFrame]:
    gpkg = run_dir / "safespaces.gpkg"
    return {
        str(name): pyogrio.read_dataframe(gpkg, layer=name) for name, _ in pyogrio.list_layers(gpkg)
    }


@pytest.fixture(scope="module")
def raw_points(run_dir: Path) -> np.ndarray:
    crs = gpd.read_file(run_dir / "safespaces.gpkg", layer="street_segments", rows=1).crs
    points = read_incidents(INCIDENT_FILE, drop_invalid=True).points.to_crs(crs)
    return shapely.get_coordinates(points.geometry.to_numpy())


def count_columns(frame: pd.DataFrame) -> list[tuple[str, str]]:
    """(count column, its suppression flag) pairs of a layer."""
    pairs = []
    for column in frame.columns:
        flag = "incidents_suppressed" if column == "incidents_count" else f"{column}_suppressed"
        if column.startswith("incidents") and flag in frame and column != flag:
            pairs.append((column, flag))
    return pairs


def test_no_raw_point_layer_and_no_incident_times(layers: dict[str, pd.DataFrame]) -> None:
    assert "incident_points" not in layers
    for name, frame in layers.items():
        for column in frame.columns:
            assert not TIME_COLUMN.match(str(column)), (name, column)
        if name.startswith("incident"):
            assert not any(
                isinstance(frame[c].dtype, pd.DatetimeTZDtype) or frame[c].dtype.kind == "M"
                for c in frame.columns
            ), name


def test_no_point_layer_reproduces_the_incidents(
    layers: dict[str, pd.DataFrame], raw_points: np.ndarray
) -> None:
    tree = cKDTree(raw_points)
    checked = 0
    for name, frame in layers.items():
        if not isinstance(frame, gpd.GeoDataFrame) or frame.empty:
            continue
        geoms = frame.geometry.to_numpy()
        kinds = set(shapely.get_type_id(geoms).tolist())
        if not kinds & {0, 4}:  # Point, MultiPoint
            continue
        xy = shapely.get_coordinates(geoms)
        near, _ = tree.query(xy, distance_upper_bound=1.0)
        matched = np.isfinite(near).sum()
        # lamps and homes are independent of the synthetic incidents: a chance match within 1 m
        # is rare (~0.2 % of points); a leaked incident layer would match every point
        assert matched <= max(3, 0.01 * len(xy)), (name, matched, len(xy))
        checked += 1
    assert checked >= 2  # lamps, mix_neighbourhoods


def test_every_published_count_is_zero_or_at_least_k(layers: dict[str, pd.DataFrame]) -> None:
    seen = 0
    for name, frame in layers.items():
        for column, flag in count_columns(frame):
            values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
            flags = frame[flag].astype(bool).to_numpy()
            published = ~np.isnan(values)
            assert not ((values > 0) & (values < K)).any(), (name, column)
            assert (published != flags).all(), (name, column)  # NULL exactly where flagged
            seen += 1
    assert seen >= 50
    areas = layers["areas"]
    sup = areas["incidents_suppressed"].astype(bool)
    assert sup.any()  # the default has areas below k
    for rate in ("incidents_per_1000_residents", "incidents_per_1000_eb", "incidents_per_100m"):
        assert areas.loc[sup, rate].isna().all(), rate


def test_density_raster_is_masked_below_k(run_dir: Path, raw_points: np.ndarray) -> None:
    meta = json.loads(read_metadata(run_dir / "safespaces.gpkg")["incidents_density"])
    bandwidth, cell = float(meta["bandwidth_m"]), float(meta["cell_m"])
    with rasterio.open(run_dir / "incident_density.tif") as src:
        band = src.read(1, masked=True)
        rows, cols = np.nonzero(~np.ma.getmaskarray(band))
        xs, ys = rasterio.transform.xy(src.transform, rows, cols)
        assert int(src.tags()["k_min"]) == K
    assert len(rows) and np.ma.getmaskarray(band).any()
    centres = np.column_stack([xs, ys])
    # points are binned to cells before counting: allow one cell of slack
    within = cKDTree(raw_points).query_ball_point(centres, bandwidth + cell, return_length=True)
    assert within.min() >= K


def test_run_metadata_records_the_protections(run_dir: Path) -> None:
    meta = read_metadata(run_dir / "safespaces.gpkg")
    privacy = json.loads(meta["incidents_privacy"])
    assert privacy["k_min"] == K
    assert privacy["raw_points_exported"] is False
    assert privacy["density_masked_below_k"] is True
    assert privacy["secondary_suppression"] is True
    assert privacy["min_bandwidth_m"] >= 100
    assert json.loads(meta["incidents_raw_points_exported"]) is False
    assert json.loads(meta["config"])["mix"]["min_dwellings"] == MIN_DWELLINGS


def test_tenure_counts_below_min_dwellings_are_not_published(
    layers: dict[str, pd.DataFrame],
) -> None:
    areas = layers["areas"]
    tenure = [c for c in areas.columns if c.startswith("tenure_")]
    dwellings = areas["mix_dwellings"].to_numpy(dtype=float)
    assert not ((dwellings > 0) & (dwellings < MIN_DWELLINGS)).any()
    suppressed = areas["mix_suppressed"].astype(bool).to_numpy()
    assert areas.loc[suppressed, [*tenure, "mix_dwellings", "mix_entropy"]].isna().all().all()
    totals = areas[tenure].sum(axis=1, min_count=1).to_numpy(dtype=float)
    assert not ((totals > 0) & (totals < MIN_DWELLINGS)).any()


def test_mix_suppresses_a_small_area() -> None:
    groups = ["tenure_ara_rental", "tenure_owner"]
    areas = gpd.GeoDataFrame(
        {"area_id": [0, 1, 2], "tenure_ara_rental": [2.0, 30, 40], "tenure_owner": [1.0, 25, 10]},
        geometry=[shapely.box(i * 100, 0, i * 100 + 100, 100) for i in range(3)],
        crs=3067,
    )
    out = analyse_mix(areas, groups, params=MixParams(permutations=0), seed=1).areas
    assert out["mix_suppressed"].tolist() == [True, False, False]
    assert out.loc[0, [*groups, "mix_dwellings", "mix_entropy"]].isna().all()


def test_raw_points_opt_in_is_recorded(tmp_path: Path) -> None:
    assert main(["run", "--out", str(tmp_path), "--include-raw-points"]) == 0
    meta = read_metadata(tmp_path / "safespaces.gpkg")
    assert json.loads(meta["incidents_privacy"])["raw_points_exported"] is True
    assert json.loads(meta["incidents_raw_points_exported"]) is True
    names = {name for name, _ in pyogrio.list_layers(tmp_path / "safespaces.gpkg")}
    assert "incident_points" in names
