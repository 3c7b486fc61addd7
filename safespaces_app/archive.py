"""The run's files for download, and the whole run as one zip (built once, atomically)."""

from __future__ import annotations

import hashlib
import io
import shutil
import threading
import zipfile
from pathlib import Path

from safespaces.formats import FORMAT_FOLDERS, write_formats
from safespaces.io import GPKG_NAME, atomic_path
from safespaces.qgis.package import stored_styles
from safespaces_app.diskcache import CACHE_ROOT, RUNS_DIR
from safespaces_app.results import Analysis

#: Where the zip of a run is written (a hidden folder of the run: not itself exported).
EXPORT_DIR = ".export"
#: Where the zips of opened output folders are written (the app never writes into those).
OPENED_EXPORTS = CACHE_ROOT / "exports"
_LOCK = threading.Lock()


def export_files(data: Analysis) -> list[Path]:
    """The run's files for download: GeoPackage, rasters with styles, project."""
    return sorted(p for p in data.folder.iterdir() if p.is_file() and not p.name.startswith("."))


def zip_folder(folder: str | Path) -> Path:
    """Where the zip of a run's folder is built: inside the app's own runs
    (:data:`EXPORT_DIR`); for an opened output folder (the analyst's: the app never writes
    into it) a folder of the app's cache named by the folder and its run."""
    folder = Path(folder).resolve()
    if folder.is_relative_to(RUNS_DIR.resolve()):
        return folder / EXPORT_DIR
    gpkg = (folder / GPKG_NAME).stat()
    key = f"{folder}\0{gpkg.st_ino}-{gpkg.st_size}-{gpkg.st_mtime_ns}"
    return OPENED_EXPORTS / hashlib.sha256(key.encode()).hexdigest()[:20]


def export_zip(folder: str | Path, into: str | Path | None = None) -> Path:
    """The whole output folder as one zip (a QGIS project with its data), built once.

    The zip is written to a temporary file beside its target and renamed over it only
    when complete (:func:`safespaces.io.atomic_path`): a failure while building it
    leaves no partial file, and a concurrent download never sees half a zip. ``into`` is
    the folder of the zip (default: :data:`EXPORT_DIR` inside ``folder``).
    """
    folder = Path(folder)
    target = Path(into if into is not None else folder / EXPORT_DIR) / "safespaces.zip"
    with _LOCK:
        if target.is_file():
            return target
        with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    zf.write(path, f"safespaces/{path.name}")
                elif path.is_dir() and path.name in FORMAT_FOLDERS.values():
                    for item in sorted(path.iterdir()):  # --format folders of a CLI run
                        zf.write(item, f"safespaces/{path.name}/{item.name}")
    return target


def format_zip(folder: str | Path, fmt: str) -> Path:
    """One format of :mod:`safespaces.formats` (``geoparquet``, ``fgb``, ``pmtiles``) of a
    run's GeoPackage, as a zip, built once in :func:`zip_folder` (never in an analyst's
    folder) and renamed into place only when complete."""
    folder = Path(folder)
    into = zip_folder(folder)
    target = into / f"safespaces-{fmt}.zip"
    with _LOCK:
        if target.is_file():
            return target
        work = into / ".formats"
        files = write_formats(folder, [fmt], into=work)
        with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in files:
                zf.write(path, f"safespaces/{path.parent.name}/{path.name}")
        shutil.rmtree(work, ignore_errors=True)
    return target


def format_zip_bytes(folder: str, fmt: str) -> bytes:
    """The bytes of :func:`format_zip`."""
    return format_zip(folder, fmt).read_bytes()


def sld_zip_bytes(folder: str) -> bytes:
    """Every layer's SLD 1.1 style (one ``<layer>--<style>.sld`` per catalogue view), zipped:
    the styles a GeoServer administrator imports."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for style in stored_styles(folder):
            if style.sld:
                zf.writestr(f"sld/{style.table}--{style.name}.sld", style.sld)
    return buffer.getvalue()


def zip_bytes(folder: str) -> bytes:
    """The bytes of :func:`export_zip`, built in :func:`zip_folder`."""
    return export_zip(folder, zip_folder(folder)).read_bytes()
