"""Illuminance on every segment's EN 13201-3 grid, updated lamp by lamp.

The planner's model (:func:`safespaces.plan.plan_lamps`): the same grid, lux sum and
per-segment aggregation as the lighting stage
(:func:`~safespaces.lighting.illuminance.station_illuminance`,
:func:`~safespaces.lighting.illuminance.aggregate_samples`), kept as arrays so that
adding one lamp touches only the grid points within ``lighting.cutoff_m`` of it and
the segments that own them.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely
from scipy.spatial import cKDTree

from safespaces.lighting.grid import grid_points, segment_widths
from safespaces.lighting.illuminance import illuminance_at, sample_segments
from safespaces.lighting.lamps import LampOptics, lamp_optics
from safespaces.lighting.params import LightingParams
from safespaces.lighting.vocabulary import P_CLASSES

_P6_AVG, _P6_MIN = P_CLASSES[-1][1], P_CLASSES[-1][2]


def _ranges(start: npt.NDArray[np.intp], count: npt.NDArray[np.intp]) -> npt.NDArray[np.intp]:
    """``start[k] .. start[k] + count[k] - 1`` for every k, concatenated."""
    total = int(count.sum())
    offset = np.cumsum(count) - count
    return np.arange(total, dtype=np.intp) - np.repeat(offset, count) + np.repeat(start, count)


def meets_p6_lux(avg: npt.ArrayLike, minimum: npt.ArrayLike) -> npt.NDArray[np.bool_]:
    """True where an average and a minimum illuminance meet P6 or better (2 lx / 0.4 lx).

    The same test as ``light_class(avg, min)`` in a P class (every better class
    implies P6's two thresholds).
    """
    a = np.asarray(avg, dtype=float)
    m = np.asarray(minimum, dtype=float)
    return (a >= _P6_AVG) & (m >= _P6_MIN)


def _progress(avg: npt.ArrayLike, minimum: npt.ArrayLike) -> npt.NDArray[np.float64]:
    """How far a segment is towards P6: mean of E_avg / 2 lx and E_min / 0.4 lx, capped at 1."""
    a = np.minimum(np.asarray(avg, dtype=float) / _P6_AVG, 1.0)
    m = np.minimum(np.asarray(minimum, dtype=float) / _P6_MIN, 1.0)
    return 0.5 * (a + m)


@dataclasses.dataclass(frozen=True)
class Gain:
    """What one more lamp adds: metres newly at P6+, their weighted value, and progress."""

    metres: float
    weighted: float
    progress: float


class LuxState:
    """Illuminance on the EN 13201-3 grid of every segment, updated lamp by lamp.

    Keeps the raw (before the maintenance factor) illuminance at every grid point
    and each segment's E_avg and E_min as the lighting stage computes them
    (:func:`~safespaces.lighting.illuminance.station_illuminance` then
    :func:`~safespaces.lighting.illuminance.aggregate_samples`). Adding a lamp adds
    its contribution to the grid points within ``cutoff_m`` only and aggregates again
    the segments that own them.

    Parameters
    ----------
    segments
        Walking segments (metric CRS) with ``highway`` / ``width_m`` where known.
    lamps
        Modelled lamps (:func:`~safespaces.lighting.lamp_model`).
    params
        Lighting settings.
    """

    def __init__(
        self, segments: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame, params: LightingParams
    ) -> None:
        self.params = params
        samples = sample_segments(segments, params)
        xy, station = grid_points(samples, segment_widths(segments, params), params)
        self.xy = xy
        self.length = shapely.length(segments.geometry.to_numpy()).astype(float)
        self.weight = samples.weight
        self.seg_start = samples.starts.astype(np.intp)
        self.seg_stations = np.diff(np.append(samples.starts, len(samples))).astype(np.intp)
        first = np.flatnonzero(np.r_[True, station[1:] != station[:-1]]) if len(station) else ()
        self.st_first: npt.NDArray[np.intp] = np.asarray(first, dtype=np.intp)
        self.st_count = np.diff(np.append(self.st_first, len(station))).astype(np.intp)
        self.seg_of_point = samples.line[station].astype(np.intp)
        self.raw = illuminance_at(
            xy,
            lamp_optics(lamps),
            params.cutoff_m,
            maintenance_factor=1.0,
            chunk_points=params.chunk_points,
        )
        self.tree = cKDTree(xy) if len(xy) else None
        every = np.arange(len(segments), dtype=np.intp)
        self.avg, self.min = self.aggregate(every)
        self.p6 = meets_p6_lux(self.avg, self.min)

    def copy(self) -> LuxState:
        """An independent copy (the arrays that change are copied; the rest shared)."""
        out = object.__new__(LuxState)
        out.__dict__.update(self.__dict__)
        out.raw = self.raw.copy()
        out.avg = self.avg.copy()
        out.min = self.min.copy()
        out.p6 = self.p6.copy()
        return out

    def aggregate(
        self,
        segs: npt.NDArray[np.intp],
        idx: npt.NDArray[np.intp] | None = None,
        extra: npt.NDArray[np.float64] | None = None,
    ) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
        """E_avg and E_min of segments ``segs`` (ascending), with ``extra`` raw lux at
        grid points ``idx`` (all on those segments) added."""
        if len(segs) == 0:
            return np.zeros(0), np.zeros(0)
        nst = self.seg_stations[segs]
        stations = _ranges(self.seg_start[segs], nst)
        rows = self.st_count[stations]
        points = _ranges(self.st_first[stations], rows)
        raw = self.raw[points]
        if idx is not None and extra is not None and len(idx):
            raw[np.searchsorted(points, idx)] += extra
        lux = raw * self.params.maintenance_factor
        st_local = np.cumsum(rows) - rows
        mean = np.add.reduceat(lux, st_local) / rows
        smin = np.minimum.reduceat(lux, st_local)
        seg_local = np.cumsum(nst) - nst
        w = self.weight[stations]
        wsum = np.add.reduceat(w, seg_local)
        wesum = np.add.reduceat(w * mean, seg_local)
        plain = np.add.reduceat(mean, seg_local) / nst
        avg = np.divide(wesum, wsum, out=plain.copy(), where=wsum > 0)
        return avg, np.minimum.reduceat(smin, seg_local)

    def avg_weights(self) -> npt.NDArray[np.float64]:
        """The weight of each grid point in its segment's E_avg: E_avg = MF x sum of
        weight x raw lux over the segment's points (the mean across the way at each
        station, then the stations' weighted mean, as :meth:`aggregate`)."""
        station_seg = np.repeat(np.arange(len(self.seg_start), dtype=np.intp), self.seg_stations)
        w = self.weight
        wsum = np.bincount(station_seg, weights=w, minlength=len(self.seg_start))
        per_station = np.where(
            wsum[station_seg] > 0,
            w / np.where(wsum[station_seg] > 0, wsum[station_seg], 1.0),
            1.0 / np.maximum(self.seg_stations[station_seg], 1),
        )
        return np.repeat(per_station / self.st_count, self.st_count)

    def contribution(
        self, optics: LampOptics
    ) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """Grid points within the cut-off of one lamp and its raw lux there."""
        if self.tree is None:
            return np.zeros(0, dtype=np.intp), np.zeros(0)
        idx = np.asarray(
            self.tree.query_ball_point(optics.xyh[0, :2], self.params.cutoff_m), dtype=np.intp
        )
        idx.sort()
        e = illuminance_at(self.xy[idx], optics, self.params.cutoff_m, maintenance_factor=1.0)
        return idx, e

    def gain(
        self, optics: LampOptics, value: npt.NDArray[np.float64]
    ) -> tuple[Gain, npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64]]:
        """What one lamp would add (without adding it), with the points and lux it adds.

        ``value`` is the worth of a metre of each segment (1 for plain length).
        """
        idx, e = self.contribution(optics)
        keep = e > 0
        idx, e = idx[keep], e[keep]
        segs = np.unique(self.seg_of_point[idx])
        avg, mn = self.aggregate(segs, idx, e)
        new = meets_p6_lux(avg, mn) & ~self.p6[segs]
        metres = float(self.length[segs][new].sum())
        weighted = float((self.length[segs] * value[segs])[new].sum())
        dark = ~self.p6[segs]
        step = _progress(avg, mn) - _progress(self.avg[segs], self.min[segs])
        progress = float((self.length[segs] * value[segs] * step)[dark].sum())
        return Gain(metres, weighted, progress), segs, idx, e

    def add(self, optics: LampOptics) -> float:
        """Add one lamp; return the metres newly at P6 or better."""
        idx, e = self.contribution(optics)
        keep = e > 0
        idx, e = idx[keep], e[keep]
        segs = np.unique(self.seg_of_point[idx])
        self.raw[idx] += e
        avg, mn = self.aggregate(segs)
        new = meets_p6_lux(avg, mn) & ~self.p6[segs]
        self.avg[segs], self.min[segs] = avg, mn
        self.p6[segs] |= new
        return float(self.length[segs][new].sum())

    def p6_length(self) -> float:
        """Walking length at P6 or better now (m)."""
        return float(self.length[self.p6].sum())


def full_state(
    segments: gpd.GeoDataFrame, lamps: gpd.GeoDataFrame, params: LightingParams
) -> LuxState:
    """A :class:`LuxState` computed from scratch for ``lamps`` (every lamp summed at every
    grid point): the reference the incremental update is checked and timed against."""
    return LuxState(segments, lamps, params)


__all__ = ["Gain", "LuxState", "full_state", "meets_p6_lux"]
