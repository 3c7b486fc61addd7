"""Which premises, kept open later, add the most eyes where they are needed at night.

The objective
-------------
For each walking segment s the *need* is

    need_s = dark_s x busy_s x homes_s

- ``dark_s`` = 1 when the lighting family classes it below EN 13201 P6 or
  unlit (``light_class`` in ``below P6``, ``unlit``), else
  :attr:`HoursParams.lit_weight` (default 0.1: a lit street still gains a little);
- ``busy_s`` = F_s / max F, the eyes family's pedestrian-flow potential
  (``eyes_flow_<r>m`` at :attr:`EyesParams.flow_radius_m`) relative to the
  study's busiest segment;
- ``homes_s`` = R_s / max R, the residents of the buildings whose
  representative point lies within :attr:`HoursParams.homes_radius_m` (400 m,
  straight line) of the segment's midpoint, relative to the study's maximum.

Each segment weighs w_s = need_s x length_s. The measure of the plan is the
need-weighted mean eyes index over the hours of darkness D of the eyes model
(the darkness table of the study: in the reference week of March, 19:00-06:00):

    M = sum_s w_s mean_{h in D} eyes_s(h) / sum_s w_s      (index points, 0..100)

and the ``gain`` of a plan is the rise of M when its premises stay open until
the proposed hour, with the eyes index of the eyes family
(:func:`safespaces.eyes.analyse_eyes`) and nothing else changed.

The algorithm
-------------
A premises changes only the segment it is a door of: its open hours enter
``doors`` and ``active`` of that segment, each saturating (min(x / sat, 1)).
M is therefore a sum over segments of concave functions of the premises
added there: monotone and submodular. Premises on different segments add up
exactly; on one segment they add up until a saturation point is reached. The
greedy takes the premises with the largest marginal gain K times; after each
pick only the premises of the same segment have their gain recomputed (the
others' gains are unchanged: exact lazy evaluation), so the result equals the
plain greedy's, within (1 - 1/e) of the optimum (Nemhauser, Wolsey and Fisher
1978), and equal to the optimum when no segment saturates (``additive`` in the
result, checked on all candidates together).
"""

from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Callable, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from safespaces.errors import InputError, SettingError
from safespaces.eyes.analysis import EyesResult
from safespaces.eyes.facing import nearest_segment, per_100m
from safespaces.eyes.hours import opening_table
from safespaces.eyes.index import saturate
from safespaces.eyes.params import COMPONENTS, HOURS, WEEKDAYS, EyesParams, normalise_weekday
from safespaces.eyes.vocabulary import HOUR_COLUMNS
from safespaces.lighting.vocabulary import CLASS_COLUMN, DARK_CLASSES, UNKNOWN_CLASSES
from safespaces.plan.report import hours_shortfall, no_need_error
from safespaces.sources.frames import empty_points, premises

#: Name of the layer of the proposals.
LAYER = "plan_hours"


@dataclasses.dataclass(frozen=True)
class HoursParams:
    """Settings of :func:`plan_hours`.

    Attributes
    ----------
    until_hour
        The proposed closing hour (0..24; 24 and 0 are midnight; hours before
        :attr:`EyesParams.day_start_hour` are in the night after the chosen day).
    lit_weight
        ``dark_s`` of a segment at P6 or better, or lit without mapped lamps, or
        without lamp data.
    homes_radius_m
        Residents within this distance (straight line) of a segment's midpoint
        count as its homes.
    categories
        Only premises of these categories (``cafe``) or keys (``shop``) are
        candidates; empty: every premises.
    """

    until_hour: int = 22
    lit_weight: float = 0.1
    homes_radius_m: float = 400.0
    categories: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True)
class HoursPlan:
    """What :func:`plan_hours` proposes.

    Attributes
    ----------
    proposals
        ``plan_hours``: one point per proposed premises, in greedy order.
    before, after
        M (need-weighted mean eyes in the dark hours) now and with the plan.
    additive
        True when no segment saturates with every candidate open late: M is then
        additive over premises and the greedy is the exact optimum.
    candidates
        Number of premises that could stay open later (open on the chosen day,
        closing before the proposed hour, a door of some segment).
    dark_hours
        Clock hours of darkness used.
    until_hour
        The proposed closing hour.
    budget
        The number of premises asked for.
    premises
        Number of premises in the study (candidates or not).
    light_unknown_share
        Share of the walking length whose light is unknown (``lit, lamps not mapped``,
        ``no lamp data``): weighed as lit (:attr:`HoursParams.lit_weight`), not as dark.
        None without walking length.
    """

    proposals: gpd.GeoDataFrame
    before: float
    after: float
    additive: bool
    candidates: int
    dark_hours: tuple[int, ...]
    until_hour: int
    budget: int = 0
    premises: int = 0
    light_unknown_share: float | None = None
    #: premises rows (positions in ``premises(pois)``) of every candidate
    candidate_rows: npt.NDArray[np.int64] = dataclasses.field(
        default_factory=lambda: np.zeros(0, dtype=np.int64), repr=False
    )
    _evaluate: Callable[[Sequence[int]], float] | None = dataclasses.field(default=None, repr=False)

    def gain_of(self, rows: Sequence[int]) -> float:
        """The rise of M if the premises at these rows (candidates) stay open until the
        proposed hour: the same model as the plan (to compare other choices with it).

        Raises
        ------
        ValueError
            A row is not a candidate.
        """
        if self._evaluate is None:
            raise ValueError("this plan has no model to evaluate")
        return self._evaluate(rows)

    @property
    def gain(self) -> float:
        """after - before."""
        return self.after - self.before

    def summary(self) -> dict[str, Any]:
        """The figures of the plan (for ``plan_hours_summary.json``)."""
        return {
            "budget": self.budget,
            "proposed": len(self.proposals),
            "until_hour": self.until_hour,
            "candidates": self.candidates,
            "dark_hours": list(self.dark_hours),
            "need_weighted_dark_eyes_before": round(self.before, 4),
            "need_weighted_dark_eyes_after": round(self.after, 4),
            "gain": round(self.gain, 4),
            "greedy_exact": self.additive,
            "premises": self.premises,
            "light_unknown_share": self.light_unknown_share,
            "note": self.note,
        }

    @property
    def note(self) -> str | None:
        """Why fewer premises than the budget are proposed (None: the whole budget)."""
        return hours_shortfall(
            self.budget, len(self.proposals), self.candidates, self.premises, self.until_hour
        )

    def proposed_premises(self, pois: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
        """``pois`` (as given to :func:`plan_hours`) with the proposed premises' ``opening_hours``
        changed to stay open until the proposed hour."""
        out = premises(pois).copy()
        rows = self.proposals["premises_row"].to_numpy(dtype=np.int64)
        out["opening_hours"] = out["opening_hours"].astype(object)
        col = out.columns.get_loc("opening_hours")
        out.iloc[rows, col] = self.proposals["opening_hours_proposed"].to_numpy(dtype=object)
        return out


def validate(budget: int, until_hour: int) -> None:
    """Refuse a budget below 1 or an hour outside 0..24.

    Raises
    ------
    SettingError
    """
    if int(budget) != budget or budget < 1:
        raise SettingError(
            "plan.budget",
            budget,
            "is not a number of premises",
            "give 1 or more",
            source="--budget",
        )
    if int(until_hour) != until_hour or not 0 <= until_hour <= 24:
        raise SettingError(
            "plan.until_hour",
            until_hour,
            "is not a clock hour",
            "give an hour from 0 to 24 (24 = midnight)",
            source="--until",
        )


def _position(hour: int, start: int) -> int:
    """Position in the day from ``start`` of the end of an opening that ends at ``hour``."""
    pos = (int(hour) - start) % HOURS
    return HOURS if pos == 0 else pos


def segment_need(
    segments: pd.DataFrame,
    buildings: gpd.GeoDataFrame | None,
    eyes: EyesParams,
    params: HoursParams,
) -> pd.DataFrame:
    """``need_dark``, ``need_busy``, ``need_homes``, ``need`` of every segment (see the module).

    Raises
    ------
    MissingColumnError
        Segments without ``light_class`` (run the lighting family first) or the flow column.
    """
    flow_col = f"eyes_flow_{int(eyes.flow_radius_m)}m"
    for col, fix in ((CLASS_COLUMN, "run the lighting analysis"), (flow_col, "run the eyes")):
        if col not in segments:
            raise InputError(
                "the segments lack a column the planner needs", column=col, fix=fix + " first"
            )
    cls = segments[CLASS_COLUMN].to_numpy(dtype=object)
    dark = np.where(np.isin(cls, DARK_CLASSES), 1.0, params.lit_weight)
    flow = np.nan_to_num(segments[flow_col].to_numpy(dtype=float))
    busy = flow / flow.max() if len(flow) and flow.max() > 0 else np.zeros(len(flow))
    residents: npt.NDArray[np.float64] = np.zeros(len(segments))
    if buildings is not None and len(buildings):
        rcol = next((c for c in ("residents", "residents_est") if c in buildings), None)
        if rcol is not None:
            pts = buildings.geometry.representative_point().to_numpy()
            mids = shapely.line_interpolate_point(
                segments.geometry.to_numpy(), 0.5, normalized=True
            )
            tree = shapely.STRtree(pts)
            seg, bld = tree.query(mids, predicate="dwithin", distance=params.homes_radius_m)
            weights = np.nan_to_num(buildings[rcol].to_numpy(dtype=float))[bld]
            residents = np.bincount(seg, weights, minlength=len(segments)).astype(float)
    homes = residents / residents.max() if residents.max() > 0 else residents
    return pd.DataFrame(
        {
            "need_dark": dark,
            "need_busy": busy,
            "need_homes": homes,
            "need": dark * busy * homes,
        },
        index=segments.index,
    )


@dataclasses.dataclass
class _Model:
    """The eyes index of each segment as a function of its open premises (the doors and
    active components; the other components stay as they are)."""

    length: npt.NDArray[np.float64]
    doors: npt.NDArray[np.float64]  # (n, 24) doors in use: entrances + open premises
    active: npt.NDArray[np.float64]  # (n, 24) weighted open premises
    factor_doors: npt.NDArray[np.float64]  # (n, 24) light factor in the dark hours, else 1
    factor_active: npt.NDArray[np.float64]
    eyes: EyesParams

    def part(
        self,
        seg: npt.NDArray[np.int64],
        doors: npt.NDArray[np.float64],
        active: npt.NDArray[np.float64],
    ) -> npt.NDArray[np.float64]:
        """Index points (n, 24) of the doors and active components at these counts."""
        p = self.eyes
        total = sum(float(p.weights.get(k, 0.0)) for k in COMPONENTS)
        length = self.length[seg][:, None]
        s_doors = saturate(per_100m(doors, length, p.min_length_m), p.sat_doors_per_100m)
        s_active = saturate(per_100m(active, length, p.min_length_m), p.sat_active_per_100m)
        return (
            100.0
            * (
                float(p.weights.get("doors", 0.0)) * s_doors * self.factor_doors[seg]
                + float(p.weights.get("active", 0.0)) * s_active * self.factor_active[seg]
            )
            / total
        )


def plan_hours(
    eyes_result: EyesResult,
    pois: gpd.GeoDataFrame | None,
    entrances: gpd.GeoDataFrame | None,
    buildings: gpd.GeoDataFrame | None,
    *,
    budget: int,
    eyes: EyesParams | None = None,
    params: HoursParams | None = None,
) -> HoursPlan:
    """The ``budget`` premises whose later closing adds the most need-weighted eyes in the dark.

    Parameters
    ----------
    eyes_result
        The eyes family's result on segments that carry the lighting columns
        (``light_class``), as :func:`safespaces.eyes.analyse_eyes` returns it.
    pois, entrances, buildings
        The premises, entrances and buildings (``residents`` or ``residents_est``)
        given to the eyes analysis.
    budget
        Number of premises to propose (1 or more).
    eyes
        The eyes settings of ``eyes_result``.
    params
        The planner's settings (proposed closing hour, weights).

    Returns
    -------
    HoursPlan
        ``proposals`` has, per premises in greedy order, ``rank``, ``premises_row``
        (position in ``premises(pois)``), ``premises_id``, ``osm_type``, ``osm_id``
        (when the premises have them), ``name``, ``category``, ``closes_now``
        (clock hour), ``closes_proposed``, ``opening_hours`` (now, as read or the
        category's default), ``opening_hours_proposed``, ``segment`` (position of
        its segment), ``gain`` (rise of M given the premises ranked before) and
        ``cumulative_gain``.

    Raises
    ------
    SettingError
        A budget below 1 or an hour outside 0..24.
    InputError
        Segments without the lighting or flow columns.
    """
    eyes = EyesParams() if eyes is None else eyes
    params = HoursParams() if params is None else params
    validate(budget, params.until_hour)
    seg = eyes_result.segments
    n = len(seg)
    crs = seg.crs
    pois = (
        empty_points(crs, ("poi_key", "category", "opening_hours"))
        if pois is None
        else premises(pois)
    )
    entrances = empty_points(crs) if entrances is None else entrances
    needs = segment_need(seg, buildings, eyes, params)
    need = needs["need"].to_numpy()
    length = seg["length_m"].to_numpy(dtype=float)
    w = need * length
    if n and not w.sum() > 0:
        no_need_error(needs, params.homes_radius_m, f"eyes_flow_{int(eyes.flow_radius_m)}m")
    unknown = np.isin(seg[CLASS_COLUMN].to_numpy(dtype=object), UNKNOWN_CLASSES)
    unknown_share = float(length[unknown].sum() / length.sum()) if length.sum() > 0 else None
    dark = np.asarray(eyes_result.dark, dtype=bool)
    dark_idx = np.flatnonzero(dark)
    lines = seg.geometry.to_numpy()

    table = opening_table(pois, eyes)
    poi_seg = nearest_segment(pois.geometry.to_numpy(), lines, eyes.door_distance_m)
    door_seg = nearest_segment(entrances.geometry.to_numpy(), lines, eyes.door_distance_m)
    assigned = poi_seg >= 0
    active = np.zeros((n, HOURS))
    np.add.at(active, poi_seg[assigned], table.is_open[assigned] * table.weight[assigned, None])
    doors = np.zeros((n, HOURS))
    np.add.at(doors, poi_seg[assigned], table.is_open[assigned].astype(float))
    doors += np.bincount(door_seg[door_seg >= 0], minlength=n).astype(float)[:, None]
    light = seg["eyes_light"].to_numpy(dtype=float) if "eyes_light" in seg else np.ones(n)
    lit = np.where(dark[None, :], light[:, None], 1.0)
    ones = np.ones((n, HOURS))
    model = _Model(
        length=length,
        doors=doors,
        active=active,
        factor_doors=lit if "doors" in eyes.light_dependent else ones,
        factor_active=lit if "active" in eyes.light_dependent else ones,
        eyes=eyes,
    )

    # candidates: open on the day, closing before the proposed hour
    start = eyes.day_start_hour
    order = np.array([(start + i) % HOURS for i in range(HOURS)])
    opened = table.is_open[:, order]
    any_open = opened.any(axis=1)
    last = np.where(any_open, HOURS - 1 - np.argmax(opened[:, ::-1], axis=1), -1)
    until = _position(params.until_hour, start)
    kinds = np.ones(len(pois), dtype=bool)
    if params.categories:
        wanted = list(params.categories)
        kinds = np.zeros(len(pois), dtype=bool)
        for col in ("category", "poi_key"):
            if col in pois:
                kinds |= pois[col].astype(str).isin(wanted).to_numpy()
    cand = np.flatnonzero(assigned & kinds & any_open & (last + 1 < until) & (table.weight > 0))
    ext = np.zeros((len(cand), HOURS), dtype=bool)  # hours added, clock order
    for pos in range(HOURS):
        ext[:, order[pos]] = (pos > last[cand]) & (pos < until)
    strings = _proposed_strings(pois, table, cand, last[cand], order, params.until_hour, eyes)
    # keep the candidates whose proposed string reads as planned (the eyes model re-reads it)
    if len(cand):
        check = pois.iloc[cand].assign(opening_hours=[strings[int(c)] for c in cand])
        reread = opening_table(check, eyes).is_open
        ok = (reread == (table.is_open[cand] | ext)).all(axis=1)
        cand, ext = cand[ok], ext[ok]
    cseg = poi_seg[cand]
    add_doors = ext.astype(float)
    add_active = ext * table.weight[cand, None]
    wsum = float(w.sum()) * max(len(dark_idx), 1)

    def value(
        segs: npt.NDArray[np.int64], d: npt.NDArray[np.float64], a: npt.NDArray[np.float64]
    ) -> npt.NDArray[np.float64]:
        return (
            (model.part(segs, d, a)[:, dark_idx].sum(axis=1) * w[segs]) / wsum
            if wsum
            else np.zeros(len(segs))
        )

    state_d, state_a = doors.copy(), active.copy()
    base = value(cseg, state_d[cseg], state_a[cseg])
    gains = value(cseg, state_d[cseg] + add_doors, state_a[cseg] + add_active) - base
    heap = [(-float(g), int(i)) for i, g in enumerate(gains)]
    heapq.heapify(heap)
    version = np.zeros(n, dtype=np.int64)  # picks made on each segment so far
    stamp = np.zeros(len(cand), dtype=np.int64)  # the segment's version when gains[i] was computed
    picked: list[int] = []
    picked_gain: list[float] = []
    while heap and len(picked) < budget:
        g, i = heapq.heappop(heap)
        if not -g > 0:
            break  # the largest gain left is nothing: no premises adds eyes where needed
        s = int(cseg[i])
        if stamp[i] != version[s]:  # its segment changed: recompute on the current state
            one = np.array([s])
            now = value(one, state_d[one], state_a[one])
            new = value(one, state_d[one] + add_doors[[i]], state_a[one] + add_active[[i]])
            stamp[i] = version[s]
            heapq.heappush(heap, (-float(new[0] - now[0]), i))
            continue
        picked.append(i)
        picked_gain.append(-g)
        state_d[s] += add_doors[i]
        state_a[s] += add_active[i]
        version[s] += 1
    # additive check: all candidates together versus the sum of their single gains
    segs = np.unique(cseg)
    all_d, all_a = doors[segs].copy(), active[segs].copy()
    pos_of = {int(s): k for k, s in enumerate(segs)}
    rows = np.array([pos_of[int(s)] for s in cseg], dtype=np.int64)
    np.add.at(all_d, rows, add_doors)
    np.add.at(all_a, rows, add_active)
    together = float((value(segs, all_d, all_a) - value(segs, doors[segs], active[segs])).sum())
    additive = bool(np.isclose(together, float(gains.sum()), rtol=1e-9, atol=1e-12))

    index_of = {int(c): k for k, c in enumerate(cand)}

    def evaluate(rows: Sequence[int]) -> float:
        missing = [r for r in rows if int(r) not in index_of]
        if missing:
            raise ValueError(f"premises rows {missing} are not candidates")
        k = np.array([index_of[int(r)] for r in rows], dtype=np.int64)
        segs = np.unique(cseg[k])
        pos = np.searchsorted(segs, cseg[k])
        d, a = doors[segs].copy(), active[segs].copy()
        np.add.at(d, pos, add_doors[k])
        np.add.at(a, pos, add_active[k])
        return float((value(segs, d, a) - value(segs, doors[segs], active[segs])).sum())

    before = float((_dark_eyes(seg, dark_idx) * w).sum() / w.sum()) if w.sum() else 0.0
    picks = cand[picked] if picked else np.zeros(0, dtype=np.int64)
    proposals = _proposal_frame(
        pois, table, picks, last, order, strings, poi_seg, picked_gain, params, eyes, crs
    )
    return HoursPlan(
        proposals=proposals,
        before=before,
        after=before + float(sum(picked_gain)),
        additive=additive,
        candidates=len(cand),
        dark_hours=tuple(int(h) for h in dark_idx),
        until_hour=int(params.until_hour),
        budget=int(budget),
        premises=len(pois),
        light_unknown_share=None if unknown_share is None else round(unknown_share, 4),
        candidate_rows=cand.astype(np.int64),
        _evaluate=evaluate,
    )


def _dark_eyes(
    segments: pd.DataFrame, dark_idx: Sequence[int] | npt.NDArray[np.int64]
) -> npt.NDArray[np.float64]:
    """Mean eyes index of each segment over the dark hours."""
    cols = [HOUR_COLUMNS[h] for h in dark_idx]
    return segments[cols].to_numpy(dtype=float).mean(axis=1) if cols else np.zeros(len(segments))


def need_weighted_dark_eyes(
    segments: pd.DataFrame, need: npt.ArrayLike, dark: Sequence[bool]
) -> float:
    """M of the module docstring from an eyes result's segments and the segments' need."""
    w = np.asarray(need, dtype=float) * segments["length_m"].to_numpy(dtype=float)
    dark_idx = np.flatnonzero(np.asarray(dark, dtype=bool))
    return float((_dark_eyes(segments, dark_idx) * w).sum() / w.sum()) if w.sum() else 0.0


def _base_string(pois: pd.DataFrame, table: Any, row: int, eyes: EyesParams) -> str:
    """The premises' opening_hours as the eyes model reads them (its tag, or the default)."""
    if table.source[row] == "tag":
        return str(pois["opening_hours"].iloc[row]).strip()
    category = str(pois["category"].iloc[row]) if "category" in pois else ""
    key = str(pois["poi_key"].iloc[row]) if "poi_key" in pois else ""
    for k in (category, key, "*"):
        if k in eyes.default_hours:
            return str(eyes.default_hours[k])
    return ""


def _proposed_strings(
    pois: pd.DataFrame,
    table: Any,
    cand: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
    until_hour: int,
    eyes: EyesParams,
) -> dict[int, str]:
    """The opening_hours of each candidate kept open until ``until_hour`` on the chosen day:
    its string and an additional rule (``,``: it adds to the others) from its closing hour."""
    day = WEEKDAYS.index(normalise_weekday(eyes.weekday))
    out = {}
    for c, lp in zip(cand, last, strict=True):
        opens = int(order[lp + 1]) if lp + 1 < HOURS else int(order[0])
        weekday = WEEKDAYS[(day + 1) % 7] if opens < eyes.day_start_hour else WEEKDAYS[day]
        end = 24 if until_hour % 24 == 0 and opens >= eyes.day_start_hour else until_hour
        rule = f"{weekday} {opens:02d}:00-{end:02d}:00"
        base = _base_string(pois, table, int(c), eyes)
        out[int(c)] = f"{base}, {rule}" if base else rule
    return out


def _proposal_frame(
    pois: gpd.GeoDataFrame,
    table: Any,
    picks: npt.NDArray[np.int64],
    last: npt.NDArray[np.int64],
    order: npt.NDArray[np.int64],
    strings: dict[int, str],
    poi_seg: npt.NDArray[np.int64],
    gains: list[float],
    params: HoursParams,
    eyes: EyesParams,
    crs: Any,
) -> gpd.GeoDataFrame:
    def col(name: str) -> list[Any]:
        if name not in pois:
            return [None] * len(picks)
        return [None if pd.isna(v) else v for v in pois[name].iloc[picks].tolist()]

    closes = [int(order[last[p]] + 1) % HOURS for p in picks]
    return gpd.GeoDataFrame(
        {
            "rank": np.arange(1, len(picks) + 1, dtype=np.int64),
            "premises_row": picks.astype(np.int64),
            "premises_id": col("poi_id"),
            "osm_type": col("osm_type"),
            "osm_id": col("osm_id"),
            "name": col("name"),
            "category": col("category"),
            "closes_now": np.array(closes, dtype=np.int64),
            "closes_proposed": np.full(len(picks), int(params.until_hour) % HOURS, dtype=np.int64),
            "opening_hours": [_base_string(pois, table, int(p), eyes) for p in picks],
            "opening_hours_proposed": [strings[int(p)] for p in picks],
            "segment": poi_seg[picks].astype(np.int64),
            "gain": np.array(gains, dtype=float),
            "cumulative_gain": np.cumsum(np.array(gains, dtype=float)),
        },
        geometry=pois.geometry.to_numpy()[picks] if len(picks) else [],
        crs=crs,
    )
