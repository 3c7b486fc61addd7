"""The measures a perception is compared with, per area and period, and their thirds.

For each period the comparison reads the parts of the composite score that
matter at that time (night answers against night eyes and light):

========== ===============================================================
period     measure (0-100)
========== ===============================================================
overall    ``safe_space_score`` (the composite, :mod:`safespaces.indices`)
day        ``eyes_day`` (length-weighted mean over the area's segments)
evening    mean of ``eyes_evening`` and ``score_light``
night      mean of ``eyes_night`` and ``score_light``
========== ===============================================================

(a part missing in an area is left out of the mean). "Measures good" and
"measures poor" are, by default (``survey.measures = "relative"``), the upper
and lower third of the study's own areas on that measure: at or above its 2/3
quantile, at or below its 1/3 quantile; with ``"absolute"``, at or above
``survey.good_at`` and at or below ``survey.poor_at``.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.overlay import area_index, sum_into_areas
from safespaces.sources.survey import PERIODS
from safespaces.survey.params import SurveyParams

#: The periods compared: the overall answer, then each period of the day.
SCOPES: tuple[str, ...] = ("overall", *PERIODS)
#: Measure classes.
GOOD, MIDDLE, POOR = "good", "middle", "poor"


def area_measures(areas: gpd.GeoDataFrame, segments: gpd.GeoDataFrame | None) -> pd.DataFrame:
    """The 0-100 measure of each area for each scope (module docstring); NaN where unknown.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``areas``: ``measure_overall``, ``measure_day``,
        ``measure_evening``, ``measure_night``.
    """
    out = pd.DataFrame(index=areas.index)
    out["measure_overall"] = _column(areas, "safe_space_score")
    light = _column(areas, "score_light")
    eyes: dict[str, np.ndarray] = {p: np.full(len(areas), np.nan) for p in PERIODS}
    if segments is not None and len(segments):
        where = area_index(segments, areas)
        length = segments["length_m"].to_numpy(dtype=float) if "length_m" in segments else None
        for p in PERIODS:
            column = f"eyes_{p}"
            if column not in segments:
                continue
            values = segments[column].to_numpy(dtype=float)
            weight = np.ones(len(values)) if length is None else length
            ok = ~np.isnan(values)
            num = sum_into_areas(np.where(ok, values * weight, 0.0), where, len(areas))
            den = sum_into_areas(np.where(ok, weight, 0.0), where, len(areas))
            with np.errstate(invalid="ignore", divide="ignore"):
                eyes[p] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    out["measure_day"] = eyes["day"]
    for p in ("evening", "night"):
        stack = np.column_stack([eyes[p], light])
        known = np.isfinite(stack)
        count = known.sum(axis=1)
        total = np.where(known, stack, 0.0).sum(axis=1)
        out[f"measure_{p}"] = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return out


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def thresholds(values: np.ndarray, params: SurveyParams) -> tuple[float, float]:
    """(poor at or below, good at or above) for one measure over the study's areas."""
    if params.measures == "absolute":
        return params.poor_at, params.good_at
    ok = values[np.isfinite(values)]
    if len(ok) < 3:
        return float("nan"), float("nan")
    lo, hi = np.quantile(ok, [1 / 3, 2 / 3])
    return float(lo), float(hi)


def measure_class(values: np.ndarray, poor: float, good: float) -> np.ndarray:
    """``good`` / ``middle`` / ``poor`` per value (None where unknown)."""
    out = np.full(len(values), None, dtype=object)
    ok = np.isfinite(values)
    if not (np.isfinite(poor) and np.isfinite(good)):
        return out
    out[ok] = MIDDLE
    out[ok & (values >= good)] = GOOD
    out[ok & (values <= poor)] = POOR
    return out
