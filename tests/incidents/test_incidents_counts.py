"""Counting, snapping, suppression and rates on hand-made points."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

from safespaces.incidents.counts import (
    TOTAL,
    count_by_unit,
    count_groups,
    published_counts,
    snap_to_segments,
    suppression_mask,
)
from safespaces.incidents.rates import crude_rate, eb_rates, poisson_ci

CRS = "EPSG:3067"


def _segments() -> gpd.GeoDataFrame:
    # Two parallel 100 m streets 100 m apart: y = 0 and y = 100.
    return gpd.GeoDataFrame(
        {"segment_id": [10, 20], "length_m": [100.0, 100.0]},
        geometry=[
            shapely.LineString([(0, 0), (100, 0)]),
            shapely.LineString([(0, 100), (100, 100)]),
        ],
        crs=CRS,
    )


def test_snap_nearest_within_distance() -> None:
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy([50, 50, 50, 50], [5, 95, 50, -40]), crs=CRS)
    snap = snap_to_segments(pts, _segments(), 30.0)
    # 5 m from street 10; 5 m from street 20; 50 m from both (too far); 40 m (too far).
    assert snap["segment_id"].tolist() == [10, 20, pd.NA, pd.NA]
    assert snap["snap_distance_m"].iloc[:2].tolist() == pytest.approx([5.0, 5.0])
    wide = snap_to_segments(pts, _segments(), 60.0)
    assert wide["segment_id"].tolist() == [10, 20, 10, 10]  # the tie at y = 50 goes to the first


def test_count_by_unit_windows_and_categories() -> None:
    unit = pd.Series(pd.array([1, 1, 1, 2, pd.NA], dtype="Int64"))
    windows = pd.DataFrame(
        {
            "window_light": ["night", "night", "unknown", "day", "day"],
            "window_week": ["weekend", "weekday", "weekday", "weekday", "weekday"],
            "window_month": ["01", "01", "02", "12", "12"],
        }
    )
    category = pd.Series(["theft", "Hate crime", "theft", "theft", "theft"])
    cats = ["Hate crime", "theft"]
    counts = count_by_unit(unit, windows, category, pd.Index([1, 2, 3]), cats)
    assert counts[TOTAL].tolist() == [3, 1, 0]
    assert counts["incidents_night"].tolist() == [2, 0, 0]
    assert counts["incidents_hour_unknown"].tolist() == [1, 0, 0]
    assert counts["incidents_weekend"].tolist() == [1, 0, 0]
    assert counts["incidents_month_12"].tolist() == [0, 1, 0]
    assert counts["incidents_cat_hate_crime"].tolist() == [1, 0, 0]
    assert counts["incidents_cat_theft"].tolist() == [2, 1, 0]
    for cols in count_groups(cats).values():  # every breakdown adds up to the total
        assert (counts[cols].sum(axis=1) == counts[TOTAL]).all()


@pytest.mark.parametrize(("value", "suppressed"), [(0, False), (1, True), (4, True), (5, False)])
def test_suppression_at_k_minus_1_and_k(value: int, suppressed: bool) -> None:
    counts = pd.DataFrame({TOTAL: [value, 50, 60]})
    mask = suppression_mask(counts, {}, k=5, secondary=False)
    assert bool(mask[TOTAL].iloc[0]) is suppressed
    pub = published_counts(counts, mask)
    assert pd.isna(pub[TOTAL].iloc[0]) is suppressed
    assert bool(pub["incidents_suppressed"].iloc[0]) is suppressed


def test_publish_zero_false_suppresses_zero() -> None:
    counts = pd.DataFrame({TOTAL: [0, 50]})
    mask = suppression_mask(counts, {}, k=5, publish_zero=False, secondary=False)
    assert mask[TOTAL].tolist() == [True, False]


def test_complementary_suppression_protects_breakdowns() -> None:
    # Unit A: total 20 = day 17 + night 3. Night (3) is suppressed; without a second cell
    # night = total - day = 3 could be derived, so day is suppressed too.
    # Unit B: total 3 is suppressed, so every breakdown cell of B is suppressed.
    # Column totals are published, so B's total alone would be derivable: the smallest
    # other published total (A's 20) is suppressed too, and with it all of A.
    # Column night then hides A's 3 and B's 1 (sum 4 < k): C's night (6) is added, and
    # within C the day cell follows (else day = total - night would reveal it).
    counts = pd.DataFrame(
        {
            TOTAL: [20, 3, 30, 40],
            "incidents_day": [17, 2, 24, 33],
            "incidents_night": [3, 1, 6, 7],
        },
        index=["A", "B", "C", "D"],
    )
    groups = {"light": ["incidents_day", "incidents_night"]}
    mask = suppression_mask(counts, groups, k=5)
    assert list(mask.loc["A"]) == [True, True, True]
    assert list(mask.loc["B"]) == [True, True, True]
    assert list(mask.loc["C"]) == [False, True, True]
    assert list(mask.loc["D"]) == [False, False, False]
    # Each table (a unit's breakdown, or a column whose sum is published) has no hidden
    # cell, or at least two whose sum is at least k: subtraction recovers no count.
    for col in counts.columns:
        hidden = counts.loc[mask[col], col]
        assert len(hidden) == 0 or (len(hidden) >= 2 and hidden.sum() >= 5)
    for unit in counts.index:
        cells = ["incidents_day", "incidents_night"]
        if not mask.loc[unit, TOTAL]:
            hidden = counts.loc[unit, cells][mask.loc[unit, cells]]
            assert len(hidden) == 0 or (len(hidden) >= 2 and hidden.sum() >= 5)


def test_secondary_only_within_its_unit() -> None:
    # A published total with one small sub-count: the sibling cell is hidden as well.
    counts = pd.DataFrame(
        {TOTAL: [20, 25, 30], "incidents_day": [17, 25, 28], "incidents_night": [3, 0, 2]}
    )
    mask = suppression_mask(counts, {"light": ["incidents_day", "incidents_night"]}, k=5)
    assert not mask[TOTAL].any()
    assert mask["incidents_night"].tolist() == [True, False, True]
    assert mask["incidents_day"].tolist() == [True, False, True]


def test_crude_rate_and_zero_exposure() -> None:
    assert crude_rate([3, 1], [150.0, 0.0], 100.0)[0] == pytest.approx(2.0)
    assert np.isnan(crude_rate([3, 1], [150.0, 0.0], 100.0)[1])


def test_eb_matches_hand_calculation() -> None:
    # Counts y = (10, 0, 5, 30), exposures n = (100, 50, 200, 150) m, rates per 100 m.
    # m = 45 / 500 = 0.09 per m.
    # r = (0.1, 0, 0.025, 0.2); n (r - m)^2 = (0.01, 0.405, 0.845, 1.815) -> sum 3.075
    # s2 = 3.075 / 500 = 0.00615; n_bar = 125; m / n_bar = 0.00072; A = 0.00543
    # w = A / (A + m / n) = (0.00543 / 0.00633, 0.00543 / 0.00723, 0.00543 / 0.00588,
    #                        0.00543 / 0.00603)
    y = np.array([10.0, 0.0, 5.0, 30.0])
    n = np.array([100.0, 50.0, 200.0, 150.0])
    a = 0.00615 - 0.00072
    w = a / (a + 0.09 / n)
    expected = 100 * (w * y / n + (1 - w) * 0.09)
    eb, prior = eb_rates(y, n, np.ones(4, bool), 100.0)
    assert eb == pytest.approx(expected, rel=1e-9)
    assert prior["m"] == pytest.approx(9.0)
    assert prior["A"] == pytest.approx(1e4 * a)
    # Small exposure shrinks most: unit 1 (50 m, 0 incidents) moves furthest from its crude 0.
    assert eb[1] > 0
    assert w[1] < w[0] < w[2]


def test_eb_suppressed_unit_is_null_and_prior_uses_published() -> None:
    y = np.array([10.0, 2.0, 5.0, 30.0])
    n = np.array([100.0, 50.0, 200.0, 150.0])
    published = np.array([True, False, True, True])
    eb, _ = eb_rates(y, n, published, 100.0)
    assert np.isnan(eb[1])
    eb_other, _ = eb_rates(np.array([10.0, 4.0, 5.0, 30.0]) - [0, 0, 0, 2], n, published, 100.0)
    assert np.isfinite(eb_other[[0, 2, 3]]).all()


def test_poisson_ci_garwood() -> None:
    # Tabulated exact 95 % limits: y = 0 -> (0, 3.689); y = 10 -> (4.795, 18.39).
    low, high = poisson_ci([0, 10])
    assert low == pytest.approx([0.0, 4.795], abs=1e-3)
    assert high == pytest.approx([3.689, 18.39], abs=1e-2)
