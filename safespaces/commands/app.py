"""``safespaces app``: open the Streamlit app (the ``app`` extra).

Runs ``streamlit run`` on the installed app's main script (``safespaces_app/main.py``, found
without importing it: the library imports no Streamlit), with the app's Streamlit settings
(``safespaces_app/.streamlit/config.toml``: Leaflet served from the package's ``static/``, no
usage statistics, no external address probe) given as flags, so that they hold from any
folder. Arguments after ``app`` go to ``streamlit run`` and override those settings.

``--open DIR`` opens a finished output folder (written by ``safespaces run``, either engine)
instead of running the analysis: the folder is checked before the server starts
(:func:`safespaces.io.check_output_folder`) and handed to the app in the environment
(:data:`OPEN_ENV`; set it yourself for ``streamlit run app.py``), where it replaces the
embedded default for every session.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import subprocess
import sys
import tomllib
from pathlib import Path

from safespaces.errors import ConfigError

HELP = "open the Streamlit app in the browser (needs the app extra: safespaces[app])"
DESCRIPTION = """\
Starts the Streamlit app on the embedded Helsinki default (http://localhost:8501):
'streamlit run' on the installed app, with its settings (the map's Leaflet is
served by the app itself: it works with no internet). Needs the app extra:
pip install 'safespaces[app]'. The app reads the site configuration from
$SAFESPACES_CONFIG, else ./safespaces.toml (e.g. [app] basemap_url; see
docs/app.md). --open DIR opens a finished output folder of 'safespaces run'
(e.g. a whole city computed with --engine dask) without recomputing anything.
Every other argument goes to 'streamlit run' and overrides the app's settings.
Stop it with Ctrl-C.

Examples:
  safespaces app
  safespaces app --open out/helsinki
  safespaces app --server.port 8502
  safespaces app --server.address 0.0.0.0 --browser.serverAddress planning.intranet
"""
#: Import names of the ``app`` extra (pyproject.toml) that the app needs.
APP_MODULES = ("streamlit", "folium", "streamlit_folium")
#: The installed app: a separate top-level package of this distribution.
APP_PACKAGE = "safespaces_app"
#: Fix named in every error about a missing app.
FIX = "pip install 'safespaces[app]'"
#: The environment variable that hands ``--open DIR`` (resolved, checked) to the app.
OPEN_ENV = "SAFESPACES_APP_OPEN"


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register the ``app`` subcommand (it passes unknown arguments on to Streamlit)."""
    parser = subparsers.add_parser(
        "app",
        help=HELP,
        description=DESCRIPTION,
        formatter_class=argparse.RawDescriptionHelpFormatter,
        usage="safespaces app [-h] [--open DIR] [STREAMLIT_OPTION ...]",
    )
    parser.add_argument(
        "--open",
        metavar="DIR",
        type=Path,
        help="open this finished output folder of 'safespaces run' (no analysis runs)",
    )
    parser.set_defaults(func=run, passthrough=True)


def app_folder() -> Path:
    """The installed ``safespaces_app`` package's folder (the package is not imported)."""
    spec = importlib.util.find_spec(APP_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ConfigError(f"the app package {APP_PACKAGE} is not installed. Fix: {FIX}")
    return Path(next(iter(spec.submodule_search_locations))).resolve()


def require_app() -> None:
    """Refuse to start before anything runs when the ``app`` extra is missing."""
    missing = [name for name in APP_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"the app needs the app extra ({', '.join(missing)} not installed). Fix: {FIX}"
        )


def streamlit_flags(config: Path) -> list[str]:
    """The settings of a Streamlit ``config.toml`` as ``streamlit run`` flags."""
    flags = []
    for section, options in tomllib.loads(config.read_text(encoding="utf-8")).items():
        for key, value in options.items():
            text = str(value).lower() if isinstance(value, bool) else str(value)
            flags.append(f"--{section}.{key}={text}")
    return flags


def streamlit_command(extra: list[str]) -> list[str]:
    """``streamlit run`` on the app's main script, its settings, then ``extra``: through
    ``python -m safespaces_app.serve``, which starts the server's warm-up first (the first
    map's analysis runs while the server starts and the browser loads the page)."""
    folder = app_folder()
    flags = streamlit_flags(folder / ".streamlit" / "config.toml")
    serve = f"{APP_PACKAGE}.serve"
    return [sys.executable, "-m", serve, "run", *flags, str(folder / "main.py"), *extra]


def run(args: argparse.Namespace) -> int:
    """Run the app until Streamlit stops; returns Streamlit's exit status."""
    require_app()
    env = dict(os.environ)
    opened = getattr(args, "open", None) or env.get(OPEN_ENV)
    if opened:  # refused here, in one line, before the server starts
        from safespaces.io import check_output_folder  # geopandas: only when it is needed

        env[OPEN_ENV] = str(check_output_folder(opened))
    command = streamlit_command(list(getattr(args, "extra", [])))
    process = subprocess.Popen(command, env=env)
    try:
        return process.wait()
    except KeyboardInterrupt:  # Streamlit got the same Ctrl-C and shuts down by itself
        return process.wait()
    except BaseException as exc:  # TERM or HUP (safespaces.cli.Stopped): stop the server too
        process.terminate()
        process.wait()
        signum = getattr(exc, "signum", None)
        if isinstance(signum, int):
            print(f"safespaces app: stopped by signal {signum}", file=sys.stderr)
            return 128 + signum
        raise
