"""What is published of the suppressed incident tables: counts with rates, hot spots,
the environment table and the count model.

Each step takes the :class:`~safespaces.incidents.tables.Tables` and the
``hidden`` mask of their joint suppression, and never publishes a hidden cell or
anything that would narrow one down (rates of hidden units are NULL; the model is
withheld when its coefficients would pin a suppressed count).
"""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from scipy import sparse

from safespaces.incidents.counts import TOTAL, TOTAL_FLAG, area_of_points
from safespaces.incidents.environment import (
    count_model,
    empty_model,
    environment_table,
    score_relations,
)
from safespaces.incidents.hotspots import (
    SIGNIFICANT_CLASSES,
    GiResult,
    exposed_weights,
    gi_star_exposed,
    hotspot_columns,
    neighbourhood_relations,
)
from safespaces.incidents.params import IncidentParams
from safespaces.incidents.rates import crude_rate, eb_rates
from safespaces.incidents.suppression import Relations
from safespaces.incidents.tables import Tables, masked


def residents_column(areas: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    """The first residents column present in ``areas`` (case-insensitive)."""
    lower = {str(c).lower(): str(c) for c in areas.columns}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def with_rates(
    published: pd.DataFrame,
    true_total: np.ndarray,
    exposure: np.ndarray,
    per: float,
    name: str,
    *,
    total_known: bool,
    unknown: bool = False,
) -> tuple[pd.DataFrame, dict[str, float]]:
    """Crude and EB rates of the published units (NaN elsewhere, and everywhere if ``unknown``).

    ``total_known``: the units' total is published, so the EB prior's global rate may use
    every unit (else it uses the published ones only). A unit without exposure has no rate,
    so the total over the others is known only if those units are published too.
    """
    shown = ~published[TOTAL_FLAG].to_numpy(dtype=bool)
    no_exposure = ~(np.asarray(exposure, dtype=float) > 0)
    known = total_known and bool(shown[no_exposure].all())
    crude = crude_rate(true_total, exposure, per)
    eb, prior = eb_rates(true_total, exposure, shown, per, total_known=known)
    out = pd.DataFrame(index=published.index)
    keep = shown & (not unknown)
    out[name] = np.where(keep, crude, np.nan)
    out[f"{name}_eb"] = np.where(keep, eb, np.nan)
    if unknown:
        prior = dict.fromkeys(prior, np.nan)
    return out, prior


def street_length_by_area(segments: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> np.ndarray:
    """Street length (m) per area, each segment counted in the area of its midpoint."""
    mids = gpd.GeoDataFrame(
        {"length_m": segments["length_m"].to_numpy(dtype=float)},
        geometry=shapely.line_interpolate_point(segments.geometry.values, 0.5, normalized=True),
        crs=segments.crs,
    )
    area_id = area_of_points(mids, areas)
    sums = mids["length_m"].groupby(area_id.to_numpy()).sum()
    return sums.reindex(areas["area_id"].to_numpy(), fill_value=0.0).to_numpy(dtype=float)


def publish_counts(
    tables: Tables,
    hidden: np.ndarray,
    areas: gpd.GeoDataFrame,
    params: IncidentParams,
    *,
    rates_unknown: bool,
) -> tuple[gpd.GeoDataFrame, gpd.GeoDataFrame | None, dict[str, Any]]:
    """Areas and segments with their published counts, flags and rates.

    Rates per 1,000 residents (areas with a residents column), per 100 m of street
    (segments, and areas from their streets), crude and empirical-Bayes smoothed; all
    NULL when ``rates_unknown`` (no incident in the study area).

    Returns
    -------
    areas, segments, priors
        The published layers (segments None without segments) and the EB priors.
    """
    study_known = not hidden[tables.in_id]
    priors: dict[str, Any] = {}
    area_counts = tables.area_counts
    area_pub = masked(area_counts, tables.area_ids, hidden)
    area_out = areas.copy()
    for col in area_pub.columns:
        area_out[col] = area_pub[col].array
    res_col = residents_column(areas, params.residents_columns)
    if res_col is not None:
        residents = pd.to_numeric(areas[res_col], errors="coerce").to_numpy(dtype=float)
        rates, priors["per_1000_residents"] = with_rates(
            area_pub,
            area_counts[TOTAL].to_numpy(),
            residents,
            1000.0,
            "incidents_per_1000_residents",
            total_known=study_known,
            unknown=rates_unknown,
        )
        area_out["incidents_per_1000_residents"] = rates["incidents_per_1000_residents"].to_numpy()
        area_out["incidents_per_1000_eb"] = rates["incidents_per_1000_residents_eb"].to_numpy()

    segs, seg_counts, seg_ids = tables.segments, tables.seg_counts, tables.seg_ids
    if segs is None or seg_counts is None or seg_ids is None:
        return area_out, None, priors
    seg_pub = masked(seg_counts, seg_ids, hidden)
    seg_out = segs.copy()
    for col in seg_pub.columns:
        seg_out[col] = seg_pub[col].array
    length = segs["length_m"].to_numpy(dtype=float)
    snapped_known = study_known and not hidden[tables.not_snapped_id]
    rates, priors["per_100m_segments"] = with_rates(
        seg_pub,
        seg_counts[TOTAL].to_numpy(),
        length,
        100.0,
        "incidents_per_100m",
        total_known=snapped_known,
        unknown=rates_unknown,
    )
    seg_out["incidents_per_100m"] = rates["incidents_per_100m"].to_numpy()
    seg_out["incidents_per_100m_eb"] = rates["incidents_per_100m_eb"].to_numpy()
    street = street_length_by_area(segs, areas)
    rates, priors["per_100m_areas"] = with_rates(
        area_pub,
        area_counts[TOTAL].to_numpy(),
        street,
        100.0,
        "incidents_per_100m",
        total_known=study_known,
        unknown=rates_unknown,
    )
    area_out["incidents_street_m"] = street
    area_out["incidents_per_100m"] = rates["incidents_per_100m"].to_numpy()
    area_out["incidents_per_100m_eb"] = rates["incidents_per_100m_eb"].to_numpy()
    return area_out, seg_out, priors


def hot_spots(
    tables: Tables,
    hidden: np.ndarray,
    params: IncidentParams,
    seed: int,
    unit_street_m: np.ndarray | None = None,
) -> tuple[gpd.GeoDataFrame, GiResult, str | None, str | None]:
    """The ``incident_hotspots`` layer: Gi* on the true counts (z rounded), counts as
    suppressed.

    With the study total suppressed (fewer than k incidents) the z-scores would point
    at the few units that hold them: no Gi* at all then, and the reason is returned.
    ``unit_street_m``: the units' street length when already known (the units are the
    areas, whose ``incidents_street_m`` :func:`publish_counts` computed).
    Returns the layer, the statistic, why Gi* was not computed (or None), and a note
    when its numbers are withheld (:func:`_protect_statistics`, or None).
    """
    units, unit_counts = tables.units, tables.unit_counts
    reason = None
    if not hidden[tables.in_id]:
        exposed = unit_counts > 0
        if tables.segments is not None:  # with streets: a unit with neither is "no data"
            if unit_street_m is None:
                unit_street_m = street_length_by_area(tables.segments, units)
            exposed |= unit_street_m > 0
        else:  # without streets the exposure is unknown: every unit takes part
            exposed[:] = True
        weights = exposed_weights(units, exposed)
        gi = gi_star_exposed(
            unit_counts.astype(float),
            units,
            exposed,
            weights=weights,
            permutations=params.hotspot_permutations,
            fdr=params.hotspot_fdr,
            seed=seed,
        )
    else:
        reason = f"not computed: fewer than k = {params.k_min} incidents in the study area"
        gi = GiResult.empty(len(units))
    hot = units[
        [c for c in ("area_id", "grid_id", "name") if c in units.columns] + ["geometry"]
    ].copy()
    unit_frame = pd.DataFrame({TOTAL: unit_counts.astype(np.int64)}, index=hot.index)
    unit_pub = masked(unit_frame, tables.unit_ids[:, None], hidden)
    for col in unit_pub.columns:
        hot[col] = unit_pub[col].array
    gi_cols = hotspot_columns(gi)
    note = None
    if reason is None:
        gi_cols, note = _protect_statistics(gi_cols, gi, tables, hidden, params, exposed, weights)
    for gcol in gi_cols.columns:
        hot[gcol] = gi_cols[gcol].to_numpy()
    return hot, gi, reason, note


#: The Gi* columns that carry numbers (the class stays published).
GI_NUMBERS = ("hotspot_gi_z", "hotspot_p_sim", "hotspot_q")


def _protect_statistics(
    gi_cols: pd.DataFrame,
    gi: GiResult,
    tables: Tables,
    hidden: np.ndarray,
    params: IncidentParams,
    exposed: np.ndarray,
    weights: sparse.spmatrix,
) -> tuple[pd.DataFrame, str | None]:
    """Blank the Gi* numbers where they would reveal what suppression hides.

    * A z-score gives its unit's neighbourhood sum (:func:`neighbourhood_relations`):
      with secondary suppression the audit checks those sums with the published
      cells, and when they would narrow down a suppressed count, z, p and q are
      withheld for every unit (the classes stay).
    * Without ``publish_zero``, a unit that was not tested (no incident in it and its
      neighbours) must not stand out: z, p and q are blank for every unit that is not
      significant.
    """
    out = gi_cols.copy()
    note = None
    if params.secondary_suppression and hidden.any():
        rows, values, tolerance = neighbourhood_relations(
            tables.unit_counts.astype(float), exposed, weights
        )
        if rows.shape[0]:
            ids = np.asarray(tables.unit_ids)
            coo = rows.tocoo()
            in_system = ids[coo.col] >= 0  # -1: a unit with no incident (a published 0)
            on_cells = sparse.csr_matrix(
                (coo.data[in_system], (coo.row[in_system], ids[coo.col[in_system]])),
                shape=(rows.shape[0], tables.system.size),
            )
            pinned = tables.system.unprotected(
                hidden,
                k=params.k_min,
                publish_zero=params.publish_zero,
                extra=Relations(on_cells, values, tolerance),
            )
            if len(pinned):
                for col in GI_NUMBERS:
                    out[col] = np.nan
                note = (
                    f"z, p and q withheld: they would narrow down {len(pinned)} suppressed "
                    "counts (the classes are published)"
                )
    if not params.publish_zero:
        quiet = ~np.isin(gi.hot_class, SIGNIFICANT_CLASSES)
        for col in GI_NUMBERS:
            out.loc[quiet, col] = np.nan
    return out, note


def environment_and_model(
    tables: Tables,
    hidden: np.ndarray,
    segments: gpd.GeoDataFrame | None,
    params: IncidentParams,
) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """Rates by environment (groups as suppressed jointly) and the count model.

    The model is withheld when it has fewer than k incidents, or (with secondary
    suppression) when its coefficients, each a weighted sum of the segments' counts
    (its score equation), would narrow down a suppressed count.

    Returns
    -------
    environment, model, model_info
    """
    k = params.k_min
    environment = environment_table(pd.DataFrame({"length_m": []}), [], [], k_min=k)
    model = empty_model()
    model_info: dict[str, Any] = {"family": "none", "reason": "no street segments"}
    seg_counts, seg_ids, present = tables.seg_counts, tables.seg_ids, tables.present
    if segments is None or seg_counts is None:
        return environment, model, model_info
    y = seg_counts[TOTAL].to_numpy(dtype=float)
    environment = environment_table(
        segments, y, present, k_min=k, level=params.ci_level, hidden=hidden[tables.env_ids]
    )
    if not present:
        return (
            environment,
            model,
            {"family": "none", "reason": "no environment columns on the segments"},
        )
    if y.sum() < k:
        return environment, model, {"family": "none", "reason": f"fewer than k = {k} incidents"}
    model, model_info = count_model(
        segments,
        y,
        present,
        level=params.ci_level,
        min_per_parameter=params.model_min_per_parameter,
    )
    relations = score_relations(segments, y, present, model, model_info)
    if relations.rows.shape[0] and params.secondary_suppression and seg_ids is not None:
        rows = sparse.csr_matrix(relations.rows)[:, np.flatnonzero(seg_ids[:, 0] >= 0)]
        cols = seg_ids[seg_ids[:, 0] >= 0, 0]
        system = tables.system
        on_cells = sparse.csr_matrix(
            (rows.tocoo().data, (rows.tocoo().row, cols[rows.tocoo().col])),
            shape=(rows.shape[0], system.size),
        )
        extra = Relations(on_cells, relations.values, relations.tolerance)
        pinned = system.unprotected(hidden, k=k, publish_zero=params.publish_zero, extra=extra)
        if len(pinned):
            model = model.iloc[0:0]
            model_info = {
                "family": "none",
                "reason": f"withheld: its coefficients would narrow down {len(pinned)} "
                "suppressed counts",
            }
    return environment, model, model_info
