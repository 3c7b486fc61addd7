"""Snap incidents to streets, count them per unit and window, and suppress small counts.

Suppression rules (``docs/incidents.md`` explains them; :mod:`.suppression` implements
them over all published tables at once):

1. Primary: a count from 1 to ``k - 1`` is NULL with its flag set (0 too when
   ``publish_zero`` is False).
2. A unit whose total is suppressed has every breakdown cell suppressed.
3. Secondary (complementary) suppression: each sum of published cells (a unit's
   light windows, week part, months or categories; the units' totals; the study
   totals) with a suppressed cell gets further cells suppressed, smallest positive
   first, until it has at least two suppressed cells whose hidden sum is at least
   ``k``. Then no suppressed cell can be recovered by subtraction from a published
   total.

Categories become columns ``incidents_cat_<slug>``: distinct slugs (a collision such as
"Hate crime" / "hate-crime" gets ``_2``, labels in sorted order), at most
``incidents.max_categories`` of them (the most frequent with at least k incidents), the
rest counted together in ``incidents_cat_other`` (:func:`plan_categories`).
"""

from __future__ import annotations

import dataclasses
import re
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.incidents.suppression import table_system
from safespaces.incidents.windows import LIGHT_WINDOWS, MONTHS, WEEK_WINDOWS

TOTAL = "incidents_count"
TOTAL_FLAG = "incidents_suppressed"


def flag_name(column: str) -> str:
    """Name of the suppression flag of a count column."""
    return TOTAL_FLAG if column == TOTAL else f"{column}_suppressed"


#: Largest number of category columns (``incidents.max_categories`` may not exceed it). Each
#: category adds a count and a flag column to ``areas`` and ``street_segments``: with 50 the
#: incident columns of a layer stay at most 2 x (1 + 4 + 2 + 12 + 50 + 1) + 5 = 145, a small part
#: of SQLite's 2,000-column limit that also has to hold the other families' and the user's columns.
#: Longest slug kept from a category label (longer ones are cut, then made distinct).
SLUG_CHARS = 40
OTHER = "other"


def category_slug(category: str) -> str:
    """Column-safe form of a category (``"Hate crime"`` -> ``"hate_crime"``).

    Accents are dropped (``"Häirintä"`` -> ``"hairinta"``); a label with no Latin letter
    or digit at all becomes ``"category"`` (:func:`distinct_slugs` numbers them).
    """
    text = unicodedata.normalize("NFKD", str(category).strip().lower())
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    slug = re.sub(r"[^0-9a-z]+", "_", text).strip("_")
    return slug[:SLUG_CHARS].strip("_") or "category"


def distinct_slugs(labels: Sequence[str], reserved: Sequence[str] = ()) -> dict[str, str]:
    """A distinct slug for each label: collisions get ``_2``, ``_3`` ... (labels in sorted order).

    A slug never ends in ``_suppressed`` (that would be another column's flag) and never
    equals one of ``reserved``.

    Examples
    --------
    >>> distinct_slugs(["hate-crime", "Hate crime", "Theft"])
    {'Hate crime': 'hate_crime', 'Theft': 'theft', 'hate-crime': 'hate_crime_2'}
    """
    used = set(reserved)
    out: dict[str, str] = {}
    for label in sorted({str(x) for x in labels}):
        base = category_slug(label)
        slug, i = base, 1
        while slug in used or slug.endswith("_suppressed"):
            i += 1
            slug = f"{base}_{i}"
        used.add(slug)
        out[label] = slug
    return out


@dataclasses.dataclass(frozen=True)
class CategoryPlan:
    """Which count column each incident category goes to.

    Attributes
    ----------
    column
        Label -> slug of its column (``incidents_cat_<slug>``); merged labels map to
        ``other``.
    slugs
        The distinct slugs in column order (labels sorted, ``other`` last).
    other
        Slug of the column of merged categories (None when nothing is merged).
    merged
        Number of categories counted in ``other``.
    """

    column: Mapping[str, str]
    slugs: tuple[str, ...]
    other: str | None = None
    merged: int = 0

    @classmethod
    def of(cls, categories: Sequence[str] | CategoryPlan) -> CategoryPlan:
        """The plan itself, or one column per label (distinct slugs, nothing merged)."""
        if isinstance(categories, CategoryPlan):
            return categories
        column = distinct_slugs(categories)
        return cls(column, tuple(column[c] for c in sorted(column)))

    def columns(self) -> dict[str, str]:
        """Column name -> what it counts (the label, or the merged categories)."""
        out = {f"incidents_cat_{self.column[label]}": label for label in sorted(self.column)}
        if self.other is not None:
            out[f"incidents_cat_{self.other}"] = f"{self.merged} other categories"
        return {c: out[c] for c in (f"incidents_cat_{s}" for s in self.slugs)}

    def metadata(self, max_categories: int, k_min: int) -> dict[str, Any]:
        """The label -> column mapping and the rule, for ``run_metadata``."""
        return {
            "columns": self.columns(),
            "merged_into_other": self.merged,
            "rule": f"at most {max_categories} categories get a column (the most frequent with "
            f"at least k = {k_min} incidents in the study area); the rest count together in "
            f"incidents_cat_{self.other or OTHER}; slugs made distinct with _2, _3 (labels in "
            "sorted order)",
        }


def plan_categories(labels: pd.Series, *, max_categories: int, k_min: int) -> CategoryPlan:
    """Columns for the ``max_categories`` most frequent categories with at least ``k_min``
    incidents (ties by label); every other category counts in one ``other`` column.

    A rare category is never a column of its own: a column whose study-wide total is 1 to
    k - 1 would say that such an incident happened, and almost where.
    """
    counts = labels.astype("string").fillna("unknown").value_counts()
    frame = pd.DataFrame({"label": counts.index.astype(str), "n": counts.to_numpy()})
    frame = frame.sort_values(["n", "label"], ascending=[False, True], kind="stable")
    keep = frame[frame["n"] >= k_min].head(max(0, max_categories))
    kept = sorted(keep["label"])
    column = distinct_slugs(kept)
    merged = [str(x) for x in frame["label"] if str(x) not in column]
    other = None
    if merged:
        other = distinct_slugs([OTHER], reserved=list(column.values()))[OTHER]
        column.update(dict.fromkeys(merged, other))
    slugs = tuple(column[c] for c in kept) + ((other,) if other else ())
    return CategoryPlan(column, slugs, other, len(merged))


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


def count_groups(categories: Sequence[str] | CategoryPlan) -> dict[str, list[str]]:
    """Breakdown tables: name -> count columns that sum to the total.

    ``categories``: the category labels (one column each, distinct slugs) or a
    :class:`CategoryPlan`.
    """
    plan = CategoryPlan.of(categories)
    return {
        "light": [
            f"incidents_{w}" if w != "unknown" else "incidents_hour_unknown" for w in LIGHT_WINDOWS
        ],
        "week": [f"incidents_{w}" for w in WEEK_WINDOWS],
        "month": [f"incidents_month_{m}" for m in MONTHS],
        "category": [f"incidents_cat_{slug}" for slug in plan.slugs],
    }


def count_by_unit(
    unit: pd.Series,
    windows: pd.DataFrame,
    category: pd.Series,
    index: pd.Index,
    categories: Sequence[str] | CategoryPlan,
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
        Every category label (columns appear even where a category has no incident),
        or a :class:`CategoryPlan` (labels it merges count in its ``other`` column).
    """
    plan = CategoryPlan.of(categories)
    ok = unit.notna().to_numpy()
    ids = unit[ok].to_numpy()
    light = np.where(windows["window_light"] == "unknown", "hour_unknown", windows["window_light"])
    slug = category.astype("string").fillna("unknown").map(dict(plan.column))
    keys = {
        "": np.full(len(unit), "count", dtype=object),
        "light": light.astype(object),
        "week": windows["window_week"].to_numpy(dtype=object),
        "month": np.char.add("month_", windows["window_month"].to_numpy(dtype=str)).astype(object),
        "category": ("cat_" + slug.astype(object).fillna("\0unplanned")).to_numpy(dtype=object),
    }
    groups = count_groups(plan)
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


def suppression_mask(
    counts: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    k: int,
    publish_zero: bool = True,
    secondary: bool = True,
    column_sums: bool = True,
) -> pd.DataFrame:
    """Which counts of one table to suppress (True = NULL), by the rules in the module docstring.

    The incident analysis suppresses all its tables together
    (:class:`~safespaces.incidents.suppression.CellSystem`); this is the same for one table.

    Parameters
    ----------
    counts
        ``incidents_count`` and the breakdown columns, one row per unit.
    groups
        Breakdown tables: name -> columns summing to ``incidents_count``.
    column_sums
        Treat each column's sum over the units as published (the safe assumption for a
        table on its own).
    """
    cols = list(counts.columns)
    pos = {c: i for i, c in enumerate(cols)}
    members = [[pos[c] for c in g if c in pos] for g in groups.values()]
    system, _ = table_system(
        counts.to_numpy(dtype=float), members, total=pos[TOTAL], column_sums=column_sums
    )
    hidden = system.suppress(k=k, publish_zero=publish_zero, secondary=secondary)
    return pd.DataFrame(hidden.reshape(counts.shape), index=counts.index, columns=cols)


def published_counts(counts: pd.DataFrame, mask: pd.DataFrame) -> pd.DataFrame:
    """Counts as published: NULL where suppressed, with a ``*_suppressed`` flag per column."""
    out = pd.DataFrame(index=counts.index)
    for col in counts.columns:
        out[col] = pd.array(counts[col].to_numpy(), dtype="Int64")
        out.loc[mask[col].to_numpy(), col] = pd.NA
        out[flag_name(col)] = mask[col].to_numpy(dtype=bool)
    return out
