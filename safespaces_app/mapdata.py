"""The Map page's data for the browser: every hour, layer and score input, once and compact.

The map restyles in the browser (hour, layers, weights) without asking the server, so
everything it can show travels once, as one JSON document per run, fetched by the map's
frame and cached by the browser (:func:`write_client`):

- geometry simplified (1 m) in the run's metric CRS, then in lon/lat rounded to 5
  decimals (about 1 m) and sent as integers of 1e-5 degree, each vertex as the difference
  to the one before (:func:`encode_lines`, :func:`encode_polygons`);
- values as per-feature arrays, one per measure: the 24 hourly eyes columns
  (``eyes_h00`` ... ``eyes_h23``) and the ``score_<family>`` inputs of the composite as
  integers of 0.1 (``null`` for no value), classes as indices into a list of categories;
- names as indices into one list of names (raw text: the browser shows them as text,
  never as HTML);
- a basemap drawn from the study's own OSM (buildings, parks and squares, street names)
  from the run's layers.

A whole city (more than :data:`TILE_THRESHOLD` street segments, e.g. the tiled 10 x 10
city's 508,840) is never one document: it gets levels of detail (:func:`build_tiled`). The
document the map fetches first is an *overview*: the study's bounds, every area with its
values, the main streets (the longest of :data:`MAIN_HIGHWAYS`, simplified more), the
darkest paths and the parks and squares, plus an index of *tiles*. Each tile is a document
of its own, in the same encoding, holding the street segments, dark paths, buildings and
street names whose centre lies in one Web Mercator tile of zoom :data:`TILE_ZOOM` (the
slippy-map grid of OpenStreetMap's tiles); the browser fetches the tiles in view from zoom
:data:`LOAD_ZOOM` on.

The raw incident points are never part of it: only the areas' hot-spot classes and
the suppression flags. No Streamlit here.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, cast

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from safespaces.eyes import HOUR_COLUMNS
from safespaces.indices import FAMILIES

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
#: A run with more street segments than this gets a tiled document (:func:`build_tiled`).
TILE_THRESHOLD = 40_000
#: Zoom of the tile grid: Web Mercator tiles as OpenStreetMap's (``zoom/x/y``); at zoom 15
#: a tile is 1.2 km on a side at the equator, 0.6 km at 60 degrees north (about 1,100
#: street segments of central Helsinki).
TILE_ZOOM = 15
#: The map shows the tiles' features from this zoom on, the overview below it.
LOAD_ZOOM = 15
#: Highway classes of the overview's main streets.
MAIN_HIGHWAYS = (
    "motorway",
    "trunk",
    "primary",
    "secondary",
    "tertiary",
    "motorway_link",
    "trunk_link",
    "primary_link",
    "secondary_link",
    "tertiary_link",
)
#: At most this many street segments in the overview (whole main streets,
#: :func:`main_streets`), simplified at this tolerance (metres).
OVERVIEW_SEGMENTS = 25_000
OVERVIEW_TOLERANCE_M = 5.0
#: The darkest paths (lowest ``dark_rank``) the overview holds.
OVERVIEW_DARK = 500


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
    """Buildings, parks and squares, and street names of the study's own OSM."""
    out: dict[str, Any] = {}
    buildings = layers.get("buildings")
    if isinstance(buildings, gpd.GeoDataFrame) and not buildings.empty:
        polys = buildings[buildings.geom_type.isin(["Polygon", "MultiPolygon"])]
        out["buildings"] = encode_polygons(_lonlat(polys, TOLERANCE_M))
    spaces = layers.get("public_spaces")
    if isinstance(spaces, gpd.GeoDataFrame) and not spaces.empty:
        polys = spaces[spaces.geom_type.isin(["Polygon", "MultiPolygon"])]
        kinds = _column(polys, "kind").astype(object)
        out["green"] = encode_polygons(_lonlat(polys, TOLERANCE_M))
        out["green_kind"] = [str(k) if isinstance(k, str) else "" for k in kinds.tolist()]
    segments = layers.get("street_segments")
    if isinstance(segments, gpd.GeoDataFrame):
        labels = street_labels(segments)
        refs = names.refs(pd.Series([name for *_, name in labels], dtype=object))
        out["labels"] = [[x, y, a, ref] for (x, y, a, _), ref in zip(labels, refs, strict=True)]
    return out


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


def is_tiled(layers: Mapping[str, pd.DataFrame]) -> bool:
    """True when the run's map is tiled: more than :data:`TILE_THRESHOLD` street segments."""
    return len(layers["street_segments"]) > TILE_THRESHOLD


def tile_xy(lon: np.ndarray, lat: np.ndarray, zoom: int) -> tuple[np.ndarray, np.ndarray]:
    """Web Mercator tile numbers of points (OpenStreetMap's slippy-map grid).

    ``x = floor((lon + 180) / 360 * 2**zoom)`` and
    ``y = floor((1 - asinh(tan(lat)) / pi) / 2 * 2**zoom)``, both clipped to
    ``0 .. 2**zoom - 1`` (https://wiki.openstreetmap.org/wiki/Slippy_map_tilenames).
    """
    n = 2**zoom
    lat_r = np.radians(np.clip(lat, -85.0511, 85.0511))
    x = np.floor((np.asarray(lon, dtype=float) + 180.0) / 360.0 * n)
    y = np.floor((1.0 - np.arcsinh(np.tan(lat_r)) / np.pi) / 2.0 * n)
    return np.clip(x, 0, n - 1).astype(np.int64), np.clip(y, 0, n - 1).astype(np.int64)


def tile_keys(geoms: np.ndarray, zoom: int, fallback: tuple[float, float]) -> np.ndarray:
    """The tile (``"zoom/x/y"``) of each lon/lat geometry: the one holding the centre of
    its bounds; an empty geometry goes to the tile of ``fallback`` (lon, lat)."""
    if len(geoms) == 0:
        return np.array([], dtype=object)
    box = shapely.bounds(np.asarray(geoms, dtype=object))
    lon = (box[:, 0] + box[:, 2]) / 2
    lat = (box[:, 1] + box[:, 3]) / 2
    empty = ~np.isfinite(lon) | ~np.isfinite(lat)
    lon[empty], lat[empty] = fallback
    x, y = tile_xy(lon, lat, zoom)
    return np.array([f"{zoom}/{a}/{b}" for a, b in zip(x.tolist(), y.tolist(), strict=True)])


def _groups(keys: np.ndarray) -> dict[str, np.ndarray]:
    """Row positions per key."""
    if len(keys) == 0:
        return {}
    order = np.argsort(keys, kind="stable")
    uniq, first = np.unique(keys[order], return_index=True)
    return dict(zip(uniq.tolist(), np.split(order, first[1:]), strict=True))


def _bbox(geoms: list[np.ndarray], points: list[tuple[float, float]]) -> list[float]:
    """``[west, south, east, north]`` holding the geometries and points, rounded outward
    to 1e-5 degree (so it holds their encoded vertices too)."""
    boxes = [shapely.bounds(g) for g in geoms if len(g)]
    if points:
        xy = np.asarray(points, dtype=float)
        boxes.append(np.column_stack([xy, xy]))
    stacked = np.vstack(boxes) if boxes else np.zeros((0, 4))
    ok = np.isfinite(stacked).all(axis=1)
    if not ok.any():
        return [0.0, 0.0, 0.0, 0.0]
    lo = np.floor(np.nanmin(stacked[ok][:, :2], axis=0) * 10**DECIMALS)
    hi = np.ceil(np.nanmax(stacked[ok][:, 2:], axis=0) * 10**DECIMALS)
    return [round(float(v) / 10**DECIMALS, DECIMALS) for v in (*lo, *hi)]


def _polygon_rows(frame: pd.DataFrame | None) -> gpd.GeoDataFrame | None:
    if not isinstance(frame, gpd.GeoDataFrame) or frame.empty:
        return None
    polys = frame[frame.geom_type.isin(["Polygon", "MultiPolygon"])]
    return polys if not polys.empty else None


def _study_bounds(segments: gpd.GeoDataFrame) -> list[float]:
    x0, y0, x1, y1 = (
        gpd.GeoSeries(segments.geometry, crs=segments.crs).to_crs("EPSG:4326").total_bounds
        if segments.crs
        else segments.total_bounds
    )
    return [round(float(v), 5) for v in (x0, y0, x1, y1)]


def street_runs(segments: gpd.GeoDataFrame) -> np.ndarray:
    """A label per segment: segments with one label form one street, a connected run of
    segments of one name (joined at their end nodes ``u``/``v``); unnamed segments form
    runs of one OSM way (``osm_way_id``; without it each is a street of its own)."""
    n = len(segments)
    names = _column(segments, "name").astype(object)
    named = names.map(lambda v: isinstance(v, str) and bool(v.strip())).to_numpy(bool)
    way = _column(segments, "osm_way_id") if "osm_way_id" in segments.columns else None
    own = (
        way.astype(str).to_numpy(object)
        if way is not None
        else np.arange(n).astype(str).astype(object)
    )
    key = np.where(named, names.to_numpy(object), "\0" + own)
    if not {"u", "v"} <= set(segments.columns):
        return np.asarray(pd.factorize(key)[0])
    # a graph of segments and (street key, node) pairs: a run is a connected component
    ends = np.concatenate(
        [segments["u"].astype(str).to_numpy(), segments["v"].astype(str).to_numpy()]
    )
    nodes, index = np.unique(np.concatenate([key, key]) + "\1" + ends, return_inverse=True)
    rows = np.concatenate([np.arange(n), np.arange(n)])
    graph = sparse.coo_matrix((np.ones(2 * n), (rows, n + index)), shape=(n + len(nodes),) * 2)
    return np.asarray(csgraph.connected_components(graph, directed=False)[1][:n])


def main_streets(segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The overview's streets: segments of :data:`MAIN_HIGHWAYS`, whole streets at a time.

    A street is a connected run of segments of one name (:func:`street_runs`). When there
    are more than :data:`OVERVIEW_SEGMENTS` segments, streets are taken by class (motorway
    and trunk, then primary, secondary, tertiary; a link counts as its road) and, within a
    class, longest first, as long as their segments fit: a street is shown whole or not at
    all (the longest segments alone would draw main streets as dashes). In the order of
    the layer.
    """
    kind = _column(segments, "highway").astype(object)
    main = segments[kind.isin(MAIN_HIGHWAYS).to_numpy()]
    if len(main) <= OVERVIEW_SEGMENTS:
        return main
    klass = _column(main, "highway").astype(str).str.removesuffix("_link")
    rank = klass.map({"motorway": 0, "trunk": 0, "primary": 1, "secondary": 2, "tertiary": 3})
    street = street_runs(main)
    per = (
        pd.DataFrame(
            {
                "street": street,
                "rank": rank.to_numpy(),
                "length": shapely.length(main.geometry.to_numpy()),
            }
        )
        .groupby("street", sort=True)
        .agg(rank=("rank", "min"), length=("length", "sum"), n=("rank", "size"))
        .sort_values(["rank", "length"], ascending=[True, False], kind="stable")
    )
    kept = per.index[(per["n"].cumsum() <= OVERVIEW_SEGMENTS).to_numpy()]
    return main[np.isin(street, kept.to_numpy())]


def iter_tiles(
    layers: Mapping[str, pd.DataFrame],
) -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """The tiles of a tiled document, one at a time: ``(entry, document)``.

    Each street segment, dark path and building belongs to exactly one tile: the Web
    Mercator tile of zoom :data:`TILE_ZOOM` holding the centre of its bounds
    (:func:`tile_keys`); street names are placed per tile (:func:`street_labels`). The
    entry is the tile's line of the overview's index: ``key`` (``"zoom/x/y"``), ``bbox``
    (``[west, south, east, north]`` holding every feature of the tile, which may reach
    beyond the tile's own square), and the counts ``segments``, ``dark``, ``buildings``.
    """
    segments = layers["street_segments"]
    assert isinstance(segments, gpd.GeoDataFrame)
    segments = segments[[c for c in segments.columns if c in _MAP_COLUMNS or c == "geometry"]]
    b = _study_bounds(segments)
    centre = ((b[0] + b[2]) / 2, (b[1] + b[3]) / 2)
    seg_ll = _lonlat(segments, TOLERANCE_M)
    seg_keys = tile_keys(seg_ll, TILE_ZOOM, centre)
    by_tile = {"segments": _groups(seg_keys)}
    labels_by_tile: dict[str, list[Label]] = {}
    for label, key in zip(*_placed_labels(segments, seg_keys), strict=True):
        labels_by_tile.setdefault(key, []).append(label)
    dark = layers.get("dark_paths")
    dark_ll = np.array([], dtype=object)
    if isinstance(dark, gpd.GeoDataFrame) and not dark.empty:
        dark_ll = _lonlat(dark, TOLERANCE_M)
        by_tile["dark"] = _groups(tile_keys(dark_ll, TILE_ZOOM, centre))
    buildings = _polygon_rows(layers.get("buildings"))
    build_ll = np.array([], dtype=object)
    if buildings is not None:
        build_ll = _lonlat(buildings, TOLERANCE_M)
        by_tile["buildings"] = _groups(tile_keys(build_ll, TILE_ZOOM, centre))
    keys = sorted(set().union(*(g.keys() for g in by_tile.values())), key=_tile_order)
    empty = np.array([], dtype=np.int64)
    for key in keys:
        si, di, bi = (by_tile.get(k, {}).get(key, empty) for k in ("segments", "dark", "buildings"))
        names = _Names()
        doc: dict[str, Any] = {
            "format": FORMAT,
            "tile": key,
            "value_scale": VALUE_SCALE,
            "mix_scale": MIX_SCALE,
            "hours": len(HOUR_COLUMNS),
        }
        rows = segments.iloc[si]
        doc["segments"] = _segments(rows, names, seg_ll[si])
        if len(di):
            assert isinstance(dark, gpd.GeoDataFrame)
            doc["dark"] = _dark(dark.iloc[di], names, dark_ll[di])
        basemap: dict[str, Any] = {}
        if len(bi):
            basemap["buildings"] = encode_polygons(build_ll[bi])
        labels = labels_by_tile.get(key, [])
        refs = names.refs(pd.Series([name for *_, name in labels], dtype=object))
        basemap["labels"] = [[x, y, a, r] for (x, y, a, _), r in zip(labels, refs, strict=True)]
        doc["basemap"] = basemap
        doc["names"] = names.names
        entry = {
            "key": key,
            "bbox": _bbox([seg_ll[si], dark_ll[di], build_ll[bi]], [(x, y) for x, y, *_ in labels]),
            "segments": len(si),
            "dark": len(di),
            "buildings": len(bi),
        }
        yield entry, doc


#: The street segments' columns the map's documents read.
_MAP_COLUMNS = frozenset(
    ["segment_id", "name", "highway", "light_class", *HOUR_COLUMNS]
    + [f"score_{f}" for f in FAMILIES]
)


def _tile_order(key: str) -> tuple[int, ...]:
    return tuple(int(v) for v in key.split("/"))


def overview(layers: Mapping[str, pd.DataFrame], index: list[dict[str, Any]]) -> dict[str, Any]:
    """The overview of a tiled document: what the whole city shows at low zoom.

    Keys as :func:`build` (``segments`` holds the main streets only, :func:`main_streets`;
    ``dark`` the :data:`OVERVIEW_DARK` darkest paths; ``basemap`` the parks and squares),
    plus ``tiles``: ``zoom`` (of the grid), ``min_zoom`` (the map's zoom from which it
    shows the tiles' features), ``segments`` (of the whole run) and ``index`` (the tiles'
    entries, :func:`iter_tiles`, each with its ``file``).
    """
    segments = layers["street_segments"]
    assert isinstance(segments, gpd.GeoDataFrame)
    names = _Names()
    doc: dict[str, Any] = {"format": FORMAT, "value_scale": VALUE_SCALE, "mix_scale": MIX_SCALE}
    doc["hours"] = len(HOUR_COLUMNS)
    main = main_streets(segments)
    doc["segments"] = _segments(main, names, _lonlat(main, OVERVIEW_TOLERANCE_M))
    areas = layers.get("areas")
    if isinstance(areas, gpd.GeoDataFrame) and not areas.empty:
        doc["areas"] = _areas(areas, layers.get("incident_hotspots"), names)
    dark = layers.get("dark_paths")
    if isinstance(dark, gpd.GeoDataFrame) and not dark.empty:
        darkest = dark.sort_values("dark_rank", kind="stable").head(OVERVIEW_DARK)
        doc["dark"] = _dark(darkest, names)
    basemap: dict[str, Any] = {}
    spaces = _polygon_rows(layers.get("public_spaces"))
    if spaces is not None:
        basemap["green"] = encode_polygons(_lonlat(spaces, TOLERANCE_M))
        kinds = _column(spaces, "kind").astype(object).tolist()
        basemap["green_kind"] = [str(k) if isinstance(k, str) else "" for k in kinds]
    doc["basemap"] = basemap
    doc["bounds"] = _study_bounds(segments)
    doc["names"] = names.names
    doc["tiles"] = {
        "zoom": TILE_ZOOM,
        "min_zoom": LOAD_ZOOM,
        "segments": len(segments),
        "index": index,
    }
    return doc


def build_tiled(
    layers: Mapping[str, pd.DataFrame],
) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The overview and every tile's document, by key (all in memory: for tests and small
    runs; :func:`write_client` writes one tile at a time)."""
    index, tiles = [], {}
    for entry, doc in iter_tiles(layers):
        index.append(entry)
        tiles[entry["key"]] = doc
    return overview(layers, index), tiles


def dumps(doc: dict[str, Any]) -> bytes:
    """The document as compact JSON (UTF-8, no spaces, names as they are)."""
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def write_client(
    folder: Path, layers: Mapping[str, pd.DataFrame], *, key: str | None = None
) -> tuple[Path, str]:
    """Write the map's page and document into ``folder/.webmap`` (once per run).

    Returns the folder (the map component's root: the app serves every file in it) and
    the document's file name, ``data-<hash>.json`` (a new name when the content changes,
    so the browser may cache it for good). A tiled run (:func:`is_tiled`) gets its tiles
    as ``tile-<hash>.json`` beside it, written one at a time, and the overview as the
    document. Files of an earlier content are removed.

    With ``key`` (what the document depends on, e.g. the GeoPackage's identity and this
    module's code), a folder whose documents were written for the same key is reused as
    it is: a whole city is not encoded again at every start of the server.
    """
    target = folder / CLIENT_DIR
    target.mkdir(parents=True, exist_ok=True)
    index = target / "index.html"
    page = INDEX_TEMPLATE.read_bytes()
    if not index.is_file() or index.read_bytes() != page:
        _write_atomic(index, page)
    if key is not None and (done := _written(target, key)) is not None:
        return target, done
    keep: set[str] = set()
    if is_tiled(layers):
        entries = []
        for entry, tile in iter_tiles(layers):
            body = dumps(tile)
            entry["file"] = f"tile-{hashlib.sha256(body).hexdigest()[:16]}.json"
            entry["bytes"] = len(body)
            if not (target / entry["file"]).is_file():
                _write_atomic(target / entry["file"], body)
            keep.add(entry["file"])
            entries.append(entry)
        body = dumps(overview(layers, entries))
    else:
        body = dumps(build(dict(layers)))
    name = f"data-{hashlib.sha256(body).hexdigest()[:16]}.json"
    keep.add(name)
    if not (target / name).is_file():
        _write_atomic(target / name, body)
    for pattern in ("data-*.json", "tile-*.json"):
        for stale in target.glob(pattern):
            if stale.name not in keep:
                stale.unlink(missing_ok=True)
    if key is not None:
        record = {"key": key, "document": name, "files": sorted(keep)}
        _write_atomic(target / WRITTEN, json.dumps(record).encode())
    return target, name


#: The record of the documents a ``.webmap`` folder holds and the key they were written for.
WRITTEN = "written.json"


def _written(target: Path, key: str) -> str | None:
    """The document's name when ``target`` holds every file written for ``key``."""
    try:
        record = json.loads((target / WRITTEN).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(record, dict) or record.get("key") != key:
        return None
    files = record.get("files", [])
    if not all(isinstance(f, str) and (target / f).is_file() for f in files):
        return None
    name = record.get("document")
    return name if isinstance(name, str) and name in files else None


def _write_atomic(path: Path, data: bytes) -> None:
    """Write to a temporary file beside ``path``, then rename it over ``path`` (two sessions
    writing the same file never see half of it)."""
    with tempfile.NamedTemporaryFile(dir=path.parent, prefix=".tmp-", delete=False) as tmp:
        tmp.write(data)
    os.replace(tmp.name, path)
