"""The whole eyes-on-the-street analysis in one call: :func:`analyse_eyes`."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from safespaces.errors import InputError
from safespaces.eyes.facing import (
    frontage_share,
    nearest_segment,
    per_100m,
    residents_facing,
    sample_rays,
)
from safespaces.eyes.flow import segment_flow
from safespaces.eyes.hours import (
    HOURS,
    OpeningTable,
    hour_datetimes,
    normalise_weekday,
    opening_table,
)
from safespaces.eyes.index import (
    combine,
    dark_hours,
    explain,
    hourly_scores,
    light_factor,
    window_means,
)
from safespaces.eyes.params import EyesParams, validate
from safespaces.eyes.vocabulary import (
    ACTIVE_COLUMNS,
    HOUR_COLUMNS,
    WINDOW_COLUMNS,
    window_column,
)
from safespaces.population import ResidentParams, estimate_residents
from safespaces.sources.frames import (
    building_footprints,
    empty_points,
    premises,
    street_segments,
)


@dataclasses.dataclass(frozen=True)
class EyesResult:
    """What :func:`analyse_eyes` computes.

    Attributes
    ----------
    segments
        Input segments plus every ``eyes_*`` column.
    dark
        Dark hours used (24 booleans, clock hours).
    pois_unparsed
        Premises whose ``opening_hours`` could not be parsed (default hours used).
    pois_default
        Premises without ``opening_hours`` (default hours used).
    weekday
        The day of the week of the hourly index (``Mo`` .. ``Su``).

    Examples
    --------
    See :func:`analyse_eyes`, which returns one:

    >>> import geopandas as gpd, shapely
    >>> street = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)])],
    ...                           crs="EPSG:3067")
    >>> result = analyse_eyes(street, None)
    >>> result.weekday, sorted(result.layers())
    ('Fr', ['street_segments'])
    """

    segments: gpd.GeoDataFrame
    dark: tuple[bool, ...]
    pois_unparsed: int
    pois_default: int
    weekday: str = ""

    @classmethod
    def assemble(
        cls,
        segments: gpd.GeoDataFrame,
        dark: npt.ArrayLike,
        table: OpeningTable,
        params: EyesParams,
    ) -> EyesResult:
        """The result of the scored segments, the dark hours used and the premises'
        opening table (whose unparsed and default counts it reports)."""
        return cls(
            segments=segments,
            dark=tuple(bool(d) for d in np.asarray(dark)),
            pois_unparsed=table.unparsed,
            pois_default=int((table.source == "default").sum()),
            weekday=normalise_weekday(params.weekday),
        )

    @classmethod
    def merge(
        cls,
        parts: Sequence[EyesResult],
        pois: pd.DataFrame,
        params: EyesParams,
        *,
        segments: gpd.GeoDataFrame | None = None,
    ) -> EyesResult:
        """The whole study's result from the results of its partitions.

        Each part holds the core segments of one partition; they are put back
        in the study's order (their index). Every part used the study's
        darkness table, so the dark hours agree. Partitions share the premises
        of their halos, so the premises counts are those of the study's
        ``pois``.

        ``segments``: the whole study's scored segments when the caller has
        them already (the dask engine's lighting parts carry the eyes columns),
        instead of concatenating the parts' again (a copy of every segment).

        Raises
        ------
        ValueError
            No part, or parts with different dark hours.
        """
        if not parts:
            raise ValueError("no partition results to merge")
        if any(p.dark != parts[0].dark for p in parts):
            raise ValueError("partitions used different dark hours")
        if segments is None:
            segments = pd.concat([p.segments for p in parts]).sort_index()
        return cls.assemble(segments, parts[0].dark, opening_table(pois, params), params)

    def core(self, segments: np.ndarray) -> EyesResult:
        """The segments a partition owns (a boolean mask aligned to ``segments``)."""
        return dataclasses.replace(self, segments=self.segments[segments])

    def layers(self) -> dict[str, pd.DataFrame]:
        """``street_segments`` with every ``eyes_*`` column."""
        return {"street_segments": self.segments}

    def summary(self) -> dict[str, Any]:
        """Length-weighted means and the share of walking length with few eyes at night."""
        seg = self.segments
        length = seg["length_m"].to_numpy(dtype=float)
        total = float(length.sum())

        def mean(column: str) -> float:
            return round(float(np.average(seg[column].to_numpy(dtype=float), weights=length)), 2)

        return {
            "weekday": self.weekday,
            "segments": len(seg),
            "dark_hours": [h for h, d in enumerate(self.dark) if d],
            "length_weighted_mean": {c: mean(c) for c in [*WINDOW_COLUMNS, *HOUR_COLUMNS]},
            "night_share_of_length_below_20": round(
                float(length[seg[window_column("night")].to_numpy() < 20].sum()) / total, 4
            )
            if total
            else None,
            "premises_opening_hours_unparsed": self.pois_unparsed,
            "premises_default_hours": self.pois_default,
        }

    def metadata(self) -> dict[str, Any]:
        """``eyes_summary`` for ``run_metadata``."""
        return {"eyes_summary": self.summary()}


def validate_params(params: EyesParams) -> None:
    """Raise :class:`~safespaces.errors.SettingError` for settings the method cannot use.

    The rules are :func:`safespaces.eyes.params.validate`'s.
    """
    validate(params)


def _check_crs(segments: gpd.GeoDataFrame, *others: gpd.GeoDataFrame | None) -> None:
    if segments.crs is None or not segments.crs.is_projected:
        raise InputError(
            "segments need a projected (metric) CRS", fix="reproject, e.g. to EPSG:3067"
        )
    for other in others:
        if other is not None and len(other) and other.crs != segments.crs:
            raise InputError(
                f"a layer is in {other.crs}, the segments in {segments.crs}",
                fix="reproject every layer to the segments' CRS",
            )


#: Columns of a premises layer (an empty one for ``pois=None``).
POI_COLUMNS = ("poi_key", "category", "opening_hours")


def residents_of(buildings: gpd.GeoDataFrame | None, crs: object) -> gpd.GeoDataFrame:
    """Buildings with ``residents`` or ``residents_est``: estimated where neither is given
    (:func:`safespaces.population.estimate_residents` with the default
    :class:`~safespaces.population.ResidentParams`); an empty layer for None."""
    if buildings is None:
        return empty_points(crs, ("residents",))
    if "residents" in buildings or "residents_est" in buildings:
        return buildings
    footprints = building_footprints(buildings)
    return footprints.assign(residents_est=estimate_residents(footprints, ResidentParams()))


def _residents(buildings: gpd.GeoDataFrame) -> np.ndarray:
    for column in ("residents", "residents_est"):
        if column in buildings:
            return buildings[column].to_numpy(dtype=float)
    return np.zeros(len(buildings))


def analyse_eyes(
    segments: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame | None,
    pois: gpd.GeoDataFrame | None = None,
    entrances: gpd.GeoDataFrame | None = None,
    params: EyesParams | None = None,
    *,
    lighting: pd.DataFrame | None = None,
    darkness: pd.DataFrame | None = None,
) -> EyesResult:
    """Compute every eyes-on-the-street component and the hourly index.

    Parameters
    ----------
    segments
        Walking segments (LineStrings, metric CRS) with ``u``, ``v``, ``length_m``;
        a plain frame (osmnx's or pyrosm's edges, geometry alone) gets them derived
        (:func:`safespaces.sources.frames.street_segments`).
    buildings
        Footprints with ``residents`` (e.g. from tenure data) or ``residents_est``;
        without either, residents are estimated from the footprint, ``building`` and
        ``building:levels`` (:func:`safespaces.population.estimate_residents`).
        None: no building.
    pois
        Premises points with ``poi_key``, ``category``, ``opening_hours``, or OSM tag
        columns (``amenity``, ``shop`` ...: :func:`safespaces.sources.frames.premises`);
        None: no premises.
    entrances
        OSM entrance points, or None.
    params
        Eyes settings (default: :class:`EyesParams`).
    lighting
        Aligned to ``segments``: ``light_lux_avg`` and ``light_class`` (from
        :func:`safespaces.lighting.analyse_lighting`), or None (light not assessed:
        the light factor is 1).
    darkness
        The lighting family's darkness table (``date``, ``civil_dawn``,
        ``civil_dusk``); None uses :attr:`EyesParams.dark_hours`.

    Returns
    -------
    EyesResult
        ``segments`` gets, aligned to its rows:

        - ``eyes_frontage_share`` (0..1), ``eyes_doors_per_100m``,
          ``eyes_residents`` and ``eyes_residents_per_100m``,
          ``eyes_active_h00`` .. ``eyes_active_h23`` (weighted open premises per
          100 m), ``eyes_flow_<r>m`` (metres), ``eyes_light`` (0..1);
        - ``eyes_h00`` .. ``eyes_h23``, ``eyes_day``, ``eyes_evening``,
          ``eyes_night`` (0..100) and ``eyes_explain``.

    Raises
    ------
    CRSError
        A layer in degrees or without a CRS, or layers in different CRSs.
    MissingColumnError
        Premises without ``category`` or OSM tag columns.

    Examples
    --------
    A 100 m street with a bar open in the evening and a block of flats facing it:

    >>> import geopandas as gpd, shapely
    >>> street = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)])],
    ...                           crs="EPSG:3067")
    >>> flats = gpd.GeoDataFrame({"building": ["apartments"], "building:levels": ["5"]},
    ...     geometry=[shapely.box(10, 5, 90, 20)], crs="EPSG:3067")
    >>> bar = gpd.GeoDataFrame({"amenity": ["bar"], "opening_hours": ["Mo-Su 16:00-02:00"]},
    ...     geometry=[shapely.Point(50, 4)], crs="EPSG:3067")
    >>> result = analyse_eyes(street, flats, bar)
    >>> row = result.segments.iloc[0]
    >>> float(row["eyes_frontage_share"]), int(row["eyes_doors"])
    (0.8, 1)
    >>> [round(float(row[c])) for c in ("eyes_h04", "eyes_h21")]
    [30, 34]
    """
    params = EyesParams() if params is None else params
    validate_params(params)
    segments = street_segments(segments, need=("u", "v", "length_m"))
    buildings = residents_of(buildings, segments.crs)
    pois = empty_points(segments.crs, POI_COLUMNS) if pois is None else premises(pois)
    entrances = empty_points(segments.crs) if entrances is None else entrances
    _check_crs(segments, buildings, pois, entrances)
    n = len(segments)
    lines = segments.geometry.to_numpy()
    length = segments["length_m"].to_numpy(dtype=float)
    out = segments.copy()

    rays = sample_rays(
        lines,
        buildings.geometry.to_numpy(),
        distance=params.frontage_distance_m,
        spacing=params.sample_spacing_m,
    )
    out["eyes_frontage_share"] = frontage_share(rays, n)

    poi_seg = nearest_segment(pois.geometry.to_numpy(), lines, params.door_distance_m)
    door_seg = nearest_segment(entrances.geometry.to_numpy(), lines, params.door_distance_m)
    doors = np.bincount(poi_seg[poi_seg >= 0], minlength=n) + np.bincount(
        door_seg[door_seg >= 0], minlength=n
    )
    out["eyes_doors"] = doors.astype(np.int64)
    out["eyes_doors_per_100m"] = per_100m(doors, length, params.min_length_m)

    residents = residents_facing(rays, _residents(buildings), n)
    out["eyes_residents"] = residents
    out["eyes_residents_per_100m"] = per_100m(residents, length, params.min_length_m)

    table = opening_table(pois, params)
    assigned = poi_seg >= 0
    weighted_open = table.is_open[assigned] * table.weight[assigned, None]
    active_count = np.zeros((n, HOURS))
    np.add.at(active_count, poi_seg[assigned], weighted_open)
    active = active_count / np.maximum(length, params.min_length_m)[:, None] * 100.0
    # in the index a premises' front is a door only while it is open
    open_count = np.zeros((n, HOURS))
    np.add.at(open_count, poi_seg[assigned], table.is_open[assigned].astype(float))
    entrance_count = np.bincount(door_seg[door_seg >= 0], minlength=n).astype(float)
    doors_open = per_100m(
        entrance_count[:, None] + open_count, length[:, None], params.min_length_m
    )
    for h, column in enumerate(ACTIVE_COLUMNS):
        out[column] = active[:, h]
    out["eyes_premises"] = np.bincount(poi_seg[assigned], minlength=n).astype(np.int64)

    for r, values in segment_flow(
        segments,
        params.flow_radii_m,
        beta_times_radius=params.flow_beta_times_radius,
    ).items():
        out[f"eyes_flow_{r}m"] = values

    if lighting is not None:
        light_class = lighting["light_class"].to_numpy(dtype=object)
        light = light_factor(lighting["light_lux_avg"].to_numpy(dtype=float), light_class, params)
    else:
        light_class = None
        light = np.ones(n)
    out["eyes_light"] = light

    dark = dark_hours(darkness, hour_datetimes(params), params)
    scores = hourly_scores(out, active, doors_open, light, dark, params)
    index = combine(scores, params)
    for h, column in enumerate(HOUR_COLUMNS):
        out[column] = index[:, h]
    for column, values in window_means(index).items():
        out[column] = values
    out["eyes_explain"] = explain(
        scores, out, active, None if lighting is None else light, light_class, params
    )
    return EyesResult.assemble(out, dark, table, params)
