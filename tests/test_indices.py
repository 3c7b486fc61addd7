"""The composite safe-space score, checked by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces.indices import PRESETS, IndexParams, composite, safe_space_scores


def test_composite_is_the_weighted_mean_of_available_families() -> None:
    scores = pd.DataFrame(
        {
            "score_light": [100.0, 50.0, np.nan],
            "score_eyes": [0.0, 50.0, np.nan],
            "score_mix": [40.0, np.nan, np.nan],
        }
    )
    out = composite(scores, {"light": 2, "eyes": 1, "mix": 1, "incidents": 5})
    # row 0: (2*100 + 0 + 40) / 4 = 60; row 1: (2*50 + 50) / 3 = 50; row 2: nothing
    assert out["safe_space_score"].iloc[0] == pytest.approx(60.0)
    assert out["safe_space_score"].iloc[1] == pytest.approx(50.0)
    assert np.isnan(out["safe_space_score"].iloc[2])
    assert out["safe_space_parts"].tolist() == [3, 2, 0]


def test_zero_weight_drops_a_family() -> None:
    scores = pd.DataFrame({"score_light": [100.0], "score_mix": [0.0]})
    assert composite(scores, PRESETS["night walk"])["safe_space_score"].iloc[0] == 100.0


def test_segment_and_area_scores_by_hand() -> None:
    areas = gpd.GeoDataFrame(
        {"mix_entropy": [0.5, np.nan], "incidents_per_100m_eb": [1.0, 0.0]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(100, 0, 200, 100)],
        crs=3067,
    )
    segments = gpd.GeoDataFrame(
        {
            "light_lux_avg": [5.0, 2.5, 10.0],
            "light_lux_min": [0.5, 1.0, 2.0],
            "eyes_night": [80.0, 20.0, 50.0],
            "length_m": [30.0, 10.0, 50.0],
        },
        geometry=[
            shapely.LineString([(10, 50), (40, 50)]),
            shapely.LineString([(50, 50), (60, 50)]),
            shapely.LineString([(120, 50), (170, 50)]),
        ],
        crs=3067,
    )
    seg, area = safe_space_scores(segments, areas, IndexParams())
    # light: 100 * (0.5 * min(1, avg/5) + 0.5 * min(1, min/1))
    assert seg["score_light"].tolist() == pytest.approx([75.0, 75.0, 100.0])
    assert seg["score_mix"].tolist()[:2] == [50.0, 50.0] and np.isnan(seg["score_mix"].iloc[2])
    # incidents: 100 * 1 / (1 + r)
    assert seg["score_incidents"].tolist() == pytest.approx([50.0, 50.0, 100.0])
    # segment 0: (75 + 80 + 50 + 50) / 4
    assert seg["safe_space_score"].iloc[0] == pytest.approx(63.75)
    # segment 2 (no mix): (100 + 50 + 100) / 3
    assert seg["safe_space_score"].iloc[2] == pytest.approx(250 / 3)
    # area 0 eyes: length-weighted (30*80 + 10*20) / 40 = 65
    assert area["score_eyes"].iloc[0] == pytest.approx(65.0)
    assert area["score_light"].iloc[0] == pytest.approx(75.0)
    assert area["safe_space_score"].iloc[0] == pytest.approx((75 + 65 + 50 + 50) / 4)


def test_overlay_assigns_points_lines_and_polygons() -> None:
    from safespaces.overlay import area_index, sum_into_areas

    areas = gpd.GeoDataFrame(
        geometry=[shapely.box(0, 0, 10, 10), shapely.box(10, 0, 20, 10)], crs=3067
    )
    features = gpd.GeoSeries(
        [
            shapely.Point(5, 5),
            shapely.LineString([(2, 5), (18, 5), (18, 6)]),  # midpoint at x = 10.5 -> area 1
            shapely.box(11, 1, 12, 2),
            shapely.Point(50, 50),
        ],
        crs=3067,
    )
    index = area_index(features, areas)
    assert index.tolist() == [0, 1, 1, -1]
    sums = sum_into_areas(np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0], [7.0, 8.0]]), index, 2)
    assert sums.tolist() == [[1.0, 2.0], [8.0, 10.0]]
