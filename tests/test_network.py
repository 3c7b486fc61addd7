"""Cutting long edges into analysis segments."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from safespaces.network import adjacency, split_long_segments


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
