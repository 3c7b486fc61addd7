"""The composite safe-space score: transparent weights over the measure families.

Each family is first put on an absolute 0-100 scale (not ranked within the study
area, so scores compare across cities and a change on one street moves only
that street):

``score_light``
    100 x [0.5 min(1, E_avg / E_avg,ref) + 0.5 min(1, E_min / E_min,ref)] with
    the EN 13201-2 P4 class as reference (5 lx average, 1 lx minimum; P4 is the
    usual class for residential streets with pedestrians). NULL where the light
    is unknown: OSM says lit but no lamp is mapped (``lit, lamps not mapped``), or
    the segment lies where lamps are not mapped at all (``no lamp data``, see
    :mod:`safespaces.lighting.coverage`). Such a segment's light is excluded
    from its weighted mean (never read as 0) and flagged in
    ``score_light_unknown``; the run summary gives the share of walking length
    so flagged.
``score_eyes``
    The eyes-on-the-street index (already 0-100) for the chosen period
    (``night`` by default: when natural surveillance matters most) or hour.
``score_mix``
    100 x the normalised tenure entropy of the area the segment lies in
    (0 = one tenure only, 100 = all tenures equally present). NULL where the
    area's counts are suppressed.
``score_incidents``
    100 x r_ref / (r_ref + r), r the empirical-Bayes incident rate per 100 m of
    street per year of the segment's area, r_ref = ``incident_rate_ref``
    (100 at no incidents, 50 at the reference rate). Area rates are used, not
    segment rates, because 50 m segments carry too few incidents to be stable
    and would disclose more. NULL where the area's count is suppressed, and
    everywhere when no incident falls in the study area (the rates are then
    unknown, not zero: the data do not describe the place).

The composite is the weighted mean of the available family scores,

    safe_space_score = sum_f w_f s_f / sum_f w_f   (over families with a value),

so a missing family re-weights the others rather than counting as zero;
``safe_space_parts`` says how many families contributed, and a family with no
value anywhere is listed as unknown in the run summary (:func:`scored_families`). Weights are
configuration (``[indices] weights``) with presets in :data:`PRESETS`. The app
recomputes only this weighted mean when a slider moves (:func:`composite`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.errors import SettingError
from safespaces.eyes.vocabulary import PERIODS as EYES_PERIODS  # night, evening, day, h00 ..
from safespaces.eyes.vocabulary import period_column
from safespaces.lighting.vocabulary import CLASS_COLUMN, UNKNOWN_CLASSES, p_class
from safespaces.overlay import area_index
from safespaces.validation import Keys, Note, Number, OneOf, Rules, check_section

FAMILIES = ("light", "eyes", "mix", "incidents")
#: Segment column flagging an unknown light (excluded from the score, not 0).
UNKNOWN_FLAG = "score_light_unknown"
#: EN 13201-2 class at which the light score saturates (usual for residential streets).
LIGHT_REFERENCE_CLASS = "P4"

#: Named weightings of the families (light, eyes, mix, incidents).
PRESETS: dict[str, dict[str, float]] = {
    "balanced": {"light": 1.0, "eyes": 1.0, "mix": 1.0, "incidents": 1.0},
    "night walk": {"light": 2.0, "eyes": 2.0, "mix": 0.0, "incidents": 1.0},
    "social mix": {"light": 0.5, "eyes": 0.5, "mix": 2.0, "incidents": 0.5},
    "street life": {"light": 1.0, "eyes": 2.0, "mix": 0.5, "incidents": 0.5},
}


@dataclasses.dataclass(frozen=True)
class IndexParams:
    """Settings of the composite safe-space score (section ``[indices]``).

    Attributes
    ----------
    weights
        Weight per family (``light``, ``eyes``, ``mix``, ``incidents``).
    eyes_period
        ``night``, ``evening``, ``day`` or an hour ``h00`` .. ``h23``.
    lux_avg_ref, lux_min_ref
        Illuminance at which the light score saturates (EN 13201-2 P4: 5 / 1 lx).
    incident_rate_ref
        Incidents per 100 m of street per year that halve the incident score.
    """

    weights: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: dict(PRESETS["balanced"])
    )
    eyes_period: str = "night"
    lux_avg_ref: float = p_class(LIGHT_REFERENCE_CLASS)[0]
    lux_min_ref: float = p_class(LIGHT_REFERENCE_CLASS)[1]
    incident_rate_ref: float = 1.0


#: Allowed range of every setting (docs/config.md); see :mod:`safespaces.validation`.
RULES: Rules = {
    "weights": (Keys(allowed=FAMILIES), Number(0, 1000), Note("at least one weight > 0")),
    "eyes_period": OneOf(EYES_PERIODS, "'night', 'evening', 'day' or an hour 'h00'..'h23'"),
    "lux_avg_ref": Number(0, 1000, lo_open=True, unit="lx"),
    "lux_min_ref": Number(0, 1000, lo_open=True, unit="lx"),
    "incident_rate_ref": Number(0, 1000, lo_open=True),
}


def validate(params: IndexParams) -> None:
    """Check the composite score's settings against :data:`RULES`.

    Raises
    ------
    SettingError
        The first setting outside its range, or no weight above 0.
    """
    check_section("indices", params, RULES)
    if not any(w > 0 for w in params.weights.values()):
        raise SettingError(
            "indices.weights",
            dict(params.weights),
            "no weight above 0",
            f"give at least one of {', '.join(FAMILIES)} a positive weight",
        )


def light_score(segments: pd.DataFrame, params: IndexParams) -> pd.Series:
    """0-100 light score per segment (formula in the module docstring)."""
    avg = segments["light_lux_avg"].astype(float).to_numpy()
    low = segments["light_lux_min"].astype(float).to_numpy()
    score = 100 * (
        0.5 * np.minimum(1.0, avg / params.lux_avg_ref)
        + 0.5 * np.minimum(1.0, low / params.lux_min_ref)
    )
    score[light_unknown(segments).to_numpy()] = np.nan
    return pd.Series(score, index=segments.index, name="score_light")


def light_unknown(segments: pd.DataFrame) -> pd.Series:
    """True where the light is unknown (class ``lit, lamps not mapped`` or ``no lamp data``)."""
    if CLASS_COLUMN not in segments:
        return pd.Series(False, index=segments.index, name=UNKNOWN_FLAG)
    flag = segments[CLASS_COLUMN].astype(object).isin(UNKNOWN_CLASSES)
    return flag.astype(bool).rename(UNKNOWN_FLAG)


def eyes_score(segments: pd.DataFrame, params: IndexParams) -> pd.Series:
    """The eyes index for the configured period, 0-100."""
    column = period_column(params.eyes_period)
    if column not in segments:
        raise KeyError(column)
    return segments[column].astype(float).rename("score_eyes")


def incident_score(rate_per_100m: pd.Series, params: IndexParams) -> pd.Series:
    """100 x r_ref / (r_ref + r) (100 with no incidents, 50 at the reference rate)."""
    r = rate_per_100m.astype(float)
    return (100 * params.incident_rate_ref / (params.incident_rate_ref + r)).rename(
        "score_incidents"
    )


def composite(scores: pd.DataFrame, weights: Mapping[str, float]) -> pd.DataFrame:
    """Weighted mean of the available ``score_<family>`` columns.

    Parameters
    ----------
    scores
        Columns ``score_light``, ``score_eyes``, ``score_mix``, ``score_incidents``
        (any may be missing or NULL).
    weights
        Weight per family; families without a column or weight count 0.

    Returns
    -------
    pandas.DataFrame
        ``safe_space_score`` (NULL where no family has a value) and
        ``safe_space_parts`` (number of families that contributed).
    """
    total = np.zeros(len(scores))
    norm = np.zeros(len(scores))
    parts = np.zeros(len(scores), dtype=np.int64)
    for family in FAMILIES:
        column = f"score_{family}"
        w = float(weights.get(family, 0.0))
        if column not in scores or w <= 0:
            continue
        values = scores[column].astype(float).to_numpy()
        ok = ~np.isnan(values)
        total[ok] += w * values[ok]
        norm[ok] += w
        parts += ok
    with np.errstate(invalid="ignore", divide="ignore"):
        score = np.where(norm > 0, total / np.where(norm > 0, norm, 1), np.nan)
    return pd.DataFrame({"safe_space_score": score, "safe_space_parts": parts}, index=scores.index)


#: Why a family's score can be NULL everywhere (for the run summary).
UNKNOWN_REASONS = {
    "light": "no illuminance on any segment (lamps not mapped: 'no lamp data' or "
    "'lit, lamps not mapped')",
    "eyes": "no eyes-on-the-street index",
    "mix": "no area with published tenure counts",
    "incidents": "no incident rate: no incident in the study area, or every area's count "
    "suppressed (see the incidents summary)",
}


def scored_families(scores: pd.DataFrame) -> tuple[list[str], dict[str, str]]:
    """Families with a score somewhere, and the reason for each that has none.

    Parameters
    ----------
    scores
        ``score_<family>`` columns (as :func:`safe_space_scores` returns them).
    """
    families: list[str] = []
    unknown: dict[str, str] = {}
    for column in scores.columns:
        name = str(column)
        if not name.startswith("score_") or name.endswith("_unknown"):
            continue
        family = name.removeprefix("score_")
        if scores[column].astype(float).notna().any():
            families.append(family)
        else:
            unknown[family] = UNKNOWN_REASONS.get(family, "no value")
    return families, unknown


def _take(values: np.ndarray, index: np.ndarray) -> np.ndarray:
    out = np.full(len(index), np.nan)
    ok = index >= 0
    out[ok] = values[index[ok]]
    return out


def safe_space_scores(
    segments: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, params: IndexParams
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Family scores and the composite for every segment and every area.

    Families whose input columns are absent (e.g. no tenure data) are left out.

    Returns
    -------
    segment_scores, area_scores
        Aligned to ``segments`` and ``areas``: ``score_<family>``,
        ``safe_space_score``, ``safe_space_parts``. An area's light and eyes
        scores are the length-weighted means over its segments.
    """
    seg = pd.DataFrame(index=segments.index)
    if {"light_lux_avg", "light_lux_min"} <= set(segments.columns):
        seg["score_light"] = light_score(segments, params)
    if period_column(params.eyes_period) in segments:
        seg["score_eyes"] = eyes_score(segments, params)
    where = area_index(segments, areas)
    if "mix_entropy" in areas:
        seg["score_mix"] = 100 * _take(areas["mix_entropy"].astype(float).to_numpy(), where)
    if "incidents_per_100m_eb" in areas:
        rate = pd.Series(_take(areas["incidents_per_100m_eb"].astype(float).to_numpy(), where))
        seg["score_incidents"] = incident_score(rate, params).to_numpy()
    seg = seg.join(composite(seg, params.weights))
    if "score_light" in seg:
        seg[UNKNOWN_FLAG] = light_unknown(segments).to_numpy()

    area = pd.DataFrame(index=areas.index)
    length = segments["length_m"].to_numpy(dtype=float)
    for column in ("score_light", "score_eyes"):
        if column in seg:
            values = seg[column].to_numpy(dtype=float)
            ok = (where >= 0) & ~np.isnan(values)
            num = np.bincount(where[ok], weights=values[ok] * length[ok], minlength=len(areas))
            den = np.bincount(where[ok], weights=length[ok], minlength=len(areas))
            with np.errstate(invalid="ignore", divide="ignore"):
                area[column] = np.where(den > 0, num / np.where(den > 0, den, 1), np.nan)
    if "mix_entropy" in areas:
        area["score_mix"] = 100 * areas["mix_entropy"].astype(float).to_numpy()
    if "incidents_per_100m_eb" in areas:
        area["score_incidents"] = incident_score(areas["incidents_per_100m_eb"], params).to_numpy()
    area = area.join(composite(area, params.weights))
    return seg, area
