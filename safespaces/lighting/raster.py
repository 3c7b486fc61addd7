"""Illuminance GeoTIFF of the study area.

The raster holds the horizontal illuminance at each cell centre, computed by
the same point-source sum as the segments (:func:`illuminance_at`), in float32
lux, LZW-compressed, tiled, with average-resampled overviews. Its QGIS style
(``illuminance.qml``, the EN 13201-2 P-class ramp of the layer catalogue) is
written by :mod:`safespaces.qgis`, not here.
"""

from __future__ import annotations

import math
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from affine import Affine
from rasterio.crs import CRS
from rasterio.enums import Resampling
from rasterio.errors import RasterioError
from rasterio.windows import Window

from safespaces.errors import InputError, OutputError
from safespaces.io import raster_writer
from safespaces.lighting.illuminance import illuminance_at
from safespaces.lighting.lamps import lamp_array

NODATA = -9999.0


def raster_grid(
    bounds: tuple[float, float, float, float], cell: float
) -> tuple[float, float, int, int]:
    """Snap ``bounds`` outwards to multiples of ``cell``: (west, north, width, height)."""
    minx, miny, maxx, maxy = bounds
    if not (cell > 0 and maxx > minx and maxy > miny):
        raise InputError(
            f"cannot grid bounds {bounds} at cell {cell}",
            fix="give non-empty bounds (minx, miny, maxx, maxy) and a positive cell size",
        )
    west = math.floor(minx / cell) * cell
    south = math.floor(miny / cell) * cell
    east = math.ceil(maxx / cell) * cell
    north = math.ceil(maxy / cell) * cell
    return west, north, round((east - west) / cell), round((north - south) / cell)


def write_illuminance_raster(
    path: str | Path,
    lamps: gpd.GeoDataFrame | npt.ArrayLike,
    bounds: tuple[float, float, float, float],
    crs: object,
    cell: float = 5.0,
    *,
    cutoff: float = 50.0,
    rows_per_chunk: int = 256,
) -> Path:
    """Write the horizontal illuminance of the area as a GeoTIFF (atomically).

    Each cell holds E at its centre, summed over lamps within ``cutoff`` by
    E = I h / (h^2 + d^2)^(3/2) (see :func:`illuminance_at`).

    Parameters
    ----------
    path
        Output ``.tif``.
    lamps
        Lamps from :func:`safespaces.lighting.lamp_model`, or an ``(n, 4)`` array
        of x, y, height, intensity.
    bounds
        (minx, miny, maxx, maxy) in ``crs``; snapped outwards to whole cells.
    crs
        The metric CRS (anything :class:`rasterio.crs.CRS` accepts, or pyproj).
    cell
        Cell size in metres (5 m or finer for the project's output).
    cutoff
        Cut-off radius in metres.
    rows_per_chunk
        Rows computed at once (bounds memory).

    Returns
    -------
    pathlib.Path
        The GeoTIFF written: float32 lux, nodata -9999, LZW, 256 x 256 tiles,
        overviews 2, 4, 8 ... (average). Its style comes from
        :func:`safespaces.qgis.write_raster_style` (or the QGIS package).
    """
    out = Path(path)
    arr = lamp_array(lamps) if isinstance(lamps, gpd.GeoDataFrame) else np.asarray(lamps)
    west, north, width, height = raster_grid(bounds, cell)
    rcrs = CRS.from_wkt(crs.to_wkt()) if hasattr(crs, "to_wkt") else CRS.from_user_input(crs)
    profile = {
        "driver": "GTiff",
        "dtype": "float32",
        "count": 1,
        "width": width,
        "height": height,
        "crs": rcrs,
        "transform": Affine(cell, 0.0, west, 0.0, -cell, north),
        "nodata": NODATA,
        "compress": "lzw",
        "predictor": 3,
        "tiled": True,
        "blockxsize": 256,
        "blockysize": 256,
    }
    xs = west + (np.arange(width) + 0.5) * cell
    try:
        with raster_writer(out, profile) as dst:
            step = max(int(rows_per_chunk), 1)
            for r0 in range(0, height, step):  # row blocks, not single cells
                rows = min(step, height - r0)
                ys = north - (np.arange(r0, r0 + rows) + 0.5) * cell
                gx, gy = np.meshgrid(xs, ys)
                e = illuminance_at(np.column_stack([gx.ravel(), gy.ravel()]), arr, cutoff)
                dst.write(
                    e.reshape(rows, width).astype(np.float32), 1, window=Window(0, r0, width, rows)
                )
            dst.update_tags(1, units="lux", quantity="horizontal illuminance at ground")
            factors = [f for f in (2, 4, 8, 16, 32, 64) if max(width, height) // f >= 8] or [2]
            dst.build_overviews(factors, Resampling.average)
            dst.update_tags(ns="rio_overview", resampling="average")
    except OutputError:
        raise
    except (OSError, RasterioError) as exc:
        raise OutputError(f"{out}: cannot write the illuminance raster ({exc})") from exc
    return out
