"""QGIS 3.22 opens illuminance.tif with the singlebandpseudocolor style beside it
(written by the QGIS package from the catalogue)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import require
from lighting_fixtures import make_lamps, make_segments

from safespaces.lighting import LightingParams, lamp_model, write_illuminance_raster
from safespaces.qgis import write_raster_style

QGIS_PYTHON = Path("/usr/bin/python3")
SCRIPT = """
import os, sys
os.environ["QT_QPA_PLATFORM"] = "offscreen"
from qgis.core import QgsApplication, QgsRasterLayer
app = QgsApplication([], False)
app.initQgis()
layer = QgsRasterLayer(sys.argv[1], "illuminance")
items = layer.renderer().shader().rasterShaderFunction().colorRampItemList()
print(layer.isValid(), layer.crs().authid(), layer.renderer().type(), len(items), flush=True)
os._exit(0)
"""


def _has_qgis() -> bool:
    if not QGIS_PYTHON.exists():
        return False
    probe = subprocess.run(
        [str(QGIS_PYTHON), "-c", "import qgis.core"], capture_output=True, check=False
    )
    return probe.returncode == 0


@pytest.mark.qgis
def test_qgis_applies_the_style(tmp_path):
    require(sys.platform == "linux" and _has_qgis(), "needs Debian python3-qgis")
    segs = make_segments([[(0, 0), (100, 0)]])
    lamps = lamp_model(make_lamps([{"x": 50, "y": 5}]), segs, None, LightingParams())
    x0, y0, x1, y1 = segs.total_bounds
    tif = write_illuminance_raster(
        tmp_path / "illuminance.tif", lamps, (x0, y0 - 50, x1, y1 + 50), segs.crs
    )
    write_raster_style(tif)
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["XDG_RUNTIME_DIR"] = str(tmp_path)
    out = subprocess.run(
        [str(QGIS_PYTHON), "-c", SCRIPT, str(tif)],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    valid, crs, renderer, items = out.stdout.split()[-4:]
    assert (valid, crs, renderer, items) == ("True", "EPSG:3067", "singlebandpseudocolor", "8")
