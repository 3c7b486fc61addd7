"""Offline web maps of the layers (folium/Leaflet) for the app.

Leaflet 1.9.3 is vendored in ``static/leaflet`` and served by Streamlit at
``/app/static/leaflet``; no CDN asset and no tile server is requested unless a
basemap URL is configured. Geometry is simplified and coordinates rounded to
keep the payload small. Imported only by the app (needs the ``app`` extra).
"""

from __future__ import annotations

import html
import json
from collections.abc import Mapping, Sequence

import folium
import geopandas as gpd
import shapely
from branca.element import MacroElement, Template

LEAFLET_JS = "/app/static/leaflet/leaflet.js"
LEAFLET_CSS = "/app/static/leaflet/leaflet.css"


class _Setup(MacroElement):
    """Point Leaflet's marker icons at the vendored images; show the data attribution."""

    _template = Template(
        "{% macro script(this, kwargs) %}"
        "L.Icon.Default.imagePath = '/app/static/leaflet/images/';"
        "{{ this._parent.get_name() }}.attributionControl.addAttribution({{ this.text }});"
        "{% endmacro %}"
    )

    def __init__(self, attribution: str) -> None:
        super().__init__()
        self.text = json.dumps(html.escape(attribution))


def display_frame(
    gdf: gpd.GeoDataFrame,
    columns: Sequence[str],
    *,
    tolerance_m: float = 1.0,
    decimals: int = 6,
) -> gpd.GeoDataFrame:
    """Project to EPSG:4326 for display, simplifying and rounding coordinates.

    Parameters
    ----------
    tolerance_m
        Douglas-Peucker tolerance in the metric CRS before reprojection.
    decimals
        Decimal places kept (6 = about 0.1 m).
    """
    keep = [c for c in columns if c in gdf.columns]
    geoms = shapely.simplify(gdf.geometry.to_numpy(), tolerance_m, preserve_topology=True)
    out = gpd.GeoDataFrame(gdf[keep].copy(), geometry=geoms, crs=gdf.crs).to_crs("EPSG:4326")
    out["geometry"] = shapely.set_precision(out.geometry.to_numpy(), 10.0**-decimals)
    for column in keep:
        if out[column].dtype.kind == "f":
            out[column] = out[column].round(2)
    return out


def base_map(
    bounds_lonlat: tuple[float, float, float, float],
    *,
    basemap_url: str | None = None,
    attribution: str = "© OpenStreetMap contributors (ODbL)",
) -> folium.Map:
    """An empty offline map fitted to ``bounds_lonlat``; a basemap only if configured."""
    x0, y0, x1, y1 = bounds_lonlat
    m = folium.Map(
        location=[(y0 + y1) / 2, (x0 + x1) / 2],
        tiles=None,
        zoom_start=15,
        control_scale=True,
        prefer_canvas=False,
        attribution_control=True,
    )
    m.default_js = [("leaflet", LEAFLET_JS)]
    m.default_css = [("leaflet_css", LEAFLET_CSS)]
    if basemap_url:
        folium.TileLayer(basemap_url, attr=attribution, name="basemap").add_to(m)
    m.add_child(_Setup(attribution))
    m.fit_bounds([[y0, x0], [y1, x1]])
    return m


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
    data = gdf.copy()
    data["_color"] = data[color_column].astype("string").map(dict(colors)).fillna(default_color)
    fields = [c for c in tooltip if c in data.columns]
    layer = folium.GeoJson(
        data.__geo_interface__,
        name=name,
        style_function=lambda f: {
            "color": f["properties"]["_color"],
            "weight": weight,
            "opacity": 0.9,
        },
        tooltip=folium.GeoJsonTooltip(fields=fields) if fields else None,
    )
    layer.add_to(m)
    return layer


def html_legend(title: str, entries: Mapping[str, str]) -> str:
    """A small HTML legend (no branca colormap: it loads d3 from a CDN)."""
    escape = html.escape
    rows = "".join(
        f'<div><span style="display:inline-block;width:14px;height:4px;'
        f'background:{escape(color)};margin-right:6px;vertical-align:middle"></span>'
        f"{escape(label)}</div>"
        for label, color in entries.items()
    )
    return f'<div style="font-size:0.85em"><b>{escape(title)}</b>{rows}</div>'


def bounds_lonlat(gdf: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    """Bounds of a layer in lon/lat."""
    x0, y0, x1, y1 = gdf.to_crs("EPSG:4326").total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def payload_bytes(m: folium.Map) -> int:
    """Size of the map's HTML (the payload the browser receives)."""
    return len(m.get_root().render().encode("utf-8"))


__all__ = [
    "add_lines",
    "base_map",
    "bounds_lonlat",
    "display_frame",
    "html_legend",
    "payload_bytes",
]
