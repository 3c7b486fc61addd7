"""Frames from other tools (osmnx, pyrosm, a GIS) in the shape the families read.

The loader (:func:`safespaces.study.load_study`) gives every layer the columns the
families need. A GeoDataFrame made elsewhere has only some of them: osmnx's edges
carry their node ids ``u``, ``v`` in the index and a ``length``; pyrosm's carry
``u``, ``v``, ``lit`` and ``length`` as columns; a footpath layer drawn in QGIS has
geometry alone. The functions here derive what can be derived, without changing
the caller's frame, and raise :class:`~safespaces.errors.MissingColumnError`
naming the column and how to get it for what cannot:

- :func:`street_segments`: ``segment_id`` (0..n-1), ``length_m`` (the geometry's
  length), ``u``/``v`` (from osmnx's index, else the line ends: ends within 1 cm
  are one node), ``lit_tag`` (from ``lit``), ``highway`` (the first of a list);
- :func:`lamp_points`: ``height_m``, ``light_count``, ``lumen`` from OSM tags
  (``light:height`` or ``height``, ``light:count``, ``light:lumen``);
- :func:`premises`: ``poi_key`` and ``category`` from OSM tags (``shop``,
  ``amenity`` ...), ``opening_hours`` (missing: default hours);
- :func:`building_footprints`: ``building``, ``levels``, ``height_m``;
- :func:`public_spaces`: ``space_id``, ``kind`` (from ``leisure=park`` ...), ``name``;
- :func:`from_osmnx`: the edges of a networkx ``MultiDiGraph`` as segments.

Every layer must be in a projected (metric) CRS: the families measure in metres.
A frame in degrees is refused with the one-line fix
(``frame.to_crs(frame.estimate_utm_crs())``); :func:`safespaces.load` reprojects
its inputs itself.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces.errors import CRSError, InputError, MissingColumnError
from safespaces.sources.osm.tags import (
    NOT_PREMISES,
    POI_KEYS,
    PREMISES_ONLY,
    PUBLIC_SPACE_TAGS,
    parse_number,
)

#: Line ends closer than this (metres) are one node when ``u``/``v`` are derived.
NODE_TOLERANCE_M = 0.01

#: Columns :func:`street_segments` guarantees.
SEGMENT_COLUMNS = ("segment_id", "length_m", "u", "v", "lit_tag", "highway")


def _first(value: Any) -> Any:
    """The first item of a list (osmnx merges the tags of simplified edges into lists)."""
    if isinstance(value, list | tuple | np.ndarray):
        return value[0] if len(value) else None
    return value


def _text(values: pd.Series) -> pd.Series:
    """OSM tag values as text (lists reduced to their first item; missing stays missing)."""
    if values.dtype == object:
        values = values.map(_first)
    return values.astype("string")


def check_metric(frame: gpd.GeoDataFrame, what: str) -> None:
    """Refuse a frame without a projected CRS, with the one-line fix.

    Raises
    ------
    CRSError
        No CRS, or a geographic one (degrees).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> frame = gpd.GeoDataFrame(geometry=[shapely.Point(24.94, 60.17)], crs=4326)
    >>> check_metric(frame, "lamps")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    safespaces.errors.CRSError: lamps are in EPSG:4326 (degrees); safespaces measures in metres...
    """
    crs = frame.crs
    if crs is None:
        raise CRSError(
            f"{what} have no CRS",
            fix="set it, e.g. frame.set_crs('EPSG:4326') for longitudes and latitudes, "
            "then project: frame.to_crs(frame.estimate_utm_crs())",
        )
    if not crs.is_projected:
        name = crs.to_string() if crs.to_epsg() is None else f"EPSG:{crs.to_epsg()}"
        raise CRSError(
            f"{what} are in {name} (degrees); safespaces measures in metres",
            fix="project them first, e.g. frame.to_crs(frame.estimate_utm_crs())",
        )


def geo_frame(frame: object, what: str) -> gpd.GeoDataFrame:
    """``frame`` if it is a GeoDataFrame with geometry, else a :class:`MissingColumnError`."""
    if not isinstance(frame, gpd.GeoDataFrame):
        raise InputError(
            f"{what} must be a GeoDataFrame, not {type(frame).__name__}",
            fix="make one with geopandas.GeoDataFrame(frame, geometry=..., crs=...)",
        )
    if frame._geometry_column_name not in frame.columns:
        raise MissingColumnError(
            what, "geometry", fix="set the geometry column with frame.set_geometry(...)"
        )
    return frame


def _index_level(frame: pd.DataFrame, name: str) -> np.ndarray | None:
    names = list(frame.index.names)
    if name in names:
        return np.asarray(frame.index.get_level_values(name))
    return None


def end_nodes(lines: np.ndarray, tolerance: float = NODE_TOLERANCE_M) -> tuple[np.ndarray, ...]:
    """Node ids of each line's first and last point: equal ends (to ``tolerance``) share one.

    Returns
    -------
    u, v
        Integer node ids (0..k-1) of the starts and ends, numbered in the order first
        met (line 0's start, its end, line 1's start ...).

    Examples
    --------
    >>> import numpy as np, shapely
    >>> lines = np.array([shapely.LineString([(0, 0), (100, 0)]),
    ...                   shapely.LineString([(100.001, 0), (100, 50)])])
    >>> u, v = end_nodes(lines)
    >>> u.tolist(), v.tolist()
    ([0, 1], [1, 2])
    """
    n = len(lines)
    if n == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    first = shapely.get_point(lines, 0)
    last = shapely.get_point(lines, -1)
    ends = np.concatenate([shapely.get_coordinates(first), shapely.get_coordinates(last)])
    if len(ends) != 2 * n:
        raise InputError(
            "a street segment has no coordinates or is not a LineString",
            fix="give LineStrings (explode MultiLineStrings: frame.explode(index_parts=False))",
        )
    # start and end of each line in turn, so that nodes are numbered as first met
    keys = np.round(ends.reshape(2, n, 2).transpose(1, 0, 2).reshape(-1, 2) / tolerance)
    _, met, inverse = np.unique(
        keys.astype(np.int64), axis=0, return_index=True, return_inverse=True
    )
    rank = np.empty(len(met), dtype=np.int64)
    rank[np.argsort(met)] = np.arange(len(met))
    ids = rank[inverse.reshape(-1)]
    return ids[0::2], ids[1::2]


def street_segments(
    segments: gpd.GeoDataFrame, *, need: Iterable[str] = SEGMENT_COLUMNS
) -> gpd.GeoDataFrame:
    """Walking segments with the columns the families read, derived where missing.

    The frame is returned as given when it has every column of ``need``; otherwise a
    copy with them added (its index and other columns kept):

    - ``segment_id``: 0..n-1;
    - ``length_m``: the geometry's length in the (metric) CRS;
    - ``u``, ``v``: node ids from the index levels ``u``/``v`` (osmnx's edges), else
      from the line ends (ends within :data:`NODE_TOLERANCE_M` are one node, so the
      network's connections are those of its drawn geometry);
    - ``lit_tag``: the OSM ``lit`` column (pyrosm), else missing (unknown);
    - ``highway``: the first of a list (osmnx), else missing.

    Parameters
    ----------
    segments
        LineStrings in a projected CRS, e.g. ``osmnx.graph_to_gdfs(G, nodes=False)``
        after ``osmnx.project_graph``, ``pyrosm.OSM(f).get_network("walking")`` after
        ``to_crs``, or :func:`from_osmnx`.
    need
        The columns the caller reads.

    Raises
    ------
    CRSError
        No CRS or a geographic one (the message gives the fix).
    InputError
        Not a GeoDataFrame, or geometries other than lines.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> lines = [shapely.LineString([(0, 0), (30, 40)]), shapely.LineString([(30, 40), (30, 0)])]
    >>> paths = gpd.GeoDataFrame(geometry=lines, crs="EPSG:3067")
    >>> out = street_segments(paths)
    >>> out[["segment_id", "length_m", "u", "v"]].values.tolist()
    [[0.0, 50.0, 0.0, 1.0], [1.0, 40.0, 1.0, 2.0]]
    """
    segments = geo_frame(segments, "street segments")
    need = tuple(need)
    if all(c in segments.columns for c in need):
        return segments
    check_metric(segments, "street segments")
    lines = segments.geometry.to_numpy()
    types = shapely.get_type_id(lines)
    bad = ~np.isin(types, (1, 5))  # LineString, MultiLineString
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"street segments must be lines; row {i} is a {segments.geometry.iloc[i].geom_type}",
            row=i,
            fix="keep the lines only: frame[frame.geom_type.isin(['LineString', "
            "'MultiLineString'])]",
        )
    out = segments.copy()
    if "segment_id" in need and "segment_id" not in out:
        out["segment_id"] = np.arange(len(out), dtype=np.int64)
    if "length_m" in need and "length_m" not in out:
        out["length_m"] = shapely.length(lines)
    if ("u" in need and "u" not in out) or ("v" in need and "v" not in out):
        u, v = _index_level(out, "u"), _index_level(out, "v")
        if u is None or v is None:
            merged = shapely.line_merge(lines)
            if (shapely.get_type_id(merged) != 1).any():
                raise InputError(
                    "a street segment is a MultiLineString in several pieces, so its end "
                    "nodes are unknown",
                    column="u",
                    fix="give 'u' and 'v' node-id columns, or explode the pieces: "
                    "frame.explode(index_parts=False)",
                )
            u, v = end_nodes(merged)
        out["u"], out["v"] = np.asarray(u), np.asarray(v)
    if "lit_tag" in need and "lit_tag" not in out:
        out["lit_tag"] = (
            _text(out["lit"]) if "lit" in out else pd.Series(pd.NA, out.index, dtype="string")
        )
    if "highway" in need:
        if "highway" not in out:
            out["highway"] = pd.Series(pd.NA, out.index, dtype="string")
        elif out["highway"].dtype == object:
            out["highway"] = _text(out["highway"])
    return out


def lamp_points(lamps: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Lamps with ``height_m``, ``light_count``, ``lumen`` read from OSM tags where missing.

    osmnx and pyrosm keep OSM's keys: ``light:height`` (else ``height``),
    ``light:count`` and ``light:lumen`` are parsed as the loader parses them
    (:func:`~safespaces.sources.osm.parse_number`: ``"6 m"`` is 6). Lamps with
    none of them get the defaults of :class:`~safespaces.lighting.LightingParams`.
    Polygons (a lamp mapped as an area) are taken at a point on their surface.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> lamps = gpd.GeoDataFrame({"light:height": ["6 m", None]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(10, 0)], crs="EPSG:3067")
    >>> lamp_points(lamps)["height_m"].tolist()
    [6.0, nan]
    """
    lamps = geo_frame(lamps, "lamps")
    wanted = ("height_m", "light_count", "lumen")
    points = shapely.get_type_id(lamps.geometry.to_numpy()) == 0
    if all(c in lamps for c in wanted) and points.all():
        return lamps
    out = lamps.copy()
    if not points.all():
        out[out.geometry.name] = out.geometry.representative_point()
    sources = {
        "height_m": ("light:height", "light_height", "height"),
        "light_count": ("light:count", "light_count"),
        "lumen": ("light:lumen", "light_lumen"),
    }
    for column, keys in sources.items():
        if column in out:
            continue
        values = np.full(len(out), np.nan)
        for key in reversed(keys):  # the first key wins where several are tagged
            if key in out:
                parsed = np.array([parse_number(_first(v)) for v in out[key]], dtype=float)
                values = np.where(np.isnan(parsed), values, parsed)
        out[column] = values
    return out


def premises(pois: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Premises with ``poi_key``, ``category`` and ``opening_hours``, from OSM tags where missing.

    ``poi_key``/``category`` are the first of the tags :data:`POI_KEYS` (``shop``,
    ``amenity``, ``leisure``, ``tourism``, ``craft``, ``office``, ``healthcare``) that
    marks premises, as the loader reads them (street furniture such as benches is not
    premises); rows with none are left out. A frame with a ``category`` column but no
    ``poi_key`` gets ``poi_key`` ``amenity``. A missing ``opening_hours`` column means
    unknown hours (the category's default hours apply). Polygons are taken at a point
    on their surface.

    Raises
    ------
    MissingColumnError
        No ``category`` and none of the OSM tag columns.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pois = gpd.GeoDataFrame({"amenity": ["bar", "bench", None], "shop": [None, None, "bakery"]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(5, 0), shapely.Point(9, 0)],
    ...     crs="EPSG:3067")
    >>> premises(pois)[["poi_key", "category"]].values.tolist()
    [['amenity', 'bar'], ['shop', 'bakery']]
    """
    pois = geo_frame(pois, "premises")
    points = shapely.get_type_id(pois.geometry.to_numpy()) == 0
    have = all(c in pois for c in ("poi_key", "category", "opening_hours"))
    if have and points.all():
        return pois
    out = pois.copy()
    if not points.all():
        out[out.geometry.name] = out.geometry.representative_point()
    if "category" not in out:
        keys = [k for k in POI_KEYS if k in out]
        if not keys:
            raise MissingColumnError(
                "premises",
                "category",
                fix="give a 'category' column (e.g. 'cafe'), or OSM tag columns such as "
                "'amenity' and 'shop' (osmnx.features_from_place(place, tags={'amenity': True, "
                "'shop': True}))",
            )
        key = np.full(len(out), None, dtype=object)
        category = np.full(len(out), None, dtype=object)
        for tag in reversed(keys):  # the first tag of POI_KEYS wins
            values = np.asarray(_text(out[tag]).astype(object).where(out[tag].notna(), None))
            ok = pd.notna(values) & ~np.isin(values, ("no", "vacant"))
            if tag == "amenity":
                ok &= ~np.isin(values, list(NOT_PREMISES))
            if tag in PREMISES_ONLY:
                ok &= np.isin(values, list(PREMISES_ONLY[tag]))
            key[ok], category[ok] = tag, values[ok]
        out["poi_key"], out["category"] = key, category
        out = out[pd.notna(category)]
    elif "poi_key" not in out:
        out["poi_key"] = "amenity"
    if "opening_hours" not in out:
        out["opening_hours"] = None
    else:
        out["opening_hours"] = _text(out["opening_hours"]).astype(object)
    return out


def building_footprints(buildings: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Buildings with ``building``, ``levels`` and ``height_m``, from OSM tags where missing.

    ``building`` defaults to ``yes`` (untyped); ``levels`` is read from
    ``building:levels``, ``height_m`` from ``height``, as the loader reads them. These
    are what the residents' estimate reads (:func:`safespaces.population.estimate_residents`).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> homes = gpd.GeoDataFrame({"building:levels": ["5"]},
    ...     geometry=[shapely.box(0, 0, 20, 10)], crs="EPSG:3067")
    >>> building_footprints(homes)[["building", "levels"]].values.tolist()
    [['yes', 5.0]]
    """
    buildings = geo_frame(buildings, "buildings")
    if all(c in buildings for c in ("building", "levels", "height_m")):
        return buildings
    out = buildings.copy()
    if "building" not in out:
        out["building"] = "yes"
    else:
        out["building"] = _text(out["building"]).fillna("yes").astype(object)
    tags = {"levels": ("building:levels", "building_levels"), "height_m": ("height",)}
    for column, keys in tags.items():
        if column in out:
            continue
        key = next((k for k in keys if k in out), None)
        out[column] = (
            np.array([parse_number(_first(v)) for v in out[key]], dtype=float)
            if key
            else np.full(len(out), np.nan)
        )
    return out


def public_spaces(spaces: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Parks and squares with ``space_id``, ``kind`` and ``name``, derived where missing.

    ``kind`` is read from OSM tags as the loader reads it (:data:`PUBLIC_SPACE_TAGS`:
    ``leisure=park`` is ``park``, ``place=square`` is ``square`` ...); rows that are
    none of them are left out. ``space_id`` is 0..n-1, ``name`` missing where absent.

    Raises
    ------
    MissingColumnError
        No ``kind`` and none of the OSM tag columns.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> parks = gpd.GeoDataFrame({"leisure": ["park", "pitch"]},
    ...     geometry=[shapely.box(0, 0, 50, 50), shapely.box(60, 0, 90, 20)], crs="EPSG:3067")
    >>> public_spaces(parks)[["space_id", "kind"]].values.tolist()
    [[0, 'park']]
    """
    spaces = geo_frame(spaces, "public spaces")
    if all(c in spaces for c in ("space_id", "kind", "name")):
        return spaces
    out = spaces.copy()
    if "kind" not in out:
        keys = sorted({key for key, _, _ in PUBLIC_SPACE_TAGS if key in out})
        if not keys:
            raise MissingColumnError(
                "public spaces",
                "kind",
                fix="give a 'kind' column (park, garden, playground, square, pedestrian_area), "
                "or OSM tag columns such as 'leisure' and 'place'",
            )
        kind = np.full(len(out), None, dtype=object)
        for key, value, name in reversed(PUBLIC_SPACE_TAGS):  # the first listed wins
            if key in out:
                hit = (_text(out[key]) == value).fillna(False).to_numpy(dtype=bool)
                kind[hit] = name
        out["kind"] = kind
        out = out[pd.notna(kind)]
    if "space_id" not in out:
        out.insert(0, "space_id", np.arange(len(out), dtype=np.int64))
    if "name" not in out:
        out["name"] = None
    return out


def empty_points(crs: object, columns: Iterable[str] = ()) -> gpd.GeoDataFrame:
    """An empty point layer in ``crs`` with ``columns`` (for an input given as None)."""
    data: dict[Hashable, Any] = {c: pd.Series(dtype=object) for c in columns}
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries([], crs=crs), crs=crs)


def from_osmnx(graph: Any) -> gpd.GeoDataFrame:
    """The edges of a networkx ``MultiDiGraph`` (as osmnx builds it) as street segments.

    Needs no osmnx: nodes need ``x`` and ``y``, the graph's ``crs`` attribute gives the
    CRS (osmnx's default is ``epsg:4326``). An edge's geometry is its ``geometry``
    attribute, else the straight line between its nodes. Each edge becomes one
    segment; for a two-way street osmnx stores both directions, and only one of each
    pair ``(u, v, key)`` / ``(v, u, key)`` with the same geometry is kept (the
    walking network is undirected). The result is projected to the local UTM zone
    when the graph is in degrees, and carries the columns of :func:`street_segments`
    plus the edge attributes (``osmid`` as ``osm_way_id``; lists, as osmnx makes for
    merged edges, reduced to their first item).

    Parameters
    ----------
    graph
        A ``networkx.MultiDiGraph`` (or ``MultiGraph``), e.g.
        ``osmnx.graph_from_xml(path, simplify=False)``.

    Raises
    ------
    InputError
        A node without ``x``/``y``, or a graph without edges.

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.MultiDiGraph(crs="EPSG:3067")
    >>> G.add_node(1, x=385000.0, y=6672000.0)
    >>> G.add_node(2, x=385100.0, y=6672000.0)
    >>> G.add_edge(1, 2, highway="footway", lit="yes")
    0
    >>> G.add_edge(2, 1, highway="footway", lit="yes")
    0
    >>> segments = from_osmnx(G)
    >>> segments[["u", "v", "length_m", "lit_tag"]].values.tolist()
    [[1, 2, 100.0, 'yes']]
    """
    nodes = dict(graph.nodes(data=True))
    rows: list[dict[str, Any]] = []
    seen: set[tuple[Any, Any, Any, bytes]] = set()
    for u, v, key, data in graph.edges(keys=True, data=True):
        for node in (u, v):
            if "x" not in nodes[node] or "y" not in nodes[node]:
                raise InputError(
                    f"graph node {node!r} has no 'x'/'y' attributes",
                    column="x",
                    fix="give every node x and y coordinates (osmnx graphs have them)",
                )
        geom = data.get("geometry")
        if geom is None:
            geom = shapely.LineString(
                [(nodes[u]["x"], nodes[u]["y"]), (nodes[v]["x"], nodes[v]["y"])]
            )
        wkb = shapely.to_wkb(shapely.normalize(geom))
        if (v, u, key, wkb) in seen:
            continue  # the other direction of a two-way edge
        seen.add((u, v, key, wkb))
        row = {k: _first(val) for k, val in data.items() if k != "geometry"}
        rows.append({**row, "u": u, "v": v, "key": key, "geometry": geom})
    if not rows:
        raise InputError("the graph has no edges", fix="give a graph with streets or paths")
    crs = graph.graph.get("crs", "EPSG:4326")
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=crs)
    if frame.crs is not None and not frame.crs.is_projected:
        frame = frame.to_crs(frame.estimate_utm_crs())
    if "osmid" in frame:
        frame = frame.rename(columns={"osmid": "osm_way_id"})
    if "length" in frame:
        frame = frame.drop(columns="length")  # osmnx's great-circle length; ours is below
    return street_segments(frame.reset_index(drop=True))
