"""Kernel density of incidents as a GeoTIFF (``incident_density.tif``).

The quartic (biweight) kernel of radius ``h`` (the bandwidth):

.. math:: K(d) = \\frac{3}{\\pi h^2} \\left(1 - \\frac{d^2}{h^2}\\right)^2, \\quad d < h

Points are counted onto a grid aligned to multiples of the cell size
(``numpy.histogram2d``) and the counts convolved with the kernel sampled on
the same grid and normalised to sum to one over the cell area
(``scipy.signal.fftconvolve``), so the raster integrates to the number of
points exactly (up to floating point). Values are incidents per km2 over the
whole period of the data. The grid extends ``h`` beyond the study area so
that no kernel mass is cut off.

Privacy: the bandwidth must be at least ``min_bandwidth_m`` (default 100 m)
unless raw output is opted into, and cells with fewer than ``k_min``
incidents within ``h`` of their centre are written as nodata, so the surface
never outlines a single incident.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from pyproj import CRS
from scipy.signal import fftconvolve

from safespaces.errors import ConfigError
from safespaces.incidents.params import check_bandwidth
from safespaces.io import raster_writer

NODATA = -9999.0
#: File name of the density raster in an output folder.
DENSITY_NAME = "incident_density.tif"
#: Files of the raster's family (the GeoTIFF, its QGIS style and metadata, GDAL's sidecar).
DENSITY_SUFFIXES = (".tif", ".qml", ".qmd", ".tif.aux.xml")


@dataclasses.dataclass
class DensityGrid:
    """A density surface and its georeferencing.

    Attributes
    ----------
    density
        Incidents per km2, rows from north to south (unmasked).
    within
        Incidents within the bandwidth of each cell centre.
    mask
        True where the cell is written as nodata (``within`` < k).
    x0, y1
        West and north edges of the grid.
    cell_m, bandwidth_m
        Cell size and kernel radius.
    """

    density: npt.NDArray[np.float64]
    within: npt.NDArray[np.int64]
    mask: npt.NDArray[np.bool_]
    x0: float
    y1: float
    cell_m: float
    bandwidth_m: float

    def integral(self, *, masked: bool = False) -> float:
        """Number of incidents the surface holds (density x cell area)."""
        values = np.where(self.mask, 0.0, self.density) if masked else self.density
        return float(values.sum() * self.cell_m**2 / 1e6)


def quartic_kernel(bandwidth_m: float, cell_m: float) -> npt.NDArray[np.float64]:
    """The quartic kernel on the grid, normalised so that sum x cell area = 1 (per m2)."""
    r = int(math.ceil(bandwidth_m / cell_m))
    off = np.arange(-r, r + 1) * cell_m
    d2 = off[None, :] ** 2 + off[:, None] ** 2
    k = np.where(d2 < bandwidth_m**2, (1.0 - d2 / bandwidth_m**2) ** 2, 0.0)
    return np.asarray(k / (k.sum() * cell_m**2), dtype=float)


def kernel_density(
    xy: npt.ArrayLike,
    bounds: tuple[float, float, float, float],
    *,
    bandwidth_m: float,
    cell_m: float,
    k_min: int,
    min_bandwidth_m: float,
    allow_small_bandwidth: bool = False,
    max_cells: int = 25_000_000,
) -> DensityGrid:
    """Quartic kernel density of points over ``bounds`` padded by the bandwidth.

    Parameters
    ----------
    xy
        Point coordinates (n x 2) in a metric CRS.
    bounds
        Study-area bounds to cover.
    allow_small_bandwidth
        Allow a bandwidth below ``min_bandwidth_m`` (only with the raw opt-in).
    max_cells
        The cell grows (to a multiple of ``cell_m``) if the grid would be larger.

    Raises
    ------
    ConfigError
        Bandwidth below the minimum without the opt-in, or not larger than the cell.
    """
    check_bandwidth(bandwidth_m, min_bandwidth_m, allow_small_bandwidth)
    if cell_m <= 0 or bandwidth_m <= cell_m:
        raise ConfigError(
            f"incidents.density_cell_m = {cell_m} must be positive and below the bandwidth "
            f"{bandwidth_m} m. Fix: give a cell smaller than the bandwidth"
        )
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    pad = bandwidth_m + cell_m
    x0, y0, x1, y1 = bounds
    if len(pts):
        x0, y0 = min(x0, pts[:, 0].min()), min(y0, pts[:, 1].min())
        x1, y1 = max(x1, pts[:, 0].max()), max(y1, pts[:, 1].max())
    while True:
        gx0 = math.floor((x0 - pad) / cell_m) * cell_m
        gy0 = math.floor((y0 - pad) / cell_m) * cell_m
        gx1 = math.ceil((x1 + pad) / cell_m) * cell_m
        gy1 = math.ceil((y1 + pad) / cell_m) * cell_m
        nx, ny = round((gx1 - gx0) / cell_m), round((gy1 - gy0) / cell_m)
        if nx * ny <= max_cells or cell_m * 2 >= bandwidth_m:
            break
        cell_m *= 2
    xedges = gx0 + cell_m * np.arange(nx + 1)
    yedges = gy0 + cell_m * np.arange(ny + 1)
    hist, _, _ = np.histogram2d(pts[:, 1], pts[:, 0], bins=[yedges, xedges])
    hist = hist[::-1]  # north up
    kernel = quartic_kernel(bandwidth_m, cell_m)
    density = np.clip(fftconvolve(hist, kernel, mode="same"), 0.0, None) * 1e6
    r = kernel.shape[0] // 2
    off = np.arange(-r, r + 1) * cell_m
    disk = (off[None, :] ** 2 + off[:, None] ** 2 <= bandwidth_m**2).astype(float)
    within = np.rint(fftconvolve(hist, disk, mode="same")).astype(np.int64)
    mask = within < k_min
    return DensityGrid(density, within, mask, float(gx0), float(gy1), cell_m, bandwidth_m)


def privacy_tags(privacy: Mapping[str, Any], *, synthetic: bool) -> dict[str, Any]:
    """The raster's privacy tags from the ``incidents_privacy`` metadata record.

    ``k_min`` (the suppression threshold), ``masked_below_k`` (cells with fewer
    incidents within the bandwidth are nodata) and ``synthetic`` (demo data).
    """
    return {
        "k_min": privacy["k_min"],
        "masked_below_k": privacy["density_masked_below_k"],
        "synthetic": synthetic,
    }


def remove_density(folder: str | Path) -> list[Path]:
    """Remove an earlier run's density raster and its sidecar files from ``folder``.

    Returns the files removed (:data:`DENSITY_SUFFIXES`).
    """
    removed = []
    for suffix in DENSITY_SUFFIXES:
        path = Path(folder) / (Path(DENSITY_NAME).stem + suffix)
        if path.is_file() or path.is_symlink():
            path.unlink()
            removed.append(path)
    return removed


def write_density(
    path: str | Path, grid: DensityGrid, crs: CRS, *, tags: Mapping[str, Any] | None = None
) -> Path:
    """Write the masked surface as a float32 LZW GeoTIFF (atomically).

    ``tags`` are added to the file's metadata (:func:`privacy_tags`). Its QGIS style
    (``.qml``) comes from the layer catalogue through
    :func:`safespaces.qgis.write_raster_style` (or the QGIS package), not from here.
    """
    from affine import Affine

    path = Path(path)
    values = np.where(grid.mask, NODATA, grid.density).astype(np.float32)
    profile = {
        "driver": "GTiff",
        "height": values.shape[0],
        "width": values.shape[1],
        "count": 1,
        "dtype": "float32",
        "crs": crs.to_wkt(),
        "transform": Affine(grid.cell_m, 0.0, grid.x0, 0.0, -grid.cell_m, grid.y1),
        "nodata": NODATA,
        "compress": "LZW",
        "tiled": values.shape[0] >= 256 and values.shape[1] >= 256,
    }
    with raster_writer(path, profile) as dst:
        dst.write(values, 1)
        dst.update_tags(
            units="incidents per km2 (whole period)",
            kernel="quartic",
            bandwidth_m=str(grid.bandwidth_m),
            cell_m=str(grid.cell_m),
            **{k: str(v) for k, v in (tags or {}).items()},
        )
        dst.set_band_description(1, "incident density (per km2)")
    return path
