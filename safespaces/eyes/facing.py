"""What faces a street segment: façades, doors and the homes behind them.

Each segment is sampled at the middles of n = max(1, round(L / spacing)) equal
pieces. From every sample two rays of length ``distance`` leave at right angles,
one to each side (the one-sided proximity band of momepy's street profile). A
ray that meets a building footprint sees the nearest building it meets: that
building's façade faces the segment at that sample. All geometry work is done
with shapely 2 array functions and one STRtree query (no loop over rows).
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely


@dataclasses.dataclass(frozen=True)
class Rays:
    """Perpendicular sight lines from the samples of every segment.

    Attributes
    ----------
    segment
        Segment position (0..n-1) of each sample.
    samples
        Number of samples per segment.
    building
        Per sample and side (array of shape (samples, 2)): position of the
        nearest building the ray meets, or -1.
    """

    segment: npt.NDArray[np.int64]
    samples: npt.NDArray[np.int64]
    building: npt.NDArray[np.int64]


def sample_rays(
    segments: gpd.GeoSeries | npt.NDArray[np.object_],
    buildings: gpd.GeoSeries | npt.NDArray[np.object_],
    *,
    distance: float,
    spacing: float,
) -> Rays:
    """Cast left and right rays from evenly spaced samples on each segment.

    Parameters
    ----------
    segments
        LineStrings in a metric CRS.
    buildings
        Building footprints (Polygons or MultiPolygons), same CRS.
    distance
        Ray length (metres): the frontage distance.
    spacing
        Target sample spacing (metres).

    Returns
    -------
    Rays
    """
    lines = np.asarray(segments, dtype=object)
    polys = np.asarray(buildings, dtype=object)
    length = shapely.length(lines)
    n = np.maximum(1, np.round(length / spacing)).astype(np.int64)
    seg = np.repeat(np.arange(len(lines), dtype=np.int64), n)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
    step = (length / n)[seg]
    at = (k + 0.5) * step
    eps = np.minimum(0.25, step / 4)
    line_of = lines[seg]
    p = shapely.get_coordinates(shapely.line_interpolate_point(line_of, at))
    a = shapely.get_coordinates(shapely.line_interpolate_point(line_of, np.maximum(at - eps, 0)))
    b = shapely.get_coordinates(shapely.line_interpolate_point(line_of, at + eps))
    tangent = b - a
    norm = np.linalg.norm(tangent, axis=1, keepdims=True)
    tangent = np.divide(tangent, norm, out=np.zeros_like(tangent), where=norm > 0)
    left = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    hits = np.full((len(seg), 2), -1, dtype=np.int64)
    if len(seg) and len(polys):
        ends = np.concatenate([p + distance * left, p - distance * left])
        starts = np.concatenate([p, p])
        rays = shapely.linestrings(
            np.stack([starts, ends], axis=1).reshape(-1, 2),
            indices=np.repeat(np.arange(2 * len(seg)), 2),
        )
        tree = shapely.STRtree(polys)
        ray_i, poly_i = tree.query(rays, predicate="intersects")
        if len(ray_i):
            origin = shapely.points(starts[ray_i])
            dist = shapely.distance(origin, polys[poly_i])
            order = np.lexsort((poly_i, dist, ray_i))
            ray_i, poly_i = ray_i[order], poly_i[order]
            first = np.r_[True, ray_i[1:] != ray_i[:-1]]
            flat = hits.reshape(-1, order="F")  # rays 0..m-1 left, m..2m-1 right
            flat[ray_i[first]] = poly_i[first]
            hits = flat.reshape((len(seg), 2), order="F")
    return Rays(segment=seg, samples=n, building=hits)


def frontage_share(rays: Rays, n_segments: int) -> npt.NDArray[np.float64]:
    """Share of each segment's samples with a façade on at least one side.

    frontage_share = #(samples whose left or right ray meets a building) / #samples
    (Jacobs 1961; the street-wall continuity of Harvey et al. 2015, momepy).
    """
    fronted = (rays.building >= 0).any(axis=1).astype(float)
    count = np.bincount(rays.segment, weights=fronted, minlength=n_segments)
    return count / np.maximum(rays.samples, 1)


def facing_matrix(rays: Rays, n_segments: int, n_buildings: int) -> pd.DataFrame:
    """Ray hits per (segment, building) pair: how much of a building faces a segment.

    Returns
    -------
    pandas.DataFrame
        Columns ``segment``, ``building``, ``hits`` (rays of the segment that see
        the building first), one row per facing pair.
    """
    seg = np.repeat(rays.segment, 2)
    bld = rays.building.reshape(-1)
    keep = bld >= 0
    frame = pd.DataFrame({"segment": seg[keep], "building": bld[keep]})
    return (
        frame.groupby(["segment", "building"], as_index=False)
        .size()
        .rename(columns={"size": "hits"})
    )


def residents_facing(
    rays: Rays, residents: npt.ArrayLike, n_segments: int
) -> npt.NDArray[np.float64]:
    """Residents behind the façades facing each segment.

    A building's residents R_b are shared among the segments that see it in
    proportion to the rays that see it: R_s = sum_b R_b x hits(s, b) / sum_t hits(t, b).
    A building no segment sees adds nothing; a building seen only from one
    segment gives it all its residents.
    """
    res = np.asarray(residents, dtype=float)
    pairs = facing_matrix(rays, n_segments, len(res))
    if pairs.empty:
        return np.zeros(n_segments)
    total = pairs.groupby("building")["hits"].transform("sum").to_numpy(dtype=float)
    share = pairs["hits"].to_numpy(dtype=float) / total
    contrib = np.nan_to_num(res[pairs["building"].to_numpy()]) * share
    return np.bincount(pairs["segment"].to_numpy(), weights=contrib, minlength=n_segments).astype(
        np.float64
    )


def nearest_segment(
    points: gpd.GeoSeries | npt.NDArray[np.object_],
    segments: gpd.GeoSeries | npt.NDArray[np.object_],
    max_distance: float,
) -> npt.NDArray[np.int64]:
    """Position of the segment nearest each point within ``max_distance``, else -1.

    Ties go to the lowest segment position, so the assignment is deterministic:
    a new point changes only the segment it is assigned to.
    """
    pts = np.asarray(points, dtype=object)
    out = np.full(len(pts), -1, dtype=np.int64)
    lines = np.asarray(segments, dtype=object)
    if len(pts) == 0 or len(lines) == 0:
        return out
    tree = shapely.STRtree(lines)
    pi, si = tree.query_nearest(pts, max_distance=max_distance, all_matches=True)
    if len(pi):
        order = np.lexsort((si, pi))
        pi, si = pi[order], si[order]
        first = np.r_[True, pi[1:] != pi[:-1]]
        out[pi[first]] = si[first]
    return out


def per_100m(
    counts: npt.ArrayLike, length: npt.ArrayLike, min_length: float
) -> npt.NDArray[np.float64]:
    """counts / max(length, min_length) x 100."""
    return (
        np.asarray(counts, dtype=float)
        / np.maximum(np.asarray(length, dtype=float), min_length)
        * 100.0
    )
