"""Optional extras: each one that is missing gives one line naming it, never a traceback.

The absence is simulated in a subprocess (``sys.modules[name] = None`` makes ``import name``
fail and ``importlib.util.find_spec(name)`` answer None, as when the package is not installed);
tests/test_wheel.py checks the same on a real install without the extras.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from safespaces.cli import build_parser


def run_without(modules: Sequence[str], code: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """Run ``code`` in a fresh interpreter in which ``modules`` cannot be imported."""
    prelude = f"import sys\nfor _name in {tuple(modules)!r}:\n    sys.modules[_name] = None\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + code],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=300,
        check=False,
    )


def cli_without(
    modules: Sequence[str], args: Sequence[str], cwd: Path
) -> subprocess.CompletedProcess[str]:
    code = f"from safespaces.cli import main\nsys.exit(main({list(args)!r}))\n"
    return run_without(modules, code, cwd)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "error" in line.lower()]


def test_app_without_the_app_extra(tmp_path: Path) -> None:
    """``safespaces app`` refuses in one line naming the extra; its help needs no Streamlit."""
    code = (
        "from safespaces.cli import main\n"
        "print('status', main(['app']))\n"
        "try:\n"
        "    main(['app', '--help'])\n"
        "except SystemExit as exc:\n"
        "    print('help status', exc.code)\n"
    )
    done = run_without(("streamlit", "folium", "streamlit_folium"), code, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines() == [
        "safespaces app: error: the app needs the app extra (streamlit, folium, "
        "streamlit_folium not installed). Fix: pip install 'safespaces[app]'"
    ]
    assert "status 2" in done.stdout.splitlines()
    assert "help status 0" in done.stdout.splitlines()
    assert "safespaces[app]" in done.stdout and "streamlit run" in done.stdout


def test_dask_engine_without_the_distributed_extra(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = cli_without(
        ("dask", "distributed", "dask_geopandas"),
        ["run", "--engine", "dask", "--out", str(out)],
        tmp_path,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    (line,) = error_lines(done.stderr)
    assert line.startswith("safespaces run: error: --engine dask needs the distributed extra")
    assert "pip install 'safespaces[distributed]'" in line
    assert not out.exists()


def test_download_without_the_download_extra(tmp_path: Path) -> None:
    code = (
        "from safespaces.errors import InputError\n"
        "from safespaces.sources.download import download_osm\n"
        "try:\n"
        "    download_osm('Kallio, Helsinki', '.')\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    done = run_without(("osmnx",), code, tmp_path)
    assert done.returncode == 0, done.stderr
    (line,) = done.stdout.strip().splitlines()
    assert "downloading needs osmnx" in line and "pip install 'safespaces[download]'" in line
    assert not any(tmp_path.iterdir())


def test_app_passes_unknown_arguments_to_streamlit_and_no_other_command_does() -> None:
    parser = build_parser()
    args, extra = parser.parse_known_args(["app", "--server.port", "8502", "--theme.base=dark"])
    assert args.command == "app" and args.passthrough
    assert extra == ["--server.port", "8502", "--theme.base=dark"]
    from safespaces.cli import main

    with pytest.raises(SystemExit) as info:
        main(["config", "--server.port", "8502"])
    assert info.value.code == 2
