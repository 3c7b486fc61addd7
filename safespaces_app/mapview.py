"""The map and the clicked feature's panel (presentation only: the numbers come from the run)."""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping
from pathlib import Path

import folium
import geopandas as gpd
import pandas as pd
import shapely
from folium.utilities import JsCode

from safespaces.catalogue import OSM_ATTRIBUTION, describe_columns
from safespaces.eyes import HOUR_COLUMNS
from safespaces.eyes.vocabulary import window_column
from safespaces.indices import FAMILIES
from safespaces.lighting.vocabulary import CLASS_COLUMN
from safespaces.sources.areas import district_names
from safespaces_app.formats import number
from safespaces_app.i18n import DEFAULT_LANGUAGE, has, t, value_label
from safespaces_app.results import Analysis, View
from safespaces_app.scoring import with_score
from safespaces_app.settings import current_config
from safespaces_app.webmap import (
    SCORE_LAYER,
    add_layer,
    base_map,
    basemap_from_env,
    catalogue_classes,
    class_colours,
)

#: Map layers: key -> (view, catalogue layer, geometry kind). Drawn in this order.
LAYERS: Mapping[str, tuple[str, str, str]] = {
    "mix": ("areas", "areas_mix_entropy", "polygon"),
    "hotspots": ("hotspots", "incident_hotspots", "polygon"),
    "score": ("segments", SCORE_LAYER, "line"),
    "lighting": ("segments", "street_lighting", "line"),
    "eyes": ("segments", "street_eyes_night", "line"),
    "dark": ("dark_paths", "dark_paths", "line"),
}
DEFAULT_LAYERS = ("eyes", "dark")
#: The hours of the hour slider: one per eyes column of the library (0-23).
HOURS = range(len(HOUR_COLUMNS))
#: Streamlit serves the folder ``static`` beside the main script at this URL
#: (``server.enableStaticServing``, set by ``safespaces app`` and ``.streamlit/config.toml``).
#: The main script is :mod:`safespaces_app.main`, whose ``static`` is this one; the repository's
#: ``app.py`` has a ``static`` link to it.
STATIC_URL = "/app/static"
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The vendored Leaflet (no CDN asset is requested): its folder and its URL.
LEAFLET_DIR = STATIC_DIR / "leaflet"
LEAFLET_URL = f"{STATIC_URL}/{LEAFLET_DIR.name}"


def hour_column(hour: int) -> str:
    """The eyes column of an hour (the library's :data:`safespaces.eyes.HOUR_COLUMNS`)."""
    return HOUR_COLUMNS[hour]


def layer_title(key: str, hour: int, lang: str) -> str:
    """The translated name of a map layer."""
    return t(f"layer.{key}", lang, hour=f"{hour:02d}") if key == "eyes" else t(f"layer.{key}", lang)


def _values(key: str, frame: pd.DataFrame, hour: int, weights: Mapping[str, float]) -> pd.Series:
    if key == "eyes":
        return frame[hour_column(hour)]
    if key == "score":
        return with_score(frame, weights)["safe_space_score"].round(1)
    column = {
        "lighting": "light_class",
        "mix": "mix_entropy",
        "hotspots": "hotspot_class",
        "dark": "light_evidence",
    }
    return frame[column[key]]


def districts(data: Analysis) -> list[str]:
    """The districts of the district picker, sorted: the user's areas by name, or the
    places the default grid's cells lie in (:func:`safespaces.sources.areas.district_names`)."""
    names = district_names(data.layers["areas"]).dropna().unique()
    return sorted(str(n) for n in names)


def district_areas(data: Analysis, district: str) -> gpd.GeoDataFrame:
    """The map view's areas of a district (lon/lat)."""
    areas = data.views["areas"].frame
    return areas[(district_names(areas) == district).to_numpy()]


def bounds(data: Analysis, district: str | None) -> tuple[float, float, float, float]:
    """Lon/lat bounds of a district (all its areas) or of the whole network."""
    frame = district_areas(data, district) if district else data.views["segments"].frame
    x0, y0, x1, y1 = frame.total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def add_outline(m: folium.Map, data: Analysis, district: str) -> None:
    """Draw the outline of a district (the union of its areas) on the map."""
    areas = district_areas(data, district)
    if areas.empty:
        return
    outline = shapely.union_all(areas.geometry.to_numpy())
    folium.GeoJson(
        json.loads(shapely.to_geojson(outline)),
        name=district,
        style_function=None,
        style=JsCode(
            "function(f){return {color:'#000000',weight:3,opacity:0.9,fill:false,dashArray:'6 4'};}"
        ),
        interactive=False,
    ).add_to(m)


def build_map(
    data: Analysis,
    *,
    hour: int,
    shown: Collection[str],
    weights: Mapping[str, float],
    district: str | None,
    lang: str,
) -> folium.Map:
    """The offline folium map of the chosen layers."""
    app = current_config().app
    url, basemap_attr = basemap_from_env(app.basemap_url, app.basemap_attribution)
    m = base_map(
        bounds(data, district),
        leaflet_url=LEAFLET_URL,
        basemap_url=url,
        basemap_attribution=basemap_attr,
        attribution=str(data.metadata.get("attribution") or OSM_ATTRIBUTION),
    )
    for key, (view_name, catalogue_name, kind) in LAYERS.items():
        if key not in shown or view_name not in data.views:
            continue
        view: View = data.views[view_name]
        values = _values(key, view.frame, hour, weights)
        title = layer_title(key, hour, lang)
        label = "space_name" if view_name == "dark_paths" else "name"
        colours = class_colours(catalogue_classes(catalogue_name), values)
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            values = values.map(lambda v: value_label(v, lang) if pd.notna(v) else v)
        props = pd.DataFrame({"name": view.frame[label], "value": values})
        add_layer(
            m,
            view.geometries,
            props,
            colours,
            name=title,
            ids=view.ids,
            tooltip={"name": t("panel.name", lang), "value": title},
            weight=5.0 if key == "dark" else 3.0,
            fill_opacity=0.55 if kind == "polygon" else 0.0,
            opacity=0.6 if kind == "polygon" else 0.9,
        )
    if district:
        add_outline(m, data, district)
    return m


def clicked_id(returned: Mapping[str, object] | None) -> tuple[str, int] | None:
    """``(kind, id)`` of the feature the user clicked, from ``st_folium``'s return."""
    feature = (returned or {}).get("last_active_drawing")
    if not isinstance(feature, Mapping):
        return None
    kind, _, value = str(feature.get("id", "")).partition(":")
    try:
        return kind, int(float(value))
    except ValueError:
        return None


def breakdown(row: pd.Series, weights: Mapping[str, float], lang: str) -> pd.DataFrame:
    """The composite's parts for one feature: family score, weight, points it adds.

    points = w_f s_f / sum of w over the families with a score; they add up to the
    safe-space score (:func:`safespaces.indices.composite`).
    """
    score = pd.Series([row.get(f"score_{f}") for f in FAMILIES], dtype=float)
    weight = pd.Series([float(weights.get(f, 0.0)) for f in FAMILIES])
    used = score.notna() & (weight > 0)
    norm = float(weight[used].sum())
    points = (weight * score / norm).where(used) if norm else pd.Series([float("nan")] * 4)
    frame = pd.DataFrame(
        {
            t("panel.measure", lang): [t(f"family.{f}", lang) for f in FAMILIES],
            t("panel.value", lang): score.round(1),
            t("panel.weight", lang): weight,
            t("panel.points", lang): points.round(1),
        }
    )
    total = {
        t("panel.measure", lang): t("family.score", lang),
        t("panel.points", lang): round(float(points.sum()), 1) if norm else None,
    }
    return pd.concat([frame, pd.DataFrame([total])], ignore_index=True)


_SEGMENT_MEASURES = [
    "name",
    "highway",
    "length_m",
    CLASS_COLUMN,
    "light_lux_avg",
    "light_lux_min",
    "eyes_HOUR",
    window_column("day"),
    window_column("night"),
    "incidents_count",
    "incidents_per_100m_eb",
]
_AREA_MEASURES = [
    "name",
    "residents_est",
    "mix_dwellings",
    "mix_entropy",
    "incidents_count",
    "incidents_per_1000_eb",
    "incidents_per_100m_eb",
]
_DARK_MEASURES = ["space_name", "dark_rank", "length_m", "light_lux_mean", "light_evidence"]


#: Message ids of the panel's measures in Finnish and Swedish (English shows the
#: catalogue's own descriptions and units).
_MEASURE_KEYS = {
    "name": "panel.name",
    "space_name": "col.space",
    "highway": "col.highway",
    "length_m": "col.length_m",
    CLASS_COLUMN: "layer.lighting",
    "light_lux_avg": "col.lux_mean",
    "light_lux_mean": "col.lux_mean",
    "light_lux_min": "col.lux_min",
    "light_evidence": "col.evidence",
    "dark_rank": "col.dark_rank",
    "residents_est": "col.residents",
    "mix_dwellings": "col.dwellings",
    "mix_entropy": "col.entropy",
    "incidents_count": "col.incidents",
    "incidents_per_1000_eb": "col.per_1000",
    "incidents_per_100m_eb": "col.per_100m",
}


def measure_label(column: str, hour: int, lang: str) -> str | None:
    """The panel's label of a measure in Finnish or Swedish; None for English (the
    catalogue's description) or a column without a message."""
    if lang == DEFAULT_LANGUAGE:
        return None
    if column == hour_column(hour):
        return t("col.score", lang, family=layer_title("eyes", hour, lang))
    if column.startswith("eyes_") and has(f"value.{column}"):
        return t("col.score", lang, family=t(f"value.{column}", lang))
    key = _MEASURE_KEYS.get(column)
    return t(key, lang) if key else None


def _text(value: object, lang: str = DEFAULT_LANGUAGE) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return ""
    if isinstance(value, float):
        return number(value, lang, 0 if value.is_integer() else 2)
    return value_label(value, lang)


def feature(
    data: Analysis, kind: str, fid: int, hour: int, k: int, lang: str
) -> tuple[str, pd.Series, pd.DataFrame] | None:
    """Title, row and measure table (catalogue descriptions, units) of a clicked feature."""
    table, id_column, measures = {
        "segment": ("street_segments", "segment_id", _SEGMENT_MEASURES),
        "area": ("areas", "area_id", _AREA_MEASURES),
        "hotspot": ("areas", "area_id", _AREA_MEASURES),
        "dark": ("dark_paths", "dark_rank", _DARK_MEASURES),
    }.get(kind, ("", "", []))
    frame = data.layer(table)
    if frame is None:
        return None
    hit = frame[frame[id_column] == fid]
    if hit.empty:
        return None
    row = hit.iloc[0]
    if kind == "dark":  # a dark path is a segment: show that segment's numbers too
        segments = data.layers["street_segments"]
        seg = segments[segments["segment_id"] == row["segment_id"]]
        if not seg.empty:
            row = pd.concat([seg.iloc[0].drop(labels=["geometry"]), row.drop(labels=["geometry"])])
            row = row[~row.index.duplicated(keep="last")]
    columns = [hour_column(hour) if c == "eyes_HOUR" else c for c in measures]
    columns = [c for c in columns if c in row.index]
    described = {c.name: c for c in describe_columns(table, columns)}
    rows = []
    for column in columns:
        info = described.get(column)
        label = info.description if info else column
        if column == hour_column(hour):
            label = label.replace("in that hour", f"at {hour:02d}:00")
        unit = info.unit if info and info.unit else ""
        if translated := measure_label(column, hour, lang):
            label, unit = translated, ""
        value = _text(row[column], lang)
        flag = row.get(f"{column}_suppressed") if column.startswith("incidents_") else None
        if flag is not None and pd.notna(flag) and float(flag) > 0:
            value = t("common.suppressed", lang, k=k)
        rows.append((f"{label} [{unit}]" if unit else label, value))
    if kind == "hotspot" and "incident_hotspots" in data.layers:
        spots = data.layers["incident_hotspots"]
        hit = spots[spots["area_id"] == fid]
        if not hit.empty:
            label = t("layer.hotspots", lang) if lang != DEFAULT_LANGUAGE else "Gi* hot spot class"
            rows.append((label, _text(hit.iloc[0]["hotspot_class"], lang)))
    name = _text(row.get("name") or row.get("space_name"))
    title = t("panel.segment" if kind in ("segment", "dark") else "panel.area", lang)
    return (
        f"{title} {fid}" + (f": {name}" if name else ""),
        row,
        pd.DataFrame(rows, columns=[t("panel.measure", lang), t("panel.value", lang)]),
    )
