"""An interactive map of one output layer, for notebooks: :func:`explore`.

The map is a folium map that requests nothing from the internet: Leaflet (1.9.3,
BSD-2-Clause, vendored in ``safespaces/static/leaflet``) is embedded in the page
itself as ``data:`` URLs, no tile server is asked for a basemap unless one is given,
and point layers are drawn as circles (Leaflet's marker images would be fetched).
So it works offline, behind a closed city network, and in a saved HTML file. Colours
and legends come from :mod:`safespaces.catalogue`, as in the app and the QGIS
styles. folium is optional (the ``app`` extra): it is imported when a map is made.

For a basemap, give a tile URL (and its attribution), e.g. OpenStreetMap's
``"https://tile.openstreetmap.org/{z}/{x}/{y}.png"``: the browser then asks that
server for tiles.
"""

from __future__ import annotations

import base64
import html
import json
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces.catalogue import (
    GREY,
    OSM_ATTRIBUTION,
    VIRIDIS_5,
    Layer,
    Style,
    StyleClass,
    layers_of_table,
)
from safespaces.errors import InputError

if TYPE_CHECKING:
    import folium

#: ColorBrewer Dark2 (colour-blind safe), for text columns the catalogue does not style.
DARK2 = ("#1b9e77", "#d95f02", "#7570b3", "#e7298a", "#66a61e", "#e6ab02", "#a6761d", "#666666")
#: Most features drawn (a bigger layer makes a page the browser struggles with).
MAX_FEATURES = 50_000


@cache
def leaflet_assets() -> tuple[str, str]:
    """``data:`` URLs of the vendored Leaflet's script and style sheet."""
    folder = resources.files("safespaces") / "static" / "leaflet"
    js = base64.b64encode((folder / "leaflet.js").read_bytes()).decode("ascii")
    css = base64.b64encode((folder / "leaflet.css").read_bytes()).decode("ascii")
    return f"data:text/javascript;base64,{js}", f"data:text/css;base64,{css}"


def style_for(layer: str, columns: Sequence[str], column: str | None = None) -> Style | None:
    """The catalogue style of ``layer`` (a GeoPackage layer name) for ``column``.

    Without ``column``: the style the QGIS project shows first (its visible entry) whose
    column the frame has, else the layer's own style. None when the catalogue has none.
    """
    entries = [e for e in layers_of_table(layer) if isinstance(e, Layer) and e.style]
    if column is not None:
        return next((e.style for e in entries if e.style and e.style.column == column), None)
    usable = [e for e in entries if e.style and (not e.style.column or e.style.column in columns)]
    chosen = next((e for e in usable if e.visible), usable[0] if usable else None)
    return chosen.style if chosen else None


def quantile_style(values: pd.Series) -> Style:
    """Five viridis classes at the quintiles of a numeric column (no catalogue style)."""
    x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
    x = x[np.isfinite(x)]
    if not len(x):
        return Style("single", "", (StyleClass(None, str(values.name), GREY),))
    edges = np.unique(np.quantile(x, np.linspace(0, 1, 6)))
    if len(edges) < 2:
        edges = np.array([edges[0], edges[0]])
    classes = tuple(
        StyleClass((float(lo), float(hi)), f"{lo:.3g} - {hi:.3g}", VIRIDIS_5[i])
        for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:], strict=True))
    )
    return Style("graduated", str(values.name), classes)


def category_style(values: pd.Series) -> Style:
    """One colour per value (up to ten, the rest grey) for a text column."""
    palette = (*DARK2, "#1f78b4", "#b2df8a")
    top = values.dropna().astype(str).value_counts().index[: len(palette)]
    classes = tuple(StyleClass(str(v), str(v), palette[i]) for i, v in enumerate(top))
    return Style("categorized", str(values.name), (*classes, StyleClass(None, "other", GREY)))


def colours(style: Style, frame: pd.DataFrame) -> np.ndarray:
    """The colour of each row by ``style``'s classes (categories or ``(lower, upper]``
    ranges, the first including its lower edge; others and NULL: the catch-all class)."""
    classes = style.classes
    fallback = next((c.colour for c in classes if c.value is None), GREY)
    if style.kind == "single" or style.column not in frame:
        return np.full(len(frame), classes[0].colour if classes else fallback, dtype=object)
    values = frame[style.column]
    ranges = [c for c in classes if isinstance(c.value, tuple)]
    out = np.full(len(frame), fallback, dtype=object)
    if ranges:
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        for i, c in reversed(list(enumerate(ranges))):
            assert isinstance(c.value, tuple)
            lo, hi = c.value
            out[(x <= hi) & ((x >= lo) if i == 0 else (x > lo))] = c.colour
        return out
    lookup = {str(c.value): c.colour for c in classes if c.value is not None}
    text = values.astype(object).where(values.notna(), None).to_numpy(dtype=object)
    for i, value in enumerate(text):
        if value is not None:
            out[i] = lookup.get(str(value), fallback)
    return out


def _legend_html(title: str, classes: Sequence[StyleClass]) -> str:
    rows = "".join(
        f'<div><span style="display:inline-block;width:12px;height:12px;margin-right:5px;'
        f'background:{html.escape(c.colour)}"></span>{html.escape(c.label)}</div>'
        for c in classes
        if c.label
    )
    return (
        '<div style="position:absolute;bottom:24px;left:10px;z-index:1000;background:white;'
        "padding:6px 8px;font:12px sans-serif;border-radius:4px;"
        f'box-shadow:0 0 4px rgba(0,0,0,.3)"><b>{html.escape(title)}</b>{rows}</div>'
    )


def _features(frame: gpd.GeoDataFrame, fields: Sequence[str], fill: np.ndarray) -> dict[str, Any]:
    props = frame[list(fields)].copy()
    for name in fields:
        col = props[name]
        if col.dtype.kind == "f":
            props[name] = col.round(2)
        elif col.dtype.kind not in "biu":
            props[name] = col.map(lambda v: html.escape(str(v)) if pd.notna(v) else None)
    rows = props.astype(object).where(props.notna(), None).to_dict("records")
    geoms = shapely.to_geojson(frame.geometry.to_numpy())
    return {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "geometry": json.loads(g), "properties": {**row, "_c": c}}
            for g, row, c in zip(geoms, rows, fill, strict=True)
        ],
    }


def explore(
    frame: gpd.GeoDataFrame,
    layer: str = "",
    column: str | None = None,
    *,
    tooltip: Sequence[str] | None = None,
    basemap: str | None = None,
    basemap_attribution: str = "",
    attribution: str = OSM_ATTRIBUTION,
) -> folium.Map:
    """An offline folium map of one layer, coloured as the app and QGIS colour it.

    Parameters
    ----------
    frame
        The layer (any CRS; shown in longitudes and latitudes, simplified to 1 m).
    layer
        Its GeoPackage layer name (``street_segments``, ``areas`` ...): picks the
        catalogue's style and legend.
    column
        The column to colour by (default: the catalogue's first style for the layer). A
        column the catalogue does not style gets quintile classes (numbers) or one colour
        per value (text).
    tooltip
        Columns shown on hover (default: ``name`` and the coloured column).
    basemap
        A tile URL template; None (default) draws no basemap and requests nothing.
    basemap_attribution
        The basemap's attribution (required by most tile servers).
    attribution
        The data's attribution.

    Returns
    -------
    folium.Map
        Shown by a notebook; ``.save("map.html")`` writes a self-contained page.

    Raises
    ------
    InputError
        No geometry, more than :data:`MAX_FEATURES` features, or an unknown column.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> x0, y0 = 385_000, 6_672_000
    >>> streets = gpd.GeoDataFrame({"light_class": ["P4", "unlit"]},
    ...     geometry=[shapely.LineString([(x0, y0), (x0 + 90, y0)]),
    ...               shapely.LineString([(x0 + 90, y0), (x0 + 90, y0 + 60)])],
    ...     crs="EPSG:3067")
    >>> m = explore(streets, "street_segments", "light_class")
    >>> page = m.get_root().render()
    >>> "http://" in page.split("<body>")[0] or "https://cdn" in page
    False
    """
    import folium  # the app extra: imported when a map is made

    if not isinstance(frame, gpd.GeoDataFrame) or frame.crs is None:
        raise InputError(
            "explore needs a GeoDataFrame with a CRS",
            fix="give a layer of the results (results.layers[name])",
        )
    if len(frame) > MAX_FEATURES:
        raise InputError(
            f"{len(frame):,} features are more than a web map shows well ({MAX_FEATURES:,})",
            fix="select a part first, e.g. frame.cx[xmin:xmax, ymin:ymax]",
        )
    if column is not None and column not in frame:
        raise InputError(
            f"the layer has no column '{column}'",
            column=column,
            fix=f"use one of {', '.join(map(str, frame.columns[:20]))}",
        )
    frame = frame[frame.geometry.notna() & ~frame.geometry.is_empty]
    style = style_for(layer, list(map(str, frame.columns)), column)
    if style is None or (style.column and style.column not in frame):
        if column is None:
            style = Style("single", "", (StyleClass(None, layer or "features", "#3b528b"),))
        elif pd.api.types.is_numeric_dtype(frame[column]):
            style = quantile_style(frame[column])
        else:
            style = category_style(frame[column])
    fill = colours(style, frame)
    fields = list(tooltip) if tooltip is not None else ["name", style.column]
    fields = list(dict.fromkeys(f for f in fields if f and f in frame))
    shown = gpd.GeoDataFrame(
        frame[fields],
        geometry=shapely.simplify(frame.geometry.to_numpy(), 1.0, preserve_topology=True),
        crs=frame.crs,
    ).to_crs("EPSG:4326")
    shown["geometry"] = shapely.set_precision(shown.geometry.to_numpy(), 1e-6)
    x0, y0, x1, y1 = (float(v) for v in shown.total_bounds)
    m = folium.Map(location=[(y0 + y1) / 2, (x0 + x1) / 2], tiles=None, control_scale=True)
    js, css = leaflet_assets()
    m.default_js = [("leaflet", js)]
    m.default_css = [("leaflet_css", css)]
    if basemap:
        folium.TileLayer(basemap, attr=html.escape(basemap_attribution or "basemap")).add_to(m)
    points = bool((shown.geometry.geom_type == "Point").all()) and len(shown) > 0
    folium.GeoJson(
        _features(shown, fields, fill),
        name=layer or "layer",
        style_function=lambda f: {
            "color": f["properties"]["_c"],
            "fillColor": f["properties"]["_c"],
            "weight": 3,
            "fillOpacity": 0.5,
        },
        marker=folium.CircleMarker(radius=4) if points else None,
        tooltip=folium.GeoJsonTooltip(fields=fields) if fields else None,
    ).add_to(m)
    root: Any = m.get_root()
    root.html.add_child(folium.Element(_legend_html(style.column or layer, style.classes)))
    root.html.add_child(
        folium.Element(
            f'<div style="position:absolute;bottom:2px;right:4px;z-index:1000;'
            f'font:10px sans-serif;background:rgba(255,255,255,.7)">{html.escape(attribution)}'
            "</div>"
        )
    )
    m.fit_bounds([[y0, x0], [y1, x1]])
    return m
