"""The QGIS hand-off: styles, layer metadata and a project generated from the catalogue.

``export_package(folder)`` turns an output folder into a package that opens
styled in QGIS 3.22 or later; see docs/qgis.md.
"""

from __future__ import annotations

from safespaces.qgis.package import PROJECT_NAME, export_package
from safespaces.qgis.qml import raster_qml, vector_qml

__all__ = ["PROJECT_NAME", "export_package", "raster_qml", "vector_qml"]
