"""The run cache: the only place the app runs the analysis.

One cached call per set of inputs and configuration runs the whole pipeline
(:func:`safespaces.pipeline.run`) into a per-run folder under the temp dir (which writes
the QGIS package too) and reads the layers back (:func:`safespaces_app.results.read_run`).
Changing the hour or a weight never reruns it: the hour picks a column ``eyes_hNN``, the
weights go through :mod:`safespaces_app.scoring`.
"""

from __future__ import annotations

import atexit
import hashlib
import json
import logging
import shutil
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

import streamlit as st

import safespaces
from safespaces.config import Config
from safespaces.study import Inputs
from safespaces_app.diskcache import RUNS_DIR, default_run, disk_cache_enabled
from safespaces_app.results import Analysis, read_run
from safespaces_app.settings import current_config

if TYPE_CHECKING:
    from safespaces.pipeline import RunResult

LOG = logging.getLogger("safespaces.app")


def run(inputs: Inputs, config: Config, out: Path) -> RunResult:
    """:func:`safespaces.pipeline.run`, imported only when a run is made: the pipeline
    imports the whole analysis (seconds), and a run kept on disk needs none of it."""
    from safespaces.pipeline import run as run_pipeline

    return run_pipeline(inputs, config, out)


def run_key(inputs: Inputs, config_json: str) -> str:
    """Short hash of what determines a run."""
    text = json.dumps([repr(inputs), config_json, safespaces.__version__])
    return hashlib.sha256(text.encode()).hexdigest()[:16]


@st.cache_resource(show_spinner=False, max_entries=4)
def analysis(inputs: Inputs, config_json: str, _config: Config) -> Analysis:
    """Run the pipeline once per (inputs, configuration) and read its layers back.

    ``_config`` is not hashed; ``config_json`` (its JSON) is the cache key. The default's
    run is kept on disk across restarts (:func:`safespaces_app.diskcache.default_run`).
    """
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    if inputs == Inputs() and disk_cache_enabled():
        folder = default_run(config_json, lambda tmp: run(Inputs(), _config, tmp))
    else:  # uploads: a folder of this server's only, removed when it stops
        folder = Path(tempfile.mkdtemp(prefix=run_key(inputs, config_json) + "-", dir=RUNS_DIR))
        atexit.register(shutil.rmtree, folder, True)
        run(inputs, _config, folder)  # writes the GeoPackage, rasters and the QGIS project
    return read_run(folder, k_min=_config.incidents.k_min)


def current_inputs() -> Inputs:
    """The session's inputs (the embedded Helsinki default until files are uploaded)."""
    value = st.session_state.get("inputs")
    return value if isinstance(value, Inputs) else Inputs()


def load() -> Analysis:
    """The analysis of the session's inputs (cached; runs at most once per inputs)."""
    config = current_config()
    return analysis(current_inputs(), config.to_json(), config)
