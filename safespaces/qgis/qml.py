"""QGIS 3.22 styles (QML) generated from the layer catalogue.

Vector layers get a ``categorizedSymbol``, ``graduatedSymbol`` or
``singleSymbol`` renderer (``<renderer-v2>``) with line, fill or marker
symbols; rasters a ``singlebandpseudocolor`` pipe. The same ``<renderer-v2>``
and ``<pipe>`` elements are embedded in the project file.
"""

from __future__ import annotations

import math
from xml.etree import ElementTree as ET

from safespaces.catalogue import Geometry, Raster, Style, StyleClass, ramp_stops

QGIS_VERSION = "3.22.16-Białowieża"
DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"

#: QGIS renderer type of each catalogue style kind.
RENDERER_TYPES: dict[str, str] = {
    "categorized": "categorizedSymbol",
    "graduated": "graduatedSymbol",
    "single": "singleSymbol",
}
#: Outline width of polygons and of point markers, in millimetres (the SLD uses them too).
POLYGON_OUTLINE_MM = 0.26
MARKER_OUTLINE_MM = 0.2


def rgba(colour: str, alpha: float = 1.0) -> str:
    """``#rrggbb`` as QGIS's ``r,g,b,a`` (alpha 0..255)."""
    text = colour.lstrip("#")
    if len(text) != 6:
        raise ValueError(f"colour {colour!r} is not #rrggbb")
    r, g, b = (int(text[i : i + 2], 16) for i in (0, 2, 4))
    return f"{r},{g},{b},{round(alpha * 255)}"


def _options(parent: ET.Element, props: dict[str, str]) -> None:
    """QGIS's ``<Option type="Map">`` property list."""
    mapping = ET.SubElement(parent, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(mapping, "Option", name=key, value=value, type="QString")


def symbol(
    geometry: Geometry, colour: str, name: str, *, width: float, outline: str | None
) -> ET.Element:
    """A one-layer QGIS symbol: line, fill or marker."""
    kind = {"line": "line", "polygon": "fill", "point": "marker"}[geometry]
    element = ET.Element(
        "symbol",
        name=name,
        type=kind,
        alpha="1",
        clip_to_extent="1",
        force_rhr="0",
    )
    if geometry == "line":
        cls = "SimpleLine"
        props = {
            "line_color": rgba(colour),
            "line_width": f"{width:g}",
            "line_width_unit": "MM",
            "line_style": "solid",
            "capstyle": "round",
            "joinstyle": "round",
        }
    elif geometry == "polygon":
        cls = "SimpleFill"
        props = {
            "color": rgba(colour),
            "style": "solid",
            "outline_color": rgba(outline or colour),
            "outline_style": "solid" if outline else "no",
            "outline_width": f"{POLYGON_OUTLINE_MM:g}",
            "outline_width_unit": "MM",
            "joinstyle": "bevel",
        }
    else:
        cls = "SimpleMarker"
        props = {
            "name": "circle",
            "color": rgba(colour),
            "size": f"{width:g}",
            "size_unit": "MM",
            "outline_color": rgba(outline or colour),
            "outline_style": "solid" if outline else "no",
            "outline_width": f"{MARKER_OUTLINE_MM:g}",
            "outline_width_unit": "MM",
        }
    layer = ET.SubElement(element, "layer", {"class": cls, "enabled": "1", "locked": "0"})
    layer.set("pass", "0")
    _options(layer, props)
    return element


def _number(value: float) -> str:
    return "inf" if math.isinf(value) else f"{value:.15g}"


def renderer(style: Style, geometry: Geometry) -> ET.Element:
    """The ``<renderer-v2>`` element of a catalogue style."""
    element = ET.Element(
        "renderer-v2",
        type=RENDERER_TYPES[style.kind],
        symbollevels="0",
        enableorderby="0",
        forceraster="0",
        referencescale="-1",
    )
    symbols = ET.Element("symbols")

    def add_symbol(i: int, cls: StyleClass) -> None:
        symbols.append(
            symbol(geometry, cls.colour, str(i), width=style.width, outline=style.outline)
        )

    if style.kind == "categorized":
        element.set("attr", style.column)
        categories = ET.SubElement(element, "categories")
        for i, cls in enumerate(style.classes):
            value = "" if cls.value is None else str(cls.value)
            ET.SubElement(
                categories,
                "category",
                render="true",
                symbol=str(i),
                value=value,
                label=cls.label,
                type="string",
            )
            add_symbol(i, cls)
        element.append(symbols)
    elif style.kind == "graduated":
        element.set("attr", style.column)
        element.set("graduatedMethod", "GraduatedColor")
        ranges = ET.SubElement(element, "ranges")
        for i, cls in enumerate(style.classes):
            assert isinstance(cls.value, tuple)
            lower, upper = cls.value
            ET.SubElement(
                ranges,
                "range",
                render="true",
                symbol=str(i),
                label=cls.label,
                lower=_number(lower),
                upper=_number(upper),
            )
            add_symbol(i, cls)
        element.append(symbols)
        method = ET.SubElement(element, "classificationMethod", id="Custom")
        ET.SubElement(method, "symmetricMode", enabled="0", symmetrypoint="0", astride="0")
        ET.SubElement(
            method, "labelFormat", format="%1 - %2", labelprecision="2", trimtrailingzeroes="1"
        )
    else:
        add_symbol(0, style.classes[0])
        element.append(symbols)
    ET.SubElement(element, "rotation")
    ET.SubElement(element, "sizescale")
    return element


def _qgis_root(**attrs: str) -> ET.Element:
    root = ET.Element("qgis")
    for key, value in {
        "version": QGIS_VERSION,
        "styleCategories": "AllStyleCategories",
        "hasScaleBasedVisibilityFlag": "0",
        "minScale": "100000000",
        "maxScale": "0",
        **attrs,
    }.items():
        root.set(key, value)
    return root


def _text(element: ET.Element) -> str:
    ET.indent(element, space=" ")
    return DOCTYPE + "\n" + ET.tostring(element, encoding="unicode") + "\n"


def vector_qml(style: Style, geometry: Geometry) -> str:
    """A complete QML document for a vector layer."""
    root = _qgis_root(labelsEnabled="0", readOnly="0")
    root.append(renderer(style, geometry))
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerOpacity").text = f"{style.opacity:g}"
    return _text(root)


def raster_pipe(raster: Raster, maximum: float) -> ET.Element:
    """The ``<pipe>`` element (``singlebandpseudocolor``) of a catalogue raster."""
    stops = ramp_stops(raster, maximum)
    finite = [v for v, _, _ in stops if not math.isinf(v)]
    top = max(finite) if finite else 1.0
    pipe = ET.Element("pipe")
    provider = ET.SubElement(pipe, "provider")
    ET.SubElement(
        provider,
        "resampling",
        enabled="false",
        maxOversampling="2",
        zoomedInResamplingMethod="nearestNeighbour",
        zoomedOutResamplingMethod="nearestNeighbour",
    )
    rend = ET.SubElement(
        pipe,
        "rasterrenderer",
        type="singlebandpseudocolor",
        band="1",
        opacity=f"{raster.opacity:g}",
        alphaBand="-1",
        nodataColor="",
        classificationMin="0",
        classificationMax=f"{top:.6g}",
    )
    ET.SubElement(rend, "rasterTransparency")
    origin = ET.SubElement(rend, "minMaxOrigin")
    for tag, text in (
        ("limits", "None"),
        ("extent", "WholeRaster"),
        ("statAccuracy", "Estimated"),
        ("cumulativeCutLower", "0.02"),
        ("cumulativeCutUpper", "0.98"),
        ("stdDevFactor", "2"),
    ):
        ET.SubElement(origin, tag).text = text
    shader = ET.SubElement(rend, "rastershader")
    ramp = ET.SubElement(
        shader,
        "colorrampshader",
        colorRampType="INTERPOLATED" if raster.interpolated else "DISCRETE",
        classificationMode="1" if raster.interpolated else "2",
        clip="0",
        minimumValue="0",
        maximumValue=f"{top:.6g}",
        labelPrecision="1",
    )
    for i, (value, colour, label) in enumerate(stops):
        alpha = "0" if raster.clear_first and i == 0 else "255"
        ET.SubElement(ramp, "item", alpha=alpha, value=_number(value), color=colour, label=label)
    ET.SubElement(pipe, "brightnesscontrast", brightness="0", contrast="0", gamma="1")
    ET.SubElement(
        pipe,
        "huesaturation",
        colorizeOn="0",
        colorizeRed="255",
        colorizeGreen="128",
        colorizeBlue="128",
        colorizeStrength="100",
        grayscaleMode="0",
        saturation="0",
        invertColors="0",
    )
    ET.SubElement(pipe, "rasterresampler", maxOversampling="2")
    ET.SubElement(pipe, "resamplingStage").text = "resamplingFilter"
    return pipe


def raster_qml(raster: Raster, maximum: float = 1.0) -> str:
    """A complete QML document for a catalogue raster (``maximum`` scales relative ramps)."""
    root = _qgis_root()
    root.append(raster_pipe(raster, maximum))
    ET.SubElement(root, "blendMode").text = "0"
    return _text(root)
