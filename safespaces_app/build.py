"""The embedded default's run in a process of its own: ``python -m safespaces_app.build``.

The app's run of the default (kept on disk by :func:`safespaces_app.diskcache.default_run`)
is made in a process of its own rather than in the server's: there it has a core to itself
instead of sharing the server's interpreter lock with Streamlit and the page (on 2 cores the
cold first map came seconds sooner, benchmarks/RESULTS.md). Two ways in:

``python -m safespaces_app.build --default``
    The server's warm-up (:mod:`safespaces_app.warmup`) starts this first thing, before it
    imports anything heavy: the default under the site's configuration (the file
    :func:`site_config_path` names, read as :mod:`safespaces_app.settings` reads it) into the
    disk cache, where the server's :func:`safespaces_app.runs.analysis` then finds it (it
    waits for this process first, :func:`safespaces_app.runs.await_prestarted`).
``python -m safespaces_app.build OUT < config.json``
    The default under the configuration given on stdin (:meth:`Config.to_json
    <safespaces.config.Config.to_json>`) into the existing folder ``OUT``
    (:func:`safespaces_app.runs.run_default_apart`). It is read back with
    :func:`~safespaces.config.load_config` and must give the same JSON, else exit
    :data:`NOT_SAME_CONFIG` (the caller then runs in its own process).

Exit 2 with one ``error:`` line for a :class:`~safespaces.errors.SafespacesError`.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from safespaces.config import Config

#: Exit status when the configuration does not come back the same (the caller runs itself).
NOT_SAME_CONFIG = 4
#: Configuration file of the app: ``$SAFESPACES_CONFIG``, else :data:`CONFIG_FILE` in the
#: folder the app was started from (the repository's top for ``streamlit run app.py``).
CONFIG_ENV = "SAFESPACES_CONFIG"
CONFIG_FILE = "safespaces.toml"


def command(*args: str) -> tuple[list[str], dict[str, str]]:
    """The command line and environment of this module in a new process: the same
    interpreter, importing the same ``safespaces`` and ``safespaces_app`` as this process
    (their folders first on ``PYTHONPATH``: a clone that is not installed, started from
    another folder, finds them too)."""
    import safespaces
    import safespaces_app

    roots = [str(Path(str(m.__file__)).resolve().parents[1]) for m in (safespaces_app, safespaces)]
    inherited = os.environ.get("PYTHONPATH", "")
    path = os.pathsep.join(dict.fromkeys([*roots, *filter(None, inherited.split(os.pathsep))]))
    return [sys.executable, "-m", "safespaces_app.build", *args], {**os.environ, "PYTHONPATH": path}


def site_config_path() -> str:
    """The site's configuration file (it may not exist)."""
    return os.environ.get(CONFIG_ENV, str(Path.cwd() / CONFIG_FILE))


def read_site_config(path: str) -> Config:
    """The site's configuration file, or the defaults when there is none."""
    from safespaces.config import Config, load_config

    return load_config(path) if path and Path(path).is_file() else Config()


def _default_into_cache() -> None:
    from safespaces.study import Inputs
    from safespaces_app.diskcache import RUNS_DIR, default_run

    def build(tmp: Path) -> None:
        from safespaces.pipeline import run  # the whole analysis: only when not on disk

        run(Inputs(), config, tmp)

    config = read_site_config(site_config_path())
    RUNS_DIR.mkdir(parents=True, exist_ok=True)
    default_run(config.to_json(), build)


def _default_into(out: Path, config_json: str) -> int:
    from safespaces.config import Config, load_config
    from safespaces.pipeline import run
    from safespaces.study import Inputs

    config = load_config(Config(), settings=json.loads(config_json))
    if config.to_json() != config_json:
        print("error: the configuration did not come back the same", file=sys.stderr)
        return NOT_SAME_CONFIG
    run(Inputs(), config, out)
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run as the module docstring says; returns the exit status."""
    from safespaces.errors import SafespacesError

    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) != 1:
        print(
            "usage: python -m safespaces_app.build (--default | OUT < config.json)", file=sys.stderr
        )
        return 2
    try:
        if args[0] == "--default":
            _default_into_cache()
            return 0
        return _default_into(Path(args[0]), sys.stdin.read())
    except SafespacesError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
