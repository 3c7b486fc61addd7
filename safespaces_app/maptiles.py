"""The map of a whole city: levels of detail, and the map's files of a run.

A run with more than :data:`TILE_THRESHOLD` street segments (e.g. the tiled 10 x 10 city's
508,840) is never sent to the browser as one document (:mod:`safespaces_app.mapdata`). The
document the map fetches first is an *overview* (:func:`overview`): the study's bounds,
every area with its values, the main streets (:func:`main_streets`: whole streets of
:data:`MAIN_HIGHWAYS`, simplified more), the darkest paths and the parks and squares, plus
an index of *tiles*. Each tile (:func:`iter_tiles`) is a document of its own, in the same
encoding, holding the street segments, dark paths, buildings and street names whose centre
lies in one Web Mercator tile of zoom :data:`TILE_ZOOM` (the slippy-map grid of
OpenStreetMap's tiles); the browser fetches the tiles in view from zoom :data:`LOAD_ZOOM`
on (``static/safespaces-map/map.js``). :func:`write_client` writes a run's files, one
document or the overview and its tiles. No Streamlit here.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse
from scipy.sparse import csgraph

from safespaces.eyes import HOUR_COLUMNS
from safespaces.indices import FAMILIES
from safespaces.sources.areas import district_names
from safespaces_app.mapdata import (
    CLIENT_DIR,
    DECIMALS,
    FORMAT,
    INDEX_TEMPLATE,
    MIX_SCALE,
    TOLERANCE_M,
    VALUE_SCALE,
    Label,
    _areas,
    _column,
    _dark,
    _lonlat,
    _Names,
    _placed_labels,
    _segments,
    _study_bounds,
    build,
    dumps,
    encode_polygons,
)

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


def street_search(layers: Mapping[str, pd.DataFrame]) -> dict[str, Any]:
    """Every named street of a tiled run, for the map's search (the overview holds the main
    streets only, a tile the streets of its square).

    One entry per street (:func:`street_runs`: a connected run of segments of one name), in
    column arrays: ``name`` and ``district`` (indices into ``names``; the district of the
    area holding the middle of the street's longest segment, None outside every area),
    ``bbox`` (``[west, south, east, north]`` per street, lon/lat rounded outward to
    :data:`~safespaces_app.mapdata.DECIMALS` decimals), ``id`` (the longest segment's
    ``segment_id``: the street's panel) and ``n`` (its segments). Vectorised: bounds are
    taken in the run's CRS and only each street's four corners are transformed.
    """
    segments = layers["street_segments"]
    assert isinstance(segments, gpd.GeoDataFrame)
    text = _column(segments, "name").astype(object)
    named = text.map(lambda v: isinstance(v, str) and bool(v.strip())).to_numpy(bool)
    rows = segments[named]
    names = _Names()
    out: dict[str, Any] = {"name": [], "district": [], "bbox": [], "id": [], "n": []}
    if rows.empty:
        return {**out, "names": names.names}
    geoms = rows.geometry.to_numpy()
    bounds = shapely.bounds(geoms)
    length = shapely.length(geoms)
    frame = pd.DataFrame(
        {
            "run": street_runs(rows),
            "pos": np.arange(len(rows)),
            "length": length,
            "x0": bounds[:, 0],
            "y0": bounds[:, 1],
            "x1": bounds[:, 2],
            "y1": bounds[:, 3],
        }
    )
    grouped = frame.groupby("run", sort=False)
    per = grouped.agg(
        x0=("x0", "min"), y0=("y0", "min"), x1=("x1", "max"), y1=("y1", "max"), n=("pos", "size")
    )
    per["longest"] = frame.loc[grouped["length"].idxmax().to_numpy(), "pos"].to_numpy()
    longest = per["longest"].to_numpy()
    corners_x = per[["x0", "x1", "x0", "x1"]].to_numpy()
    corners_y = per[["y0", "y0", "y1", "y1"]].to_numpy()
    if rows.crs is not None:
        from pyproj import Transformer

        to_lonlat = Transformer.from_crs(rows.crs, "EPSG:4326", always_xy=True)
        corners_x, corners_y = to_lonlat.transform(corners_x, corners_y)
    scale = 10**DECIMALS
    box = np.column_stack(
        [
            np.floor(np.min(corners_x, axis=1) * scale) / scale,
            np.floor(np.min(corners_y, axis=1) * scale) / scale,
            np.ceil(np.max(corners_x, axis=1) * scale) / scale,
            np.ceil(np.max(corners_y, axis=1) * scale) / scale,
        ]
    )
    district = np.full(len(per), None, dtype=object)
    areas = layers.get("areas")
    if isinstance(areas, gpd.GeoDataFrame) and not areas.empty:
        middle = shapely.line_interpolate_point(geoms[longest], 0.5, normalized=True)
        areas = areas.to_crs(rows.crs) if rows.crs and areas.crs else areas
        point, area = shapely.STRtree(areas.geometry.to_numpy()).query(middle, "within")
        labels = district_names(areas).to_numpy(object)
        _, first = np.unique(point, return_index=True)  # the first area holding it
        district[point[first]] = labels[area[first]]
    order = np.lexsort((box[:, 1], box[:, 0], text.to_numpy(object)[named][longest].astype(str)))
    street_names = text.to_numpy(object)[named][longest][order]
    out["name"] = names.refs(pd.Series(street_names, dtype=object))
    out["district"] = names.refs(pd.Series(district[order], dtype=object))
    out["bbox"] = [[float(v) for v in row] for row in box[order]]
    out["id"] = [int(v) for v in rows["segment_id"].to_numpy()[longest[order]]]
    out["n"] = [int(v) for v in per["n"].to_numpy()[order]]
    return {**out, "names": names.names}


def overview(
    layers: Mapping[str, pd.DataFrame],
    index: list[dict[str, Any]],
    search: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """The overview of a tiled document: what the whole city shows at low zoom.

    Keys as :func:`build` (``segments`` holds the main streets only, :func:`main_streets`;
    ``dark`` the :data:`OVERVIEW_DARK` darkest paths; ``basemap`` the parks and squares),
    plus ``tiles``: ``zoom`` (of the grid), ``min_zoom`` (the map's zoom from which it
    shows the tiles' features), ``segments`` (of the whole run), ``index`` (the tiles'
    entries, :func:`iter_tiles`, each with its ``file``) and, with ``search`` (the file and
    count of :func:`street_search`, fetched when the search is first used), ``search``.
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
    if search is not None:
        doc["tiles"]["search"] = search
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
        streets = street_search(layers)
        found = dumps(streets)
        search_file = f"search-{hashlib.sha256(found).hexdigest()[:16]}.json"
        if not (target / search_file).is_file():
            _write_atomic(target / search_file, found)
        keep.add(search_file)
        search = {"file": search_file, "streets": len(streets["id"])}
        body = dumps(overview(layers, entries, search))
    else:
        body = dumps(build(dict(layers)))
    name = f"data-{hashlib.sha256(body).hexdigest()[:16]}.json"
    keep.add(name)
    if not (target / name).is_file():
        _write_atomic(target / name, body)
    for pattern in ("data-*.json", "tile-*.json", "search-*.json"):
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
