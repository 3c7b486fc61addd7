"""Kernel density of incidents as a GeoTIFF (``incident_density.tif``).

The quartic (biweight) kernel of radius ``h`` (the bandwidth):

.. math:: K(d) = \\frac{3}{\\pi h^2} \\left(1 - \\frac{d^2}{h^2}\\right)^2, \\quad d < h

Points are counted onto a grid aligned to multiples of the cell size
(``numpy.histogram2d``) and the counts convolved with the kernel sampled on
the same grid and normalised to sum to one over the cell area (the steps of
``scipy.signal.fftconvolve``: :func:`fftconvolve_same`), so the raster integrates to the number of
points exactly (up to floating point). Values are incidents per km2 over the
whole period of the data. The grid extends ``h`` beyond the study area so
that no kernel mass is cut off.

Privacy: the bandwidth must be at least ``min_bandwidth_m`` (default 100 m)
unless raw output is opted into, and a cell is published only when at least
``k_min`` incidents lie closer than ``h`` to its centre (the kernel's support,
``d < h``), counted exactly on the incidents' true coordinates
(:func:`points_within`), *and* at least ``k_min`` incidents are summed into its
value (their grid cells' centres closer than ``h``: the binning moves a point by
up to half a cell diagonal). Other cells are nodata, so the surface never
outlines fewer than ``k_min`` incidents. (Counting on the binned positions
alone published 106 of 36,424 cells of the Helsinki default
with only 3 or 4 incidents within 150 m.)
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
from scipy import fft as sp_fft

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
        Incidents closer than the bandwidth to each cell centre (exact, true
        coordinates).
    mask
        True where the cell is written as nodata: ``within`` < k, or fewer than k
        incidents summed into its value.
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
    xedges = np.asarray(gx0 + cell_m * np.arange(nx + 1), dtype=np.float64)
    yedges = np.asarray(gy0 + cell_m * np.arange(ny + 1), dtype=np.float64)
    row, col = _cell_of(pts, xedges, yedges)
    hist = np.bincount(row * nx + col, minlength=nx * ny).reshape(ny, nx).astype(float)
    kernel = quartic_kernel(bandwidth_m, cell_m)
    density = np.clip(fftconvolve_same(hist, kernel), 0.0, None) * 1e6
    within = points_within(pts, xedges, yedges, bandwidth_m)
    summed = _disk_count(hist, bandwidth_m, cell_m)
    mask = (within < k_min) | (summed < k_min)
    # rows from south to north so far: flip north up
    return DensityGrid(
        density[::-1], within[::-1], mask[::-1], float(gx0), float(gy1), cell_m, bandwidth_m
    )


def fftconvolve_same(
    in1: npt.NDArray[np.float64], in2: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """``scipy.signal.fftconvolve(in1, in2, mode="same")`` for 2-D float arrays, by the
    same steps (real FFTs padded to ``scipy.fft.next_fast_len`` of the full size, the
    product, the inverse, the centre ``in1.shape`` part), so the values are the same to
    the bit; without importing ``scipy.signal`` (0.07-0.1 s of every run's start-up).

    Parameters
    ----------
    in1, in2
        2-D float arrays (the grid and the kernel). Shapes with a side of length 1
        (which scipy convolves by broadcasting instead) go to scipy itself.

    Returns
    -------
    numpy.ndarray
        The convolution, ``in1``'s shape.
    """
    a, b = np.asarray(in1, dtype=np.float64), np.asarray(in2, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or min(*a.shape, *b.shape) <= 1:
        from scipy.signal import fftconvolve

        return np.asarray(fftconvolve(a, b, mode="same"), dtype=np.float64)
    shape = [a.shape[i] + b.shape[i] - 1 for i in range(2)]
    fshape = [sp_fft.next_fast_len(n, True) for n in shape]
    ret = sp_fft.irfftn(
        sp_fft.rfftn(a, fshape, axes=[0, 1]) * sp_fft.rfftn(b, fshape, axes=[0, 1]),
        fshape,
        axes=[0, 1],
    )[: shape[0], : shape[1]]
    start = [(shape[i] - a.shape[i]) // 2 for i in range(2)]
    return np.array(
        ret[start[0] : start[0] + a.shape[0], start[1] : start[1] + a.shape[1]], copy=True
    )


def _cell_of(
    pts: npt.NDArray[np.float64], xedges: npt.NDArray[np.float64], yedges: npt.NDArray[np.float64]
) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Row (south to north) and column of each point's cell, ``[edge, next edge)``."""
    col = np.searchsorted(xedges, pts[:, 0], side="right") - 1
    row = np.searchsorted(yedges, pts[:, 1], side="right") - 1
    return (
        np.clip(row, 0, len(yedges) - 2).astype(np.int64),
        np.clip(col, 0, len(xedges) - 2).astype(np.int64),
    )


def _disk_count(
    hist: npt.NDArray[np.float64], bandwidth_m: float, cell_m: float
) -> npt.NDArray[np.int64]:
    """Points whose cell centre is closer than the bandwidth to each cell centre: the
    points the binned kernel sums at the cell (its support, d < h)."""
    r = int(math.ceil(bandwidth_m / cell_m))
    off = np.arange(-r, r + 1) * cell_m
    disk = (off[None, :] ** 2 + off[:, None] ** 2 < bandwidth_m**2).astype(float)
    return np.rint(fftconvolve_same(hist, disk)).astype(np.int64)


def points_within(
    xy: npt.ArrayLike,
    xedges: npt.NDArray[np.float64],
    yedges: npt.NDArray[np.float64],
    bandwidth_m: float,
    *,
    block: int = 1 << 22,
) -> npt.NDArray[np.int64]:
    """Exact number of points closer than ``bandwidth_m`` to each cell centre.

    ``|centre - point| < h`` on the points' true coordinates (the support of the
    kernel, which is 0 from ``d = h``). The points are first counted per cell. A
    cell offset whose every point lies inside the disk wherever it sits in its cell
    (its far corner closer than h) is counted by convolving those counts; an offset
    outside wherever the point sits (its near edge at h or beyond) is skipped; only
    the offsets in between, a ring about one cell wide, compare each point with the
    cell centre. The cost is points x ring offsets (about 130 for h = 15 cells), not
    points x cells.

    Parameters
    ----------
    xy
        Point coordinates (n x 2).
    xedges, yedges
        Cell edges, equally spaced and increasing (one cell size for both).
    block
        Point x offset pairs compared at once (bounds memory).

    Returns
    -------
    numpy.ndarray
        ``(len(yedges) - 1, len(xedges) - 1)`` counts, rows from south to north.
    """
    pts = np.asarray(xy, dtype=float).reshape(-1, 2)
    ny, nx = len(yedges) - 1, len(xedges) - 1
    cell_m = float(xedges[1] - xedges[0])
    xc, yc = (xedges[:-1] + xedges[1:]) / 2, (yedges[:-1] + yedges[1:]) / 2
    row, col = _cell_of(pts, xedges, yedges)
    r = int(math.ceil(bandwidth_m / cell_m)) + 1
    o = np.arange(-r, r + 1)
    drow, dcol = (a.ravel() for a in np.meshgrid(o, o, indexing="ij"))
    half = cell_m / 2
    ady, adx = np.abs(drow) * cell_m, np.abs(dcol) * cell_m
    far2 = (ady + half) ** 2 + (adx + half) ** 2
    near2 = np.maximum(ady - half, 0.0) ** 2 + np.maximum(adx - half, 0.0) ** 2
    h2 = bandwidth_m**2
    tol = 1e-9 * h2  # rounding of the edges: a borderline offset is checked point by point
    inner = far2 < h2 - tol
    ring = ~inner & (near2 < h2 + tol)
    hist = np.bincount(row * nx + col, minlength=nx * ny).reshape(ny, nx).astype(float)
    window = inner.reshape(2 * r + 1, 2 * r + 1).astype(float)
    counts = np.rint(fftconvolve_same(hist, window)).astype(np.int64).ravel()
    ring_row, ring_col = drow[ring], dcol[ring]
    ring_dy, ring_dx = ring_row * cell_m, ring_col * cell_m
    ring_flat = ring_row * nx + ring_col
    # each point from its cell centre, so that the distance to an offset cell is cheap
    u, v = xc[col] - pts[:, 0], yc[row] - pts[:, 1]
    flat = row * nx + col
    # the grid is padded by more than h, so no ring cell falls off it unless the cell grew
    inside = len(pts) == 0 or (
        row.min() + ring_row.min() >= 0
        and row.max() + ring_row.max() < ny
        and col.min() + ring_col.min() >= 0
        and col.max() + ring_col.max() < nx
    )
    step = max(1, block // max(len(ring_row), 1))
    for start in range(0, len(pts), step):
        sl = slice(start, start + step)
        dx = ring_dx[None, :] + u[sl, None]
        dy = ring_dy[None, :] + v[sl, None]
        dx *= dx
        dy *= dy
        dx += dy
        hit = dx < h2
        if not inside:
            rr = row[sl, None] + ring_row[None, :]
            cc = col[sl, None] + ring_col[None, :]
            hit &= (rr >= 0) & (rr < ny) & (cc >= 0) & (cc < nx)
        counts += np.bincount((flat[sl, None] + ring_flat[None, :])[hit], minlength=nx * ny)
    return counts.reshape(ny, nx)


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
    """Write the masked surface as a float32 Cloud-Optimised GeoTIFF (atomically).

    :func:`safespaces.io.raster_writer` gives the layout: DEFLATE with the
    floating-point predictor, 256 x 256 tiles, overviews resampled by ``average``
    (a density is a continuous surface; GDAL's average skips nodata, so a coarse
    cell averages the published cells only and the cells masked below k stay hidden).

    ``tags`` are added to the file's metadata (:func:`privacy_tags`). Its QGIS style
    (``.qml``) comes from the layer catalogue through
    :func:`safespaces.qgis.write_raster_style` (or the QGIS package), not from here.
    """
    from affine import Affine

    path = Path(path)
    values = np.where(grid.mask, NODATA, grid.density).astype(np.float32)
    profile = {
        "height": values.shape[0],
        "width": values.shape[1],
        "count": 1,
        "dtype": "float32",
        "crs": crs.to_wkt(),
        "transform": Affine(grid.cell_m, 0.0, grid.x0, 0.0, -grid.cell_m, grid.y1),
        "nodata": NODATA,
    }
    with raster_writer(path, profile, resampling="average") as dst:
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
