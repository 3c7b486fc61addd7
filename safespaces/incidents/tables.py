"""The incident tables and the one cell system that suppresses them together.

Every published incident count (areas, street segments, hot-spot units,
environment groups and the study totals of the summary) is a cell of one
:class:`~safespaces.incidents.suppression.CellSystem`, with the sums that tie
the tables to each other, so suppression and its audit are joint over all of
them (docs/privacy.md). :func:`count_tables` builds that system;
:meth:`Tables.suppress` runs it.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd

from safespaces.incidents.counts import (
    TOTAL,
    CategoryPlan,
    area_of_points,
    count_by_unit,
    count_groups,
    published_counts,
    snap_to_segments,
)
from safespaces.incidents.environment import environment_groups
from safespaces.incidents.params import IncidentParams
from safespaces.incidents.suppression import CellSystem
from safespaces.incidents.windows import LIGHT_WINDOWS
from safespaces.sources.areas import grid_areas


@dataclasses.dataclass
class Tables:
    """The true counts of every incident table and their cells in one system.

    Cell ids are -1 for cells left out of the system (units without incidents,
    unless zeros are published: they are published zeros).

    Attributes
    ----------
    system
        The cells and the sums between them.
    area_counts, area_ids
        Counts per area (total, light windows, days, months, categories) and their cells.
    segments, seg_counts, seg_ids
        The segments (incident columns of an earlier run dropped), their counts and
        cells; None without segments.
    not_snapped_id
        Cell of the incidents not snapped to a street (-1 without segments).
    units, unit_counts, unit_ids, kind
        The hot-spot units (the areas, or a grid), their totals, cells and kind
        (``"areas"`` or ``"grid"``).
    present, env_groups, env_ids
        Environment columns on the segments, their groups (variable, group, members)
        and the groups' cells.
    in_id, light_ids
        Cells of the study total and of its light windows (:data:`LIGHT_WINDOWS`).
    """

    system: CellSystem
    area_counts: pd.DataFrame
    area_ids: np.ndarray
    segments: gpd.GeoDataFrame | None
    seg_counts: pd.DataFrame | None
    seg_ids: np.ndarray | None
    not_snapped_id: int
    units: gpd.GeoDataFrame
    unit_counts: np.ndarray
    unit_ids: np.ndarray
    kind: str
    present: list[str]
    env_groups: list[tuple[str, str, np.ndarray]]
    env_ids: np.ndarray
    in_id: int
    light_ids: np.ndarray

    def suppress(self, params: IncidentParams) -> np.ndarray:
        """Suppress the cells jointly (primary, secondary, LP audit); True where hidden."""
        return self.system.suppress(
            k=params.k_min, publish_zero=params.publish_zero, secondary=params.secondary_suppression
        )


def count_tables(
    pts: gpd.GeoDataFrame,
    windows: pd.DataFrame,
    areas: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame | None,
    plan: CategoryPlan,
    params: IncidentParams,
    *,
    user_areas: bool,
) -> Tables:
    """Count the incidents ``pts`` (inside ``areas``, with ``area_id``) into every table.

    With segments, each point is snapped to its street (``segment_id`` and
    ``snap_distance_m`` are added to ``pts``). The hot-spot units are the areas, or
    a grid of ``params.grid_size_m`` (``hotspot_units = "grid"``, or areas that are
    a grid already when the user gave none).
    """
    groups = count_groups(plan)
    zero_rows = not params.publish_zero
    system = CellSystem()
    area_index = pd.Index(areas["area_id"].to_numpy())
    area_counts = count_by_unit(pts["area_id"], windows, pts["category"], area_index, plan)
    area_ids = add_table(system, area_counts, groups, zero_rows=zero_rows)

    segs = seg_counts = seg_ids = None
    not_snapped = None
    if segments is not None:
        segs = strip_incident_columns(segments.reset_index(drop=True)).to_crs(areas.crs)
        snap = snap_to_segments(pts, segs, params.snap_distance_m)
        pts["segment_id"] = snap["segment_id"].to_numpy()
        pts["snap_distance_m"] = snap["snap_distance_m"].to_numpy()
        not_snapped = int(snap["segment_id"].isna().sum())
        seg_index = pd.Index(segs["segment_id"].to_numpy())
        seg_counts = count_by_unit(pts["segment_id"], windows, pts["category"], seg_index, plan)
        seg_ids = add_table(system, seg_counts, groups, zero_rows=zero_rows)

    units, unit_counts, kind = hotspot_units(pts, areas, area_counts, params, user_areas=user_areas)
    unit_ids = (
        area_ids[:, 0]
        if units is areas
        else add_table(
            system,
            pd.DataFrame({TOTAL: unit_counts.astype(np.int64)}),
            {},
            zero_rows=zero_rows,
        )[:, 0]
    )

    # Environment groups: published sums of the segments' totals.
    present: list[str] = []
    env_groups: list[tuple[str, str, np.ndarray]] = []
    env_ids = np.zeros(0, dtype=np.int64)
    if segs is not None and seg_counts is not None and seg_ids is not None:
        present = [c for c in params.environment_columns if c in segs.columns]
        env_groups = environment_groups(segs, present)
        y_seg = seg_counts[TOTAL].to_numpy()
        env_ids = system.add_cells([float(y_seg[m].sum()) for _, _, m in env_groups])
        if len(env_groups):
            width = max(len(m) for _, _, m in env_groups)
            parts = np.full((len(env_groups), width), -1, dtype=np.int64)
            for i, (_, _, members) in enumerate(env_groups):
                parts[i, : len(members)] = seg_ids[members, 0]
            system.add_sums(parts, env_ids)

    # Study totals (the summary) and the sums that tie the tables to them.
    light = windows["window_light"].to_numpy()
    light_true = [int((light == w).sum()) for w in LIGHT_WINDOWS]
    # "incidents read" is the study total plus the always-published dropped and outside
    # counts: published exactly when the study total is (no cell of its own)
    study = system.add_cells([len(pts), *light_true])
    in_id, light_ids = study[0], study[1:]
    system.add_sums([light_ids], [in_id])
    system.add_sums([area_ids[:, 0]], [in_id])
    for j, column in enumerate(groups["light"]):
        system.add_sums([area_ids[:, list(area_counts.columns).index(column)]], [light_ids[j]])
    if units is not areas and int(unit_counts.sum()) == len(pts):
        system.add_sums([unit_ids], [in_id])
    not_snapped_id = -1
    if seg_ids is not None and not_snapped is not None:
        not_snapped_id = int(system.add_cells([not_snapped])[0])
        system.add_sums([np.r_[seg_ids[:, 0], not_snapped_id]], [in_id])
    # fewer than k in the study (or its total hidden): no breakdown of it at all
    system.add_follow([in_id], [np.r_[light_ids, env_ids]])
    system.keep_published([in_id])
    return Tables(
        system,
        area_counts,
        area_ids,
        segs,
        seg_counts,
        seg_ids,
        not_snapped_id,
        units,
        unit_counts,
        unit_ids,
        kind,
        present,
        env_groups,
        env_ids,
        int(in_id),
        light_ids,
    )


def hotspot_units(
    pts: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    area_counts: pd.DataFrame,
    params: IncidentParams,
    *,
    user_areas: bool,
) -> tuple[gpd.GeoDataFrame, np.ndarray, str]:
    """The hot-spot units, their incident totals and their kind (``"areas"`` or ``"grid"``)."""
    if params.hotspot_units == "grid" or not user_areas:
        units = (
            areas
            if not user_areas
            else grid_areas(tuple(areas.total_bounds), areas.crs, size_m=params.grid_size_m)
        )
        unit_id = area_of_points(pts, units) if units is not areas else pts["area_id"]
        unit_counts = np.bincount(
            pd.Index(units["area_id"]).get_indexer(unit_id.dropna().to_numpy()),
            minlength=len(units),
        )
        return units, unit_counts, "grid"
    return areas, area_counts[TOTAL].to_numpy(), "areas"


def strip_incident_columns(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop columns of an earlier incident analysis (re-runs replace them)."""
    old = [c for c in frame.columns if str(c).startswith(("incidents_", "hotspot_"))]
    return frame.drop(columns=old)


def add_table(
    system: CellSystem,
    counts: pd.DataFrame,
    groups: Mapping[str, Sequence[str]],
    *,
    zero_rows: bool = False,
) -> np.ndarray:
    """Add a units x counts table with its breakdown sums; returns the cell ids (-1: left out).

    Units with no incident are left out unless ``zero_rows`` (zeros suppressed): their
    cells are published zeros, which add nothing to any sum and are never a useful
    complement, and a city has many of them (most street segments).
    """
    values = counts.to_numpy(dtype=float)
    pos = {c: i for i, c in enumerate(counts.columns)}
    total = pos[TOTAL]
    rows = np.flatnonzero((values[:, total] > 0) | zero_rows)
    ids = np.full(values.shape, -1, dtype=np.int64)
    ids[rows] = system.add_cells(values[rows])
    sub = ids[rows]
    for members in groups.values():
        cols = [pos[c] for c in members if c in pos]
        if cols and len(rows):
            system.add_sums(sub[:, cols], sub[:, total])
    if counts.shape[1] > 1 and len(rows):
        system.add_follow(sub[:, total], np.delete(sub, total, axis=1))
    return ids


def hidden_at(hidden: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``hidden`` at ``ids`` (False where -1: a cell left out of the system)."""
    out = np.zeros(ids.shape, dtype=bool)
    ok = ids >= 0
    out[ok] = hidden[ids[ok]]
    return out


def masked(counts: pd.DataFrame, ids: np.ndarray, hidden: np.ndarray) -> pd.DataFrame:
    """``counts`` as published: hidden cells NULL, with the ``*_suppressed`` flags."""
    mask = pd.DataFrame(hidden_at(hidden, ids), index=counts.index, columns=counts.columns)
    return published_counts(counts, mask)
