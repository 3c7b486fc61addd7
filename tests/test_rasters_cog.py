"""The rasters are Cloud-Optimised GeoTIFFs (safespaces.io.raster_writer).

The default run's two rasters are read from the session's ``default_output``; the
writer itself is checked on small arrays: lossless at full resolution, and its
overviews are the block means GDAL's ``average`` makes (computed here with numpy).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import rasterio
from affine import Affine
from rasterio.windows import Window

from safespaces.errors import OutputError
from safespaces.io import overview_count, raster_writer

NODATA = -9999.0
RASTERS = ("illuminance.tif", "incident_density.tif")


def _grid(width: int, height: int) -> dict[str, object]:
    return {
        "width": width,
        "height": height,
        "count": 1,
        "dtype": "float32",
        "crs": "EPSG:3067",
        "transform": Affine(5.0, 0.0, 385_000.0, 0.0, -5.0, 6_672_000.0),
        "nodata": NODATA,
    }


@pytest.mark.parametrize("name", RASTERS)
def test_the_default_rasters_are_cogs(default_output: Path, name: str) -> None:
    with rasterio.open(default_output / name) as src:
        structure = src.tags(ns="IMAGE_STRUCTURE")
        assert structure["LAYOUT"] == "COG"
        assert structure["COMPRESSION"] == "DEFLATE" and structure["PREDICTOR"] == "3"
        assert src.block_shapes == [(256, 256)]
        assert src.nodata == NODATA and src.dtypes == ("float32",)
        # both rasters are smaller than two tiles a side (348 x 220 and 232 x 157 cells at
        # the default): GDAL's own rule would give them one level or none; ours halves
        # down to 8 pixels
        assert len(src.overviews(1)) == overview_count(src.width, src.height) >= 4
        assert src.overviews(1)[0] == 2
        band = src.read(1)
    assert np.isfinite(band).all() and (band[band != NODATA] >= 0).all()


def test_the_default_rasters_keep_their_tags(default_output: Path) -> None:
    with rasterio.open(default_output / "illuminance.tif") as src:
        assert src.tags(1)["units"] == "lux"
    with rasterio.open(default_output / "incident_density.tif") as src:
        tags = src.tags()
        assert tags["kernel"] == "quartic" and tags["masked_below_k"] == "True"
        assert src.descriptions == ("incident density (per km2)",)


def test_density_overviews_never_show_a_masked_cell(default_output: Path) -> None:
    """A coarse cell of the density raster is published only where its footprint holds a
    published cell, and lies between their values (average skips nodata): the cells
    masked below k stay hidden at every zoom."""
    path = default_output / "incident_density.tif"
    with rasterio.open(path) as src:
        full = src.read(1, masked=True)
    assert np.ma.getmaskarray(full).any()
    with rasterio.open(path, overview_level=0) as src:
        coarse = src.read(1, masked=True)
    ry, rx = full.shape[0] / coarse.shape[0], full.shape[1] / coarse.shape[1]
    assert 2 <= ry < 2.05 and 2 <= rx < 2.05
    # the footprint of coarse cell (i, j): rows floor(i*ry) .. ceil((i+1)*ry) - 1
    filled = np.ma.filled(full.astype(np.float64), np.nan)
    rows = [slice(int(i * ry), int(np.ceil((i + 1) * ry))) for i in range(coarse.shape[0])]
    cols = [slice(int(j * rx), int(np.ceil((j + 1) * rx))) for j in range(coarse.shape[1])]
    lo = np.array([[np.nanmin(filled[r, c], initial=np.inf) for c in cols] for r in rows])
    hi = np.array([[np.nanmax(filled[r, c], initial=-np.inf) for c in cols] for r in rows])
    published = ~np.ma.getmaskarray(coarse)
    assert published.any()
    assert np.array_equal(published, np.isfinite(lo))  # nodata exactly where all are masked
    value = coarse.data[published]
    assert (value >= lo[published] * (1 - 1e-6)).all()
    assert (value <= hi[published] * (1 + 1e-6)).all()


def test_the_writer_is_lossless_and_averages_its_overviews(tmp_path: Path) -> None:
    rng = np.random.default_rng(7)
    data = rng.gamma(2.0, 5.0, size=(64, 48)).astype(np.float32)
    data[:6, :6] = NODATA
    path = tmp_path / "r.tif"
    with raster_writer(path, _grid(48, 64), resampling="average") as dst:
        dst.write(data[:30], 1, window=Window(0, 0, 48, 30))  # in row blocks, as the callers do
        dst.write(data[30:], 1, window=Window(0, 30, 48, 34))
    with rasterio.open(path) as src:
        assert src.tags(ns="IMAGE_STRUCTURE")["LAYOUT"] == "COG"
        assert np.array_equal(src.read(1), data)
        assert src.overviews(1) == [2, 4, 8]  # 64 -> 32, 16, 8 pixels
    with rasterio.open(path, overview_level=0) as src:
        half = src.read(1, masked=True)
    blocks = np.ma.masked_equal(data, NODATA).reshape(32, 2, 24, 2).mean(axis=(1, 3))
    assert np.array_equal(np.ma.getmaskarray(half), np.ma.getmaskarray(blocks))
    np.testing.assert_allclose(half.compressed(), blocks.compressed(), rtol=1e-6)


def test_nearest_overviews_pick_source_values(tmp_path: Path) -> None:
    classes = np.repeat(np.arange(4, dtype=np.float32), 16 * 32).reshape(64, 32)
    path = tmp_path / "c.tif"
    with raster_writer(path, _grid(32, 64), resampling="nearest") as dst:
        dst.write(classes, 1)
    with rasterio.open(path, overview_level=0) as src:
        assert set(np.unique(src.read(1))) <= {0.0, 1.0, 2.0, 3.0}


def test_overview_levels_reach_down_to_eight_pixels() -> None:
    assert overview_count(220, 348) == 5  # 348 / 32 = 10.9 pixels
    assert overview_count(157, 232) == 4  # 232 / 16 = 14.5; / 32 = 7.3
    assert overview_count(10_000, 8_000) == 10  # 10000 / 1024 = 9.8
    assert overview_count(4, 4) == 1


def test_the_writer_takes_the_grid_only(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="grid only.*compress"),
        raster_writer(tmp_path / "x.tif", {**_grid(8, 8), "compress": "lzw"}),
    ):
        pass
    assert not (tmp_path / "x.tif").exists()


def test_a_failed_write_leaves_the_earlier_raster(tmp_path: Path) -> None:
    path = tmp_path / "r.tif"
    with raster_writer(path, _grid(8, 8)) as dst:
        dst.write(np.ones((8, 8), np.float32), 1)
    before = path.read_bytes()
    with pytest.raises(RuntimeError), raster_writer(path, _grid(8, 8)) as dst:
        dst.write(np.zeros((8, 8), np.float32), 1)
        raise RuntimeError("the computation failed half-way")
    assert path.read_bytes() == before
    (tmp_path / "sub").write_text("a file where the folder should be")
    with (
        pytest.raises(OutputError, match="r.tif"),
        raster_writer(tmp_path / "sub" / "r.tif", _grid(8, 8)) as dst,
    ):
        dst.write(np.zeros((8, 8), np.float32), 1)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.tif", "sub"]
