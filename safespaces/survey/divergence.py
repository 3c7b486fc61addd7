"""Where feeling and evidence part: the ``divergence`` class of each area.

The rule, for each scope (overall, and each period against that period's
measure, :mod:`safespaces.survey.measures`):

- **feels unsafe**: the area's share feeling unsafe is above the study's
  overall share (of the same scope) and its Wilson interval
  (``survey.ci_level``, 95 %) lies wholly above that share;
  **feels safe**: below it, interval wholly below; otherwise the interval
  contains the study's share and the feeling is **uncertain**.
- **measures good / poor**: upper / lower third of the study's own areas on the
  measure (or the absolute thresholds ``survey.good_at`` / ``survey.poor_at``).

========================= ================ ==================
class                     feeling          measure
========================= ================ ==================
``feels unsafe, measures good``  feels unsafe     good
``feels safe, measures poor``    feels safe       poor
``both poor``             feels unsafe     poor
``both good``             feels safe       good
``uncertain``             uncertain        any
``measures middle``       unsafe or safe   middle third
``no measure``            unsafe or safe   unknown
========================= ================ ==================

A suppressed area (fewer than ``survey.k_min`` respondents) has no class (NULL).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from safespaces.survey.measures import GOOD, MIDDLE, POOR

FEELS_UNSAFE_MEASURES_GOOD = "feels unsafe, measures good"
FEELS_SAFE_MEASURES_POOR = "feels safe, measures poor"
BOTH_POOR = "both poor"
BOTH_GOOD = "both good"
UNCERTAIN = "uncertain"
MEASURES_MIDDLE = "measures middle"
NO_MEASURE = "no measure"
#: Every divergence class, in legend order.
CLASSES: tuple[str, ...] = (
    FEELS_UNSAFE_MEASURES_GOOD,
    BOTH_POOR,
    UNCERTAIN,
    MEASURES_MIDDLE,
    BOTH_GOOD,
    FEELS_SAFE_MEASURES_POOR,
    NO_MEASURE,
)
#: What a planner should do with each class (docs/perceived.md).
ACTIONS: dict[str, str] = {
    FEELS_UNSAFE_MEASURES_GOOD: "activation and communication: events, visible care, "
    "telling residents what is there",
    FEELS_SAFE_MEASURES_POOR: "lamps and opening hours: fix what the measures miss "
    "before the feeling follows them",
    BOTH_POOR: "both: physical improvements and activation",
    BOTH_GOOD: "keep it so; learn from it",
    UNCERTAIN: "collect more answers: the interval does not separate the area from the study",
    MEASURES_MIDDLE: "no clear divergence: the measures are in the middle third",
    NO_MEASURE: "run the measures (lighting, eyes) for this area",
}


def feeling(
    low: npt.NDArray[np.float64], high: npt.NDArray[np.float64], study_share: float
) -> npt.NDArray[np.object_]:
    """``unsafe`` / ``safe`` / ``uncertain`` per area (None where the share is unknown)."""
    out = np.full(len(low), None, dtype=object)
    ok = np.isfinite(low) & np.isfinite(high) & np.isfinite(study_share)
    out[ok] = UNCERTAIN
    out[ok & (low > study_share)] = "unsafe"
    out[ok & (high < study_share)] = "safe"
    return out


def divergence(
    feel: npt.NDArray[np.object_], measure: npt.NDArray[np.object_]
) -> npt.NDArray[np.object_]:
    """The divergence class of each area from its feeling and measure class (table above).

    Examples
    --------
    >>> divergence(np.array(["unsafe", "safe", "uncertain", None], dtype=object),
    ...            np.array(["good", "good", "poor", "good"], dtype=object)).tolist()
    ['feels unsafe, measures good', 'both good', 'uncertain', None]
    """
    out = np.full(len(feel), None, dtype=object)
    unsafe, safe = feel == "unsafe", feel == "safe"
    out[feel == UNCERTAIN] = UNCERTAIN
    sure = unsafe | safe
    out[sure & (measure == MIDDLE)] = MEASURES_MIDDLE
    out[sure & pd.isna(measure)] = NO_MEASURE
    out[unsafe & (measure == GOOD)] = FEELS_UNSAFE_MEASURES_GOOD
    out[unsafe & (measure == POOR)] = BOTH_POOR
    out[safe & (measure == GOOD)] = BOTH_GOOD
    out[safe & (measure == POOR)] = FEELS_SAFE_MEASURES_POOR
    return out
