"""Read incident points (reports with a time and a category)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from safespaces.errors import CRSError, InputError
from safespaces.sources.tabular import (
    CSV_SUFFIXES,
    LAT_NAMES,
    LON_NAMES,
    VECTOR_SUFFIXES,
    X_NAMES,
    Y_NAMES,
    _check_lonlat,
    find_column,
    input_file,
    open_vector,
    parse_crs,
    read_csv,
)

TIME_NAMES = ("time", "timestamp", "occurred_at", "datetime", "date_time", "date", "aika")
CATEGORY_NAMES = ("category", "type", "kind", "class", "luokka")


@dataclasses.dataclass
class IncidentLoad:
    """Incidents read from a file, and what was dropped.

    Attributes
    ----------
    points
        Columns ``incident_id``, ``time`` (tz-aware), ``hour_known`` (bool),
        ``category`` and the file's other columns.
    dropped
        Rows dropped, by reason (:data:`DROP_REASONS`).
    """

    points: gpd.GeoDataFrame
    dropped: Mapping[str, int]


def parse_times(values: pd.Series, timezone: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse ISO-8601-like timestamps into tz-aware times.

    A value with an offset keeps it (then converted to ``timezone``); a value
    without one is local time in ``timezone`` (nonexistent times at the spring
    daylight-saving change are shifted forward, ambiguous autumn times take the
    first occurrence). A date without a time of day is kept at 00:00 with
    ``hour_known`` False.

    Returns
    -------
    times, hour_known, ok
        Parsed times (NaT where unparseable), whether the hour was given, and
        which rows parsed.
    """
    text = values.astype("string").str.strip()
    date_only = text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").fillna(False).to_numpy(dtype=bool)
    has_offset = text.str.contains(r"(?:Z|[+-]\d{2}:?\d{2})$", regex=True).fillna(False)
    out = pd.Series(pd.NaT, index=values.index, dtype=f"datetime64[ns, {timezone}]")
    aware = has_offset.to_numpy(dtype=bool)
    if aware.any():
        parsed = pd.to_datetime(text[aware], errors="coerce", utc=True, format="ISO8601")
        out[aware] = parsed.dt.tz_convert(timezone)
    naive = ~aware
    if naive.any():
        parsed = pd.to_datetime(text[naive], errors="coerce", format="ISO8601")
        out[naive] = parsed.dt.tz_localize(
            timezone, nonexistent="shift_forward", ambiguous=np.ones(int(naive.sum()), dtype=bool)
        )
    ok = out.notna().to_numpy()
    return out, ~date_only, ok


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
        values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
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
    gdf.attrs["coordinate_columns"] = f"{xcol}/{ycol}"
    return gdf, missing, bad


def _vector(path: Path, crs: CRS | None) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
    gdf = open_vector(path, crs=crs)
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


def read_incidents(
    path: str | Path,
    *,
    time_column: str | None = None,
    category_column: str | None = None,
    timezone: str = "Europe/Helsinki",
    crs: str | CRS | None = None,
    expected_lonlat: tuple[float, float, float, float] | None = None,
    drop_invalid: bool = False,
) -> IncidentLoad:
    """Read incident points from a CSV or a point vector file.

    Coordinates come from ``lon``/``lat`` columns (also ``longitude``,
    ``latitude`` ...; detected without flags), ``x``/``y`` with a declared
    ``crs``, or a point vector file. The time column is detected among
    ``time``/``timestamp``/``occurred_at``/``datetime`` ..., the category among
    ``category``/``type`` ...; ``time_column`` and ``category_column`` override
    them. Times are parsed by :func:`parse_times`: a date without a time of day
    is kept with ``hour_known`` False.

    Parameters
    ----------
    expected_lonlat
        Study-area box in lon/lat, to detect swapped coordinates.
    drop_invalid
        Drop rows with missing or invalid coordinates or times and count them by
        reason (the incident analysis and ``run`` do this, so that a few bad
        rows in a police export do not stop the work); otherwise the first such
        row is an error naming it.

    Returns
    -------
    IncidentLoad
        ``points`` (``incident_id``, ``time``, ``hour_known``, ``category``,
        other columns) and ``dropped`` counts for every reason in
        :data:`DROP_REASONS` (a row is counted once, coordinates first).

    Raises
    ------
    InputError
        Unreadable file, no coordinate or time column, not a single usable row,
        or (without ``drop_invalid``) any unusable row.
    """
    path = Path(path)
    crs_obj = crs if isinstance(crs, CRS) else parse_crs(crs, path)
    with input_file(path, CSV_SUFFIXES | VECTOR_SUFFIXES, "incident") as real:
        if real.suffix.lower() in CSV_SUFFIXES:
            gdf, missing_xy, bad_xy = _coordinates(read_csv(real), real, crs_obj)
        else:
            gdf, missing_xy, bad_xy = _vector(real, crs_obj)
        first_row = 2 if real.suffix.lower() in CSV_SUFFIXES else 1
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
    if not drop_invalid and not keep.all():
        i = int(np.flatnonzero(~keep)[0])
        what = (
            (xcol_name(gdf), "missing or invalid coordinates")
            if xy_fail[i]
            else (tcol, f"cannot read {gdf[tcol].iloc[i]!r} as a time")
        )
        if keep.any():
            raise InputError(
                what[1],
                path=path,
                column=what[0],
                row=i + first_row,
                fix="write times as ISO 8601, e.g. 2025-03-30T23:15:00, and coordinates as "
                "plain numbers",
            )
    if not keep.any():
        raise InputError(
            f"no row has both usable coordinates and a time (first time: {gdf[tcol].iloc[0]!r})",
            path=path,
            column=tcol,
            fix="write times as ISO 8601, e.g. 2025-03-30T23:15:00+02:00",
        )
    out = gdf.loc[keep].copy()
    if expected_lonlat is not None and out.crs is not None and out.crs.is_geographic:
        xy = np.column_stack([out.geometry.x, out.geometry.y])
        _check_lonlat(xy[:, 0], xy[:, 1], "lon", "lat", path, expected_lonlat)
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


def xcol_name(gdf: gpd.GeoDataFrame) -> str | None:
    """The coordinate column named in messages (None for vector files)."""
    return gdf.attrs.get("coordinate_columns")
