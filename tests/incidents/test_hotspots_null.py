"""Gi* under the null: incidents uniform at random over a regular grid are (almost) never
hot or cold spots, and the z-score is a z-score (SD 1).

Before issue 18, on 24 x 24 cells of 250 m with 0.3 incidents per cell, 10-14 % of the
cells came out hot or cold at FDR 5 % (every all-zero neighbourhood got the smallest p),
and the exported "z" (esda's row-standardised G*) had a null SD of about 0.35.
"""

from __future__ import annotations

import numpy as np
import pytest
from pyproj import CRS
from statsmodels.stats.multitest import multipletests

from safespaces.incidents.hotspots import (
    NOT_SIGNIFICANT,
    SIGNIFICANT_CLASSES,
    contiguity_weights,
    gi_star,
    gi_star_z,
)
from safespaces.sources.areas import grid_areas

SIDE = 24  # cells a side
CELL = 250.0
SEEDS = (0, 1, 2, 3, 4)


@pytest.fixture(scope="module")
def grid():
    units = grid_areas((0.0, 0.0, SIDE * CELL - 1, SIDE * CELL - 1), CRS.from_epsg(3067))
    assert len(units) == SIDE * SIDE
    return units, contiguity_weights(units)


def uniform_counts(units, per_cell: float, seed: int) -> np.ndarray:
    """Incidents per cell of ``per_cell x cells`` points uniform over the grid's square."""
    rng = np.random.default_rng(seed)
    xy = rng.uniform(0.0, SIDE * CELL, size=(round(per_cell * len(units)), 2))
    code = (xy[:, 0] // CELL).astype(int) * SIDE + (xy[:, 1] // CELL).astype(int)
    b = units.geometry.bounds
    cell_code = (b["minx"] // CELL).astype(int) * SIDE + (b["miny"] // CELL).astype(int)
    return np.bincount(code, minlength=SIDE * SIDE)[cell_code.to_numpy()].astype(float)


@pytest.mark.parametrize("per_cell", [0.3, 20.0])
@pytest.mark.parametrize("permutations", [999, 0])
def test_uniform_incidents_are_rarely_hot_or_cold(grid, per_cell, permutations) -> None:
    units, w = grid
    for seed in SEEDS:
        y = uniform_counts(units, per_cell, seed)
        assert y.sum() == round(per_cell * len(units))
        gi = gi_star(y, w, permutations=permutations, fdr=0.05, seed=100 + seed)
        flagged = np.isin(gi.hot_class, SIGNIFICANT_CLASSES).mean()
        assert flagged <= 0.05, (per_cell, seed, flagged)


@pytest.mark.parametrize("per_cell", [0.3, 20.0])
def test_null_p_values_are_valid(grid, per_cell) -> None:
    """Per unit, P(p <= 0.05) is at most 0.05 (pooled over the seeds), and the test is
    not vacuous: it still rejects some units before the FDR."""
    units, w = grid
    pooled = []
    for seed in SEEDS:
        gi = gi_star(uniform_counts(units, per_cell, seed), w, permutations=999, seed=7 + seed)
        pooled.append(gi.p_sim[gi.tested])
    p = np.concatenate(pooled)
    assert 0.005 <= (p <= 0.05).mean() <= 0.06


def test_dense_null_z_is_standard_normal(grid) -> None:
    units, w = grid
    z = np.concatenate([gi_star_z(uniform_counts(units, 20.0, seed), w) for seed in SEEDS])
    assert np.isfinite(z).all()
    assert 0.9 <= z.std() <= 1.1
    assert abs(z.mean()) <= 0.1
    # about 5 % beyond +-1.96, as for N(0, 1) (the row-standardised "z" had ~0 %)
    assert 0.02 <= (np.abs(z) > 1.96).mean() <= 0.08


def test_empty_neighbourhoods_are_not_tested(grid) -> None:
    units, w = grid
    y = uniform_counts(units, 0.3, 0)
    gi = gi_star(y, w, permutations=999, seed=1)
    empty = (w @ y + y) == 0
    assert empty.sum() > 20  # the sparse null has many
    np.testing.assert_array_equal(gi.tested, ~empty)
    assert (gi.hot_class[empty] == NOT_SIGNIFICANT).all()
    assert np.isnan(gi.p_sim[empty]).all() and np.isnan(gi.q[empty]).all()
    # Benjamini-Hochberg over the tested units only
    q = multipletests(gi.p_sim[~empty], method="fdr_bh")[1]
    np.testing.assert_allclose(gi.q[~empty], q)


def test_incidents_in_one_district_make_no_cold_desert(grid) -> None:
    """The reviewer's case: incidents in the centre of a 6 x 6 km grid, none elsewhere.
    Before, 509 of 576 cells were "cold 99%"; a cell with no incident around is not tested,
    and the busy centre is hot."""
    units, w = grid
    b = units.geometry.bounds
    centre = ((b["minx"] // CELL).between(9, 14) & (b["miny"] // CELL).between(9, 14)).to_numpy()
    y = np.where(centre, np.random.default_rng(3).poisson(20.0, len(units)), 0).astype(float)
    gi = gi_star(y, w, permutations=999, seed=2)
    empty = (w @ y + y) == 0
    assert empty.sum() == 576 - 64  # the 6 x 6 block and its ring of 28 are tested
    assert not np.isin(gi.hot_class[empty], SIGNIFICANT_CLASSES).any()
    inner = ((b["minx"] // CELL).between(10, 13) & (b["miny"] // CELL).between(10, 13)).to_numpy()
    assert (gi.z[inner] > 5).all()
    assert set(gi.hot_class[inner]) == {"hot 99%"}
