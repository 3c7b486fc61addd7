"""Uploaded files: checked before any loader sees them, kept per content, shared by sessions.

An upload is written to a folder named by its content under :data:`UPLOADS_DIR`; each
session that uses it counts (:func:`use_inputs`), and a file no session uses is deleted
(:func:`discard`, and every upload of this process at exit).
"""

from __future__ import annotations

import atexit
import contextlib
import dataclasses
import hashlib
import re
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import streamlit as st

from safespaces.errors import InputError
from safespaces.io import atomic_path
from safespaces.safety import Limits, sniff
from safespaces.study import Inputs
from safespaces_app.diskcache import CACHE_ROOT

#: Where uploads are kept (a folder per content).
UPLOADS_DIR = CACHE_ROOT / "uploads"
#: Largest upload accepted, in MB: the app's ceiling; :func:`upload_limit_mb` also applies
#: ``server.maxUploadSize`` and the library's ``Limits.max_table_mb``.
MAX_UPLOAD_MB = 200
#: Accepted file types per input.
UPLOAD_TYPES: Mapping[str, tuple[str, ...]] = {
    "osm": ("osm", "pbf"),
    "lamps": ("csv", "tsv", "txt", "gpkg", "geojson", "json", "fgb", "zip"),
    "tenure": ("csv", "tsv", "txt", "gpkg", "geojson", "json", "fgb", "zip"),
    "incidents": ("csv", "tsv", "txt", "gpkg", "geojson", "json", "fgb", "zip"),
    "areas": ("gpkg", "geojson", "json", "fgb", "zip"),
}
#: What :func:`safespaces.safety.sniff` must say for suffixes whose format has a signature.
_SIGNATURE = {
    "gpkg": "GeoPackage",
    "zip": "ZIP archive",
    "pbf": "OpenStreetMap PBF",
    "geojson": "JSON",
    "json": "JSON",
    "osm": "XML",
}
_FORMAT_NAME = {
    "gpkg": "a GeoPackage",
    "zip": "a zip archive",
    "pbf": "an OpenStreetMap PBF file",
    "geojson": "GeoJSON",
    "json": "GeoJSON",
    "osm": "OpenStreetMap XML",
}

_UPLOADED: set[Path] = set()
#: Sessions using each upload (see :func:`use_inputs`).
_REFS: dict[Path, int] = {}
_LOCK = threading.RLock()


class UploadError(InputError):
    """An upload refused before any loader sees it (type, size or content).

    ``reason`` is ``"type"``, ``"size"``, ``"empty"`` or ``"content"``.
    """

    def __init__(self, reason: str, message: str, *, path: str | Path, fix: str) -> None:
        self.reason = reason
        super().__init__(message, path=path, fix=fix)


def upload_limit_mb() -> int:
    """Largest upload in MB: the smallest of the app's ceiling, ``server.maxUploadSize`` and
    the library's size limit (``SAFESPACES_MAX_TABLE_MB``)."""
    limits = [MAX_UPLOAD_MB, Limits.from_env().max_table_mb]
    with contextlib.suppress(Exception):  # outside a Streamlit server the option may be unset
        limits.append(int(st.get_option("server.maxUploadSize")))
    return max(min(limits), 0)


def check_upload(kind: str, name: str, data: bytes) -> str:
    """Check an upload's type, size and content; return its suffix (lower case, no dot).

    The suffix must be one of :data:`UPLOAD_TYPES` for ``kind``; the size at most
    :func:`upload_limit_mb`; the first bytes (:func:`safespaces.safety.sniff`) must not
    show another format than the suffix says (a GeoPackage renamed ``.csv``, an HTML error
    page saved as ``.pbf``); a GeoPackage and a zip must carry their signature.

    Raises
    ------
    UploadError
        The reason, with the file name and the fix.
    """
    suffix = Path(name).suffix.lower().lstrip(".")
    allowed = UPLOAD_TYPES[kind]
    if suffix not in allowed:
        raise UploadError(
            "type",
            f"unsupported file type '.{suffix}' for the {kind} input",
            path=name,
            fix="upload one of " + ", ".join(f".{a}" for a in allowed),
        )
    limit = upload_limit_mb()
    if len(data) > limit * 1024 * 1024:
        raise UploadError(
            "size",
            f"the file size is {len(data) / 1024 / 1024:,.1f} MB, above the limit of {limit} MB",
            path=name,
            fix="clip the data to the study area first",
        )
    if not data:
        raise UploadError("empty", "the file is empty", path=name, fix="upload the file again")
    seen = sniff(data[:4096])
    if suffix in ("gpkg", "zip"):  # these must carry their signature
        wrong = seen is None or _SIGNATURE[suffix] not in seen
    else:  # unknown first bytes are left to the loader; another known format is not
        expected = _SIGNATURE.get(suffix)
        wrong = seen is not None and (expected is None or expected not in seen)
    if wrong:
        what = _FORMAT_NAME.get(suffix, f"a .{suffix} file")
        looks = f"it looks like {seen}" if seen else "its first bytes do not match"
        raise UploadError(
            "content",
            f"the content is not {what}: {looks}",
            path=name,
            fix=f"upload the original file, saved as {what}",
        )
    return suffix


def save_upload(kind: str, name: str, data: bytes) -> Path:
    """Check an upload (:func:`check_upload`) and keep it under the temp dir: a folder named
    by its content, the file by its own (sanitised) name, so messages name the user's file.

    The file counts as unused until :func:`use_inputs` takes it; :func:`discard` deletes
    unused files.

    Raises
    ------
    UploadError
        A type not accepted for ``kind``, a file over the size limit, or content that is
        not what its suffix says. Nothing is written then.
    """
    suffix = check_upload(kind, name, data)
    folder = UPLOADS_DIR / hashlib.sha256(data).hexdigest()[:20]
    stem = re.sub(r"[^A-Za-z0-9._-]+", "_", Path(name).stem).strip("._") or kind
    path = folder / f"{stem[:80]}.{suffix}"
    with _LOCK:
        folder.mkdir(parents=True, exist_ok=True)
        if not path.exists():
            with atomic_path(path) as tmp:
                tmp.write_bytes(data)
        _UPLOADED.add(path)
    return path


def uploaded_paths(inputs: Inputs) -> list[Path]:
    """The files of ``inputs`` that are uploads (under the app's upload folder)."""
    paths = [getattr(inputs, f.name) for f in dataclasses.fields(Inputs) if f.name != "crs"]
    return [p for p in paths if isinstance(p, Path) and _is_upload(p)]


def _is_upload(path: Path) -> bool:
    return path.parent.parent == UPLOADS_DIR


def use_inputs(session: Any, inputs: Inputs) -> None:
    """Make ``inputs`` the session's inputs; uploads no session uses any more are deleted.

    Uploads are shared between sessions (a folder per content), so each is counted per
    session that uses it.
    """
    old = session.get("inputs")
    new_paths = uploaded_paths(inputs)
    old_paths = uploaded_paths(old) if isinstance(old, Inputs) else []
    with _LOCK:
        for path in new_paths:
            _REFS[path] = _REFS.get(path, 0) + 1
        for path in old_paths:
            _REFS[path] = _REFS.get(path, 1) - 1
    session["inputs"] = inputs
    discard(old_paths)


def discard(paths: Sequence[Path]) -> None:
    """Delete uploaded files that no session uses (failed validation, replaced, reset)."""
    with _LOCK:
        for path in paths:
            if not _is_upload(path) or _REFS.get(path, 0) > 0:
                continue
            _REFS.pop(path, None)
            _UPLOADED.discard(path)
            path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                path.parent.rmdir()


def _cleanup() -> None:
    """Remove the files this process uploaded."""
    with _LOCK:
        _REFS.clear()
        discard(sorted(_UPLOADED))


atexit.register(_cleanup)
