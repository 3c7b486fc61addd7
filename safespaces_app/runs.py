"""The run cache: the only place the app runs the analysis.

One cached call per set of inputs and configuration runs the whole pipeline
(:func:`safespaces.pipeline.run`) into a per-run folder under the temp dir (which writes
the QGIS package too) and reads the layers back (:func:`safespaces_app.results.read_run`).
Changing the hour or a weight never reruns it: the hour picks a column ``eyes_hNN``, the
weights go through :mod:`safespaces_app.scoring`.

A finished output folder (``safespaces app --open DIR``, or opened on the Data page) is read
back as it is (:func:`open_run`): nothing is recomputed. The session's source is, first
to last: a folder it opened, its uploads, the server's ``--open`` folder
(:data:`safespaces.commands.app.OPEN_ENV`), the embedded default.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

import safespaces
from safespaces.commands.app import OPEN_ENV
from safespaces.config import Config, load_config
from safespaces.errors import SafespacesError
from safespaces.io import GPKG_NAME, check_output_folder
from safespaces.study import Inputs
from safespaces_app.build import NOT_SAME_CONFIG, command
from safespaces_app.diskcache import RUNS_DIR, await_prestarted, default_run, disk_cache_enabled
from safespaces_app.results import Analysis, read_run
from safespaces_app.settings import current_config, server_config

if TYPE_CHECKING:
    from safespaces.pipeline import RunResult

LOG = logging.getLogger("safespaces.app")
#: Session key of the output folder the session opened (a resolved path, as text).
OPENED_KEY = "opened"


def run(inputs: Inputs, config: Config, out: Path) -> RunResult:
    """:func:`safespaces.pipeline.run`, imported only when a run is made: the pipeline
    imports the whole analysis (seconds), and a run kept on disk needs none of it."""
    from safespaces.pipeline import run as run_pipeline

    return run_pipeline(inputs, config, out)


def run_key(inputs: Inputs, config_json: str) -> str:
    """Short hash of what determines a run."""
    text = json.dumps([repr(inputs), config_json, safespaces.__version__])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_default_apart(config: Config, out: Path) -> None:
    """The embedded default's run into ``out`` in a process of its own
    (:mod:`safespaces_app.build`); in this process when the configuration cannot be handed
    over as it is.

    Raises
    ------
    RuntimeError
        The run failed (the message ends with the process's last lines).
    """
    args, env = command(str(out))
    done = subprocess.run(
        args,
        env=env,
        input=config.to_json(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode == NOT_SAME_CONFIG:
        LOG.warning("the default's run is made in the server (%s)", done.stderr.strip())
        run(Inputs(), config, out)
    elif done.returncode != 0:
        tail = " ".join(done.stderr.strip().splitlines()[-3:])
        raise RuntimeError(f"the default's run stopped with exit {done.returncode}: {tail}")


@st.cache_resource(show_spinner=False, max_entries=4)
def analysis(inputs: Inputs, config_json: str, _config: Config) -> Analysis:
    """Run the pipeline once per (inputs, configuration) and read its layers back.

    ``_config`` is not hashed; ``config_json`` (its JSON) is the cache key. The default's
    run is kept on disk across restarts (:func:`safespaces_app.diskcache.default_run`).
    """
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    if inputs == Inputs() and disk_cache_enabled():
        await_prestarted()  # the warm-up's early run: its folder is then found complete
        folder = default_run(config_json, lambda tmp: run_default_apart(_config, tmp))
    else:  # uploads: a folder of this server's only, removed when it stops
        folder = Path(tempfile.mkdtemp(prefix=run_key(inputs, config_json) + "-", dir=RUNS_DIR))
        atexit.register(shutil.rmtree, folder, True)
        run(inputs, _config, folder)  # writes the GeoPackage, rasters and the QGIS project
    return read_run(folder, k_min=_config.incidents.k_min)


def folder_stamp(folder: Path) -> str:
    """What tells one run in ``folder`` from the next one written there (a new run swaps
    the whole folder: a new GeoPackage file)."""
    info = (folder / GPKG_NAME).stat()
    return f"{info.st_ino}-{info.st_size}-{info.st_mtime_ns}"


@st.cache_resource(show_spinner=False, max_entries=4)
def open_run(folder: str, stamp: str) -> Analysis:
    """A finished output folder read back (no analysis runs); cached per folder and run
    (``stamp``: :func:`folder_stamp`)."""
    path = check_output_folder(folder)
    return read_run(path, k_min=Config().incidents.k_min)


def current_inputs() -> Inputs:
    """The session's inputs (the embedded Helsinki default until files are uploaded)."""
    value = st.session_state.get("inputs")
    return value if isinstance(value, Inputs) else Inputs()


def server_folder() -> Path | None:
    """The output folder the server was started on (``safespaces app --open DIR``)."""
    value = os.environ.get(OPEN_ENV, "")
    return Path(value) if value else None


def opened_folder() -> Path | None:
    """The finished output folder the session shows, or None when it shows a run of its
    inputs: the folder it opened, else (no uploads) the server's ``--open`` folder."""
    value = st.session_state.get(OPENED_KEY)
    if isinstance(value, str) and value:
        return Path(value)
    return server_folder() if current_inputs() == Inputs() else None


def use_folder(folder: str | Path) -> Path:
    """Make a finished output folder the session's source (checked and read first).

    Raises
    ------
    InputError
        ``folder`` is not a finished output folder (one line; the session keeps its source).
    """
    path = check_output_folder(folder)
    open_run(str(path), folder_stamp(path))
    st.session_state[OPENED_KEY] = str(path)
    return path


def close_folder() -> None:
    """Forget the folder the session opened (back to its inputs or the server's default)."""
    st.session_state.pop(OPENED_KEY, None)


def _read_folder(folder: Path) -> Analysis:
    path = check_output_folder(folder)  # it may have gone since it was opened
    return open_run(str(path), folder_stamp(path))


def load() -> Analysis:
    """The analysis the session shows: an opened folder read back, else the run of its
    inputs (cached; runs at most once per inputs)."""
    folder = opened_folder()
    if folder is not None:
        return _read_folder(folder)
    config = current_config()
    return analysis(current_inputs(), config.to_json(), config)


def server_default() -> Analysis:
    """What a new session shows before it chooses anything: the server's ``--open`` folder,
    else the run of the embedded default under the site's configuration. The same cached
    calls as :func:`load` makes for such a session, but needing no session: the server's
    warm-up (:mod:`safespaces_app.warmup`) makes them when it starts."""
    folder = server_folder()
    if folder is not None:
        return _read_folder(folder)
    config = server_config()
    return analysis(Inputs(), config.to_json(), config)


def run_config(data: Analysis) -> Config:
    """The configuration of the run ``data`` shows (its ``run_metadata``), under the site's
    ``[app]`` settings; the site's configuration when the run's cannot be read."""
    site = current_config()
    recorded = data.metadata.get("config")
    if not isinstance(recorded, dict):
        return site
    sections = {k: v for k, v in recorded.items() if k != "app" and isinstance(v, dict)}
    try:
        return load_config(site, settings=sections)
    except SafespacesError:  # a run of another version: its settings are not all known
        return site
