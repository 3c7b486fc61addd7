"""Read a real population: a grid of counts (polygons) or a population raster.

The population calibrates the building estimate of residents
(:func:`safespaces.population.calibrate_residents`). Accepted:

- **polygons** (GeoPackage, GeoJSON, Shapefile ...) with a count column, e.g. the
  250 m grids of Statistics Finland / HSY (``asukkaita``, ``inhabitants``), the
  1 km grids of the Nordic statistics offices or Eurostat's GEOSTAT grid. The
  column is detected from common names (:data:`POPULATION_NAMES`) or named by
  the user (``--population-col``);
- **a raster** (GeoTIFF, ASCII grid ...) of residents per cell: band 1, its
  ``nodata`` cells left out. Each cell becomes a square polygon.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from safespaces.errors import InputError
from safespaces.sources.tabular import VECTOR_SUFFIXES, find_column, input_file, numeric, parse_crs
from safespaces.sources.vector import read_vector

#: Raster files read with rasterio.
RASTER_SUFFIXES = frozenset({".tif", ".tiff", ".asc", ".img", ".vrt"})
#: Column names read as the population count (case-insensitive, first present wins).
POPULATION_NAMES = (
    "population",
    "pop",
    "pop_total",
    "pop_tot",
    "tot_p",
    "residents",
    "inhabitants",
    "asukkaita",
    "asukkaat",
    "asukasluku",
    "vaesto",
    "väestö",
    "vaki",
    "befolkning",
    "beftotalt",
    "folkmaengde",
    "folkemengde",
    "mannfjoldi",
    "total",
)
#: Raster cells read at most (a national raster is clipped to the study first).
MAX_RASTER_CELLS = 4_000_000


def read_population(
    path: str | Path,
    *,
    column: str | None = None,
    crs: str | CRS | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    bounds_crs: str | CRS | None = None,
) -> gpd.GeoDataFrame:
    """Read population counts as polygons with a ``population`` column.

    Parameters
    ----------
    path
        Polygons with a count column, or a raster of counts per cell.
    column
        The count column (any case); default: the first of :data:`POPULATION_NAMES`.
    crs
        CRS of a file that declares none.
    bounds, bounds_crs
        The study's box: a raster is read only where it overlaps it.

    Returns
    -------
    geopandas.GeoDataFrame
        ``population`` (float, >= 0) and the cells' polygons; ``attrs["population_column"]``
        names the column read (``band 1`` for a raster).

    Raises
    ------
    InputError
        No count column (the numeric columns are listed), a column that is not there,
        a count that is missing, not a number or negative (the row is named), a raster
        that cannot be read or is too large.
    """
    path = Path(path)
    crs_obj = parse_crs(crs, path) if not isinstance(crs, CRS) else crs
    with input_file(path, VECTOR_SUFFIXES | RASTER_SUFFIXES, "population") as data:
        if data.suffix.lower() in RASTER_SUFFIXES:
            return read_population_raster(data, crs=crs_obj, bounds=bounds, bounds_crs=bounds_crs)
        cells = read_vector(data, geometry="polygon", crs=crs_obj)
    name = population_column(cells, column, path)
    values = numeric(cells, name, path, first_row=1)
    if (values < 0).any():
        i = int(np.flatnonzero(values < 0)[0])
        raise InputError(
            f"negative population {values[i]:g}",
            path=path,
            column=name,
            row=i + 1,
            fix="give counts of residents (0 or more); suppressed counts as 0",
        )
    out = gpd.GeoDataFrame(
        {"population": values}, geometry=cells.geometry.to_numpy(), crs=cells.crs
    )
    out.attrs["population_column"] = name
    return out


def population_column(frame: pd.DataFrame, column: str | None, path: Path) -> str:
    """The count column: ``column`` (any case), else the first of :data:`POPULATION_NAMES`."""
    columns = [c for c in frame.columns if c != frame.geometry.name]
    if column:
        found = find_column(columns, [column.lower()])
        if found is None:
            raise InputError(
                f"no column '{column}' (columns: {', '.join(map(str, columns[:20]))})",
                path=path,
                fix="give --population-col one of the file's columns",
            )
        return found
    found = find_column(columns, POPULATION_NAMES)
    if found is None:
        numbers = [str(c) for c in columns if pd.api.types.is_numeric_dtype(frame[c])]
        raise InputError(
            "no population column (looked for "
            + ", ".join(POPULATION_NAMES[:8])
            + " ...; numeric columns: "
            + (", ".join(numbers[:20]) or "none")
            + ")",
            path=path,
            fix="name the column of residents with --population-col NAME",
        )
    return found


def read_population_raster(
    path: Path,
    *,
    crs: CRS | None = None,
    bounds: tuple[float, float, float, float] | None = None,
    bounds_crs: str | CRS | None = None,
) -> gpd.GeoDataFrame:
    """A raster of residents per cell as square polygons (band 1, nodata left out).

    Only the window overlapping ``bounds`` (in ``bounds_crs``) is read. Negative
    values that are not the nodata value are an error.
    """
    import rasterio
    from rasterio.errors import RasterioIOError
    from rasterio.windows import Window, from_bounds

    try:
        src = rasterio.open(path)
    except RasterioIOError as exc:
        raise InputError(
            "not a raster rasterio can read", path=path, fix="give a GeoTIFF of residents per cell"
        ) from exc
    with src, warnings.catch_warnings():
        # affine's notice about its ``*`` operator, used inside rasterio, is not the user's
        warnings.simplefilter("ignore", PendingDeprecationWarning)
        raster_crs = CRS.from_user_input(src.crs) if src.crs else crs
        if raster_crs is None:
            raise InputError(
                "the raster declares no CRS", path=path, fix="pass --crs, e.g. --crs EPSG:3067"
            )
        window = Window(0, 0, src.width, src.height)
        if bounds is not None:
            box = gpd.GeoSeries([shapely.box(*bounds)], crs=bounds_crs or raster_crs)
            x0, y0, x1, y1 = box.to_crs(raster_crs).total_bounds
            w = from_bounds(x0, y0, x1, y1, src.transform)
            c0, r0 = max(int(np.floor(w.col_off)), 0), max(int(np.floor(w.row_off)), 0)
            c1 = min(int(np.ceil(w.col_off + w.width)), src.width)
            r1 = min(int(np.ceil(w.row_off + w.height)), src.height)
            if c1 <= c0 or r1 <= r0:
                raise InputError(
                    "the raster does not cover the study area",
                    path=path,
                    fix="give a raster over the OpenStreetMap extract (check its CRS)",
                )
            window = Window(c0, r0, c1 - c0, r1 - r0)
        if window.width * window.height > MAX_RASTER_CELLS:
            raise InputError(
                f"the raster has {int(window.width * window.height):,} cells over the study, "
                f"above {MAX_RASTER_CELLS:,}",
                path=path,
                fix="clip or resample the raster to the study area first (gdalwarp -te ...)",
            )
        band = src.read(1, window=window, masked=True)
        transform = src.window_transform(window)
    values = np.ma.filled(band.astype(float), np.nan)
    rows, cols = np.nonzero(np.isfinite(values))
    counts = values[rows, cols]
    if (counts < 0).any():
        i = int(np.flatnonzero(counts < 0)[0])
        raise InputError(
            f"negative population {counts[i]:g} in cell (row {rows[i] + 1}, column {cols[i] + 1})",
            path=path,
            fix="set the raster's nodata value, or give counts of 0 or more",
        )
    t = transform
    x0, y0 = t.a * cols + t.b * rows + t.c, t.d * cols + t.e * rows + t.f
    x1, y1 = x0 + t.a + t.b, y0 + t.d + t.e
    cells = shapely.box(
        np.minimum(x0, x1), np.minimum(y0, y1), np.maximum(x0, x1), np.maximum(y0, y1)
    )
    out = gpd.GeoDataFrame({"population": counts}, geometry=cells, crs=raster_crs)
    out.attrs["population_column"] = "band 1"
    return out
