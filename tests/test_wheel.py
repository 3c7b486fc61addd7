"""The distribution as a user gets it, without the repository.

Builds the wheel from a copy of the files it is made of, installs it with its core
dependencies only (from the package index, or pip's cache) into a fresh virtual environment
outside the repository, and uses it from another folder: ``safespaces run`` on the embedded
default (after ``safespaces warmup``), ``safespaces app --help`` (which needs no Streamlit) and
the one-line errors of the extras that the core install lacks. Takes a few minutes (most of
it pip); needs the package index or a warm pip cache, so it skips offline except under CI=true.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import require

pytestmark = pytest.mark.wheel

REPO = Path(__file__).resolve().parents[1]
#: What the wheel is built from (pyproject.toml's readme and licence, and the two packages).
SOURCES = ("pyproject.toml", "README.md", "LICENSE", "safespaces", "safespaces_app")
#: Distributions a core install must not bring: test oracles, the test runner, the extras.
NOT_IN_CORE = (
    "pytest",
    "hypothesis",
    "playwright",
    "segregation",
    "esda",
    "networkx",
    "streamlit",
    "folium",
    "streamlit-folium",
    "osmnx",
    "dask",
    "distributed",
    "dask-geopandas",
)
PIP = ("-m", "pip", "--disable-pip-version-check")


def run(*args: str | Path, cwd: Path, timeout: float = 900) -> subprocess.CompletedProcess[str]:
    """A command with an environment that cannot see the repository's code."""
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run(
        [str(a) for a in args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel, built (with build isolation: setuptools from the index) from a clean copy."""
    root = tmp_path_factory.mktemp("wheel")
    src = root / "src"
    src.mkdir()
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCES:
        path = REPO / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    done = run(sys.executable, *PIP, "wheel", "--no-deps", "-q", "-w", root / "dist", src, cwd=root)
    require(done.returncode == 0, f"cannot build the wheel (offline?): {done.stderr[-2000:]}")
    (found,) = (root / "dist").glob("safespaces-*.whl")
    return found


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with the wheel and its core dependencies; its bin folder."""
    root = tmp_path_factory.mktemp("venv")
    done = run(sys.executable, "-m", "venv", root / "venv", cwd=root)
    assert done.returncode == 0, done.stderr
    bin_dir = root / "venv" / "bin"
    done = run(bin_dir / "python", *PIP, "install", "-q", "--no-compile", wheel, cwd=root)
    require(done.returncode == 0, f"cannot install the wheel (offline?): {done.stderr[-2000:]}")
    return bin_dir


@pytest.fixture
def elsewhere(tmp_path: Path) -> Path:
    """A folder outside the repository to run from."""
    folder = tmp_path / "elsewhere"
    folder.mkdir()
    assert REPO not in folder.parents
    return folder


def test_wheel_holds_the_default_data_and_the_app(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    default = "safespaces/data/helsinki/"
    for name in (
        "helsinki.osm.pbf",
        "LICENSE-ODbL.txt",
        "README.md",
        "tenure_SYNTHETIC.csv",
        "incidents_SYNTHETIC.csv",
    ):
        assert default + name in names, name
    pages = ["map", "districts", "mix", "lighting", "incidents", "data", "export"]
    for name in ["main", *pages]:
        assert f"safespaces_app/{name}.py" in names, name
    for name in (
        "leaflet/leaflet.js",
        "leaflet/leaflet.css",
        "leaflet/images/marker-icon.png",
        "safespaces-map/index.html",
        "safespaces-map/map.js",
        "safespaces-map/map.css",
    ):
        assert f"safespaces_app/static/{name}" in names, name
    assert "safespaces_app/.streamlit/config.toml" in names
    assert "safespaces/presets/finland.toml" in names and "safespaces/py.typed" in names
    assert not [n for n in names if n.startswith(("tests/", "app_pages/", "data/"))]


def test_core_install_has_no_test_oracle_and_no_extra(venv: Path, elsewhere: Path) -> None:
    done = run(venv / "python", *PIP, "list", "--format=json", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    installed = {p["name"].lower().replace("_", "-") for p in json.loads(done.stdout)}
    assert "safespaces" in installed
    assert sorted(installed & set(NOT_IN_CORE)) == []


def test_warmup_caches_the_kernels_for_the_next_process(venv: Path, elsewhere: Path) -> None:
    """``safespaces warmup`` compiles into the installed package's ``__pycache__`` (silent),
    and a second process loads every kernel from there: nothing left for the first run."""
    done = run(venv / "safespaces", "warmup", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert (done.stdout, done.stderr) == ("", "")
    done = run(venv / "safespaces", "warmup", "--verbose", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert [line.split(": ", 1)[1].split(",")[0] for line in lines] == ["loaded", "loaded"]
    if not os.environ.get("NUMBA_CACHE_DIR"):
        for line in lines:
            assert Path(line.split("cached in ", 1)[1]).is_relative_to(venv.parent), line


def test_run_the_embedded_default_from_another_folder(venv: Path, elsewhere: Path) -> None:
    done = run(
        venv / "python",
        "-c",
        "import safespaces.synthetic as s; print(s.DEFAULT_OSM); print(s.DEFAULT_OSM.is_file())",
        cwd=elsewhere,
    )
    assert done.returncode == 0, done.stderr
    path, exists = done.stdout.split()
    assert Path(path).is_relative_to(venv.parent) and exists == "True"  # the installed copy
    done = run(venv / "safespaces", "run", "--out", "out", cwd=elsewhere)
    assert done.returncode == 0, done.stderr[-3000:]
    out = elsewhere / "out"
    assert {"safespaces.gpkg", "illuminance.tif", "incident_density.tif", "safespaces.qgz"} <= {
        p.name for p in out.iterdir()
    }
    assert "study: helsinki" in done.stdout


def test_app_help_without_the_app_extra(venv: Path, elsewhere: Path) -> None:
    done = run(venv / "safespaces", "app", "--help", cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert "pip install 'safespaces[app]'" in done.stdout
    done = run(venv / "safespaces", "app", cwd=elsewhere)
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "safespaces app: error: the app needs the app extra (streamlit, folium, "
        "streamlit_folium not installed). Fix: pip install 'safespaces[app]'"
    ]


def test_missing_extras_are_one_line_errors(venv: Path, elsewhere: Path) -> None:
    done = run(venv / "safespaces", "run", "--engine", "dask", "--out", "out", cwd=elsewhere)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    (line,) = [x for x in done.stderr.splitlines() if "error" in x]
    assert "pip install 'safespaces[distributed]'" in line
    code = (
        "from safespaces.errors import InputError\n"
        "from safespaces.sources.download import download_osm\n"
        "try:\n"
        "    download_osm('Kallio, Helsinki', '.')\n"
        "except InputError as exc:\n"
        "    print(exc)\n"
    )
    done = run(venv / "python", "-c", code, cwd=elsewhere)
    assert done.returncode == 0, done.stderr
    assert "pip install 'safespaces[download]'" in done.stdout
    assert not (elsewhere / "out").exists()
