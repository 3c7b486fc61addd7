"""What each OpenStreetMap object contributes to the study, by its tags.

One pass over the file (:mod:`safespaces.sources.osm.reader`) hands every object
here: walkable ways are kept whole for the network, nodes and areas become rows
of the feature layers (premises with their opening hours, entrances, lamps,
places, cameras, buildings, public spaces). Numeric tags are parsed and checked
against plausible ranges.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable
from typing import Any

import numpy as np
import osmium
import pandas as pd

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
#: Amenities that are street furniture, not premises with people in them.
NOT_PREMISES = frozenset(
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
#: Keys of :data:`POI_KEYS` whose values are premises only when listed here.
PREMISES_ONLY: dict[str, frozenset[str]] = {
    "leisure": frozenset({"fitness_centre", "sports_centre", "dance"}),
    "tourism": frozenset({"hotel", "hostel", "museum", "gallery", "guest_house"}),
}
PUBLIC_SPACE_TAGS: tuple[tuple[str, str, str], ...] = (
    ("leisure", "park", "park"),
    ("leisure", "garden", "garden"),
    ("leisure", "playground", "playground"),
    ("place", "square", "square"),
    ("highway", "pedestrian", "pedestrian_area"),
    ("landuse", "recreation_ground", "park"),
)

#: Water areas of the basemap (``key``, ``value``, ``kind``): lakes, ponds and rivers mapped
#: as areas, and basins and reservoirs (OSM wiki, "Tag:natural=water",
#: "Tag:waterway=riverbank", "Tag:landuse=basin", "Tag:landuse=reservoir"). The sea
#: (``natural=coastline`` ways, not areas) is not assembled.
WATER_TAGS: tuple[tuple[str, str, str], ...] = (
    ("natural", "water", "water"),
    ("waterway", "riverbank", "riverbank"),
    ("landuse", "basin", "basin"),
    ("landuse", "reservoir", "reservoir"),
)

#: Public-space kinds whose tag, on a closed way, is a linear way unless ``area=yes``:
#: a closed ``highway=pedestrian`` is a street loop (a ring round a block), not a
#: square (OSM wiki, "Tag:highway=pedestrian" and "Key:area"). A multipolygon
#: relation with the tag is an area.
LINEAR_UNLESS_AREA = frozenset({"pedestrian_area"})

PLACE_VALUES = frozenset({"suburb", "quarter", "neighbourhood"})

#: ``amenity`` values whose area is the grounds of one institution, read as the land
#: use around the buildings on them (where a campus has no ``landuse``): the OSM wiki
#: maps school, college, university, kindergarten and hospital grounds this way
#: (Tag:amenity=school, "the outline of the school grounds").
SITE_AMENITIES = frozenset({"school", "college", "university", "kindergarten", "hospital"})

#: ``tourism`` values of lodging (premises whose guests sleep there, not residents).
LODGING = frozenset({"hotel", "hostel", "guest_house"})

SEGMENT_TAGS = (
    "name",
    "highway",
    "lit",
    "sidewalk",
    "footway",
    "foot",
    "access",
    "service",
    "width",
)
#: Plausible ``width`` of a walkable way (m); other values are ignored (NaN).
WIDTH_RANGE_M = (0.3, 100.0)


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


def walkable(tags: osmium.osm.TagList) -> bool:
    """Whether a way with ``tags`` is a street or path a pedestrian may use."""
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
class Collector:
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
                "land",
                "water",
            )
        }
    )
    nodes: int = 0
    ways: int = 0
    relations: int = 0
    bad_nodes: int = 0  # nodes whose coordinates are outside +-180 / +-90
    negative_ids: bool = False
    unsorted: bool = False  # a node after a way (relations before ways do no harm)


def add_way(obj: osmium.osm.Way, col: Collector) -> None:
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
        if key == "amenity" and value in NOT_PREMISES:
            continue
        if key in PREMISES_ONLY and value not in PREMISES_ONLY[key]:
            continue
        return key, value
    return None


def add_node(obj: osmium.osm.Node, fab: osmium.geom.WKBFactory, col: Collector) -> None:
    """Add a tagged node to the rows of the layers it belongs to (premises, entrances,
    lamps, places, cameras)."""
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


def _linear(obj: osmium.osm.Area) -> bool:
    """Whether an area assembled from a closed way is, by its tags, a linear way."""
    return bool(obj.from_way()) and obj.tags.get("area") != "yes"


def add_area(obj: osmium.osm.Area, fab: osmium.geom.WKBFactory, col: Collector) -> None:
    """Add an area to the rows of the layers it belongs to (buildings, premises, public
    spaces, water, and the land-use areas that give buildings their ``landuse``); an incomplete
    multipolygon is skipped. A building keeps the premises tag of its own outline
    (``premises``, e.g. ``amenity=library``): the building is that premises."""
    tags = obj.tags
    try:
        wkb = fab.create_multipolygon(obj)
    except RuntimeError:
        return  # an incomplete multipolygon (clipped at the extract's edge)
    osm_type = "way" if obj.from_way() else "relation"
    building = tags.get("building")
    kind = _poi_kind(tags)
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
                "premises": None if kind is None else f"{kind[0]}={kind[1]}",
                "wkb": wkb,
            }
        )
    else:
        land = tags.get("landuse")
        if land is None and tags.get("amenity") in SITE_AMENITIES:
            land = tags.get("amenity")
        if land is not None:
            col.rows["land"].append({"landuse": land, "wkb": wkb})
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
    for key, value, water in WATER_TAGS:
        if tags.get(key) == value:
            col.rows["water"].append(
                {
                    "osm_type": osm_type,
                    "osm_id": obj.orig_id(),
                    "kind": water,
                    "name": tags.get("name"),
                    "wkb": wkb,
                }
            )
            break
    for key, value, space in PUBLIC_SPACE_TAGS:
        if tags.get(key) == value and not (space in LINEAR_UNLESS_AREA and _linear(obj)):
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
