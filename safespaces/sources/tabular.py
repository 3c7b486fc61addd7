"""Read user tables (CSV) and point files, with clear errors.

Shared by the lamp-register, incident, tenure and area loaders: it checks the
input path (and extracts a zip), finds the coordinate columns of a CSV and
checks their values. Vector files are read by :mod:`safespaces.sources.vector`.
Every error names the file, the row or column and the fix.
"""

from __future__ import annotations

import contextlib
import csv
import dataclasses
import io
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from safespaces.errors import CRSError, InputError
from safespaces.safety import check_rows, check_size, extract_zip, sniff
from safespaces.sources.columns import ColumnRule, own_columns, record, renamed_columns
from safespaces.sources.vector import check_geometries, frame_layer, open_vector

CSV_SUFFIXES = frozenset({".csv", ".txt", ".tsv"})
VECTOR_SUFFIXES = frozenset({".gpkg", ".geojson", ".json", ".shp", ".fgb", ".gml", ".kml"})
#: Archives accepted around a CSV or vector file (a zipped Shapefile or GeoPackage).
ZIP_SUFFIXES = frozenset({".zip"})

LON_NAMES = ("lon", "longitude", "lng", "long", "x_lon")
LAT_NAMES = ("lat", "latitude", "y_lat")
X_NAMES = ("x", "easting", "east", "e")
Y_NAMES = ("y", "northing", "north", "n")


def check_path(path: Path, suffixes: Iterable[str], what: str) -> None:
    """Raise :class:`InputError` unless ``path`` is a non-empty file of a known type.

    A ``.zip`` is accepted too; :func:`input_file` extracts it safely.
    """
    allowed = sorted(set(suffixes) | ZIP_SUFFIXES)
    if not path.exists():
        raise InputError("file not found", path=path, fix=f"give an existing {what} file")
    if path.is_dir():
        raise InputError("is a folder, not a file", path=path, fix=f"give a {what} file")
    if path.suffix.lower() not in allowed:
        raise InputError(
            f"unsupported file type '{path.suffix}' for {what}",
            path=path,
            fix=f"use one of {', '.join(allowed)}",
        )
    if path.stat().st_size == 0:
        raise InputError("the file is empty", path=path, fix=f"give a {what} file with data")
    check_size(path, what)


@contextlib.contextmanager
def input_file(path: Path, suffixes: Iterable[str], what: str) -> Iterator[Path]:
    """Check ``path`` and yield the file to read: itself, or the data file of a zip.

    A zip is extracted by :func:`safespaces.safety.extract_zip` (no path
    traversal, links, bombs) into a temporary folder removed afterwards; it must
    hold exactly one file of an accepted type (a Shapefile with its ``.dbf``,
    ``.shx``, ``.prj`` parts counts as one). An error about the extracted file
    names the archive too.
    """
    check_path(path, suffixes, what)
    if path.suffix.lower() not in ZIP_SUFFIXES:
        yield path
        return
    allowed = set(suffixes)
    with tempfile.TemporaryDirectory(prefix="safespaces-zip-") as tmp:
        written = extract_zip(path, Path(tmp))
        data = sorted(
            f
            for f in written
            if f.suffix.lower() in allowed
            and not f.name.startswith(".")
            and "__MACOSX" not in f.parts
        )
        if len(data) != 1:
            found = ", ".join(f.name for f in written[:10])
            raise InputError(
                f"the zip archive holds {len(data)} {what} files (found: {found})",
                path=path,
                fix=f"zip exactly one {what} file ({', '.join(sorted(allowed))})",
            )
        try:
            yield data[0]
        except InputError as exc:
            exc.args = (f"{path.name} > {exc.args[0]}", *exc.args[1:])
            raise


#: An input: a file's path, or a frame given in code (a GeoDataFrame, or a table with
#: coordinate columns read as a CSV is).
Source = str | Path | pd.DataFrame


def frame_label(frame: pd.DataFrame, what: str) -> Path:
    """How messages name a frame given in code: ``<lamps GeoDataFrame>``."""
    return Path(f"<{what} {type(frame).__name__}>")


def frame_table(frame: pd.DataFrame, label: Path) -> pd.DataFrame:
    """A table given in code, as :func:`read_csv` would give it: a copy, with
    date-times written as ISO 8601 text (a time at midnight keeps its hour)."""
    if frame.empty:
        raise InputError("the frame has no rows", path=label, fix="give a frame with data")
    table = pd.DataFrame(frame).copy()
    table.attrs = {}
    for column in table.columns:
        values = table[column]
        if isinstance(values.dtype, pd.DatetimeTZDtype):
            text = values.dt.strftime("%Y-%m-%dT%H:%M:%S%z")
        elif pd.api.types.is_datetime64_dtype(values.dtype):
            text = values.dt.strftime("%Y-%m-%dT%H:%M:%S")
        else:
            continue
        table[column] = text.astype("string")
    return table


@dataclasses.dataclass
class Opened:
    """An input opened for reading (:func:`open_source`).

    Attributes
    ----------
    path
        The file read (the data file of a zip), or the frame's label for messages.
    table
        A CSV's text columns, or a plain DataFrame given in code; None for a layer.
    layer
        A vector file's layer or a GeoDataFrame given in code (a copy), CRS settled.
    first_row
        The row number of the first row in messages: a CSV's line (the header is line
        1), a feature number (1) for layers and frames.
    """

    path: Path
    table: pd.DataFrame | None = None
    layer: gpd.GeoDataFrame | None = None
    first_row: int = 1


@contextlib.contextmanager
def open_source(
    source: Source, suffixes: Iterable[str], what: str, *, crs: CRS | None
) -> Iterator[Opened]:
    """Open a file (maybe zipped, :func:`input_file`) or take a frame given in code.

    A CSV gives a :attr:`Opened.table` of text, a vector file a :attr:`Opened.layer`
    (:func:`~safespaces.sources.vector.open_vector`). A GeoDataFrame is taken as a
    layer (:func:`~safespaces.sources.vector.frame_layer`: ``crs`` where it has none)
    and a plain DataFrame as a table (:func:`frame_table`); the frame is never changed.
    """
    if isinstance(source, gpd.GeoDataFrame):
        label = frame_label(source, what)
        yield Opened(label, layer=frame_layer(source, label, crs=crs))
        return
    if isinstance(source, pd.DataFrame):
        label = frame_label(source, what)
        yield Opened(label, table=frame_table(source, label))
        return
    with input_file(Path(source), suffixes, what) as real:
        if real.suffix.lower() in CSV_SUFFIXES:
            yield Opened(real, table=read_csv(real), first_row=2)
        else:
            yield Opened(real, layer=open_vector(real, crs=crs))


def parse_crs(value: str | int | CRS | None, path: Path | None = None) -> CRS | None:
    """Parse a user CRS (``"EPSG:3879"``, ``3879``, WKT); ``None`` stays ``None``."""
    if value is None or value == "":
        return None
    try:
        return CRS.from_user_input(value)
    except ProjCRSError as exc:
        raise CRSError(
            f"unknown CRS {value!r}",
            path=path,
            fix="give an EPSG code such as EPSG:3067 (ETRS-TM35FIN) or EPSG:3879 (ETRS-GK25)",
        ) from exc


def read_csv(path: Path) -> pd.DataFrame:
    """Read a CSV (comma, semicolon or tab separated) as text columns.

    Refuses files above the size and row limits (:class:`safespaces.safety.Limits`)
    before parsing, names the format of a binary file given as CSV, and asks for
    UTF-8 when the text is in another encoding.
    """
    check_size(path, "CSV")
    raw = path.read_bytes()
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(
            "the text is UTF-16, not UTF-8",
            path=path,
            fix="save the file as CSV UTF-8 (in Excel: Save as > CSV UTF-8)",
        )
    kind = sniff(raw[:4096])
    if kind is not None and kind not in ("a JSON document", "an XML document"):
        raise InputError(
            f"not a CSV table: the file is {kind}",
            path=path,
            fix="export the table as CSV (UTF-8), or give the file with its own extension",
        )
    if raw[:4096].count(b"\x00") > max(8, len(raw[:4096]) // 100):
        raise InputError(
            "not a text file (binary content)", path=path, fix="export the table as CSV (UTF-8)"
        )
    check_rows(raw, path, "CSV")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(
            f"not UTF-8 text (bad byte at line {line})",
            path=path,
            fix="save the file as CSV UTF-8 (in Excel: Save as > CSV UTF-8)",
        ) from exc
    del raw
    sep = detect_separator(text)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", pd.errors.ParserWarning)
            frame = pd.read_csv(
                io.StringIO(text),
                sep=sep,
                dtype=str,
                keep_default_na=False,
                na_values=[""],  # blank cells are missing (replace("", nan) warns in pandas 2)
                # pandas 2's C parser cuts a cell at a NUL; the Python parser keeps it to refuse
                engine="python" if "\x00" in text else "c",
            )
    except (pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise InputError(
            f"cannot parse as CSV ({str(exc).strip()}){separator_hint(text, sep)}",
            path=path,
            fix="use one separator (comma, semicolon or tab) between columns and put quotes "
            "around text that contains it",
        ) from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    if frame.empty:
        raise InputError("the table has a header but no rows", path=path, fix="add data rows")
    if "\x00" in text:
        _refuse_nul(frame, path)
    frame.attrs[SEPARATOR_HINT] = separator_hint(text, sep)
    return frame


#: ``attrs`` key of a CSV's separator hint (empty when the header is unambiguous).
SEPARATOR_HINT = "separator_hint"
_SEPARATORS = (",", ";", "\t")
_SEP_NAMES = {",": "',' (comma)", ";": "';' (semicolon)", "\t": "tab"}


def detect_separator(text: str, lines: int = 50) -> str:
    """The column separator of a CSV: comma, semicolon or tab.

    The one that splits the header and the first ``lines`` rows into the same
    number (more than one) of fields wins; among several, the one giving the
    most fields. Without such a separator, the one most frequent in the header
    (a semicolon file whose header also holds commas, such as
    ``lon;lat;note, text``, is still read with ``;`` when its rows agree).
    """
    head = text.split("\n", lines + 1)[: lines + 1]
    head = [line for line in head if line.strip()]
    if not head:
        return ","
    best: tuple[int, str] | None = None
    for sep in _SEPARATORS:
        try:
            rows = list(csv.reader(head, delimiter=sep))
        except csv.Error:
            continue
        counts = {len(r) for r in rows if r}
        if len(counts) == 1 and (n := counts.pop()) > 1 and (best is None or n > best[0]):
            best = (n, sep)
    if best is not None:
        return best[1]
    return max(_SEPARATORS, key=head[0].count)


def separator_hint(text: str, sep: str) -> str:
    """A hint when the header also holds another separator (empty otherwise)."""
    header = text.split("\n", 1)[0]
    others = [s for s in _SEPARATORS if s != sep and s in header]
    if not others:
        return ""
    return (
        f" (the header was split at {_SEP_NAMES[sep]} but also holds "
        f"{' and '.join(_SEP_NAMES[s] for s in others)}: if that separates the columns, "
        "every line must use it the same way, with quotes around text that contains the other)"
    )


def _refuse_nul(frame: pd.DataFrame, path: Path) -> None:
    """Refuse a NUL character in a header or cell, naming its row and column."""
    for column in frame.columns:
        if "\x00" in str(column):
            raise InputError(
                "a column name contains a NUL character",
                path=path,
                row=1,
                fix="remove the NUL (\\0) characters from the file",
            )
    for column in frame.columns:
        hits = frame[column].str.contains("\x00", regex=False).fillna(False).to_numpy(dtype=bool)
        if hits.any():
            raise InputError(
                "the text contains a NUL character, which would cut it short",
                path=path,
                row=int(np.flatnonzero(hits)[0]) + 2,
                column=str(column),
                fix="remove the NUL (\\0) characters from the file",
            )


def find_column(columns: Iterable[object], names: Iterable[str]) -> str | None:
    """Return the first column whose lower-cased name is one of ``names``."""
    lower = {str(c).lower(): str(c) for c in columns}
    for name in names:
        if name in lower:
            return lower[name]
    return None


def numeric(
    frame: pd.DataFrame, column: str, path: Path, *, required: bool = True, first_row: int = 2
) -> np.ndarray:
    """Parse a column as numbers; a non-numeric cell is an error naming its row.

    Decimal commas (``60,17``) are accepted. Missing cells are NaN, and an error
    when ``required``. Row numbers count the header as line 1, as a spreadsheet
    does (``first_row`` = 2); vector files number features from 1 (``first_row`` = 1).
    """
    text = frame[column].astype("string").str.strip().str.replace(",", ".", regex=False)
    values = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    bad = np.isnan(values) & text.notna().to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise InputError(
            f"'{frame[column].iloc[i]}' is not a number",
            path=path,
            column=column,
            row=i + first_row,
            fix="use plain numbers with a decimal point",
        )
    if required and np.isnan(values).any():
        i = int(np.flatnonzero(np.isnan(values))[0])
        raise InputError(
            "value missing", path=path, column=column, row=i + first_row, fix="fill it in"
        )
    infinite = np.isinf(values)
    if infinite.any():
        i = int(np.flatnonzero(infinite)[0])
        raise InputError(
            f"infinite value '{frame[column].iloc[i]}'",
            path=path,
            column=column,
            row=i + first_row,
            fix="use finite numbers",
        )
    return values


def csv_points(
    frame: pd.DataFrame,
    path: Path,
    *,
    crs: CRS | None,
    expected_lonlat: tuple[float, float, float, float] | None = None,
    first_row: int = 2,
) -> gpd.GeoDataFrame:
    """Turn a CSV table into points from ``lon``/``lat`` or ``x``/``y`` + a declared CRS.

    Parameters
    ----------
    frame
        The table, as read by :func:`read_csv`.
    path
        The file, for messages.
    crs
        CRS of ``x``/``y`` columns (required for them). Ignored for lon/lat.
    expected_lonlat
        Bounding box (lon/lat) of the study area, used to detect swapped columns.
    first_row
        Row number of the first row in messages (2 for a CSV, 1 for a frame).
    """
    lon_col = find_column(frame.columns, LON_NAMES)
    lat_col = find_column(frame.columns, LAT_NAMES)
    if lon_col and lat_col:
        lon = numeric(frame, lon_col, path, first_row=first_row)
        lat = numeric(frame, lat_col, path, first_row=first_row)
        check_lonlat(lon, lat, lon_col, lat_col, path, expected_lonlat, first_row=first_row)
        data = frame.drop(columns=[lon_col, lat_col])
        return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326")
    x_col = find_column(frame.columns, X_NAMES)
    y_col = find_column(frame.columns, Y_NAMES)
    if x_col and y_col:
        if crs is None:
            raise CRSError(
                f"coordinates in '{x_col}'/'{y_col}' but no CRS declared",
                path=path,
                fix="declare it with --crs EPSG:xxxx (e.g. EPSG:3067), or give lon/lat columns",
            )
        x = numeric(frame, x_col, path, first_row=first_row)
        y = numeric(frame, y_col, path, first_row=first_row)
        if crs.is_geographic:
            check_lonlat(x, y, x_col, y_col, path, expected_lonlat, first_row=first_row)
        data = frame.drop(columns=[x_col, y_col])
        return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(x, y), crs=crs)
    raise InputError(
        f"no coordinate columns (found: {', '.join(map(str, frame.columns))})"
        + frame.attrs.get(SEPARATOR_HINT, ""),
        path=path,
        fix="add 'lon' and 'lat' columns (degrees), or 'x' and 'y' with a declared CRS",
    )


def check_lonlat(
    lon: np.ndarray,
    lat: np.ndarray,
    lon_col: str,
    lat_col: str,
    path: Path,
    expected: tuple[float, float, float, float] | None,
    *,
    first_row: int = 2,
) -> None:
    """Refuse latitudes beyond +-90 or longitudes beyond +-180, and, given the study's
    lon/lat box ``expected``, columns that look swapped (most points fall inside it only
    with lon and lat exchanged)."""
    bad_lat = np.abs(lat) > 90
    if bad_lat.any():
        i = int(np.flatnonzero(bad_lat)[0])
        swapped = bool((np.abs(lon) <= 90).all())
        raise InputError(
            f"latitude {lat[i]} is outside -90..90" + (" (lat/lon swapped?)" if swapped else ""),
            path=path,
            column=lat_col,
            row=i + first_row,
            fix="swap the 'lon' and 'lat' column names"
            if swapped
            else "give latitudes in degrees (WGS 84)",
        )
    bad_lon = np.abs(lon) > 180
    if bad_lon.any():
        i = int(np.flatnonzero(bad_lon)[0])
        raise InputError(
            f"longitude {lon[i]} is outside -180..180",
            path=path,
            column=lon_col,
            row=i + first_row,
            fix="give longitudes in degrees (WGS 84); projected x/y need a declared CRS",
        )
    if expected is not None:
        x0, y0, x1, y1 = _pad(expected)
        inside = (lon >= x0) & (lon <= x1) & (lat >= y0) & (lat <= y1)
        inside_swapped = (lat >= x0) & (lat <= x1) & (lon >= y0) & (lon <= y1)
        if inside_swapped.mean() > 0.5 and inside.mean() < 0.5:
            raise InputError(
                f"lat/lon look swapped: most points fall in the study area only with "
                f"'{lon_col}' and '{lat_col}' exchanged",
                path=path,
                column=lat_col,
                fix="swap the 'lon' and 'lat' column names",
            )


def _pad(box: tuple[float, float, float, float], deg: float = 0.5) -> tuple[float, ...]:
    return (box[0] - deg, box[1] - deg, box[2] + deg, box[3] + deg)


def read_table_or_points(
    path: Source,
    *,
    what: str,
    crs: CRS | None,
    expected_lonlat: tuple[float, float, float, float] | None = None,
    rename: Mapping[str, str] | None = None,
    rule: ColumnRule | None = None,
) -> tuple[gpd.GeoDataFrame, int]:
    """Read points from a CSV (coordinate columns) or a point vector file (maybe zipped),
    or take them from a frame given in code (:func:`open_source`).

    ``rename`` maps the user's column names onto ours (configuration); ``rule``
    then keeps the user's other columns apart from ours
    (:func:`safespaces.sources.columns.own_columns`; the renames are in
    ``attrs["renamed_columns"]``).

    Returns
    -------
    points, first_row
        The points, and the row number of their first row in messages.
    """
    rule = rule or ColumnRule()
    with open_source(path, CSV_SUFFIXES | VECTOR_SUFFIXES, what, crs=crs) as opened:
        real, first_row = opened.path, opened.first_row
        if opened.table is not None:
            frame = opened.table
            if rename:
                frame = frame.rename(columns=dict(rename))
            coords = [
                c
                for names in (LON_NAMES, LAT_NAMES, X_NAMES, Y_NAMES)
                if (c := find_column(frame.columns, names)) is not None
            ]
            frame = own_columns(frame, rule, keep=coords)
            renames = renamed_columns(frame)
            gdf = csv_points(
                frame, real, crs=crs, expected_lonlat=expected_lonlat, first_row=first_row
            )
            return record(gdf, renames), first_row
        assert opened.layer is not None
        gdf = check_geometries(opened.layer, real, "point")
        if expected_lonlat is not None and gdf.crs.is_geographic:
            check_lonlat(
                gdf.geometry.x.to_numpy(),
                gdf.geometry.y.to_numpy(),
                "x",
                "y",
                real,
                expected_lonlat,
                first_row=first_row,
            )
        gdf = gdf.rename(columns=dict(rename)) if rename else gdf
        return own_columns(gdf, rule), first_row


def outside_box(
    points: gpd.GeoSeries, box: tuple[float, float, float, float], margin_m: float
) -> np.ndarray:
    """Which points lie farther than ``margin_m`` outside a lon/lat box (``box``).

    Points are compared in degrees (the margin converted at the box's latitude).
    """
    lonlat = points.to_crs("EPSG:4326") if points.crs and not points.crs.is_geographic else points
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        lon = lonlat.x.to_numpy(dtype=float)
        lat = lonlat.y.to_numpy(dtype=float)
    dlat = margin_m / 111_320.0
    dlon = margin_m / (111_320.0 * max(np.cos(np.radians((box[1] + box[3]) / 2)), 0.01))
    inside_lon = (lon >= box[0] - dlon) & (lon <= box[2] + dlon)
    inside_lat = (lat >= box[1] - dlat) & (lat <= box[3] + dlat)
    return ~(inside_lon & inside_lat)
