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
    # 60 x 60 km at 5 m (144 million cells) fits at 6 m, beyond the coarsest cell (5 m)
    bounds = (0.0, 0.0, 60_000.0, 60_000.0)
    with pytest.raises(InputError) as info:
        check_raster_size(bounds, 5.0, path="city.osm.pbf")
    text = str(info.value)
    assert text.startswith("city.osm.pbf: the illuminance raster of the study extent")
    assert "(60.0 x 60.0 km)" in text and "144,000,000 cells" in text
    assert "raster_cell_m=" not in text  # no cell size the configuration would refuse
    assert "at most about 50 x 50 km at 5 m" in text and "SAFESPACES_MAX_RASTER_CELLS" in text
    # 40 x 40 km at 2 m (400 million cells) fits at 4 m (exactly 100 million): suggested
    bounds = (0.0, 0.0, 40_000.0, 40_000.0)
    with pytest.raises(InputError) as info:
        check_raster_size(bounds, 2.0)
    fits = float(str(info.value).split("lighting.raster_cell_m=")[1].split(" ")[0])
    assert fits == 4.0 and check_raster_size(bounds, fits) == MAX_RASTER_CELLS


def test_writer_refuses_before_writing(tmp_path: Path) -> None:
    out = tmp_path / "illuminance.tif"
    with pytest.raises(InputError, match="more than the 100,000,000 allowed"):
        write_illuminance_raster(out, LAMP, (0.0, 0.0, 1e6, 1e6), "EPSG:3067", cell=5.0)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("bad", [float("inf"), float("nan")])
def test_non_finite_bounds_are_refused(bad: float) -> None:
    with pytest.raises(InputError, match="cannot grid bounds"):
        check_raster_size((0.0, 0.0, bad, 10.0), 5.0)
