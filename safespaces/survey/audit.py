"""Validation of our measures by people: safety-audit scores against the model.

Each audit point (Safetipin style, nine parameters on 0-3 scales) is compared
with the nearest street segment within ``survey.audit_snap_m``:

================ ================================= =========
audit parameter  our measure on the segment         expected
================ ================================= =========
``lighting``     ``light_lux_avg`` (modelled lux)  positive
``lighting``     ``light_class`` rank (P1 best)     positive
``people``       ``eyes_hNN`` at the audit's hour  positive
``feeling``      ``safe_space_score``               positive
================ ================================= =========

The audit's hour is its local time's hour, else ``survey.audit_hour``
(audits are walked after dark). Each pair gives Spearman's rank correlation
with a Fisher z interval (:func:`safespaces.survey.stats.spearman_interval`):
``agrees`` is ``yes`` when the interval lies wholly on the expected side of 0,
``no`` when wholly on the other, ``unclear`` otherwise.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.eyes.vocabulary import eyes_column
from safespaces.lighting.vocabulary import BELOW_P6, CLASS_COLUMN, P_CLASS_NAMES, UNLIT
from safespaces.survey.params import SurveyParams
from safespaces.survey.stats import spearman_interval

#: Rank of each light class (higher = better lit); other classes (unknown) are NaN.
CLASS_RANK: dict[str, float] = {
    **{name: float(len(P_CLASS_NAMES) + 1 - i) for i, name in enumerate(P_CLASS_NAMES)},
    BELOW_P6: 1.0,
    UNLIT: 0.0,
}
#: Columns of the ``survey_audit_validation`` table.
COLUMNS: tuple[str, ...] = (
    "audit_parameter",
    "measure",
    "audits",
    "spearman_rho",
    "rho_low",
    "rho_high",
    "p_value",
    "expected_sign",
    "agrees",
    "interval_method",
)
METHOD = "Fisher z, SE sqrt(1.06/(n-3)) (Fieller, Hartley & Pearson 1957)"


def audit_validation(
    audits: gpd.GeoDataFrame, segments: gpd.GeoDataFrame, params: SurveyParams, timezone: str
) -> pd.DataFrame:
    """The ``survey_audit_validation`` table (module docstring)."""
    pts = audits.to_crs(segments.crs)
    left, right = segments.geometry.sindex.nearest(
        pts.geometry, max_distance=params.audit_snap_m, return_all=False
    )
    seg_pos = np.full(len(pts), -1, dtype=np.int64)
    seg_pos[left] = right
    near = seg_pos >= 0

    def seg(column: str) -> np.ndarray:
        if column not in segments:
            return np.full(len(pts), np.nan)
        values = pd.to_numeric(segments[column], errors="coerce").to_numpy(dtype=float)
        return np.where(near, values[np.maximum(seg_pos, 0)], np.nan)

    hours = np.full(len(pts), params.audit_hour, dtype=np.int64)
    if "time" in pts:
        t = pd.to_datetime(pts["time"])
        if t.notna().any():
            local = t.dt.tz_convert(timezone).dt.hour
            hours = np.where(t.notna(), local.fillna(params.audit_hour), params.audit_hour).astype(
                np.int64
            )
    eyes_matrix = np.column_stack([seg(eyes_column(h)) for h in range(24)])
    eyes_at = eyes_matrix[np.arange(len(pts)), hours]
    if CLASS_COLUMN in segments:
        ranks = segments[CLASS_COLUMN].map(CLASS_RANK).to_numpy(dtype=float)
        class_rank = np.where(near, ranks[np.maximum(seg_pos, 0)], np.nan)
    else:
        class_rank = np.full(len(pts), np.nan)
    pairs = (
        ("lighting", "light_lux_avg", seg("light_lux_avg")),
        ("lighting", CLASS_COLUMN + " (rank, P1 best)", class_rank),
        ("people", "eyes at the audit's hour", eyes_at),
        ("feeling", "safe_space_score", seg("safe_space_score")),
    )
    rows = []
    for parameter, measure, ours in pairs:
        rho, lo, hi, p, n = spearman_interval(
            pts[parameter].to_numpy(dtype=float), ours, params.ci_level
        )
        agrees = "unclear"
        if np.isfinite(lo) and lo > 0:
            agrees = "yes"
        elif np.isfinite(hi) and hi < 0:
            agrees = "no"
        rows.append((parameter, measure, n, rho, lo, hi, p, "positive", agrees, METHOD))
    return pd.DataFrame(rows, columns=list(COLUMNS))
