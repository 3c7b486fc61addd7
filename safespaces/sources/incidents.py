"""Read incident points (reports with a time and a category)."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from safespaces.errors import CRSError, InputError
from safespaces.sources.columns import ColumnRule, own_columns
from safespaces.sources.tabular import (
    CSV_SUFFIXES,
    LAT_NAMES,
    LON_NAMES,
    SEPARATOR_HINT,
    VECTOR_SUFFIXES,
    X_NAMES,
    Y_NAMES,
    Source,
    check_lonlat,
    find_column,
    frame_label,
    open_source,
    parse_crs,
)

TIME_NAMES = (
    "time",
    "timestamp",
    "occurred_at",
    "occurred_on",
    "datetime",
    "date_time",
    "incident_datetime",
    "date",
    "incident_date",
    "aika",
    "month",  # police.uk: YYYY-MM
)
CATEGORY_NAMES = (
    "category",
    "type",
    "kind",
    "class",
    "luokka",
    "crime type",  # police.uk
    "crime_type",
    "offense_category",
    "incident_category",
    "offense",
    "offence",
)


@dataclasses.dataclass
class IncidentLoad:
    """Incidents read from a file, and what was dropped.

    Attributes
    ----------
    points
        Columns ``incident_id`` (integer), ``incident_ref`` (the file's own
        ``incident_id`` as text when unique and complete), the file's other
        columns (``user_<name>`` where they would clash with ours), ``time``
        (tz-aware), ``time_precision`` (:data:`PRECISIONS`), ``hour_known``
        (bool) and ``category``.
    dropped
        Rows dropped, by reason (:data:`DROP_REASONS`).
    """

    points: gpd.GeoDataFrame
    dropped: Mapping[str, int]


#: Time precisions, coarsest first. A value without a time of day (``day``,
#: ``month``, ``year``) has an unknown hour: it is never placed in a light window.
PRECISIONS: tuple[str, ...] = ("year", "month", "day", "hour", "minute", "second")
#: Precisions with a known hour.
HOUR_KNOWN: tuple[str, ...] = ("hour", "minute", "second")
#: Years accepted in incident times (older or later values are refused as typos).
YEARS = (1900, 2100)

_DATE = (
    r"(?P<y>\d{4})(?:"
    r"(?P<m1>\d{2})(?P<d1>\d{2})?"  # 20250330, 202503
    r"|(?P<sep>[-/.])(?P<m2>\d{1,2})(?:(?P=sep)(?P<d2>\d{1,2}))?"  # 2025-03-30, 2025-03
    r")?"
)
_CLOCK = r"(?:[T ](?P<H>\d{1,2})(?::?(?P<M>\d{2})(?::?(?P<S>\d{2})(?:[.,](?P<f>\d+))?)?)?)?"
_ZONE = r"\s*(?P<z>Z|[+-]\d{2}(?::?\d{2})?)?"
_TIME_RE = _DATE + _CLOCK + _ZONE
_TIME_PATTERN = re.compile(f"{_TIME_RE}$")
#: ISO 8601 as most exports write it: no ambiguity, so one regex pass is fast.
_STANDARD = (
    r"\d{4}(?:-\d{2}(?:-\d{2}(?:[T ]\d{2}(?::\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?)?)?)?"
)
_ZONE_END = r"(?:Z|[+-]\d{2}:?\d{2})$"


@dataclasses.dataclass
class ParsedTimes:
    """Times parsed with their precision (aligned to the input values).

    Attributes
    ----------
    times
        Tz-aware times (NaT where not usable). A value without a time of day is
        kept at 00:00 local time on its first day (``2025-03`` -> 1 March).
    precision
        ``year``, ``month``, ``day``, ``hour``, ``minute`` or ``second`` (None
        where not usable).
    ok
        Parsed and within :data:`YEARS`.
    out_of_range
        Read, but the year is outside :data:`YEARS`.
    """

    times: pd.Series
    precision: np.ndarray
    ok: np.ndarray
    out_of_range: np.ndarray

    @property
    def hour_known(self) -> np.ndarray:
        """True where the value gives a time of day."""
        return np.isin(self.precision, HOUR_KNOWN)


def read_times(values: pd.Series, timezone: str) -> ParsedTimes:
    """Parse ISO-8601-like timestamps with their real precision.

    Accepted: ``2025-03-30T23:15:00`` (``T`` or a space; seconds and fractions
    optional), with an offset (``Z``, ``+02:00``) or without (local time in
    ``timezone``: nonexistent times at the spring daylight-saving change are
    shifted forward, ambiguous autumn times take the first occurrence); a date
    ``2025-03-30`` or ``20250330`` (also with ``/`` or ``.``); a month
    ``2025-03`` (police.uk's ``Month``) or ``202503``; a year ``2025``. Only a
    value with a time of day has a known hour. Years outside :data:`YEARS`
    (1650, 2150: typos, and outside what pandas can hold at nanoseconds) are
    not parsed and are flagged ``out_of_range``.
    """
    text = values.astype("string").str.strip()
    codes, uniques = pd.factorize(text)  # parse each distinct text once (NA: code -1)
    u = pd.Series(np.asarray(uniques, dtype=object), dtype=object)
    n = len(u)
    stamp = u.to_numpy(dtype=object).copy()  # the text given to pandas
    level = np.full(n, -1, dtype=np.int8)  # index into PRECISIONS; -1: not a time
    # Fast path, vectorised: ISO 8601 as most exports write it (2025-03-30T23:15:00+02:00).
    std = u.str.fullmatch(_STANDARD).to_numpy(dtype=bool)
    core = u.str.replace(_ZONE_END, "", regex=True)
    aware = std & (core.str.len() != u.str.len()).to_numpy(dtype=bool)
    size = core.str.len().to_numpy(dtype=np.int64)
    level[std] = np.select(
        [size == 4, size == 7, size == 10, size == 13, size == 16], [0, 1, 2, 3, 4], 5
    )[std]
    stamp[std & (level == 0)] = u[std & (level == 0)] + "-01-01"
    stamp[std & (level == 1)] = u[std & (level == 1)] + "-01"
    # Other spellings (20250330, 2025/03/30, 2025-3-5, +02), value by value.
    match = _TIME_PATTERN.match
    for i in np.flatnonzero(~std).tolist():
        m = match(str(u.iat[i]))
        if m is None:
            continue
        g = m.groupdict()
        month, day = g["m1"] or g["m2"], g["d1"] or g["d2"]
        if g["H"] is not None and day is None:  # a time of day needs a whole date
            continue
        level[i] = (
            5 if g["S"] else 4 if g["M"] else 3 if g["H"] else 2 if day else 1 if month else 0
        )
        z = g["z"] or ""
        stamp[i] = (
            f"{g['y']}-{(month or '1').zfill(2)}-{(day or '1').zfill(2)}"
            f"T{(g['H'] or '0').zfill(2)}:{g['M'] or '00'}:{g['S'] or '00'}"
            + (f".{g['f']}" if g["f"] else "")
            + (z + ":00" if len(z) == 3 else z)  # "+02" -> "+02:00"
        )
        aware[i] = bool(z)
    matched = level >= 0
    year = pd.to_numeric(u.str.slice(0, 4), errors="coerce").to_numpy(dtype=float)
    in_years = (year >= YEARS[0]) & (year <= YEARS[1])
    usable = matched & in_years
    # UTC instants per distinct text (nanoseconds; NaT where unusable)
    utc = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    if (usable & aware).any():
        got = pd.to_datetime(
            pd.Series(stamp[usable & aware], dtype=object),
            errors="coerce",
            utc=True,
            format="ISO8601",
        )
        utc[usable & aware] = got.dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    naive = usable & ~aware
    if naive.any():
        got = pd.to_datetime(
            pd.Series(stamp[naive], dtype=object), errors="coerce", format="ISO8601"
        ).dt.tz_localize(
            timezone, nonexistent="shift_forward", ambiguous=np.ones(int(naive.sum()), dtype=bool)
        )
        utc[naive] = got.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy(dtype="datetime64[ns]")
    ok_u = ~np.isnat(utc)
    has = codes >= 0
    take = np.where(has, codes, 0)
    instants = utc[take]
    instants[~has] = np.datetime64("NaT")
    times = pd.Series(pd.DatetimeIndex(instants).tz_localize("UTC").tz_convert(timezone))
    times.index = values.index
    ok = has & ok_u[take]
    names = np.array([*PRECISIONS, None], dtype=object)
    precision = names[level[take]]
    precision[~ok] = None
    out_of_range = has & (matched & ~in_years)[take]
    return ParsedTimes(times, precision, ok, out_of_range)


def parse_times(values: pd.Series, timezone: str) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """Parse timestamps (:func:`read_times`): times, whether the hour is known, which parsed."""
    parsed = read_times(values, timezone)
    return parsed.times, parsed.hour_known, parsed.ok


DROP_REASONS: tuple[str, ...] = (
    "missing_coordinates",
    "bad_coordinates",
    "missing_time",
    "bad_time",
    "time_out_of_range",
)

#: Columns of the incident points that are ours: a file's own columns of these names
#: are kept as ``user_<name>``; a unique ``incident_id`` becomes ``incident_ref``.
INCIDENT_RULE = ColumnRule(
    ours=(
        "time",
        "time_precision",
        "hour_known",
        "category",
        "area_id",
        "segment_id",
        "snap_distance_m",
        "window_light",
        "window_week",
        "window_month",
    ),
    id_column="incident_id",
    id_target="incident_ref",
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
                f"no coordinate columns (found: {', '.join(map(str, frame.columns))})"
                + frame.attrs.get(SEPARATOR_HINT, ""),
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
    gdf.attrs[SEPARATOR_HINT] = frame.attrs.get(SEPARATOR_HINT, "")
    return gdf, missing, bad


def _vector(gdf: gpd.GeoDataFrame, path: Path) -> tuple[gpd.GeoDataFrame, np.ndarray, np.ndarray]:
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
    path: Source,
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
    ``time``/``timestamp``/``occurred_at``/``datetime`` ... ``month``, the
    category among ``category``/``type`` ... ``crime type``; ``time_column`` and
    ``category_column`` override them. Times are parsed by :func:`read_times`
    with their precision: a date, month or year without a time of day keeps an
    unknown hour (``hour_known`` False), and a year outside 1900-2100 is
    refused (dropped and counted as ``time_out_of_range`` with ``drop_invalid``).
    The file's own columns are kept apart from ours
    (:func:`safespaces.sources.columns.own_columns`).

    Parameters
    ----------
    path
        A CSV, a point vector file, or a frame given in code: a GeoDataFrame of
        points (any CRS), or a DataFrame with ``lon``/``lat`` (or ``x``/``y`` and
        ``crs``). A date-time column of a frame is read with its precision to the
        second (a time at midnight keeps its hour).
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
        ``points`` (``incident_id``, ``incident_ref``, other columns, ``time``,
        ``time_precision``, ``hour_known``, ``category``) and ``dropped`` counts for every reason in
        :data:`DROP_REASONS` (a row is counted once, coordinates first).

    Raises
    ------
    InputError
        Unreadable file, no coordinate or time column, not a single usable row,
        or (without ``drop_invalid``) any unusable row.
    """
    given = path
    path = frame_label(given, "incident") if isinstance(given, pd.DataFrame) else Path(given)
    crs_obj = crs if isinstance(crs, CRS) else parse_crs(crs, path)
    with open_source(given, CSV_SUFFIXES | VECTOR_SUFFIXES, "incident", crs=crs_obj) as opened:
        real, first_row = opened.path, opened.first_row
        if opened.table is not None:
            gdf, missing_xy, bad_xy = _coordinates(opened.table, real, crs_obj)
        else:
            assert opened.layer is not None
            gdf, missing_xy, bad_xy = _vector(opened.layer, real)
    columns = [str(c) for c in gdf.columns if c != gdf.geometry.name]
    tcol = time_column or find_column(columns, TIME_NAMES)
    if tcol is None or tcol not in gdf:
        raise InputError(
            f"no time column (found: {', '.join(columns)})" + gdf.attrs.get(SEPARATOR_HINT, ""),
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
    parsed = read_times(raw_time, timezone)
    ok_time = parsed.ok
    missing_time = raw_time.str.strip().replace("", pd.NA).isna().to_numpy(dtype=bool)
    xy_fail = missing_xy | bad_xy
    time_fail = ~xy_fail & ~missing_time & ~ok_time
    dropped = {
        "missing_coordinates": int(missing_xy.sum()),
        "bad_coordinates": int(bad_xy.sum()),
        "missing_time": int((~xy_fail & missing_time).sum()),
        "bad_time": int((time_fail & ~parsed.out_of_range).sum()),
        "time_out_of_range": int((time_fail & parsed.out_of_range).sum()),
    }
    keep = ~xy_fail & ok_time
    if not drop_invalid and not keep.all():
        i = int(np.flatnonzero(~keep)[0])
        what = (
            (xcol_name(gdf), "missing or invalid coordinates")
            if xy_fail[i]
            else (
                tcol,
                f"the year of {gdf[tcol].iloc[i]!r} is outside {YEARS[0]}-{YEARS[1]}"
                if parsed.out_of_range[i]
                else f"cannot read {gdf[tcol].iloc[i]!r} as a time",
            )
        )
        if keep.any():
            raise InputError(
                what[1],
                path=path,
                column=what[0],
                row=i + first_row,
                fix="write times as ISO 8601, e.g. 2025-03-30T23:15:00, between "
                f"{YEARS[0]} and {YEARS[1]}, and coordinates as plain numbers",
            )
    if not keep.any():
        raise InputError(
            f"no row has both usable coordinates and a time (first time: {gdf[tcol].iloc[0]!r}"
            + (f"; times must fall in {YEARS[0]}-{YEARS[1]}" if parsed.out_of_range.any() else "")
            + ")",
            path=path,
            column=tcol,
            fix="write times as ISO 8601, e.g. 2025-03-30T23:15:00+02:00",
        )
    out = gdf.loc[keep].drop(columns=[c for c in (tcol, ccol) if c])
    category = (
        gdf.loc[keep, ccol].astype("string").str.strip().fillna("unknown")
        if ccol
        else pd.Series("unknown", index=out.index, dtype="string")
    )
    if expected_lonlat is not None and out.crs is not None and out.crs.is_geographic:
        xy = np.column_stack([out.geometry.x, out.geometry.y])
        check_lonlat(xy[:, 0], xy[:, 1], "lon", "lat", path, expected_lonlat, first_row=first_row)
    out = own_columns(out, INCIDENT_RULE)
    if "incident_ref" not in out:
        out["incident_ref"] = pd.Series(pd.NA, index=out.index, dtype="string")
    ref = out.pop("incident_ref")
    out["time"] = parsed.times[keep]
    out["time_precision"] = parsed.precision[keep]
    out["hour_known"] = parsed.hour_known[keep]
    out["category"] = category.mask(category == "", "unknown")
    out.insert(0, "incident_ref", ref)
    out.insert(0, "incident_id", np.arange(len(out), dtype=np.int64))
    return IncidentLoad(points=out.reset_index(drop=True), dropped=dropped)


def xcol_name(gdf: gpd.GeoDataFrame) -> str | None:
    """The coordinate column named in messages (None for vector files)."""
    return gdf.attrs.get("coordinate_columns")
