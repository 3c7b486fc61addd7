"""Read a city's lamp register (CSV or any vector file of points)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from safespaces.errors import InputError
from safespaces.sources.columns import ColumnRule
from safespaces.sources.tabular import (
    Source,
    frame_label,
    numeric,
    outside_box,
    parse_crs,
    read_table_or_points,
)

#: Recognised optional columns and their plausible ranges.
LAMP_COLUMNS: dict[str, tuple[float, float]] = {
    "height_m": (0.5, 40.0),  # mounting height; high-mast lighting rarely exceeds 40 m
    "intensity_cd": (0.0, 200_000.0),  # peak luminous intensity
    "lumen": (0.0, 500_000.0),  # luminous flux
}

#: Register lamps farther than this outside the study area are left out (and counted).
OUTSIDE_MARGIN_M = 1000.0

#: Columns the lamps layer owns: a register's own columns of these names are kept as
#: ``user_<name>`` (its unique ``lamp_id`` becomes ``lamp_ref``).
LAMP_RULE = ColumnRule(
    ours=(
        "source",
        "light_context",
        "light_height_m",
        "light_intensity_cd",
        "light_height_from",
        "light_intensity_from",
        "light_source_of_values",
    ),
    shared=(
        *LAMP_COLUMNS,
        "osm_id",
        "light_count",
        "lamp_mount",
        "support",
        "lamp_type",
        "light_colour",
        "luminaire",
    ),
    id_column="lamp_id",
    id_target="lamp_ref",
)


def read_lamp_register(
    path: Source,
    *,
    columns: Mapping[str, str] | None = None,
    crs: str | CRS | None = None,
    expected_lonlat: tuple[float, float, float, float] | None = None,
) -> gpd.GeoDataFrame:
    """Read a lamp register into the lamps schema with ``source='register'``.

    Parameters
    ----------
    path
        CSV with ``lon``/``lat`` (or ``x``/``y`` and ``crs``), or a point vector file;
        or a GeoDataFrame of points (any CRS), or a DataFrame with those columns.
    columns
        Maps the register's own column names onto ``height_m``, ``intensity_cd``,
        ``lumen``, ``lon``, ``lat``, ``x``, ``y`` (config ``sources.lamp_columns``).
    crs
        CRS of ``x``/``y`` columns, or of a vector file that declares none.
    expected_lonlat
        Study-area box in lon/lat: swapped coordinates are detected, and lamps
        more than :data:`OUTSIDE_MARGIN_M` outside it are left out (their number
        and the first row are in ``attrs["outside_study_area"]``); a register
        with no lamp near the study area is an error.

    Returns
    -------
    geopandas.GeoDataFrame
        Columns ``lamp_id`` (integer, 0..n-1), ``lamp_ref`` (the register's own
        ``lamp_id`` as text when it is unique and complete, else empty),
        ``source``, ``height_m``, ``intensity_cd``, ``lumen`` (NaN where not
        given), ``luminaire`` when given (a luminaire type, or the path of its
        ``.ldt`` / ``.ies`` photometry file, made absolute from the register's
        folder) and the register's other columns (renamed ``user_<name>`` where
        they would clash with ours; ``attrs["renamed_columns"]``).
    """
    given = path
    path = frame_label(given, "lamp register") if isinstance(given, pd.DataFrame) else Path(given)
    gdf, first_row = read_table_or_points(
        given,
        what="lamp register",
        crs=parse_crs(crs, path) if not isinstance(crs, CRS) else crs,
        expected_lonlat=expected_lonlat,
        rename={v: k for k, v in (columns or {}).items()} if columns else None,
        rule=LAMP_RULE,
    )
    for column, (low, high) in LAMP_COLUMNS.items():
        if column not in gdf:
            gdf[column] = np.nan
            continue
        values = numeric(gdf, column, path, required=False, first_row=first_row)
        bad = ~np.isnan(values) & ((values < low) | (values > high))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"{values[i]} is outside the plausible range {low}-{high}",
                path=path,
                column=column,
                row=i + first_row,
                fix="check the unit (metres, candela, lumen)",
            )
        gdf[column] = values
    if "luminaire" in gdf:
        gdf["luminaire"] = _photometry_paths(gdf["luminaire"], path, first_row)
    if "lamp_ref" not in gdf:
        gdf["lamp_ref"] = None
    gdf["lamp_ref"] = gdf["lamp_ref"].astype("string")
    if expected_lonlat is not None:
        gdf = _near_study(gdf, path, expected_lonlat, first_row)
    ref = gdf.pop("lamp_ref")
    gdf.insert(0, "source", "register")
    gdf.insert(0, "lamp_ref", ref)
    gdf.insert(0, "lamp_id", np.arange(len(gdf), dtype=np.int64))
    return gdf


def _photometry_paths(values: pd.Series, path: Path, first_row: int) -> pd.Series:
    """``luminaire`` values: a photometry file's path made absolute (relative to the
    register's folder) and checked to exist; luminaire type names unchanged."""
    text = values.astype("string").str.strip()
    text = text.where(text != "")
    is_file = text.str.lower().str.endswith((".ldt", ".ies")).fillna(False).astype(bool)
    out = [None if pd.isna(v) else str(v) for v in text.to_numpy(dtype=object)]
    for i in np.flatnonzero(is_file.to_numpy()):
        file = Path(str(text.iloc[i]))
        file = file if file.is_absolute() else path.parent / file
        if not file.is_file():
            raise InputError(
                f"photometry file {text.iloc[i]!r} not found (looked for {file})",
                path=path,
                column="luminaire",
                row=int(i) + first_row,
                fix="put the .ldt / .ies file beside the register or give its full path",
            )
        out[i] = str(file.resolve())
    return pd.Series(out, index=values.index, dtype=object)


def _near_study(
    gdf: gpd.GeoDataFrame,
    path: Path,
    box: tuple[float, float, float, float],
    first_row: int,
) -> gpd.GeoDataFrame:
    """Leave out lamps far outside the study area; refuse a register with none near it."""
    far = outside_box(gdf.geometry, box, OUTSIDE_MARGIN_M)
    if far.all():
        x, y = gdf.geometry.iloc[0].x, gdf.geometry.iloc[0].y
        raise InputError(
            f"no lamp lies within {OUTSIDE_MARGIN_M / 1000:g} km of the study area (the first "
            f"is at {x:.6g}, {y:.6g})",
            path=path,
            fix="check the coordinate columns and the CRS (--crs), or give an OpenStreetMap "
            "extract that covers the register",
        )
    if not far.any():
        return gdf
    attrs = dict(gdf.attrs)
    out = gdf.loc[~far].reset_index(drop=True)
    out.attrs = attrs
    out.attrs["outside_study_area"] = {
        "count": int(far.sum()),
        "first_row": int(np.flatnonzero(far)[0]) + first_row,
        "margin_m": OUTSIDE_MARGIN_M,
    }
    return out
