"""Shared fixtures. Tests that need ../shared, a browser or QGIS skip with a reason on a
user's machine, but fail under CI=true, where .ci/run installs what they need."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from outcheck import copy_output, run_cli

from safespaces.synthetic import DEFAULT_OSM

#: The ``postgis`` fixture: a private PostgreSQL + PostGIS cluster (tests/pgcluster.py).
pytest_plugins = ["pgcluster"]

REPO = Path(__file__).resolve().parent.parent
#: ../shared beside the repository (in CI), or beside the folder of a git worktree.
SHARED_ROOT = next(
    (p for p in (REPO.parent / "shared", REPO.parent.parent / "shared") if p.is_dir()),
    REPO.parent / "shared",
)
SHARED = SHARED_ROOT / "data" / "helsinki"
#: Real extracts of other cities (see that folder's README).
CITIES = SHARED_ROOT / "data" / "cities"
DATA = Path(__file__).resolve().parent / "data"


def require(condition: bool, reason: str) -> None:
    """Skip when ``condition`` is false, except under CI, where it is a failure."""
    if condition:
        return
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        pytest.fail(f"required under CI: {reason}")
    pytest.skip(reason)


@pytest.fixture(scope="session")
def helsinki_pbf() -> Path:
    """The embedded default OSM extract."""
    return DEFAULT_OSM


@pytest.fixture(scope="session")
def shared_helsinki() -> Path:
    """../shared/data/helsinki (real districts and population grids)."""
    require(SHARED.is_dir(), f"{SHARED} is absent (it sits beside the repository in CI)")
    return SHARED


@pytest.fixture(scope="session")
def mini_osm() -> Path:
    """A hand-made OSM XML file (tests/data/mini.osm)."""
    return DATA / "mini.osm"


@pytest.fixture(scope="session")
def default_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of one sealed ``safespaces run`` of the embedded default (do not
    modify: copy it with the ``earlier_output`` fixture)."""
    root = tmp_path_factory.mktemp("default-run")
    out = root / "out"
    done = run_cli(["--out", str(out)], root)
    assert done.returncode == 0, done.stderr
    return out


@pytest.fixture
def earlier_output(default_output: Path, tmp_path: Path) -> Path:
    """A private copy of ``default_output`` at ``tmp_path / 'parent' / 'out'``."""
    (tmp_path / "parent").mkdir()
    return copy_output(default_output, tmp_path / "parent" / "out")
