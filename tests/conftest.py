"""Shared fixtures. Tests that need ../shared, a browser or QGIS skip with a reason on a
user's machine, but fail under CI=true, where .ci/run installs what they need."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from safespaces.synthetic import DEFAULT_OSM

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared" / "data" / "helsinki"
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
