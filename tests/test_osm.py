"""The OSM loader on a hand-made XML town, on bad files, and on the embedded default."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import shapely

from safespaces.errors import InputError
from safespaces.sources.osm import load_osm, parse_number, split_ways


def test_mini_town_segments_split_at_the_crossing(mini_osm: Path) -> None:
    data = load_osm(mini_osm)
    seg = data.segments
    # way 1 (4 nodes) and way 2 (3 nodes) cross at node 2 -> 2 + 2 edges; motorway and
    # cycleway without foot access are not walkable
    assert sorted(zip(seg["u"], seg["v"], strict=True)) == [(1, 2), (2, 4), (2, 7), (5, 2)]
    assert set(seg["highway"]) == {"residential", "footway"}
    assert data.crs.to_epsg() == 3067
    # 0.001 deg of longitude at 60.17 N: 111_320 m * cos(60.17 deg) * 0.001 = 55.4 m (EPSG:3067
    # is conformal, its scale factor here is about 1.0002)
    east_west = seg.loc[seg["osm_way_id"] == 1, "length_m"].to_numpy()
    expected = 111_320 * math.cos(math.radians(60.17)) * 0.001
    assert np.allclose(east_west, expected, rtol=3e-3)
    row = seg.loc[seg["osm_way_id"] == 1].iloc[0]
    assert (row["name"], row["lit_tag"], row["sidewalk"]) == ("Testikatu", "yes", "both")
    assert seg.loc[seg["osm_way_id"] == 2, "footway"].eq("sidewalk").all()


def test_mini_town_features(mini_osm: Path) -> None:
    data = load_osm(mini_osm)
    b = data.buildings.iloc[0]
    assert (b["building"], b["levels"], b["flats"]) == ("apartments", 4.0, 12.0)
    # 0.0005 deg lon x 0.0002 deg lat = 27.7 m x 22.3 m
    assert b["footprint_m2"] == pytest.approx(27.74 * 22.26, rel=0.01)
    assert data.pois[["category", "opening_hours"]].values.tolist() == [
        ["bakery", "Mo-Fr 07:00-17:00"]
    ]
    assert data.lamps["height_m"].tolist() == [6.0]
    assert data.lamps["lamp_mount"].tolist() == ["straight_mast"]
    assert data.lamps["source"].eq("osm").all()
    assert len(data.entrances) == 1 and len(data.cameras) == 1
    assert data.public_spaces[["kind", "name"]].values.tolist() == [["park", "Testipuisto"]]
    assert data.places["name"].tolist() == ["Testilä"]


def test_split_ways_cuts_only_at_shared_nodes() -> None:
    ids = [np.array([1, 2, 3, 4]), np.array([9, 3, 8])]
    xy = [
        np.array([[0, 0], [1, 0], [2, 0], [3, 0]], float),
        np.array([[2, -1], [2, 0], [2, 1]], float),
    ]
    way, u, v, lines = split_ways(ids, xy)
    assert way.tolist() == [0, 0, 1, 1]
    assert list(zip(u.tolist(), v.tolist(), strict=True)) == [(1, 3), (3, 4), (9, 3), (3, 8)]
    assert shapely.length(lines).tolist() == [2.0, 1.0, 1.0, 1.0]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("12", 12.0),
        ("12.5 m", 12.5),
        ("3;4", 3.0),
        ("12,5", 12.5),
        ("10 ft", 3.048),
        ("x", math.nan),
    ],
)
def test_parse_number(text: str, value: float) -> None:
    assert parse_number(text) == pytest.approx(value, nan_ok=True)


def test_default_extract_meets_the_contract(helsinki_pbf: Path) -> None:
    data = load_osm(helsinki_pbf)
    assert len(data.buildings) >= 400
    assert len(data.lamps) >= 500
    assert data.pois["opening_hours"].notna().sum() >= 400
    assert len(data.entrances) >= 300
    assert len(data.cameras) >= 200
    assert {"park", "square"} <= set(data.public_spaces["kind"])
    assert data.segments.geometry.is_valid.all()
    assert data.buildings.geometry.is_valid.all()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"", "empty.osm.pbf", "empty"),
        (b"<osm><node id=", "broken.osm", "not a readable OpenStreetMap file"),
        (b"hello", "notes.txt", "unsupported OSM format"),
        (b'<?xml version="1.0"?><osm version="0.6"></osm>', "nostreets.osm", "no walkable"),
    ],
)
def test_bad_osm_files(tmp_path: Path, content: bytes, name: str, message: str) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as info:
        load_osm(path)
    assert name in str(info.value)
    assert "Fix:" in str(info.value)


def test_truncated_pbf(tmp_path: Path, helsinki_pbf: Path) -> None:
    path = tmp_path / "cut.osm.pbf"
    path.write_bytes(helsinki_pbf.read_bytes()[:50_000])
    with pytest.raises(InputError, match="cut.osm.pbf.*(not a readable|no walkable)"):
        load_osm(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="file not found"):
        load_osm(tmp_path / "nothing.osm.pbf")


def test_xml_and_pbf_agree(tmp_path: Path, mini_osm: Path) -> None:
    import osmium

    pbf = tmp_path / "mini.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(mini_osm)):
            writer.add(obj)
    a = load_osm(mini_osm).segments
    b = load_osm(pbf).segments
    assert a[["u", "v", "highway"]].equals(b[["u", "v", "highway"]])
    shutil.rmtree(tmp_path, ignore_errors=True)


def test_extract_without_parks_keeps_layer_schemas(tmp_path: Path) -> None:
    path = tmp_path / "bare.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="60.17" lon="24.94" version="1"/>'
        '<node id="2" lat="60.17" lon="24.941" version="1"/>'
        '<way id="1" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
        "</osm>"
    )
    data = load_osm(path)
    assert len(data.public_spaces) == 0 and {"kind", "name"} <= set(data.public_spaces.columns)
    assert {"category", "opening_hours"} <= set(data.pois.columns)
    assert data.public_spaces.crs == data.crs


def _square(first: int, lon: float, lat: float, side: float) -> tuple[str, list[int]]:
    """Four nodes of a square (ids ``first`` ...) and the closed ring of their ids."""
    corners = [(lon, lat), (lon + side, lat), (lon + side, lat + side), (lon, lat + side)]
    nodes = "".join(
        f'<node id="{first + i}" lat="{y}" lon="{x}" version="1"/>'
        for i, (x, y) in enumerate(corners)
    )
    return nodes, [first, first + 1, first + 2, first + 3, first]


def test_water_areas_for_the_basemap(tmp_path: Path) -> None:
    """natural=water, waterway=riverbank, landuse=basin/reservoir are water (kind = the tag's
    value, name kept); a park and a river's centre line are not; a lake reaching far beyond
    the study is clipped to it, not left out."""
    parts, ways = [], []
    tagged = [
        (10, 24.9400, 60.1700, 0.0005, {"natural": "water", "name": "Lampi"}),
        (20, 24.9410, 60.1700, 0.0005, {"waterway": "riverbank"}),
        (30, 24.9420, 60.1700, 0.0005, {"landuse": "basin"}),
        (40, 24.9430, 60.1700, 0.0005, {"landuse": "reservoir"}),
        (50, 24.9440, 60.1700, 0.0005, {"leisure": "park"}),
        (60, 24.9300, 60.1650, 2.0, {"natural": "water", "name": "Iso järvi"}),  # 2 degrees
    ]
    for first, lon, lat, side, tags in tagged:
        nodes, ring = _square(first, lon, lat, side)
        parts.append(nodes)
        refs = "".join(f'<nd ref="{r}"/>' for r in ring)
        kv = "".join(f'<tag k="{k}" v="{v}"/>' for k, v in tags.items())
        ways.append(f'<way id="{first}" version="1">{refs}{kv}</way>')
    path = tmp_path / "water.osm"
    path.write_text(
        '<?xml version="1.0"?><osm version="0.6">'
        '<node id="1" lat="60.17" lon="24.94" version="1"/>'
        '<node id="2" lat="60.17" lon="24.945" version="1"/>'
        '<node id="3" lat="60.171" lon="24.945" version="1"/>'
        + "".join(parts)
        + '<way id="1" version="1"><nd ref="1"/><nd ref="2"/><tag k="highway" v="footway"/></way>'
        '<way id="2" version="1"><nd ref="2"/><nd ref="3"/><tag k="waterway" v="river"/></way>'
        + "".join(ways)
        + "</osm>",
        encoding="utf-8",
    )
    data = load_osm(path)
    water = data.water.sort_values("osm_id")
    assert water["kind"].tolist() == ["water", "riverbank", "basin", "reservoir", "water"]
    assert water["name"].tolist()[0] == "Lampi" and water["name"].tolist()[-1] == "Iso järvi"
    assert water.crs == data.crs and water["water_id"].is_unique
    # a square of 0.0005 deg: 27.7 m x 55.6 m at 60.17 N
    pond = water.geometry.iloc[0].area
    assert pond == pytest.approx(27.7 * 55.6, rel=0.01)
    # the 2-degree lake is cut to the study box grown by 10 km, not 111 km x 200 km
    lake = water.geometry.iloc[-1]
    assert 0 < lake.area < (2 * 10_000 + 1_000) ** 2
    assert len(data.public_spaces) == 1  # the park is no water, the water no park


def test_extract_without_water_has_no_water_layer_written(mini_osm: Path) -> None:
    from safespaces.config import Config
    from safespaces.pipeline import base_layers
    from safespaces.study import Inputs, load_study

    study = load_study(Inputs(osm=mini_osm), Config())
    assert len(study.osm.water) == 0 and {"kind", "name"} <= set(study.osm.water.columns)
    assert "water" not in base_layers(study)
