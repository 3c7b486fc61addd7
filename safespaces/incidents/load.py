"""Read incident points leniently: bad rows are dropped and counted, never lost silently.

:func:`safespaces.sources.incidents.read_incidents` stops at the first row
with unreadable coordinates. Incident files from police or participatory
mapping often have a few such rows, so the incident analysis reads them here:
rows with a missing or invalid coordinate or time are dropped and counted by
reason (``missing_coordinates``, ``bad_coordinates``, ``missing_time``,
``bad_time``), and the counts go to the run summary.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
from pyproj import CRS

from safespaces.errors import CRSError, InputError
from safespaces.sources.incidents import CATEGORY_NAMES, TIME_NAMES, IncidentLoad, parse_times
from safespaces.sources.tabular import (
    CSV_SUFFIXES,
    LAT_NAMES,
    LON_NAMES,
    VECTOR_SUFFIXES,
    X_NAMES,
    Y_NAMES,
    check_path,
    find_column,
    parse_crs,
    read_csv,
)

DROP_REASONS: tuple[str, ...] = (
    "missing_coordinates",
    "bad_coordinates",
    "missing_time",
    "bad_time",
)


def _coordinates(
    frame: pd.DataFrame, path: Path, crs: CRS | None
) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    """Points of a CSV; returns (points for every row, missing mask, bad mask)."""
    lon_col = find_column(list(frame.columns), LON_NAMES)
    lat_col = find_column(list(frame.columns), LAT_NAMES)
    if lon_col and lat_col:
        xcol, ycol, point_crs = lon_col, lat_col, CRS.from_epsg(4326)
    else:
        xcol = find_column(list(frame.columns), X_NAMES) or ""
        ycol = find_column(list(frame.columns), Y_NAMES) or ""
        if not (xcol and ycol):
            raise InputError(
                f"no coordinate columns (found: {', '.join(map(str, frame.columns))})",
                path=path,
                fix="add 'lon' and 'lat' columns (degrees), or 'x' and 'y' with a declared CRS",
            )
        if crs is None:
            raise CRSError(
                f"coordinates in '{xcol}'/'{ycol}' but no CRS declared",
                path=path,
                fix="declare it with --crs EPSG:xxxx (e.g. EPSG:3067), or give lon/lat columns",
            )
        point_crs = crs

    def parse(col: str) -> tuple[np.ndarray, np.ndarray]:
        text = frame[col].astype("string").str.strip().str.replace(",", ".", regex=False)
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float)
        return values, text.isna().to_numpy(dtype=bool)

    x, x_missing = parse(xcol)
    y, y_missing = parse(ycol)
    missing = x_missing | y_missing
    bad = ~missing & ~(np.isfinite(x) & np.isfinite(y))
    if point_crs.is_geographic:
        bad |= ~missing & ((np.abs(y) > 90) | (np.abs(x) > 180))
    if not (~missing & ~bad).any():
        raise InputError(
            f"no row has valid coordinates in '{xcol}'/'{ycol}'",
            path=path,
            fix="give longitudes/latitudes in degrees, or x/y with --crs",
        )
    x = np.where(missing | bad, np.nan, x)
    y = np.where(missing | bad, np.nan, y)
    data = frame.drop(columns=[xcol, ycol])
    gdf = gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(x, y), crs=point_crs)
    return gdf, missing, bad


def _vector(path: Path, crs: CRS | None) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    try:
        gdf = gpd.read_file(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(
            f"cannot read as a vector file ({exc})",
            path=path,
            fix="check that the file is a complete GeoPackage, GeoJSON or Shapefile",
        ) from exc
    if gdf.empty:
        raise InputError("the file has no features", path=path, fix="give a file with data")
    if gdf.crs is None:
        if crs is None:
            raise CRSError(
                "the file declares no CRS",
                path=path,
                fix="set the CRS in the file or pass --crs EPSG:xxxx",
            )
        gdf = gdf.set_crs(crs)
    geoms = gdf.geometry
    missing = (geoms.isna() | geoms.is_empty).to_numpy(dtype=bool)
    types = geoms.geom_type.to_numpy()
    bad = ~missing & (types != "Point")
    if bad.all():
        raise InputError(
            f"expected points, found {types[0]}",
            path=path,
            fix="give a layer of points (convert in QGIS if needed)",
        )
    return gdf, missing, bad


def load_incidents(
    path: str | Path,
    *,
    time_column: str | None = None,
    category_column: str | None = None,
    timezone: str = "Europe/Helsinki",
    crs: str | CRS | None = None,
) -> IncidentLoad:
    """Read incident points, dropping and counting unusable rows.

    Coordinates come from ``lon``/``lat`` columns (detected without flags),
    ``x``/``y`` with a declared ``crs``, or a point vector file. Times are
    parsed by :func:`safespaces.sources.incidents.parse_times`: a date without a
    time of day is kept with ``hour_known`` False.

    Returns
    -------
    IncidentLoad
        ``points`` (``incident_id``, ``time``, ``hour_known``, ``category``,
        other columns) and ``dropped`` counts for every reason in
        :data:`DROP_REASONS` (a row is counted once, coordinates first).

    Raises
    ------
    InputError
        Unreadable file, no coordinate or time column, or not a single usable row.
    """
    path = Path(path)
    check_path(path, CSV_SUFFIXES | VECTOR_SUFFIXES, "incident")
    crs_obj = crs if isinstance(crs, CRS) else parse_crs(crs, path)
    if path.suffix.lower() in CSV_SUFFIXES:
        gdf, missing_xy, bad_xy = _coordinates(read_csv(path), path, crs_obj)
    else:
        gdf, missing_xy, bad_xy = _vector(path, crs_obj)
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    tcol = time_column or find_column(columns, TIME_NAMES)
    if tcol is None or tcol not in gdf:
        raise InputError(
            f"no time column (found: {', '.join(columns)})",
            path=path,
            column=time_column,
            fix="name it 'time' or pass --time-col with its name",
        )
    if category_column and category_column not in gdf:
        raise InputError(
            "category column not found",
            path=path,
            column=category_column,
            fix=f"use one of {', '.join(columns)}",
        )
    ccol = category_column or find_column(columns, CATEGORY_NAMES)
    raw_time = gdf[tcol].astype("string")
    times, hour_known, ok_time = parse_times(raw_time, timezone)
    missing_time = raw_time.isna().to_numpy(dtype=bool)
    xy_fail = missing_xy | bad_xy
    dropped = {
        "missing_coordinates": int(missing_xy.sum()),
        "bad_coordinates": int(bad_xy.sum()),
        "missing_time": int((~xy_fail & missing_time).sum()),
        "bad_time": int((~xy_fail & ~missing_time & ~ok_time).sum()),
    }
    keep = ~xy_fail & ok_time
    if not keep.any():
        raise InputError(
            f"no row has both usable coordinates and a time (first time: {gdf[tcol].iloc[0]!r})",
            path=path,
            column=tcol,
            fix="write times as ISO 8601, e.g. 2025-03-30T23:15:00+02:00",
        )
    out = gdf.loc[keep].copy()
    out["time"] = times[keep]
    out["hour_known"] = np.asarray(hour_known)[keep]
    if ccol:
        category = out[ccol].astype("string").str.strip().fillna("unknown")
        out["category"] = category.mask(category == "", "unknown")
    else:
        out["category"] = "unknown"
    drop = [c for c in (tcol, ccol) if c and c not in ("time", "category")]
    out = out.drop(columns=drop)
    out.insert(0, "incident_id", np.arange(len(out), dtype=np.int64))
    return IncidentLoad(points=out.reset_index(drop=True), dropped=dropped)
