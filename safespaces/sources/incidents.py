"""Read incident points (reports with a time and a category)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from safespaces.errors import InputError
from safespaces.sources.tabular import find_column, parse_crs, read_table_or_points

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
        Rows dropped, by reason (``bad_time``, ``missing_time``).
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

    Common column names are detected (``lon``/``longitude``, ``lat``/``latitude``,
    ``x``/``y``, ``time``/``timestamp``/``occurred_at``/``datetime``,
    ``category``); ``time_column`` and ``category_column`` override them.

    Parameters
    ----------
    drop_invalid
        Drop rows with a missing or unparseable time and count them (the
        incident analysis does this); otherwise the first such row is an error.

    Raises
    ------
    InputError
        No time column, no valid time at all, or (without ``drop_invalid``) a
        row with an unparseable time.
    """
    path = Path(path)
    gdf = read_table_or_points(
        path,
        what="incident",
        crs=parse_crs(crs, path) if not isinstance(crs, CRS) else crs,
        expected_lonlat=expected_lonlat,
    )
    columns = [c for c in gdf.columns if c != gdf.geometry.name]
    tcol = time_column or find_column(columns, TIME_NAMES)
    if tcol is None or tcol not in gdf:
        raise InputError(
            f"no time column (found: {', '.join(map(str, columns))})",
            path=path,
            column=time_column,
            fix="name it 'time' or pass --time-col with its name",
        )
    ccol = category_column or find_column(columns, CATEGORY_NAMES)
    if category_column and category_column not in gdf:
        raise InputError(
            "category column not found",
            path=path,
            column=category_column,
            fix=f"use one of {', '.join(map(str, columns))}",
        )
    times, hour_known, ok = parse_times(gdf[tcol], timezone)
    missing = gdf[tcol].isna().to_numpy()
    if not ok.any():
        raise InputError(
            f"no value could be read as a time (first: {gdf[tcol].iloc[0]!r})",
            path=path,
            column=tcol,
            fix="write times as ISO 8601, e.g. 2025-03-30T23:15:00 or 2025-03-30T23:15:00+02:00",
        )
    if not drop_invalid and not ok.all():
        i = int(np.flatnonzero(~ok)[0])
        raise InputError(
            f"cannot read {gdf[tcol].iloc[i]!r} as a time",
            path=path,
            column=tcol,
            row=i + 2,
            fix="write times as ISO 8601, e.g. 2025-03-30T23:15:00",
        )
    dropped = {"missing_time": int(missing.sum()), "bad_time": int((~ok & ~missing).sum())}
    out = gdf.loc[ok].copy()
    out["time"] = times[ok]
    out["hour_known"] = hour_known[ok]
    out["category"] = out[ccol].astype("string").fillna("unknown") if ccol else "unknown"
    if tcol != "time":
        out = out.drop(columns=[tcol])
    if ccol and ccol != "category":
        out = out.drop(columns=[ccol])
    out.insert(0, "incident_id", np.arange(len(out), dtype=np.int64))
    return IncidentLoad(points=out.reset_index(drop=True), dropped=dropped)
