"""Vector formats beside the GeoPackage: GeoParquet, FlatGeobuf and PMTiles.

In the data flow this comes after the GeoPackage: a run writes ``safespaces.gpkg``
(and its QGIS package), then :func:`write_formats` copies the layers of that file,
as they are, into the cloud-native formats that web maps, DuckDB, notebooks and
object storage read without a GIS server:

========== ================================== =============================================
format     files                              what goes in
========== ================================== =============================================
geoparquet ``geoparquet/<layer>.parquet``     every table: GeoParquet 1.1 (CRS, ``bbox``
                                              covering column) for layers with geometry,
                                              plain Parquet for tables without
fgb        ``fgb/<layer>.fgb``                layers with geometry only (FlatGeobuf has no
                                              tables without geometry), with a spatial index
pmtiles    ``pmtiles/<layer>.pmtiles``        the street segments and areas
                                              (:data:`TILED_LAYERS`) as vector tiles
========== ================================== =============================================

Nothing is exported that the GeoPackage does not hold (raw incident points only
when a run was asked to keep them there); the GeoPackage's ``layer_styles`` table
(QGIS's styles, meaningless elsewhere) is left out of every format.

- **FlatGeobuf** with its spatial index stores the features in the index's
  (Hilbert curve) order, not the GeoPackage's: the rows are the same, their order
  is not. The tables without geometry (``run_metadata``, ``light_darkness`` ...)
  are in GeoParquet (as plain Parquet) and the GeoPackage.
- **PMTiles**: one file per layer. GDAL writes a PMTiles archive once, when the
  dataset closes, and cannot add a layer to one (pyogrio writes one layer per
  call; ``CreateLayer() not supported``), so several layers in one archive would
  need ``ogr2ogr``, which pyogrio does not offer. A web map adds one source per
  file. Tiles are in EPSG:3857 (the layer is reprojected first), zoom
  :data:`MINZOOM` to :data:`MAXZOOM` (a city at 10, single streets at 16;
  clients over-zoom beyond), and carry the columns a map draws
  (:func:`tile_columns`): the full attributes are in the other formats (all 140
  columns of the segments made tiles beyond GDAL's 500 kB limit at zoom 10 and
  took six times as long).

Every format's folder is written whole into a private temporary folder in
``folder`` and then renamed into place, so a failed write leaves the earlier
files as they were.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING

from safespaces.catalogue import entry_for, layers_of_table
from safespaces.errors import ConfigError, InputError, OutputError
from safespaces.io import GPKG_NAME

if TYPE_CHECKING:
    import geopandas as gpd
    import pandas as pd

#: The output formats, the GeoPackage first (always written by a run).
FORMATS: tuple[str, ...] = ("gpkg", "geoparquet", "fgb", "pmtiles")
#: One line on each format (the CLI's help, the app's Export page).
FORMAT_DESCRIPTIONS: Mapping[str, str] = MappingProxyType(
    {
        "gpkg": "GeoPackage safespaces.gpkg: every layer and table in one file, "
        "styled for QGIS (always written)",
        "geoparquet": "GeoParquet 1.1 geoparquet/<layer>.parquet: every layer with its CRS "
        "and bbox column, for DuckDB, pandas and cloud storage (tables as plain Parquet)",
        "fgb": "FlatGeobuf fgb/<layer>.fgb: layers with geometry, with a spatial index, "
        "streamed by web maps straight from a web server",
        "pmtiles": "PMTiles pmtiles/<layer>.pmtiles: vector tiles (zoom 10-16) of the street "
        "segments and areas for MapLibre or OpenLayers from static hosting",
    }
)
#: The folder each format other than the GeoPackage writes into, beside the GeoPackage.
FORMAT_FOLDERS: Mapping[str, str] = MappingProxyType(
    {"geoparquet": "geoparquet", "fgb": "fgb", "pmtiles": "pmtiles"}
)
#: Tables of the GeoPackage no format copies: QGIS's styles.
SKIPPED_TABLES: tuple[str, ...] = ("layer_styles",)
#: Layers written as vector tiles (those a run always writes; absent ones are skipped).
TILED_LAYERS: tuple[str, ...] = ("street_segments", "areas")
#: Zoom levels of the vector tiles: 10 shows a city in one tile, 16 single streets.
MINZOOM, MAXZOOM = 10, 16
#: GeoParquet specification version written.
GEOPARQUET_VERSION = "1.1.0"

_SUFFIX = {"geoparquet": ".parquet", "fgb": ".fgb", "pmtiles": ".pmtiles"}
_FIX = "give a folder written by 'safespaces run --out DIR'"


def check_formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats asked for, in :data:`FORMATS` order, each once (names in any case).

    Raises
    ------
    ConfigError
        A name that is not in :data:`FORMATS`; the message lists the valid ones.

    Examples
    --------
    >>> check_formats(["PMTiles", "gpkg", "geoparquet", "gpkg"])
    ('gpkg', 'geoparquet', 'pmtiles')
    >>> check_formats(["shp"])
    Traceback (most recent call last):
    ...
    safespaces.errors.ConfigError: unknown output format 'shp'. Fix: give one of gpkg, \
geoparquet, fgb, pmtiles
    """
    given = [str(f).strip().lower() for f in formats]
    unknown = [f for f in given if f not in FORMATS]
    if unknown:
        raise ConfigError(
            f"unknown output format {unknown[0]!r}. Fix: give one of {', '.join(FORMATS)}"
        )
    chosen = tuple(f for f in FORMATS if f in given)
    if "geoparquet" in chosen and importlib.util.find_spec("pyarrow") is None:
        raise ConfigError(
            "--format geoparquet needs pyarrow (not installed). Fix: pip install "
            "'safespaces[publish]', or leave geoparquet out"
        )
    return chosen


def tile_columns(table: str, columns: Sequence[str]) -> list[str]:
    """The columns of ``table`` its vector tiles carry: what a map draws and names.

    The identifier (the table's first column), ``name``, and every column a style of
    the layer catalogue draws the table by (street type, light class, eyes by time of
    day, the safe-space score, incident rates ...); those ``columns`` lacks are skipped.

    Examples
    --------
    >>> tile_columns("areas", ["area_id", "name", "residents_est", "tenure_owner", "geometry"])
    ['area_id', 'name', 'residents_est']
    """
    data = [c for c in columns if c != "geometry"]
    wanted = [*data[:1], "name"]
    wanted += [e.style.column for e in layers_of_table(table) if e.style and e.style.column]
    return [c for c in dict.fromkeys(wanted) if c in data]


def write_formats(
    folder: str | Path, formats: Sequence[str], *, into: str | Path | None = None
) -> list[Path]:
    """Copy every layer of ``folder/safespaces.gpkg`` into the other ``formats``.

    Parameters
    ----------
    folder
        An output folder holding :data:`~safespaces.io.GPKG_NAME`.
    formats
        Names of :data:`FORMATS`; ``gpkg`` is the file already there (nothing is
        written for it).
    into
        The folder that receives the formats' folders (default ``folder``; the app
        writes into its own cache, never into an analyst's output folder).

    Returns
    -------
    list of pathlib.Path
        The files of the formats asked for, the GeoPackage first when asked, then
        each format's files by layer.

    Raises
    ------
    ConfigError
        An unknown format (the message lists the valid ones).
    InputError
        No readable GeoPackage in ``folder``, or ``pmtiles`` asked for and none of
        :data:`TILED_LAYERS` in it.
    OutputError
        A file cannot be written; every format's folder is then as it was.

    Examples
    --------
    >>> import tempfile, pathlib, geopandas as gpd
    >>> from shapely.geometry import Point
    >>> from safespaces.io import write_layers
    >>> out = pathlib.Path(tempfile.mkdtemp())
    >>> lamps = gpd.GeoDataFrame({"lamp_id": [1]}, geometry=[Point(385000, 6672000)], crs=3067)
    >>> _ = write_layers(out, {"lamps": lamps}, {"safespaces_version": "demo"})
    >>> [p.relative_to(out).as_posix() for p in write_formats(out, ["fgb", "geoparquet"])]
    ['geoparquet/lamps.parquet', 'geoparquet/run_metadata.parquet', 'fgb/lamps.fgb']
    """
    chosen = check_formats(formats)
    if not chosen:
        return []
    folder = Path(folder)
    gpkg = folder / GPKG_NAME
    tables = _tables(gpkg)
    written = [gpkg] if "gpkg" in chosen else []
    extra = [f for f in chosen if f != "gpkg"]
    if not extra:
        return written
    if "pmtiles" in extra and not any(t in tables for t in TILED_LAYERS):
        raise InputError(
            f"{gpkg} holds none of the layers written as vector tiles ({', '.join(TILED_LAYERS)})",
            fix="run 'safespaces run' into that folder first",
        )
    target = Path(into) if into is not None else folder
    try:
        target.mkdir(parents=True, exist_ok=True)
        # ".tmp" in the name: an output folder's next run drops it if a kill left it behind
        staging = Path(tempfile.mkdtemp(prefix=".formats.tmp-", dir=target))
    except OSError as exc:
        raise OutputError(f"cannot write in the output folder {target}: {exc}") from exc
    try:
        for fmt in extra:
            (staging / FORMAT_FOLDERS[fmt]).mkdir()
        names: dict[str, list[str]] = {f: [] for f in extra}
        for table, spatial in tables.items():
            frame = _read(gpkg, table)
            for fmt in extra:
                if _write(fmt, table, spatial, frame, staging / FORMAT_FOLDERS[fmt]):
                    names[fmt].append(table + _SUFFIX[fmt])
        for fmt in extra:
            _swap_in(staging / FORMAT_FOLDERS[fmt], target / FORMAT_FOLDERS[fmt], staging)
            written += [target / FORMAT_FOLDERS[fmt] / n for n in names[fmt]]
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return written


def _tables(gpkg: Path) -> dict[str, bool]:
    """The GeoPackage's tables to copy: name -> has geometry (in the file's order)."""
    import pyogrio

    if not gpkg.is_file():
        raise InputError(f"{gpkg} does not exist", fix=_FIX)
    try:
        listed = pyogrio.list_layers(gpkg)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"{gpkg} is not a readable GeoPackage ({exc})", fix=_FIX) from exc
    tables = {str(name): geometry is not None for name, geometry in listed}
    for name in tables:
        if Path(name).name != name or name.startswith("."):
            raise InputError(f"{gpkg}: layer name {name!r} cannot name a file", fix=_FIX)
    return {name: spatial for name, spatial in tables.items() if name not in SKIPPED_TABLES}


def _read(gpkg: Path, table: str) -> pd.DataFrame:
    import pyogrio

    try:
        return pyogrio.read_dataframe(gpkg, layer=table)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise InputError(f"{gpkg}: cannot read the layer {table!r} ({exc})", fix=_FIX) from exc


def _arrow_error() -> type[Exception]:
    """pyarrow's error class, or one never raised without pyarrow (FlatGeobuf, PMTiles)."""
    try:
        import pyarrow as pa
    except ImportError:
        return OutputError
    return pa.ArrowException


def _write(fmt: str, table: str, spatial: bool, frame: pd.DataFrame, into: Path) -> bool:
    """Write one table in one format into the folder ``into``; False when the format skips it."""
    import geopandas as gpd
    import pyogrio

    path = into / (table + _SUFFIX[fmt])
    try:
        if fmt == "geoparquet":
            if spatial and isinstance(frame, gpd.GeoDataFrame):
                frame.to_parquet(
                    path,
                    index=False,
                    write_covering_bbox=True,
                    schema_version=GEOPARQUET_VERSION,
                )
            else:
                frame.to_parquet(path, index=False)
            return True
        if not spatial or not isinstance(frame, gpd.GeoDataFrame):
            return False  # FlatGeobuf and vector tiles need geometry
        if fmt == "fgb":
            pyogrio.write_dataframe(
                frame,
                path,
                layer=table,
                driver="FlatGeobuf",
                layer_options={"SPATIAL_INDEX": "YES"},
            )
            return True
        return table in TILED_LAYERS and _write_tiles(frame, table, path)
    except (OSError, _arrow_error(), pyogrio.errors.DataSourceError) as exc:
        raise OutputError(
            f"cannot write {table} as {fmt} ({exc}). Fix: check free disk space and file "
            "size limits, then run again"
        ) from exc
    except pyogrio.errors.DataLayerError as exc:
        raise OutputError(f"cannot write {table} as {fmt} ({exc})") from exc


def _write_tiles(frame: gpd.GeoDataFrame, table: str, path: Path) -> bool:
    """One layer as a PMTiles archive of vector tiles in EPSG:3857; False: nothing to tile."""
    import pyogrio

    tiles = frame[[*tile_columns(table, list(frame.columns)), frame.geometry.name]]
    tiles = tiles[tiles.geometry.notna() & ~tiles.geometry.is_empty]
    if tiles.empty:
        return False
    tiles = tiles.to_crs(3857)
    entry = entry_for(table, "none")  # its title and abstract (every tiled layer has an entry)
    pyogrio.write_dataframe(
        tiles,
        path,
        layer=table,
        driver="PMTiles",
        dataset_options={
            "MINZOOM": MINZOOM,
            "MAXZOOM": MAXZOOM,
            "NAME": entry.title,
            "DESCRIPTION": entry.abstract,
            "TYPE": "overlay",
        },
    )
    return True


def _swap_in(new: Path, target: Path, staging: Path) -> None:
    """Put the folder ``new`` at ``target``; an earlier ``target`` goes into ``staging``.

    Two renames (a folder cannot replace a non-empty one in one); if the second
    fails, the earlier folder is put back.
    """
    aside = staging / f"old-{target.name}"
    moved = False
    try:
        if target.exists() or target.is_symlink():
            os.rename(target, aside)
            moved = True
        os.rename(new, target)
    except OSError as exc:
        if moved:
            with contextlib.suppress(OSError):
                os.rename(aside, target)
        raise OutputError(f"cannot put {target.name} in place in {target.parent}: {exc}") from exc
