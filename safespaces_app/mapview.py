"""The Map page's map and the clicked feature's panel (presentation only: the numbers come
from the run).

The map itself is drawn in the browser (``static/safespaces-map/map.js``) from the run's
map document (:mod:`safespaces_app.mapdata`); this module gives it its small arguments:
the legend classes of every layer (from :mod:`safespaces.catalogue`, so the map and the
QGIS styles never drift), the texts in the session's language, the weights, the district
to fit and the selected feature. No Streamlit here.
"""

from __future__ import annotations

import dataclasses
import html
import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import pandas as pd
import shapely

from safespaces.catalogue import GREY, OSM_ATTRIBUTION, WATER_COLOUR, StyleClass, describe_columns
from safespaces.eyes import HOUR_COLUMNS
from safespaces.eyes.vocabulary import window_column
from safespaces.indices import FAMILIES
from safespaces.lighting.vocabulary import CLASS_COLUMN
from safespaces.sources.areas import district_names
from safespaces_app.formats import number
from safespaces_app.i18n import DEFAULT_LANGUAGE, has, legend_label, t, value_label
from safespaces_app.results import Analysis
from safespaces_app.webmap import SCORE_LAYER, basemap_from_env, catalogue_classes

#: Map layers: key -> (group, catalogue layer, geometry kind). ``street`` layers colour the
#: street segments (one at a time), ``area`` layers the areas (one at a time).
LAYERS: Mapping[str, tuple[str, str, str]] = {
    "eyes": ("street", "street_eyes_night", "line"),
    "lighting": ("street", "street_lighting", "line"),
    "score": ("street", SCORE_LAYER, "line"),
    "mix": ("area", "areas_mix_entropy", "polygon"),
    "hotspots": ("area", "incident_hotspots", "polygon"),
    "dark": ("overlay", "dark_paths", "line"),
}
#: What the map shows first: eyes on the street at 22:00 and the dark paths.
DEFAULT_VIEW: Mapping[str, Any] = {
    "hour": 22,
    "street": "eyes",
    "area": "none",
    "dark": True,
    "basemap": True,
}
#: The hours of the map's hour slider: one per eyes column of the library (0-23).
HOURS = range(len(HOUR_COLUMNS))
#: Height of the map (CSS pixels): fits beside the panel at 1400 x 900.
MAP_HEIGHT = 640
#: Streamlit serves the folder ``static`` beside the main script at this URL
#: (``server.enableStaticServing``, set by ``safespaces app`` and ``.streamlit/config.toml``).
#: The main script is :mod:`safespaces_app.main`, whose ``static`` is this one; the repository's
#: ``app.py`` has a ``static`` link to it.
STATIC_URL = "/app/static"
STATIC_DIR = Path(__file__).resolve().parent / "static"
#: The vendored Leaflet (no CDN asset is requested): its folder and its URL.
LEAFLET_DIR = STATIC_DIR / "leaflet"
LEAFLET_URL = f"{STATIC_URL}/{LEAFLET_DIR.name}"
#: The map's code (map.js, map.css, the frame's index.html).
CLIENT_STATIC_DIR = STATIC_DIR / "safespaces-map"
#: Colour of the areas whose tenure mix is suppressed (fewer dwellings than
#: ``mix.min_dwellings``): darker than the no-data grey.
SUPPRESSED_GREY = "#8c8c8c"

#: Message ids of the texts the map shows (sent in the session's language).
_TEXT_KEYS = {
    "layers": "map.layers",
    "streets": "map.streets",
    "areas": "map.areas",
    "overlays": "map.overlays",
    "none": "map.none",
    "basemap": "map.basemap",
    "hour": "map.hour",
    "play": "map.play",
    "pause": "map.pause",
    "legend": "map.legend",
    "no_data": "map.no_data",
    "suppressed_or_no_data": "map.suppressed_or_no_data",
    "weights_zero": "map.weights_zero",
    "synthetic_mark": "map.synthetic_mark",
    "synthetic_note": "map.synthetic_note",
    "segment": "panel.segment",
    "area": "panel.area",
    "dark_path": "panel.dark_path",
    "layer_lighting": "layer.lighting",
    "layer_score": "layer.score",
    "layer_mix": "layer.mix",
    "layer_hotspots": "layer.hotspots",
    "layer_dark": "layer.dark",
    "map_label": "map.label",
    "zoom_in": "map.zoom_in",
    "zoom_out": "map.zoom_out",
    "search": "map.search",
    "search_placeholder": "map.search_placeholder",
    "search_clear": "map.search_clear",
    "search_none": "map.search_none",
    "kind_street": "map.kind_street",
    "kind_district": "map.kind_district",
    "kind_area": "map.kind_area",
    "kind_park": "map.kind_park",
    "kind_water": "map.kind_water",
}


def hour_column(hour: int) -> str:
    """The eyes column of an hour (the library's :data:`safespaces.eyes.HOUR_COLUMNS`)."""
    return HOUR_COLUMNS[hour]


def layer_title(key: str, hour: int, lang: str) -> str:
    """The translated name of a map layer."""
    return t(f"layer.{key}", lang, hour=f"{hour:02d}") if key == "eyes" else t(f"layer.{key}", lang)


def _label(label: str, lang: str) -> str:
    """A legend class's label in ``lang`` (English keeps the catalogue's own text)."""
    return label if lang == DEFAULT_LANGUAGE else legend_label(label, lang)


def _graduated(classes: tuple[StyleClass, ...], nodata: str, lang: str) -> dict[str, Any]:
    ranges = [c for c in classes if isinstance(c.value, tuple)]
    return {
        "classes": [
            [c.value[0], c.value[1], c.colour, _label(c.label, lang)]  # type: ignore[index]
            for c in ranges
        ],
        "nodata": [GREY, nodata],
    }


def _categorized(
    classes: tuple[StyleClass, ...],
    lang: str,
    other: str | None = None,
    *,
    legend_other: bool = True,
) -> dict[str, Any]:
    named = [c for c in classes if c.value is not None]
    catch = next((c for c in classes if c.value is None), None)
    return {
        "categories": {str(c.value): [c.colour, _label(c.label, lang)] for c in named},
        "order": [str(c.value) for c in named],
        "other": [
            catch.colour if catch else GREY,
            other or (_label(catch.label, lang) if catch else ""),
        ],
        "other_in_legend": legend_other,
    }


def styles(lang: str, *, min_dwellings: int, k_min: int) -> dict[str, Any]:
    """Every layer's classes and colours for the browser, from the catalogue.

    Graduated layers get a "no data" class; the mix a "suppressed" class of its own
    (areas below ``min_dwellings``); the hot spots' catch-all class says why a unit has
    none (fewer than ``k_min`` incidents, or no data).
    """
    no_data = t("map.no_data", lang)
    mix = _graduated(catalogue_classes(LAYERS["mix"][1]), no_data, lang)
    mix["suppressed"] = [SUPPRESSED_GREY, t("map.suppressed_mix", lang, n=min_dwellings)]
    return {
        "eyes": _graduated(catalogue_classes(LAYERS["eyes"][1]), no_data, lang),
        "score": _graduated(catalogue_classes(LAYERS["score"][1]), no_data, lang),
        "lighting": _categorized(catalogue_classes(LAYERS["lighting"][1]), lang),
        "mix": mix,
        "hotspots": _categorized(
            catalogue_classes(LAYERS["hotspots"][1]),
            lang,
            t("map.suppressed_incidents", lang, k=k_min),
        ),
        # every dark path has an evidence class: no "other" row in its legend
        "dark": _categorized(catalogue_classes(LAYERS["dark"][1]), lang, legend_other=False),
        # the basemap's own colours that come from the catalogue (the QGIS styles' too)
        "basemap": {"water": WATER_COLOUR},
    }


def texts(lang: str) -> dict[str, str]:
    """The map's texts in ``lang`` (the eyes layer's keeps an ``{hour}`` placeholder)."""
    out = {key: t(message, lang) for key, message in _TEXT_KEYS.items()}
    out["layer_eyes"] = t("layer.eyes", lang, hour="{hour}")
    out["synthetic_note"] = t("map.synthetic_note", lang, layers="{layers}")
    out["suppressed_mix"] = t("map.suppressed_short", lang)
    out["search_results"] = t("map.search_results", lang, n="{n}")
    return out


def input_label(kind: str, lang: str) -> str:
    """The name of an input (``tenure``, ``incidents`` ...) in ``lang``."""
    return t(f"input.{kind}", lang) if has(f"input.{kind}") else kind


def districts(data: Analysis) -> list[str]:
    """The districts of the district picker, sorted: the user's areas by name, or the
    places the default grid's cells lie in (:func:`safespaces.sources.areas.district_names`)."""
    names = district_names(data.layers["areas"]).dropna().unique()
    return sorted(str(n) for n in names)


def district_areas(data: Analysis, district: str) -> gpd.GeoDataFrame:
    """The areas of a district, in lon/lat."""
    areas = data.layers["areas"]
    chosen = areas[(district_names(areas) == district).to_numpy()]
    return chosen.to_crs("EPSG:4326") if chosen.crs else chosen


def bounds(data: Analysis, district: str | None) -> tuple[float, float, float, float]:
    """Lon/lat bounds of a district (all its areas) or of the whole network."""
    frame = data.layers["street_segments"]
    frame = frame.to_crs("EPSG:4326") if frame.crs else frame
    if district:
        frame = district_areas(data, district)
    x0, y0, x1, y1 = frame.total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def outline(data: Analysis, district: str) -> dict[str, Any] | None:
    """GeoJSON of a district's outline (the union of its areas, lon/lat, 6 decimals)."""
    areas = district_areas(data, district)
    if areas.empty:
        return None
    shape = shapely.set_precision(shapely.union_all(areas.geometry.to_numpy()), 1e-6)
    return cast(dict[str, Any], json.loads(shapely.to_geojson(shape)))


def fit(data: Analysis, district: str | None) -> dict[str, Any] | None:
    """What the map fits to and outlines for a chosen district (None: the whole study)."""
    if not district:
        return None
    return {
        "key": district,
        "bounds": list(bounds(data, district)),
        "outline": outline(data, district),
    }


def client_args(
    data: Analysis,
    *,
    document: str,
    weights: Mapping[str, float],
    lang: str,
    district: str | None,
    selected: tuple[str, int] | None,
    min_dwellings: int,
    view: Mapping[str, Any] | None = None,
    points: Sequence[Mapping[str, Any]] | None = None,
    fit_to: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The map's arguments at a script run (small: the data is the run's map document).

    Parameters
    ----------
    document
        File name of the run's map document (:func:`safespaces_app.maptiles.write_client`).
    district
        A district to fit the map to (the map keeps its own zoom and pan otherwise).
    selected
        ``(kind, id)`` of the feature whose panel is open.
    view
        What to show when the map first opens (:data:`DEFAULT_VIEW`); the map keeps
        its own hour and layers afterwards, and applies a changed ``view``.
    points
        Points drawn on top, each ``{lon, lat, label, colour}`` (the Plan page's lamps).
    fit_to
        A view to fit instead of the district's (``{key, bounds}``, bounds in lon/lat).
    """
    from safespaces_app.settings import current_config

    app = current_config().app
    url, basemap_attribution = basemap_from_env(app.basemap_url, app.basemap_attribution)
    attribution = str(data.metadata.get("attribution") or OSM_ATTRIBUTION)
    return {
        "data": document,
        "height": MAP_HEIGHT,
        "lang": lang,
        "text": texts(lang),
        "styles": styles(lang, min_dwellings=min_dwellings, k_min=data.k_min),
        "weights": {f: float(weights.get(f, 0.0)) for f in FAMILIES},
        "synthetic": list(data.synthetic),
        # the same inputs by their names in the session's language (the map's badge)
        "synthetic_names": [input_label(k, lang) for k in data.synthetic],
        "view": dict(view or DEFAULT_VIEW),
        "fit": dict(fit_to) if fit_to is not None else fit(data, district),
        "points": [dict(p) for p in points or ()],
        "selected": {"kind": selected[0], "id": selected[1]} if selected else None,
        "tiles": {"url": url, "attribution": html.escape(basemap_attribution or "basemap")}
        if url
        else None,
        "attribution": html.escape(attribution),
    }


#: Kinds of features the map reports on a click.
KINDS = ("segment", "area", "dark")


def clicked(value: object) -> tuple[str, int, int | None] | None:
    """``(kind, id, hour)`` of the feature the map reported clicked, or None."""
    if not isinstance(value, Mapping):
        return None
    kind = value.get("kind")
    if kind not in KINDS:
        return None
    try:
        fid = int(value["id"])
    except (KeyError, TypeError, ValueError):
        return None
    hour = value.get("hour")
    return str(kind), fid, int(hour) if isinstance(hour, int) and 0 <= hour < 24 else None


def all_weights_zero(weights: Mapping[str, float]) -> bool:
    """True when no family has a positive weight (the score is then undefined)."""
    return not any(float(weights.get(f, 0.0)) > 0 for f in FAMILIES)


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


def eyes_profile(row: pd.Series, lang: str) -> pd.DataFrame | None:
    """The eyes-on-the-street index of a segment at every hour (for a chart), or None."""
    if not all(c in row.index for c in HOUR_COLUMNS):
        return None
    values = pd.to_numeric(pd.Series([row[c] for c in HOUR_COLUMNS]), errors="coerce")
    if values.isna().all():
        return None
    return pd.DataFrame(
        {t("map.hour", lang): [f"{h:02d}" for h in HOURS], t("family.eyes", lang): values}
    ).set_index(t("map.hour", lang))


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
_DARK_MEASURES = [
    "dark_rank",
    "space_name",
    "space_kind",
    "length_m",
    "light_lux_mean",
    "light_lux_max",
    "light_evidence",
]


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
    "light_lux_max": "col.lux_max",
    "space_kind": "col.space_kind",
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


@dataclasses.dataclass(frozen=True)
class Panel:
    """What the panel beside the map shows for a clicked feature.

    Attributes
    ----------
    title
        "Street segment <segment_id>: <name>" or "Area <area_id>: <name>".
    subtitle
        For a dark path: its rank and its park or square; else empty.
    row
        The feature's row (a dark path: its segment's row, then the dark path's columns).
    measures
        Measure (the catalogue's description and unit) and value.
    """

    title: str
    subtitle: str
    row: pd.Series
    measures: pd.DataFrame


def _rows(
    table: str, row: pd.Series, columns: list[str], hour: int, k: int, lang: str
) -> list[tuple[str, str]]:
    present = [hour_column(hour) if c == "eyes_HOUR" else c for c in columns]
    present = [c for c in present if c in row.index]
    described = {c.name: c for c in describe_columns(table, present)}
    rows = []
    for column in present:
        info = described.get(column)
        label = info.description if info else column.replace("_", " ")
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
    return rows


def feature(data: Analysis, kind: str, fid: int, hour: int, k: int, lang: str) -> Panel | None:
    """The panel of a clicked feature: a street segment, an area (or its hot spot), or a
    dark path (shown as its street segment, with the dark path's own numbers after)."""
    segments = data.layers["street_segments"]
    if kind == "dark":
        dark = data.layer("dark_paths")
        if dark is None:
            return None
        hit = dark[dark["dark_rank"] == fid]
        if hit.empty:
            return None
        path = hit.iloc[0].drop(labels=["geometry"], errors="ignore")
        seg = segments[segments["segment_id"] == path["segment_id"]]
        if seg.empty:
            return None
        row = seg.iloc[0].drop(labels=["geometry"], errors="ignore")
        rows = _rows("street_segments", row, _SEGMENT_MEASURES, hour, k, lang)
        rows += _rows("dark_paths", path, _DARK_MEASURES, hour, k, lang)
        name = _text(row.get("name"), lang)
        space = _text(path.get("space_name"), lang) or _text(path.get("space_kind"), lang)
        segment_id = int(path["segment_id"])
        subtitle = t("panel.dark_subtitle", lang, rank=fid, space=space or "-")
        merged = pd.concat([row, path.drop(labels=["length_m"], errors="ignore")])
        merged = merged[~merged.index.duplicated(keep="first")]
        title = f"{t('panel.segment', lang)} {segment_id}" + (f": {name}" if name else "")
        return Panel(title, subtitle, merged, _table(rows, lang))
    table, id_column, measures = {
        "segment": ("street_segments", "segment_id", _SEGMENT_MEASURES),
        "area": ("areas", "area_id", _AREA_MEASURES),
        "hotspot": ("areas", "area_id", _AREA_MEASURES),
    }.get(kind, ("", "", []))
    frame = data.layer(table)
    if frame is None:
        return None
    hit = frame[frame[id_column] == fid]
    if hit.empty:
        return None
    row = hit.iloc[0].drop(labels=["geometry"], errors="ignore")
    rows = _rows(table, row, measures, hour, k, lang)
    if table == "areas" and "incident_hotspots" in data.layers:
        spots = data.layers["incident_hotspots"]
        spot = spots[spots["area_id"] == fid]
        if not spot.empty:
            rows.append((t("panel.hotspot", lang), _text(spot.iloc[0]["hotspot_class"], lang)))
    name = _text(row.get("name"), lang)
    title = t("panel.segment" if table == "street_segments" else "panel.area", lang)
    return Panel(f"{title} {fid}" + (f": {name}" if name else ""), "", row, _table(rows, lang))


def _table(rows: list[tuple[str, str]], lang: str) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=[t("panel.measure", lang), t("panel.value", lang)])


def layer_entries(key: str) -> list[tuple[str, str]]:
    """``(label, colour)`` of a map layer's catalogue classes (what its legend lists)."""
    return [(c.label, c.colour) for c in catalogue_classes(LAYERS[key][1]) if c.label]
