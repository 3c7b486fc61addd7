"""Packaging promises: environment.yml matches pyproject; the floors lock pins the floors; the
library imports no Streamlit."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from pathlib import Path

from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
#: PyPI name -> conda-forge name where they differ
CONDA_NAMES = {"osmium": "pyosmium"}


def requirement(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*?)\s*(?:#.*)?$", spec)
    assert match, spec
    return match.group(1).lower(), match.group(2).replace(" ", "")


def test_environment_yml_matches_pyproject() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = dict(requirement(s) for s in project["dependencies"])
    for specs in project["optional-dependencies"].values():
        for spec in specs:
            name, version = requirement(spec)
            if name != "safespaces":
                wanted[name] = version
    wanted = {CONDA_NAMES.get(k, k): v for k, v in wanted.items()}
    listed: dict[str, str] = {}
    text = (REPO / "environment.yml").read_text()
    for line in text[text.index("dependencies:") :].splitlines():
        item = re.match(r"^\s*-\s+([^:#\s][^#]*?)\s*(?:#.*)?$", line)
        if item and not item.group(1).endswith(":"):
            name, version = requirement(item.group(1))
            if name not in ("python", "pip"):
                listed[name] = version
    assert listed == wanted


def test_floors_lock_pins_exactly_the_floors() -> None:
    """tools/floors.txt (what tools/test_floors.sh installs) pins every requirement of the core,
    test and download extras at its floor, so the floors run tests the floors pyproject states."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    specs = [*project["dependencies"]]
    for extra in ("test", "download"):
        specs += project["optional-dependencies"][extra]
    pins: dict[str, str] = {}
    for line in (REPO / "tools" / "floors.txt").read_text().splitlines():
        if line[:1].isalnum():
            name, version = line.split("==")
            pins[re.sub(r"[-_.]+", "-", name).lower()] = version.strip()
    for spec in specs:
        name, version = requirement(spec)
        assert version.startswith(">="), spec
        name = re.sub(r"[-_.]+", "-", name)
        assert name in pins, f"{name} not in tools/floors.txt: bash tools/test_floors.sh --lock"
        assert Version(pins[name]) == Version(version[2:]), (
            f"{name}: floor {version}, tools/floors.txt {pins[name]}: raise the floor to what "
            "resolves, or run bash tools/test_floors.sh --lock"
        )


def test_import_does_not_load_streamlit() -> None:
    code = (
        "import sys, safespaces, safespaces.pipeline, safespaces.cli;"
        "import safespaces.sources.osm;"
        "bad = [m for m in ('streamlit', 'folium') if m in sys.modules];"
        "print(bad); sys.exit(1 if bad else 0)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
