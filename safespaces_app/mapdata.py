"""The Map page's data for the browser: every hour, layer and score input, once and compact.

The map restyles in the browser (hour, layers, weights) without asking the server, so
everything it can show travels once, as one JSON document per run, fetched by the map's
frame and cached by the browser (:func:`safespaces_app.maptiles.write_client` writes it):

- geometry simplified (1 m) in the run's metric CRS, then in lon/lat rounded to 5
  decimals (about 1 m) and sent as integers of 1e-5 degree, each vertex as the difference
  to the one before (:func:`encode_lines`, :func:`encode_polygons`);
- values as per-feature arrays, one per measure: the 24 hourly eyes columns
  (``eyes_h00`` ... ``eyes_h23``) and the ``score_<family>`` inputs of the composite as
  integers of 0.1 (``null`` for no value), classes as indices into a list of categories;
- names as indices into one list of names (raw text: the browser shows them as text,
  never as HTML);
- a basemap drawn from the study's own OSM (buildings, water, parks and squares, street
  names) from the run's layers;
- what the map's search finds, all from the list of names: streets (the segments'
  names), districts (each area's ``district``: :func:`safespaces.sources.areas.district_names`),
  areas, parks and squares, and named water.

A whole city is never one document: :mod:`safespaces_app.maptiles` sends it as an
overview and tiles in the same encoding (levels of detail).

The raw incident points are never part of it: only the areas' hot-spot classes and
the suppression flags. No Streamlit here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces.eyes import HOUR_COLUMNS
from safespaces.indices import FAMILIES
from safespaces.sources.areas import district_names

#: Version of the document's layout (the browser code checks it).
FORMAT = 1
#: Coordinates are sent as integers of 10**-DECIMALS degree.
DECIMALS = 5
#: Values (eyes 0-100, scores 0-100) are sent as integers of 1/VALUE_SCALE.
VALUE_SCALE = 10
#: The tenure entropy (0-1) is sent as integers of 1/MIX_SCALE.
MIX_SCALE = 1000
#: Douglas-Peucker tolerance (metres, in the run's metric CRS) of the map's geometry.
TOLERANCE_M = 1.0
#: Street-name labels: at most this many per name, at least this far apart (metres), on
#: segments at least this long.
LABELS_PER_NAME = 6
LABEL_SPACING_M = 180.0
LABEL_MIN_LENGTH_M = 30.0
#: The folder of a run that holds the map's document (hidden: never exported or zipped).
CLIENT_DIR = ".webmap"
#: The page the map's frame loads (the component's ``index.html``; the code it loads is
#: served from the app's static folder).
INDEX_TEMPLATE = Path(__file__).resolve().parent / "static" / "safespaces-map" / "index.html"


def _lonlat(frame: gpd.GeoDataFrame, tolerance_m: float) -> np.ndarray:
    """Geometry simplified in the metric CRS, then in lon/lat (an array of geometries)."""
    geoms = shapely.simplify(frame.geometry.to_numpy(), tolerance_m, preserve_topology=True)
    if frame.crs is None:
        return np.asarray(geoms)
    return gpd.GeoSeries(geoms, crs=frame.crs).to_crs("EPSG:4326").to_numpy()


def _ints(coords: np.ndarray) -> np.ndarray:
    return np.rint(coords * 10**DECIMALS).astype(np.int64)


def _deltas(ints: np.ndarray, starts: np.ndarray) -> list[int]:
    """``[x0, y0, dx1, dy1, ...]`` of every part at once, flat: part ``i`` is
    ``out[2 * starts[i] : 2 * starts[i + 1]]`` (each vertex the difference to the one before
    in its part, the first to 0, 0; integers of 1e-5 degree)."""
    if len(ints) == 0:
        return []
    out = np.diff(ints, axis=0, prepend=np.zeros((1, 2), dtype=np.int64))
    first = starts[:-1][starts[:-1] < len(ints)]
    out[first] = ints[first]
    return cast(list[int], out.ravel().tolist())


def encode_lines(geoms: Sequence[Any] | np.ndarray) -> list[list[list[int]]]:
    """Each feature as a list of parts, each part ``[x0, y0, dx1, dy1, ...]``.

    Coordinates are lon/lat integers of 1e-5 degree; a vertex is the difference to the
    previous one (the first to 0, 0). A MultiLineString gives one part per line; an empty
    or missing geometry gives no part.
    """
    geoms = np.asarray(geoms, dtype=object)
    parts, owner = shapely.get_parts(geoms, return_index=True)
    coords, which = shapely.get_coordinates(parts, return_index=True)
    starts = np.searchsorted(which, np.arange(len(parts) + 1)).tolist()
    flat = _deltas(_ints(coords), np.asarray(starts, dtype=np.int64))
    out: list[list[list[int]]] = [[] for _ in range(len(geoms))]
    for i, feature in enumerate(owner.tolist()):
        out[feature].append(flat[2 * starts[i] : 2 * starts[i + 1]])
    return out


def encode_polygons(geoms: Sequence[Any] | np.ndarray) -> list[list[list[list[int]]]]:
    """Each feature as a list of polygons, each a list of rings (exterior first), each
    ring ``[x0, y0, dx1, dy1, ...]`` as in :func:`encode_lines` (closing vertex dropped)."""
    geoms = np.asarray(geoms, dtype=object)
    polygons, owner = shapely.get_parts(geoms, return_index=True)
    rings, ring_owner = shapely.get_rings(polygons, return_index=True)
    coords, which = shapely.get_coordinates(rings, return_index=True)
    starts = np.searchsorted(which, np.arange(len(rings) + 1)).tolist()
    flat = _deltas(_ints(coords), np.asarray(starts, dtype=np.int64))
    encoded: list[list[list[int]]] = [[] for _ in range(len(polygons))]
    for i, polygon in enumerate(ring_owner.tolist()):
        a, b = starts[i], starts[i + 1]
        encoded[polygon].append(flat[2 * a : 2 * (b - 1 if b - a > 3 else b)])
    out: list[list[list[list[int]]]] = [[] for _ in range(len(geoms))]
    for i, feature in enumerate(owner.tolist()):
        out[feature].append(encoded[i])
    return out


def decode_part(part: Sequence[int]) -> np.ndarray:
    """The lon/lat vertices of one encoded part (the inverse of the encoding)."""
    pairs = np.asarray(part, dtype=np.int64).reshape(-1, 2)
    return np.cumsum(pairs, axis=0) / 10**DECIMALS


def scaled(values: pd.Series | np.ndarray, scale: float) -> list[int | None]:
    """Values as integers of ``1/scale`` (rounded half to even), ``None`` for no value."""
    x = pd.to_numeric(pd.Series(values), errors="coerce").to_numpy(dtype=float)
    ok = np.isfinite(x)
    out = np.rint(np.where(ok, x, 0.0) * scale).astype(np.int64).astype(object)
    out[~ok] = None
    return cast(list[int | None], out.tolist())


def _flags(values: pd.Series | None, n: int) -> list[int]:
    if values is None:
        return [0] * n
    x = pd.to_numeric(values, errors="coerce").fillna(0).to_numpy(dtype=float)
    return [int(v > 0) for v in x]


class _Names:
    """One list of names for the whole document; features refer to them by index."""

    def __init__(self) -> None:
        self.names: list[str] = []
        self._index: dict[str, int] = {}

    def refs(self, values: pd.Series) -> list[int | None]:
        out: list[int | None] = []
        for value in values.tolist():
            if not isinstance(value, str) or not value.strip():
                out.append(None)
                continue
            if value not in self._index:
                self._index[value] = len(self.names)
                self.names.append(value)
            out.append(self._index[value])
        return out


def _categories(values: pd.Series) -> tuple[list[str], list[int | None]]:
    """Category names and, per feature, the index of its category (``None``: no value)."""
    cats: list[str] = []
    index: dict[str, int] = {}
    refs: list[int | None] = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            refs.append(None)
            continue
        key = str(value)
        if key not in index:
            index[key] = len(cats)
            cats.append(key)
        refs.append(index[key])
    return cats, refs


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return frame[name]
    return pd.Series([None] * len(frame), index=frame.index, dtype=object)


def _segments(
    frame: gpd.GeoDataFrame, names: _Names, lonlat: np.ndarray | None = None
) -> dict[str, Any]:
    """The segments' block; ``lonlat``: their geometry already simplified and in lon/lat."""
    light_cats, light = _categories(_column(frame, "light_class"))
    return {
        "ids": [int(v) for v in frame["segment_id"].to_numpy()],
        "geom": encode_lines(_lonlat(frame, TOLERANCE_M) if lonlat is None else lonlat),
        "name": names.refs(_column(frame, "name")),
        "eyes": [scaled(_column(frame, c), VALUE_SCALE) for c in HOUR_COLUMNS],
        "light_classes": light_cats,
        "light": light,
        "scores": {f: scaled(_column(frame, f"score_{f}"), VALUE_SCALE) for f in FAMILIES},
    }


def _areas(frame: gpd.GeoDataFrame, hotspots: pd.DataFrame | None, names: _Names) -> dict[str, Any]:
    out: dict[str, Any] = {
        "ids": [int(v) for v in frame["area_id"].to_numpy()],
        "geom": encode_polygons(_lonlat(frame, TOLERANCE_M)),
        "name": names.refs(_column(frame, "name")),
        # the district each area is in (the district picker's and the map search's)
        "district": names.refs(district_names(frame).astype(object)),
        "mix": scaled(_column(frame, "mix_entropy"), MIX_SCALE),
        "mix_suppressed": _flags(frame.get("mix_suppressed"), len(frame)),
    }
    if hotspots is not None and "hotspot_class" in hotspots.columns:
        spots = hotspots.drop_duplicates("area_id").set_index("area_id")
        classes = frame["area_id"].map(spots["hotspot_class"])
        out["hot_classes"], out["hot"] = _categories(classes)
        flags = (
            frame["area_id"].map(spots["incidents_suppressed"])
            if ("incidents_suppressed" in spots.columns)
            else None
        )
        out["hot_suppressed"] = _flags(flags, len(frame))
    return out


def _dark(
    frame: gpd.GeoDataFrame, names: _Names, lonlat: np.ndarray | None = None
) -> dict[str, Any]:
    cats, evidence = _categories(_column(frame, "light_evidence"))
    return {
        "ids": [int(v) for v in frame["dark_rank"].to_numpy()],
        "segment": scaled(_column(frame, "segment_id"), 1),
        "geom": encode_lines(_lonlat(frame, TOLERANCE_M) if lonlat is None else lonlat),
        "name": names.refs(_column(frame, "space_name")),
        "evidence_classes": cats,
        "evidence": evidence,
    }


Label = tuple[float, float, float, str]


def street_labels(frame: gpd.GeoDataFrame) -> list[Label]:
    """Where to write street names: ``(lon, lat, angle in degrees, name)``.

    Per name, the midpoints of its longest segments (at least ``LABEL_MIN_LENGTH_M``
    long), at most ``LABELS_PER_NAME``, at least ``LABEL_SPACING_M`` apart; the angle
    follows the segment at its midpoint, turned so that the text never reads upside down.
    """
    return _placed_labels(frame, np.zeros(len(frame), dtype=np.int64))[0]


def _placed_labels(frame: gpd.GeoDataFrame, groups: np.ndarray) -> tuple[list[Label], list[Any]]:
    """:func:`street_labels` placed per group of rows (e.g. the map's tiles): the labels,
    and the group of each."""
    if "name" not in frame.columns or frame.empty:
        return [], []
    keep = frame["name"].map(lambda v: isinstance(v, str) and bool(v.strip())).to_numpy(bool)
    named = frame[keep]
    lengths = shapely.length(named.geometry.to_numpy())
    named = named.assign(_len=lengths, _group=np.asarray(groups)[keep])
    named = named[named["_len"] >= LABEL_MIN_LENGTH_M].sort_values("_len", ascending=False)
    if named.empty:
        return [], []
    geoms = named.geometry.to_numpy()
    mid = shapely.line_interpolate_point(geoms, 0.5, normalized=True)
    before = shapely.line_interpolate_point(geoms, 0.45, normalized=True)
    after = shapely.line_interpolate_point(geoms, 0.55, normalized=True)
    crs = named.crs
    to_ll = (
        (lambda g: gpd.GeoSeries(g, crs=crs).to_crs("EPSG:4326").to_numpy())
        if crs
        else (lambda g: np.asarray(g))
    )
    mid_ll, before_ll, after_ll = (shapely.get_coordinates(to_ll(g)) for g in (mid, before, after))
    mid_m = shapely.get_coordinates(mid)
    # the angle on screen (Web Mercator: x east, y south): stretch lon by 1/cos(lat)
    dx = (after_ll[:, 0] - before_ll[:, 0]) * np.cos(np.radians(mid_ll[:, 1]))
    dy = after_ll[:, 1] - before_ll[:, 1]
    angle = -np.degrees(np.arctan2(dy, dx))
    angle = np.where(angle > 90, angle - 180, np.where(angle < -90, angle + 180, angle))
    picked: dict[tuple[Any, str], list[np.ndarray]] = {}
    out: list[Label] = []
    out_groups: list[Any] = []
    pairs = zip(named["_group"].tolist(), named["name"].tolist(), strict=True)
    for i, (group, name) in enumerate(pairs):
        seen = picked.setdefault((group, name), [])
        if len(seen) >= LABELS_PER_NAME:
            continue
        if any(float(np.hypot(*(mid_m[i] - p))) < LABEL_SPACING_M for p in seen):
            continue
        seen.append(mid_m[i])
        out.append(
            (
                round(float(mid_ll[i, 0]), 5),
                round(float(mid_ll[i, 1]), 5),
                round(float(angle[i])),
                name,
            )
        )
        out_groups.append(group)
    return out, out_groups


def _basemap(layers: dict[str, pd.DataFrame], names: _Names) -> dict[str, Any]:
    """Buildings, water, parks and squares (with their names, for the map's search), and
    street names of the study's own OSM."""
    out: dict[str, Any] = {}
    buildings = layers.get("buildings")
    if isinstance(buildings, gpd.GeoDataFrame) and not buildings.empty:
        polys = buildings[buildings.geom_type.isin(["Polygon", "MultiPolygon"])]
        out["buildings"] = encode_polygons(_lonlat(polys, TOLERANCE_M))
    water = layers.get("water")
    if isinstance(water, gpd.GeoDataFrame) and not water.empty:
        polys = water[water.geom_type.isin(["Polygon", "MultiPolygon"])]
        out["water"] = encode_polygons(_lonlat(polys, TOLERANCE_M))
        out["water_name"] = names.refs(_column(polys, "name"))
    spaces = layers.get("public_spaces")
    if isinstance(spaces, gpd.GeoDataFrame) and not spaces.empty:
        polys = spaces[spaces.geom_type.isin(["Polygon", "MultiPolygon"])]
        kinds = _column(polys, "kind").astype(object)
        out["green"] = encode_polygons(_lonlat(polys, TOLERANCE_M))
        out["green_kind"] = [str(k) if isinstance(k, str) else "" for k in kinds.tolist()]
        out["green_name"] = names.refs(_column(polys, "name"))
    segments = layers.get("street_segments")
    if isinstance(segments, gpd.GeoDataFrame):
        labels = street_labels(segments)
        refs = names.refs(pd.Series([name for *_, name in labels], dtype=object))
        out["labels"] = [[x, y, a, ref] for (x, y, a, _), ref in zip(labels, refs, strict=True)]
    return out


def _study_bounds(segments: gpd.GeoDataFrame) -> list[float]:
    x0, y0, x1, y1 = (
        gpd.GeoSeries(segments.geometry, crs=segments.crs).to_crs("EPSG:4326").total_bounds
        if segments.crs
        else segments.total_bounds
    )
    return [round(float(v), 5) for v in (x0, y0, x1, y1)]


def build(layers: dict[str, pd.DataFrame]) -> dict[str, Any]:
    """The map's document of a run (its GeoPackage tables, as :class:`Analysis` holds them).

    Keys: ``format``, ``bounds`` (``[west, south, east, north]``), ``names``, ``hours``,
    ``segments``, ``areas``, ``dark`` (when the run has dark paths) and ``basemap``.
    """
    names = _Names()
    segments = layers["street_segments"]
    assert isinstance(segments, gpd.GeoDataFrame)
    doc: dict[str, Any] = {"format": FORMAT, "value_scale": VALUE_SCALE, "mix_scale": MIX_SCALE}
    doc["hours"] = len(HOUR_COLUMNS)
    doc["segments"] = _segments(segments, names)
    areas = layers.get("areas")
    if isinstance(areas, gpd.GeoDataFrame) and not areas.empty:
        doc["areas"] = _areas(areas, layers.get("incident_hotspots"), names)
    dark = layers.get("dark_paths")
    if isinstance(dark, gpd.GeoDataFrame) and not dark.empty:
        doc["dark"] = _dark(dark, names)
    doc["basemap"] = _basemap(layers, names)
    doc["bounds"] = _study_bounds(segments)
    doc["names"] = names.names
    return doc


def dumps(doc: dict[str, Any]) -> bytes:
    """The document as compact JSON (UTF-8, no spaces, names as they are)."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()
