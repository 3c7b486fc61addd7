"""ISO 19115/19139 metadata beside the GeoPackage, read back as a catalogue reads it (OWSLib)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pyogrio
import pytest
from owslib.etree import etree
from owslib.iso import MD_Metadata

from safespaces.catalogue import RASTERS, layers_of_table
from safespaces.qgis.iso import ISO_NAME, iso_metadata


def _run_metadata(folder: Path) -> dict[str, str]:
    with sqlite3.connect(folder / "safespaces.gpkg") as con:
        return dict(con.execute("SELECT key, value FROM run_metadata").fetchall())


def _read(text_or_path: str | Path) -> MD_Metadata:
    if isinstance(text_or_path, Path):
        return MD_Metadata(etree.parse(str(text_or_path)).getroot())
    return MD_Metadata(etree.fromstring(text_or_path.encode("utf-8")))


def test_default_run_writes_a_catalogue_record(default_output: Path):
    md = _read(default_output / ISO_NAME)
    run = _run_metadata(default_output)
    ident = md.identification[0]
    assert md.stdname == "ISO 19115:2003/19139"
    assert md.datestamp == run["run_time_utc"]
    # the default's tenure and incidents are SYNTHETIC: title, abstract and keywords say so
    assert ident.title == "safespaces: helsinki (SYNTHETIC)"
    assert ident.abstract.startswith("SYNTHETIC DEMO DATA")
    words = {k.name for block in ident.keywords for k in block.keywords}
    assert {"SYNTHETIC", "safespaces", "street_segments"} <= words
    # every table and raster of the folder is described in the abstract
    tables = {name for name, _ in pyogrio.list_layers(default_output / "safespaces.gpkg")}
    for table in tables - {"layer_styles"}:
        entries = layers_of_table(table)
        if entries:
            assert f"- {table}: {entries[0].title}." in ident.abstract
    for raster in RASTERS:
        if (default_output / f"{raster.name}.tif").exists():
            assert f"- {raster.name}: {raster.title}." in ident.abstract
    # the CRS as its EPSG code, the extent in WGS 84 covering the study
    assert md.referencesystem.code == run["crs"] == "EPSG:3067"
    west, south, east, north = json.loads(run["study_extent"])["study_bounds_lonlat"]
    box = ident.bbox
    assert float(box.minx) <= west and float(box.maxx) >= east
    assert float(box.miny) <= south and float(box.maxy) >= north
    assert float(box.maxx) - float(box.minx) < 0.1  # the city centre, not the world
    # attribution as a legal constraint; lineage with the input's checksum
    assert ident.otherconstraints == [run["attribution"]]
    osm_sha = json.loads(run["inputs"])["osm"]["sha256"]
    assert osm_sha in md.dataquality.lineage
    assert set(ident.topiccategory) == {"society", "structure", "planningCadastre"}


def test_real_data_is_not_flagged_and_a_crs_without_code_keeps_its_wkt():
    from pyproj import CRS

    crs = CRS.from_proj4("+proj=tmerc +lat_0=0 +lon_0=18.7 +k=0.9999 +x_0=0 +y_0=0 +ellps=GRS80")
    text = iso_metadata(
        {"run_time_utc": "2026-01-02T03:04:05+00:00"},
        study="lund",
        layers=[("street_segments", "Street segments", "Walking network.")],
        crs=crs,
        synthetic=[],
        rights=["© OpenStreetMap contributors, ODbL 1.0"],
        bounds=(13.1, 55.6, 13.3, 55.8),
    )
    md = _read(text)
    ident = md.identification[0]
    assert ident.title == "safespaces: lund"
    assert "SYNTHETIC" not in text
    assert md.referencesystem.code.startswith(("PROJCRS", "PROJCS"))
    assert float(ident.bbox.minx) == pytest.approx(13.1)
    assert float(ident.bbox.maxy) == pytest.approx(55.8)
