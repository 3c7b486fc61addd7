"""The QGIS hand-off: catalogue, QML, GeoPackage styles and metadata, project, atomicity,
and the real QGIS 3.22 (Debian python3-qgis, headless) opening the Helsinki default."""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import sqlite3
import subprocess
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from conftest import REPO, require
from pyproj import CRS
from shapely.geometry import LineString, Polygon

from safespaces import catalogue
from safespaces.catalogue import CATALOGUE, GROUPS, LAYERS, RASTERS, Geometry, Layer
from safespaces.cli import main as cli_main
from safespaces.errors import InputError, OutputError
from safespaces.incidents.density import kernel_density, write_density
from safespaces.incidents.hotspots import CLASSES as HOTSPOT_CLASSES
from safespaces.io import write_layers
from safespaces.lighting.illuminance import CLASS_ORDER
from safespaces.qgis import export_package, package, raster_style, write_raster_style
from safespaces.qgis.gpkg import LAYER_STYLES_DDL
from safespaces.qgis.qml import RENDERER_TYPES, raster_qml, vector_qml

QGIS_PYTHON = Path("/usr/bin/python3")
PROBE = Path(__file__).with_name("qgis_probe.py")
SCREENSHOT = REPO / "docs" / "img" / "qgis_helsinki.png"
HEX = re.compile(r"^#[0-9a-f]{6}$")
_GEOMETRY: dict[str, Geometry] = {"Point": "point", "LineString": "line", "Polygon": "polygon"}

# --- the catalogue -----------------------------------------------------------------------


def test_catalogue_names_groups_and_colours_are_consistent():
    names = [e.name for e in LAYERS] + [r.name for r in RASTERS]
    assert len(names) == len(set(names))
    tables = {e.table for e in LAYERS if e.is_table_entry}
    for entry in LAYERS:
        assert entry.group in GROUPS
        assert entry.table in tables, f"{entry.name}: view of a table without its own entry"
        if entry.style is not None:
            assert all(HEX.match(c.colour) for c in entry.style.classes), entry.name
    for raster in RASTERS:
        assert all(HEX.match(c.colour) for c in raster.ramp)


def test_style_classes_cover_the_families_values():
    lighting = CATALOGUE["street_lighting"]
    hotspots = CATALOGUE["incident_hotspots"]
    assert isinstance(lighting, Layer) and lighting.style is not None
    assert isinstance(hotspots, Layer) and hotspots.style is not None
    assert {c.value for c in lighting.style.classes} >= set(CLASS_ORDER)
    assert {c.value for c in hotspots.style.classes} >= set(HOTSPOT_CLASSES)


def test_legend_for_the_app():
    legend = catalogue.legend("street_lighting")
    assert legend[0] == ("P1 (avg >= 15 lx)", "#fec44f")
    assert ("unlit (no lamp reaches it)", "#000000") in legend
    assert len(catalogue.legend("illuminance")) == 8
    with pytest.raises(KeyError):
        catalogue.legend("run_metadata")


def test_describe_columns_resolves_patterns_and_skips_unknown_columns():
    cols = catalogue.describe_columns(
        "street_segments", ["light_lux_avg", "eyes_h07", "not_a_column", "incidents_cat_theft"]
    )
    assert [(c.name, c.unit) for c in cols] == [
        ("light_lux_avg", "lx"),
        ("eyes_h07", "0..100"),
        ("incidents_cat_theft", "incidents"),
    ]
    assert catalogue.entry_for("brand_new_layer", "line").style is not None  # plain style


# --- QML -------------------------------------------------------------------------------


@pytest.mark.parametrize("entry", [e for e in LAYERS if e.style is not None], ids=lambda e: e.name)
def test_vector_qml_has_the_catalogue_renderer(entry: Layer):
    assert entry.style is not None
    root = ET.fromstring(vector_qml(entry.style, entry.geometry))
    rend = root.find("renderer-v2")
    assert rend is not None
    assert rend.get("type") == RENDERER_TYPES[entry.style.kind]
    symbols = rend.findall("symbols/symbol")
    kind = {"line": "line", "polygon": "fill", "point": "marker"}[entry.geometry]
    assert {s.get("type") for s in symbols} == {kind}
    if entry.style.kind == "categorized":
        assert rend.get("attr") == entry.style.column
        assert len(rend.findall("categories/category")) == len(entry.style.classes)
        assert len(symbols) == len(entry.style.classes)
    elif entry.style.kind == "graduated":
        ranges = rend.findall("ranges/range")
        assert len(ranges) == len(symbols) == len(entry.style.classes)
        assert all(float(r.get("lower", "")) < float(r.get("upper", "")) for r in ranges)


def test_raster_qml_ramps():
    illuminance, density = (CATALOGUE["illuminance"], CATALOGUE["incident_density"])
    assert not isinstance(illuminance, Layer) and not isinstance(density, Layer)
    shader = ET.fromstring(raster_qml(illuminance)).find(".//colorrampshader")
    assert shader is not None and shader.get("colorRampType") == "DISCRETE"
    assert [i.get("value") for i in shader.findall("item")][-1] == "inf"
    shader = ET.fromstring(raster_qml(density, 400.0)).find(".//colorrampshader")
    assert shader is not None and shader.get("colorRampType") == "INTERPOLATED"
    assert float(shader.findall("item")[-1].get("value", "")) == pytest.approx(400.0)


# --- a small package, no QGIS --------------------------------------------------------------


@pytest.fixture
def toy_folder(tmp_path: Path) -> Path:
    """A GeoPackage like run's: segments (no eyes), areas, a table, run_metadata."""
    crs = "EPSG:3067"
    segments = gpd.GeoDataFrame(
        {
            "segment_id": [1, 2, 3],
            "highway": ["footway", "primary", "weird"],
            "light_class": ["P3", "unlit", "below P6"],
            "length_m": [100.0, 100.0, 50.0],
            "incidents_per_100m_eb": [1.5, None, 3.0],
        },
        geometry=[LineString([(0, 0), (100, 0)]), LineString([(0, 0), (0, 100)])] * 1
        + [LineString([(100, 0), (100, 50)])],
        crs=crs,
    )
    square = Polygon([(0, 0), (100, 0), (100, 100), (0, 100)])
    areas = gpd.GeoDataFrame(
        {"area_id": [1], "residents_est": [120.0], "incidents_per_1000_eb": [12.5]},
        geometry=[square],
        crs=crs,
    )
    shares = pd.DataFrame({"light_class": ["P3"], "length_m": [100.0], "share": [1.0]})
    meta = {
        "safespaces_version": "0.1.0",
        "study_name": "toy",
        "config": {"lighting": {"cutoff_m": 50}},
        "synthetic_inputs": ["incidents"],
        "attribution": "© OpenStreetMap contributors, ODbL 1.0",
    }
    write_layers(
        tmp_path,
        {"street_segments": segments, "areas": areas, "light_class_shares": shares},
        meta,
    )
    return tmp_path


def _styles(gpkg: Path) -> list[tuple[str, str, int, str]]:
    con = sqlite3.connect(gpkg)
    try:
        rows = con.execute(
            'SELECT f_table_name, "styleName", "useAsDefault", "styleQML" FROM layer_styles'
        ).fetchall()
    finally:
        con.close()
    return [(t, n, int(d), q) for t, n, d, q in rows]


def test_layer_styles_table_is_qgis_own(toy_folder: Path):
    export_package(toy_folder)
    gpkg = toy_folder / "safespaces.gpkg"
    con = sqlite3.connect(gpkg)
    try:
        columns = [r[1] for r in con.execute("PRAGMA table_info(layer_styles)")]
        contents = con.execute(
            "SELECT data_type FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchall()
        (user_version,) = con.execute("PRAGMA user_version").fetchone()
    finally:
        con.close()
    expected = re.findall(r'"(\w+)" (?:INTEGER|TEXT|BOOLEAN|DATETIME)', LAYER_STYLES_DDL)
    assert columns == expected and "update_time" in columns
    assert contents == [("attributes",)]
    assert user_version == 10200  # still GeoPackage 1.2
    styles = _styles(gpkg)
    defaults = {t: n for t, n, d, _ in styles if d}
    assert defaults == {"street_segments": "street_segments", "areas": "areas"}
    names = {n for _, n, _, _ in styles}
    # a view whose column the run did not produce is skipped: no eyes columns here
    assert "street_lighting" in names and "areas_incident_rate" in names
    assert not any(n.startswith("street_eyes") for n in names)
    assert "areas_mix_entropy" not in names


def test_metadata_and_project(toy_folder: Path):
    written = export_package(toy_folder)
    assert [p.name for p in written] == [
        "safespaces.gpkg",
        "safespaces.iso19139.xml",
        "safespaces.qgz",
    ]
    con = sqlite3.connect(toy_folder / "safespaces.gpkg")
    try:
        docs = dict(
            con.execute(
                "SELECT r.table_name, m.metadata FROM gpkg_metadata m JOIN "
                "gpkg_metadata_reference r ON r.md_file_id = m.id WHERE r.reference_scope = "
                "'table' AND m.md_standard_uri = 'http://mrcc.com/qgis.dtd'"
            ).fetchall()
        )
    finally:
        con.close()
    assert set(docs) == {"street_segments", "areas", "light_class_shares", "run_metadata"}
    areas = ET.fromstring(docs["areas"].split("\n", 1)[1])
    assert areas.findtext("title") == "Areas: estimated residents (SYNTHETIC)"
    assert "SYNTHETIC" in [k.text for k in areas.iter("keyword")]
    assert "residents_est (persons)" in (areas.findtext("abstract") or "")
    assert "parameter lighting.cutoff_m = 50" in [h.text for h in areas.iter("history")]
    assert areas.findtext("rights", "").startswith("© OpenStreetMap")
    segments = ET.fromstring(docs["street_segments"].split("\n", 1)[1])
    assert segments.findtext("title") == "Streets and paths (SYNTHETIC)"  # incident columns
    shares = ET.fromstring(docs["light_class_shares"].split("\n", 1)[1])
    assert "SYNTHETIC" not in (shares.findtext("title") or "")

    with zipfile.ZipFile(toy_folder / "safespaces.qgz") as archive:
        assert archive.namelist() == ["safespaces.qgs"]
        qgs = ET.fromstring(archive.read("safespaces.qgs").decode().split("\n", 1)[1])
    groups = [g.get("name") for g in qgs.findall("layer-tree-group/layer-tree-group")]
    assert groups == ["Streets", "Lighting", "Incidents", "Areas"]
    sources = {m.findtext("id"): m.findtext("datasource") for m in qgs.iter("maplayer")}
    assert sources["street_lighting_safespaces"] == "./safespaces.gpkg|layername=street_segments"
    assert qgs.findtext("properties/SpatialRefSys/ProjectCrs") == "EPSG:3067"
    assert qgs.findtext("properties/Paths/Absolute") == "false"
    assert qgs.find("mapcanvas/extent/xmin") is not None
    names = [m.findtext("layername") for m in qgs.iter("maplayer")]
    assert "Incidents per 1,000 residents (smoothed) (SYNTHETIC)" in names
    assert "Street lighting (EN 13201-2 class)" in names


def test_failed_export_leaves_previous_output_intact(toy_folder: Path, monkeypatch):
    export_package(toy_folder)
    before = {p.name: p.read_bytes() for p in toy_folder.iterdir()}

    def broken(*args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(package, "write_qgz", broken)
    with pytest.raises(OutputError, match="disk full"):
        export_package(toy_folder)
    after = {p.name: p.read_bytes() for p in toy_folder.iterdir()}
    assert after == before  # same files, same bytes, no temporaries left


def _density_tif(folder: Path) -> Path:
    xy = np.random.default_rng(1).uniform(0, 100, size=(40, 2))
    grid = kernel_density(
        xy, (0, 0, 100, 100), bandwidth_m=120, cell_m=10, k_min=5, min_bandwidth_m=100
    )
    return write_density(folder / "incident_density.tif", grid, CRS.from_epsg(3067))


def test_raster_styles_have_one_source(toy_folder: Path):
    tif = _density_tif(toy_folder)
    assert not tif.with_suffix(".qml").exists()  # the family writer writes only the raster
    alone = write_raster_style(tif).read_bytes()  # as 'safespaces incidents' writes it
    written = export_package(toy_folder)
    assert tif.with_suffix(".qml") in written and tif.with_suffix(".qmd") in written
    assert tif.with_suffix(".qml").read_bytes() == alone
    style = raster_style(tif)
    assert style.raster is CATALOGUE["incident_density"]
    assert style.qml == raster_qml(style.raster, style.maximum)
    with zipfile.ZipFile(toy_folder / "safespaces.qgz") as archive:
        qgs = archive.read("safespaces.qgs").decode()
    assert "./incident_density.tif" in qgs


def test_raster_style_needs_a_catalogue_raster(tmp_path: Path):
    tif = _density_tif(tmp_path)
    with pytest.raises(KeyError, match="no catalogue raster 'other'"):
        raster_style(tif, "other")
    assert raster_style(tif, "incident_density").raster.name == "incident_density"
    bad = tmp_path / "illuminance.tif"
    bad.write_text("not a GeoTIFF")
    assert raster_style(bad).raster.name == "illuminance"  # a discrete ramp reads nothing
    broken = tmp_path / "incident_density_copy.tif"
    broken.write_text("not a GeoTIFF")
    with pytest.raises(InputError, match="cannot read the raster"):
        raster_style(broken, "incident_density")


def test_missing_geopackage_is_a_clear_error(tmp_path: Path, capsys):
    with pytest.raises(InputError, match="no safespaces.gpkg"):
        export_package(tmp_path)
    assert cli_main(["export", "--out", str(tmp_path / "empty")]) == 2
    assert "run 'safespaces run --out" in capsys.readouterr().err


# --- real QGIS on the Helsinki default ----------------------------------------------------


def _qgis_available() -> bool:
    if not QGIS_PYTHON.exists():
        return False
    probe = subprocess.run(
        [str(QGIS_PYTHON), "-c", "import qgis.core"], capture_output=True, check=False
    )
    return probe.returncode == 0


def _qgis_env(tmp: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    runtime = tmp / "xdg"
    runtime.mkdir(mode=0o700, exist_ok=True)
    env["XDG_RUNTIME_DIR"] = str(runtime)
    return env


@pytest.fixture(scope="module")
def helsinki_package(tmp_path_factory) -> Path:
    require(_qgis_available(), "needs Debian python3-qgis (/usr/bin/python3 -c 'import qgis')")
    out = tmp_path_factory.mktemp("helsinki")
    assert cli_main(["run", "--out", str(out), "--set", "incidents.hotspot_permutations=0"]) == 0
    assert cli_main(["export", "--out", str(out)]) == 0
    return out


@pytest.fixture(scope="module")
def qgis_report(helsinki_package: Path) -> dict:
    png = helsinki_package / "render.png"
    done = subprocess.run(
        [str(QGIS_PYTHON), str(PROBE), str(helsinki_package), str(png)],
        capture_output=True,
        text=True,
        timeout=120,
        env=_qgis_env(helsinki_package),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def _expected_renderer(entry: Layer, columns: list[str]) -> str:
    assert entry.style is not None
    if entry.style.kind != "single" and entry.style.column not in columns:
        return "singleSymbol"
    return RENDERER_TYPES[entry.style.kind]


@pytest.mark.qgis
@pytest.mark.slow
def test_qgis_opens_every_geopackage_layer_styled(helsinki_package: Path, qgis_report: dict):
    gpkg = helsinki_package / "safespaces.gpkg"
    tables = qgis_report["tables"]
    layer_names = {name for name, _ in pyogrio.list_layers(gpkg)} - {"layer_styles"}
    assert set(tables) == layer_names
    for name, seen in tables.items():
        info = pyogrio.read_info(gpkg, layer=name)
        assert seen["valid"], name
        assert seen["count"] == info["features"], name
        geometry = _GEOMETRY.get(str(info["geometry_type"]).removeprefix("Multi"), "none")
        entry = catalogue.entry_for(name, geometry)
        assert seen["metadata"]["title"].startswith(entry.title), name
        assert any(h.startswith("parameter ") for h in seen["metadata"]["history"]), name
        if info["geometry_type"] is None:
            continue
        assert seen["crs"] == "EPSG:3067", name
        assert seen["renderer"] == _expected_renderer(entry, list(info["fields"])), name
    # categorized / graduated layers are not QGIS's single-symbol fallback
    assert tables["street_segments"]["renderer"] == "categorizedSymbol"
    assert tables["areas"]["renderer"] == "graduatedSymbol"
    assert tables["incident_hotspots"]["renderer"] == "categorizedSymbol"
    # SYNTHETIC inputs are flagged in the metadata QGIS shows
    for name in ("areas", "incident_hotspots"):
        assert tables[name]["metadata"]["title"].endswith("(SYNTHETIC)")
        assert "SYNTHETIC" in tables[name]["metadata"]["keywords"]
        assert tables[name]["metadata"]["abstract"].startswith("SYNTHETIC DEMO DATA")
    assert "SYNTHETIC" not in tables["buildings"]["metadata"]["title"]
    assert tables["buildings"]["metadata"]["rights"][0].startswith("© OpenStreetMap")
    for name in ("illuminance", "incident_density"):
        raster = qgis_report["rasters"][name]
        assert raster["valid"] and raster["crs"] == "EPSG:3067"
        assert raster["renderer"] == "singlebandpseudocolor"


@pytest.mark.qgis
@pytest.mark.slow
def test_qgis_project_opens_with_crs_groups_styles_and_renders(qgis_report: dict):
    project = qgis_report["project"]
    assert project["read"] is True
    assert project["crs"] == "EPSG:3067"
    assert project["absolute_paths"] is False
    layers = project["layers"]
    used = {layer["group"] for layer in layers.values()}
    assert project["groups"] == [g for g in GROUPS if g in used]  # catalogue order, none empty
    assert {"Streets", "Lighting", "Eyes on the street", "Incidents", "Areas"} <= used
    assert all(layer["valid"] for layer in layers.values())
    for lid, layer in layers.items():
        entry = CATALOGUE.get(lid.removesuffix("_safespaces"))
        if entry is None:
            continue
        assert layer["group"] == entry.group, lid
        if isinstance(entry, Layer) and entry.style is not None:
            assert layer["renderer"] == RENDERER_TYPES[entry.style.kind], lid
        elif not isinstance(entry, Layer):
            assert layer["renderer"] == "singlebandpseudocolor", lid
    assert layers["street_lighting_safespaces"]["visible"]
    assert layers["street_eyes_night_safespaces"]["renderer"] == "graduatedSymbol"
    assert layers["incident_hotspots_safespaces"]["name"].endswith("(SYNTHETIC)")
    assert 0.01 < qgis_report["render"]["drawn_share"] < 0.999


@pytest.mark.qgis
@pytest.mark.slow
def test_desktop_snapshot_for_the_readme(helsinki_package: Path, qgis_report: dict):
    """QGIS desktop (under xvfb) opens the project and snapshots it: the README screenshot.

    Falls back to the headless render of the same project when the desktop is
    missing or does not answer. Written to docs/img/qgis_helsinki.png when that
    file is absent or SAFESPACES_SCREENSHOTS=1; otherwise only checked.
    """
    snap = helsinki_package / "snapshot.png"
    xvfb, qgis = shutil.which("xvfb-run"), shutil.which("qgis")
    if xvfb and qgis:
        _desktop_snapshot([xvfb, "-a", qgis], helsinki_package, snap)
    if not snap.exists():
        snap = Path(qgis_report["render"]["png"])
    done = subprocess.run(
        [str(QGIS_PYTHON), str(PROBE), "--drawn-share", str(snap)],
        capture_output=True,
        text=True,
        timeout=60,
        env=_qgis_env(helsinki_package),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert float(done.stdout.split()[-1]) > 0.01
    if not SCREENSHOT.exists() or os.environ.get("SAFESPACES_SCREENSHOTS") == "1":
        SCREENSHOT.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(snap, SCREENSHOT)


def _desktop_snapshot(command: list[str], folder: Path, snap: Path) -> None:
    """``qgis --snapshot`` (exits 1 even on success: the caller checks the PNG)."""
    env = _qgis_env(folder)
    del env["QT_QPA_PLATFORM"]  # the desktop needs xcb (under xvfb), not offscreen
    # QGIS's embedded Python must not see a venv or pyenv on PATH: it would then fail to
    # import qgis and wait forever on an error dialog
    env.pop("VIRTUAL_ENV", None)
    env["PATH"] = "/usr/sbin:/usr/bin:/sbin:/bin"
    args = [
        *command,
        "--nologo",
        "--noversioncheck",
        "--noplugins",
        "--project",
        str(folder / "safespaces.qgz"),
        "--snapshot",
        str(snap),
        "--width",
        "900",
        "--height",
        "900",
    ]
    with (folder / "snapshot.log").open("wb") as log:  # a file: Xvfb keeps pipes open
        process = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env=env,
            start_new_session=True,
        )
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)  # xvfb-run, Xvfb and qgis: this group only
            process.wait()
            snap.unlink(missing_ok=True)
