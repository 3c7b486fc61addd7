"""Configuration of the perceived-safety analysis (section ``[survey]``)."""

from __future__ import annotations

import dataclasses

from safespaces.errors import SettingError
from safespaces.validation import Number, OneOf, Rules, check_section


@dataclasses.dataclass(frozen=True)
class SurveyParams:
    """Perceived-safety settings; the reasons for each default are in ``docs/perceived.md``.

    Attributes
    ----------
    k_min
        Every published cell (an area's respondents overall or in a period, a
        respondent group) has at least this many respondents; smaller cells are
        NULL with ``survey_suppressed``, and further cells are hidden so that no
        suppressed cell can be derived from the totals (complementary suppression).
    unsafe_max_rating
        Ratings up to this value (on 1 = very unsafe ... 5 = very safe) count as
        "feeling unsafe" (default 2: very or fairly unsafe).
    ci_level
        Confidence level of the Wilson intervals of the shares and of the
        Spearman intervals of the audit validation.
    measures
        ``relative``: "measures good" / "measures poor" are the upper / lower
        third of the study's own areas (so every study has both); ``absolute``:
        at or above ``good_at`` / at or below ``poor_at`` on the 0-100 scores.
    good_at, poor_at
        The absolute thresholds (0-100) used with ``measures = "absolute"``.
    audit_snap_m
        An audit point is compared with the nearest street segment within this
        distance (farther audits are left out of the validation).
    audit_hour
        Local clock hour of an audit without a time (Safetipin audits are walked
        after dark; 21 = 9 pm).

    Examples
    --------
    >>> SurveyParams().k_min, SurveyParams().measures
    (10, 'relative')
    """

    k_min: int = 10
    unsafe_max_rating: int = 2
    ci_level: float = 0.95
    measures: str = "relative"
    good_at: float = 60.0
    poor_at: float = 40.0
    audit_snap_m: float = 30.0
    audit_hour: int = 21


#: Allowed range of every setting (docs/config.md); see :mod:`safespaces.validation`.
RULES: Rules = {
    "k_min": Number(
        3, 1000, why="a share of fewer than 3 answers identifies what each respondent said"
    ),
    "unsafe_max_rating": Number(1, 4, why="ratings run from 1 (very unsafe) to 5 (very safe)"),
    "ci_level": Number(0, 1, lo_open=True, hi_open=True),
    "measures": OneOf(("relative", "absolute")),
    "good_at": Number(0, 100),
    "poor_at": Number(0, 100),
    "audit_snap_m": Number(1, 1000, unit="m"),
    "audit_hour": Number(0, 23),
}


def validate(params: SurveyParams) -> None:
    """Check every survey setting: :data:`RULES`, then the absolute thresholds' order.

    Raises
    ------
    SettingError
        The first setting outside its range.
    """
    check_section("survey", params, RULES)
    if params.poor_at >= params.good_at:
        raise SettingError(
            "survey.poor_at",
            params.poor_at,
            f"not below survey.good_at = {params.good_at:g}",
            "give a poor threshold below the good one",
            related=("survey.good_at",),
        )
