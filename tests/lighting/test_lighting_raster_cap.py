"""The illuminance raster's cell budget: a study far larger than the data is refused, not
computed (a footway to 0,0 once made a 7.8 GB raster)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from safespaces.errors import InputError
from safespaces.lighting.raster import (
    MAX_RASTER_CELLS,
    check_raster_size,
    raster_budget,
    write_illuminance_raster,
)

LAMP = np.array([[385_500.0, 6_672_000.0, 5.0, 1000.0]])


def test_budget_and_its_override(monkeypatch: pytest.MonkeyPatch) -> None:
    assert raster_budget() == MAX_RASTER_CELLS == 100_000_000
    monkeypatch.setenv("SAFESPACES_MAX_RASTER_CELLS", "400")
    assert raster_budget() == 400
    assert check_raster_size((0.0, 0.0, 100.0, 100.0), 5.0) == 400  # 20 x 20 fits
    with pytest.raises(InputError, match="441 cells, more than the 400 allowed"):
        check_raster_size((0.0, 0.0, 101.0, 101.0), 5.0)  # snapped out to 21 x 21


def test_refusal_names_the_extent_and_a_cell_size_that_fits() -> None:
    # Lund to 0,0 in UTM 33N: about 6,200 x 6,200 km
    bounds = (-1_000_000.0, 0.0, 5_200_000.0, 6_200_000.0)
    with pytest.raises(InputError) as info:
        check_raster_size(bounds, 5.0, path="lund.osm.pbf")
    text = str(info.value)
    assert text.startswith("lund.osm.pbf: the illuminance raster of the study extent")
    assert "(6,200.0 x 6,200.0 km)" in text
    fits = float(text.split("lighting.raster_cell_m=")[1].split(" ")[0])
    assert check_raster_size(bounds, fits) <= MAX_RASTER_CELLS  # the suggested size fits
    assert check_raster_size(bounds, fits) > MAX_RASTER_CELLS / 4  # and is not far too coarse


def test_writer_refuses_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "illuminance.tif"
    with pytest.raises(InputError, match="more than the 100,000,000 allowed"):
        write_illuminance_raster(out, LAMP, (0.0, 0.0, 1e6, 1e6), "EPSG:3067", cell=5.0)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_non_finite_bounds_are_refused(bad: float) -> None:
    with pytest.raises(InputError, match="cannot grid bounds"):
        check_raster_size((0.0, 0.0, bad, 10.0), 5.0)
