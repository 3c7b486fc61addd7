"""The density raster's privacy mask, against a brute-force count per cell."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest
from pyproj import Transformer
from scipy.spatial import cKDTree

from safespaces.incidents.density import DensityGrid, kernel_density, points_within
from safespaces.synthetic import INCIDENT_FILE

HELSINKI_INCIDENTS = INCIDENT_FILE


def _centres(grid: DensityGrid) -> npt.NDArray[np.float64]:
    """Cell centres, rows north to south as in the grid."""
    ny, nx = grid.density.shape
    cx = grid.x0 + (np.arange(nx) + 0.5) * grid.cell_m
    cy = grid.y1 - (np.arange(ny) + 0.5) * grid.cell_m
    xx, yy = np.meshgrid(cx, cy)
    return np.c_[xx.ravel(), yy.ravel()]


def _brute_within(grid: DensityGrid, xy: npt.NDArray[np.float64]) -> npt.NDArray[np.int64]:
    """Points closer than the bandwidth to each cell centre (a k-d tree, independent code)."""
    # query_ball_point counts d <= r: a hair below h gives d < h (no point sits that close to it)
    counts = cKDTree(xy).query_ball_point(
        _centres(grid), grid.bandwidth_m * (1 - 1e-12), return_length=True
    )
    return np.asarray(counts, dtype=np.int64).reshape(grid.density.shape)


def _helsinki_xy() -> npt.NDArray[np.float64]:
    frame = pd.read_csv(HELSINKI_INCIDENTS)
    to_metric = Transformer.from_crs("EPSG:4326", "EPSG:3067", always_xy=True)
    x, y = to_metric.transform(frame["lon"].to_numpy(), frame["lat"].to_numpy())
    return np.c_[x, y]


def test_no_cell_below_k_is_published_on_the_helsinki_incidents() -> None:
    xy = _helsinki_xy()
    assert len(xy) == 2500
    bounds = (*xy.min(axis=0), *xy.max(axis=0))
    grid = kernel_density(
        xy, bounds, bandwidth_m=150.0, cell_m=10.0, k_min=5, min_bandwidth_m=100.0
    )
    brute = _brute_within(grid, xy)
    np.testing.assert_array_equal(grid.within, brute)
    published = ~grid.mask
    assert published.sum() > 10_000  # the test is about a real surface
    assert (brute[published] >= 5).all()
    # The data exercise the boundary: counting each incident at its 10 m cell's centre
    # (the rule before) would publish cells with only 3 or 4 incidents within 150 m.
    centres = _centres(grid)
    binned = np.floor((xy - [grid.x0, grid.y1 - grid.density.shape[0] * grid.cell_m]) / 10.0)
    binned = (binned + 0.5) * 10.0 + [grid.x0, grid.y1 - grid.density.shape[0] * grid.cell_m]
    old = cKDTree(binned).query_ball_point(centres, 150.0, return_length=True)
    old = np.asarray(old).reshape(grid.density.shape)
    assert ((old >= 5) & (brute < 5)).sum() > 50


@pytest.mark.parametrize(
    ("cell_m", "bandwidth_m", "max_cells"),
    [
        (10.0, 150.0, 25_000_000),
        (7.0, 100.0, 25_000_000),
        (25.0, 120.0, 25_000_000),
        (10.0, 150.0, 5_000),
    ],
)
def test_within_is_exact_for_clustered_points_and_ties(
    cell_m: float, bandwidth_m: float, max_cells: int
) -> None:
    rng = np.random.default_rng(11)
    centres = rng.uniform(0, 1500, size=(12, 2))
    clustered = centres[rng.integers(0, 12, 1500)] + rng.normal(0, 60, size=(1500, 2))
    # on multiples of 5 m: points on cell edges and exactly h from a cell centre
    ties = rng.integers(0, 300, size=(300, 2)) * 5.0
    xy = np.vstack([clustered, ties])
    grid = kernel_density(
        xy,
        (0.0, 0.0, 1500.0, 1500.0),
        bandwidth_m=bandwidth_m,
        cell_m=cell_m,
        k_min=5,
        min_bandwidth_m=100.0,
        max_cells=max_cells,
    )
    if max_cells < 25_000_000:
        assert grid.cell_m > cell_m  # the grid coarsened: ring cells may fall off it
    brute = _brute_within(grid, xy)
    np.testing.assert_array_equal(grid.within, brute)
    assert (brute[~grid.mask] >= 5).all()


def test_points_within_a_hand_count() -> None:
    edges = np.arange(0.0, 101.0, 10.0)  # 10 x 10 cells, centres at 5, 15, ... 95
    xy = np.array([[50.0, 50.0], [55.0, 55.0], [5.0, 5.0]])
    counts = points_within(xy, edges, edges, 20.0)
    # centre (55, 55): (50, 50) is 7.07 m away, (55, 55) 0 m, (5, 5) 70.7 m
    assert counts[5, 5] == 2
    # centre (55, 75) is exactly 20 m from (55, 55): d < h excludes it; (50, 50) is 25.5 m
    assert counts[7, 5] == 0
    # centre (45, 65): 14.1 m from (55, 55), 15.8 m from (50, 50)
    assert counts[6, 4] == 2
    assert counts[0, 0] == 1
    cy, cx = np.meshgrid(edges[:-1] + 5.0, edges[:-1] + 5.0, indexing="ij")
    d = np.hypot(cx[..., None] - xy[:, 0], cy[..., None] - xy[:, 1])
    np.testing.assert_array_equal(counts, (d < 20.0).sum(axis=-1))


def test_the_mask_also_needs_k_incidents_in_the_kernel_sum() -> None:
    # Five incidents 145-149 m east of the centre (505, 505) of a cell, in the 10 m cell
    # whose centre (655, 505) is exactly 150 m away: within h at their true places, but
    # the binned kernel (d < h) sums none of them there, so the cell's value would be
    # made of fewer than k incidents.
    xy = np.array([[650.0, 505.0], [651.0, 503.0], [652.0, 507.0], [653.0, 502.0], [654.0, 506.0]])
    grid = kernel_density(
        xy, (0.0, 0.0, 1000.0, 1000.0), bandwidth_m=150.0, cell_m=10.0, k_min=5, min_bandwidth_m=100
    )
    row = int((grid.y1 - 505.0) // 10.0)
    col = int((505.0 - grid.x0) // 10.0)
    assert _centres(grid).reshape(*grid.density.shape, 2)[row, col].tolist() == [505.0, 505.0]
    assert grid.within[row, col] == 5
    assert grid.density[row, col] == pytest.approx(0.0, abs=1e-9)
    assert grid.mask[row, col]
    assert not grid.mask[row, col + 14]  # (645, 505): all five within h, and summed
