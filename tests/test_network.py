"""Cutting long edges into analysis segments."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely

from safespaces.errors import InputError
from safespaces.network import adjacency, segment_budget, split_long_segments


def frame(lines: list[shapely.LineString]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "u": np.arange(len(lines)) * 10 + 1,
            "v": np.arange(len(lines)) * 10 + 2,
            "name": ["a"] * len(lines),
        },
        geometry=lines,
        crs=3067,
    )


def test_long_edge_is_cut_into_equal_pieces() -> None:
    # an L-shaped 120 m edge (80 m east, then 40 m north) -> 3 pieces of 40 m
    segs = frame(
        [shapely.LineString([(0, 0), (80, 0), (80, 40)]), shapely.LineString([(0, 0), (0, -30)])]
    )
    out = split_long_segments(segs, 50)
    assert len(out) == 4
    assert np.allclose(out["length_m"], [40, 40, 40, 30])
    first, second, third = out.geometry.iloc[:3]
    assert shapely.get_coordinates(first).tolist() == [[0, 0], [40, 0]]
    assert shapely.get_coordinates(second).tolist() == [[40, 0], [80, 0]]
    assert shapely.get_coordinates(third).tolist() == [[80, 0], [80, 40]]
    # the original end nodes stay; the cut points get new negative ids shared by neighbours
    assert out["u"].tolist()[:3] == [1, -1, -2] and out["v"].tolist()[:3] == [-1, -2, 2]
    assert out["segment_id"].tolist() == [0, 1, 2, 3]
    assert out["name"].eq("a").all()


def test_no_cut_keeps_the_frame() -> None:
    segs = frame([shapely.LineString([(0, 0), (10, 0)])])
    assert split_long_segments(segs, 50) is segs
    assert split_long_segments(segs, 0) is segs


def test_adjacency_is_symmetric_and_weighted() -> None:
    segs = frame([shapely.LineString([(0, 0), (10, 0)])])
    segs["length_m"] = segs.length
    adj = adjacency(segs)
    assert adj.shape == (2, 2)
    assert adj[0, 1] == adj[1, 0] == 10.0


def test_tiny_max_segment_is_refused_before_allocating() -> None:
    # 1 km of street at 1 mm would be 1,000,000 pieces: over the 100,000 a small network gets
    segs = frame([shapely.LineString([(0, 0), (1000, 0)])])
    with pytest.raises(InputError, match=r"network.max_segment_m = 0.001 m would cut") as info:
        split_long_segments(segs, 0.001)
    assert "1,000,000 segments, more than the 100,000 allowed" in str(info.value)
    assert "set network.max_segment_m to 1 m or more" in str(info.value)
    # a denormal length cannot overflow the count into a negative number
    with pytest.raises(InputError, match="about 1.0e\\+303 segments"):
        split_long_segments(segs, 1e-300)


@pytest.mark.parametrize("value", [float("nan"), "50", None])
def test_max_segment_not_a_number(value: object) -> None:
    segs = frame([shapely.LineString([(0, 0), (100, 0)])])
    with pytest.raises(InputError, match="not a number"):
        split_long_segments(segs, value)  # type: ignore[arg-type]


def test_infinite_max_segment_keeps_whole_edges() -> None:
    segs = frame([shapely.LineString([(0, 0), (100, 0)])])
    assert split_long_segments(segs, float("inf")) is segs


def test_segment_budget_grows_with_the_network(monkeypatch: pytest.MonkeyPatch) -> None:
    assert segment_budget(10) == 100_000
    assert segment_budget(50_000) == 1_000_000  # 20 per edge
    assert segment_budget(10**6) == 2_000_000  # the absolute cap
    monkeypatch.setenv("SAFESPACES_MAX_SEGMENTS", "5")
    assert segment_budget(10) == 5
    segs = frame([shapely.LineString([(0, 0), (100, 0)])])
    with pytest.raises(InputError, match="more than the 5 allowed"):
        split_long_segments(segs, 10, path="city.osm.pbf")


def test_cut_points_stay_apart_from_negative_osm_ids() -> None:
    # a JOSM file: the edge's own nodes are -1 and -2; cut points must not reuse them
    segs = frame([shapely.LineString([(0, 0), (150, 0)])])
    segs["u"], segs["v"] = [-1], [-2]
    out = split_long_segments(segs, 50)
    assert out["u"].tolist() == [-1, -3, -4] and out["v"].tolist() == [-3, -4, -2]
