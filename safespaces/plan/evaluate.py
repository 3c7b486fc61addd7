"""An edited lamp plan evaluated again: lamps dropped or moved, their gains recomputed.

A planner reads the proposals of :func:`~safespaces.plan.plan_lamps`, drops some and moves
others. :func:`evaluate_lamps` models every lamp of the edited plan as the planner models
its candidates (an OSM lamp without tags at that point: the height, flux, distribution
and aim of its context, :func:`~safespaces.lighting.lamp_model`) and adds them one by one,
in rank order, to the illuminance of the existing lamps (:class:`~safespaces.plan.LuxState`,
incremental: each lamp changes only the grid points within the cut-off). Each lamp's
``gain_m`` is then the metres newly at P6 or better given the lamps ranked before it in
the edited plan, exactly as the planner states it for its own proposals.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from safespaces.errors import InputError
from safespaces.lighting import LightingResult
from safespaces.lighting.lamps import lamp_model, lamp_optics
from safespaces.plan.greedy import Singles
from safespaces.plan.lamps import LampPlan, _register, plan_layer
from safespaces.plan.lux import LuxState


def model_points(lighting: LightingResult, points: gpd.GeoSeries) -> gpd.GeoDataFrame:
    """New lamps at ``points`` modelled as the planner models its candidates.

    Parameters
    ----------
    lighting
        The study's lighting result (its segments, public spaces and settings).
    points
        Lamp positions (any CRS; reprojected to the segments').

    Returns
    -------
    geopandas.GeoDataFrame
        One row per point, in order, with the model's columns (``light_context``,
        ``light_height_m``, ``light_intensity_cd``, ``light_distribution``,
        ``light_azimuth_deg``).
    """
    segs = lighting.segments
    pts = points.to_crs(segs.crs) if points.crs is not None else points.set_crs(segs.crs)
    frame = gpd.GeoDataFrame(
        {"source": np.full(len(pts), "osm", dtype=object)},
        geometry=gpd.GeoSeries(pts.to_numpy(), crs=segs.crs),
        crs=segs.crs,
    )
    if len(frame) == 0:
        return frame
    return lamp_model(frame, segs, lighting.public_spaces, lighting.params).reset_index(drop=True)


def evaluate_lamps(
    lighting: LightingResult,
    lamps: gpd.GeoDataFrame,
    *,
    state: LuxState | None = None,
    value: npt.ArrayLike | None = None,
    objective: str = "length",
) -> LampPlan:
    """Evaluate a set of new lamps (an edited plan) on the lighting model.

    Parameters
    ----------
    lighting
        The study's lighting result (the existing lamps stay).
    lamps
        Points with a ``rank`` column (the order in which their gains are counted; kept as
        it is, so a plan with rank 3 dropped keeps ranks 1, 2, 4 ...). Height and intensity
        are those of the lamp model at each point (as the planner proposes them).
    state
        The illuminance of the existing lamps (:class:`LuxState`), reused when given (it
        is copied, never changed); computed when None.
    value
        The worth of a metre of each segment (:func:`~safespaces.plan.segment_weights`);
        None: 1 per metre.
    objective
        The objective ``value`` stands for (``gain_<objective>`` columns when not
        ``length``).

    Returns
    -------
    LampPlan
        Layer ``plan_lamps`` of the edited plan (``rank``, ``segment_id`` of the nearest
        segment, ``light_context``, ``height_m``, ``intensity_cd``, ``light_distribution``,
        ``gain_m``, ``cumulative_gain_m``), its register and a before/after summary with
        the keys of :func:`~safespaces.plan.plan_lamps`'s.

    Raises
    ------
    InputError
        ``lamps`` has no ``rank`` column, or ranks appear twice.
    """
    if "rank" not in lamps.columns:
        raise InputError(
            "the lamps to evaluate have no rank column",
            column="rank",
            fix="give each lamp its rank (1 = counted first), as layer plan_lamps has",
        )
    ranks = pd.to_numeric(lamps["rank"], errors="coerce")
    if ranks.isna().any() or ranks.duplicated().any():
        raise InputError(
            "the lamps to evaluate need distinct whole ranks",
            column="rank",
            fix="number the lamps 1, 2, 3 ... (dropped ranks may be missing)",
        )
    segs = lighting.segments
    ordered = lamps.assign(rank=ranks.astype(np.int64)).sort_values("rank", kind="stable")
    modelled = model_points(lighting, ordered.geometry)
    base = LuxState(segs, lighting.lamps, lighting.params) if state is None else state
    trial = base.copy()
    before = trial.p6_length()
    worth = np.ones(len(segs)) if value is None else np.asarray(value, dtype=float)
    gain_m = np.zeros(len(modelled))
    weighted = np.zeros(len(modelled))
    if len(modelled):
        singles = Singles(lamp_optics(modelled))
        for k in range(len(modelled)):
            one = singles[k]
            weighted[k] = trial.gain(one, worth)[0].weighted
            gain_m[k] = trial.add(one)
    after = trial.p6_length()
    nearest = _nearest_segment(segs, modelled)
    layer = plan_layer(
        modelled.set_crs(segs.crs, allow_override=True),
        ordered["rank"].to_numpy(dtype=np.int64),
        nearest,
        gain_m,
        weighted,
        objective,
    )
    total = float(trial.length.sum())
    summary: dict[str, Any] = {
        "proposed": len(layer),
        "objective": objective,
        "walking_length_m": round(total, 1),
        "p6_length_before_m": round(before, 1),
        "p6_length_after_m": round(after, 1),
        "gain_m": round(after - before, 1),
        "p6_share_before": round(before / total, 4) if total > 0 else None,
        "p6_share_after": round(after / total, 4) if total > 0 else None,
    }
    if objective != "length":
        summary[f"gain_{objective}"] = round(float(weighted.sum()), 2)
    return LampPlan(layer, _register(lighting.lamps, layer), summary)


def edit_plan(
    lamps: gpd.GeoDataFrame,
    *,
    drop: tuple[int, ...] = (),
    move: dict[int, tuple[float, float]] | None = None,
) -> gpd.GeoDataFrame:
    """The points of a plan with ranks ``drop`` left out and ranks in ``move`` shifted by
    ``(dx, dy)`` metres (east, north, in the layer's metric CRS); ``rank`` kept."""
    move = move or {}
    kept = lamps[~lamps["rank"].isin(list(drop))]
    geoms = kept.geometry.to_numpy().copy()
    ranks = kept["rank"].to_numpy()
    for rank, (dx, dy) in move.items():
        hit = np.flatnonzero(ranks == rank)
        if len(hit):
            geoms[hit] = shapely.transform(geoms[hit], partial(_shift, by=(dx, dy)))
    return gpd.GeoDataFrame(
        {"rank": ranks}, geometry=gpd.GeoSeries(geoms, crs=lamps.crs), crs=lamps.crs
    )


def _shift(xy: npt.NDArray[np.float64], by: tuple[float, float]) -> npt.NDArray[np.float64]:
    return xy + np.asarray(by, dtype=float)


def _nearest_segment(segs: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame) -> npt.NDArray[Any]:
    if len(lamps) == 0 or len(segs) == 0:
        return np.zeros(0, dtype=np.int64)
    pairs = segs.sindex.nearest(lamps.geometry.to_numpy(), return_all=False)
    ids = segs["segment_id"].to_numpy() if "segment_id" in segs.columns else np.arange(len(segs))
    out = np.empty(len(lamps), dtype=ids.dtype)
    out[pairs[0]] = ids[pairs[1]]
    return out


__all__ = ["edit_plan", "evaluate_lamps", "model_points"]
