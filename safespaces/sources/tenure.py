"""Read housing tenure: dwellings by tenure category, per building or per area.

Two layouts are accepted, each as points, polygons or a CSV with coordinates:

- **wide**: one count column per category (``tenure_ara_rental``, or the user's
  own column names mapped by config ``sources.tenure_codes``);
- **long**: one row per building (or area) and category, with a ``tenure``
  column holding the category code and a ``dwellings`` count.

Categories are configuration (``sources.tenure_categories``); the user's codes
are mapped onto them by ``sources.tenure_codes``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from safespaces.errors import InputError
from safespaces.sources.columns import ColumnRule, own_columns, record, renamed_columns
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
from safespaces.sources.vector import check_geometries

TENURE_PREFIX = "tenure_"


def read_tenure(
    path: Source,
    *,
    categories: Mapping[str, str],
    codes: Mapping[str, str] | None = None,
    crs: str | CRS | None = None,
    expected_lonlat: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Read tenure counts into ``tenure_<category>`` columns and ``dwellings``.

    Parameters
    ----------
    path
        A CSV with coordinates, a vector file of points or polygons, or a frame
        given in code (a GeoDataFrame in any CRS, or a DataFrame with ``lon``/``lat``).
    categories
        The taxonomy: category code -> label.
    codes
        The user's codes or column names -> category code.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per feature (building or area) with ``tenure_<code>`` counts for
        every category, ``dwellings`` (their sum), ``tenure_level`` (``building``
        for points, ``area`` for polygons) and the file's other columns. A
        ``new_production`` column, where present, is kept as boolean.

    Raises
    ------
    InputError
        No recognisable count column, an unknown category code, a negative or
        non-numeric count (the row is named).
    """
    given = path
    path = frame_label(given, "tenure") if isinstance(given, pd.DataFrame) else Path(given)
    code_map = {str(k): str(v) for k, v in (codes or {}).items()}
    crs_obj = parse_crs(crs, path) if not isinstance(crs, CRS) else crs
    cats = list(categories)
    hint = ""
    with open_source(given, CSV_SUFFIXES | VECTOR_SUFFIXES, "tenure", crs=crs_obj) as opened:
        real, first_row = opened.path, opened.first_row
        if opened.table is not None:
            frame = opened.table
            hint = frame.attrs.get(SEPARATOR_HINT, "")
            coords = [
                c
                for names in (LON_NAMES, LAT_NAMES, X_NAMES, Y_NAMES)
                if (c := find_column(frame.columns, names)) is not None
            ]
            frame = own_columns(frame, tenure_rule(frame.columns, cats, code_map), keep=coords)
            renames = renamed_columns(frame)
            gdf = csv_points(
                frame, real, crs=crs_obj, expected_lonlat=expected_lonlat, first_row=first_row
            )
            record(gdf, renames)
        else:
            assert opened.layer is not None
            gdf = opened.layer
            first = gdf.geometry.geom_type.dropna()
            kind = "point" if len(first) and first.iloc[0] == "Point" else "polygon"
            gdf = check_geometries(gdf, real, kind)
            gdf = own_columns(gdf, tenure_rule(gdf.columns, cats, code_map))
    if "osm_building_id" in gdf:
        gdf["osm_building_id"] = _osm_ids(gdf, "osm_building_id", path, first_row)
    lower = {c.lower(): c for c in gdf.columns}
    if "tenure" in lower and "dwellings" in lower:
        gdf = _long_to_wide(
            gdf, lower["tenure"], lower["dwellings"], cats, code_map, path, first_row
        )
    else:
        found: dict[str, str] = {}
        for column in gdf.columns:
            name = code_map.get(str(column), str(column))
            code = name[len(TENURE_PREFIX) :] if name.startswith(TENURE_PREFIX) else name
            if code in cats and column != gdf.geometry.name:
                found[str(column)] = code
        if not found:
            raise InputError(
                "no tenure count columns found" + hint,
                path=path,
                fix=f"name count columns tenure_<code> for codes {', '.join(cats)}, map your own "
                "names with [sources] tenure_codes, or give 'tenure' and 'dwellings' columns",
            )
        for column, code in found.items():
            gdf[TENURE_PREFIX + code] = _counts(gdf, column, path, first_row)
            if column != TENURE_PREFIX + code:
                gdf = gdf.drop(columns=[column])
    for code in cats:
        if TENURE_PREFIX + code not in gdf:
            gdf[TENURE_PREFIX + code] = 0.0
    gdf["dwellings"] = gdf[[TENURE_PREFIX + c for c in cats]].sum(axis=1)
    types = set(gdf.geometry.geom_type)
    gdf["tenure_level"] = "building" if types <= {"Point"} else "area"
    if "new_production" in gdf:
        gdf["new_production"] = (
            gdf["new_production"].astype("string").str.lower().isin(["1", "true", "yes"])
        )
    return gdf


#: Most dwellings one feature (a building, or an area) may hold: more than any
#: city's whole stock, so a larger count is a unit or typing error.
MAX_DWELLINGS = 10_000_000


def tenure_rule(
    columns: Iterable[object], cats: list[str], code_map: Mapping[str, str]
) -> ColumnRule:
    """The tenure loader's names: ``tenure_level`` is ours, and ``dwellings`` too in the
    wide layout (in the long layout ``tenure`` and ``dwellings`` are read)."""
    lower = {str(c).casefold() for c in columns}
    long = "tenure" in lower and "dwellings" in lower
    return ColumnRule(
        ours=("tenure_level",) if long else ("tenure_level", "dwellings"),
        shared=(
            "osm_building_id",
            "new_production",
            *(TENURE_PREFIX + c for c in cats),
            *code_map,
            *(("tenure", "dwellings") if long else ()),
        ),
    )


def _osm_ids(frame: pd.DataFrame, column: str, path: Path, first_row: int) -> pd.Series:
    """OSM building ids as integers: ``4253124``, ``4253124.0`` (a spreadsheet's float)
    and ``way/4253124`` are the same id; a missing id stays missing."""
    text = frame[column].astype("string").str.strip()
    text = text.str.replace(r"^(?:way|w)\s*/?\s*", "", regex=True, case=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = text.notna().to_numpy() & ~(
        np.isfinite(values) & (values == np.round(values)) & (values > 0) & (values < 2.0**53)
    )
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"'{frame[column].iloc[i]}' is not an OpenStreetMap building id",
            path=path,
            column=column,
            row=i + first_row,
            fix="give the building's way id as a whole number (e.g. 4253124), or leave it empty",
        )
    return pd.Series(pd.array(values, dtype="Float64"), index=frame.index).astype("Int64")


def _counts(frame: pd.DataFrame, column: str, path: Path, first_row: int = 2) -> np.ndarray:
    values = numeric(frame, column, path, required=False, first_row=first_row)
    values = np.nan_to_num(values, nan=0.0)
    if (values < 0).any():
        i = int(np.flatnonzero(values < 0)[0])
        raise InputError(
            f"negative count {values[i]}",
            path=path,
            column=column,
            row=i + first_row,
            fix="counts of dwellings must be 0 or more",
        )
    if (values > MAX_DWELLINGS).any():
        i = int(np.flatnonzero(values > MAX_DWELLINGS)[0])
        raise InputError(
            f"{values[i]:g} dwellings is implausible (above {MAX_DWELLINGS:,} for one feature)",
            path=path,
            column=column,
            row=i + first_row,
            fix="check the value and its unit (a count of dwellings)",
        )
    return values


def _long_to_wide(
    gdf: gpd.GeoDataFrame,
    tenure_col: str,
    count_col: str,
    cats: list[str],
    code_map: Mapping[str, str],
    path: Path,
    first_row: int = 2,
) -> gpd.GeoDataFrame:
    codes = gdf[tenure_col].astype("string").map(lambda c: code_map.get(c, c))
    unknown = ~codes.isin(cats)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise InputError(
            f"unknown tenure code {gdf[tenure_col].iloc[i]!r}",
            path=path,
            column=tenure_col,
            row=i + first_row,
            fix=f"use one of {', '.join(cats)} or map it in [sources] tenure_codes",
        )
    counts = _counts(gdf, count_col, path, first_row)
    keys = gdf.geometry.to_wkb()
    wide = (
        pd.DataFrame({"key": keys, "code": codes.to_numpy(), "n": counts})
        .pivot_table(index="key", columns="code", values="n", aggfunc="sum", fill_value=0.0)
        .rename(columns=lambda c: TENURE_PREFIX + str(c))
    )
    first = gdf.loc[~keys.duplicated()].drop(columns=[tenure_col, count_col])
    wide = wide.reindex(keys[~keys.duplicated()].to_numpy())
    for column in wide.columns:
        first[column] = wide[column].to_numpy()
    return first.reset_index(drop=True)
