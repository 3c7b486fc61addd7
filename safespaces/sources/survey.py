"""Read perceived-safety inputs: respondent points, per-area survey results, audit points.

Three kinds of file, told apart by their columns (or named with ``kind``):

``respondents``
    One row per answer: ``lon``/``lat`` (or ``x``/``y`` with a declared CRS, or a
    point vector file), ``rating`` from 1 (very unsafe) to 5 (very safe), an
    optional ``period`` (``day`` / ``evening`` / ``night``) or a ``time`` (mapped
    to a period later, with the study's darkness), and optional respondent group
    columns (age band, gender ...) named by the caller. Respondent points never
    leave the tool (:mod:`safespaces.survey`).
``areas``
    Results as a city publishes them: an area id (``area_id``, ``name`` ...)
    matching the study's areas, or polygons, ``respondents``, and the share
    feeling unsafe overall (``share_unsafe``) and by period
    (``share_unsafe_day``, ``share_unsafe_evening``, ``share_unsafe_night``), as
    shares 0-1 or percentages 0-100.
``audit``
    Safety-audit points (Safetipin style) with the nine parameters
    :data:`AUDIT_PARAMETERS` on their 0-3 scales, and an optional ``time``.

Every error names the file, the row or column and the fix.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from safespaces.errors import InputError
from safespaces.sources.incidents import TIME_NAMES, read_times
from safespaces.sources.tabular import (
    CSV_SUFFIXES,
    LAT_NAMES,
    LON_NAMES,
    SEPARATOR_HINT,
    VECTOR_SUFFIXES,
    X_NAMES,
    Y_NAMES,
    Source,
    csv_points,
    find_column,
    frame_label,
    numeric,
    open_source,
    parse_crs,
)

SurveyKind = Literal["respondents", "areas", "audit"]
#: The kinds of survey file, in detection order.
SURVEY_KINDS: tuple[str, ...] = ("respondents", "areas", "audit")
#: The periods of the day a survey answer can refer to.
PERIODS: tuple[str, ...] = ("day", "evening", "night")
#: The nine Safetipin audit parameters, each on a 0-3 scale.
AUDIT_PARAMETERS: tuple[str, ...] = (
    "lighting",
    "openness",
    "visibility",
    "people",
    "security",
    "walk_path",
    "transport",
    "diversity",
    "feeling",
)
#: Names of the rating column (1 = very unsafe ... 5 = very safe).
RATING_NAMES = ("rating", "safety_rating", "feeling_safe", "safety", "turvallisuus", "score")
#: Names of the period column.
PERIOD_NAMES = ("period", "time_of_day", "vuorokaudenaika", "daypart")
#: Names of the respondents column of per-area results.
RESPONDENT_NAMES = ("respondents", "n", "n_respondents", "vastaajat", "count")
#: Names of the area id column of per-area results.
AREA_ID_NAMES = ("area_id", "area", "name", "nimi", "district", "id")
#: Names of the overall share-unsafe column of per-area results.
SHARE_NAMES = ("share_unsafe", "unsafe_share", "pct_unsafe", "percent_unsafe")
#: Spellings of each period (lower-cased).
PERIOD_WORDS: dict[str, str] = {
    "day": "day",
    "daytime": "day",
    "päivä": "day",
    "paiva": "day",
    "dag": "day",
    "evening": "evening",
    "ilta": "evening",
    "kväll": "evening",
    "kvall": "evening",
    "night": "night",
    "yö": "night",
    "yo": "night",
    "natt": "night",
}


@dataclasses.dataclass
class SurveyLoad:
    """A survey file read and checked.

    Attributes
    ----------
    kind
        ``respondents``, ``areas`` or ``audit``.
    frame
        ``respondents``: points with ``rating`` (1-5), ``period`` (a name of
        :data:`PERIODS` or ``unknown``), ``time`` (tz-aware or NaT) and the
        group columns; ``areas``: ``area_key`` (text) or polygons,
        ``respondents`` and ``share_unsafe[_<period>]`` (0-1, NaN where not
        given); ``audit``: points with the nine parameters and ``time``.
    groups
        The respondent group columns kept (respondents only).
    path
        The file (or a label for a frame given in code), for messages.
    synthetic
        The file says it is SYNTHETIC: a column ``synthetic`` whose every value
        is true (``1``, ``true``, ``yes``); outputs are then labelled SYNTHETIC.
    """

    kind: str
    frame: pd.DataFrame
    groups: tuple[str, ...] = ()
    path: Path = Path("survey")
    synthetic: bool = False


def detect_kind(columns: Sequence[str]) -> str | None:
    """The kind of survey file its columns suggest (None when none fits).

    Examples
    --------
    >>> detect_kind(["lon", "lat", "rating"])
    'respondents'
    >>> detect_kind(["area_id", "respondents", "share_unsafe"])
    'areas'
    >>> detect_kind(["lon", "lat", *AUDIT_PARAMETERS])
    'audit'
    """
    lower = {c.lower() for c in columns}
    if sum(p in lower for p in AUDIT_PARAMETERS) >= 5:
        return "audit"
    if find_column(columns, RESPONDENT_NAMES) and any(c.startswith("share_unsafe") for c in lower):
        return "areas"
    if find_column(columns, RATING_NAMES):
        return "respondents"
    return None


def read_survey(
    path: Source,
    *,
    kind: str | None = None,
    crs: str | CRS | None = None,
    timezone: str = "Europe/Helsinki",
    rating_column: str | None = None,
    period_column: str | None = None,
    group_columns: Sequence[str] = (),
) -> SurveyLoad:
    """Read a survey file of any kind (module docstring).

    Parameters
    ----------
    path
        A CSV, a vector file, or a frame given in code.
    kind
        ``respondents``, ``areas`` or ``audit``; None detects it
        (:func:`detect_kind`).
    crs
        CRS of ``x``/``y`` columns.
    timezone
        Zone of times without an offset.
    rating_column, period_column
        Override the detected columns of respondent files.
    group_columns
        Respondent group columns (equity tables only); each must exist.

    Raises
    ------
    InputError
        Unreadable file, unknown kind, missing column, or a bad value (naming
        its row and column).
    """
    given = path
    label = frame_label(given, "survey") if isinstance(given, pd.DataFrame) else Path(given)
    crs_obj = crs if isinstance(crs, CRS) else parse_crs(crs, label)
    if kind is not None and kind not in SURVEY_KINDS:
        raise InputError(
            f"unknown survey kind {kind!r}",
            path=label,
            fix=f"use --survey-kind with one of {', '.join(SURVEY_KINDS)}",
        )
    with open_source(given, CSV_SUFFIXES | VECTOR_SUFFIXES, "survey", crs=crs_obj) as opened:
        real, first_row = opened.path, opened.first_row
        table = opened.table if opened.table is not None else opened.layer
        assert table is not None
    columns = [str(c) for c in table.columns if c != getattr(table, "_geometry_column_name", None)]
    found = kind or detect_kind(columns)
    if found is None:
        raise InputError(
            f"cannot tell what kind of survey file this is (found: {', '.join(columns)})"
            + table.attrs.get(SEPARATOR_HINT, ""),
            path=real,
            fix="give respondent answers with a 'rating' column (1-5), per-area results with "
            "'respondents' and 'share_unsafe', or audit points with the nine audit "
            f"parameters ({', '.join(AUDIT_PARAMETERS)}); or name it with --survey-kind",
        )
    flag = find_column(columns, ("synthetic",))
    synthetic = flag is not None and bool(
        table[flag].astype("string").str.strip().str.lower().isin(["1", "true", "yes"]).all()
    )
    if found == "areas":
        return SurveyLoad("areas", _areas(table, real, first_row), (), real, synthetic)
    points = _points(table, real, crs_obj, first_row)
    times = _times(points, real, timezone, first_row)
    if found == "audit":
        audit = _audit(points, real, first_row).assign(time=times.to_numpy())
        return SurveyLoad("audit", audit, (), real, synthetic)
    load = _respondents(
        points, real, first_row, times, rating_column, period_column, tuple(group_columns)
    )
    load.synthetic = synthetic
    return load


def _points(table: pd.DataFrame, path: Path, crs: CRS | None, first_row: int) -> gpd.GeoDataFrame:
    if isinstance(table, gpd.GeoDataFrame):
        geoms = table.geometry
        bad = geoms.isna() | geoms.is_empty | (geoms.geom_type != "Point")
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                "not a point",
                path=path,
                row=i + first_row,
                fix="give one point per answer or audit (convert in QGIS if needed)",
            )
        return table
    has_coords = (
        find_column(table.columns, LON_NAMES) and find_column(table.columns, LAT_NAMES)
    ) or (find_column(table.columns, X_NAMES) and find_column(table.columns, Y_NAMES))
    if not has_coords:
        raise InputError(
            f"no coordinate columns (found: {', '.join(map(str, table.columns))})",
            path=path,
            fix="add 'lon' and 'lat' columns (degrees), or 'x' and 'y' with --crs",
        )
    return csv_points(table, path, crs=crs, first_row=first_row)


def _times(points: pd.DataFrame, path: Path, timezone: str, first_row: int) -> pd.Series:
    tcol = find_column(points.columns, TIME_NAMES)
    if tcol is None:
        return pd.Series(pd.NaT, index=points.index, dtype=f"datetime64[ns, {timezone}]")
    raw = points[tcol].astype("string")
    parsed = read_times(raw, timezone)
    stripped = raw.str.strip()
    given = (stripped.notna() & (stripped != "")).to_numpy(dtype=bool)
    bad = given & ~(parsed.ok & parsed.hour_known)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"cannot read {points[tcol].iloc[i]!r} as a time of day",
            path=path,
            column=tcol,
            row=i + first_row,
            fix="write times as ISO 8601 with the hour, e.g. 2025-11-20T21:30",
        )
    return parsed.times.where(given)


def _ints(
    frame: pd.DataFrame, column: str, path: Path, first_row: int, lo: int, hi: int, what: str
) -> np.ndarray:
    values = numeric(frame, column, path, first_row=first_row)
    bad = (values != np.round(values)) | (values < lo) | (values > hi)
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"{frame[column].iloc[i]!r} is not {what}",
            path=path,
            column=column,
            row=i + first_row,
            fix=f"give whole numbers from {lo} to {hi}",
        )
    return values.astype(np.int64)


def _respondents(
    points: gpd.GeoDataFrame,
    path: Path,
    first_row: int,
    times: pd.Series,
    rating_column: str | None,
    period_column: str | None,
    groups: tuple[str, ...],
) -> SurveyLoad:
    columns = [str(c) for c in points.columns if c != points.geometry.name]
    for name, what in ((rating_column, "rating"), (period_column, "period")):
        if name and name not in points:
            raise InputError(
                f"{what} column not found",
                path=path,
                column=name,
                fix=f"use one of {', '.join(columns)}",
            )
    rcol = rating_column or find_column(columns, RATING_NAMES)
    if rcol is None:
        raise InputError(
            f"no rating column (found: {', '.join(columns)})",
            path=path,
            fix="name it 'rating' (1 = very unsafe ... 5 = very safe) or pass --rating-col",
        )
    rating = _ints(points, rcol, path, first_row, 1, 5, "a rating from 1 (very unsafe) to 5")
    pcol = period_column or find_column(columns, PERIOD_NAMES)
    period = pd.Series("unknown", index=points.index, dtype=object)
    if pcol is not None:
        text = points[pcol].astype("string").str.strip().str.lower()
        mapped = text.map(PERIOD_WORDS)
        bad = text.notna() & (text != "") & mapped.isna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise InputError(
                f"unknown period {points[pcol].iloc[i]!r}",
                path=path,
                column=pcol,
                row=i + first_row,
                fix="write day, evening or night (or leave it empty and give a time)",
            )
        period = mapped.fillna("unknown").astype(object)
    for g in groups:
        if g not in points:
            raise InputError(
                "group column not found",
                path=path,
                column=g,
                fix=f"use one of {', '.join(columns)}",
            )
    out = gpd.GeoDataFrame(
        {
            "rating": rating,
            "period": period.to_numpy(dtype=object),
            "time": times.to_numpy(),
            **{
                f"group_{g}": points[g].astype("string").fillna("unknown").to_numpy()
                for g in groups
            },
        },
        geometry=points.geometry.to_numpy(),
        crs=points.crs,
    )
    out["time"] = times.to_numpy()
    return SurveyLoad("respondents", out, groups, path)


def _audit(points: gpd.GeoDataFrame, path: Path, first_row: int) -> gpd.GeoDataFrame:
    missing = [p for p in AUDIT_PARAMETERS if find_column(points.columns, (p,)) is None]
    if missing:
        raise InputError(
            f"audit parameters missing: {', '.join(missing)}",
            path=path,
            fix=f"give the nine audit parameters ({', '.join(AUDIT_PARAMETERS)}) on 0-3 scales",
        )
    data = {}
    for p in AUDIT_PARAMETERS:
        col = find_column(points.columns, (p,))
        assert col is not None
        data[p] = _ints(points, col, path, first_row, 0, 3, "an audit score from 0 to 3")
    return gpd.GeoDataFrame(data, geometry=points.geometry.to_numpy(), crs=points.crs)


def _areas(table: pd.DataFrame, path: Path, first_row: int) -> pd.DataFrame:
    columns = [str(c) for c in table.columns if c != getattr(table, "_geometry_column_name", None)]
    ncol = find_column(columns, RESPONDENT_NAMES)
    if ncol is None:
        raise InputError(
            f"no respondents column (found: {', '.join(columns)})",
            path=path,
            fix="name the number of respondents per area 'respondents'",
        )
    n = _ints(table, ncol, path, first_row, 0, 10**9, "a number of respondents")
    data: dict[str, object] = {"respondents": n}
    for suffix in ("", *(f"_{p}" for p in PERIODS)):
        col = find_column(columns, (f"share_unsafe{suffix}",))
        if col is None and suffix == "":
            col = find_column(columns, SHARE_NAMES)
        if col is None:
            data[f"share_unsafe{suffix}"] = np.full(len(table), np.nan)
            continue
        share = numeric(table, col, path, required=False, first_row=first_row)
        if np.nanmax(share, initial=0.0) > 1:
            share = share / 100.0  # percentages
        bad = (share < 0) | (share > 1)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"share {table[col].iloc[i]!r} is outside 0-1 (or 0-100 %)",
                path=path,
                column=col,
                row=i + first_row,
                fix="give the share feeling unsafe as 0-1 or as a percentage",
            )
        data[f"share_unsafe{suffix}"] = share
    if isinstance(table, gpd.GeoDataFrame):
        return gpd.GeoDataFrame(data, geometry=table.geometry.to_numpy(), crs=table.crs)
    key = find_column(columns, AREA_ID_NAMES)
    if key is None:
        raise InputError(
            f"no area id column (found: {', '.join(columns)})",
            path=path,
            fix="name the column of area ids 'area_id' (or 'name'), or give polygons",
        )
    data["area_key"] = table[key].astype("string").str.strip().to_numpy()
    out = pd.DataFrame(data)
    out.attrs["area_key_column"] = key
    return out


@dataclasses.dataclass(frozen=True)
class SurveyInput:
    """A survey file and how to read it (``--survey`` and its options).

    Attributes
    ----------
    path
        The file.
    kind
        ``respondents``, ``areas``, ``audit`` or None (detected).
    rating_column, period_column
        Override the detected columns.
    group_columns
        Respondent group columns for the equity table.
    crs
        CRS of ``x``/``y`` columns.
    """

    path: Path
    kind: str | None = None
    rating_column: str | None = None
    period_column: str | None = None
    group_columns: tuple[str, ...] = ()
    crs: str | None = None

    def read(self, timezone: str) -> SurveyLoad:
        """Read the file (:func:`read_survey`); times without an offset in ``timezone``."""
        return read_survey(
            self.path,
            kind=self.kind,
            crs=self.crs,
            timezone=timezone,
            rating_column=self.rating_column,
            period_column=self.period_column,
            group_columns=self.group_columns,
        )
