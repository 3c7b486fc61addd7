"""Category columns, the joint suppression of all incident tables, unknown rates and Gi* memory.

The end-to-end privacy proofs (the published GeoPackage as a linear system) are in
``tests/reliability/test_rel_privacy.py``.
"""

from __future__ import annotations

import tracemalloc

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse

from safespaces.errors import ConfigError
from safespaces.incidents.analysis import analyse_incidents
from safespaces.incidents.counts import (
    TOTAL,
    CategoryPlan,
    count_by_unit,
    count_groups,
    distinct_slugs,
    plan_categories,
)
from safespaces.incidents.environment import count_model, score_relations
from safespaces.incidents.hotspots import permutation_p
from safespaces.incidents.params import MAX_CATEGORIES, IncidentParams
from safespaces.incidents.suppression import CellSystem
from safespaces.indices import IndexParams, safe_space_scores, scored_families

X0, Y0 = 385000.0, 6672000.0


# --- category columns -----------------------------------------------------------------------


def test_colliding_labels_get_distinct_slugs_in_any_input_order() -> None:
    labels = ["hate-crime", "Hate crime", "HATE CRIME", "Theft"]
    slugs = distinct_slugs(labels)
    assert slugs == {
        "HATE CRIME": "hate_crime",
        "Hate crime": "hate_crime_2",
        "Theft": "theft",
        "hate-crime": "hate_crime_3",
    }
    assert distinct_slugs(list(reversed(labels))) == slugs


def test_a_slug_never_names_another_columns_flag() -> None:
    slugs = distinct_slugs(["Theft", "Theft suppressed", "theft_suppressed_2"])
    assert slugs["Theft"] == "theft"
    assert not any(s.endswith("_suppressed") for s in slugs.values())
    assert len(set(slugs.values())) == 3


def test_accents_dropped_and_non_latin_labels_numbered() -> None:
    slugs = distinct_slugs(["Häirintä", "Хулиганство", "骚扰"])
    assert slugs == {"Häirintä": "hairinta", "Хулиганство": "category", "骚扰": "category_2"}


def test_top_n_categories_with_at_least_k_and_the_rest_as_other() -> None:
    labels = pd.Series(
        [f"c{i:02d}" for i in range(25) for _ in range(6 + (i < 3))]  # 25 with >= k
        + ["rare a", "rare b", "rare b"]  # fewer than k = 5
    )
    plan = plan_categories(labels, max_categories=20, k_min=5)
    own = [s for s in plan.slugs if s != plan.other]
    assert len(own) == 20 and plan.other == "other"
    assert {"c00", "c01", "c02"} <= set(own)  # the most frequent (7 each) are kept
    assert "c24" not in own and plan.column["c24"] == "other"  # ties go by label
    assert plan.column["rare a"] == plan.column["rare b"] == "other"
    assert plan.merged == 7  # c20..c24 (beyond the top 20) and the two rare ones
    cols = plan.metadata(20, 5)["columns"]
    assert cols["incidents_cat_other"] == "7 other categories"
    assert "rare a" not in str(plan.metadata(20, 5))  # rare labels are not published


def test_user_category_named_other_keeps_its_own_column() -> None:
    labels = pd.Series(["Other"] * 6 + ["theft"] * 6 + ["rare"])
    plan = plan_categories(labels, max_categories=20, k_min=5)
    assert plan.column["Other"] == "other"
    assert plan.other == "other_2" and plan.column["rare"] == "other_2"


def test_counts_by_plan_add_up_to_the_total() -> None:
    labels = pd.Series(["a"] * 6 + ["b"] * 5 + ["c", "d"])
    plan = plan_categories(labels, max_categories=1, k_min=5)
    unit = pd.Series(pd.array([1] * 7 + [2] * 6, dtype="Int64"))
    windows = pd.DataFrame(
        {"window_light": "day", "window_week": "weekday", "window_month": "01"}, index=unit.index
    )
    counts = count_by_unit(unit, windows, labels, pd.Index([1, 2, 3]), plan)
    cats = count_groups(plan)["category"]
    assert cats == ["incidents_cat_a", "incidents_cat_other"]
    assert (counts[cats].sum(axis=1) == counts[TOTAL]).all()
    assert counts["incidents_cat_other"].tolist() == [1, 6, 0]


def _grid_areas(n: int = 3, size: float = 300.0) -> gpd.GeoDataFrame:
    boxes = [
        shapely.box(X0 + i * size, Y0 + j * size, X0 + (i + 1) * size, Y0 + (j + 1) * size)
        for i in range(n)
        for j in range(n)
    ]
    return gpd.GeoDataFrame(
        {"area_id": np.arange(n * n), "name": [f"a{i}" for i in range(n * n)]},
        geometry=boxes,
        crs=3067,
    )


def _points(xy: np.ndarray, categories: list[str], seed: int = 0) -> gpd.GeoDataFrame:
    rng = np.random.default_rng(seed)
    n = len(xy)
    times = pd.Timestamp("2025-03-01 12:00", tz="Europe/Helsinki") + pd.to_timedelta(
        rng.integers(0, 200 * 24 * 60, n), unit="min"
    )
    return gpd.GeoDataFrame(
        {"time": times, "hour_known": np.ones(n, bool), "category": categories},
        geometry=gpd.points_from_xy(xy[:, 0], xy[:, 1]),
        crs=3067,
    )


def test_3000_categories_give_at_most_max_categories_columns() -> None:
    rng = np.random.default_rng(3)
    categories = [f"type {i:04d}" for i in range(30) for _ in range(6)]
    categories += [f"type {i:04d}" for i in range(30, 3000)]
    xy = np.column_stack(
        [X0 + rng.uniform(10, 890, len(categories)), Y0 + rng.uniform(10, 890, len(categories))]
    )
    params = IncidentParams(hotspot_permutations=0)
    result = analyse_incidents(_points(xy, categories), areas=_grid_areas(), params=params)
    counts = [
        c
        for c in result.areas.columns
        if c.startswith("incidents_cat_") and not c.endswith("_suppressed")
    ]
    assert len(counts) == params.max_categories + 1
    assert "incidents_cat_other" in counts
    assert result.summary()["categories"] == {
        "total": 3000,
        "with a column": 20,
        "counted in other": 2980,
    }
    assert len(result.metadata()["incidents_categories"]["columns"]) == 21
    # SQLite refuses tables of more than 2,000 columns: the layer stays far below
    assert len(result.areas.columns) < 200


@pytest.mark.parametrize("value", [-1, MAX_CATEGORIES + 1, 3000])
def test_max_categories_out_of_range_is_refused(value: int) -> None:
    xy = np.array([[X0 + 100, Y0 + 100]])
    with pytest.raises(ConfigError, match=r"incidents\.max_categories.*Fix:"):
        analyse_incidents(
            _points(xy, ["a"]),
            areas=_grid_areas(),
            params=IncidentParams(max_categories=value),
        )


# --- no incidents, few incidents ------------------------------------------------------------


def _segments() -> gpd.GeoDataFrame:
    lines = [shapely.LineString([(X0 + 10, Y0 + y), (X0 + 890, Y0 + y)]) for y in (150, 450, 750)]
    return gpd.GeoDataFrame(
        {
            "segment_id": [1, 2, 3],
            "length_m": [880.0] * 3,
            "light_lux_avg": [6.0, 2.0, 1.0],
            "light_lux_min": [1.2, 0.5, 0.1],
            "eyes_night": [40.0, 20.0, 5.0],
        },
        geometry=lines,
        crs=3067,
    )


def test_no_incident_in_the_study_area_makes_rates_and_score_unknown() -> None:
    outside = np.array([[X0 + 5000, Y0 + 5000], [X0 + 5100, Y0 + 5000]])
    result = analyse_incidents(
        _points(outside, ["theft", "theft"]),
        _segments(),
        _grid_areas(),
        IncidentParams(hotspot_permutations=0),
    )
    assert result.density is None
    reason = result.summary()["incident rates"]
    assert "no incident falls in the study area (2 outside it)" in reason
    for column in ("incidents_per_100m", "incidents_per_100m_eb"):
        assert result.areas[column].isna().all()
        assert result.segments is not None and result.segments[column].isna().all()
    assert (result.areas["incidents_count"] == 0).all()  # the counts are true zeros
    seg_scores, area_scores = safe_space_scores(result.segments, result.areas, IndexParams())
    assert seg_scores["score_incidents"].isna().all()  # not a perfect 100
    # the composite is the mean of the families that do have a value
    expected = seg_scores[["score_light", "score_eyes"]].mean(axis=1)
    assert seg_scores["safe_space_score"].to_numpy() == pytest.approx(expected.to_numpy())
    families, unknown = scored_families(seg_scores)
    assert families == ["light", "eyes"] and "incidents" in unknown


def test_fewer_than_k_in_the_study_withholds_totals_and_hotspots() -> None:
    xy = np.array([[X0 + 100, Y0 + 150], [X0 + 120, Y0 + 150], [X0 + 700, Y0 + 450]])
    result = analyse_incidents(
        _points(xy, ["theft"] * 3), _segments(), _grid_areas(), IncidentParams()
    )
    s = result.summary()
    assert s["in study area"] is None and s["incidents read"] is None
    assert all(v is None for v in s["by light window"].values())
    assert s["categories"] is None and s["hot spots (FDR)"] is None
    assert "fewer than k" in s["hotspot analysis"]
    assert result.hotspots["hotspot_gi_z"].isna().all()
    assert result.environment["incidents"].isna().all()


# --- joint suppression ------------------------------------------------------------------------


def test_light_windows_of_a_published_total_get_a_complement() -> None:
    # the example: total 10 = day 9 + evening 1; hiding evening alone would not do
    system = CellSystem()
    total = system.add_cells([10])
    windows = system.add_cells([9, 1, 0, 0])
    system.add_sums(windows[None, :], total)
    hidden = system.suppress(k=5)
    assert hidden[windows].tolist() == [True, True, False, False]
    assert not hidden[total[0]]


def _cross_classified() -> tuple[CellSystem, dict[str, np.ndarray]]:
    """Four street totals in two partitions whose group sums are published (as the
    environment table's quintiles and light classes), and their study total."""
    system = CellSystem()
    t = system.add_cells([2, 5, 6, 7])
    e = system.add_cells([2, 11, 7])  # partition 1: {t0}, {t1, t2}, {t3}
    system.add_sums([[t[0], -1], [t[1], t[2]], [t[3], -1]], e)
    system.add_sums([t], None, 20.0)  # the study total, always published here
    return system, {"t": t, "e": e}


def test_greedy_alone_leaves_a_cross_classified_cell_pinned_and_the_audit_repairs_it() -> None:
    system, ids = _cross_classified()
    greedy = system.suppress(k=5, audit=False)
    assert greedy[ids["e"][0]]  # hidden, yet e0 = 20 - 11 - 7 = 2
    assert list(system.unprotected(greedy, k=5)) == [ids["t"][0], ids["e"][0]]
    audited = system.suppress(k=5)
    assert system.unprotected_cells == 0
    assert len(system.unprotected(audited, k=5)) == 0
    assert audited[ids["t"][3]] and audited[ids["e"][2]]


def test_suppression_is_deterministic() -> None:
    a, _ = _cross_classified()
    b, _ = _cross_classified()
    assert (a.suppress(k=5) == b.suppress(k=5)).all()


def test_the_count_models_coefficients_are_weighted_sums_of_the_counts() -> None:
    # the score equations: every published coefficient tells a weighted sum of the counts
    rng = np.random.default_rng(4)
    n = 400
    segments = pd.DataFrame(
        {
            "length_m": rng.uniform(10, 60, n),
            "eyes_night": rng.uniform(0, 60, n),
            "light_class": rng.choice(["P4", "P5", "unlit"], n, p=[0.5, 0.4, 0.1]),
        }
    )
    y = rng.poisson(0.2 + segments["eyes_night"].to_numpy() / 30).astype(float)
    columns = ["eyes_night", "light_class"]
    model, info = count_model(segments, y, columns)
    relations = score_relations(segments, y, columns, model, info)
    assert relations.rows.shape == (len(model), n)
    residual = relations.rows @ y - relations.values
    assert (np.abs(residual) <= relations.tolerance).all()
    # a different count on one segment breaks them: they carry information about counts
    y2 = y.copy()
    y2[np.argmax(np.abs(relations.rows.toarray()).sum(axis=0))] += 3
    assert (np.abs(relations.rows @ y2 - relations.values) > relations.tolerance).any()


# --- Gi* permutations -------------------------------------------------------------------------


@pytest.mark.parametrize("permutations", [99, 199_999])
def test_permutation_memory_does_not_grow_with_the_permutations(permutations: int) -> None:
    n = 60
    w = sparse.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1], format="csr")
    y = np.random.default_rng(0).poisson(3.0, n).astype(float)
    tracemalloc.start()
    p = permutation_p(y, w, permutations=permutations, seed=1)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert np.isfinite(p).all() and (p > 0).all() and (p <= 1).all()  # two-sided
    assert (p < 0.5).any() and (p > 0.5).any()
    # the earlier code held permutations x units x neighbours (190 MB at 199,999 here)
    assert peak < 64e6


def test_category_plan_of_labels_is_one_column_each() -> None:
    plan = CategoryPlan.of(["b", "a", "A"])
    assert plan.slugs == ("a", "a_2", "b")
    assert plan.other is None and plan.merged == 0
