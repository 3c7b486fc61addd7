"""The whole incident analysis in one call: :func:`analyse_incidents`."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer

from safespaces.errors import InputError
from safespaces.incidents.counts import (
    TOTAL,
    TOTAL_FLAG,
    area_of_points,
    count_by_unit,
    count_groups,
    published_counts,
    snap_to_segments,
    suppression_mask,
)
from safespaces.incidents.density import DensityGrid, kernel_density
from safespaces.incidents.environment import (
    CAVEAT,
    MODEL_COLUMNS,
    count_model,
    environment_table,
)
from safespaces.incidents.hotspots import contiguity_weights, gi_star, hotspot_columns
from safespaces.incidents.params import IncidentParams, validate
from safespaces.incidents.rates import crude_rate, eb_rates
from safespaces.incidents.windows import assign_windows, darkness_for
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
) -> tuple[pd.DataFrame, dict[str, float]]:
    shown = ~published[TOTAL_FLAG].to_numpy(dtype=bool)
    crude = crude_rate(true_total, exposure, per)
    eb, prior = eb_rates(true_total, exposure, shown, per)
    out = pd.DataFrame(index=published.index)
    out[name] = np.where(shown, crude, np.nan)
    out[f"{name}_eb"] = np.where(shown, eb, np.nan)
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
    categories = sorted({str(c) for c in pts["category"].dropna()})
    groups = count_groups(categories)
    k = params.k_min

    def publish(counts: pd.DataFrame) -> pd.DataFrame:
        mask = suppression_mask(
            counts,
            groups,
            k=k,
            publish_zero=params.publish_zero,
            secondary=params.secondary_suppression,
        )
        return published_counts(counts, mask)

    # Areas.
    area_index = pd.Index(areas["area_id"].to_numpy())
    area_counts = count_by_unit(pts["area_id"], windows, pts["category"], area_index, categories)
    area_pub = publish(area_counts)
    priors: dict[str, Any] = {}
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
        )
        area_out["incidents_per_1000_residents"] = rates["incidents_per_1000_residents"].to_numpy()
        area_out["incidents_per_1000_eb"] = rates["incidents_per_1000_residents_eb"].to_numpy()

    # Segments.
    seg_out = None
    not_snapped = None
    seg_counts = None
    if segments is not None:
        segs = _strip(segments.reset_index(drop=True)).to_crs(crs)
        snap = snap_to_segments(pts, segs, params.snap_distance_m)
        pts["segment_id"] = snap["segment_id"].to_numpy()
        pts["snap_distance_m"] = snap["snap_distance_m"].to_numpy()
        not_snapped = int(snap["segment_id"].isna().sum())
        seg_index = pd.Index(segs["segment_id"].to_numpy())
        seg_counts = count_by_unit(
            pts["segment_id"], windows, pts["category"], seg_index, categories
        )
        seg_pub = publish(seg_counts)
        seg_out = segs.copy()
        for col in seg_pub.columns:
            seg_out[col] = seg_pub[col].array
        length = segs["length_m"].to_numpy(dtype=float)
        rates, priors["per_100m_segments"] = _with_rates(
            seg_pub, seg_counts[TOTAL].to_numpy(), length, 100.0, "incidents_per_100m"
        )
        seg_out["incidents_per_100m"] = rates["incidents_per_100m"].to_numpy()
        seg_out["incidents_per_100m_eb"] = rates["incidents_per_100m_eb"].to_numpy()
        street = _street_length_by_area(segs, areas)
        rates, priors["per_100m_areas"] = _with_rates(
            area_pub, area_counts[TOTAL].to_numpy(), street, 100.0, "incidents_per_100m"
        )
        area_out["incidents_street_m"] = street
        area_out["incidents_per_100m"] = rates["incidents_per_100m"].to_numpy()
        area_out["incidents_per_100m_eb"] = rates["incidents_per_100m_eb"].to_numpy()

    # Hotspots on the areas, or on a regular grid.
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
    gi = gi_star(
        unit_counts.astype(float),
        contiguity_weights(units),
        permutations=params.hotspot_permutations,
        fdr=params.hotspot_fdr,
        seed=seed,
    )
    hot = units[
        [c for c in ("area_id", "grid_id", "name") if c in units.columns] + ["geometry"]
    ].copy()
    unit_frame = pd.DataFrame({TOTAL: unit_counts.astype(np.int64)}, index=hot.index)
    unit_mask = suppression_mask(
        unit_frame,
        {},
        k=k,
        publish_zero=params.publish_zero,
        secondary=params.secondary_suppression,
    )
    unit_pub = published_counts(unit_frame, unit_mask)
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
    present: list[str] = []
    if seg_out is not None and seg_counts is not None:
        present = [c for c in params.environment_columns if c in seg_out.columns]
        y = seg_counts[TOTAL].to_numpy(dtype=float)
        environment = environment_table(seg_out, y, present, k_min=k, level=params.ci_level)
        if present and y.sum() < k:
            model_info = {"family": "none", "reason": f"fewer than k = {k} incidents"}
        elif present:
            model, model_info = count_model(seg_out, y, present, level=params.ci_level)
        else:
            model_info = {"family": "none", "reason": "no environment columns on the segments"}

    def shown(n: int) -> int | None:
        return None if 0 < n < k else n

    window_totals = {
        w: shown(int((windows["window_light"] == w).sum()))
        for w in ("day", "evening", "night", "unknown")
    }
    summary: dict[str, Any] = {
        "incidents read": shown(read + int(sum((dropped or {}).values()))),
        "dropped": dict(dropped or {}),  # data quality, not people: always reported
        "outside study area": int(outside),  # locates no one: always reported
        "in study area": shown(len(pts)),
        "not snapped to a street": None if not_snapped is None else shown(not_snapped),
        "hour unknown (date, month or year only)": shown(
            int((~pts["hour_known"].astype(bool)).sum())
        ),
        "by light window": window_totals,
        "areas with suppressed counts": int(area_pub[TOTAL_FLAG].sum()),
        "hotspot units": f"{len(units)} {kind}",
        "hot spots (FDR)": int(np.isin(gi.hot_class, ["hot 95%", "hot 99%"]).sum()),
        "cold spots (FDR)": int(np.isin(gi.hot_class, ["cold 95%", "cold 99%"]).sum()),
    }
    if seg_out is not None:
        summary["segments with suppressed counts"] = int(seg_out[TOTAL_FLAG].sum())
    metadata: dict[str, Any] = {
        "incidents_privacy": {
            "k_min": k,
            "publish_zero": params.publish_zero,
            "secondary_suppression": params.secondary_suppression,
            "min_bandwidth_m": params.min_bandwidth_m,
            "bandwidth_m": params.density_bandwidth_m,
            "density_masked_below_k": params.mask_density_below_k,
            "raw_points_exported": bool(include_raw_points),
        },
        "incidents_raw_points_exported": bool(include_raw_points),
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


def _covers(darkness: pd.DataFrame, times: pd.Series, timezone: str) -> bool:
    need_cols = {"date", "civil_dawn", "civil_dusk", "darkness_h"}
    if not need_cols <= set(darkness.columns) or times.empty:
        return False
    local = times.dt.tz_convert(timezone)
    dates = set(pd.to_datetime(darkness["date"].astype(str)).dt.date)
    needed = set(local.dt.date) | set((local - pd.Timedelta(days=1)).dt.date)
    return needed <= dates
