"""The Plan page's data: the study's lighting, the proposed lamps and the edited plan
(cached per run and parameters), and the files for download.

The app holds no analysis: the lighting model, the planner and the evaluation of an edited
plan are the library's (:func:`safespaces.stages.lighting_stage`,
:func:`safespaces.plan.plan_lamps`, :func:`safespaces.plan.evaluate.evaluate_lamps`). The
lighting of the session's inputs is computed once per run (as ``safespaces plan lamps``
computes it), the illuminance of the existing lamps once per run (a
:class:`~safespaces.plan.LuxState`, copied for every edit), so an edit re-evaluates only the
new lamps, incrementally.
"""

from __future__ import annotations

import dataclasses
import io
import tempfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
import streamlit as st

from safespaces.config import Config
from safespaces.lighting import LightingResult
from safespaces.plan import LampPlan, LuxState, plan_lamps, segment_weights
from safespaces.plan.evaluate import edit_plan, evaluate_lamps
from safespaces.study import Inputs
from safespaces_app import mapview
from safespaces_app.diskcache import CACHE_ROOT
from safespaces_app.results import Analysis

#: Where the GeoPackages for download are built (the app's cache; never an opened folder).
PLAN_EXPORTS = CACHE_ROOT / "plans"
#: The procurement CSV's columns, in order.
PROCUREMENT_COLUMNS = ("rank", "lon", "lat", "height_m", "intensity_cd", "gain_m")

#: Time the Plan page gives the exact step (s): shorter than the command's 60 s, so
#: the page answers sooner; the summary states the bound it proved in that time.
EXACT_SECONDS = 20.0


@dataclasses.dataclass(frozen=True)
class PlanContext:
    """What the planner needs of a run: its lighting, the illuminance of its lamps, and the
    data of the ``homes`` objective (None when the run has no residents)."""

    lighting: LightingResult
    state: LuxState
    buildings: gpd.GeoDataFrame | None
    flow_radius_m: float
    flow_beta: float

    @property
    def objectives(self) -> tuple[str, ...]:
        """The objectives this run can weigh by (``homes`` only with residents)."""
        homes = self.buildings is not None and "residents_est" in self.buildings.columns
        if homes and self.buildings is not None:
            people = pd.to_numeric(self.buildings["residents_est"], errors="coerce")
            homes = bool(people.fillna(0).sum() > 0)
        return ("length", "footfall", "homes") if homes else ("length", "footfall")


@st.cache_resource(show_spinner=False, max_entries=2)
def context(run: str, _inputs: Inputs, _config: Config) -> PlanContext:
    """The lighting of the run's inputs (the study loaded again, lighting stage only) and
    the illuminance of its lamps; ``run`` (:func:`safespaces_app.runs.run_key`) is the key."""
    from safespaces.stages import lighting_stage
    from safespaces.study import load_study

    study = load_study(_inputs, _config)
    lighting, _ = lighting_stage(study, None)
    state = LuxState(lighting.segments, lighting.lamps, lighting.params)
    return PlanContext(
        lighting,
        state,
        study.osm.buildings,
        float(_config.eyes.flow_radius_m),
        float(_config.eyes.flow_beta_times_radius),
    )


@st.cache_resource(show_spinner=False, max_entries=8)
def weights(run: str, objective: str, _ctx: PlanContext) -> npt.NDArray[np.float64]:
    """The worth of a metre of each segment (:func:`safespaces.plan.segment_weights`)."""
    return segment_weights(
        _ctx.lighting.segments,
        objective,
        flow=_flow(run, objective, _ctx),
        buildings=_ctx.buildings,
    )


def _flow(run: str, objective: str, ctx: PlanContext) -> npt.NDArray[np.float64] | None:
    return footfall(run, ctx) if objective == "footfall" else None


@st.cache_resource(show_spinner=False, max_entries=2)
def footfall(run: str, _ctx: PlanContext) -> npt.NDArray[np.float64]:
    """Each segment's pedestrian flow potential (the eyes family's ``eyes_flow_<r>m``, as
    ``safespaces plan lamps --objective footfall`` computes it), once per run."""
    from safespaces.eyes.flow import segment_flow

    r = _ctx.flow_radius_m
    flows = segment_flow(_ctx.lighting.segments, (r,), beta_times_radius=_ctx.flow_beta)
    return np.asarray(flows[int(r)], dtype=float)


@st.cache_resource(show_spinner=False, max_entries=16)
def propose(run: str, budget: int, where: str, objective: str, _ctx: PlanContext) -> LampPlan:
    """The planner's proposals (:func:`safespaces.plan.plan_lamps`), once per parameters."""
    return plan_lamps(
        _ctx.lighting,
        int(budget),
        where=where,
        objective=objective,
        flow=_flow(run, objective, _ctx),
        buildings=_ctx.buildings,
        exact_seconds=EXACT_SECONDS,
    )


@st.cache_resource(show_spinner=False, max_entries=32)
def edited(
    run: str,
    budget: int,
    where: str,
    objective: str,
    drop: tuple[int, ...],
    move: tuple[tuple[int, float, float], ...],
    _ctx: PlanContext,
) -> LampPlan:
    """The proposals with ranks ``drop`` left out and ``(rank, dx, dy)`` moved, evaluated
    again on the lighting model (:func:`safespaces.plan.evaluate.evaluate_lamps`)."""
    plan = propose(run, budget, where, objective, _ctx)
    points = edit_plan(plan.lamps, drop=drop, move={r: (dx, dy) for r, dx, dy in move})
    value = weights(run, objective, _ctx) if objective != "length" else None
    return evaluate_lamps(_ctx.lighting, points, state=_ctx.state, value=value, objective=objective)


def lonlat(lamps: gpd.GeoDataFrame) -> npt.NDArray[np.float64]:
    """Longitude and latitude (WGS 84) of each lamp, ``(n, 2)``."""
    if len(lamps) == 0:
        return np.zeros((0, 2))
    return np.asarray(shapely.get_coordinates(lamps.geometry.to_crs(4326).to_numpy()))


def study_corners(data: Analysis) -> list[tuple[float, float]]:
    """The south-west and north-east corners (lon, lat) of the run's walking network."""
    x0, y0, x1, y1 = mapview.bounds(data, None)
    return [(x0, y0), (x1, y1)]


def procurement_table(plan: LampPlan) -> pd.DataFrame:
    """The new lamps for procurement: rank, position (WGS 84), height, intensity, gain."""
    lamps = plan.lamps
    xy = lonlat(lamps)
    return pd.DataFrame(
        {
            "rank": lamps["rank"].to_numpy(dtype=np.int64),
            "lon": np.round(xy[:, 0], 7),
            "lat": np.round(xy[:, 1], 7),
            "height_m": lamps["height_m"].to_numpy(dtype=float),
            "intensity_cd": lamps["intensity_cd"].to_numpy(dtype=float),
            "gain_m": np.round(lamps["gain_m"].to_numpy(dtype=float), 1),
        },
        columns=list(PROCUREMENT_COLUMNS),
    )


def csv_bytes(table: pd.DataFrame) -> bytes:
    """A table as UTF-8 CSV (no index)."""
    buffer = io.StringIO()
    table.to_csv(buffer, index=False)
    return buffer.getvalue().encode("utf-8")


def gpkg_bytes(plan: LampPlan) -> bytes:
    """Layer ``plan_lamps`` (and the summary as metadata) as a GeoPackage's bytes, built in
    a temporary folder of the app's cache (:data:`PLAN_EXPORTS`) and removed after."""
    from safespaces.io import GPKG_NAME, write_layers

    PLAN_EXPORTS.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=PLAN_EXPORTS) as tmp:
        write_layers(tmp, plan.layers(), {"plan_lamps_summary": plan.summary})
        return (Path(tmp) / GPKG_NAME).read_bytes()


def print_pdf(data: Analysis, plan: LampPlan, budget: int, lang: str) -> bytes:
    """The plan's print layout as PDF (:func:`safespaces.printing.print_map` with layer
    ``plan_lamps``): the lamps of ``plan`` (as edited) numbered over the run's lighting
    classes, with the ``budget`` it was proposed for and its figures, in ``lang``."""
    from safespaces.printing import print_map  # matplotlib: only when asked for

    stated = dataclasses.replace(plan, summary={**plan.summary, "budget": int(budget)})
    return print_map(data, layer="plan_lamps", plan=stated, lang=lang, fmt="pdf")


__all__ = [
    "PROCUREMENT_COLUMNS",
    "PlanContext",
    "context",
    "csv_bytes",
    "edited",
    "footfall",
    "gpkg_bytes",
    "lonlat",
    "print_pdf",
    "procurement_table",
    "study_corners",
    "propose",
    "weights",
]
