"""``safespaces incidents`` end to end on a tiny CSV and polygons made here."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import geopandas as gpd
import numpy as np
import pyogrio
import pytest
import rasterio
import shapely
from conftest import require

from safespaces.commands import incidents as command
from safespaces.errors import SafespacesError
from safespaces.io import read_metadata
from safespaces.qgis import raster_style
from safespaces.synthetic import INCIDENT_FILE

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "helsinki"


def main(argv: list[str]) -> int:
    """``safespaces.cli.main`` for this subcommand only (other families' commands may be
    mid-edit in a shared tree); same error handling: SafespacesError -> message, exit 2."""
    parser = argparse.ArgumentParser(prog="safespaces")
    command.add_parser(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except SafespacesError as exc:
        print(f"safespaces {args.command}: error: {exc}", file=sys.stderr)
        return 2


def _inputs(tmp_path: Path) -> tuple[Path, Path]:
    # Three 500 m squares side by side in EPSG:3067 near central Helsinki, given in lon/lat.
    x0, y0 = 385000.0, 6672000.0
    squares = [shapely.box(x0 + i * 500, y0, x0 + i * 500 + 500, y0 + 500) for i in range(3)]
    areas = gpd.GeoDataFrame(
        {"nimi": ["West", "East", "Mid"], "residents": [2000, 500, 800]},
        geometry=[squares[0], squares[1], squares[2]],
        crs=3067,
    ).to_crs(4326)
    areas_path = tmp_path / "areas.geojson"
    areas.to_file(areas_path)
    # West: 12 incidents; East: 3 (suppressed); "Mid" (the third square): 8, also hidden,
    # because the study total is published and East = total - West - Mid otherwise
    # (complementary suppression hides the smallest other area); 1 outside; bad rows.
    rng = np.random.default_rng(1)
    west = np.column_stack([x0 + 100 + rng.uniform(0, 300, 12), y0 + 100 + rng.uniform(0, 300, 12)])
    east = np.array([[x0 + 700, y0 + 200], [x0 + 750, y0 + 250], [x0 + 800, y0 + 300]])
    mid = np.column_stack([x0 + 1100 + rng.uniform(0, 300, 8), y0 + 100 + rng.uniform(0, 300, 8)])
    outside = np.array([[x0 + 3000, y0 + 3000]])
    xy = np.vstack([west, east, mid, outside])
    lonlat = gpd.GeoSeries(gpd.points_from_xy(xy[:, 0], xy[:, 1]), crs=3067).to_crs(4326)
    lines = ["longitude,latitude,occurred,kind"]
    for i, p in enumerate(lonlat):
        time = "2025-03-14" if i == 0 else f"2025-03-{(i % 28) + 1:02d}T{(i * 5) % 24:02d}:15:00"
        lines.append(f"{p.x:.6f},{p.y:.6f},{time},{'theft' if i % 2 else 'harassment'}")
    lines += [
        ",60.17,2025-01-01T10:00:00,theft",  # missing coordinate
        "abc,60.17,2025-01-01T10:00:00,theft",  # bad coordinate
        "24.94,60.17,,theft",  # missing time
        "24.94,60.17,yesterday,theft",  # bad time
    ]
    csv = tmp_path / "reports.csv"
    csv.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return csv, areas_path


def test_cli_points_and_polygons_only(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, areas = _inputs(tmp_path)
    out = tmp_path / "out"
    code = main(
        [
            "incidents",
            "--incidents",
            str(csv),
            "--areas",
            str(areas),
            "--time-col",
            "occurred",
            "--category-col",
            "kind",
            "--out",
            str(out),
            "--permutations",
            "99",
        ]
    )
    assert code == 0
    gpkg = out / "safespaces.gpkg"
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"areas", "incident_hotspots", "incident_summary", "run_metadata"} <= layers
    assert "incident_points" not in layers
    got = gpd.read_file(gpkg, layer="areas").set_index("nimi")
    assert got.loc["West", "incidents_count"] == 12
    assert not got.loc["West", "incidents_suppressed"]
    assert np.isnan(got.loc["East", "incidents_count"])
    assert got.loc["East", "incidents_suppressed"]
    assert np.isnan(got.loc["Mid", "incidents_count"])  # secondary suppression
    assert got.loc["Mid", "incidents_suppressed"]
    # Rates derived from a suppressed count are NULL too.
    assert np.isnan(got.loc["East", "incidents_per_1000_residents"])
    assert got.loc["West", "incidents_per_1000_residents"] == pytest.approx(6.0)
    assert np.isnan(got.loc["East", "incidents_per_1000_eb"])
    meta = read_metadata(gpkg)
    privacy = json.loads(meta["incidents_privacy"])
    assert privacy["raw_points_exported"] is False and privacy["k_min"] == 5
    summary = json.loads(meta["incidents_summary"])
    assert summary["dropped"] == {
        "missing_coordinates": 1,
        "bad_coordinates": 1,
        "missing_time": 1,
        "bad_time": 1,
        "time_out_of_range": 0,
    }
    assert summary["outside study area"] == 1
    with rasterio.open(out / "incident_density.tif") as src:
        assert src.crs.to_epsg() == 3067
    # the catalogue's style, as 'safespaces export' writes it
    qml = (out / "incident_density.qml").read_text(encoding="utf-8")
    assert qml == raster_style(out / "incident_density.tif").qml
    text = capsys.readouterr().out
    assert "outside study area: 1" in text


def test_cli_raw_opt_in_is_recorded_and_later_removed(tmp_path: Path) -> None:
    csv, areas = _inputs(tmp_path)
    out = tmp_path / "out"
    args = [
        "incidents",
        "--incidents",
        str(csv),
        "--areas",
        str(areas),
        "--time-col",
        "occurred",
        "--out",
        str(out),
        "--permutations",
        "0",
    ]
    assert main([*args, "--include-raw-points"]) == 0
    gpkg = out / "safespaces.gpkg"
    assert "incident_points" in {n for n, _ in pyogrio.list_layers(gpkg)}
    assert json.loads(read_metadata(gpkg)["incidents_raw_points_exported"]) is True
    assert main(args) == 0  # a default run removes the raw layer again
    assert "incident_points" not in {n for n, _ in pyogrio.list_layers(gpkg)}
    assert json.loads(read_metadata(gpkg)["incidents_raw_points_exported"]) is False


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--time-col", "nope"], "no time column"),
        (
            ["--time-col", "occurred", "--set", "incidents.density_bandwidth_m=20"],
            "privacy minimum",
        ),
    ],
)
def test_cli_bad_input_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    csv, areas = _inputs(tmp_path)
    code = main(
        [
            "incidents",
            "--incidents",
            str(csv),
            "--areas",
            str(areas),
            "--out",
            str(tmp_path / "o"),
            "--permutations",
            "0",
            *extra,
        ]
    )
    assert code == 2
    assert message in capsys.readouterr().err


def test_cli_missing_areas_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    csv, _ = _inputs(tmp_path)
    assert main(["incidents", "--incidents", str(csv), "--out", str(tmp_path / "o")]) == 2
    assert "no areas" in capsys.readouterr().err


@pytest.mark.shared
def test_real_helsinki_districts(tmp_path: Path) -> None:
    path = SHARED / "osa_alueet.geojson"
    require(path.exists(), f"real Helsinki districts not available ({path})")
    out = tmp_path / "out"
    incidents = INCIDENT_FILE
    code = main(
        [
            "incidents",
            "--incidents",
            str(incidents),
            "--areas",
            str(path),
            "--out",
            str(out),
            "--permutations",
            "99",
        ]
    )
    assert code == 0
    got = gpd.read_file(out / "safespaces.gpkg", layer="areas")
    assert len(got) == 148
    assert got["incidents_count"].sum() + 0 <= 2500
    hot = gpd.read_file(out / "safespaces.gpkg", layer="incident_hotspots")
    assert set(hot["hotspot_class"]) <= {
        "hot 99%",
        "hot 95%",
        "not significant",
        "cold 95%",
        "cold 99%",
    }
