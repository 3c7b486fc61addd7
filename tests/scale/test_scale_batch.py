"""Lighting gives bit-identical values on any subset of the city (a dask partition).

The dask engine computes each partition's lighting on its own segments and
lamps; these tests check the two properties that make its rows equal the
single-process ones exactly: a line's samples do not depend on the other lines
sampled with it, and a point's illuminance does not depend on the other points
and lamps in the batch.
"""

from __future__ import annotations

import numpy as np
import pytest
import shapely

from safespaces.lighting.illuminance import illuminance_at, sample_lines
from safespaces.study import Study
from safespaces.tiling import tiled_study


@pytest.fixture(scope="module")
def base() -> Study:
    return tiled_study(1)


def test_samples_do_not_depend_on_the_batch(base: Study) -> None:
    geoms = base.osm.segments.geometry.to_numpy()
    whole = sample_lines(geoms, 2.0)
    rng = np.random.default_rng(9)
    subset = np.sort(rng.choice(len(geoms), size=len(geoms) // 7, replace=False))
    part = sample_lines(geoms[subset], 2.0)
    rows = np.concatenate([np.flatnonzero(whole.line == i) for i in subset])
    np.testing.assert_array_equal(part.xy, whole.xy[rows])
    np.testing.assert_array_equal(part.weight, whole.weight[rows])
    # one line alone gives the same points too
    alone = sample_lines(geoms[subset[:1]], 2.0)
    np.testing.assert_array_equal(alone.xy, whole.xy[whole.line == subset[0]])


def test_samples_on_vertices_are_the_vertices() -> None:
    far = 6.6e6  # metric coordinates as large as a real CRS's
    line = shapely.linestrings([[far, far], [far + 2.0, far], [far + 2.0, far + 2.0]])
    pad = shapely.linestrings([[0.0, 0.0], [12345.678901, 0.1]])
    for batch in ([line], [pad, line], [pad, pad, line]):
        samples = sample_lines(np.array(batch, dtype=object), 2.0)
        xy = samples.xy[samples.line == len(batch) - 1]
        np.testing.assert_array_equal(xy, shapely.get_coordinates(line))


def test_illuminance_does_not_depend_on_the_batch() -> None:
    rng = np.random.default_rng(3)
    points = rng.uniform(0, 400, size=(3000, 2)) + 6.6e6
    lamps = np.column_stack(
        [
            rng.uniform(0, 400, size=(500, 2)) + 6.6e6,
            rng.uniform(4, 10, 500),
            rng.uniform(100, 3000, 500),
        ]
    )
    whole = illuminance_at(points, lamps, 50.0)
    keep_points = np.sort(rng.choice(len(points), 700, replace=False))
    near = np.flatnonzero(lamps[:, 0] < 6.6e6 + 250)  # a partition's lamps, in order
    inside = points[keep_points, 0] < 6.6e6 + 200  # points whose lamps all lie in `near`
    part = illuminance_at(points[keep_points], lamps[near], 50.0, chunk_points=97)
    np.testing.assert_array_equal(part[inside], whole[keep_points][inside])
