"""One pass of libosmium over an OSM file, after checking the file is one.

pyosmium's reader gives nodes with locations, ways with their node coordinates
and assembled areas (closed ways and multipolygon relations); each goes to
:mod:`safespaces.sources.osm.tags`. A string libosmium refuses or objects out of
order raise :class:`TagTooLong` or :class:`OutOfOrder`, which
:mod:`safespaces.sources.osm.repair` answers by reading a repaired copy.
"""

from __future__ import annotations

from pathlib import Path

import osmium

from safespaces.errors import InputError
from safespaces.safety import check_osm_xml, sniff
from safespaces.sources.osm.tags import Collector, add_area, add_node, add_way, walkable

#: File names libosmium reads (by their ending): PBF, and XML plain or compressed.
OSM_SUFFIXES: tuple[str, ...] = (
    ".pbf",
    ".osm",
    ".osm.xml",
    ".osm.gz",
    ".osm.bz2",
    ".osm.xml.gz",
    ".osm.xml.bz2",
)


def check_file(path: Path) -> None:
    """Refuse a missing, empty or mislabelled file before libosmium reads it."""
    if not path.exists():
        raise InputError(
            "file not found", path=path, fix="give the path of an existing .osm.pbf or .osm file"
        )
    if path.is_dir():
        raise InputError("is a folder, not a file", path=path, fix="give an .osm.pbf or .osm file")
    name = path.name.lower()
    if not name.endswith(OSM_SUFFIXES):
        raise InputError(
            f"unsupported OSM format '{path.suffix}'",
            path=path,
            fix="give an OpenStreetMap extract ending in .osm.pbf, or .osm (XML, also "
            "compressed as .osm.gz or .osm.bz2)",
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


class TagTooLong(Exception):
    """libosmium refused a tag key or value longer than 1024 bytes."""


class OutOfOrder(Exception):
    """libosmium refused objects out of order (its multipolygon assembler needs sorted input)."""


def read_pass(source: Path, path: Path) -> Collector:
    """One pass of libosmium over ``source``; errors name ``path`` (the user's file)."""
    fab = osmium.geom.WKBFactory()
    col = Collector()
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
                add_node(obj, fab, col)
            elif isinstance(obj, osmium.osm.Way):
                col.ways += 1
                rank = 1
                if obj.id < 0:
                    col.negative_ids = True
                if walkable(obj.tags):
                    add_way(obj, col)
            elif isinstance(obj, osmium.osm.Relation):
                col.relations += 1
                if obj.id < 0:
                    col.negative_ids = True
            elif isinstance(obj, osmium.osm.Area):
                add_area(obj, fab, col)
    except ValueError as exc:  # libosmium's length_error: a string over 1024 bytes
        if "too long" in str(exc):
            raise TagTooLong(str(exc)) from exc
        raise InputError(
            f"not a readable OpenStreetMap file ({exc})",
            path=path,
            fix="check that the file is a complete .osm.pbf or .osm XML extract (not truncated)",
        ) from exc
    except RuntimeError as exc:  # libosmium's parse errors
        if "out of order" in str(exc).lower():
            raise OutOfOrder(str(exc)) from exc
        if "overlong string" in str(exc):  # the PBF reader's limit, as the builder's
            raise TagTooLong(str(exc)) from exc
        raise InputError(
            f"not a readable OpenStreetMap file ({exc})",
            path=path,
            fix="check that the file is a complete .osm.pbf or .osm XML extract (not truncated)",
        ) from exc
    return col


def header_box(path: Path) -> tuple[float, float, float, float] | None:
    """The ``<bounds>`` of the file's header (lon/lat), or None."""
    try:
        box = osmium.io.Reader(str(path), osmium.osm.osm_entity_bits.NOTHING).header().box()
    except (RuntimeError, ValueError):
        return None  # the full read reports the problem
    if not box.valid():
        return None
    return (box.bottom_left.lon, box.bottom_left.lat, box.top_right.lon, box.top_right.lat)
