"""Spatial partitions (:mod:`safespaces.partition`): pure geometry, no dask."""

from __future__ import annotations

import subprocess
import sys

import geopandas as gpd
import numpy as np
import pytest
import shapely

from safespaces.partition import (
    ACCESS,
    BYTES_PER_SEGMENT,
    CORE,
    MEMORY_SHARE,
    NODE,
    WORKER_BASE_BYTES,
    _cell_of,
    _reach_box,
    default_partitions,
    grid,
    halo_m,
    midpoints,
    partition_frames,
    partition_sizes,
    partitions,
    regions,
)
from safespaces.pipeline import Study
from safespaces.tiling import tile_study, tiled_study


@pytest.fixture(scope="module")
def base() -> Study:
    return tiled_study(1)


def test_grid_covers_bounds() -> None:
    boxes = grid((0.0, 0.0, 4000.0, 2000.0), 8)
    assert len(boxes) == 8
    assert min(b[0] for b in boxes) == 0 and max(b[2] for b in boxes) == 4000
    assert sum((b[2] - b[0]) * (b[3] - b[1]) for b in boxes) == pytest.approx(8e6)


def test_partitions_own_every_row_once(base: Study) -> None:
    parts = partitions(base, 4)
    assert halo_m(base) >= 800 + base.osm.segments["length_m"].max()
    assert base.tenure is not None
    for attr, frame in (
        ("core_segments", base.osm.segments),
        ("core_lamps", base.osm.lamps),
        ("core_spaces", base.osm.public_spaces),
        ("core_tenure", base.tenure),
    ):
        owned = sorted(i for p in parts for i in getattr(p, attr).tolist())
        assert owned == list(frame.index), attr
    for p in parts:
        assert set(p.core_segments) <= set(p.segments.index)
        assert p.segments.index.is_monotonic_increasing


def test_grid_cuts_at_quantiles_of_the_points() -> None:
    # 2 columns (a 2:1 extent); the cut is the points' median x (90), not the middle (50)
    xy = np.array([[0, 0], [5, 10], [10, 20], [90, 0], [95, 10], [100, 20], [100, 30]], float)
    boxes = grid((0.0, 0.0, 100.0, 50.0), 2, xy)
    assert boxes == [(0.0, 0.0, 90.0, 50.0), (90.0, 0.0, 100.0, 50.0)]
    assert np.bincount(_cell_of(xy, boxes)).tolist() == [3, 4]
    # without points the cuts are equally spaced
    assert grid((0.0, 0.0, 100.0, 50.0), 2) == [(0.0, 0.0, 50.0, 50.0), (50.0, 0.0, 100.0, 50.0)]


def test_points_beyond_the_grid_go_to_the_nearest_box() -> None:
    boxes = grid((0.0, 0.0, 100.0, 100.0), 4)  # 2 x 2, row-major
    xy = np.array([[-50.0, -50.0], [150.0, 10.0], [10.0, 150.0], [150.0, 150.0], [60.0, 40.0]])
    assert _cell_of(xy, boxes).tolist() == [0, 1, 2, 3, 1]


def test_edge_cores_reach_to_every_layer_before_the_halo() -> None:
    grid_bounds = (0.0, 0.0, 100.0, 100.0)
    outer = (-30.0, -10.0, 120.0, 100.0)
    # the lower-left core: grown to the outer bounds on its two grid edges, then by the halo
    assert _reach_box((0.0, 0.0, 50.0, 50.0), grid_bounds, outer, 5.0) == (
        -35.0,
        -15.0,
        55.0,
        55.0,
    )
    # the upper-right core reaches to x = 120 (and y = 100 is already the grid's edge)
    assert _reach_box((50.0, 50.0, 100.0, 100.0), grid_bounds, outer, 5.0) == (
        45.0,
        45.0,
        125.0,
        105.0,
    )


def test_partition_sizes_count_core_and_halo() -> None:
    mid = np.array([[1.0, 1.0], [9.0, 1.0], [11.0, 1.0], [19.0, 1.0]])
    boxes = [(0.0, 0.0, 10.0, 2.0), (10.0, 0.0, 20.0, 2.0), (20.0, 0.0, 30.0, 2.0)]
    # halo 2: each of the first two boxes sees its 2 points and 1 of the other's; the third
    # box owns no point, so it is no partition
    assert partition_sizes(mid, boxes, 2.0).tolist() == [3, 3, 0]


def test_midpoints_halfway_along_the_line() -> None:
    seg = gpd.GeoDataFrame(
        geometry=[shapely.LineString([(0, 0), (10, 0), (10, 10)])], crs="EPSG:3067"
    )
    assert midpoints(seg).tolist() == [[10.0, 0.0]]


def test_partition_frames_flag_each_owned_row_once(base: Study) -> None:
    parts = partitions(base, 4)
    frames = partition_frames(base, parts)
    assert base.tenure is not None
    for name, whole in (
        ("segments", base.osm.segments),
        ("lamps", base.osm.lamps),
        ("public_spaces", base.osm.public_spaces),
        ("tenure", base.tenure),
    ):
        owned = sorted(i for f in frames[name] for i in f.index[f[CORE]].tolist())
        assert owned == list(whole.index), name
    for f in frames["tenure"]:
        assert {NODE, ACCESS} <= set(f.columns)
        assert (f[ACCESS] >= 0).all()
    for name in ("buildings", "pois", "entrances"):
        assert all(CORE not in f.columns for f in frames[name]), name


def test_partition_module_imports_no_dask() -> None:
    code = (
        "import sys, safespaces.partition; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_default_partitions(base: Study) -> None:
    city = tile_study(base, 4)
    # enough memory: one partition per worker, and never more work than one per worker
    assert default_partitions(city, 2) == 2
    assert default_partitions(city, 4) in (3, 4)
    # the default city fits in one partition: a second would recompute it whole
    assert default_partitions(base, 2) == 1
    # too little memory for halves: more partitions, a multiple of the workers
    halves = partition_sizes(midpoints(city.osm.segments), grid_for(city, 2), halo_m(city))
    limit = (int(halves.max()) * BYTES_PER_SEGMENT + WORKER_BASE_BYTES) / MEMORY_SHARE - 1
    n = default_partitions(city, 2, memory_limit=limit)
    assert n > 2 and n % 2 == 0


def grid_for(study: Study, n: int) -> list[tuple[float, float, float, float]]:
    seg = study.osm.segments
    x0, y0, x1, y1 = (float(v) for v in seg.total_bounds)
    return grid((x0, y0, x1, y1), n, midpoints(seg))


def test_regions_hold_every_row_of_their_partition(base: Study) -> None:
    parts = partitions(base, 4)
    frames = partition_frames(base, parts)
    for name, parted in frames.items():
        boxes = regions(parts, parted)
        for part, frame, region in zip(parts, parted, boxes, strict=True):
            assert frame.geometry.covered_by(region).all(), name
            assert region.covers(shapely.box(*part.box)), name
