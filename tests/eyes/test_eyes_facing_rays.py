"""sample_rays against the plain reference it replaced: the same Rays, bit for bit.

The reference casts every ray as a geometry, queries them all against an STRtree
and orders every hit by distance; the fast version interpolates with numpy,
skips rays whose box meets no building's box and orders only rays with several
hits. Both must give identical arrays.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
import shapely

from safespaces.config import Config
from safespaces.eyes.facing import Rays, _interpolate, _line_tables, _may_touch, sample_rays
from safespaces.study import Inputs, load_study


def reference_rays(
    lines: npt.NDArray[np.object_],
    polys: npt.NDArray[np.object_],
    distance: float,
    spacing: float,
) -> Rays:
    """sample_rays as first written (shapely interpolation, every ray queried)."""
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
        ray_i, poly_i = shapely.STRtree(polys).query(rays, predicate="intersects")
        if len(ray_i):
            dist = shapely.distance(shapely.points(starts[ray_i]), polys[poly_i])
            order = np.lexsort((poly_i, dist, ray_i))
            ray_i, poly_i = ray_i[order], poly_i[order]
            first = np.r_[True, ray_i[1:] != ray_i[:-1]]
            flat = hits.reshape(-1, order="F")
            flat[ray_i[first]] = poly_i[first]
            hits = flat.reshape((len(seg), 2), order="F")
    return Rays(segment=seg, samples=n, building=hits)


def assert_same(a: Rays, b: Rays) -> None:
    for name in ("segment", "samples", "building"):
        x, y = getattr(a, name), getattr(b, name)
        assert x.dtype == y.dtype and x.shape == y.shape, name
        assert np.array_equal(x, y), name


def random_city(seed: int) -> tuple[npt.NDArray[np.object_], npt.NDArray[np.object_]]:
    """Streets with bends, repeated vertices and stubs among boxes, rings and touching blocks."""
    rng = np.random.default_rng(seed)
    lines = []
    for _ in range(300):
        nv = int(rng.integers(2, 7))
        start = rng.uniform(0, 400, 2)
        steps = rng.normal(0, 15, (nv - 1, 2))
        if rng.random() < 0.2:
            steps[rng.integers(0, nv - 1)] = 0.0  # a repeated vertex
        if rng.random() < 0.1:
            steps *= 0.01  # a stub shorter than the spacing
        coords = np.vstack([start, start + np.cumsum(steps, axis=0)])
        lines.append(shapely.LineString(np.round(coords, 1)))
    polys = []
    for _ in range(120):
        x, y = np.round(rng.uniform(0, 400, 2))
        w, h = np.round(rng.uniform(3, 30, 2))
        box = shapely.box(x, y, x + w, y + h)
        if rng.random() < 0.2:
            box = box.difference(shapely.box(x + 1, y + 1, x + w - 1, y + h - 1))  # courtyard
        polys.append(box)
    # blocks whose edges lie exactly on grid lines the streets below run along
    for i in range(5):
        polys.append(shapely.box(10.0 * i, 500.0, 10.0 * i + 10.0, 510.0))
        lines.append(shapely.LineString([(10.0 * i, 480.0), (10.0 * i, 530.0)]))
        lines.append(shapely.LineString([(0.0, 485.0 - i), (60.0, 485.0 - i)]))
    polys.append(shapely.MultiPolygon([shapely.box(600, 0, 610, 10), shapely.box(620, 0, 630, 10)]))
    lines.append(shapely.LineString([(595.0, 20.0), (640.0, 20.0)]))
    return np.array(lines, dtype=object), np.array(polys, dtype=object)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize(("distance", "spacing"), [(25.0, 2.0), (10.0, 3.0), (5.0, 0.7)])
def test_sample_rays_equal_the_reference_on_random_cities(
    seed: int, distance: float, spacing: float
) -> None:
    lines, polys = random_city(seed)
    assert_same(
        sample_rays(lines, polys, distance=distance, spacing=spacing),
        reference_rays(lines, polys, distance, spacing),
    )


def test_sample_rays_equal_the_reference_on_the_helsinki_default() -> None:
    study = load_study(Inputs(), Config())
    lines = study.osm.segments.geometry.to_numpy()
    polys = study.osm.buildings.geometry.to_numpy()
    for distance, spacing in ((25.0, 2.0), (10.0, 3.0)):
        rays = sample_rays(lines, polys, distance=distance, spacing=spacing)
        assert_same(rays, reference_rays(lines, polys, distance, spacing))
        assert (rays.building >= 0).any()


def test_sample_rays_without_buildings_or_segments() -> None:
    lines, polys = random_city(3)
    none = np.array([], dtype=object)
    for a, b in ((lines, none), (none, polys), (none, none)):
        assert_same(sample_rays(a, b, distance=25.0, spacing=2.0), reference_rays(a, b, 25.0, 2.0))


def test_interpolate_is_shapely_bit_for_bit() -> None:
    lines, _ = random_city(4)
    rng = np.random.default_rng(4)
    length = shapely.length(lines)
    line = np.repeat(np.arange(len(lines)), 40)
    along = rng.uniform(0.0, 1.1, len(line)) * length[line]  # >= 0, as sample_rays asks
    along[::7] = 0.0
    along[1::7] = length[line[1::7]]  # exactly at the end
    tables = _line_tables(lines)
    # exactly at every inner vertex (the running lengths)
    coords, first, nseg, _, running = tables
    at_vertex = [(i, running[first[i] + j]) for i in range(len(lines)) for j in range(nseg[i])]
    line = np.r_[line, [i for i, _ in at_vertex]].astype(np.int64)
    along = np.r_[along, [d for _, d in at_vertex]]
    ours = _interpolate(tables, line, along)
    theirs = shapely.get_coordinates(shapely.line_interpolate_point(lines[line], along))
    assert np.array_equal(ours, theirs)


def test_may_touch_keeps_every_box_that_overlaps_a_building_box() -> None:
    rng = np.random.default_rng(5)
    _, polys = random_city(5)
    lo = rng.uniform(-50, 700, (20_000, 2))
    hi = lo + rng.uniform(0, 30, (20_000, 2))
    bounds = shapely.bounds(polys)
    overlap = (
        (lo[:, None, 0] <= bounds[None, :, 2])
        & (hi[:, None, 0] >= bounds[None, :, 0])
        & (lo[:, None, 1] <= bounds[None, :, 3])
        & (hi[:, None, 1] >= bounds[None, :, 1])
    ).any(axis=1)
    kept = _may_touch(polys, lo, hi, 5.0)
    assert kept[overlap].all()
    assert kept.sum() < len(kept)  # and it does drop boxes far from every building


def test_sample_rays_leave_the_buildings_prepared_as_they_came() -> None:
    lines, polys = random_city(6)
    shapely.prepare(polys[:10])
    before = shapely.is_prepared(polys).copy()
    sample_rays(lines, polys, distance=25.0, spacing=2.0)
    assert np.array_equal(shapely.is_prepared(polys), before)


def test_sample_rays_never_prepare_the_callers_buildings() -> None:
    # GEOS prepares lazily and not thread-safely: the caller's objects stay unprepared,
    # so threads (dask workers in one process) may share them
    lines, polys = random_city(7)
    sample_rays(lines, polys, distance=25.0, spacing=2.0)
    assert not shapely.is_prepared(polys).any()


def test_sample_rays_in_threads_sharing_buildings_equal_one_call() -> None:
    from concurrent.futures import ThreadPoolExecutor

    lines, polys = random_city(8)
    want = sample_rays(lines, polys, distance=25.0, spacing=2.0)
    with ThreadPoolExecutor(max_workers=4) as pool:
        got = list(
            pool.map(lambda _: sample_rays(lines, polys, distance=25.0, spacing=2.0), range(8))
        )
    for rays in got:
        assert np.array_equal(rays.building, want.building)
        assert np.array_equal(rays.segment, want.segment)
