"""Horizontal illuminance on the ground and per-segment lighting measures.

Every lamp is a point source: at ground distance d from the foot of a lamp of
intensity I mounted at height h,

    E = I cos^3(gamma) / h^2 = I h / (h^2 + d^2)^(3/2),

the inverse-square law with the cosine of incidence (e.g. CIE 140:2019, EN
13201-3 section 5). Illuminance from every lamp within the cut-off radius is
summed. Segments are sampled at equal steps of at most ``sample_spacing_m``,
both ends included; the average is the trapezoid-rule mean along the segment
and the minimum is the smallest sample. Nothing loops over lamps or points in
Python: pairs come from a k-d tree and sums from ``numpy.bincount``.

Results do not depend on the batch: a line's samples are computed from its own
vertices only and each point's lamps are added in lamp order, so any subset of
the segments and lamps (a partition of the dask engine) gives bit-identical
samples and illuminance. The lamp-data coverage (:mod:`safespaces.lighting.coverage`)
is estimated per cell from the segments at hand: in a partitioned run a cell cut by a
partition edge is estimated from the partition's segments (core and halo).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy.spatial import cKDTree

from safespaces.lighting.coverage import apply_coverage
from safespaces.lighting.grid import grid_points, segment_widths
from safespaces.lighting.lamps import LampOptics, check_same_crs, lamp_optics, modelled
from safespaces.lighting.params import LightingParams
from safespaces.lighting.sampling import LineSamples, sample_lines
from safespaces.lighting.vocabulary import (
    BELOW_P6,
    CONFLICT_NO_BUT_LAMPS,
    CONFLICT_NONE,
    CONFLICT_UNKNOWN,
    CONFLICT_YES_NO_LAMPS,
    LIT_NOT_MAPPED,
    P_CLASSES,
    UNLIT,
)
from safespaces.lighting.vocabulary import (
    CLASS_ORDER as CLASS_ORDER,  # re-exported: every label, best first
)
from safespaces.sources.frames import street_segments

#: Segment columns the lighting family reads (derived for a plain frame:
#: :func:`safespaces.sources.frames.street_segments`).
SEGMENT_INPUTS = ("segment_id", "lit_tag", "highway")

#: Columns added to segments by :func:`segment_lighting`.
SEGMENT_COLUMNS: tuple[str, ...] = (
    "light_lux_avg",
    "light_lux_min",
    "light_uniformity",
    "light_lamps_per_100m",
    "light_class",
    "light_tag_conflict",
    "light_lamp_coverage",
)


def illuminance_at(
    points_xy: npt.ArrayLike,
    lamps: LampOptics | npt.ArrayLike,
    cutoff: float,
    *,
    maintenance_factor: float = 1.0,
    chunk_points: int = 100_000,
) -> npt.NDArray[np.float64]:
    """Horizontal illuminance on the ground at points, summed over lamps.

    E(p) = MF x sum over lamps with d <= cutoff of I(C, gamma) cos^3(gamma) / h^2
         = MF x sum I(C, gamma) h / (h^2 + d^2)^(3/2),

    where d is the ground distance from p to the lamp's foot, h its mounting
    height, gamma = atan(d / h) the angle from the downward vertical, C the azimuth
    of p in the lamp's own C planes and I the lamp's luminous intensity towards p
    (EN 13201-3 section 5; CIE 140:2019). MF is the maintenance factor.

    Parameters
    ----------
    points_xy
        ``(n, 2)`` ground points in metres.
    lamps
        :class:`~safespaces.lighting.lamps.LampOptics`, or an ``(m, 4)`` array of
        x, y, mounting height h (m) and intensity I (cd) of isotropic point sources.
    cutoff
        Lamps farther than this ground distance are ignored (metres).
    maintenance_factor
        Multiplies every value (1: initial illuminance).
    chunk_points
        Points handled at once; bounds memory.

    Returns
    -------
    numpy.ndarray
        Illuminance in lux, one value per point.

    Examples
    --------
    One lamp of 1000 cd at 6 m: right under it E = I / h^2 = 27.8 lx; 8 m away
    E = 1000 x 6 / (36 + 64)^1.5 = 6 lx; beyond the cut-off nothing.

    >>> lamps = [[0.0, 0.0, 6.0, 1000.0]]
    >>> illuminance_at([[0, 0], [8, 0], [60, 0]], lamps, cutoff=50).round(2).tolist()
    [27.78, 6.0, 0.0]
    """
    pts = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    out = np.zeros(len(pts))
    optics, _ = _usable(lamps)
    for start, size, i, _, e in _pairs_by_chunk(pts, optics, cutoff, chunk_points):
        out[start : start + size] = np.bincount(i, weights=e, minlength=size)
    return out * maintenance_factor


def illuminance_pairs(
    points_xy: npt.ArrayLike,
    lamps: LampOptics | npt.ArrayLike,
    cutoff: float,
    *,
    chunk_points: int = 100_000,
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    """Every (point, lamp) pair within ``cutoff`` and the lamp's illuminance at the point.

    The terms :func:`illuminance_at` sums (before the maintenance factor): summed per
    point they give it exactly. Lamps that cannot light (no position, height or
    intensity) have no pairs.

    Returns
    -------
    point, lamp, lux
        Positions in ``points_xy`` and ``lamps``, and the illuminance (lux), point by
        point in lamp order.
    """
    pts = np.asarray(points_xy, dtype=float).reshape(-1, 2)
    point, lamp, lux = [np.zeros(0, dtype=np.intp)], [np.zeros(0, dtype=np.intp)], [np.zeros(0)]
    optics, position = _usable(lamps)
    for start, _, i, j, e in _pairs_by_chunk(pts, optics, cutoff, chunk_points):
        point.append(i + start)
        lamp.append(position[j])
        lux.append(e)
    return np.concatenate(point), np.concatenate(lamp), np.concatenate(lux)


def _usable(lamps: LampOptics | npt.ArrayLike) -> tuple[LampOptics, npt.NDArray[np.intp]]:
    """The lamps that can light (finite position, height > 0, intensity > 0) and their
    positions among ``lamps``."""
    optics = lamps if isinstance(lamps, LampOptics) else LampOptics.isotropic(lamps)
    ok = (
        np.all(np.isfinite(optics.xyh), axis=1)
        & (optics.xyh[:, 2] > 0)
        & np.isfinite(optics.scale)
        & (optics.scale > 0)
    )
    return optics.subset(ok), np.flatnonzero(ok)


def _pairs_by_chunk(
    pts: npt.NDArray[np.float64],
    optics: LampOptics,
    cutoff: float,
    chunk_points: int,
) -> Iterator[tuple[int, int, npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]]:
    """Chunks of points: (start, size, point in chunk, lamp, lux) of the pairs within reach
    of usable lamps (:func:`_usable`). The arrays are views of the chunk's pair table, not
    copies: the memory of a partition's lighting is that of one chunk's pairs."""
    if len(pts) == 0 or len(optics) == 0:
        return
    lamp_tree = cKDTree(optics.xyh[:, :2])
    h = optics.xyh[:, 2]
    h2 = h * h
    azimuth = np.nan_to_num(optics.azimuth_deg, nan=0.0)
    step = max(int(chunk_points), 1)
    for start in range(0, len(pts), step):  # chunks of points, not single points
        chunk = pts[start : start + step]
        # the lamps' tree walks the points' tree (faster than the other way round when
        # points repeat, as grid points at junctions do); an unbalanced tree builds faster
        tree = cKDTree(chunk, balanced_tree=False, compact_nodes=False)
        pairs = lamp_tree.sparse_distance_matrix(tree, cutoff, output_type="ndarray")
        # each point's lamps in lamp order, so its sum is added in the same order
        # whichever points and lamps share the batch (the tree's order is not)
        pairs = pairs[np.argsort(pairs["i"], kind="stable")]
        j, i, d = pairs["i"], pairs["j"], pairs["v"]
        cd = _pair_intensity(chunk, optics, azimuth, i, j, d)
        e = cd * h[j] / (h2[j] + d * d) ** 1.5
        yield start, len(chunk), i, j, e


def _pair_intensity(
    chunk: npt.NDArray[np.float64],
    optics: LampOptics,
    azimuth: npt.NDArray[np.float64],
    i: npt.NDArray[np.intp],
    j: npt.NDArray[np.intp],
    d: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """Intensity (cd) of lamp ``j`` towards point ``i`` for every pair, one table at a time."""
    cd = np.zeros(len(j))
    kind = optics.kind[j]
    gamma = np.degrees(np.arctan2(d, optics.xyh[j, 2]))
    for k, table in enumerate(optics.distributions):
        sel = np.flatnonzero(kind == k)
        if len(sel) == 0:
            continue
        jj = j[sel]
        if table.rotational:
            c = np.zeros(len(sel))
        else:
            dx = chunk[i[sel], 0] - optics.xyh[jj, 0]
            dy = chunk[i[sel], 1] - optics.xyh[jj, 1]
            c = np.degrees(np.arctan2(dy, dx)) - azimuth[jj]
        cd[sel] = table.intensity(c, gamma[sel]) * optics.scale[jj]
    return cd


@dataclasses.dataclass(frozen=True)
class StationLux:
    """Illuminance at each centre-line sample (station) of the EN 13201-3 grid.

    Attributes
    ----------
    mean
        Mean over the grid rows across the way at the station (lux).
    min
        Smallest value of those rows (lux).
    """

    mean: npt.NDArray[np.float64]
    min: npt.NDArray[np.float64]


def station_illuminance(
    samples: LineSamples,
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame,
    params: LightingParams,
) -> StationLux:
    """Maintained illuminance on the EN 13201-3 grid, per station (see :func:`grid_points`)."""
    xy, station = grid_points(samples, segment_widths(segments, params), params)
    lux = illuminance_at(
        xy,
        lamp_optics(lamps),
        params.cutoff_m,
        maintenance_factor=params.maintenance_factor,
        chunk_points=params.chunk_points,
    )
    if len(samples) == 0:
        return StationLux(np.zeros(0), np.zeros(0))
    first = np.flatnonzero(np.r_[True, station[1:] != station[:-1]])
    counts = np.diff(np.append(first, len(station)))
    return StationLux(
        mean=np.add.reduceat(lux, first) / counts, min=np.minimum.reduceat(lux, first)
    )


def light_class(avg: npt.ArrayLike, minimum: npt.ArrayLike) -> npt.NDArray[np.object_]:
    """Best EN 13201-2 P class met by an average and a minimum illuminance.

    A class is met when avg >= its average and min >= its minimum (EN 13201-2,
    Table 3: P1 15/3, P2 10/2, P3 7.5/1.5, P4 5/1, P5 3/0.6, P6 2/0.4 lux).
    Otherwise ``'below P6'``; ``'unlit'`` where the average is 0 (no lamp in
    range); missing values give ``None``.

    Parameters
    ----------
    avg, minimum
        Average and minimum horizontal illuminance in lux.

    Returns
    -------
    numpy.ndarray of str

    Examples
    --------
    >>> light_class([12.0, 4.0, 4.0, 0.0], [2.5, 1.0, 0.3, 0.0]).tolist()
    ['P2', 'P5', 'below P6', 'unlit']
    """
    a = np.asarray(avg, dtype=float)
    m = np.asarray(minimum, dtype=float)
    conds = [(a >= ca) & (m >= cm) for _, ca, cm in P_CLASSES]
    labels = [c[0] for c in P_CLASSES]
    out = np.select(conds, labels, default=BELOW_P6).astype(object)
    out[a <= 0] = UNLIT
    out[np.isnan(a) | np.isnan(m)] = None
    return out


def meets_p6(classes: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where a class label is P6 or better."""
    return np.isin(np.asarray(classes, dtype=object), np.array([c[0] for c in P_CLASSES]))


def _lit_state(lit_tag: pd.Series, params: LightingParams) -> tuple[np.ndarray, np.ndarray]:
    s = pd.Series(lit_tag, copy=False).astype("string").str.strip().str.lower()
    unknown = (s.isna() | (s == "")).to_numpy(dtype=bool, na_value=True)
    is_no = s.isin(list(params.lit_no_values)).to_numpy(dtype=bool, na_value=False)
    return unknown, is_no & ~unknown


def tag_conflicts(lit_tag: pd.Series, lux_avg: npt.ArrayLike, params: LightingParams) -> pd.Series:
    """Compare the OSM ``lit`` tag with the illuminance from mapped lamps.

    ``lit_no_but_lamps``: tagged unlit (``lit_no_values``) but the average from
    mapped lamps reaches ``conflict_min_lux_avg``. ``lit_yes_no_lamps``: tagged lit
    but no mapped lamp within the cut-off (average 0). ``lit_unknown``: no ``lit``
    tag. Otherwise ``none``.

    Parameters
    ----------
    lit_tag
        Raw OSM ``lit`` values (``None`` when untagged).
    lux_avg
        Average illuminance from mapped lamps, aligned to ``lit_tag``.
    params
        Lighting settings.

    Returns
    -------
    pandas.Series
        Conflict code per segment, aligned to ``lit_tag``.

    Examples
    --------
    >>> import pandas as pd
    >>> from safespaces.lighting import LightingParams
    >>> lit = pd.Series(["yes", "no", None, "yes"])
    >>> tag_conflicts(lit, [0.0, 5.0, 3.0, 4.0], LightingParams()).tolist()
    ['lit_yes_no_lamps', 'lit_no_but_lamps', 'lit_unknown', 'none']
    """
    avg = np.asarray(lux_avg, dtype=float)
    unknown, is_no = _lit_state(lit_tag, params)
    is_yes = ~unknown & ~is_no
    reached = (avg > 0) & (avg >= params.conflict_min_lux_avg)
    codes = np.select(
        [unknown, is_no & reached, is_yes & ~(avg > 0)],
        [CONFLICT_UNKNOWN, CONFLICT_NO_BUT_LAMPS, CONFLICT_YES_NO_LAMPS],
        default=CONFLICT_NONE,
    ).astype(object)
    return pd.Series(codes, index=lit_tag.index, name="light_tag_conflict", dtype=object)


def lamps_per_100m(
    segments: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame, distance: float
) -> npt.NDArray[np.float64]:
    """Lamps within ``distance`` of each segment per 100 m of its length.

    A lamp near several segments (at a junction) counts for each. Zero-length
    segments give NaN.
    """
    lengths = shapely.length(segments.geometry.to_numpy())
    counts = np.zeros(len(segments))
    if len(lamps) and len(segments):
        pairs = segments.sindex.query(
            lamps.geometry.to_numpy(), predicate="dwithin", distance=distance
        )
        counts = np.bincount(pairs[1], minlength=len(segments)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(lengths > 0, counts / lengths * 100.0, np.nan)


def sample_segments(segments: gpd.GeoDataFrame, params: LightingParams) -> LineSamples:
    """Sample walking segments at ``params.sample_spacing_m`` (see :func:`sample_lines`)."""
    return sample_lines(segments.geometry.to_numpy(), params.sample_spacing_m)


def sample_illuminance(
    samples: LineSamples, lamps: gpd.GeoDataFrame, params: LightingParams
) -> npt.NDArray[np.float64]:
    """Maintained illuminance at each centre-line sample from the modelled lamps (lux)."""
    return illuminance_at(
        samples.xy,
        lamp_optics(lamps),
        params.cutoff_m,
        maintenance_factor=params.maintenance_factor,
        chunk_points=params.chunk_points,
    )


def aggregate_samples(
    samples: LineSamples, lux: npt.NDArray[np.float64] | StationLux
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Trapezoid-rule average and minimum illuminance per line.

    avg = sum(w_k E_k) / sum(w_k) with trapezoid weights w_k, E_k the station's mean
    across the way; a zero-length line takes the plain mean. min = the smallest
    value of any grid point (:class:`StationLux` ``min``; a plain array is a grid of
    one row).
    """
    station = lux if isinstance(lux, StationLux) else StationLux(lux, lux)
    if len(samples.starts) == 0:
        return np.zeros(0), np.zeros(0)
    mean = station.mean
    wsum = np.add.reduceat(samples.weight, samples.starts)
    wesum = np.add.reduceat(samples.weight * mean, samples.starts)
    n = np.diff(np.append(samples.starts, len(mean)))
    plain = np.add.reduceat(mean, samples.starts) / n
    avg = np.divide(wesum, wsum, out=plain.copy(), where=wsum > 0)
    mn = np.minimum.reduceat(station.min, samples.starts)
    return avg, mn


def segment_lighting_from_samples(
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame,
    samples: LineSamples,
    lux: npt.NDArray[np.float64] | StationLux,
    params: LightingParams,
) -> pd.DataFrame:
    """Per-segment measures from precomputed samples (see :func:`segment_lighting`)."""
    avg, mn = aggregate_samples(samples, lux)
    lit = (
        segments["lit_tag"]
        if "lit_tag" in segments.columns
        else pd.Series([None] * len(segments), index=segments.index, dtype=object)
    )
    conflict = tag_conflicts(lit, avg, params)
    cls = light_class(avg, mn)
    not_mapped = (conflict == CONFLICT_YES_NO_LAMPS).to_numpy()
    cls[not_mapped] = LIT_NOT_MAPPED
    avg = np.where(not_mapped, np.nan, avg)
    mn = np.where(not_mapped, np.nan, mn)
    cls, coverage = segment_coverage(segments, avg, cls, lit, len(lamps) > 0, params)
    with np.errstate(divide="ignore", invalid="ignore"):
        uniformity = np.where(avg > 0, mn / avg, np.nan)
    return pd.DataFrame(
        {
            "light_lux_avg": avg,
            "light_lux_min": mn,
            "light_uniformity": uniformity,
            "light_lamps_per_100m": lamps_per_100m(segments, lamps, params.lamp_count_distance_m),
            "light_class": pd.Series(cls, dtype=object).to_numpy(),
            "light_tag_conflict": conflict.to_numpy(),
            "light_lamp_coverage": coverage,
        },
        index=segments.index,
    )


def segment_coverage(
    segments: gpd.GeoDataFrame,
    lux_avg: npt.NDArray[np.float64],
    classes: npt.NDArray[np.object_],
    lit: pd.Series,
    any_lamp: bool,
    params: LightingParams,
) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.float64]]:
    """Classes and lamp-data coverage (see :func:`safespaces.lighting.coverage.apply_coverage`)."""
    highway = (
        segments["highway"]
        if "highway" in segments.columns
        else pd.Series([None] * len(segments), index=segments.index, dtype=object)
    )
    return apply_coverage(
        segments.geometry.to_numpy(), highway, lit, lux_avg, classes, any_lamp, params
    )


def segment_lighting(
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame | None,
    params: LightingParams | None = None,
) -> pd.DataFrame:
    """Illuminance measures of every walking segment.

    Each segment is sampled every ``sample_spacing_m`` or finer; the illuminance
    at each sample is summed over lamps within ``cutoff_m`` by the point-source
    law (:func:`illuminance_at`).

    Parameters
    ----------
    segments
        LineStrings in a metric CRS, with ``lit_tag`` (raw OSM ``lit``; a plain
        frame's ``lit`` is read as it, :func:`safespaces.sources.frames.street_segments`)
        and ``highway`` where known.
    lamps
        Lamps in the same CRS: from :func:`safespaces.lighting.lamp_model`, or plain
        points, which are modelled here (:func:`~safespaces.lighting.lamp_model` with
        no public spaces); None for no lamp.
    params
        Lighting settings (default: :class:`~safespaces.lighting.LightingParams`).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``segments.index``: ``light_lux_avg`` (trapezoid mean, lx),
        ``light_lux_min`` (lx), ``light_uniformity`` (min/avg),
        ``light_lamps_per_100m``, ``light_class`` (best EN 13201-2 P class met,
        ``'below P6'``, ``'unlit'``, ``'lit, lamps not mapped'`` when tagged lit
        with no mapped lamp in range (the lux columns are then NaN rather than a
        guess), or ``'no lamp data'`` for a dark segment in a cell whose lamps are
        not mapped), ``light_tag_conflict`` (see :func:`tag_conflicts`) and
        ``light_lamp_coverage`` (the coverage of the segment's cell, 0..1, see
        :mod:`safespaces.lighting.coverage`).

    Examples
    --------
    A 6 m lamp of 1000 cd at the middle of a 40 m path:

    >>> import geopandas as gpd, shapely
    >>> path = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (40, 0)])],
    ...                         crs="EPSG:3067")
    >>> lamp = gpd.GeoDataFrame({"height_m": [6.0], "intensity_cd": [1000.0]},
    ...                         geometry=[shapely.Point(20, 0)], crs="EPSG:3067")
    >>> from safespaces.lighting import LightingParams
    >>> lit = segment_lighting(path, lamp, params=LightingParams.point_source())
    >>> round(float(lit["light_lux_min"].iloc[0]), 2), lit["light_class"].iloc[0]
    (0.66, 'P5')

    With the point-source model (isotropic, MF = 1, the centre line) the minimum is at
    the ends, 20 m from the lamp's foot: 1000 x 6 / (6^2 + 20^2)^1.5 = 0.66 lx
    (:func:`illuminance_at`). The default model (a generic LED distribution, MF = 0.8,
    the EN 13201-3 grid across the path) gives less:

    >>> round(float(segment_lighting(path, lamp)["light_lux_min"].iloc[0]), 2)
    0.26
    """
    params = LightingParams() if params is None else params
    segments = street_segments(segments, need=("lit_tag", "highway"))
    lamps = modelled(lamps, segments, params)
    check_same_crs(segments, lamps)
    samples = sample_segments(segments, params)
    lux = station_illuminance(samples, segments, lamps, params)
    return segment_lighting_from_samples(segments, lamps, samples, lux, params)
