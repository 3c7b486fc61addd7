"""Read a city's lamp register (CSV or any vector file of points)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
from pyproj import CRS

from safespaces.errors import InputError
from safespaces.sources.tabular import numeric, read_table_or_points

#: Recognised optional columns and their plausible ranges.
LAMP_COLUMNS: dict[str, tuple[float, float]] = {
    "height_m": (0.5, 40.0),  # mounting height; high-mast lighting rarely exceeds 40 m
    "intensity_cd": (0.0, 200_000.0),  # peak luminous intensity
    "lumen": (0.0, 500_000.0),  # luminous flux
}


def read_lamp_register(
    path: str | Path,
    *,
    columns: Mapping[str, str] | None = None,
    crs: str | CRS | None = None,
    expected_lonlat: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Read a lamp register into the lamps schema with ``source='register'``.

    Parameters
    ----------
    path
        CSV with ``lon``/``lat`` (or ``x``/``y`` and ``crs``), or a point vector file.
    columns
        Maps the register's own column names onto ``height_m``, ``intensity_cd``,
        ``lumen``, ``lon``, ``lat``, ``x``, ``y`` (config ``sources.lamp_columns``).
    crs
        CRS of ``x``/``y`` columns, or of a vector file that declares none.
    expected_lonlat
        Study-area box in lon/lat, to detect swapped coordinates.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``lamp_id``, ``source``, ``height_m``, ``intensity_cd``, ``lumen``
        (NaN where not given) and the register's other columns.
    """
    from safespaces.sources.tabular import parse_crs

    path = Path(path)
    gdf = read_table_or_points(
        path,
        what="lamp register",
        crs=parse_crs(crs, path) if not isinstance(crs, CRS) else crs,
        expected_lonlat=expected_lonlat,
        rename={v: k for k, v in (columns or {}).items()} if columns else None,
    )
    for column, (low, high) in LAMP_COLUMNS.items():
        if column not in gdf:
            gdf[column] = np.nan
            continue
        values = numeric(gdf, column, path, required=False)
        bad = ~np.isnan(values) & ((values < low) | (values > high))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{values[i]} is outside the plausible range {low}-{high}",
                path=path,
                column=column,
                row=i + 2,
                fix="check the unit (metres, candela, lumen)",
            )
        gdf[column] = values
    gdf.insert(0, "source", "register")
    gdf.insert(0, "lamp_id", np.arange(len(gdf), dtype=np.int64))
    return gdf
