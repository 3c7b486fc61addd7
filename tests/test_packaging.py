"""Packaging promises: environment.yml matches pyproject; the floors lock pins the floors; the
library imports no Streamlit."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

from packaging.version import Version

REPO = Path(__file__).resolve().parent.parent
#: PyPI name -> conda-forge name where they differ
CONDA_NAMES = {"osmium": "pyosmium"}
#: A PyPI extra that conda-forge ships as a package of its own
CONDA_EXTRAS = {"mkdocstrings[python]": "mkdocstrings-python"}


def requirement(spec: str) -> tuple[str, str]:
    match = re.match(r"^\s*([A-Za-z0-9_.\-]+)(?:\[[^\]]*\])?\s*(.*?)\s*(?:#.*)?$", spec)
    assert match, spec
    return match.group(1).lower(), match.group(2).replace(" ", "")


def conda_listed(path: Path) -> dict[str, str]:
    """Name -> version specifier of every package a conda environment file lists (its pip
    section included), python and pip aside."""
    listed: dict[str, str] = {}
    text = path.read_text(encoding="utf-8")
    for line in text[text.index("dependencies:") :].splitlines():
        item = re.match(r"^\s*-\s+([^:#\s][^#]*?)\s*(?:#.*)?$", line)
        if item and not item.group(1).endswith(":"):
            name, version = requirement(item.group(1))
            assert name not in listed, f"{path.name} lists {name} twice"
            if name not in ("python", "pip"):
                listed[name] = version
    return listed


def pyproject_wanted(extras: tuple[str, ...] | None) -> dict[str, str]:
    """The core requirements and those of ``extras`` (None: every extra), in conda's names."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    wanted = dict(requirement(s) for s in project["dependencies"])
    for extra, specs in project["optional-dependencies"].items():
        if extras is not None and extra not in extras:
            continue
        for spec in specs:
            name, version = requirement(spec)
            if name != "safespaces":
                wanted[name] = version
            for pypi, conda in CONDA_EXTRAS.items():
                if spec.replace(" ", "").lower().startswith(pypi):
                    wanted[conda] = ""
    return {CONDA_NAMES.get(k, k): v for k, v in wanted.items()}


def test_environment_yml_is_the_users_core_and_app() -> None:
    assert conda_listed(REPO / "environment.yml") == pyproject_wanted(("app",))


def test_environment_dev_yml_is_everything() -> None:
    assert conda_listed(REPO / "environment-dev.yml") == pyproject_wanted(None)


def test_core_dependencies_are_imported_by_the_library() -> None:
    """A core dependency is imported by safespaces or safespaces_app (at least lazily); test
    oracles and benchmark peers belong to the test and bench extras."""
    import_names = {"opening-hours-py": "opening_hours", "timezonefinder": "timezonefinder"}
    code = "\n".join(
        p.read_text(encoding="utf-8")
        for folder in ("safespaces", "safespaces_app")
        for p in (REPO / folder).rglob("*.py")
    )
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    unused = []
    for spec in project["dependencies"]:
        name, _ = requirement(spec)
        module = import_names.get(name, name.replace("-", "_"))
        if not re.search(rf"^\s*(import|from) {module}\b|import_module\(\"{module}\b", code, re.M):
            unused.append(name)
    assert unused == [], f"core dependencies nothing imports (move them to an extra): {unused}"


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


def _installed_tool() -> Any:
    spec = importlib.util.spec_from_file_location("installed", REPO / "tools" / "installed.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_env_sh_check_expands_extras_and_finds_what_is_missing(tmp_path: Path) -> None:
    """tools/env.sh skips pip when tools/installed.py finds nothing missing (offline starts)."""
    tool = _installed_tool()
    project = {
        "name": "demo",
        "version": "1.0",
        "dependencies": ["packaging>=1"],
        "optional-dependencies": {
            "app": ["pytest>=1"],
            "dev": ["demo[app]", "no-such-package-for-safespaces>=1"],
            "new": ["packaging>=9999"],
        },
    }
    assert tool.requirements(project, "dev") == [
        "packaging>=1",
        "no-such-package-for-safespaces>=1",
        "pytest>=1",
    ]
    (tmp_path / "pyproject.toml").write_text(
        "[project]\n"
        'name = "demo"\nversion = "1.0"\ndependencies = ["packaging>=1"]\n'
        "[project.optional-dependencies]\n"
        'app = ["pytest>=1"]\n'
        'dev = ["demo[app]", "no-such-package-for-safespaces>=1"]\n'
        'new = ["packaging>=9999"]\n'
    )
    assert tool.missing("dev", tmp_path) == "no-such-package-for-safespaces is not installed"
    assert tool.missing("new", tmp_path).startswith("packaging ")  # too old
    assert "does not satisfy packaging>=9999" in tool.missing("new", tmp_path)
    assert tool.missing("app", tmp_path) == "demo is not installed"


def test_env_sh_check_passes_in_the_test_environment() -> None:
    """The environment running the tests has the test extra: installed.py must say so, or
    tools/test.sh would call pip on every run."""
    assert _installed_tool().missing("test") is None
