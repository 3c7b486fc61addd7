"""The app's folders on disk, and the run of the embedded default kept across restarts.

Every run and upload of the app lives under :data:`CACHE_ROOT` (in the temp dir). Only the
default's run (shipped data) outlives the server: runs of uploads are removed when it stops.
"""

from __future__ import annotations

import dataclasses
import hashlib
import logging
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import safespaces
from safespaces.commands.app import OPEN_ENV

if TYPE_CHECKING:
    from safespaces.study import Inputs

LOG = logging.getLogger("safespaces.app")

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
    from safespaces.study import Inputs

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
    from safespaces.study import Inputs

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


#: The default's run started by the server's warm-up before anything else
#: (:func:`prestart_default`): the process and the file its messages go to.
_PRESTARTED: list[tuple[subprocess.Popen[bytes], Path]] = []


def prestart_default() -> None:
    """Start the default's run into the disk cache in a process of its own
    (``python -m safespaces_app.build --default``: the site's configuration), for the app's
    run cache to find done (:func:`await_prestarted`). Imports nothing heavy: the server's
    warm-up calls it first. Nothing starts when the server opened a folder or the disk
    cache is off."""
    if os.environ.get(OPEN_ENV) or not disk_cache_enabled() or _PRESTARTED:
        return
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(prefix=".build-", suffix=".log", dir=RUNS_DIR)
    from safespaces_app.build import command

    args, env = command("--default")
    with os.fdopen(handle, "wb") as err:
        process = subprocess.Popen(
            args,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=err,
        )
    _PRESTARTED.append((process, Path(name)))


def await_prestarted() -> None:
    """Wait for the run :func:`prestart_default` started (if any). A failure is only logged:
    the caller then makes the run itself and meets the error where the user sees it."""
    while _PRESTARTED:
        process, log = _PRESTARTED.pop()
        status = process.wait()
        if status != 0:
            tail = " ".join(log.read_text(errors="replace").strip().splitlines()[-3:])
            LOG.warning("the default's early run stopped with exit %s: %s", status, tail)
        log.unlink(missing_ok=True)
