"""``--format`` on ``run`` and ``export``: the formats beside the GeoPackage, refused names."""

from __future__ import annotations

import time
from pathlib import Path

import geopandas as gpd
import pyogrio

from safespaces.cli import main as cli_main


def test_export_writes_the_formats_asked_for(earlier_output: Path, capsys):
    assert cli_main(["export", "--out", str(earlier_output), "--format", "geoparquet,fgb"]) == 0
    out = capsys.readouterr().out
    gpkg = earlier_output / "safespaces.gpkg"
    segments = gpd.read_parquet(earlier_output / "geoparquet" / "street_segments.parquet")
    assert len(segments) == pyogrio.read_info(gpkg, layer="street_segments")["features"]
    assert segments.crs.to_epsg() == 3067
    assert (earlier_output / "fgb" / "areas.fgb").is_file()
    assert not (earlier_output / "pmtiles").exists()  # not asked for
    assert "geoparquet/street_segments.parquet" in out and "safespaces.iso19139.xml" in out


def test_unknown_format_is_refused_before_the_run(tmp_path: Path, capsys):
    started = time.perf_counter()
    assert cli_main(["run", "--out", str(tmp_path / "out"), "--format", "geoparquet,shp"]) == 2
    assert time.perf_counter() - started < 10
    err = capsys.readouterr().err
    assert "unknown output format 'shp'" in err and "geoparquet, fgb, pmtiles" in err
    assert not (tmp_path / "out").exists()
