"""The QGIS hand-off: styles, layer metadata and a project generated from the catalogue.

``export_package(folder)`` turns an output folder into a package that opens
styled in QGIS 3.22 or later (each vector style also as SLD 1.1.0 for map
servers, ``style_sld``); see docs/qgis.md. It owns every style:
``raster_style`` / ``write_raster_style`` give a GeoTIFF its ``.qml`` from the
catalogue (the family writers write only the raster).
"""

from __future__ import annotations

from safespaces.qgis.package import (
    PROJECT_NAME,
    RasterStyle,
    export_package,
    raster_style,
    write_raster_style,
)
from safespaces.qgis.qml import raster_qml, vector_qml
from safespaces.qgis.sld import style_sld

__all__ = [
    "PROJECT_NAME",
    "RasterStyle",
    "export_package",
    "raster_qml",
    "raster_style",
    "style_sld",
    "vector_qml",
    "write_raster_style",
]
