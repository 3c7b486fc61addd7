"""Offline web maps of the layers (folium/Leaflet) for the app.

Leaflet is loaded from the URL the app passes in (``leaflet_url``: the app serves its
vendored copy, see :data:`safespaces_app.mapview.LEAFLET_URL`); no CDN asset and no tile server
is requested unless a basemap URL is configured. Geometry is simplified and coordinates
rounded to keep the payload small; text from the data is HTML-escaped (folium's tooltips
insert it as HTML). Colours and legends come from :mod:`safespaces.catalogue`, so the web
map and the QGIS styles never drift. No Streamlit here.
"""

from __future__ import annotations

import html
import json
import os
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import MacroElement, Template
from folium.utilities import JsCode

from safespaces.catalogue import CATALOGUE, EYES_CLASSES, GREY, Layer, StyleClass

#: Environment variables of the optional basemap (a tile URL template and its attribution).
BASEMAP_URL_ENV = "SAFESPACES_BASEMAP_URL"
BASEMAP_ATTRIBUTION_ENV = "SAFESPACES_BASEMAP_ATTRIBUTION"
#: Catalogue entry of the composite score (falls back to the 0-100 eyes classes).
SCORE_LAYER = "street_safe_space_score"


def _style_js(weight: float, opacity: float, fill_opacity: float) -> JsCode:
    """Leaflet style from the feature's colour ``_c``; the rest is per layer (smaller payload)."""
    return JsCode(
        "function(f){return {color:f.properties._c,fillColor:f.properties._c,"
        f"weight:{weight:g},opacity:{opacity:g},fillOpacity:{fill_opacity:g}}};}}"
    )


class _Setup(MacroElement):
    """Point Leaflet's marker icons at the served images; show the data attribution."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.Icon.Default.imagePath = {{ this.images }};"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text }});"
        "{% endmacro %}"
    )

    def __init__(self, attribution: str, images_url: str) -> None:
        super().__init__()
        self.text = json.dumps(html.escape(attribution))
        self.images = json.dumps(images_url)


_MARKDOWN_SPECIAL = re.compile(r"([\\`*\[\]()<>!$~|#{}:@])")
_WWW = re.compile(r"(www)\.", re.IGNORECASE)


def escape_markdown(text: object) -> str:
    """``text`` for a Streamlit element that renders Markdown (``st.error``, ``st.subheader``,
    ``st.caption`` ...): backslash-escapes what could make a link, an image (a request to
    another server), HTML, a heading, LaTeX or a Streamlit directive out of data text
    (``:`` and ``@`` and ``www.`` too: GitHub-style Markdown turns bare addresses into links).
    """
    return _WWW.sub(r"\1\\.", _MARKDOWN_SPECIAL.sub(r"\\\1", str(text)))


def escape_text(frame: pd.DataFrame) -> pd.DataFrame:
    """HTML-escape every text column (names from OSM or uploads go into tooltips as HTML)."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype.name == "geometry":
            continue
        if out[column].dtype == object or isinstance(out[column].dtype, pd.StringDtype):
            out[column] = out[column].map(lambda v: html.escape(v) if isinstance(v, str) else v)
    return out


def display_frame(
    gdf: gpd.GeoDataFrame,
    columns: Sequence[str],
    *,
    tolerance_m: float = 1.0,
    decimals: int = 6,
) -> gpd.GeoDataFrame:
    """Project to EPSG:4326 for display, simplifying, rounding and escaping.

    Parameters
    ----------
    tolerance_m
        Douglas-Peucker tolerance in the metric CRS before reprojection.
    decimals
        Decimal places kept (6 = about 0.1 m, 5 = about 1 m).
    """
    keep = [c for c in columns if c in gdf.columns]
    geoms = shapely.simplify(gdf.geometry.to_numpy(), tolerance_m, preserve_topology=True)
    out = gpd.GeoDataFrame(gdf[keep].copy(), geometry=geoms, crs=gdf.crs).to_crs("EPSG:4326")
    out["geometry"] = shapely.set_precision(out.geometry.to_numpy(), 10.0**-decimals)
    for column in keep:
        if out[column].dtype.kind == "f":
            out[column] = out[column].round(2)
    return escape_text(out)


def geometry_json(gdf: gpd.GeoDataFrame) -> list[dict[str, Any]]:
    """GeoJSON geometry dicts of a (display) frame, computed once and reused per render."""
    return [json.loads(text) for text in shapely.to_geojson(gdf.geometry.to_numpy())]


def catalogue_classes(layer_name: str) -> tuple[StyleClass, ...]:
    """The legend classes of a catalogue layer (the composite score falls back to 0-100)."""
    entry = CATALOGUE.get(layer_name)
    if isinstance(entry, Layer) and entry.style is not None:
        return entry.style.classes
    if layer_name == SCORE_LAYER:
        return EYES_CLASSES
    raise KeyError(f"{layer_name} has no style in the catalogue")


def legend_entries(layer_name: str) -> list[tuple[str, str]]:
    """``(label, colour)`` pairs of a layer's legend, from the catalogue."""
    return [(c.label, c.colour) for c in catalogue_classes(layer_name) if c.label]


def class_colours(classes: Iterable[StyleClass], values: pd.Series) -> pd.Series:
    """Colour of each value by catalogue classes (categories or ``(lower, upper]`` ranges).

    The first range includes its lower edge; values outside every class and
    NULL get the catch-all class's colour (grey when there is none).
    """
    classes = tuple(classes)
    fallback = next((c.colour for c in classes if c.value is None), GREY)
    ranges = [c for c in classes if isinstance(c.value, tuple)]
    if ranges:
        x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
        out = np.full(len(x), fallback, dtype=object)
        for i, c in reversed(list(enumerate(ranges))):
            assert isinstance(c.value, tuple)
            lo, hi = c.value
            hit = (x <= hi) & ((x >= lo) if i == 0 else (x > lo))
            out[hit] = c.colour
        return pd.Series(out, index=values.index)
    lookup = {str(c.value): c.colour for c in classes if c.value is not None}
    return values.map(lambda v: lookup.get(str(v), fallback) if pd.notna(v) else fallback)


def base_map(
    bounds_lonlat: tuple[float, float, float, float],
    *,
    leaflet_url: str,
    basemap_url: str | None = None,
    attribution: str = "© OpenStreetMap contributors (ODbL)",
    basemap_attribution: str = "",
) -> folium.Map:
    """An empty offline map fitted to ``bounds_lonlat``; a basemap only if configured.

    Parameters
    ----------
    leaflet_url
        URL of the folder serving Leaflet's ``leaflet.js``, ``leaflet.css`` and ``images/``
        (the app's vendored copy, :data:`safespaces_app.mapview.LEAFLET_URL`).
    """
    x0, y0, x1, y1 = bounds_lonlat
    m = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        tiles=None,
        zoom_start=15,
        control_scale=True,
        prefer_canvas=False,
        attribution_control=True,
        zoom_snap=0.25,
    )
    root = leaflet_url.rstrip("/")
    m.default_js = [("leaflet", f"{root}/leaflet.js")]
    m.default_css = [("leaflet_css", f"{root}/leaflet.css")]
    if basemap_url:
        folium.TileLayer(
            basemap_url, attr=html.escape(basemap_attribution or "basemap"), name="basemap"
        ).add_to(m)
    m.add_child(_Setup(attribution, f"{root}/images/"))
    m.fit_bounds([[y0, x0], [y1, x1]])
    return m


def basemap_from_env(url: str = "", attribution: str = "") -> tuple[str | None, str]:
    """The optional basemap ``(url, attribution)``: the config's ``[app]`` values, else the
    environment (``SAFESPACES_BASEMAP_URL``); none by default."""
    chosen = url or os.environ.get(BASEMAP_URL_ENV) or None
    return chosen, attribution or os.environ.get(BASEMAP_ATTRIBUTION_ENV, "")


def add_layer(
    m: folium.Map,
    geometries: Sequence[Mapping[str, Any]],
    properties: pd.DataFrame,
    colours: pd.Series,
    *,
    name: str,
    ids: Sequence[Any],
    tooltip: Mapping[str, str] | None = None,
    weight: float = 3.0,
    opacity: float = 0.9,
    fill_opacity: float = 0.0,
) -> folium.GeoJson:
    """Add one coloured layer; only the tooltip columns travel to the browser.

    Parameters
    ----------
    geometries
        GeoJSON geometries (:func:`geometry_json`), aligned to ``properties``.
    properties
        Values of the tooltip columns (already escaped and rounded).
    colours
        Colour per feature (:func:`class_colours`).
    ids
        Feature ids (``"<layer>:<id>"``), returned by a click.
    tooltip
        Column -> label shown on hover (labels are escaped here).
    """
    tooltip = dict(tooltip or {})
    fields = [c for c in tooltip if c in properties.columns]
    records = properties[fields].astype(object).where(properties[fields].notna(), None)
    rows = records.to_dict("records")
    cols = colours.to_numpy()
    features = [
        {
            "type": "Feature",
            "id": fid,
            "geometry": geom,
            "properties": {**row, "_c": colour},
        }
        for fid, geom, row, colour in zip(ids, geometries, rows, cols, strict=True)
    ]
    layer = folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name=name,
        style=_style_js(weight, opacity, fill_opacity),
        tooltip=folium.GeoJsonTooltip(
            fields=fields, aliases=[html.escape(tooltip[f]) for f in fields]
        )
        if fields
        else None,
    )
    layer.add_to(m)
    return layer


def add_lines(
    m: folium.Map,
    gdf: gpd.GeoDataFrame,
    *,
    color_column: str,
    colors: Mapping[str, str],
    name: str,
    tooltip: Sequence[str] = (),
    default_color: str = "#999999",
    weight: float = 3.0,
) -> folium.GeoJson:
    """Add a line layer coloured by the category in ``color_column``."""
    colours = gdf[color_column].astype("string").map(dict(colors)).fillna(default_color)
    return add_layer(
        m,
        geometry_json(gdf),
        pd.DataFrame(gdf.drop(columns=gdf.geometry.name)),
        colours.astype(object),
        name=name,
        ids=[f"{name}:{i}" for i in range(len(gdf))],
        tooltip={c: c for c in tooltip},
        weight=weight,
    )


def html_legend(
    title: str, entries: Mapping[str, str] | Sequence[tuple[str, str]], *, polygon: bool = False
) -> str:
    """A small HTML legend (no branca colormap: it loads d3 from a CDN); text is escaped."""
    escape = html.escape
    pairs = list(entries.items()) if isinstance(entries, Mapping) else list(entries)
    height = "10px" if polygon else "4px"
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:{height};'
        f'background:{escape(color)};margin-right:6px;vertical-align:middle"></span>'
        f"{escape(label)}</div>"
        for label, color in pairs
    )
    return f'<div style="font-size:0.85em;margin-bottom:0.6em"><b>{escape(title)}</b>{rows}</div>'


def bounds_lonlat(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Bounds of a layer in lon/lat."""
    x0, y0, x1, y1 = gdf.to_crs("EPSG:4326").total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def payload_bytes(m: folium.Map) -> int:
    """Size of the map's HTML (the payload the browser receives)."""
    return len(m.get_root().render().encode("utf-8"))


__all__ = [
    "BASEMAP_ATTRIBUTION_ENV",
    "BASEMAP_URL_ENV",
    "add_layer",
    "add_lines",
    "base_map",
    "basemap_from_env",
    "bounds_lonlat",
    "catalogue_classes",
    "class_colours",
    "display_frame",
    "escape_markdown",
    "escape_text",
    "geometry_json",
    "html_legend",
    "legend_entries",
    "payload_bytes",
]
