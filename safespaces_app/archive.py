"""The run's files for download, and the whole run as one zip (built once, atomically)."""

from __future__ import annotations

import hashlib
import threading
import zipfile
from pathlib import Path

from safespaces.io import GPKG_NAME, atomic_path
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
    return target


def zip_bytes(folder: str) -> bytes:
    """The bytes of :func:`export_zip`, built in :func:`zip_folder`."""
    return export_zip(folder, zip_folder(folder)).read_bytes()
