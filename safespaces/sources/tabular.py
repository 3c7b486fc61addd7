"""Read user tables and vector files of points or polygons, with clear errors.

Shared by the lamp-register, incident, tenure and area loaders: it finds the
coordinate columns of a CSV, checks their values, and checks geometry types and
CRSs of vector files. Every error names the file, the row or column and the fix.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import mmap
import re
import sqlite3
import tempfile
import warnings
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as ProjCRSError

from safespaces.errors import CRSError, InputError
from safespaces.safety import check_rows, check_size, extract_zip, sniff
from safespaces.sources.columns import ColumnRule, own_columns, record, renamed_columns

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
    """
    lon_col = find_column(frame.columns, LON_NAMES)
    lat_col = find_column(frame.columns, LAT_NAMES)
    if lon_col and lat_col:
        lon = numeric(frame, lon_col, path)
        lat = numeric(frame, lat_col, path)
        _check_lonlat(lon, lat, lon_col, lat_col, path, expected_lonlat)
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
        x = numeric(frame, x_col, path)
        y = numeric(frame, y_col, path)
        if crs.is_geographic:
            _check_lonlat(x, y, x_col, y_col, path, expected_lonlat)
        data = frame.drop(columns=[x_col, y_col])
        return gpd.GeoDataFrame(data, geometry=gpd.points_from_xy(x, y), crs=crs)
    raise InputError(
        f"no coordinate columns (found: {', '.join(map(str, frame.columns))})"
        + frame.attrs.get(SEPARATOR_HINT, ""),
        path=path,
        fix="add 'lon' and 'lat' columns (degrees), or 'x' and 'y' with a declared CRS",
    )


def _check_lonlat(
    lon: np.ndarray,
    lat: np.ndarray,
    lon_col: str,
    lat_col: str,
    path: Path,
    expected: tuple[float, float, float, float] | None,
) -> None:
    bad_lat = np.abs(lat) > 90
    if bad_lat.any():
        i = int(np.flatnonzero(bad_lat)[0])
        swapped = bool((np.abs(lon) <= 90).all())
        raise InputError(
            f"latitude {lat[i]} is outside -90..90" + (" (lat/lon swapped?)" if swapped else ""),
            path=path,
            column=lat_col,
            row=i + 2,
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
            row=i + 2,
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


_VECTOR_FIX = "check that the file is a complete GeoPackage, GeoJSON or Shapefile"


def open_vector(path: Path, *, crs: CRS | None = None) -> gpd.GeoDataFrame:
    """Read a vector file's single layer and settle its CRS, with clear errors.

    GDAL's warnings about the file are not passed on (they would be noise, or
    errors under ``-W error``); a file GDAL cannot open is named by what it
    really is (:func:`safespaces.safety.sniff`). A file with several layers is
    refused (the loaders take one layer), and so are coordinates that are not
    degrees in a file that declares a geographic CRS (GeoJSON is always WGS 84).
    """
    check_size(path, "vector")
    # GDAL's GML driver writes a .gfs schema file beside the input unless told not to.
    options = {"WRITE_GFS": "NO"} if path.suffix.lower() == ".gml" else {}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            layers = _list_layers(path, options)
            if len(layers) == 1:
                gdf = gpd.read_file(path, **options)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        with path.open("rb") as handle:
            kind = sniff(handle.read(4096))
        what = f"it looks like {kind}" if kind else str(exc).split(";")[0][:160]
        if "supported file format" in str(exc) and not kind:  # GDAL < 3.9: "as a supported"
            what = "GDAL does not recognise the format"
        if path.suffix.lower() == ".gpkg" and kind and "GeoPackage" in kind:
            what = "the GeoPackage is truncated or corrupt"
        raise InputError(
            f"cannot read as a vector file ({what})", path=path, fix=_VECTOR_FIX
        ) from exc
    except (
        pyogrio.errors.GeometryError,
        pyogrio.errors.FieldError,
        pyogrio.errors.FeatureError,
        pyogrio.errors.CRSError,
        shapely.errors.GEOSException,  # e.g. a ring that does not close
        ValueError,
    ) as exc:
        if "closed linestring" in str(exc):
            raise InputError(
                "a polygon ring is not closed (its last point must repeat its first)",
                path=path,
                fix="close the ring, or repair the layer (in QGIS: Vector > Geometry Tools > "
                "Fix Geometries)",
            ) from exc
        raise InputError(
            f"cannot read as a vector file ({str(exc)[:160]})", path=path, fix=_VECTOR_FIX
        ) from exc
    if len(layers) != 1:
        names = ", ".join(str(name) for name in layers[:10, 0])
        raise InputError(
            f"the file has {len(layers)} layers ({names or 'none'}); safespaces reads one",
            path=path,
            fix="save the layer you mean as its own file (in QGIS: Export > Save Features As)",
        )
    if not isinstance(gdf, gpd.GeoDataFrame):
        raise InputError(
            f"the layer '{layers[0, 0]}' is a table without geometry (no points or polygons)",
            path=path,
            fix="give a layer with geometry; to add a table's columns to a layer, join them "
            "in QGIS (Layer Properties > Joins) and save the joined layer",
        )
    if gdf.empty:
        raise InputError("the file has no features", path=path, fix="give a file with data")
    _refuse_cut_text(path, str(layers[0, 0]), gdf)
    if gdf.crs is None:
        if crs is None:
            raise CRSError(
                "the file declares no CRS",
                path=path,
                fix="set the CRS in the file (e.g. in QGIS: Layer CRS) or pass --crs EPSG:xxxx",
            )
        gdf = gdf.set_crs(crs)
    if gdf.crs.is_geographic:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            x0, y0, x1, y1 = gdf.geometry.total_bounds
        if np.isfinite([x0, y0, x1, y1]).all() and (
            min(x0, y0) < -180 or max(x1, y1) > 180 or y0 < -90 or y1 > 90
        ):
            raise CRSError(
                f"coordinates up to ({x1:.0f}, {y1:.0f}) are not degrees, but the file "
                f"declares {gdf.crs.name}",
                path=path,
                fix="declare the CRS the coordinates are in (e.g. EPSG:3067 or EPSG:3879); "
                "GeoJSON must be in WGS 84 degrees",
            )
    return gdf


def _list_layers(path: Path, options: Mapping[str, str]) -> np.ndarray:
    """``pyogrio.list_layers``, or for GML layer by layer with the open ``options``.

    ``list_layers`` takes no open options, and GDAL's GML driver would write a
    ``.gfs`` file beside the input; ``read_info`` passes ``WRITE_GFS=NO``.
    """
    if not options:
        return np.asarray(pyogrio.list_layers(path))
    rows: list[list[object]] = []
    while len(rows) <= 10:
        try:
            info = pyogrio.read_info(path, layer=len(rows), **options)
        except pyogrio.errors.DataLayerError:
            break
        rows.append([info["layer_name"], info["geometry_type"]])
    if not rows:
        raise pyogrio.errors.DataSourceError(f"{path.name}: no layer found")
    return np.array(rows, dtype=object)


_JSON_NUL = re.compile(rb"(?<!\\)(?:\\\\)*\\u0000")


def _refuse_cut_text(path: Path, layer: str, gdf: gpd.GeoDataFrame) -> None:
    """Refuse text that GDAL cut short at a NUL character (GeoJSON, GeoPackage).

    GDAL ends text at a NUL (``\\u0000`` in JSON), so ``"Kamppi\\u0000x"`` would be
    read as ``"Kamppi"`` without a word. The file is checked for a NUL in text,
    and the feature and column are named.
    """
    suffix = path.suffix.lower()
    where: tuple[int, str] | None = None
    if suffix in (".geojson", ".json"):
        where = _json_nul(path)
    elif suffix == ".gpkg":
        where = _gpkg_nul(path, layer, [str(c) for c in gdf.columns])
    if where is not None:
        raise InputError(
            "the text contains a NUL character, which would cut it short",
            path=path,
            row=where[0],
            column=where[1],
            fix="remove the NUL (\\0) characters from the text",
        )


def _json_nul(path: Path) -> tuple[int, str] | None:
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as m:
        if _JSON_NUL.search(m) is None:
            return None
    try:
        features = json.loads(path.read_bytes()).get("features") or []
    except (ValueError, AttributeError):
        return (1, "?")
    for i, feature in enumerate(features):
        props = feature.get("properties") if isinstance(feature, dict) else None
        for key, value in (props or {}).items():
            if "\x00" in str(key) or (isinstance(value, str) and "\x00" in value):
                return (i + 1, str(key).replace("\x00", "\\0"))
    return (1, "?")


def _gpkg_nul(path: Path, layer: str, columns: list[str]) -> tuple[int, str] | None:
    """First (feature, column) of a GeoPackage text value holding a NUL byte."""
    uri = path.resolve().as_uri() + "?mode=ro&immutable=1"
    try:
        con = sqlite3.connect(uri, uri=True)
    except sqlite3.Error:
        return None
    try:
        info = con.execute(f'PRAGMA table_info("{layer.replace(chr(34), chr(34) * 2)}")')
        text = [row[1] for row in info.fetchall() if row[1] in columns]
        table = layer.replace('"', '""')
        for column in text:
            quoted = column.replace('"', '""')
            hit = con.execute(
                f'SELECT rowid FROM "{table}" WHERE typeof("{quoted}") = \'text\' '
                f"AND instr(CAST(\"{quoted}\" AS BLOB), x'00') > 0 ORDER BY rowid LIMIT 1"
            ).fetchone()
            if hit is not None:
                rank = con.execute(
                    f'SELECT count(*) FROM "{table}" WHERE rowid <= ?', (hit[0],)
                ).fetchone()
                return (int(rank[0]), column)
    except sqlite3.Error:
        return None
    finally:
        con.close()
    return None


def repair_polygons(gdf: gpd.GeoDataFrame, path: Path) -> gpd.GeoDataFrame:
    """Repair invalid polygons with ``make_valid``, keeping only their polygonal parts.

    A self-crossing "bow tie" becomes a MultiPolygon, a spike is dropped. A
    polygon with no area left after repair is an error naming its feature. A
    repair may only remove area, never add it: a polygon whose repair would be
    larger than the area inside its outer rings (a hole larger than its shell,
    or rings in the wrong order, which ``make_valid`` turns into the ring
    between them) is an error naming the feature. The number of repaired
    features is in ``gdf.attrs["repaired_geometries"]``.
    """
    geoms = gdf.geometry.to_numpy()
    invalid = np.flatnonzero(~shapely.is_valid(geoms))
    gdf.attrs["repaired_geometries"] = len(invalid)
    if not len(invalid):
        return gdf
    fixed = shapely.make_valid(geoms[invalid])
    out = geoms.copy()
    for i, geom, before in zip(invalid, fixed, geoms[invalid], strict=True):
        if geom.geom_type not in ("Polygon", "MultiPolygon"):
            flat = shapely.get_parts(shapely.get_parts(geom))
            parts = [p for p in flat if p.geom_type == "Polygon"]
            geom = shapely.union_all(parts) if parts else shapely.Polygon()
        if geom.is_empty or geom.area <= 0:
            raise InputError(
                "the polygon has no area (it collapses to a line or a point when repaired)",
                path=path,
                row=int(i) + 1,
                fix="fix or remove the feature (in QGIS: Vector > Geometry Tools > Check Validity)",
            )
        area, outline = float(shapely.area(geom)), float(shapely.area(_outline(before)))
        if area > outline * (1 + 1e-9) + 1e-12:
            raise InputError(
                f"a hole lies outside its polygon's outer ring (repairing it would make the "
                f"area {area / max(outline, 1e-300):,.1f} times its outline)",
                path=path,
                row=int(i) + 1,
                fix="the rings are in the wrong order or a hole is larger than its polygon: write "
                "the outer ring first (in QGIS: Vector > Geometry Tools > Fix Geometries, then "
                "check the result)",
            )
        out[i] = geom
    gdf = gdf.copy()
    gdf["geometry"] = gpd.GeoSeries(out, index=gdf.index, crs=gdf.crs)
    gdf.attrs["repaired_geometries"] = len(invalid)
    return gdf


def _outline(geom: shapely.Geometry) -> shapely.Geometry:
    """The area inside the outer rings of a (possibly invalid) polygon, holes ignored."""
    shells = [
        shapely.make_valid(shapely.Polygon(part.exterior))
        for part in shapely.get_parts(geom)
        if part.geom_type == "Polygon"
    ]
    return shapely.union_all(shells) if shells else shapely.Polygon()


def read_vector(
    path: Path,
    *,
    geometry: str,
    crs: CRS | None = None,
) -> gpd.GeoDataFrame:
    """Read a vector file and check its geometry type and CRS.

    Parameters
    ----------
    geometry
        ``"point"`` or ``"polygon"``: the type every feature must have. Invalid
        polygons are repaired (:func:`repair_polygons`).
    crs
        CRS to assume where the file declares none (otherwise an error).
    """
    return check_geometries(open_vector(path, crs=crs), path, geometry)


def check_geometries(gdf: gpd.GeoDataFrame, path: Path, geometry: str) -> gpd.GeoDataFrame:
    """Check that every feature has a finite geometry of one type; repair polygons.

    Parameters
    ----------
    geometry
        ``"point"`` or ``"polygon"``.

    Raises
    ------
    InputError
        A feature without geometry, of another type (the first one is named, and
        the types of a mixed layer listed), or with a non-finite coordinate.
    """
    missing = gdf.geometry.isna() | gdf.geometry.is_empty
    if missing.any():
        i = int(np.flatnonzero(missing.to_numpy())[0])
        raise InputError("feature without geometry", path=path, row=i + 1, fix="remove or fix it")
    types = gdf.geometry.geom_type.to_numpy()
    ok = {"point": ("Point",), "polygon": ("Polygon", "MultiPolygon")}[geometry]
    wrong = ~np.isin(types, ok)
    if wrong.any():
        i = int(np.flatnonzero(wrong)[0])
        mixed = len(set(types)) > 1
        raise InputError(
            f"feature {i + 1} is a {types[i]}, expected {geometry}s"
            + (f" (the layer mixes {', '.join(sorted(set(types)))})" if mixed else ""),
            path=path,
            row=i + 1,
            fix=f"give a layer of {geometry}s only (convert or split it in QGIS)",
        )
    coords = shapely.get_coordinates(gdf.geometry.to_numpy())
    if not np.isfinite(coords).all():
        raise InputError(
            "a coordinate is not a finite number", path=path, fix="fix or remove the feature"
        )
    if geometry == "polygon":
        gdf = repair_polygons(gdf, path)
    return gdf


def read_table_or_points(
    path: Path,
    *,
    what: str,
    crs: CRS | None,
    expected_lonlat: tuple[float, float, float, float] | None = None,
    rename: Mapping[str, str] | None = None,
    rule: ColumnRule | None = None,
) -> gpd.GeoDataFrame:
    """Read points from a CSV (coordinate columns) or a point vector file (maybe zipped).

    ``rename`` maps the user's column names onto ours (configuration); ``rule``
    then keeps the user's other columns apart from ours
    (:func:`safespaces.sources.columns.own_columns`; the renames are in
    ``attrs["renamed_columns"]``).
    """
    rule = rule or ColumnRule()
    with input_file(path, CSV_SUFFIXES | VECTOR_SUFFIXES, what) as real:
        if real.suffix.lower() in CSV_SUFFIXES:
            frame = read_csv(real)
            if rename:
                frame = frame.rename(columns=dict(rename))
            coords = [
                c
                for names in (LON_NAMES, LAT_NAMES, X_NAMES, Y_NAMES)
                if (c := find_column(frame.columns, names)) is not None
            ]
            frame = own_columns(frame, rule, keep=coords)
            renames = renamed_columns(frame)
            gdf = csv_points(frame, real, crs=crs, expected_lonlat=expected_lonlat)
            return record(gdf, renames)
        gdf = read_vector(real, geometry="point", crs=crs)
        if expected_lonlat is not None and gdf.crs.is_geographic:
            _check_lonlat(
                gdf.geometry.x.to_numpy(),
                gdf.geometry.y.to_numpy(),
                "x",
                "y",
                real,
                expected_lonlat,
            )
        gdf = gdf.rename(columns=dict(rename)) if rename else gdf
        return own_columns(gdf, rule)


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
