"""The family functions on frames made elsewhere: osmnx, pyrosm, geometry alone.

Each either works (deriving what it needs) or raises the documented
MissingColumnError / CRSError naming the column or CRS and the fix, never a raw
KeyError or AttributeError. The osmnx-style graph is built by hand (no osmnx
needed); where osmnx is installed, its own reader is tried on the toy town too.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pytest
import shapely

import safespaces
from safespaces.errors import CRSError, InputError, MissingColumnError
from safespaces.eyes import analyse_eyes, node_graph, segment_flow
from safespaces.incidents import analyse_incidents
from safespaces.lighting import analyse_lighting, dark_paths, lamp_model, segment_lighting
from safespaces.mix import walking_reach
from safespaces.sources.frames import street_segments

X0, Y0 = 385_000.0, 6_672_000.0  # central Helsinki in EPSG:3067
TOYTOWN = Path(__file__).resolve().parents[1] / "data" / "toytown.osm"


def square_lines() -> list[shapely.LineString]:
    """Four 100 m streets round a block, as in the toy town."""
    corners = [(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)]
    return [shapely.LineString([corners[i], corners[(i + 1) % 4]]) for i in range(4)]


def geometry_only() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(geometry=square_lines(), crs="EPSG:3067")


def osmnx_graph() -> nx.MultiDiGraph:
    """An osmnx-like graph: node x/y, both directions of each two-way street, edge
    ``geometry`` on one street only and lists where osmnx merged tags."""
    g = nx.MultiDiGraph(crs="EPSG:3067")
    for node, (x, y) in enumerate([(X0, Y0), (X0 + 100, Y0), (X0 + 100, Y0 + 100), (X0, Y0 + 100)]):
        g.add_node(node + 1, x=x, y=y)
    for u, v, data in [
        (1, 2, {"highway": "residential", "osmid": 11, "lit": "yes"}),
        (2, 3, {"highway": ["residential", "footway"], "osmid": [12, 13], "lit": "no"}),
        (3, 4, {"highway": "footway", "osmid": 14}),
        (4, 1, {"highway": "footway", "osmid": 15, "length": 1.0}),
    ]:
        g.add_edge(u, v, **data)
        g.add_edge(v, u, **data, reversed=True)
    return g


def buildings() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"building": ["apartments"], "building:levels": ["6"]},
        geometry=[shapely.box(X0 + 30, Y0 + 8, X0 + 70, Y0 + 20)],
        crs="EPSG:3067",
    )


def premises() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"amenity": ["bar", "bench"], "opening_hours": ["Mo-Su 16:00-02:00", None]},
        geometry=[shapely.Point(X0 + 50, Y0 + 6), shapely.Point(X0 + 20, Y0 + 2)],
        crs="EPSG:3067",
    )


def lamps() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"light:height": ["6", None]},
        geometry=[shapely.Point(X0 + 50, Y0 + 2), shapely.Point(X0 + 100, Y0 + 50)],
        crs="EPSG:3067",
    )


# --- the adapter ---------------------------------------------------------------------------


def test_from_osmnx_keeps_one_segment_per_street_with_its_tags() -> None:
    segments = safespaces.from_osmnx(osmnx_graph())
    assert len(segments) == 4  # the reversed copies are dropped
    assert segments.crs == "EPSG:3067"
    assert segments["length_m"].to_numpy() == pytest.approx([100.0] * 4)  # not osmnx's 1.0
    by_way = segments.set_index("osm_way_id")
    # lists (merged tags) reduced to their first item
    assert by_way["highway"].to_dict() == {
        11: "residential",
        12: "residential",
        14: "footway",
        15: "footway",
    }
    assert by_way["lit_tag"].loc[[11, 12]].tolist() == ["yes", "no"]
    assert by_way["lit_tag"].loc[[14, 15]].isna().all()
    assert segments["segment_id"].tolist() == [0, 1, 2, 3]
    ends = {frozenset(pair) for pair in zip(segments["u"], segments["v"], strict=True)}
    assert ends == {frozenset(p) for p in [(1, 2), (2, 3), (3, 4), (4, 1)]}


def test_from_osmnx_in_degrees_is_projected_to_utm() -> None:
    g = nx.MultiDiGraph(crs="epsg:4326")
    g.add_node(1, x=24.9400, y=60.1700)
    g.add_node(2, x=24.9418, y=60.1700)  # 0.0018 degrees east at 60.17 N: ~100 m
    g.add_edge(1, 2, highway="footway")
    segments = safespaces.from_osmnx(g)
    assert segments.crs.to_epsg() == 32635
    assert segments["length_m"].iloc[0] == pytest.approx(
        0.0018 * 111_320 * np.cos(np.radians(60.17)), rel=0.01
    )


def test_from_osmnx_names_a_node_without_coordinates() -> None:
    g = nx.MultiDiGraph(crs="EPSG:3067")
    g.add_node(1, x=X0, y=Y0)
    g.add_node(2)
    g.add_edge(1, 2)
    with pytest.raises(InputError, match="node 2 has no 'x'/'y'"):
        safespaces.from_osmnx(g)
    with pytest.raises(InputError, match="no edges"):
        safespaces.from_osmnx(nx.MultiDiGraph())


@pytest.mark.skipif(importlib.util.find_spec("osmnx") is None, reason="osmnx not installed")
def test_osmnx_reader_on_the_toy_town() -> None:
    """osmnx's own graph of tests/data/toytown.osm (its four 100 m streets) goes through the
    adapter and the families."""
    import osmnx

    graph = osmnx.graph_from_xml(TOYTOWN, simplify=False, retain_all=False)
    segments = safespaces.from_osmnx(graph)
    streets = segments[segments["highway"].notna()]
    assert len(streets) == 4
    assert streets["length_m"].to_numpy() == pytest.approx([100.0] * 4, abs=0.05)
    lit = analyse_lighting(streets, None).segments
    assert set(lit["light_class"]) == {"no lamp data"}
    flow = segment_flow(streets, (400,))[400]
    # a square: every street alike (to the centimetres of the file's rounded coordinates)
    assert np.ptp(flow) == pytest.approx(0.0, abs=0.01)
    edges = osmnx.graph_to_gdfs(osmnx.project_graph(graph), nodes=False)
    derived = street_segments(edges)  # u, v from osmnx's index
    assert derived["u"].tolist() == edges.index.get_level_values("u").tolist()


# --- lighting ------------------------------------------------------------------------------


def test_lighting_on_geometry_only_segments_and_osm_tagged_lamps() -> None:
    result = analyse_lighting(geometry_only(), lamps())
    assert result.segments["segment_id"].tolist() == [0, 1, 2, 3]
    modelled = result.lamps.sort_values("light_height_m")
    assert modelled["light_height_m"].tolist() == [6.0, 8.0]  # tagged 6 m; street default
    assert result.segments["light_lux_avg"].iloc[0] > 0
    direct = segment_lighting(geometry_only(), lamps())
    assert direct["light_lux_avg"].to_numpy() == pytest.approx(
        result.segments["light_lux_avg"].to_numpy()
    )


def test_lighting_reads_pyrosm_lit_and_refuses_degrees() -> None:
    pyrosm_like = gpd.GeoDataFrame(
        {"id": [1, 2, 3, 4], "highway": ["footway"] * 4, "lit": ["yes", "no", None, "yes"]},
        geometry=square_lines(),
        crs="EPSG:3067",
    ).to_crs(4326)
    with pytest.raises(CRSError, match=r"street segments are in EPSG:4326 .*estimate_utm_crs"):
        analyse_lighting(pyrosm_like, None)
    projected = pyrosm_like.to_crs(3067)
    result = analyse_lighting(projected, None)
    assert result.segments["lit_tag"].tolist()[:2] == ["yes", "no"]
    # tagged lit, no lamp mapped: the lux is not guessed
    assert result.segments["light_class"].iloc[0] in ("lit, lamps not mapped", "no lamp data")


def test_parks_from_osm_tags_and_the_missing_kind() -> None:
    park = gpd.GeoDataFrame(
        {"leisure": ["park"]},
        geometry=[shapely.box(X0 - 10, Y0 - 10, X0 + 110, Y0 + 10)],
        crs="EPSG:3067",
    )
    dark = dark_paths(park, geometry_only(), None)
    assert len(dark) >= 1 and set(dark["space_kind"]) == {"park"}
    with pytest.raises(MissingColumnError, match="'kind'.*leisure") as caught:
        dark_paths(park.drop(columns="leisure"), geometry_only(), None)
    assert caught.value.column == "kind"
    assert isinstance(caught.value, KeyError)


def test_lamp_model_on_plain_points_needs_no_source_column() -> None:
    model = lamp_model(lamps(), geometry_only())
    assert model["light_source_of_values"].tolist() == ["osm tag", "default:street"]


# --- eyes on the street --------------------------------------------------------------------


def test_eyes_on_geometry_only_segments_without_entrances() -> None:
    result = analyse_eyes(geometry_only(), buildings(), premises(), None)
    seg = result.segments
    assert {"u", "v", "length_m", "eyes_night"} <= set(seg.columns)
    south = seg.iloc[0]  # the street the block and the bar face
    assert south["eyes_frontage_share"] == pytest.approx(0.4)  # 40 m of 100 m
    assert south["eyes_premises"] == 1  # the bench is not premises
    assert south["eyes_residents"] > 0  # estimated from 6 levels of apartments
    assert seg["eyes_premises"].iloc[1:].sum() == 0


def test_eyes_without_buildings_or_premises_and_with_osmnx_edges() -> None:
    alone = analyse_eyes(safespaces.from_osmnx(osmnx_graph()), None)
    assert (alone.segments["eyes_residents"] == 0).all()
    assert alone.segments["eyes_night"].between(0, 100).all()


def test_eyes_names_a_missing_category() -> None:
    shops = gpd.GeoDataFrame(geometry=[shapely.Point(X0 + 5, Y0 + 5)], crs="EPSG:3067")
    with pytest.raises(MissingColumnError, match="premises lack the column 'category'") as caught:
        analyse_eyes(geometry_only(), None, shops)
    assert "osmnx.features_from_place" in str(caught.value)


def test_node_graph_from_line_ends() -> None:
    graph = node_graph(geometry_only())
    assert graph.matrix.shape == (4, 4)  # four corners, the ends shared
    assert graph.length.tolist() == [100.0] * 4


def test_multilinestring_pieces_are_refused_with_the_fix() -> None:
    parts = shapely.MultiLineString([[(X0, Y0), (X0 + 10, Y0)], [(X0 + 50, Y0), (X0 + 60, Y0)]])
    frame = gpd.GeoDataFrame(geometry=[parts], crs="EPSG:3067")
    with pytest.raises(InputError, match="explode"):
        segment_flow(frame, (400,))


def test_points_are_not_segments() -> None:
    frame = gpd.GeoDataFrame(geometry=[shapely.Point(X0, Y0)], crs="EPSG:3067")
    with pytest.raises(InputError, match="must be lines; row 0 is a Point"):
        node_graph(frame)
    with pytest.raises(InputError, match="GeoDataFrame, not DataFrame"):
        node_graph(pd.DataFrame({"x": [1]}))


# --- mix and incidents ---------------------------------------------------------------------


def test_walking_reach_on_geometry_only_segments() -> None:
    homes = gpd.GeoDataFrame(
        geometry=[shapely.Point(X0, Y0 - 5), shapely.Point(X0 + 100, Y0 + 105)], crs="EPSG:3067"
    )
    reach = walking_reach(geometry_only(), homes, [150.0, 250.0])
    # opposite corners: 5 + 200 + 5 m along the streets
    assert reach[150.0].toarray().tolist() == [[1, 0], [0, 1]]
    assert reach[250.0].toarray().tolist() == [[1, 1], [1, 1]]


def test_incidents_as_a_plain_geodataframe() -> None:
    """Points with a time column and no hour_known / category are read as a file would be:
    the bad row is dropped and counted."""
    reports = gpd.GeoDataFrame(
        {"occurred_at": ["2025-03-01T23:00:00+02:00"] * 6 + ["not a time"]},
        geometry=[shapely.Point(X0 + 10 + 10 * i, Y0 + 1) for i in range(7)],
        crs="EPSG:3067",
    ).to_crs(4326)
    result = analyse_incidents(reports, geometry_only())
    summary = result.summary()
    assert summary["in study area"] == 6
    assert summary["dropped"]["bad_time"] == 1
    assert int(result.areas["incidents_count"].sum()) == 6


# --- the offline map -----------------------------------------------------------------------


def test_explore_escapes_text_and_draws_points_as_circles() -> None:
    """Names from OSM or uploads reach the page as text, never markup; points are circles
    (Leaflet's default marker would fetch its image); no asset comes from a server."""
    import re

    from safespaces.explore import explore

    points = gpd.GeoDataFrame(
        {"light_context": ["street", "park_path"], "name": ["<img src=x onerror=alert(1)>", "b"]},
        geometry=[shapely.Point(X0, Y0), shapely.Point(X0 + 50, Y0)],
        crs="EPSG:3067",
    )
    page = explore(points, "lamps").get_root().render()
    assert "<img src=x" not in page
    assert "L.CircleMarker" in page or "CircleMarker(" in page
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("data:") for s in sources)
    # the catalogue's lamp colours (by light_context) make the legend
    assert "light_context" in page
