"""The incident run summary and its ``run_metadata`` records.

Every number in the summary is a published cell of the joint suppression (or a
count that locates no one: rows dropped while reading, points outside the study
area), so the summary says no more than the tables.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from safespaces.incidents.counts import TOTAL_FLAG, CategoryPlan
from safespaces.incidents.density import DensityGrid
from safespaces.incidents.environment import CAVEAT
from safespaces.incidents.hotspots import COLD_CLASSES, HOT_CLASSES, NO_DATA, GiResult
from safespaces.incidents.params import IncidentParams
from safespaces.incidents.tables import Tables
from safespaces.incidents.windows import LIGHT_WINDOWS


@dataclasses.dataclass
class Counted:
    """What the steps before the summary found (counts that locate no one, and reasons).

    Attributes
    ----------
    read, dropped, outside
        Points read, rows dropped while reading (by reason), points outside the study area.
    in_study
        Points inside the study area (the study total, published only if not hidden).
    rates_reason, hotspot_reason
        Why rates or Gi* are NULL, or None.
    hotspot_note
        Why the Gi* numbers (z, p, q) are withheld while the classes are published, or None.
    """

    read: int
    dropped: dict[str, int]
    outside: int
    in_study: int
    rates_reason: str | None
    hotspot_reason: str | None
    hotspot_note: str | None = None


def rates_unknown_reason(in_study: int, outside: int) -> str | None:
    """Why rates are unknown (no incident falls in the study area), or None."""
    if in_study:
        return None
    return (
        "unknown: no incident falls in the study area"
        + (f" ({outside} outside it)" if outside else "")
        + "; incident rates and the incident score are NULL"
    )


def run_summary(
    counted: Counted,
    tables: Tables,
    hidden: np.ndarray,
    plan: CategoryPlan,
    areas: pd.DataFrame,
    segments: pd.DataFrame | None,
    gi: GiResult,
    publish_zero: bool = True,
) -> dict[str, Any]:
    """The run summary: read, dropped, outside, by light window, categories, hot spots.

    Without ``publish_zero`` the number of units not tested (all-zero neighbourhoods)
    is not reported."""
    cells = tables.system.values()

    def shown(cell: int) -> int | None:
        return None if hidden[cell] else int(cells[cell])

    in_id, not_snapped_id = tables.in_id, tables.not_snapped_id
    window_totals = {w: shown(int(tables.light_ids[j])) for j, w in enumerate(LIGHT_WINDOWS)}
    reason = counted.hotspot_reason
    summary: dict[str, Any] = {
        "incidents read": None
        if hidden[in_id]
        else counted.read + int(sum(counted.dropped.values())),
        "dropped": dict(counted.dropped),  # data quality, not people: always reported
        "outside study area": int(counted.outside),  # locates no one: always reported
        "in study area": shown(in_id),
        # only with street segments
        **({"not snapped to a street": shown(not_snapped_id)} if not_snapped_id >= 0 else {}),
        "light window unknown": window_totals["unknown"],
        "by light window": window_totals,
        "categories": None  # with fewer than k incidents even their variety says too much
        if hidden[in_id]
        else {
            "total": len(plan.column),
            "with a column": len(plan.slugs) - (plan.other is not None),
            "counted in other": plan.merged,
        },
        "areas with suppressed counts": int(areas[TOTAL_FLAG].sum()),
        "hotspot units": f"{len(tables.units)} {tables.kind}",
        "hot spots (FDR)": None if reason else int(np.isin(gi.hot_class, HOT_CLASSES).sum()),
        "cold spots (FDR)": None if reason else int(np.isin(gi.hot_class, COLD_CLASSES).sum()),
    }
    no_data = int((gi.hot_class == NO_DATA).sum())
    if no_data:
        summary["hotspot units with no data"] = (
            f"{no_data} (no street and no incident: left out of Gi*, not cold spots)"
        )
    untested = int(((gi.hot_class != NO_DATA) & ~gi.tested).sum())
    if counted.hotspot_note:
        summary["hotspot statistics"] = counted.hotspot_note
    if untested and not reason and publish_zero:
        summary["hotspot units not tested"] = (
            f"{untested} (no incident in the unit and its neighbours: not significant)"
        )
    if reason:
        summary["hotspot analysis"] = reason
    if segments is not None:
        summary["segments with suppressed counts"] = int(segments[TOTAL_FLAG].sum())
    if counted.rates_reason is not None:
        summary["incident rates"] = counted.rates_reason
    unprotected = tables.system.unprotected_cells
    if unprotected:  # the repairs ran out: say so rather than claim protection
        summary["privacy audit"] = (
            f"WARNING: {unprotected} suppressed counts could still be narrowed "
            "down from the published ones; raise incidents.k_min or use coarser areas"
        )
    return summary


def run_metadata(
    params: IncidentParams,
    tables: Tables,
    hidden: np.ndarray,
    plan: CategoryPlan,
    *,
    priors: dict[str, Any],
    density: DensityGrid | None,
    model_info: dict[str, Any],
    summary: dict[str, Any],
    seed: int,
    include_raw_points: bool,
) -> dict[str, Any]:
    """The ``run_metadata`` records: protections, categories, priors, hot spots, density,
    model, caveat and the summary."""
    k = params.k_min
    return {
        "incidents_privacy": {
            "k_min": k,
            "publish_zero": params.publish_zero,
            "secondary_suppression": params.secondary_suppression,
            "suppression_scope": "all incident tables together (areas, segments, hotspot "
            "units, environment groups, summary totals)",
            "lp_audit": {
                "cells_suppressed": int(hidden.sum()),
                "unprotected_cells": int(tables.system.unprotected_cells),
            },
            "min_bandwidth_m": params.min_bandwidth_m,
            "bandwidth_m": params.density_bandwidth_m,
            "density_masked_below_k": params.mask_density_below_k,
            "raw_points_exported": bool(include_raw_points),
        },
        "incidents_raw_points_exported": bool(include_raw_points),
        "incidents_categories": plan.metadata(params.max_categories, k),
        "incidents_eb_priors": priors,
        "incidents_hotspots": {
            "units": tables.kind,
            "count": len(tables.units),
            "weights": "queen contiguity, self included (Gi*), binary",
            "z": "Getis-Ord z (esda G_Local transform='B', star=True: Zs)",
            "p": (
                "two-sided permutation p under total randomisation, ties counted"
                if params.hotspot_permutations > 0
                else "two-sided normal p of z"
            ),
            "tested": "units with an incident in the unit or its neighbours; "
            "Benjamini-Hochberg over them",
            "permutations": params.hotspot_permutations,
            "fdr": params.hotspot_fdr,
            "seed": seed,
        },
        "incidents_density": None
        if density is None
        else {
            "kernel": "quartic",
            "bandwidth_m": density.bandwidth_m,
            "cell_m": density.cell_m,
            "units": "incidents per km2 over the whole period",
        },
        "incidents_environment_columns": tables.present,
        "incidents_model": model_info,
        "incidents_caveat": CAVEAT,
        "incidents_summary": summary,
    }


def summary_table(summary: Mapping[str, Any]) -> pd.DataFrame:
    """The summary as ``item`` / ``value`` rows (nested values flattened with ``.``)."""
    rows: list[tuple[str, Any]] = []
    for key, value in summary.items():
        if isinstance(value, Mapping):
            rows.extend((f"{key}.{k}", v) for k, v in value.items())
        else:
            rows.append((key, value))
    return pd.DataFrame(
        {"item": [r[0] for r in rows], "value": [None if r[1] is None else str(r[1]) for r in rows]}
    )
