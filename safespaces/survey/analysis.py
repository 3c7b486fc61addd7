"""Perceived safety beside the measures: :func:`analyse_survey` and :class:`SurveyResult`.

Reads a survey (:func:`safespaces.sources.survey.read_survey`) with a finished
study's areas (carrying ``safe_space_score`` and its parts) and street
segments, and gives:

- ``perceived_safety`` (areas): respondents and the share feeling unsafe,
  overall and per period, with 95 % Wilson intervals, suppressed below
  ``survey.k_min`` with complementary suppression
  (:mod:`safespaces.survey.cells`), the measures and their classes
  (:mod:`safespaces.survey.measures`) and the ``divergence`` class
  (:mod:`safespaces.survey.divergence`);
- ``survey_summary``: the study's respondents and share per period;
- ``survey_equity``: the share by respondent group (study-wide; a group column
  only when every group has at least k respondents);
- ``survey_audit_validation``: audit scores against our measures
  (:mod:`safespaces.survey.audit`).

Respondent points never leave this module: only counts per area and group do.
Per-segment smoothed perception along the walking network is not built (yet).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Self

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.darkness import study_latlon
from safespaces.errors import InputError
from safespaces.incidents.windows import darkness_for, light_window
from safespaces.overlay import area_index
from safespaces.sources.survey import SurveyLoad
from safespaces.survey.audit import audit_validation
from safespaces.survey.cells import (
    CELLS,
    Cells,
    count_respondents,
    equity_table,
    published_counts,
    share_columns,
)
from safespaces.survey.divergence import divergence, feeling
from safespaces.survey.measures import SCOPES, area_measures, measure_class, thresholds
from safespaces.survey.params import SurveyParams
from safespaces.survey.stats import wilson

#: The layer of perceived safety per area.
LAYER = "perceived_safety"
#: Label of outputs made from a SYNTHETIC survey.
SYNTHETIC_LABEL = "SYNTHETIC"


@dataclasses.dataclass
class SurveyResult:
    """What :func:`analyse_survey` computed (no respondent point in it)."""

    kind: str
    perceived: gpd.GeoDataFrame | None
    summary_table: pd.DataFrame | None
    equity: pd.DataFrame | None
    validation: pd.DataFrame | None
    params: SurveyParams
    synthetic: bool = False
    outside: int = 0
    thresholds: dict[str, tuple[float, float]] = dataclasses.field(default_factory=dict)

    def layers(self) -> dict[str, pd.DataFrame]:
        """Layer name -> frame for the GeoPackage."""
        out: dict[str, pd.DataFrame] = {}
        if self.perceived is not None:
            out[LAYER] = self.perceived
        if self.summary_table is not None:
            out["survey_summary"] = self.summary_table
        if self.equity is not None and len(self.equity):
            out["survey_equity"] = self.equity
        if self.validation is not None:
            out["survey_audit_validation"] = self.validation
        return out

    def summary(self) -> dict[str, Any]:
        """Short results for the terminal and ``run_metadata``."""
        s: dict[str, Any] = {"kind": self.kind, "synthetic": self.synthetic}
        k = self.params.k_min
        if self.perceived is not None:
            p = self.perceived
            s["areas published"] = int((~p["survey_suppressed"]).sum())
            s["areas suppressed"] = int(p["survey_suppressed"].sum())
            counts = p["divergence"].dropna().value_counts()
            s["divergence"] = {str(c): int(v) for c, v in counts.items()}
        if self.summary_table is not None:
            row = self.summary_table.iloc[0]
            s["respondents"] = int(row["respondents"])
            s["share unsafe"] = round(float(row["share_unsafe"]), 3)
        if self.kind == "respondents":
            s["outside the areas"] = (
                self.outside if self.outside == 0 or self.outside >= k else f"fewer than {k}"
            )
        if self.validation is not None:
            v = self.validation
            rho = v["spearman_rho"].to_numpy(dtype=float)
            s["audit validation"] = {
                f"{a} ~ {m}": None if not np.isfinite(r) else round(float(r), 2)
                for a, m, r in zip(v["audit_parameter"], v["measure"], rho, strict=True)
            }
        return s

    def metadata(self) -> dict[str, Any]:
        """``run_metadata`` entries: privacy settings, thresholds, the summary."""
        return {
            "survey": self.summary(),
            "survey_synthetic": self.synthetic,
            "survey_privacy": {
                "k_min": self.params.k_min,
                "secondary_suppression": True,
                "respondent_points_written": False,
            },
            "survey_thresholds": {k: list(v) for k, v in self.thresholds.items()},
        }

    @classmethod
    def assemble(cls, *args: Any, **kwargs: Any) -> Self:
        """The result from its parts (the dataclass constructor)."""
        return cls(*args, **kwargs)

    @classmethod
    def merge(cls, parts: Sequence[Self], *args: Any, **kwargs: Any) -> Self:
        """A survey is analysed over the whole study at once: only one part is accepted."""
        if len(parts) != 1:
            raise ValueError("the survey is analysed over the whole study, not in partitions")
        return parts[0]


def assign_periods(
    points: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, timezone: str, night_start_hour: int = 24
) -> gpd.GeoDataFrame:
    """Give answers with a time but no period the light window of that time.

    Day / evening / night by the study's darkness (civil twilight at the study's
    centre, :func:`safespaces.incidents.windows.light_window`): evening from
    dusk until ``night_start_hour``, night from then until dawn.
    """
    times = pd.Series(pd.to_datetime(points["time"]).to_numpy(), index=points.index)
    need = (points["period"] == "unknown").to_numpy() & times.notna().to_numpy()
    if not need.any():
        return points
    t = pd.Series(pd.DatetimeIndex(points.loc[need, "time"]))
    lat, lon = study_latlon(areas)
    dark = darkness_for(t, lat, lon, timezone)
    window = light_window(
        t, np.ones(len(t), dtype=bool), dark, timezone=timezone, night_start_hour=night_start_hour
    )
    out = points.copy()
    out.loc[need, "period"] = window
    return out


def analyse_survey(
    load: SurveyLoad,
    areas: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame | None,
    params: SurveyParams | None = None,
    *,
    timezone: str = "Europe/Helsinki",
) -> SurveyResult:
    """Perceived safety beside the measures (module docstring).

    Parameters
    ----------
    load
        The survey as read.
    areas
        The study's areas with ``area_id`` and the score columns.
    segments
        The study's street segments with the lighting and eyes columns (needed
        for the period measures and the audit validation).

    Raises
    ------
    InputError
        Per-area results naming areas the study lacks; audits without segments.
    """
    params = params or SurveyParams()
    if load.kind == "audit":
        if segments is None or not len(segments):
            raise InputError(
                "audit validation needs the study's street segments",
                path=load.path,
                fix="run 'safespaces run' first (with an OSM extract)",
            )
        table = audit_validation(load.frame, segments, params, timezone)
        return SurveyResult("audit", None, None, None, table, params, load.synthetic)
    base = areas[[c for c in ("area_id", "name") if c in areas] + [areas.geometry.name]]
    measures = area_measures(areas, segments)
    # "good" and "poor" are thirds of the study's own areas, whatever units the survey has
    limits = {s: thresholds(measures[f"measure_{s}"].to_numpy(dtype=float), params) for s in SCOPES}
    equity = None
    outside = 0
    if load.kind == "respondents":
        points = assign_periods(load.frame, areas, timezone)
        units = base.reset_index(drop=True)
        cells = count_respondents(points, units, params)
        outside = cells.outside
        inside = area_index(points.to_crs(units.crs), units) >= 0
        equity = equity_table(points, load.groups, inside, params)
    else:
        units, measures, frame = _area_results(load, base, measures)
        cells = published_counts(frame, params)
    perceived = _perceived(
        units, measures.reset_index(drop=True), cells, params, limits, load.synthetic
    )
    summary = _summary_table(cells, params)
    return SurveyResult(
        load.kind, perceived, summary, equity, None, params, load.synthetic, outside, limits
    )


def _area_results(
    load: SurveyLoad, base: gpd.GeoDataFrame, measures: pd.DataFrame
) -> tuple[gpd.GeoDataFrame, pd.DataFrame, pd.DataFrame]:
    """Units, their measures and the per-area results aligned to them."""
    frame = load.frame
    if isinstance(frame, gpd.GeoDataFrame):
        units = gpd.GeoDataFrame(
            {"area_id": np.arange(len(frame))},
            geometry=frame.geometry.to_crs(base.crs).to_numpy(),
            crs=base.crs,
        )
        where = area_index(base, units)
        values = measures.to_numpy(dtype=float)
        known = np.isfinite(values) & (where >= 0)[:, None]
        out = np.full((len(units), values.shape[1]), np.nan)
        for j in range(values.shape[1]):
            ok = known[:, j]
            num = np.bincount(where[ok], weights=values[ok, j], minlength=len(units))
            den = np.bincount(where[ok], minlength=len(units))
            out[:, j] = np.where(den > 0, num / np.maximum(den, 1), np.nan)
        return units, pd.DataFrame(out, columns=measures.columns), frame.reset_index(drop=True)
    keys = frame["area_key"].astype(str).to_numpy()
    pos = np.full(len(keys), -1, dtype=np.int64)
    for column in ("area_id", "name"):
        if column not in base:
            continue
        lookup = pd.Series(np.arange(len(base)), index=base[column].astype(str).to_numpy())
        lookup = lookup[~lookup.index.duplicated()]
        found = lookup.reindex(keys).to_numpy()
        fill = (pos < 0) & ~np.isnan(found)
        pos[fill] = found[fill].astype(np.int64)
    if (pos < 0).any():
        i = int(np.flatnonzero(pos < 0)[0])
        raise InputError(
            f"area {keys[i]!r} is not among the study's areas",
            path=load.path,
            column=frame.attrs.get("area_key_column"),
            row=i + 2,
            fix="use the study's area_id or name values (see the areas layer), or give polygons",
        )
    if len(np.unique(pos)) != len(pos):
        raise InputError("an area appears twice", path=load.path, fix="give one row per area")
    units = base.iloc[pos].reset_index(drop=True)
    return units, measures.iloc[pos].reset_index(drop=True), frame.reset_index(drop=True)


def _perceived(
    units: gpd.GeoDataFrame,
    measures: pd.DataFrame,
    cells: Cells,
    params: SurveyParams,
    limits: dict[str, tuple[float, float]],
    synthetic: bool,
) -> gpd.GeoDataFrame:
    shares = share_columns(cells, params.ci_level)
    study = cells.study_share()
    out = units.reset_index(drop=True).copy()
    for column in shares:
        out[column] = shares[column].array
    for scope in SCOPES:
        suffix = "" if scope == "overall" else f"_{scope}"
        values = measures[f"measure_{scope}"].to_numpy(dtype=float)
        poor, good = limits[scope]
        out[f"measure{suffix}"] = values
        mclass = measure_class(values, poor, good)
        out[f"measure_class{suffix}"] = mclass
        low = out[f"survey_share_unsafe{suffix}_low"].to_numpy(dtype=float)
        high = out[f"survey_share_unsafe{suffix}_high"].to_numpy(dtype=float)
        feel = feeling(low, high, study[scope])
        out[f"feeling{suffix}"] = feel
        out[f"divergence{suffix}"] = divergence(feel, mclass)
    out["survey_synthetic"] = synthetic
    return out


def _summary_table(cells: Cells, params: SurveyParams) -> pd.DataFrame:
    """The study's respondents and share feeling unsafe per scope (published totals)."""
    n, u = cells.respondents.sum(axis=0), cells.unsafe.sum(axis=0)
    lo, hi = wilson(u, n, params.ci_level)
    with np.errstate(invalid="ignore", divide="ignore"):
        share = np.where(n > 0, u / np.where(n > 0, n, 1), np.nan)
    frame = pd.DataFrame(
        {
            "scope": list(CELLS),
            "respondents": n.astype(np.int64),
            "share_unsafe": share,
            "share_unsafe_low": lo,
            "share_unsafe_high": hi,
        }
    )
    if not cells.periods_given:
        frame = frame[frame["scope"] != "unknown"].reset_index(drop=True)
    frame["k_min"] = params.k_min
    return frame
