"""Illuminance GeoTIFF of the study area.

The raster holds the horizontal illuminance at each cell centre, computed by
the same sum as the segments (:func:`illuminance_at`: each lamp's intensity
distribution, times the maintenance factor), in float32
lux, as a Cloud-Optimised GeoTIFF (DEFLATE, tiled, with average-resampled overviews). Its QGIS style
(``illuminance.qml``, the EN 13201-2 P-class ramp of the layer catalogue) is
written by :mod:`safespaces.qgis`, not here.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import numpy.typing as npt
from affine import Affine
from rasterio.crs import CRS
from rasterio.errors import RasterioError
from rasterio.windows import Window

from safespaces.errors import InputError, OutputError
from safespaces.io import raster_writer
from safespaces.lighting.illuminance import illuminance_at
from safespaces.lighting.lamps import LampOptics, lamp_optics
from safespaces.lighting.params import MAX_CELL_M

NODATA = -9999.0
#: Most cells of the illuminance raster (``SAFESPACES_MAX_RASTER_CELLS``): 100 million
#: float32 cells are 400 MB before compression, a study of about 50 x 50 km at 5 m.
MAX_RASTER_CELLS = 100_000_000


def raster_budget() -> int:
    """:data:`MAX_RASTER_CELLS`, or the environment variable ``SAFESPACES_MAX_RASTER_CELLS``."""
    value = os.environ.get("SAFESPACES_MAX_RASTER_CELLS", "").strip()
    return int(value) if value.isdigit() and int(value) > 0 else MAX_RASTER_CELLS


def lighting_raster_bounds(
    segments: gpd.GeoDataFrame, margin: float
) -> tuple[float, float, float, float]:
    """The illuminance raster's extent: the segments' bounds grown by ``margin`` metres.

    The segments are the study's (stray nodes far from the data are already left
    out by :func:`safespaces.sources.osm.load_osm`).
    """
    minx, miny, maxx, maxy = (float(v) for v in segments.total_bounds)
    return (minx - margin, miny - margin, maxx + margin, maxy + margin)


def check_raster_size(
    bounds: tuple[float, float, float, float],
    cell: float,
    *,
    path: str | Path | None = None,
    setting: str = "lighting.raster_cell_m",
) -> int:
    """Refuse a raster of more than :func:`raster_budget` cells; return its cell count.

    Raises
    ------
    InputError
        Too many cells: the message gives the extent in km, the count and the
        smallest cell size that fits.
    """
    _, _, width, height = raster_grid(bounds, cell)
    cells = width * height
    budget = raster_budget()
    if cells > budget:
        w_km = (bounds[2] - bounds[0]) / 1000
        h_km = (bounds[3] - bounds[1]) / 1000
        fits = _fitting_cell(bounds, cell * math.sqrt(cells / budget), budget)
        side_km = math.sqrt(budget) * MAX_CELL_M / 1000
        clip = (
            f"clip the extract to the study area (at most about {side_km:,.0f} x "
            f"{side_km:,.0f} km at {MAX_CELL_M:g} m; e.g. osmium extract -b "
            "LON1,LAT1,LON2,LAT2)"
        )
        fix = (
            f"set {setting}={fits:g} (--set {setting}={fits:g}), or {clip}"
            if fits <= MAX_CELL_M
            else f"{clip}, or, with the memory for it (4 bytes a cell), raise the environment "
            "variable SAFESPACES_MAX_RASTER_CELLS"
        )
        raise InputError(
            f"the illuminance raster of the study extent ({w_km:,.1f} x {h_km:,.1f} km) at "
            f"{cell:g} m cells would have {cells:,} cells, more than the {budget:,} allowed",
            path=path,
            fix=fix,
        )
    return cells


def _fitting_cell(bounds: tuple[float, float, float, float], start: float, budget: int) -> float:
    """The smallest round cell size from ``start`` up (whole metres, then multiples of 5)
    whose snapped grid fits ``budget``."""
    size = float(math.ceil(start)) if start <= 5 else math.ceil(start / 5.0) * 5.0
    while True:
        _, _, width, height = raster_grid(bounds, size)
        if width * height <= budget:
            return size
        size = size + 1.0 if size < 5 else size + 5.0


def raster_grid(
    bounds: tuple[float, float, float, float], cell: float
) -> tuple[float, float, int, int]:
    """Snap ``bounds`` outwards to multiples of ``cell``: (west, north, width, height)."""
    minx, miny, maxx, maxy = bounds
    finite = all(math.isfinite(v) for v in (minx, miny, maxx, maxy, cell))
    if not (finite and cell > 0 and maxx > minx and maxy > miny):
        raise InputError(
            f"cannot grid bounds {bounds} at cell {cell}",
            fix="give non-empty, finite bounds (minx, miny, maxx, maxy) and a positive cell size",
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
    maintenance_factor: float = 1.0,
    rows_per_chunk: int = 256,
) -> Path:
    """Write the horizontal illuminance of the area as a GeoTIFF (atomically).

    Each cell holds E at its centre, summed over lamps within ``cutoff`` by
    E = MF x I(C, gamma) h / (h^2 + d^2)^(3/2) (see :func:`illuminance_at`).

    Parameters
    ----------
    path
        Output ``.tif``.
    lamps
        Lamps from :func:`safespaces.lighting.lamp_model` (their intensity
        distributions and aiming), or an ``(n, 4)`` array of x, y, height, intensity
        of isotropic point sources.
    bounds
        (minx, miny, maxx, maxy) in ``crs``; snapped outwards to whole cells.
    crs
        The metric CRS (anything :class:`rasterio.crs.CRS` accepts, or pyproj).
    cell
        Cell size in metres (5 m or finer for the project's output).
    cutoff
        Cut-off radius in metres.
    maintenance_factor
        Multiplies every cell (``lighting.maintenance_factor``; 1: initial values).
    rows_per_chunk
        Rows computed at once (bounds memory).

    Raises
    ------
    InputError
        More cells than :func:`raster_budget` (checked before anything is written).

    Returns
    -------
    pathlib.Path
        The Cloud-Optimised GeoTIFF written (:func:`safespaces.io.raster_writer`):
        float32 lux, nodata -9999, DEFLATE with the floating-point predictor,
        256 x 256 tiles, overviews 2, 4, 8 ... (average: illuminance is a continuous
        quantity). Its style comes from
        :func:`safespaces.qgis.write_raster_style` (or the QGIS package).

    Examples
    --------
    A 20 m square of 5 m cells around one lamp of 1000 cd at 6 m: the brightest cell
    centres are 3.54 m from its foot, 1000 x 6 / (36 + 12.5)^1.5 = 17.8 lx.

    >>> import tempfile, pathlib, rasterio
    >>> tif = pathlib.Path(tempfile.mkdtemp()) / "illuminance.tif"
    >>> x0, y0 = 385_000, 6_672_000
    >>> lamps = [[x0 + 10, y0 + 10, 6.0, 1000.0]]
    >>> write_illuminance_raster(tif, lamps, (x0, y0, x0 + 20, y0 + 20), "EPSG:3067", cell=5).name
    'illuminance.tif'
    >>> with rasterio.open(tif) as raster:
    ...     print(raster.shape, round(float(raster.read(1).max()), 1))
    (4, 4) 17.8
    """
    out = Path(path)
    optics = (
        lamp_optics(lamps)
        if isinstance(lamps, gpd.GeoDataFrame)
        else LampOptics.isotropic(np.asarray(lamps, dtype=float))
    )
    check_raster_size(bounds, cell)
    west, north, width, height = raster_grid(bounds, cell)
    rcrs = CRS.from_wkt(crs.to_wkt()) if hasattr(crs, "to_wkt") else CRS.from_user_input(crs)
    profile = {
        "dtype": "float32",
        "count": 1,
        "width": width,
        "height": height,
        "crs": rcrs,
        "transform": Affine(cell, 0.0, west, 0.0, -cell, north),
        "nodata": NODATA,
    }
    xs = west + (np.arange(width) + 0.5) * cell
    try:
        with raster_writer(out, profile, resampling="average") as dst:
            step = max(int(rows_per_chunk), 1)
            for r0 in range(0, height, step):  # row blocks, not single cells
                rows = min(step, height - r0)
                ys = north - (np.arange(r0, r0 + rows) + 0.5) * cell
                gx, gy = np.meshgrid(xs, ys)
                e = illuminance_at(
                    np.column_stack([gx.ravel(), gy.ravel()]),
                    optics,
                    cutoff,
                    maintenance_factor=maintenance_factor,
                )
                dst.write(
                    e.reshape(rows, width).astype(np.float32), 1, window=Window(0, r0, width, rows)
                )
            dst.update_tags(1, units="lux", quantity="horizontal illuminance at ground")
    except OutputError:
        raise
    except (OSError, RasterioError) as exc:
        raise OutputError(f"{out}: cannot write the illuminance raster ({exc})") from exc
    return out
