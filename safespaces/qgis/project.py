"""The QGIS project (``.qgs`` XML, zipped as ``.qgz``) of an output folder.

Layers sit in the catalogue's groups, point at ``./safespaces.gpkg`` and
``./<raster>.tif`` by relative paths, carry their renderer and metadata
embedded, and the project has its CRS and an initial extent.
"""

from __future__ import annotations

import dataclasses
import zipfile
from collections.abc import Sequence
from pathlib import Path
from xml.etree import ElementTree as ET

from pyproj import CRS

from safespaces.catalogue import GROUPS, Geometry, Layer, Raster
from safespaces.qgis.metadata import spatialrefsys
from safespaces.qgis.qml import DOCTYPE, QGIS_VERSION

_GEOMETRY_NAMES: dict[Geometry, str] = {
    "line": "Line",
    "polygon": "Polygon",
    "point": "Point",
    "none": "No geometry",
}
_WKB_NAMES = {
    "POINT": "Point",
    "MULTIPOINT": "MultiPoint",
    "LINESTRING": "LineString",
    "MULTILINESTRING": "MultiLineString",
    "POLYGON": "Polygon",
    "MULTIPOLYGON": "MultiPolygon",
}


@dataclasses.dataclass(frozen=True)
class ProjectLayer:
    """One layer of the project, ready to write.

    Attributes
    ----------
    entry
        Its catalogue entry.
    title
        Name in the layer tree (with " (SYNTHETIC)" where that applies).
    source
        Relative data source, e.g. ``./safespaces.gpkg|layername=areas``.
    geometry, geometry_type
        Geometry kind and GeoPackage geometry type (vector layers).
    style
        ``<renderer-v2>`` (vector) or ``<pipe>`` (raster) element.
    opacity
        Layer opacity.
    metadata
        ``<resourceMetadata>`` element.
    """

    entry: Layer | Raster
    title: str
    source: str
    geometry: Geometry
    geometry_type: str
    style: ET.Element | None
    opacity: float
    metadata: ET.Element
    crs: CRS | None
    bounds: tuple[float, float, float, float] | None

    @property
    def id(self) -> str:
        """Stable QGIS layer id."""
        return f"{self.entry.name}_safespaces"

    @property
    def is_raster(self) -> bool:
        """True for a GeoTIFF layer."""
        return isinstance(self.entry, Raster)


def _extent(parent: ET.Element, tag: str, bounds: Sequence[float]) -> None:
    extent = ET.SubElement(parent, tag)
    for name, value in zip(("xmin", "ymin", "xmax", "ymax"), bounds, strict=True):
        ET.SubElement(extent, name).text = f"{value:.3f}"


def _maplayer(layer: ProjectLayer) -> ET.Element:
    if layer.is_raster:
        element = ET.Element("maplayer", type="raster", hasScaleBasedVisibilityFlag="0")
    else:
        wkb = _WKB_NAMES.get(layer.geometry_type.upper(), "NoGeometry")
        element = ET.Element(
            "maplayer",
            type="vector",
            geometry=_GEOMETRY_NAMES[layer.geometry],
            wkbType=wkb if layer.geometry != "none" else "NoGeometry",
            hasScaleBasedVisibilityFlag="0",
            labelsEnabled="0",
            readOnly="0",
        )
    if layer.bounds is not None:
        _extent(element, "extent", layer.bounds)
    ET.SubElement(element, "id").text = layer.id
    ET.SubElement(element, "datasource").text = layer.source
    ET.SubElement(element, "layername").text = layer.title
    if layer.crs is not None:
        ET.SubElement(element, "srs").append(spatialrefsys(layer.crs))
    element.append(layer.metadata)
    provider = ET.SubElement(element, "provider", encoding="UTF-8")
    provider.text = "gdal" if layer.is_raster else "ogr"
    if layer.style is not None:
        element.append(layer.style)
    ET.SubElement(element, "blendMode").text = "0"
    if not layer.is_raster:
        ET.SubElement(element, "featureBlendMode").text = "0"
        ET.SubElement(element, "layerOpacity").text = f"{layer.opacity:g}"
    return element


def project_xml(
    layers: Sequence[ProjectLayer],
    *,
    title: str,
    crs: CRS,
    extent: tuple[float, float, float, float],
) -> str:
    """The ``.qgs`` document: groups, layers (drawn in tree order), CRS, extent."""
    root = ET.Element("qgis", projectname=title, version=QGIS_VERSION)
    ET.SubElement(root, "homePath", path="")
    ET.SubElement(root, "title").text = title
    ET.SubElement(root, "projectCrs").append(spatialrefsys(crs))
    tree = ET.SubElement(root, "layer-tree-group")
    ET.SubElement(tree, "customproperties")
    for group in GROUPS:
        members = [layer for layer in layers if layer.entry.group == group]
        if not members:
            continue
        node = ET.SubElement(
            tree, "layer-tree-group", name=group, checked="Qt::Checked", expanded="1"
        )
        ET.SubElement(node, "customproperties")
        # vectors above rasters inside a group, so the lines stay visible
        for layer in sorted(members, key=lambda m: m.is_raster):
            ET.SubElement(
                node,
                "layer-tree-layer",
                id=layer.id,
                name=layer.title,
                source=layer.source,
                providerKey="gdal" if layer.is_raster else "ogr",
                checked="Qt::Checked" if layer.entry.visible else "Qt::Unchecked",
                expanded="0",
                legend_exp="",
            )
    projectlayers = ET.SubElement(root, "projectlayers")
    for layer in layers:
        projectlayers.append(_maplayer(layer))
    canvas = ET.SubElement(root, "mapcanvas", name="theMapCanvas", annotationsVisible="1")
    ET.SubElement(canvas, "units").text = "meters" if not crs.is_geographic else "degrees"
    _extent(canvas, "extent", extent)
    ET.SubElement(canvas, "rotation").text = "0"
    ET.SubElement(canvas, "destinationsrs").append(spatialrefsys(crs))
    ET.SubElement(canvas, "rendermaptile").text = "0"
    properties = ET.SubElement(root, "properties")
    srs = ET.SubElement(properties, "SpatialRefSys")
    ET.SubElement(srs, "ProjectionsEnabled", type="int").text = "1"
    authority = crs.to_authority()
    ET.SubElement(srs, "ProjectCrs", type="QString").text = (
        ":".join(authority) if authority else crs.to_wkt()
    )
    paths = ET.SubElement(properties, "Paths")
    ET.SubElement(paths, "Absolute", type="bool").text = "false"
    ET.indent(root, space="  ")
    return DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


def write_qgz(path: Path, qgs_name: str, xml: str) -> None:
    """Write a ``.qgz``: a zip holding the one ``.qgs``."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(qgs_name, xml.encode("utf-8"))
