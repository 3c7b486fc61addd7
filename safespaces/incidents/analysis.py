"""The whole incident analysis in one call: :func:`analyse_incidents`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy import sparse

from safespaces.errors import InputError
from safespaces.incidents.counts import (
    TOTAL,
    TOTAL_FLAG,
    area_of_points,
    count_by_unit,
    count_groups,
    plan_categories,
    published_counts,
    snap_to_segments,
)
from safespaces.incidents.density import DensityGrid, kernel_density
from safespaces.incidents.environment import (
    CAVEAT,
    MODEL_COLUMNS,
    count_model,
    environment_groups,
    environment_table,
    score_relations,
)
from safespaces.incidents.hotspots import GiResult, contiguity_weights, gi_star, hotspot_columns
from safespaces.incidents.params import IncidentParams, validate
from safespaces.incidents.rates import crude_rate, eb_rates
from safespaces.incidents.suppression import CellSystem, Relations
from safespaces.incidents.windows import LIGHT_WINDOWS, assign_windows, darkness_for
from safespaces.sources.areas import grid_areas


@dataclasses.dataclass
class IncidentResult:
    """Everything :func:`analyse_incidents` computes.

    Attributes
    ----------
    areas
        Input areas plus published counts, flags and rates.
    segments
        Input segments plus published counts, flags and rates (None without segments).
    hotspots
        ``incident_hotspots``: unit polygons with suppressed counts and Gi* columns.
    environment
        ``incident_environment`` (empty without segments or environment columns).
    model
        ``incident_model`` coefficients (empty when not fitted).
    density
        The kernel density surface (None when there are no incidents).
    summary
        Run summary: read, dropped by reason, outside the study area, not snapped...
    metadata
        Protections, priors, model information and caveat for ``run_metadata``.
    points
        Incidents with their windows, area and segment: never exported unless
        ``raw_points_exported``.
    raw_points_exported
        The user opted in to raw output.
    """

    areas: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame | None
    hotspots: gpd.GeoDataFrame
    environment: pd.DataFrame
    model: pd.DataFrame
    density: DensityGrid | None
    summary: dict[str, Any]
    metadata: dict[str, Any]
    points: gpd.GeoDataFrame
    raw_points_exported: bool = False

    def layers(self) -> dict[str, pd.DataFrame]:
        """Output layers by name; ``incident_points`` only with the raw opt-in."""
        out: dict[str, pd.DataFrame] = {
            "areas": self.areas,
            "incident_hotspots": self.hotspots,
            "incident_environment": self.environment,
            "incident_model": self.model,
            "incident_summary": summary_table(self.summary),
        }
        if self.segments is not None:
            out["street_segments"] = self.segments
        if self.raw_points_exported:
            pts = self.points.copy()
            pts["time"] = pts["time"].map(lambda t: t.isoformat())
            out["incident_points"] = pts
        return out


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


def validate_params(params: IncidentParams) -> None:
    """Raise :class:`~safespaces.errors.SettingError` on settings that make no sense.

    The rules are :func:`safespaces.incidents.params.validate`'s.
    """
    validate(params)


def residents_column(areas: pd.DataFrame, names: tuple[str, ...]) -> str | None:
    """The first residents column present in ``areas`` (case-insensitive)."""
    lower = {str(c).lower(): str(c) for c in areas.columns}
    for name in names:
        if name.lower() in lower:
            return lower[name.lower()]
    return None


def _lat_lon(frame: gpd.GeoDataFrame) -> tuple[float, float]:
    minx, miny, maxx, maxy = frame.total_bounds
    to_wgs = Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform((minx + maxx) / 2, (miny + maxy) / 2)
    return float(lat), float(lon)


def _strip(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """Drop columns of an earlier incident analysis (re-runs replace them)."""
    old = [c for c in frame.columns if str(c).startswith(("incidents_", "hotspot_"))]
    return frame.drop(columns=old)


def _with_rates(
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


def _street_length_by_area(segments: gpd.GeoDataFrame, areas: gpd.GeoDataFrame) -> np.ndarray:
    mids = gpd.GeoDataFrame(
        {"length_m": segments["length_m"].to_numpy(dtype=float)},
        geometry=shapely.line_interpolate_point(segments.geometry.values, 0.5, normalized=True),
        crs=segments.crs,
    )
    area_id = area_of_points(mids, areas)
    sums = mids["length_m"].groupby(area_id.to_numpy()).sum()
    return sums.reindex(areas["area_id"].to_numpy(), fill_value=0.0).to_numpy(dtype=float)


def analyse_incidents(
    points: gpd.GeoDataFrame,
    segments: gpd.GeoDataFrame | None = None,
    areas: gpd.GeoDataFrame | None = None,
    params: IncidentParams | None = None,
    *,
    darkness: pd.DataFrame | None = None,
    seed: int = 0,
    timezone: str = "Europe/Helsinki",
    dropped: Mapping[str, int] | None = None,
    include_raw_points: bool = False,
) -> IncidentResult:
    """Count, rate, map and relate incidents without exposing any victim.

    Parameters
    ----------
    points
        Incidents with ``time`` (tz-aware), ``hour_known`` and ``category``
        (as :func:`safespaces.sources.incidents.read_incidents` returns).
    segments
        Street segments (``segment_id``, ``length_m``, optional environment
        columns) in a metric CRS, or None (then no snapping, no street rates,
        no environment table).
    areas
        Areas (``area_id``, ``name``, optional residents column) in a metric
        CRS, or None (then a grid of ``grid_size_m`` over the segments).
    params
        Settings (privacy, windows, hotspots, density).
    darkness
        Darkness table (``date``, ``civil_dawn``, ``civil_dusk``,
        ``darkness_h``) from the lighting family; computed when absent or
        incomplete.
    seed
        Seed of the Gi* permutations.
    dropped
        Rows dropped while reading, by reason (reported in the summary).
    include_raw_points
        The user's explicit opt-in to raw output (``incident_points`` layer,
        small bandwidths allowed). Recorded in the metadata.

    Returns
    -------
    IncidentResult

    Raises
    ------
    InputError
        Neither areas nor segments, a geographic CRS, or no ``time`` column.
    """
    params = params or IncidentParams()
    validate_params(params)
    if areas is None and segments is None:
        raise InputError(
            "incident analysis needs areas or street segments",
            fix="give --areas (polygons) or --osm",
        )
    reference = areas if areas is not None else segments
    assert reference is not None
    crs = reference.crs
    if crs is None or crs.is_geographic:
        raise InputError(
            "areas and segments must be in a metric CRS", fix="project them (e.g. EPSG:3067)"
        )
    for col in ("time", "hour_known", "category"):
        if col not in points:
            raise InputError(
                f"incident points lack the '{col}' column",
                fix="read them with safespaces.sources.incidents.read_incidents",
            )
    user_areas = areas is not None
    if areas is None:
        assert segments is not None
        areas = grid_areas(tuple(segments.total_bounds), crs, size_m=params.grid_size_m)
    areas = _strip(areas.reset_index(drop=True))
    pts = points.to_crs(crs).reset_index(drop=True)
    read = len(pts)

    # Study area: the areas' union. Points outside are counted and left out.
    area_id = area_of_points(pts, areas)
    inside = area_id.notna().to_numpy()
    outside = int((~inside).sum())
    pts = pts.loc[inside].reset_index(drop=True)
    pts["area_id"] = area_id[inside].to_numpy()

    lat, lon = _lat_lon(areas)
    if darkness is None or not _covers(darkness, pts["time"], timezone):
        darkness = darkness_for(pts["time"], lat, lon, timezone)
    windows = assign_windows(
        pts, darkness, timezone=timezone, night_start_hour=params.night_start_hour
    )
    for wcol in windows.columns:
        pts[wcol] = windows[wcol].to_numpy()
    k = params.k_min
    plan = plan_categories(pts["category"], max_categories=params.max_categories, k_min=k)
    groups = count_groups(plan)
    system = CellSystem()

    # Areas.
    area_index = pd.Index(areas["area_id"].to_numpy())
    area_counts = count_by_unit(pts["area_id"], windows, pts["category"], area_index, plan)
    zero_rows = not params.publish_zero
    area_ids = _add_table(system, area_counts, groups, zero_rows=zero_rows)

    # Segments.
    segs = seg_counts = seg_ids = None
    not_snapped = None
    if segments is not None:
        segs = _strip(segments.reset_index(drop=True)).to_crs(crs)
        snap = snap_to_segments(pts, segs, params.snap_distance_m)
        pts["segment_id"] = snap["segment_id"].to_numpy()
        pts["snap_distance_m"] = snap["snap_distance_m"].to_numpy()
        not_snapped = int(snap["segment_id"].isna().sum())
        seg_index = pd.Index(segs["segment_id"].to_numpy())
        seg_counts = count_by_unit(pts["segment_id"], windows, pts["category"], seg_index, plan)
        seg_ids = _add_table(system, seg_counts, groups, zero_rows=zero_rows)

    # Hotspot units: the areas, or a regular grid.
    if params.hotspot_units == "grid" or not user_areas:
        units = (
            areas
            if not user_areas
            else grid_areas(tuple(areas.total_bounds), crs, size_m=params.grid_size_m)
        )
        unit_id = area_of_points(pts, units) if units is not areas else pts["area_id"]
        unit_counts = np.bincount(
            pd.Index(units["area_id"]).get_indexer(unit_id.dropna().to_numpy()),
            minlength=len(units),
        )
        kind = "grid"
    else:
        units = areas
        unit_counts = area_counts[TOTAL].to_numpy()
        kind = "areas"
    unit_ids = (
        area_ids[:, 0]
        if units is areas
        else _add_table(
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
    n_dropped = int(sum((dropped or {}).values()))
    light = windows["window_light"].to_numpy()
    light_true = [int((light == w).sum()) for w in LIGHT_WINDOWS]
    # "incidents read" is the study total plus the always-published dropped and outside
    # counts: published exactly when the study total is (no cell of its own)
    study = system.add_cells([len(pts), *light_true])
    in_id, light_ids = study[0], study[1:]
    system.add_sums([light_ids], [in_id])
    system.add_sums([area_ids[:, 0]], [in_id])
    light_cols = count_groups(plan)["light"]
    for j, column in enumerate(light_cols):
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

    hidden = system.suppress(
        k=k, publish_zero=params.publish_zero, secondary=params.secondary_suppression
    )
    cells = system.values()

    def shown(cell: int) -> int | None:
        return None if hidden[cell] else int(cells[cell])

    def masked(counts: pd.DataFrame, ids: np.ndarray) -> pd.DataFrame:
        mask = pd.DataFrame(_mask(hidden, ids), index=counts.index, columns=counts.columns)
        return published_counts(counts, mask)

    # Rates: unknown when no incident falls in the study area (nothing to compare with).
    rates_reason = None
    if len(pts) == 0:
        rates_reason = (
            "unknown: no incident falls in the study area"
            + (f" ({outside} outside it)" if outside else "")
            + "; incident rates and the incident score are NULL"
        )
    study_known = not hidden[in_id]
    priors: dict[str, Any] = {}
    area_pub = masked(area_counts, area_ids)
    area_out = areas.copy()
    for col in area_pub.columns:
        area_out[col] = area_pub[col].array
    res_col = residents_column(areas, params.residents_columns)
    if res_col is not None:
        residents = pd.to_numeric(areas[res_col], errors="coerce").to_numpy(dtype=float)
        rates, priors["per_1000_residents"] = _with_rates(
            area_pub,
            area_counts[TOTAL].to_numpy(),
            residents,
            1000.0,
            "incidents_per_1000_residents",
            total_known=study_known,
            unknown=rates_reason is not None,
        )
        area_out["incidents_per_1000_residents"] = rates["incidents_per_1000_residents"].to_numpy()
        area_out["incidents_per_1000_eb"] = rates["incidents_per_1000_residents_eb"].to_numpy()

    seg_out = None
    if segs is not None and seg_counts is not None and seg_ids is not None:
        seg_pub = masked(seg_counts, seg_ids)
        seg_out = segs.copy()
        for col in seg_pub.columns:
            seg_out[col] = seg_pub[col].array
        length = segs["length_m"].to_numpy(dtype=float)
        snapped_known = study_known and not hidden[not_snapped_id]
        rates, priors["per_100m_segments"] = _with_rates(
            seg_pub,
            seg_counts[TOTAL].to_numpy(),
            length,
            100.0,
            "incidents_per_100m",
            total_known=snapped_known,
            unknown=rates_reason is not None,
        )
        seg_out["incidents_per_100m"] = rates["incidents_per_100m"].to_numpy()
        seg_out["incidents_per_100m_eb"] = rates["incidents_per_100m_eb"].to_numpy()
        street = _street_length_by_area(segs, areas)
        rates, priors["per_100m_areas"] = _with_rates(
            area_pub,
            area_counts[TOTAL].to_numpy(),
            street,
            100.0,
            "incidents_per_100m",
            total_known=study_known,
            unknown=rates_reason is not None,
        )
        area_out["incidents_street_m"] = street
        area_out["incidents_per_100m"] = rates["incidents_per_100m"].to_numpy()
        area_out["incidents_per_100m_eb"] = rates["incidents_per_100m_eb"].to_numpy()

    # Hotspots: Gi* on the true counts (z rounded), counts as suppressed above. With the study
    # total suppressed (fewer than k incidents) the z-scores would point at the few units
    # that hold them: no Gi* at all then.
    hotspot_reason = None
    if study_known:
        gi = gi_star(
            unit_counts.astype(float),
            contiguity_weights(units),
            permutations=params.hotspot_permutations,
            fdr=params.hotspot_fdr,
            seed=seed,
        )
    else:
        hotspot_reason = f"not computed: fewer than k = {k} incidents in the study area"
        nan = np.full(len(units), np.nan)
        gi = GiResult(nan, nan, nan, np.full(len(units), "not significant", dtype=object))
    hot = units[
        [c for c in ("area_id", "grid_id", "name") if c in units.columns] + ["geometry"]
    ].copy()
    unit_frame = pd.DataFrame({TOTAL: unit_counts.astype(np.int64)}, index=hot.index)
    unit_pub = masked(unit_frame, unit_ids[:, None])
    for col in unit_pub.columns:
        hot[col] = unit_pub[col].array
    gi_cols = hotspot_columns(gi)
    for gcol in gi_cols.columns:
        hot[gcol] = gi_cols[gcol].to_numpy()

    # Kernel density over the study area.
    density = None
    if len(pts):
        xy = shapely.get_coordinates(pts.geometry.values)
        density = kernel_density(
            xy,
            tuple(areas.total_bounds),
            bandwidth_m=params.density_bandwidth_m,
            cell_m=params.density_cell_m,
            k_min=k if params.mask_density_below_k else 0,
            min_bandwidth_m=params.min_bandwidth_m,
            allow_small_bandwidth=include_raw_points,
            max_cells=params.density_max_cells,
        )

    # Environment table and count model.
    environment = environment_table(pd.DataFrame({"length_m": []}), [], [], k_min=k)
    model = pd.DataFrame({c: pd.Series([], dtype=float) for c in MODEL_COLUMNS})
    model["term"] = model["term"].astype(object)
    model_info: dict[str, Any] = {"family": "none", "reason": "no street segments"}
    if seg_out is not None and seg_counts is not None:
        y = seg_counts[TOTAL].to_numpy(dtype=float)
        environment = environment_table(
            seg_out, y, present, k_min=k, level=params.ci_level, hidden=hidden[env_ids]
        )
        if present and y.sum() < k:
            model_info = {"family": "none", "reason": f"fewer than k = {k} incidents"}
        elif present:
            model, model_info = count_model(seg_out, y, present, level=params.ci_level)
            if len(model) and params.secondary_suppression and seg_ids is not None:
                # each coefficient is a weighted sum of the segments' counts (its score
                # equation): publish the model only if that pins no suppressed count
                relations = score_relations(seg_out, y, present, model, model_info)
                rows = sparse.csr_matrix(relations.rows)[:, np.flatnonzero(seg_ids[:, 0] >= 0)]
                cols = seg_ids[seg_ids[:, 0] >= 0, 0]
                on_cells = sparse.csr_matrix(
                    (rows.tocoo().data, (rows.tocoo().row, cols[rows.tocoo().col])),
                    shape=(rows.shape[0], system.size),
                )
                extra = Relations(on_cells, relations.values, relations.tolerance)
                pinned = system.unprotected(
                    hidden, k=k, publish_zero=params.publish_zero, extra=extra
                )
                if len(pinned):
                    model = model.iloc[0:0]
                    model_info = {
                        "family": "none",
                        "reason": f"withheld: its coefficients would narrow down {len(pinned)} "
                        "suppressed counts",
                    }
        else:
            model_info = {"family": "none", "reason": "no environment columns on the segments"}

    window_totals = {w: shown(int(light_ids[j])) for j, w in enumerate(LIGHT_WINDOWS)}
    n_categories = len(plan.column)
    summary: dict[str, Any] = {
        "incidents read": None if hidden[in_id] else read + n_dropped,
        "dropped": dict(dropped or {}),  # data quality, not people: always reported
        "outside study area": int(outside),  # locates no one: always reported
        "in study area": shown(int(in_id)),
        # only with street segments
        **({"not snapped to a street": shown(not_snapped_id)} if not_snapped_id >= 0 else {}),
        "light window unknown": window_totals["unknown"],
        "by light window": window_totals,
        "categories": None  # with fewer than k incidents even their variety says too much
        if hidden[in_id]
        else {
            "total": n_categories,
            "with a column": len(plan.slugs) - (plan.other is not None),
            "counted in other": plan.merged,
        },
        "areas with suppressed counts": int(area_pub[TOTAL_FLAG].sum()),
        "hotspot units": f"{len(units)} {kind}",
        "hot spots (FDR)": None
        if hotspot_reason
        else int(np.isin(gi.hot_class, ["hot 95%", "hot 99%"]).sum()),
        "cold spots (FDR)": None
        if hotspot_reason
        else int(np.isin(gi.hot_class, ["cold 95%", "cold 99%"]).sum()),
    }
    if hotspot_reason:
        summary["hotspot analysis"] = hotspot_reason
    if seg_out is not None:
        summary["segments with suppressed counts"] = int(seg_out[TOTAL_FLAG].sum())
    if rates_reason is not None:
        summary["incident rates"] = rates_reason
    if system.unprotected_cells:  # the repairs ran out: say so rather than claim protection
        summary["privacy audit"] = (
            f"WARNING: {system.unprotected_cells} suppressed counts could still be narrowed "
            "down from the published ones; raise incidents.k_min or use coarser areas"
        )
    metadata: dict[str, Any] = {
        "incidents_privacy": {
            "k_min": k,
            "publish_zero": params.publish_zero,
            "secondary_suppression": params.secondary_suppression,
            "suppression_scope": "all incident tables together (areas, segments, hotspot "
            "units, environment groups, summary totals)",
            "lp_audit": {
                "cells_suppressed": int(hidden.sum()),
                "unprotected_cells": int(system.unprotected_cells),
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
            "units": kind,
            "count": len(units),
            "weights": "queen contiguity, self included (Gi*), row-standardised",
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
        "incidents_environment_columns": present,
        "incidents_model": model_info,
        "incidents_caveat": CAVEAT,
        "incidents_summary": summary,
    }
    return IncidentResult(
        areas=area_out,
        segments=seg_out,
        hotspots=hot,
        environment=environment,
        model=model,
        density=density,
        summary=summary,
        metadata=metadata,
        points=pts,
        raw_points_exported=bool(include_raw_points),
    )


def _add_table(
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


def _mask(hidden: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """``hidden`` at ``ids`` (False where -1: a cell left out of the system)."""
    out = np.zeros(ids.shape, dtype=bool)
    ok = ids >= 0
    out[ok] = hidden[ids[ok]]
    return out


def _covers(darkness: pd.DataFrame, times: pd.Series, timezone: str) -> bool:
    need_cols = {"date", "civil_dawn", "civil_dusk", "darkness_h"}
    if not need_cols <= set(darkness.columns) or times.empty:
        return False
    local = times.dt.tz_convert(timezone)
    dates = set(pd.to_datetime(darkness["date"].astype(str)).dt.date)
    needed = set(local.dt.date) | set((local - pd.Timedelta(days=1)).dt.date)
    return needed <= dates
