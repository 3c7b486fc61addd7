"""Snap incidents to streets, count them per unit and window, and suppress small counts.

Suppression rules (``docs/incidents.md`` explains them):

1. Primary: a count from 1 to ``k - 1`` is NULL with its flag set (0 too when
   ``publish_zero`` is False).
2. A unit whose total is suppressed has every breakdown cell suppressed.
3. Secondary (complementary) suppression: each breakdown of a published total
   (light windows, week part, months, categories of one unit) and each column
   (whose sum over units is published in the summary) with a suppressed cell
   gets further cells suppressed, smallest positive first, until it has at
   least two suppressed cells whose hidden sum is at least ``k``. Then no
   suppressed cell can be recovered by subtraction from a published total. This
   is a greedy heuristic (as in the "hypercube" family), not an optimal
   cell-suppression solver.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.incidents.windows import LIGHT_WINDOWS, MONTHS, WEEK_WINDOWS

TOTAL = "incidents_count"
TOTAL_FLAG = "incidents_suppressed"


def flag_name(column: str) -> str:
    """Name of the suppression flag of a count column."""
    return TOTAL_FLAG if column == TOTAL else f"{column}_suppressed"


def category_slug(category: str) -> str:
    """Column-safe form of a category (``"Hate crime"`` -> ``"hate_crime"``)."""
    slug = re.sub(r"[^0-9a-z]+", "_", str(category).strip().lower()).strip("_")
    return slug or "unknown"


def snap_to_segments(
    points: gpd.GeoDataFrame, segments: gpd.GeoDataFrame, max_distance_m: float
) -> pd.DataFrame:
    """Nearest segment of each point within ``max_distance_m``.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``points``: ``segment_id`` (NA where none is close enough)
        and ``snap_distance_m``. Ties go to the first segment in ``segments``.
    """
    left = gpd.GeoDataFrame({"_row": np.arange(len(points))}, geometry=points.geometry.values)
    right = gpd.GeoDataFrame(
        {"_seg": np.arange(len(segments))}, geometry=segments.geometry.values, crs=segments.crs
    )
    left = left.set_crs(points.crs)
    joined = gpd.sjoin_nearest(
        left, right, how="inner", max_distance=max_distance_m, distance_col="_dist"
    )
    joined = joined.sort_values(["_row", "_seg"]).drop_duplicates("_row")
    seg_ids = segments["segment_id"].to_numpy()
    out = pd.DataFrame(
        {
            "segment_id": pd.array([pd.NA] * len(points), dtype="Int64"),
            "snap_distance_m": np.full(len(points), np.nan),
        },
        index=points.index,
    )
    rows = joined["_row"].to_numpy()
    out.iloc[rows, 0] = seg_ids[joined["_seg"].to_numpy()]
    out.iloc[rows, 1] = joined["_dist"].to_numpy()
    return out


def area_of_points(points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> pd.Series:
    """``area_id`` of the area each point falls in (NA outside all; first area on a shared edge)."""
    left = gpd.GeoDataFrame({"_row": np.arange(len(points))}, geometry=points.geometry.values)
    left = left.set_crs(points.crs)
    right = gpd.GeoDataFrame(
        {"_area": np.arange(len(areas))}, geometry=areas.geometry.values, crs=areas.crs
    )
    joined = gpd.sjoin(left, right, how="inner", predicate="intersects")
    joined = joined.sort_values(["_row", "_area"]).drop_duplicates("_row")
    ids = areas["area_id"]
    # an area file's own ids may be text ("K1", "091"): keep them; integer ids stay Int64
    if pd.api.types.is_integer_dtype(ids.dtype):
        out = pd.Series(pd.array([pd.NA] * len(points), dtype="Int64"), index=points.index)
    else:
        out = pd.Series([pd.NA] * len(points), index=points.index, dtype=object)
    out.iloc[joined["_row"].to_numpy()] = ids.to_numpy()[joined["_area"].to_numpy()]
    return out


def count_groups(categories: Sequence[str]) -> dict[str, list[str]]:
    """Breakdown tables: name -> count columns that sum to the total."""
    return {
        "light": [
            f"incidents_{w}" if w != "unknown" else "incidents_hour_unknown" for w in LIGHT_WINDOWS
        ],
        "week": [f"incidents_{w}" for w in WEEK_WINDOWS],
        "month": [f"incidents_month_{m}" for m in MONTHS],
        "category": [f"incidents_cat_{category_slug(c)}" for c in categories],
    }


def count_by_unit(
    unit: pd.Series,
    windows: pd.DataFrame,
    category: pd.Series,
    index: pd.Index,
    categories: Sequence[str],
) -> pd.DataFrame:
    """Counts per unit: the total, each light window, week part, month and category.

    Parameters
    ----------
    unit
        Unit id of each incident (NA = not in any unit), aligned with ``windows``.
    windows
        ``window_light``, ``window_week``, ``window_month`` per incident.
    category
        Category per incident.
    index
        Unit ids of the output rows (every unit, also those with no incident).
    categories
        Every category (columns appear even where a category has no incident).
    """
    ok = unit.notna().to_numpy()
    ids = unit[ok].to_numpy()
    light = np.where(windows["window_light"] == "unknown", "hour_unknown", windows["window_light"])
    keys = {
        "": np.full(len(unit), "count", dtype=object),
        "light": light.astype(object),
        "week": windows["window_week"].to_numpy(dtype=object),
        "month": np.char.add("month_", windows["window_month"].to_numpy(dtype=str)).astype(object),
        "category": np.array(["cat_" + category_slug(c) for c in category], dtype=object),
    }
    groups = count_groups(categories)
    wanted = [TOTAL, *[c for cols in groups.values() for c in cols]]
    row = index.get_indexer(pd.Index(ids))  # -1: a unit id that is not an output row (dropped)
    inside = row >= 0
    columns: dict[str, np.ndarray] = {}
    for key in keys.values():
        # one 2-D bincount per key (a crosstab reindexed to every unit, without pandas)
        codes, labels = pd.factorize(key[ok][inside])
        flat = np.bincount(
            row[inside] * len(labels) + codes, minlength=len(index) * len(labels)
        ).reshape(len(index), len(labels))
        for j, label in enumerate(labels):
            columns["incidents_" + str(label)] = flat[:, j]
    zeros = np.zeros(len(index), dtype=np.int64)
    return pd.DataFrame(
        {col: columns.get(col, zeros) for col in wanted}, index=index, dtype=np.int64
    )


def _secondary_pass(values: np.ndarray, sup: np.ndarray, k: int) -> bool:
    """Add suppressed cells row by row (in place) until each row is protected.

    A row with a suppressed cell is protected when it has two or more suppressed
    cells whose sum is at least ``k``. Returns whether anything changed.
    """
    changed = False
    rows = np.arange(values.shape[0])
    for _ in range(values.shape[1]):
        n_sup = sup.sum(axis=1)
        hidden = np.where(sup, values, 0).sum(axis=1)
        need = (n_sup > 0) & ((n_sup < 2) | (hidden < k))
        if not need.any():
            break
        positive = np.where(~sup & (values > 0), values, np.inf)
        zero_ok = np.where(~sup & (values == 0) & (n_sup < 2)[:, None], 0.0, np.inf)
        best_pos = positive.argmin(axis=1)
        has_pos = np.isfinite(positive[rows, best_pos])
        best_zero = zero_ok.argmin(axis=1)
        has_zero = np.isfinite(zero_ok[rows, best_zero])
        pick = np.where(has_pos, best_pos, best_zero)
        do = need & (has_pos | has_zero)
        if not do.any():
            break
        sup[rows[do], pick[do]] = True
        changed = True
    return changed


def suppression_mask(
    counts: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    k: int,
    publish_zero: bool = True,
    secondary: bool = True,
) -> pd.DataFrame:
    """Which counts to suppress (True = NULL), by the rules in the module docstring.

    Parameters
    ----------
    counts
        ``incidents_count`` and the breakdown columns, one row per unit.
    groups
        Breakdown tables: name -> columns summing to ``incidents_count``.
    """
    values = counts.to_numpy(dtype=float)
    cols = list(counts.columns)
    pos = {c: i for i, c in enumerate(cols)}
    sup = (values >= 1) & (values < k)
    if not publish_zero:
        sup |= values == 0
    for _ in range(50):
        before = sup.copy()
        total_sup = sup[:, pos[TOTAL]]
        sup[total_sup, :] = True
        if secondary:
            for members in groups.values():
                idx = [pos[c] for c in members if c in pos]
                if not idx:
                    continue
                sub_v, sub_s = values[:, idx], sup[:, idx]
                _secondary_pass(sub_v, sub_s, k)
                sup[:, idx] = sub_s
            col_s = sup.T.copy()
            _secondary_pass(values.T.copy(), col_s, k)
            sup = col_s.T.copy()
        if (sup == before).all():
            break
    return pd.DataFrame(sup, index=counts.index, columns=cols)


def published_counts(counts: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """Counts as published: NULL where suppressed, with a ``*_suppressed`` flag per column."""
    out = pd.DataFrame(index=counts.index)
    for col in counts.columns:
        out[col] = pd.array(counts[col].to_numpy(), dtype="Int64")
        out.loc[mask[col].to_numpy(), col] = pd.NA
        out[flag_name(col)] = mask[col].to_numpy(dtype=bool)
    return out
