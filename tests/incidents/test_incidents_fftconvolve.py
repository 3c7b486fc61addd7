"""The density's convolution against scipy's own ``fftconvolve(mode="same")``, to the bit."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import fftconvolve

from safespaces.incidents.density import fftconvolve_same


@pytest.mark.parametrize(
    ("grid", "kernel"),
    [
        ((151, 241), (21, 21)),  # a study grid and a quartic kernel
        ((200, 199), (61, 61)),  # odd and even sides, padded to a fast length
        ((5, 7), (11, 11)),  # kernel larger than the grid
        ((64, 64), (4, 6)),  # even kernel sides: the centring rounds down
        ((33, 2), (3, 3)),  # a side of 2
        ((1, 9), (3, 3)),  # a side of 1: scipy's broadcasting path
    ],
)
def test_fftconvolve_same_equals_scipy_bit_for_bit(
    grid: tuple[int, int], kernel: tuple[int, int]
) -> None:
    rng = np.random.default_rng(sum(grid) + sum(kernel))
    counts = rng.poisson(2.0, grid).astype(float)
    weights = rng.random(kernel)
    expected = fftconvolve(counts, weights, mode="same")
    got = fftconvolve_same(counts, weights)
    assert got.shape == counts.shape
    assert got.tobytes() == expected.tobytes()
