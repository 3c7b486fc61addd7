"""The whole incident analysis in one call: :func:`analyse_incidents`.

A short composition of named steps, each in its own module: check the inputs,
keep the points inside the study area, give each a light window
(:mod:`~safespaces.incidents.windows`), count every table into one cell system
(:mod:`~safespaces.incidents.tables`), suppress them jointly, publish counts,
rates, hot spots, the environment table and the model
(:mod:`~safespaces.incidents.publish`), the density surface
(:mod:`~safespaces.incidents.density`), then the summary and metadata
(:mod:`~safespaces.incidents.report`). :class:`IncidentResult` holds the result
with the interface every family result has (``layers``, ``summary``,
``metadata``, ``assemble``, ``merge``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from safespaces.errors import InputError
from safespaces.incidents.counts import area_of_points, plan_categories
from safespaces.incidents.density import DensityGrid, kernel_density
from safespaces.incidents.params import IncidentParams, validate
from safespaces.incidents.publish import environment_and_model, hot_spots, publish_counts
from safespaces.incidents.report import (
    Counted,
    rates_unknown_reason,
    run_metadata,
    run_summary,
    summary_table,
)
from safespaces.incidents.tables import count_tables, strip_incident_columns
from safespaces.incidents.windows import assign_windows, darkness_for
from safespaces.sources.areas import grid_areas
from safespaces.sources.frames import street_segments
from safespaces.sources.incidents import read_incidents


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
    totals
        The run summary (:meth:`summary`): read, dropped by reason, outside the study
        area, not snapped...
    records
        The ``run_metadata`` entries (:meth:`metadata`): protections, priors, model
        information and caveat.
    points
        Incidents with their windows, area and segment: never exported unless
        ``raw_points_exported``.
    raw_points_exported
        The user opted in to raw output.

    Examples
    --------
    See :func:`analyse_incidents`, which returns one; its ``layers()`` hold the
    published tables only (never the points, unless opted in):

    >>> import geopandas as gpd, pandas as pd, shapely
    >>> x0, y0 = 385_000, 6_672_000
    >>> area = gpd.GeoDataFrame({"name": ["block"]},
    ...     geometry=[shapely.box(x0, y0, x0 + 200, y0 + 200)], crs="EPSG:3067")
    >>> reports = pd.DataFrame({"lon": [24.93] * 6, "lat": [60.17] * 6,
    ...     "time": ["2025-03-0%d 23:00" % d for d in range(1, 7)]})
    >>> result = analyse_incidents(reports, areas=area)
    >>> "incident_points" in result.layers(), result.summary()["in study area"]
    (False, 6)
    """

    areas: gpd.GeoDataFrame
    segments: gpd.GeoDataFrame | None
    hotspots: gpd.GeoDataFrame
    environment: pd.DataFrame
    model: pd.DataFrame
    density: DensityGrid | None
    totals: dict[str, Any]
    records: dict[str, Any]
    points: gpd.GeoDataFrame
    raw_points_exported: bool = False

    @classmethod
    def assemble(
        cls,
        *,
        areas: gpd.GeoDataFrame,
        segments: gpd.GeoDataFrame | None,
        hotspots: gpd.GeoDataFrame,
        environment: pd.DataFrame,
        model: pd.DataFrame,
        density: DensityGrid | None,
        summary: dict[str, Any],
        metadata: dict[str, Any],
        points: gpd.GeoDataFrame,
        include_raw_points: bool = False,
    ) -> IncidentResult:
        """The result from the outputs of the analysis steps (see :func:`analyse_incidents`)."""
        return cls(
            areas=areas,
            segments=segments,
            hotspots=hotspots,
            environment=environment,
            model=model,
            density=density,
            totals=summary,
            records=metadata,
            points=points,
            raw_points_exported=bool(include_raw_points),
        )

    @classmethod
    def merge(cls, parts: Sequence[IncidentResult]) -> IncidentResult:
        """The result of a study analysed in parts: only one part is accepted.

        Incidents are analysed as one study: suppression is joint over every table
        (a count hidden in one part could be recovered from the totals of another),
        and the FDR correction of the hot spots and the empirical-Bayes priors are
        global. Results of partitions cannot be combined into the study's result, so
        a partitioned run analyses incidents once, on the whole study.

        Raises
        ------
        ValueError
            Not exactly one part.
        """
        if len(parts) != 1:
            raise ValueError(
                f"cannot merge {len(parts)} incident results: incidents are analysed as one "
                "study (suppression is joint over all tables, the FDR correction and the "
                "empirical-Bayes priors are global); analyse the whole study once"
            )
        return parts[0]

    def layers(self) -> dict[str, pd.DataFrame]:
        """Output layers by name; ``incident_points`` only with the raw opt-in."""
        out: dict[str, pd.DataFrame] = {
            "areas": self.areas,
            "incident_hotspots": self.hotspots,
            "incident_environment": self.environment,
            "incident_model": self.model,
            "incident_summary": summary_table(self.totals),
        }
        if self.segments is not None:
            out["street_segments"] = self.segments
        if self.raw_points_exported:
            pts = self.points.copy()
            pts["time"] = pts["time"].map(lambda t: t.isoformat())
            out["incident_points"] = pts
        return out

    def summary(self) -> dict[str, Any]:
        """The run summary entry (``incidents`` in the run summary; ``incident_summary``)."""
        return self.totals

    def metadata(self) -> dict[str, Any]:
        """The ``run_metadata`` entries (``incidents_privacy``, ``incidents_model`` ...)."""
        return self.records


def validate_params(params: IncidentParams) -> None:
    """Raise :class:`~safespaces.errors.SettingError` on settings that make no sense.

    The rules are :func:`safespaces.incidents.params.validate`'s.
    """
    validate(params)


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
        (as :func:`safespaces.sources.incidents.read_incidents` returns), or a
        plain frame of points in any CRS (a GeoDataFrame, or a DataFrame with
        ``lon``/``lat``) with a time column and optionally a category: it is read
        as a file would be (:func:`~safespaces.sources.incidents.read_incidents` with
        ``drop_invalid``; the rows dropped are counted in the summary).
    segments
        Street segments (``segment_id``, ``length_m``, optional environment
        columns) in a metric CRS, or None (then no snapping, no street rates,
        no environment table). A plain frame of lines gets ``segment_id`` and
        ``length_m`` derived (:func:`safespaces.sources.frames.street_segments`).
    areas
        Areas (``area_id``, 0..n-1 where absent; ``name``; optional residents
        column) in a metric CRS, or None (then a grid of ``grid_size_m`` over the segments).
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
        Neither areas nor segments, a geographic CRS, or no time column.

    Examples
    --------
    Twelve evening reports on one 200 m street, counted in the 250 m grid cell made
    over it. Eight fall on weekdays and four at weekends: four is fewer than
    ``k_min`` (5), so that count is suppressed, and the weekday count with it (it
    would give the four away as 12 - 8):

    >>> import geopandas as gpd, pandas as pd, shapely
    >>> x0, y0 = 385_000, 6_672_000  # central Helsinki in EPSG:3067
    >>> street = gpd.GeoDataFrame(
    ...     geometry=[shapely.LineString([(x0 + 10, y0 + 10), (x0 + 210, y0 + 10)])],
    ...     crs="EPSG:3067")
    >>> reports = gpd.GeoDataFrame(
    ...     {"time": pd.date_range("2025-01-06 22:00", periods=12, freq="D",
    ...                            tz="Europe/Helsinki"),
    ...      "category": ["theft"] * 12},
    ...     geometry=[shapely.Point(x0 + 15 * i + 20, y0 + 11) for i in range(12)],
    ...     crs="EPSG:3067")
    >>> result = analyse_incidents(reports, street)
    >>> area = result.areas.iloc[0]
    >>> int(area["incidents_count"]), int(area["incidents_evening"])
    (12, 12)
    >>> bool(area["incidents_weekend_suppressed"]), bool(area["incidents_weekday_suppressed"])
    (True, True)
    >>> float(area["incidents_per_100m"])
    6.0
    """
    params = params or IncidentParams()
    validate_params(params)
    if any(column not in points for column in ("time", "hour_known", "category")):
        load = read_incidents(points, timezone=timezone, drop_invalid=True)
        points = load.points
        dropped = {**load.dropped, **(dropped or {})}
    if segments is not None:
        segments = street_segments(segments, need=("segment_id", "length_m"))
    crs = check_inputs(points, segments, areas)
    user_areas = areas is not None
    if areas is None:
        assert segments is not None
        areas = grid_areas(tuple(segments.total_bounds), crs, size_m=params.grid_size_m)
    areas = strip_incident_columns(areas.reset_index(drop=True))
    if "area_id" not in areas:  # areas given in code: numbered as read_areas numbers them
        areas.insert(0, "area_id", np.arange(len(areas), dtype=np.int64))
    pts, read, outside = in_study_area(points.to_crs(crs).reset_index(drop=True), areas)
    windows = light_windows(pts, areas, darkness, params, timezone)
    plan = plan_categories(
        pts["category"], max_categories=params.max_categories, k_min=params.k_min
    )
    tables = count_tables(pts, windows, areas, segments, plan, params, user_areas=user_areas)
    hidden = tables.suppress(params)
    counted = Counted(
        read, dict(dropped or {}), outside, len(pts), rates_unknown_reason(len(pts), outside), None
    )
    area_out, seg_out, priors = publish_counts(
        tables, hidden, areas, params, rates_unknown=counted.rates_reason is not None
    )
    street = area_out.get("incidents_street_m")
    unit_street = street.to_numpy() if street is not None and tables.units is areas else None
    hot, gi, counted.hotspot_reason, counted.hotspot_note = hot_spots(
        tables, hidden, params, seed, unit_street
    )
    density = incident_density(pts, areas, params, include_raw_points=include_raw_points)
    environment, model, model_info = environment_and_model(tables, hidden, seg_out, params)
    summary = run_summary(counted, tables, hidden, plan, area_out, seg_out, gi, params.publish_zero)
    metadata = run_metadata(
        params,
        tables,
        hidden,
        plan,
        priors=priors,
        density=density,
        model_info=model_info,
        summary=summary,
        seed=seed,
        include_raw_points=include_raw_points,
    )
    return IncidentResult.assemble(
        areas=area_out,
        segments=seg_out,
        hotspots=hot,
        environment=environment,
        model=model,
        density=density,
        summary=summary,
        metadata=metadata,
        points=pts,
        include_raw_points=include_raw_points,
    )


def check_inputs(
    points: gpd.GeoDataFrame, segments: gpd.GeoDataFrame | None, areas: gpd.GeoDataFrame | None
) -> CRS:
    """The study's metric CRS (the areas', else the segments').

    Raises
    ------
    InputError
        Neither areas nor segments, a geographic CRS, or a column missing on the points.
    """
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
    return crs


def in_study_area(
    pts: gpd.GeoDataFrame, areas: gpd.GeoDataFrame
) -> tuple[gpd.GeoDataFrame, int, int]:
    """The points inside the areas' union (the study area), with their ``area_id``.

    Returns
    -------
    points, read, outside
        The points kept, the number given and the number left out (outside).
    """
    read = len(pts)
    area_id = area_of_points(pts, areas)
    inside = area_id.notna().to_numpy()
    outside = int((~inside).sum())
    pts = pts.loc[inside].reset_index(drop=True)
    pts["area_id"] = area_id[inside].to_numpy()
    return pts, read, outside


def light_windows(
    pts: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    darkness: pd.DataFrame | None,
    params: IncidentParams,
    timezone: str,
) -> pd.DataFrame:
    """Each point's light window, weekday/weekend and month (also added to ``pts``).

    ``darkness`` (from the lighting family) is used when it covers every day of the
    points (and the day before); otherwise it is computed for the areas' centre.
    """
    lat, lon = _lat_lon(areas)
    if darkness is None or not _covers(darkness, pts["time"], timezone):
        darkness = darkness_for(pts["time"], lat, lon, timezone)
    windows = assign_windows(
        pts, darkness, timezone=timezone, night_start_hour=params.night_start_hour
    )
    for wcol in windows.columns:
        pts[wcol] = windows[wcol].to_numpy()
    return windows


def incident_density(
    pts: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    params: IncidentParams,
    *,
    include_raw_points: bool,
) -> DensityGrid | None:
    """The kernel density over the study area (None without incidents in it)."""
    if not len(pts):
        return None
    xy = shapely.get_coordinates(pts.geometry.values)
    return kernel_density(
        xy,
        tuple(areas.total_bounds),
        bandwidth_m=params.density_bandwidth_m,
        cell_m=params.density_cell_m,
        k_min=params.k_min if params.mask_density_below_k else 0,
        min_bandwidth_m=params.min_bandwidth_m,
        allow_small_bandwidth=include_raw_points,
        max_cells=params.density_max_cells,
    )


def _lat_lon(frame: gpd.GeoDataFrame) -> tuple[float, float]:
    minx, miny, maxx, maxy = frame.total_bounds
    to_wgs = Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform((minx + maxx) / 2, (miny + maxy) / 2)
    return float(lat), float(lon)


def _covers(darkness: pd.DataFrame, times: pd.Series, timezone: str) -> bool:
    need_cols = {"date", "civil_dawn", "civil_dusk", "darkness_h"}
    if not need_cols <= set(darkness.columns) or times.empty:
        return False
    local = times.dt.tz_convert(timezone)
    dates = set(pd.to_datetime(darkness["date"].astype(str)).dt.date)
    needed = set(local.dt.date) | set((local - pd.Timedelta(days=1)).dt.date)
    return needed <= dates
