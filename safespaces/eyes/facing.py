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


#: Rays per STRtree query block: bounds the memory of the ray geometries.
RAY_BLOCK = 1 << 20


def _line_tables(
    lines: npt.NDArray[np.object_],
) -> tuple[
    npt.NDArray[np.float64],
    npt.NDArray[np.int64],
    npt.NDArray[np.int64],
    npt.NDArray[np.float64],
    npt.NDArray[np.float64],
]:
    """Vertices, first vertex, segment count, segment lengths and running lengths per line.

    Segment lengths are sqrt(dx * dx + dy * dy) and running lengths are summed
    segment by segment from 0.0, in the order and arithmetic of GEOS's
    ``LengthLocationMap``, so :func:`_interpolate` returns GEOS's points bit for bit.
    Position i of the last two arrays is the segment from vertex i to vertex i + 1
    (meaningless at a line's last vertex).
    """
    coords, index = shapely.get_coordinates(lines, return_index=True)
    vertices = np.bincount(index, minlength=len(lines)).astype(np.int64)
    first = np.cumsum(vertices) - vertices
    nseg = np.maximum(vertices - 1, 0)
    delta = np.diff(coords, axis=0, append=coords[-1:] if len(coords) else coords)
    seglen = np.sqrt(delta[:, 0] * delta[:, 0] + delta[:, 1] * delta[:, 1])
    running = np.zeros(len(coords))
    active = np.flatnonzero(nseg > 0)
    running[first[active]] = 0.0 + seglen[first[active]]
    for j in range(1, int(nseg.max(initial=0))):
        active = active[nseg[active] > j]
        at = first[active] + j
        running[at] = running[at - 1] + seglen[at]
    return coords, first, nseg, seglen, running


def _interpolate(
    tables: tuple[
        npt.NDArray[np.float64],
        npt.NDArray[np.int64],
        npt.NDArray[np.int64],
        npt.NDArray[np.float64],
        npt.NDArray[np.float64],
    ],
    line: npt.NDArray[np.int64],
    along: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    """The point ``along`` (>= 0) metres along each ``line``: ``shapely.line_interpolate_point``.

    The same steps as GEOS (``LengthIndexedLine.extractPoint``): the first segment
    whose running length exceeds ``along``, the fraction (along - before) / length
    of that segment, and x0 + (x1 - x0) x fraction; at or before the start the
    first vertex, at or past the end the last one.
    """
    coords, first, nseg, seglen, running = tables
    base = first[line]
    count = nseg[line]
    j = np.zeros(len(line), dtype=np.int64)
    active = np.flatnonzero(count > 0)
    for step in range(int(nseg.max(initial=0))):
        active = active[(count[active] > step) & (running[base[active] + step] <= along[active])]
        j[active] += 1
    out = coords[base + count].copy()  # past the end: the last vertex
    inside = (j < count) & (along > 0)
    at = base[inside] + j[inside]
    before = np.where(j[inside] > 0, running[at - 1], 0.0)
    frac = (along[inside] - before) / seglen[at]
    p0, p1 = coords[at], coords[at + 1]
    point = (p1 - p0) * frac[:, None] + p0
    point = np.where((frac <= 0.0)[:, None], p0, np.where((frac >= 1.0)[:, None], p1, point))
    out[inside] = point
    start = along <= 0
    out[start] = coords[base[start]]
    return out


def _may_touch(
    polys: npt.NDArray[np.object_],
    lo: npt.NDArray[np.float64],
    hi: npt.NDArray[np.float64],
    cell: float,
) -> npt.NDArray[np.bool_]:
    """Whether each box (lo, hi) may overlap the bounding box of a polygon.

    A conservative grid test: the polygons' boxes (widened by ``cell`` / 10) mark
    the cells they cover, and a box passes when it covers a marked cell. Cell
    numbers grow monotonically with the coordinate, so two overlapping boxes
    share a cell and no box that overlaps a polygon's box is dropped.
    """
    bounds = shapely.bounds(polys)
    bounds = bounds[~np.isnan(bounds).any(axis=1)]
    if not len(bounds) or not len(lo):
        return np.zeros(len(lo), dtype=bool)
    pad = cell / 10
    plo, phi = bounds[:, :2] - pad, bounds[:, 2:] + pad
    origin = plo.min(axis=0)
    span = phi.max(axis=0) - origin
    cell = max(cell, float(np.sqrt(span[0] * span[1] / 4e6)))  # at most ~4M cells
    shape = (np.floor(span / cell).astype(np.int64) + 1)[::-1]  # rows (y), columns (x)
    c0 = np.floor((plo - origin) / cell).astype(np.int64)[:, ::-1]
    c1 = np.floor((phi - origin) / cell).astype(np.int64)[:, ::-1]
    diff = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int32)
    np.add.at(diff, (c0[:, 0], c0[:, 1]), 1)
    np.add.at(diff, (c0[:, 0], c1[:, 1] + 1), -1)
    np.add.at(diff, (c1[:, 0] + 1, c0[:, 1]), -1)
    np.add.at(diff, (c1[:, 0] + 1, c1[:, 1] + 1), 1)
    marked = diff.cumsum(axis=0).cumsum(axis=1)[: shape[0], : shape[1]] > 0
    table = np.zeros((shape[0] + 1, shape[1] + 1), dtype=np.int64)
    table[1:, 1:] = marked.cumsum(axis=0).cumsum(axis=1)
    r0 = np.floor((lo - origin) / cell)[:, ::-1]
    r1 = np.floor((hi - origin) / cell)[:, ::-1]
    limit = (shape - 1).astype(float)
    outside = ((r1 < 0) | (r0 > limit)).any(axis=1)
    r0 = np.clip(r0, 0, limit).astype(np.int64)
    r1 = np.clip(r1, 0, limit).astype(np.int64) + 1
    count = (
        table[r1[:, 0], r1[:, 1]]
        - table[r0[:, 0], r1[:, 1]]
        - table[r1[:, 0], r0[:, 1]]
        + table[r0[:, 0], r0[:, 1]]
    )
    return (count > 0) & ~outside


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

    Notes
    -----
    Sample points are interpolated with numpy in GEOS's arithmetic (bit for bit
    ``shapely.line_interpolate_point``). Only rays whose bounding box may overlap
    a building's are made into geometries (:func:`_may_touch`), in blocks of
    :data:`RAY_BLOCK`; each ray is tested against the buildings whose boxes its
    box overlaps with prepared copies of the buildings (GEOS prepared
    ``intersects``, exact like the unprepared predicate; the caller's objects are
    left untouched, so callers may share them across threads); the distance from
    the sample to the building orders the buildings of the rays that meet more
    than one. The result is the same as
    querying every ray and ordering every hit.

    Examples
    --------
    Samples every 10 m along two streets; a 20 m ray each way from each sample:

    >>> import shapely
    >>> streets = [shapely.LineString([(0, 0), (100, 0)]),
    ...            shapely.LineString([(100, 0), (100, 100)])]
    >>> block = [shapely.box(10, 5, 60, 20)]
    >>> rays = sample_rays(streets, block, distance=20, spacing=10)
    >>> rays.samples.tolist(), int((rays.building >= 0).sum())
    ([10, 10], 5)
    """
    lines = np.asarray(segments, dtype=object)
    polys = np.asarray(buildings, dtype=object)
    length = shapely.length(lines)
    n = np.maximum(1, np.round(length / spacing)).astype(np.int64)
    seg = np.repeat(np.arange(len(lines), dtype=np.int64), n)
    hits = np.full((len(seg), 2), -1, dtype=np.int64)
    if not len(seg) or not len(polys):
        return Rays(segment=seg, samples=n, building=hits)
    k = np.arange(len(seg)) - np.repeat(np.cumsum(n) - n, n)
    step = (length / n)[seg]
    at = (k + 0.5) * step
    eps = np.minimum(0.25, step / 4)
    tables = _line_tables(lines)
    p = _interpolate(tables, seg, at)
    a = _interpolate(tables, seg, np.maximum(at - eps, 0))
    b = _interpolate(tables, seg, at + eps)
    del k, step, at, eps
    tangent = b - a
    del a, b
    norm = np.linalg.norm(tangent, axis=1, keepdims=True)
    tangent = np.divide(tangent, norm, out=np.zeros_like(tangent), where=norm > 0)
    left = np.column_stack([-tangent[:, 1], tangent[:, 0]])
    del tangent, norm
    m = len(seg)
    ends = np.concatenate([p + distance * left, p - distance * left])  # rays 0..m-1 left
    starts = np.concatenate([p, p])
    del left
    lo, hi = np.minimum(starts, ends), np.maximum(starts, ends)
    candidates = np.flatnonzero(_may_touch(polys, lo, hi, max(distance / 5, 1e-3)))
    del lo, hi
    tree = shapely.STRtree(polys)
    found_ray, found_poly = [], []
    # Prepared copies (bit-identical, via WKB): each building's edge index is built
    # once, not per ray. Copies, because GEOS builds a prepared geometry's indexes
    # lazily and not thread-safely: preparing the caller's objects would race with
    # any other thread using them (e.g. dask workers in one process sharing a frame).
    prepared = shapely.from_wkb(shapely.to_wkb(polys))
    shapely.prepare(prepared)
    for block in range(0, len(candidates), RAY_BLOCK):
        which = candidates[block : block + RAY_BLOCK]
        rays = np.asarray(shapely.linestrings(np.stack([starts[which], ends[which]], axis=1)))
        r_i, p_i = tree.query(rays)  # bounding boxes overlap
        meets = shapely.intersects(prepared[p_i], rays[r_i])
        found_ray.append(which[r_i[meets]])
        found_poly.append(p_i[meets])
        del rays
    del prepared
    ray_i = np.concatenate(found_ray) if found_ray else np.zeros(0, dtype=np.int64)
    poly_i = np.concatenate(found_poly) if found_poly else np.zeros(0, dtype=np.int64)
    flat = np.full(2 * m, -1, dtype=np.int64)
    if len(ray_i):
        count = np.bincount(ray_i, minlength=2 * m)
        single = count[ray_i] == 1
        flat[ray_i[single]] = poly_i[single]
        ray_i, poly_i = ray_i[~single], poly_i[~single]
        if len(ray_i):
            dist = shapely.distance(shapely.points(starts[ray_i]), polys[poly_i])
            order = np.lexsort((poly_i, dist, ray_i))
            ray_i, poly_i = ray_i[order], poly_i[order]
            first = np.r_[True, ray_i[1:] != ray_i[:-1]]
            flat[ray_i[first]] = poly_i[first]
    hits = flat.reshape((m, 2), order="F")
    return Rays(segment=seg, samples=n, building=hits)


def frontage_share(rays: Rays, n_segments: int) -> npt.NDArray[np.float64]:
    """Share of each segment's samples with a façade on at least one side.

    frontage_share = #(samples whose left or right ray meets a building) / #samples
    (Jacobs 1961; the street-wall continuity of Harvey et al. 2015, momepy).

    Examples
    --------
    A 50 m block along the first 100 m street: half of its samples face it.

    >>> import shapely
    >>> streets = [shapely.LineString([(0, 0), (100, 0)]),
    ...            shapely.LineString([(100, 0), (100, 100)])]
    >>> block = [shapely.box(10, 5, 60, 20)]
    >>> rays = sample_rays(streets, block, distance=20, spacing=10)
    >>> frontage_share(rays, len(streets)).tolist()
    [0.5, 0.0]
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

    Examples
    --------
    Only the first street sees the block, so it gets all its 40 residents:

    >>> import shapely
    >>> streets = [shapely.LineString([(0, 0), (100, 0)]),
    ...            shapely.LineString([(100, 0), (100, 100)])]
    >>> block = [shapely.box(10, 5, 60, 20)]
    >>> rays = sample_rays(streets, block, distance=20, spacing=10)
    >>> residents_facing(rays, [40.0], len(streets)).tolist()
    [40.0, 0.0]
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

    Examples
    --------
    >>> import shapely
    >>> streets = [shapely.LineString([(0, 0), (100, 0)]), shapely.LineString([(0, 30), (100, 30)])]
    >>> doors = [shapely.Point(50, 4), shapely.Point(50, 20), shapely.Point(50, 90)]
    >>> nearest_segment(doors, streets, 15.0).tolist()
    [0, 1, -1]
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
