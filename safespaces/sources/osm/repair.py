"""Files libosmium cannot read as they are: read through a repaired temporary copy.

JOSM writes new objects with negative ids and in any order; some XML files hold
tag values over libosmium's 1024 bytes. :func:`read_file` reads such a file
through a sorted and renumbered copy, or a copy with the long values replaced by
placeholders, and gives back the original ids and values afterwards.
"""

from __future__ import annotations

import contextlib
import dataclasses
import html
import re
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import osmium
import pandas as pd

from safespaces.errors import InputError
from safespaces.sources.osm.reader import OutOfOrder, TagTooLong, header_box, read_pass
from safespaces.sources.osm.tags import Collector

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
    """Plain (uncompressed) OSM XML, which the long-value repair copies as text."""
    return not path.name.lower().endswith((".pbf", ".gz", ".bz2"))


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


def restore_long_values(layers: Iterable[pd.DataFrame], values: dict[str, str]) -> None:
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


_Node = tuple[int, tuple[float, float] | None, dict[str, str]]
_Way = tuple[int, list[int], dict[str, str]]
_Relation = tuple[int, list[tuple[str, int, str]], dict[str, str]]


@dataclasses.dataclass
class _Objects:
    """Every object of a file as plain data, with the range of the ids it uses."""

    nodes: list[_Node] = dataclasses.field(default_factory=list)
    ways: list[_Way] = dataclasses.field(default_factory=list)
    relations: list[_Relation] = dataclasses.field(default_factory=list)
    top: int = 0
    low: int = 0


def _load_objects(source: Path, path: Path) -> _Objects:
    """Read every object of ``source`` into memory (errors name ``path``)."""
    found = _Objects()
    top = low = 0
    try:
        for obj in osmium.FileProcessor(str(source)):
            tags = {t.k: t.v for t in obj.tags}
            if isinstance(obj, osmium.osm.Node):
                loc = obj.location
                found.nodes.append((obj.id, (loc.lon, loc.lat) if loc.valid() else None, tags))
                top, low = max(top, obj.id), min(low, obj.id)
            elif isinstance(obj, osmium.osm.Way):
                refs = [n.ref for n in obj.nodes]
                found.ways.append((obj.id, refs, tags))
                top, low = max(top, obj.id, *refs), min(low, obj.id, *refs)
            elif isinstance(obj, osmium.osm.Relation):
                members = [(m.type, m.ref, m.role) for m in obj.members]
                found.relations.append((obj.id, members, tags))
                refs = [m[1] for m in members]
                top, low = max(top, obj.id, *refs), min(low, obj.id, *refs)
    except (RuntimeError, ValueError) as exc:
        raise InputError(
            f"not a readable OpenStreetMap file ({exc})",
            path=path,
            fix="check that the file is a complete .osm.pbf or .osm XML extract (not truncated)",
        ) from exc
    found.top, found.low = top, low
    return found


def _refuse_twice(
    lists: Iterable[tuple[str, list[tuple[Any, ...]]]], offset: int, path: Path
) -> None:
    """Refuse an object id that appears twice in a sorted list (named as in the file)."""
    for kind, items in lists:
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


def _normalised_copy(source: Path, path: Path, dest: Path) -> int | None:
    """Write ``source`` sorted by type and id, negative ids renumbered; return the offset.

    JOSM writes new objects with negative ids and in any order. libosmium's node
    location index ignores negative ids and its multipolygon assembler needs
    sorted input, so such a file is read through this copy: each negative id
    ``-n`` becomes ``offset + n`` (``offset`` above every id in the file) and
    :func:`restore_ids` gives the original ids back in the layers. Returns None
    when no id was negative.

    Raises
    ------
    InputError
        An id that appears twice, or ids too large to renumber.
    """
    found = _load_objects(source, path)
    top, low = found.top, found.low
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
    box = header_box(path)
    if box is not None:
        header.add_box(osmium.osm.Box(*box))
    node_list = sorted(((new(i), loc, tags) for i, loc, tags in found.nodes), key=lambda t: t[0])
    way_list = sorted(((new(i), refs, tags) for i, refs, tags in found.ways), key=lambda t: t[0])
    rel_list = sorted(((new(i), mem, tags) for i, mem, tags in found.relations), key=lambda t: t[0])
    _refuse_twice((("node", node_list), ("way", way_list), ("relation", rel_list)), offset, path)
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


def restore_ids(values: np.ndarray | pd.Series, offset: int | None) -> np.ndarray:
    """Give back the negative ids that :func:`_normalised_copy` renumbered."""
    array = np.asarray(values)
    if offset is None or array.dtype.kind not in "iu":
        return array
    return np.where(array >= offset, offset - array, array)


@dataclasses.dataclass
class Reading:
    """The result of reading a file, with what had to be done to read it."""

    col: Collector
    header: tuple[float, float, float, float] | None
    long_values: dict[str, str]
    id_offset: int | None
    repairs: list[str]


def _long_values_copy(
    source: Path, path: Path, dest: Path, exc: TagTooLong
) -> tuple[dict[str, str], str]:
    """Write ``source`` to ``dest`` with its long tag values replaced by placeholders
    (:func:`_shorten_long_values`); return the values and a note for the user.

    Raises
    ------
    InputError
        The string libosmium refused is not a tag key or value (a role, a user name).
    """
    long_values, found = _shorten_long_values(source, dest)
    if not found:
        raise InputError(
            f"a tag key, value, role or user name is longer than {MAX_TAG_BYTES:,} "
            f"bytes, the most libosmium (which reads OSM files) accepts ({exc})",
            path=path,
            fix="OpenStreetMap allows 255 characters: shorten it (e.g. in JOSM)",
        ) from exc
    note = (
        f"{len(found)} tag(s) over {MAX_TAG_BYTES:,} bytes read through a copy: "
        + "; ".join(found[:5])
        + ("" if len(found) <= 5 else f"; and {len(found) - 5} more")
    )
    return long_values, note


def _refuse_too_large(path: Path, col: Collector | None) -> None:
    """Refuse to sort a file larger than :data:`NORMALISE_MAX_MB` in memory."""
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


def read_file(path: Path, stack: contextlib.ExitStack) -> Reading:
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
            col = read_pass(source, path)
        except TagTooLong as exc:
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
            long_values, note = _long_values_copy(source, path, dest, exc)
            repairs.append(note)
            source, shortened = dest, True
            continue
        except OutOfOrder as exc:
            if normalised:
                raise InputError(
                    f"not a readable OpenStreetMap file ({exc})",
                    path=path,
                    fix="sort it (osmium sort F -o sorted.osm.pbf) and give the sorted file",
                ) from exc
            col = None
        if col is not None and not (col.negative_ids or col.unsorted):
            return Reading(col, header_box(path), long_values, id_offset, repairs)
        if normalised:
            assert col is not None
            return Reading(col, header_box(path), long_values, id_offset, repairs)
        _refuse_too_large(path, col)
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
