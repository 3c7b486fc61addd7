"""The illuminance GeoTIFF, and its QGIS style from the QGIS package."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import numpy as np
import pytest
import rasterio
from lighting_fixtures import X0, Y0, make_lamps, make_segments, point_source

from safespaces.catalogue import CATALOGUE, Raster
from safespaces.lighting import (
    lamp_model,
    write_illuminance_raster,
)
from safespaces.lighting.raster import NODATA
from safespaces.qgis import raster_qml, write_raster_style

I_CD, H = 1000.0, 5.0


@pytest.fixture
def raster(tmp_path):
    segs = make_segments([[(0, 0), (100, 0)]])
    # lamp on the centre of cell (10, 10) of a 5 m grid starting at (X0, Y0)
    lamps = make_lamps([{"x": 52.5, "y": 52.5, "height_m": H, "intensity_cd": I_CD}])
    m = lamp_model(lamps, segs, None, point_source())  # isotropic: E(0) = I / h^2
    bounds = (X0 + 1.0, Y0 + 2.0, X0 + 199.0, Y0 + 149.0)  # snapped out to 5 m multiples
    path = write_illuminance_raster(tmp_path / "illuminance.tif", m, bounds, segs.crs, cell=5.0)
    return path


def test_raster_opens_with_crs_bounds_and_profile(raster):
    with rasterio.open(raster) as src:
        assert src.crs.to_epsg() == 3067
        assert src.res == (5.0, 5.0)
        assert tuple(src.bounds) == (X0, Y0, X0 + 200.0, Y0 + 150.0)
        assert src.nodata == NODATA
        assert src.dtypes[0] == "float32"
        assert src.compression is not None
        assert src.compression.name == "deflate"
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert src.overviews(1)
        assert src.tags(1)["units"] == "lux"
        band = src.read(1)
        row, col = map(int, src.index(X0 + 52.5, Y0 + 52.5))  # floats in rasterio 1.4.0-1.4.1
        assert band[row, col] == pytest.approx(I_CD / H**2, rel=1e-6)
        assert np.all(band >= 0)
        # far corner: beyond the 50 m cut-off
        assert band[0, -1] == 0.0


def test_the_writer_writes_only_the_raster(raster):
    assert sorted(p.name for p in raster.parent.iterdir()) == ["illuminance.tif"]


def test_style_from_the_qgis_package_beside_the_raster(raster):
    qml = write_raster_style(raster)
    assert qml == raster.with_suffix(".qml")
    root = ET.parse(qml).getroot()
    assert root.tag == "qgis"
    assert root.get("version", "").startswith("3.22")
    renderer = root.find("./pipe/rasterrenderer")
    assert renderer is not None
    assert renderer.get("type") == "singlebandpseudocolor"
    shader = renderer.find("./rastershader/colorrampshader")
    assert shader is not None
    assert shader.get("colorRampType") == "DISCRETE"
    items = shader.findall("item")
    assert [i.get("value") for i in items] == ["0.4", "2", "3", "5", "7.5", "10", "15", "inf"]
    assert items[0].get("alpha") == "0"  # below the P6 minimum: transparent
    entry = CATALOGUE["illuminance"]
    assert isinstance(entry, Raster)
    assert qml.read_text(encoding="utf-8") == raster_qml(entry)
