"""Smoke test on the embedded Helsinki extract through ``safespaces lighting``."""

from __future__ import annotations

import json

import geopandas as gpd
import pyogrio
import pytest
import rasterio

from safespaces.cli import main
from safespaces.lighting.illuminance import CLASS_ORDER, SEGMENT_COLUMNS
from safespaces.synthetic import DEFAULT_OSM

pytestmark = pytest.mark.skipif(not DEFAULT_OSM.exists(), reason="embedded extract missing")


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    out = tmp_path_factory.mktemp("lighting")
    assert main(["lighting", "--out", str(out)]) == 0
    return out


def test_geopackage_gains_lighting_columns_and_layers(run_dir):
    gpkg = run_dir / "safespaces.gpkg"
    layers = {name for name, _ in pyogrio.list_layers(gpkg)}
    assert {"street_segments", "lamps", "public_spaces", "dark_paths", "light_darkness"} <= layers
    segs = gpd.read_file(gpkg, layer="street_segments")
    assert set(SEGMENT_COLUMNS) <= set(segs.columns)
    assert "lit_tag" in segs.columns
    assert set(segs["light_class"].dropna()) <= set(CLASS_ORDER)
    assert segs["light_class"].isin(["P1", "P2", "P3", "P4", "P5", "P6"]).any()
    lamps = gpd.read_file(gpkg, layer="lamps")
    assert len(lamps) == 586
    assert lamps["light_source_of_values"].str.startswith("default:").all()
    spaces = gpd.read_file(gpkg, layer="public_spaces")
    parks = spaces[spaces["kind"] == "park"]
    assert (parks["light_path_length_m"] > 0).any()
    dark = gpd.read_file(gpkg, layer="dark_paths")
    assert len(dark) > 0
    assert dark.crs.to_epsg() == 3067


def test_raster_matches_study_area(run_dir):
    segs = gpd.read_file(run_dir / "safespaces.gpkg", layer="street_segments")
    with rasterio.open(run_dir / "illuminance.tif") as src:
        assert src.crs.to_epsg() == 3067
        assert src.res[0] <= 5.0
        minx, miny, maxx, maxy = segs.total_bounds
        b = src.bounds
        assert b.left <= minx and b.bottom <= miny and b.right >= maxx and b.top >= maxy
        assert b.right - b.left < (maxx - minx) + 100
        assert src.overviews(1)
        assert src.read(1, out_shape=(1, 50, 50)).max() > 10.0
    assert (run_dir / "illuminance.qml").exists()


def test_summary_reports_shares_and_conflicts(run_dir, capsys):
    info = json.loads((run_dir / "lighting_summary.json").read_text(encoding="utf-8"))
    shares = info["light_class_share_of_walking_length"]
    assert sum(shares.values()) == pytest.approx(1.0, abs=1e-3)
    assert set(info["light_tag_conflicts_segments"]) == {
        "none",
        "lit_no_but_lamps",
        "lit_yes_no_lamps",
        "lit_unknown",
    }
    assert 15.5 < info["darkness_h_min_max"][1] < 17.0


def test_register_replaces_osm_lamps_through_the_cli(tmp_path):
    # three register lamps on Esplanadi (lon/lat), 9 m, 12 000 lm
    csv = tmp_path / "register.csv"
    csv.write_text(
        "lon,lat,height_m,lumen\n"
        "24.9470,60.1675,9,12000\n24.9500,60.1677,9,12000\n24.9485,60.1672,9,12000\n",
        encoding="utf-8",
    )
    out = tmp_path / "out"
    assert main(["lighting", "--lamps", str(csv), "--out", str(out)]) == 0
    lamps = gpd.read_file(out / "safespaces.gpkg", layer="lamps")
    reg = lamps[lamps["source"] == "register"]
    assert len(reg) == 3
    assert (reg["light_source_of_values"] == "register").all()
    # the default generic_led distribution: peak 251.19 cd per 1000 lm (was 12000 / 2 pi
    # when every lamp was isotropic)
    assert reg["light_flux_lm"].tolist() == pytest.approx([12000.0] * 3)
    assert reg["light_intensity_cd"].tolist() == pytest.approx([12 * 251.19] * 3)
    assert (reg["light_distribution"] == "generic_led").all()
    assert len(lamps) < 586 + 3  # OSM lamps inside the register's coverage were dropped


def test_bad_setting_exits_2(tmp_path, capsys):
    code = main(["lighting", "--set", "lighting.sample_spacing_m=5", "--out", str(tmp_path)])
    assert code == 2
    assert "sample_spacing_m" in capsys.readouterr().err
