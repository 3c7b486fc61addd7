"""The server's warm-up: the first map's work done when the server starts, not when the
first planner opens the page.

``safespaces app`` starts the server through :mod:`safespaces_app.serve`, which calls
:func:`start` before Streamlit starts listening. A background thread then, first, starts the
default's run in a process of its own (:func:`safespaces_app.diskcache.prestart_default`:
a core to itself, not the server's interpreter lock), imports the pages' modules meanwhile,
then makes what a new session shows first (:func:`safespaces_app.runs.server_default`: the
embedded default, found on disk once that process is done, or the ``--open`` folder read
back) and writes its map documents (a whole city's tiles included,
:func:`safespaces_app.mapwidget.document`). Those are the same cached calls a session
makes, so the first session finds them done, or waits for the one under way (Streamlit's
cache computes a value once: a session arriving meanwhile waits on its lock instead of
starting a second run).

A failure here is only logged: the first session makes the same call and shows the error
where the user sees it. ``SAFESPACES_APP_WARMUP=0`` turns the warm-up off.
"""

from __future__ import annotations

import importlib
import logging
import os
import sys
import threading
import time
from pathlib import Path

LOG = logging.getLogger("safespaces.app")
#: ``0`` turns the warm-up off (the first session then does its work itself).
WARMUP_ENV = "SAFESPACES_APP_WARMUP"
#: The app package's folder: ``streamlit run`` puts the main script's folder (this one)
#: first on ``sys.path``, where its modules would shadow top-level ones (see
#: :func:`safespaces_app.main.unshadow`).
HERE = Path(__file__).resolve().parent
#: The modules the first page run imports (the pages themselves are run by Streamlit, their
#: imports then come from ``sys.modules``).
MODULES = (
    "safespaces_app.components",
    "safespaces_app.mapview",
    "safespaces_app.mapwidget",
    "safespaces_app.urlstate",
    "safespaces_app.webmap",
    "safespaces_app.runs",
)
#: Seconds the warm-up waits for Streamlit to put the main script's folder on ``sys.path``
#: (it is taken off again before anything is imported).
PATH_WAIT_S = 10.0
THREAD_NAME = "safespaces-warmup"


class _QuietOutsideSessions(logging.Filter):
    """Drop Streamlit's "missing ScriptRunContext" warnings of the warm-up thread: it calls
    the app's cached functions outside any session on purpose."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.threadName != THREAD_NAME


def enabled() -> bool:
    """Whether the server warms up (unless ``SAFESPACES_APP_WARMUP=0``)."""
    return os.environ.get(WARMUP_ENV, "1") != "0"


def _shadowing() -> bool:
    return any(os.path.realpath(p or os.curdir) == str(HERE) for p in sys.path)


def _unshadow(wait_s: float) -> None:
    """Wait (at most ``wait_s``) until Streamlit has put this folder on ``sys.path``, then
    take it off, as the main script does before its own imports."""
    deadline = time.monotonic() + wait_s
    while not _shadowing() and time.monotonic() < deadline:
        time.sleep(0.01)
    sys.path[:] = [p for p in sys.path if os.path.realpath(p or os.curdir) != str(HERE)]


def warm(wait_s: float = PATH_WAIT_S) -> float:
    """Import the pages' modules, make the first analysis and write its map; returns the
    seconds it took. Exceptions propagate (:func:`start` logs them)."""
    start = time.perf_counter()
    from safespaces_app import diskcache  # (light: it imports no analysis)

    diskcache.prestart_default()  # on a core of its own while the rest is imported
    _unshadow(wait_s)
    for name in MODULES:
        importlib.import_module(name)
    from safespaces_app import mapwidget, runs

    mapwidget.document(runs.server_default())
    return time.perf_counter() - start


def _run() -> None:
    try:
        seconds = warm()
    except Exception as exc:  # the first session makes the same call and shows the error
        LOG.warning("the warm-up did not finish (the first page will try again): %s", exc)
    else:  # in the server's terminal, under Streamlit's address lines
        ready = f"  safespaces: the first map is ready ({seconds:.1f} s)"
        print(ready, file=sys.stderr, flush=True)


def start() -> threading.Thread | None:
    """Start the warm-up in a background thread (a daemon: it never holds the server up);
    None when it is turned off."""
    if not enabled():
        return None
    context_logger = logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context")
    context_logger.addFilter(_QuietOutsideSessions())
    thread = threading.Thread(target=_run, name=THREAD_NAME, daemon=True)
    thread.start()
    return thread
