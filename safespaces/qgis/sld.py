"""OGC SLD 1.1.0 styles (Styled Layer Descriptor with Symbology Encoding 1.1) from the catalogue.

The same catalogue style as the QML of :mod:`safespaces.qgis.qml`, for map servers:
GeoServer imports the ``styleSLD`` column of ``layer_styles`` (QGIS itself ignores it and
uses the QML). One ``se:Rule`` per legend class, in legend order, named and titled by the
class's label:

- a category is ``ogc:PropertyIsEqualTo``; the catch-all class (value ``None``) takes,
  like QGIS's catch-all category, NULL and every value no other class names: by default an
  explicit ``ogc:Filter`` (``IS NULL OR NOT (= a OR = b ...)``), which every SE reader
  evaluates the same; with ``else_filter=True`` the shorter ``se:ElseFilter``, which
  GeoServer honours but QGIS 3.22's SLD reader drops (the rule loses its filter and then
  draws every feature over its own class's colour);
- a range matches exactly the features QGIS's graduated renderer gives it: QGIS takes the
  first range with ``lower <= value <= upper``, so a range's lower bound is exclusive
  (``ogc:PropertyIsGreaterThan``) where an earlier range ends at it and inclusive
  (``ogc:PropertyIsGreaterThanOrEqualTo``) elsewhere, its upper bound inclusive
  (``ogc:PropertyIsLessThanOrEqualTo``); an infinite bound is left out. QGIS's own SLD
  export writes the same filters (``QgsRendererRange::toSld``). NULL matches no range, as
  in QGIS.

Widths are in pixels, converted from the catalogue's millimetres as QGIS's SLD export does
(``QgsSymbolLayerUtils::rescaleUom``): one pixel is the standardized rendering pixel of
0.28 mm, and the result is rounded to whole pixels (QGIS 3.22 writes a 0.4 mm line as
``stroke-width`` 1, a 0.6 mm one as 2). The layer opacity becomes ``fill-opacity`` and
``stroke-opacity`` (QGIS's export drops it).
"""

from __future__ import annotations

import math
from xml.etree import ElementTree as ET

from safespaces.catalogue import Geometry, Style, StyleClass
from safespaces.qgis.qml import MARKER_OUTLINE_MM, POLYGON_OUTLINE_MM

SLD_NS = "http://www.opengis.net/sld"
SE_NS = "http://www.opengis.net/se"
OGC_NS = "http://www.opengis.net/ogc"
XLINK_NS = "http://www.w3.org/1999/xlink"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{SLD_NS} http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
#: Millimetres per pixel: SE 1.1's standardized rendering pixel (0.28 mm x 0.28 mm).
PIXEL_MM = 0.28


def pixels(millimetres: float) -> int:
    """A width in millimetres as whole pixels of 0.28 mm, as QGIS's SLD export rounds it.

    A positive width is at least one pixel (QGIS would write 0 below 0.14 mm, an
    invisible stroke).

    Raises
    ------
    ValueError
        The width is negative or not finite.
    """
    if not math.isfinite(millimetres) or millimetres < 0:
        raise ValueError(f"width {millimetres!r} mm is not a finite width >= 0")
    px = math.floor(millimetres / PIXEL_MM + 0.5)  # std::round: halves away from zero
    return max(px, 1) if millimetres > 0 else 0


def number(value: float) -> str:
    """The shortest text that reads back as ``value`` (``20``, ``2.5``, ``1000000000``).

    Raises
    ------
    ValueError
        ``value`` is NaN or infinite.
    """
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{value!r} has no SLD literal")
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(value)


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    element = ET.SubElement(parent, tag, attrs)
    if text is not None:
        element.text = text
    return element


def _parameter(parent: ET.Element, name: str, value: str) -> None:
    _sub(parent, "se:SvgParameter", value, name=name)


def _stroke(parent: ET.Element, colour: str, width_mm: float, opacity: float, join: str) -> None:
    stroke = _sub(parent, "se:Stroke")
    _parameter(stroke, "stroke", colour)
    _parameter(stroke, "stroke-opacity", number(opacity))
    _parameter(stroke, "stroke-width", str(pixels(width_mm)))
    _parameter(stroke, "stroke-linejoin", join)


def _fill(parent: ET.Element, colour: str, opacity: float) -> None:
    fill = _sub(parent, "se:Fill")
    _parameter(fill, "fill", colour)
    _parameter(fill, "fill-opacity", number(opacity))


def symbolizer(rule: ET.Element, style: Style, geometry: Geometry, colour: str) -> None:
    """Append the symbolizer of one class: the SE twin of :func:`safespaces.qgis.qml.symbol`."""
    opacity = style.opacity
    if geometry == "line":
        line = _sub(rule, "se:LineSymbolizer")
        _stroke(line, colour, style.width, opacity, "round")
        stroke = line.find("se:Stroke")
        assert stroke is not None
        _parameter(stroke, "stroke-linecap", "round")
    elif geometry == "polygon":
        polygon = _sub(rule, "se:PolygonSymbolizer")
        _fill(polygon, colour, opacity)
        if style.outline:
            _stroke(polygon, style.outline, POLYGON_OUTLINE_MM, opacity, "bevel")
    elif geometry == "point":
        graphic = _sub(_sub(rule, "se:PointSymbolizer"), "se:Graphic")
        mark = _sub(graphic, "se:Mark")
        _sub(mark, "se:WellKnownName", "circle")
        _fill(mark, colour, opacity)
        if style.outline:
            _stroke(mark, style.outline, MARKER_OUTLINE_MM, opacity, "round")
        _sub(graphic, "se:Size", str(pixels(style.width)))
    else:
        raise ValueError(f"geometry {geometry!r} has no symbolizer (an attribute table?)")


def _comparison(parent: ET.Element, op: str, column: str, literal: str) -> None:
    element = _sub(parent, f"ogc:{op}")
    _sub(element, "ogc:PropertyName", column)
    _sub(element, "ogc:Literal", literal)


def _range_filter(
    rule: ET.Element, column: str, lower: float, upper: float, *, lower_open: bool
) -> None:
    """``ogc:Filter`` of one range; infinite bounds are left out."""
    parts: list[tuple[str, float]] = []
    if not (math.isinf(lower) and lower < 0):
        op = "PropertyIsGreaterThan" if lower_open else "PropertyIsGreaterThanOrEqualTo"
        parts.append((op, lower))
    if not (math.isinf(upper) and upper > 0):
        parts.append(("PropertyIsLessThanOrEqualTo", upper))
    holder = _sub(rule, "ogc:Filter")
    if not parts:  # (-inf, inf): every value, but not NULL (QGIS draws no NULL in a range)
        _sub(_sub(_sub(holder, "ogc:Not"), "ogc:PropertyIsNull"), "ogc:PropertyName", column)
        return
    if len(parts) == 2:
        holder = _sub(holder, "ogc:And")
    for op, value in parts:
        _comparison(holder, op, column, number(value))


def _ranges(style: Style) -> list[tuple[StyleClass, float, float, bool]]:
    """Each range class with its bounds and whether its lower bound is exclusive.

    QGIS gives a value the first range with ``lower <= value <= upper``. With ranges in
    ascending order that do not overlap, a value of range ``i`` belongs to an earlier one
    exactly when it equals ``lower_i`` and an earlier range ends there; so that lower bound
    is exclusive and every other bound inclusive.

    Raises
    ------
    ValueError
        A bound is NaN, a range is empty (lower > upper), or a range starts below the end
        of an earlier one (overlapping or unordered ranges).
    """
    out: list[tuple[StyleClass, float, float, bool]] = []
    for cls in style.classes:
        if not isinstance(cls.value, tuple):
            raise ValueError(f"graduated class {cls.label!r} has no (lower, upper) range")
        lower, upper = (float(v) for v in cls.value)
        if math.isnan(lower) or math.isnan(upper) or lower > upper:
            raise ValueError(f"range {cls.label!r}: ({lower}, {upper}) is not lower <= upper")
        ends = [u for _, _, u, _ in out]
        if any(end > lower for end in ends):
            raise ValueError(
                f"range {cls.label!r} starts at {lower:g}, below the end of an earlier range: "
                "graduated classes must ascend without overlapping"
            )
        out.append((cls, lower, upper, lower in ends))
    return out


def _catch_all_filter(rule: ET.Element, column: str, named: list[str]) -> None:
    """``ogc:Filter`` of the catch-all class: NULL, or none of the ``named`` values."""
    if not named:  # the only class: every feature, no filter
        return
    either = _sub(_sub(rule, "ogc:Filter"), "ogc:Or")
    _sub(_sub(either, "ogc:PropertyIsNull"), "ogc:PropertyName", column)
    negated = _sub(either, "ogc:Not")
    holder = _sub(negated, "ogc:Or") if len(named) > 1 else negated
    for value in named:
        _comparison(holder, "PropertyIsEqualTo", column, value)


def _rule(parent: ET.Element, label: str) -> ET.Element:
    rule = _sub(parent, "se:Rule")
    _sub(rule, "se:Name", label)
    _sub(_sub(rule, "se:Description"), "se:Title", label)
    return rule


def style_sld(
    style: Style,
    geometry: Geometry,
    *,
    layer: str,
    title: str,
    name: str | None = None,
    else_filter: bool = False,
) -> str:
    """An SLD 1.1.0 document of a catalogue style (valid against the OGC schema).

    Parameters
    ----------
    style
        The catalogue style (categorized, graduated or single).
    geometry
        ``line``, ``polygon`` or ``point``.
    layer
        The table it styles: the ``NamedLayer``'s name (GeoServer's layer).
    title
        Human title of the style (the catalogue entry's title).
    name
        The style's name; default: ``layer``. A second view of a table (``street_lighting``
        of ``street_segments``) gives its own.
    else_filter
        Write a categorized style's catch-all class as ``se:ElseFilter`` instead of its
        explicit filter (QGIS 3.22 cannot read it back; GeoServer can).

    Returns
    -------
    str
        The document, UTF-8 XML declaration first.

    Raises
    ------
    ValueError
        The geometry has no symbolizer (``none``), or graduated ranges overlap.
    """
    if geometry not in ("line", "polygon", "point"):
        raise ValueError(f"geometry {geometry!r} has no symbolizer (an attribute table?)")
    root = ET.Element(
        "StyledLayerDescriptor",
        {
            "version": "1.1.0",
            "xmlns": SLD_NS,
            "xmlns:se": SE_NS,
            "xmlns:ogc": OGC_NS,
            "xmlns:xlink": XLINK_NS,
            "xmlns:xsi": XSI_NS,
            "xsi:schemaLocation": SCHEMA_LOCATION,
        },
    )
    named_layer = _sub(root, "NamedLayer")
    _sub(named_layer, "se:Name", layer)
    user = _sub(named_layer, "UserStyle")
    _sub(user, "se:Name", name or layer)
    _sub(_sub(user, "se:Description"), "se:Title", title)
    feature_style = _sub(user, "se:FeatureTypeStyle")
    if style.kind == "single":
        cls = style.classes[0]
        symbolizer(_rule(feature_style, cls.label), style, geometry, cls.colour)
    elif style.kind == "categorized":
        named = [str(c.value) for c in style.classes if c.value is not None]
        for cls in style.classes:
            rule = _rule(feature_style, cls.label)
            if cls.value is None and else_filter:
                _sub(rule, "se:ElseFilter")
            elif cls.value is None:
                _catch_all_filter(rule, style.column, named)
            else:
                holder = _sub(rule, "ogc:Filter")
                _comparison(holder, "PropertyIsEqualTo", style.column, str(cls.value))
            symbolizer(rule, style, geometry, cls.colour)
    else:
        for cls, lower, upper, lower_open in _ranges(style):
            rule = _rule(feature_style, cls.label)
            _range_filter(rule, style.column, lower, upper, lower_open=lower_open)
            symbolizer(rule, style, geometry, cls.colour)
    ET.indent(root, space=" ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"
