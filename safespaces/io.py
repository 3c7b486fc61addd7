"""Write outputs atomically: a failed write leaves the previous output intact.

Every file is written to a temporary name in the destination folder and then
renamed over the target (``os.replace`` is atomic on one file system).
GeoPackages are GeoPackage 1.2 (QGIS 3.22 warns on newer versions).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import sqlite3
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import rasterio.shutil
from rasterio import MemoryFile
from rasterio.errors import RasterioError
from rasterio.io import DatasetWriter

from safespaces.errors import InputError, OutputError

GPKG_NAME = "safespaces.gpkg"
METADATA_LAYER = "run_metadata"


@contextlib.contextmanager
def atomic_path(target: str | Path, *, copy_existing: bool = False) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it over ``target`` on success.

    The temporary file lives in a private folder made by ``mkdtemp`` (mode 0700,
    unpredictable name) beside the target, so no one can plant a symbolic link
    at its name; the folder is removed whatever happens.

    Parameters
    ----------
    copy_existing
        Start the temporary file as a copy of the existing target (to update
        some layers of a GeoPackage and keep the others).
    """
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        private = Path(tempfile.mkdtemp(prefix=f".{target.name}.", dir=target.parent))
    except OSError as exc:
        raise OutputError(f"cannot write in the output folder {target.parent}: {exc}") from exc
    tmp = private / target.name
    try:
        if copy_existing and target.exists():
            shutil.copy2(target, tmp)
        yield tmp
        os.replace(tmp, target)
    finally:
        shutil.rmtree(private, ignore_errors=True)


#: Tile size of the rasters written (pixels; a COG's ``BLOCKSIZE``).
RASTER_BLOCK = 256
#: Smallest side (pixels) of a raster's coarsest overview (:func:`overview_count`).
SMALLEST_OVERVIEW = 8


def overview_count(width: int, height: int) -> int:
    """Overview levels of a ``width`` x ``height`` raster: halve until the longer side would
    drop below :data:`SMALLEST_OVERVIEW` pixels (at least one level).

    GDAL's automatic rule stops once a level fits one tile (256 pixels), which gives a
    raster of one tile no overviews at all; this rule gives the small rasters of a city
    their levels too (QGIS and web viewers read a coarse level when zoomed out).

    Examples
    --------
    >>> overview_count(220, 348), overview_count(157, 232), overview_count(4, 4)
    (5, 4, 1)
    """
    longest = max(int(width), int(height))
    levels = 0
    while longest // 2 ** (levels + 1) >= SMALLEST_OVERVIEW:
        levels += 1
    return max(levels, 1)


#: What a :func:`raster_writer` profile gives: the grid, not the layout.
_GRID_KEYS = ("width", "height", "count", "dtype", "crs", "transform", "nodata")


def _predictor(dtype: str) -> int:
    """TIFF predictor for ``dtype``: 3 (floating point) for floats, 2 (horizontal) else."""
    return 3 if np.dtype(dtype).kind == "f" else 2


@contextlib.contextmanager
def raster_writer(
    target: str | Path, profile: Mapping[str, Any], *, resampling: str = "average"
) -> Iterator[DatasetWriter]:
    """A rasterio dataset written in memory, then saved to ``target`` as a Cloud-Optimised
    GeoTIFF by Python's own I/O.

    ``profile`` gives the grid (``width``, ``height``, ``count``, ``dtype``, ``crs``,
    ``transform``, ``nodata``); the layout is this function's: the caller writes a tiled,
    DEFLATE-compressed GeoTIFF in memory (``/vsimem``), which GDAL's COG driver then
    copies, also in memory, into the file written: 256 x 256 tiles, DEFLATE with the
    predictor of the data type (floating point for floats), :func:`overview_count`
    overview levels made with ``resampling`` (``average`` for continuous values,
    ``nearest`` for classes), the overviews after the full-resolution data, tags,
    band descriptions and nodata kept. ``tags(ns="IMAGE_STRUCTURE")`` of the file
    reports ``LAYOUT=COG``.

    GDAL's GeoTIFF writer does not always survive a failed write: with a file
    size limit (``ulimit -f``) libtiff reported ``File too large`` and the
    process then crashed with a segmentation fault. Building the file in memory
    and writing its bytes from Python turns a full disk or a size limit into an
    ordinary :class:`OutputError`. The cost is two compressed copies of the raster
    in memory, and the overviews (the raster size itself is capped).

    Raises
    ------
    OutputError
        The COG cannot be made or its bytes cannot be written; ``target`` is left as it was.
    """
    target = Path(target)
    unknown = sorted(set(profile) - set(_GRID_KEYS))
    if unknown:  # a caller's own layout would be silently replaced by the COG's
        raise ValueError(f"raster_writer takes the grid only ({', '.join(_GRID_KEYS)}): {unknown}")
    grid = dict(profile)
    predictor = _predictor(str(grid["dtype"]))
    staging = {
        **grid,
        "driver": "GTiff",
        "tiled": True,
        "blockxsize": RASTER_BLOCK,
        "blockysize": RASTER_BLOCK,
        "compress": "DEFLATE",
        "predictor": predictor,
    }
    with MemoryFile() as memory:
        with memory.open(**staging) as dst:
            yield dst
        with MemoryFile() as cog:
            try:
                rasterio.shutil.copy(
                    memory.name,
                    cog.name,
                    driver="COG",
                    blocksize=RASTER_BLOCK,
                    compress="DEFLATE",
                    predictor=predictor,
                    overview_resampling=resampling.upper(),
                    overview_count=overview_count(grid["width"], grid["height"]),
                )
            except RasterioError as exc:
                raise OutputError(
                    f"cannot write {target.name} as a Cloud-Optimised GeoTIFF ({exc}). Fix: "
                    "check free memory, then run again"
                ) from exc
            data = cog.getbuffer()
            try:
                with atomic_path(target) as tmp, tmp.open("wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
            except OSError as exc:
                raise OutputError(
                    f"cannot write {target.name} ({exc.strerror or exc}). Fix: check free "
                    "disk space and file size limits, then run again"
                ) from exc


def write_json(path: str | Path, data: Any) -> Path:
    """Write JSON atomically (UTF-8, indented, keys in insertion order)."""
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", "utf-8")
    return Path(path)


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    """Make columns writable: nested values as JSON text, categories as text."""
    out = frame.copy()
    for column in out.columns:
        if column == getattr(out, "_geometry_column_name", None):
            continue
        series = out[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            out[column] = series.astype("string")
        elif series.dtype == object:
            sample = series.dropna()
            if len(sample) and isinstance(sample.iloc[0], (dict, list, tuple, set)):
                out[column] = series.map(
                    lambda v: None if v is None else json.dumps(v, default=str)
                )
        elif isinstance(series.dtype, pd.DatetimeTZDtype):
            out[column] = series.dt.tz_convert("UTC")
    return out


def metadata_frame(metadata: Mapping[str, Any]) -> pd.DataFrame:
    """``run_metadata`` rows: one key and its JSON-encoded value per row."""
    return pd.DataFrame(
        {
            "key": list(metadata),
            "value": [
                v if isinstance(v, str) else json.dumps(v, default=str) for v in metadata.values()
            ],
        }
    )


def read_metadata(path: str | Path) -> dict[str, str]:
    """Read the ``run_metadata`` table of a GeoPackage into a dict (values as text)."""
    frame = pyogrio.read_dataframe(path, layer=METADATA_LAYER)
    return dict(zip(frame["key"], frame["value"], strict=True))


def existing_metadata(path: str | Path) -> dict[str, Any]:
    """The ``run_metadata`` of an earlier run, values decoded from JSON where they are JSON.

    Returns an empty dict when there is no file or no readable table.
    """
    if not Path(path).exists():
        return {}
    try:
        raw = read_metadata(path)
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError, sqlite3.Error):
        return {}
    out: dict[str, Any] = {}
    for key, value in raw.items():
        try:
            out[key] = json.loads(value)
        except (TypeError, ValueError):
            out[key] = value
    return out


#: Layers every complete run writes (``safespaces run``, either engine): what a reader of a
#: finished output folder (the app's ``--open``) needs besides ``run_metadata``.
RUN_LAYERS = ("street_segments", "areas")
#: The manifest of an output folder (:mod:`safespaces.output` writes it).
_MANIFEST = ".safespaces-manifest.json"
_NOT_OUTPUT_FIX = "give a folder written by 'safespaces run --out DIR' (either engine)"


def _one_line(path: Path) -> str:
    """``path`` for a one-line message: control characters (a newline) escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))


def check_output_folder(folder: str | Path) -> Path:
    """Check that ``folder`` is a finished output folder of ``safespaces run``; return it
    resolved.

    A finished output folder holds :data:`GPKG_NAME`, a GeoPackage with ``run_metadata``
    (naming the safespaces version that wrote it) and the layers of a whole run
    (:data:`RUN_LAYERS`), whether written by the local or the dask engine. When the folder
    has its manifest (``.safespaces-manifest.json``), the GeoPackage must still have the
    size the run recorded there. Nothing is written and nothing is recomputed.

    Raises
    ------
    InputError
        One line naming the folder, what is missing and the fix: no such folder, a file,
        no GeoPackage, not a GeoPackage, no ``run_metadata`` (not written by safespaces),
        a partial run (a family subcommand's output), or a GeoPackage changed since the run.
    """
    given = Path(folder)
    shown = _one_line(given)
    if not given.exists():
        raise InputError(f"{shown} does not exist", fix=_NOT_OUTPUT_FIX)
    if not given.is_dir():
        raise InputError(f"{shown} is a file, not an output folder", fix=_NOT_OUTPUT_FIX)
    path = given.resolve()
    gpkg = path / GPKG_NAME
    if not gpkg.is_file():
        raise InputError(
            f"{shown} is not a safespaces output folder: it holds no {GPKG_NAME}",
            fix=_NOT_OUTPUT_FIX,
        )
    try:
        with contextlib.closing(sqlite3.connect(f"{gpkg.as_uri()}?mode=ro", uri=True)) as db:
            tables = {str(r[0]) for r in db.execute("SELECT table_name FROM gpkg_contents")}
            version = None
            if METADATA_LAYER in tables:
                row = db.execute(
                    f'SELECT value FROM "{METADATA_LAYER}" WHERE key = ?', ("safespaces_version",)
                ).fetchone()
                version = row[0] if row else None
    except sqlite3.Error as exc:
        raise InputError(
            f"{shown}: {GPKG_NAME} is not a readable GeoPackage ({exc})", fix=_NOT_OUTPUT_FIX
        ) from exc
    if version is None:
        raise InputError(
            f"{shown}: {GPKG_NAME} was not written by safespaces (no {METADATA_LAYER} "
            "naming a safespaces version)",
            fix=_NOT_OUTPUT_FIX,
        )
    missing = [name for name in RUN_LAYERS if name not in tables]
    if missing:
        raise InputError(
            f"{shown} holds a partial run (no {', '.join(missing)}: a family subcommand's output)",
            fix=f"run 'safespaces run --out {shown}' to complete it",
        )
    try:
        recorded = json.loads((path / _MANIFEST).read_text("utf-8"))["files"][GPKG_NAME]["bytes"]
    except (OSError, ValueError, KeyError, TypeError):
        recorded = None  # folders of earlier versions have no manifest
    if recorded is not None and recorded != gpkg.stat().st_size:
        raise InputError(
            f"{shown}: {GPKG_NAME} was changed after the run ({gpkg.stat().st_size:,} bytes, "
            f"the run wrote {recorded:,})",
            fix="run 'safespaces run' into that folder again, or open another run",
        )
    return path


def read_layer(path: str | Path, layer: str) -> gpd.GeoDataFrame | None:
    """One layer of an existing GeoPackage, or None (no file, or no such layer)."""
    if not Path(path).exists():
        return None
    try:
        return pyogrio.read_dataframe(path, layer=layer)
    except (pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError):
        return None


def has_layer(path: str | Path, layer: str) -> bool:
    """Whether the GeoPackage ``path`` exists and lists ``layer`` in ``gpkg_contents``."""
    if not Path(path).exists():
        return False
    with contextlib.closing(sqlite3.connect(path)) as con:
        found = con.execute("SELECT 1 FROM gpkg_contents WHERE table_name = ?", (layer,)).fetchone()
    return found is not None


def write_layers(
    out_dir: str | Path,
    layers: Mapping[str, pd.DataFrame],
    metadata: Mapping[str, Any] | None = None,
    *,
    filename: str = GPKG_NAME,
    keep_other_layers: bool = True,
    remove: Iterable[str] = (),
) -> Path:
    """Write layers (GeoDataFrames, or DataFrames as attribute tables) to a GeoPackage.

    Parameters
    ----------
    out_dir
        Output folder (created if needed).
    layers
        Layer name -> frame. A layer already in the file is replaced.
    metadata
        Key/values merged into the ``run_metadata`` table.
    keep_other_layers
        Keep the layers of an existing file that ``layers`` does not replace.
    remove
        Layers of the existing file to remove (an output this run no longer makes,
        such as the raw incident points of an earlier opt-in run); absent ones are skipped.

    Returns
    -------
    pathlib.Path
        The GeoPackage written.

    Raises
    ------
    OutputError
        The file cannot be written; the previous file is left as it was.
    """
    target = Path(out_dir) / filename
    old_meta: dict[str, str] = {}
    if keep_other_layers and target.exists():
        with contextlib.suppress(pyogrio.errors.DataLayerError, pyogrio.errors.DataSourceError):
            old_meta = read_metadata(target)
    try:
        with atomic_path(target, copy_existing=keep_other_layers) as tmp, _unsynced_sqlite():
            for name in remove:
                if has_layer(tmp, name):
                    _drop_layer(tmp, name)
            for name, frame in layers.items():
                _write_one(tmp, name, frame)
            if metadata is not None:
                merged = {**old_meta, **metadata}
                _write_one(tmp, METADATA_LAYER, metadata_frame(merged))
            with tmp.open("rb+") as handle:  # once, before the rename
                os.fsync(handle.fileno())
    except (OSError, pyogrio.errors.DataSourceError, sqlite3.Error) as exc:
        raise OutputError(
            f"cannot write {target}: {exc}. Fix: check free disk space, file size limits "
            "(ulimit -f) and permissions, then run again"
        ) from exc
    return target


_SYNC_OPTION = "OGR_SQLITE_SYNCHRONOUS"
_SYNC_LOCK = threading.Lock()


@contextlib.contextmanager
def _unsynced_sqlite() -> Iterator[None]:
    """GDAL's SQLite writes without a sync per transaction, for a file written whole under
    a temporary name and synced once before its rename (:func:`write_layers`).

    Every layer written is a few transactions, each synced to disk by default: that
    took longer than the writing itself. The option is global to GDAL: the lock keeps
    threads from restoring each other's value.
    """
    with _SYNC_LOCK:
        saved = pyogrio.get_gdal_config_option(_SYNC_OPTION)
        pyogrio.set_gdal_config_options({_SYNC_OPTION: "OFF"})
        try:
            yield
        finally:
            pyogrio.set_gdal_config_options({_SYNC_OPTION: saved})


def _write_one(path: Path, name: str, frame: pd.DataFrame) -> None:
    data = _prepare(frame)
    options: dict[str, Any] = {"layer_options": {"OVERWRITE": "YES"}}
    if not path.exists():
        options["dataset_options"] = {"VERSION": "1.2"}
    if isinstance(data, gpd.GeoDataFrame):
        pyogrio.write_dataframe(
            data, path, layer=name, driver="GPKG", promote_to_multi=False, **options
        )
    else:
        pyogrio.write_dataframe(data, path, layer=name, driver="GPKG", **options)


def _drop_layer(path: Path, layer: str) -> None:
    """Remove a layer and its spatial index from the GeoPackage ``path`` (in place)."""
    with contextlib.closing(sqlite3.connect(path)) as con:
        rtree = con.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name LIKE ?",
            (f"rtree_{layer}_%",),
        ).fetchall()
        for (name,) in rtree:
            if "_" in name and not name.endswith(("_node", "_parent", "_rowid")):
                con.execute(f'DROP TABLE IF EXISTS "{name}"')
        con.execute(f'DROP TABLE IF EXISTS "{layer}"')
        for table in ("gpkg_contents", "gpkg_geometry_columns", "gpkg_extensions"):
            with contextlib.suppress(sqlite3.OperationalError):
                con.execute(f"DELETE FROM {table} WHERE table_name = ?", (layer,))
        con.commit()
