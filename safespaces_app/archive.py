"""The run's files for download, and the whole run as one zip (built once, atomically)."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

from safespaces.io import atomic_path
from safespaces_app.results import Analysis

#: Where the zip of a run is written (a hidden folder of the run: not itself exported).
EXPORT_DIR = ".export"
_LOCK = threading.Lock()


def export_files(data: Analysis) -> list[Path]:
    """The run's files for download: GeoPackage, rasters with styles, project."""
    return sorted(p for p in data.folder.iterdir() if p.is_file() and not p.name.startswith("."))


def export_zip(folder: str | Path) -> Path:
    """The whole output folder as one zip (a QGIS project with its data), built once.

    The zip is written to a temporary file beside its target and renamed over it only
    when complete (:func:`safespaces.io.atomic_path`): a failure while building it
    leaves no partial file, and a concurrent download never sees half a zip.
    """
    folder = Path(folder)
    target = folder / EXPORT_DIR / "safespaces.zip"
    with _LOCK:
        if target.is_file():
            return target
        with atomic_path(target) as tmp, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(folder.iterdir()):
                if path.is_file() and not path.name.startswith("."):
                    zf.write(path, f"safespaces/{path.name}")
    return target


def zip_bytes(folder: str) -> bytes:
    """The bytes of :func:`export_zip`."""
    return export_zip(folder).read_bytes()
