"""Where to put the next lamps: a greedy planner on the lighting model.

The planner proposes ``budget`` new lamps that lift the most walking length to
EN 13201-2 class P6 or better (E_avg >= 2 lx and E_min >= 0.4 lx on the EN
13201-3 grid of each segment), exactly as the lighting stage classes segments
(:mod:`safespaces.lighting.illuminance`). The length may be weighted per segment
by its pedestrian flow (``footfall``) or by the residents within 400 m
(``homes``).

Candidates lie every ``spacing_m`` along the segments that are dark today
(``below P6`` or ``unlit``), restricted to park paths (``where='parks'``: the
segment's midpoint inside a public space of a park kind) or to the other
segments (``'streets'``). Each candidate is modelled as an OSM lamp without tags
is: the mounting height, flux and distribution of its context (street, park path,
pedestrian area; :func:`safespaces.lighting.lamp_context`), aimed at the nearest
segment (:func:`safespaces.lighting.lamps.lamp_azimuth`).

Algorithm: greedy with lazy evaluation (in the manner of CELF, Leskovec et al.
2007): a max-heap holds each candidate's computed gain and the top is taken. A
candidate's gain is computed incrementally: a lamp lights only the grid points
within ``lighting.cutoff_m``, so its contribution is added to those points alone
and only the segments owning them are aggregated and classed again. For the same
reason a candidate's gain changes only when a chosen lamp changed one of the
segments it reaches: after each choice exactly those candidates are computed
again, every other heap entry is still exact. (CELF keeps stale gains as upper
bounds; that is only valid for a submodular objective, see below.) The result is
the plain greedy's choice (tested), for a few dozen evaluations per lamp instead
of one per candidate.

Guarantee: for a monotone submodular objective the greedy reaches at least
1 - 1/e (63 %) of the optimum (Nemhauser, Wolsey & Fisher 1978). Length lifted to
P6 is monotone (lux only grows) but **not submodular**: a segment may need two
lamps to cross the threshold, so a second lamp can gain more than the first, and
no single lamp may gain anything where a pair would. The bound therefore does not
hold in general (on small brute-force cases the greedy alone reached 0 of the
optimum at K = 2). Ties at zero gain are broken by the progress towards P6 (the
mean of E_avg / 2 lx and E_min / 0.4 lx, capped at 1, weighted by length), so the
greedy can build up pairs. An exact step follows (:mod:`safespaces.plan.exact`):
the placement as a mixed-integer programme solved or bounded by HiGHS; the better
plan is kept and :func:`bound_summary` states what is proven (optimal, or at least
a share of the best placement; unknown when the step did not run). See
``docs/plan.md``.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from safespaces.errors import InputError, SettingError
from safespaces.lighting import LightingResult
from safespaces.lighting.lamps import LampOptics, lamp_model, lamp_optics
from safespaces.lighting.params import LightingParams
from safespaces.lighting.vocabulary import DARK_CLASSES
from safespaces.plan.exact import DEFAULT_EXACT_SECONDS, ExactSolution, exact_lamps
from safespaces.plan.greedy import greedy
from safespaces.plan.lux import Gain, LuxState

#: ``where``: the segments that may receive a lamp.
WHERE: tuple[str, ...] = ("parks", "streets", "all")
#: ``objective``: what a metre lifted to P6 is worth.
OBJECTIVES: tuple[str, ...] = ("length", "footfall", "homes")
#: Residents counted for ``objective='homes'`` live within this distance of a segment (m).
HOMES_RADIUS_M = 400.0
#: Default distance between candidate positions along a dark segment (m).
DEFAULT_SPACING_M = 12.0


def in_parks(
    segments: gpd.GeoDataFrame, public_spaces: gpd.GeoDataFrame | None, params: LightingParams
) -> npt.NDArray[np.bool_]:
    """True for segments whose midpoint lies inside a public space of a park kind
    (``lighting.park_kinds``)."""
    out = np.zeros(len(segments), dtype=bool)
    if public_spaces is None or len(public_spaces) == 0 or len(segments) == 0:
        return out
    kind = public_spaces["kind"].astype("string").str.strip().str.lower()
    parks = public_spaces[kind.isin(list(params.park_kinds)).to_numpy(dtype=bool, na_value=False)]
    if len(parks) == 0:
        return out
    mid = shapely.line_interpolate_point(segments.geometry.to_numpy(), 0.5, normalized=True)
    pairs = parks.sindex.query(mid, predicate="intersects")
    out[pairs[0]] = True
    return out


def candidate_lamps(
    lighting: LightingResult,
    where: str = "all",
    spacing_m: float = DEFAULT_SPACING_M,
) -> gpd.GeoDataFrame:
    """Candidate lamp positions along the dark segments, modelled as untagged OSM lamps.

    Positions lie at ``spacing_m / 2, 3 spacing_m / 2, ...`` along each segment of
    class ``below P6`` or ``unlit`` (at least one, at the middle of a short segment),
    on its centre line. Each gets the height, flux and distribution of its context
    and its aim from :func:`~safespaces.lighting.lamp_model`.

    Returns
    -------
    geopandas.GeoDataFrame
        The modelled candidates with ``segment_id`` and ``seg_pos`` (the row of the
        segment they lie on).
    """
    _check_choice("where", where, WHERE)
    if not (math.isfinite(spacing_m) and spacing_m > 0):
        raise SettingError(
            "spacing_m",
            spacing_m,
            "the candidate spacing must be a positive number of metres",
            "give a spacing such as 12",
            source="plan lamps",
        )
    segs = lighting.segments
    params = lighting.params
    dark = np.isin(segs["light_class"].to_numpy(dtype=object), np.array(DARK_CLASSES, dtype=object))
    park = in_parks(segs, lighting.public_spaces, params)
    if where == "parks":
        dark &= park
    elif where == "streets":
        dark &= ~park
    rows = np.flatnonzero(dark)
    geoms = segs.geometry.to_numpy()[rows]
    length = shapely.length(geoms)
    count = np.maximum(np.floor(length / spacing_m), 1).astype(np.intp)
    seg_pos = np.repeat(rows, count)
    k = np.arange(int(count.sum())) - np.repeat(np.cumsum(count) - count, count)
    step = np.repeat(length / count, count)
    pts = shapely.line_interpolate_point(np.repeat(geoms, count), (k + 0.5) * step)
    cand = gpd.GeoDataFrame(
        {"source": "osm", "seg_pos": seg_pos},
        geometry=gpd.GeoSeries(pts, crs=segs.crs),
        crs=segs.crs,
    )
    if "segment_id" in segs.columns:
        cand["segment_id"] = segs["segment_id"].to_numpy()[seg_pos]
    if len(cand) == 0:
        return cand
    modelled = lamp_model(cand, segs, lighting.public_spaces, params)
    return modelled.reset_index(drop=True)


def segment_weights(
    segments: gpd.GeoDataFrame,
    objective: str,
    *,
    flow: npt.ArrayLike | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    radius_m: float = HOMES_RADIUS_M,
) -> npt.NDArray[np.float64]:
    """The worth of a metre of each segment lifted to P6 under an objective.

    ``length``: 1. ``footfall``: the segment's pedestrian flow potential (``flow``,
    e.g. the eyes family's ``eyes_flow_400m``), divided by its length-weighted mean
    so that an average metre is worth 1. ``homes``: residents (``residents_est`` of
    ``buildings``, at their representative points) within ``radius_m`` of the
    segment, likewise divided by the mean.

    Raises
    ------
    InputError
        ``footfall`` without ``flow``, ``homes`` without buildings with
        ``residents_est``.
    """
    _check_choice("objective", objective, OBJECTIVES)
    n = len(segments)
    length = shapely.length(segments.geometry.to_numpy()).astype(float)
    if objective == "length":
        return np.ones(n)
    if objective == "footfall":
        if flow is None:
            raise InputError(
                "objective 'footfall' needs the pedestrian flow of every segment",
                column="eyes_flow_400m",
                fix="pass flow= (the eyes family's eyes_flow_<r>m column), or use "
                "--objective length",
            )
        raw = np.nan_to_num(np.asarray(flow, dtype=float), nan=0.0)
        if raw.shape != (n,):
            raise InputError(
                f"flow has {raw.shape[0] if raw.ndim else 0} values for {n} segments",
                fix="pass one flow value per segment, in the segments' order",
            )
    else:
        if buildings is None or "residents_est" not in buildings.columns:
            raise InputError(
                "objective 'homes' needs buildings with residents_est",
                column="residents_est",
                fix="load the study with its buildings (safespaces estimates residents_est), "
                "or use --objective length",
            )
        people = pd.to_numeric(buildings["residents_est"], errors="coerce").fillna(0.0)
        pts = buildings.geometry.representative_point().to_numpy()
        raw = np.zeros(n)
        if len(pts) and n:
            pairs = segments.sindex.query(pts, predicate="dwithin", distance=radius_m)
            raw = np.bincount(
                pairs[1], weights=people.to_numpy(dtype=float)[pairs[0]], minlength=n
            ).astype(float)
    total = float(length.sum())
    mean = float((raw * length).sum()) / total if total > 0 else 0.0
    if not mean > 0:
        what = "pedestrian flow" if objective == "footfall" else f"residents within {radius_m:g} m"
        raise InputError(
            f"objective {objective!r}: no segment has any {what}, so every lamp is worth 0",
            column="eyes_flow_400m" if objective == "footfall" else "residents_est",
            fix="use --objective length, or an extract with buildings and a walking network",
        )
    return raw / mean


def _check_choice(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise SettingError(
            name,
            value,
            f"not one of {', '.join(allowed)}",
            f"use --{name} {allowed[-1]} (or another of {', '.join(allowed)})",
            source="plan lamps",
        )


@dataclasses.dataclass(frozen=True)
class LampPlan:
    """The proposed lamps, the register to re-run the lighting with, and a summary.

    Attributes
    ----------
    lamps
        Layer ``plan_lamps``: one point per proposed lamp, best first.
    register
        Every modelled lamp of the study plus the proposals, as a lamp register
        (points; ``height_m``, ``intensity_cd``, ``luminaire``, ``planned``, ``rank``).
    summary
        Before / after figures (JSON data).
    """

    lamps: gpd.GeoDataFrame
    register: gpd.GeoDataFrame
    summary: dict[str, Any]

    def layers(self) -> dict[str, gpd.GeoDataFrame]:
        """Output layers by name."""
        return {"plan_lamps": self.lamps}

    def register_table(self) -> pd.DataFrame:
        """The register as the CSV ``--lamps`` reads: ``lon``/``lat`` (WGS 84) and columns."""
        reg = self.register
        lonlat = shapely.get_coordinates(reg.geometry.to_crs(4326).to_numpy())
        table = pd.DataFrame(reg.drop(columns=reg.geometry.name))
        table.insert(1, "lon", lonlat[:, 0])
        table.insert(2, "lat", lonlat[:, 1])
        return table


def plan_lamps(
    lighting: LightingResult,
    budget: int,
    *,
    where: str = "all",
    objective: str = "length",
    flow: npt.ArrayLike | None = None,
    buildings: gpd.GeoDataFrame | None = None,
    spacing_m: float = DEFAULT_SPACING_M,
    exact_seconds: float = DEFAULT_EXACT_SECONDS,
) -> LampPlan:
    """Propose ``budget`` new lamps that lift the most walking length to P6 or better.

    See the module docstring for the candidates, the algorithm and its guarantee.

    Parameters
    ----------
    lighting
        The lighting result of the study (:func:`~safespaces.lighting.analyse_lighting`).
    budget
        Number of new lamps (>= 1). Fewer are proposed when no candidate helps.
    where
        ``parks``, ``streets`` or ``all``: the dark segments that may get a lamp.
    objective
        ``length`` (metres lifted to P6+), ``footfall`` (weighted by ``flow``) or
        ``homes`` (weighted by the residents within 400 m, from ``buildings``).
    flow, buildings
        What ``footfall`` and ``homes`` need (:func:`segment_weights`).
    spacing_m
        Distance between candidate positions along a dark segment.
    exact_seconds
        Time for the exact step (:mod:`safespaces.plan.exact`): the best placement as a
        mixed-integer programme, and the proven bound the plan is measured against
        (0: greedy only, no bound).

    Returns
    -------
    LampPlan

    Raises
    ------
    SettingError
        ``budget`` below 1, unknown ``where`` or ``objective``.
    InputError
        The objective's data is missing.
    """
    if isinstance(budget, bool) or not isinstance(budget, (int, np.integer)) or budget < 1:
        raise SettingError(
            "budget",
            budget,
            "the budget must be a whole number of lamps, 1 or more",
            "give --budget 10 (or another positive number)",
            source="plan lamps",
        )
    _check_choice("where", where, WHERE)
    _check_choice("objective", objective, OBJECTIVES)
    segs = lighting.segments
    params = lighting.params
    value = segment_weights(segs, objective, flow=flow, buildings=buildings)
    cand = candidate_lamps(lighting, where, spacing_m)
    state = LuxState(segs, lighting.lamps, params)
    before = state.p6_length()
    optics = lamp_optics(cand) if len(cand) else None
    chosen, gains, exact, state = choose(state, optics, value, int(budget), exact_seconds)
    total = float(state.length.sum())
    layer = _plan_layer(cand, chosen, gains, objective)
    after = state.p6_length()
    summary: dict[str, Any] = {
        "budget": int(budget),
        "proposed": len(chosen),
        "where": where,
        "objective": objective,
        "weight": {
            "length": "1 per metre",
            "footfall": "pedestrian flow potential (eyes_flow_<r>m) / its length-weighted mean",
            "homes": f"residents_est within {HOMES_RADIUS_M:.0f} m / its length-weighted mean",
        }[objective],
        "candidates": len(cand),
        "candidate_spacing_m": float(spacing_m),
        "walking_length_m": round(total, 1),
        "p6_length_before_m": round(before, 1),
        "p6_length_after_m": round(after, 1),
        "gain_m": round(after - before, 1),
        "p6_share_before": round(before / total, 4) if total > 0 else None,
        "p6_share_after": round(after / total, 4) if total > 0 else None,
    }
    weighted = float(sum(g.weighted for g in gains))
    summary.update(bound_summary(exact, weighted, int(budget)))
    if objective != "length":
        summary[f"gain_{objective}"] = round(weighted, 2)
    return LampPlan(layer, _register(lighting.lamps, layer), summary)


def choose(
    state: LuxState,
    optics: LampOptics | None,
    value: npt.NDArray[np.float64],
    budget: int,
    exact_seconds: float = DEFAULT_EXACT_SECONDS,
) -> tuple[list[int], list[Gain], ExactSolution, LuxState]:
    """The greedy's lamps or the exact step's, whichever lifts more, ranked.

    The exact step's set is ranked by the greedy run on that set alone (each lamp's
    gain given those before it), and any budget it leaves is filled greedily from
    the other candidates. ``state`` is not changed.

    Returns
    -------
    chosen, gains, exact, after
        Candidate positions in rank order, the gain of each, what the exact step
        found and proved, and the lux state with the chosen lamps.
    """
    none = np.zeros(0, dtype=np.intp)
    if optics is None or len(optics) == 0:
        return [], [], ExactSolution(none, "optimal", 0.0, 0.0), state.copy()
    after = state.copy()
    chosen, gains = greedy(after, optics, value, budget)
    exact = exact_lamps(state, optics, value, budget, time_limit_s=exact_seconds)
    if len(exact.chosen) == 0:
        return chosen, gains, exact, after
    trial = state.copy()
    inside = np.zeros(len(optics), dtype=bool)
    inside[exact.chosen] = True
    first, by_rank = greedy(trial, optics.subset(inside), value, len(exact.chosen))
    picks = [int(k) for k in exact.chosen[first]]
    others = np.flatnonzero(~inside)
    if len(picks) < budget and len(others):
        more, fill = greedy(trial, optics.subset(~inside), value, budget - len(picks))
        picks += [int(k) for k in others[more]]
        by_rank += fill
    if sum(g.weighted for g in by_rank) > sum(g.weighted for g in gains) + 1e-9:
        return picks, by_rank, exact, trial
    return chosen, gains, exact, after


def bound_summary(exact: ExactSolution, got: float, budget: int) -> dict[str, Any]:
    """Summary figures of the exact step: the proven bound and the plan's share of it."""
    out: dict[str, Any] = {"exact": exact.summary()}
    if exact.status in ("not run", "too large"):
        why = (
            "the exact step was not run (exact_seconds 0)"
            if exact.status == "not run"
            else f"{exact.candidates:,} candidates are too many for the exact step"
        )
        out["optimum_bound"] = None
        out["share_of_optimum_at_least"] = None
        out["guarantee"] = (
            f"unknown: {why}; the greedy alone has no guarantee (the objective is not "
            "submodular: a segment may need two lamps; docs/plan.md)"
        )
        return out
    bound = max(exact.upper_bound, got)
    optimal = exact.status == "optimal" and got >= bound - 1e-6 * max(bound, 1.0)
    share = 1.0 if optimal or bound <= 0 else got / bound
    out["optimum_bound"] = math.ceil(bound * 100) / 100  # rounded up: still a bound
    out["share_of_optimum_at_least"] = round(math.floor(share * 1000) / 1000, 3)
    if optimal:
        out["guarantee"] = (
            f"optimal: no placement of {budget} lamps on these candidates lifts more "
            "(proved by HiGHS's branch and bound)"
        )
    elif exact.trivial:
        out["guarantee"] = (
            f"unknown: in {exact.seconds:.0f} s the exact step proved no bound tighter than "
            f"every segment {budget} lamps could lift at all, which only shows the plan "
            f"reaches at least {math.floor(share * 1000) / 10:.1f} % of the best; give it more "
            "time (--exact-seconds) for a useful bound (docs/plan.md)"
        )
    else:
        out["guarantee"] = (
            f"the plan reaches at least {math.floor(share * 1000) / 10:.1f} % of the best "
            f"placement of {budget} lamps on these candidates (HiGHS's proven bound "
            f"after {exact.seconds:.0f} s; docs/plan.md)"
        )
    return out


def _plan_layer(
    cand: gpd.GeoDataFrame, chosen: list[int], gains: list[Gain], objective: str
) -> gpd.GeoDataFrame:
    rows = cand.iloc[chosen] if len(cand) else cand
    return plan_layer(
        rows,
        np.arange(1, len(chosen) + 1, dtype=np.int64),
        rows["segment_id"].to_numpy() if "segment_id" in rows else None,
        np.array([g.metres for g in gains], dtype=float),
        np.array([g.weighted for g in gains], dtype=float),
        objective,
    )


def plan_layer(
    lamps: gpd.GeoDataFrame,
    rank: npt.ArrayLike,
    segment_id: npt.ArrayLike | None,
    gain_m: npt.NDArray[np.float64],
    weighted: npt.NDArray[np.float64],
    objective: str,
) -> gpd.GeoDataFrame:
    """Layer ``plan_lamps`` from modelled lamps (``lamp_model`` columns) in rank order."""
    some = len(lamps) > 0
    out = gpd.GeoDataFrame(
        {
            "rank": rank,
            "segment_id": segment_id,
            "light_context": lamps["light_context"].to_numpy(dtype=object)
            if some
            else np.zeros(0, dtype=object),
            "height_m": lamps["light_height_m"].to_numpy(dtype=float) if some else [],
            "intensity_cd": lamps["light_intensity_cd"].to_numpy(dtype=float) if some else [],
            "light_distribution": lamps["light_distribution"].to_numpy(dtype=object)
            if some
            else np.zeros(0, dtype=object),
            "gain_m": gain_m,
            "cumulative_gain_m": np.cumsum(gain_m),
        },
        geometry=gpd.GeoSeries(lamps.geometry.to_numpy(), crs=lamps.crs),
        crs=lamps.crs,
    )
    if objective != "length":
        out[f"gain_{objective}"] = weighted
        out[f"cumulative_gain_{objective}"] = np.cumsum(weighted)
    return out


def _register(existing: gpd.GeoDataFrame, proposed: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Every modelled lamp and the proposals, with the values the lamp model resolved.

    A register replaces the OSM lamps inside its coverage, so it carries the existing
    lamps too: re-run with it, the lighting models the same lamps plus the new ones.
    """
    position = np.arange(len(existing)).astype(str).astype(object)
    ids = (
        existing["lamp_id"].astype("string").fillna("").to_numpy(dtype=object)
        if "lamp_id" in existing.columns
        else position
    )
    ids = np.where(ids == "", position, ids)
    old = gpd.GeoDataFrame(
        {
            "lamp_id": np.char.add("existing-", ids.astype(str)).astype(object),
            "height_m": existing["light_height_m"].to_numpy(dtype=float),
            "intensity_cd": existing["light_intensity_cd"].to_numpy(dtype=float),
            "luminaire": existing["light_distribution"].to_numpy(dtype=object),
            "planned": "no",
            "rank": pd.array([pd.NA] * len(existing), dtype="Int64"),
        },
        geometry=gpd.GeoSeries(existing.geometry.to_numpy(), crs=existing.crs),
        crs=existing.crs,
    )
    new = gpd.GeoDataFrame(
        {
            "lamp_id": [f"plan-{r}" for r in proposed["rank"]],
            "height_m": proposed["height_m"].to_numpy(dtype=float),
            "intensity_cd": proposed["intensity_cd"].to_numpy(dtype=float),
            "luminaire": proposed["light_distribution"].to_numpy(dtype=object),
            "planned": "yes",
            "rank": pd.array(proposed["rank"].to_numpy(), dtype="Int64"),
        },
        geometry=gpd.GeoSeries(proposed.geometry.to_numpy(), crs=proposed.crs),
        crs=proposed.crs,
    )
    return gpd.GeoDataFrame(pd.concat([old, new], ignore_index=True), crs=existing.crs)


__all__ = [
    "DEFAULT_SPACING_M",
    "HOMES_RADIUS_M",
    "OBJECTIVES",
    "WHERE",
    "LampPlan",
    "candidate_lamps",
    "greedy",
    "in_parks",
    "plan_lamps",
    "segment_weights",
]
