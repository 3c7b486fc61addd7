"""The app's folders on disk, and the run of the embedded default kept across restarts.

Every run and upload of the app lives under :data:`CACHE_ROOT` (in the temp dir). Only the
default's run (shipped data) outlives the server: runs of uploads are removed when it stops.
"""

from __future__ import annotations

import dataclasses
import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

import safespaces
from safespaces.study import Inputs

#: The app's folder under the temp dir: ``runs/`` and ``uploads/``.
CACHE_ROOT = Path(tempfile.gettempdir()) / "safespaces-app"
#: Where runs are written (one folder each).
RUNS_DIR = CACHE_ROOT / "runs"
#: ``0`` runs the default's analysis afresh at every server start (no run kept on disk).
DISK_CACHE_ENV = "SAFESPACES_APP_DISK_CACHE"
#: Runs of the default kept on disk (older ones are removed).
KEEP_DEFAULT_RUNS = 3
_COMPLETE = ".complete"


def disk_cache_enabled() -> bool:
    """Whether the default's run is kept on disk (unless ``SAFESPACES_APP_DISK_CACHE=0``)."""
    return os.environ.get(DISK_CACHE_ENV, "1") != "0"


def content_key(inputs: Inputs, config_json: str) -> str:
    """Hash of everything a run's result depends on: the bytes of the input files, the
    configuration, and the library's version and source code."""
    digest = hashlib.sha256(config_json.encode())
    digest.update(safespaces.__version__.encode())
    resolved = inputs.resolved()
    for field in dataclasses.fields(Inputs):
        value = getattr(resolved, field.name)
        digest.update(field.name.encode())
        if isinstance(value, Path) and value.is_file():
            digest.update(value.read_bytes())
        else:
            digest.update(repr(value).encode())
    source = Path(safespaces.__file__).resolve().parent
    for path in sorted(source.rglob("*.py")):
        digest.update(path.relative_to(source).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:20]


def default_run(config_json: str, build: Callable[[Path], object]) -> Path:
    """The folder of the embedded default's run, built by ``build(folder)`` when not on disk.

    Keyed by :func:`content_key` (a changed input, configuration or library gives a new
    run). Written to a temporary folder and renamed into place when complete, so a run
    interrupted half-way is never reused. The oldest runs beyond :data:`KEEP_DEFAULT_RUNS`
    are removed.
    """
    folder = RUNS_DIR / f"default-{content_key(Inputs(), config_json)}"
    if (folder / _COMPLETE).is_file():
        return folder
    tmp = Path(tempfile.mkdtemp(prefix=".default-", dir=RUNS_DIR))
    try:
        build(tmp)
        (tmp / _COMPLETE).write_text(config_json)
        try:
            os.rename(tmp, folder)
        except OSError:  # another server finished the same run first
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = sorted(
        (p for p in RUNS_DIR.glob("default-*") if p != folder),
        key=lambda p: p.stat().st_mtime,
        reverse=True,
    )
    for stale in old[KEEP_DEFAULT_RUNS - 1 :]:
        shutil.rmtree(stale, ignore_errors=True)
    return folder
