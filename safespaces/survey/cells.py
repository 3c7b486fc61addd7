"""Respondent counts per area and period, their suppression, shares and Wilson intervals.

Privacy rules (``docs/perceived.md``):

1. No respondent point leaves the tool: answers are counted into areas here and
   the points are dropped.
2. Every published cell (an area's respondents overall or in one period) holds
   at least ``survey.k_min`` respondents (default 10). A smaller cell is NULL
   with ``survey_suppressed[_<period>]`` True, and so is its share.
3. Complementary (secondary) suppression: the cells form one table (areas x
   overall, day, evening, night, unknown period) whose periods sum to the
   overall count and whose columns sum to the study totals, which are
   published; :func:`safespaces.incidents.suppression.table_system` hides
   further cells until no hidden cell can be derived from the published ones
   (checked by linear programming). The feeling-unsafe counts are hidden
   wherever their respondents are, so a total minus the published cells gives
   only the sum over at least two hidden cells, never one area's value.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from safespaces.incidents.suppression import table_system
from safespaces.overlay import area_index, sum_into_areas
from safespaces.sources.survey import PERIODS
from safespaces.survey.params import SurveyParams
from safespaces.survey.stats import wilson

#: Columns of the count table: overall, each period, then answers without a period.
CELLS: tuple[str, ...] = ("overall", *PERIODS, "unknown")


@dataclasses.dataclass
class Cells:
    """Counts per unit (area) and cell (:data:`CELLS`), and which are hidden.

    Attributes
    ----------
    respondents, unsafe
        Units x cells: respondents, and those feeling unsafe.
    hidden
        Units x cells: suppressed (True).
    outside
        Answers outside every area (not used, never published when 1..k-1).
    periods_given
        Whether the answers carry periods (respondent files) or each period's
        share is given over the same respondents (per-area results).
    """

    respondents: npt.NDArray[np.float64]
    unsafe: npt.NDArray[np.float64]
    hidden: npt.NDArray[np.bool_]
    outside: int = 0
    periods_given: bool = True

    def study_share(self) -> dict[str, float]:
        """The study's share feeling unsafe in each scope (over every unit, true totals)."""
        n, u = self.respondents.sum(axis=0), self.unsafe.sum(axis=0)
        return {c: float(u[j] / n[j]) if n[j] > 0 else float("nan") for j, c in enumerate(CELLS)}


def count_respondents(
    points: gpd.GeoDataFrame, units: gpd.GeoDataFrame, params: SurveyParams
) -> Cells:
    """Count answers into the units by period and suppress small cells (module docstring)."""
    where = area_index(points.to_crs(units.crs), units)
    period = points["period"].to_numpy(dtype=object)
    unsafe = (points["rating"].to_numpy() <= params.unsafe_max_rating).astype(float)
    one = np.column_stack([np.ones(len(points))] + [(period == c).astype(float) for c in CELLS[1:]])
    n = sum_into_areas(one, where, len(units)).reshape(len(units), len(CELLS))
    u = sum_into_areas(one * unsafe[:, None], where, len(units)).reshape(len(units), len(CELLS))
    hidden = suppress(n, params.k_min)
    return Cells(n, u, hidden, outside=int((where < 0).sum()))


def published_counts(results: pd.DataFrame, params: SurveyParams) -> Cells:
    """Cells of per-area results as a city published them (one respondent count per area).

    The period shares are over the same respondents (a survey asks each one about
    day, evening and night), so only the overall count is a cell; a period's
    unsafe count is ``round(share x respondents)``.
    """
    n_all = results["respondents"].to_numpy(dtype=float)
    n = np.column_stack([n_all] * len(PERIODS) + [n_all, np.zeros(len(n_all))])
    shares = [
        results[f"share_unsafe{s}"].to_numpy(dtype=float)
        for s in ("", "_day", "_evening", "_night")
    ]
    u = np.column_stack(
        [np.round(np.nan_to_num(s) * n_all) for s in shares] + [np.zeros(len(n_all))]
    )
    for j, s in enumerate(shares):
        n[:, j] = np.where(np.isnan(s), 0.0, n[:, j])
    hidden1 = suppress(n_all[:, None], params.k_min)[:, 0]
    hidden = np.repeat(hidden1[:, None], len(CELLS), axis=1)
    return Cells(n, u, hidden, periods_given=False)


def suppress(counts: npt.NDArray[np.float64], k: int) -> npt.NDArray[np.bool_]:
    """Primary and complementary suppression of a units x cells count table.

    The first column is each unit's total; the others (when any) sum to it, and
    every column's sum over the units is published.
    """
    if counts.size == 0:
        return np.zeros(counts.shape, dtype=bool)
    groups = [list(range(counts.shape[1]))] if counts.shape[1] > 1 else []
    system, ids = table_system(counts, groups, total=0, column_sums=True)
    hidden = system.suppress(k=k, publish_zero=True)
    return np.asarray(hidden[ids], dtype=bool)


def share_columns(cells: Cells, level: float) -> pd.DataFrame:
    """The published columns of the ``perceived_safety`` layer (one row per unit).

    ``survey_respondents[_<period>]``, ``survey_share_unsafe[_<period>]`` with
    ``_low`` / ``_high`` (Wilson, ``level``), ``survey_suppressed[_<period>]``;
    NULL where suppressed.
    """
    out: dict[str, object] = {}
    for j, cell in enumerate(CELLS):
        suffix = "" if cell == "overall" else f"_{cell}"
        n, u, hid = cells.respondents[:, j], cells.unsafe[:, j], cells.hidden[:, j]
        if cells.periods_given or cell == "overall":
            out[f"survey_respondents{suffix}"] = pd.array(
                np.where(hid, np.nan, n), dtype="Float64"
            ).astype("Int64")
        if cell == "unknown":
            if cells.periods_given:
                out["survey_suppressed_unknown_period"] = hid
            continue
        lo, hi = wilson(u, n, level)
        with np.errstate(invalid="ignore", divide="ignore"):
            share = np.where(n > 0, u / np.where(n > 0, n, 1), np.nan)
        for name, values in (("", share), ("_low", lo), ("_high", hi)):
            out[f"survey_share_unsafe{suffix}{name}"] = np.where(hid, np.nan, values)
        out[f"survey_suppressed{suffix}"] = hid
    return pd.DataFrame(out)


def equity_table(
    points: gpd.GeoDataFrame,
    groups: tuple[str, ...],
    inside: npt.NDArray[np.bool_],
    params: SurveyParams,
) -> pd.DataFrame:
    """The share feeling unsafe by respondent group, over the whole study.

    A group column is published only when every one of its groups (``unknown``
    included) has at least ``survey.k_min`` respondents; otherwise one row says
    it is suppressed. Only answers inside the areas count.
    """
    rows: list[dict[str, object]] = []
    unsafe = points["rating"].to_numpy() <= params.unsafe_max_rating
    for g in groups:
        values = points[f"group_{g}"].astype(str).to_numpy()[inside]
        flags = unsafe[inside]
        labels, codes = np.unique(values, return_inverse=True)
        n = np.bincount(codes, minlength=len(labels)).astype(float)
        u = np.bincount(codes, weights=flags.astype(float), minlength=len(labels))
        if len(labels) == 0 or (n < params.k_min).any():
            rows.append(
                {
                    "group_column": g,
                    "group": None,
                    "respondents": None,
                    "share_unsafe": None,
                    "share_unsafe_low": None,
                    "share_unsafe_high": None,
                    "suppressed": True,
                }
            )
            continue
        lo, hi = wilson(u, n, params.ci_level)
        for i, label in enumerate(labels):
            rows.append(
                {
                    "group_column": g,
                    "group": str(label),
                    "respondents": int(n[i]),
                    "share_unsafe": float(u[i] / n[i]),
                    "share_unsafe_low": float(lo[i]),
                    "share_unsafe_high": float(hi[i]),
                    "suppressed": False,
                }
            )
    return pd.DataFrame(
        rows,
        columns=[
            "group_column",
            "group",
            "respondents",
            "share_unsafe",
            "share_unsafe_low",
            "share_unsafe_high",
            "suppressed",
        ],
    )
