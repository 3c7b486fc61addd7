"""Is this checkout already installed, with an extra, in the running environment?

Used by tools/env.sh to skip pip when nothing is missing, so that an existing ``.venv`` starts
the app or the tests with no package index (an intranet, a train). Exit status 0 when:

- every requirement of ``pyproject.toml`` (the core and the extra, following self-references
  such as ``safespaces[app,test]``) is installed at a version it allows (extras of a
  dependency, e.g. ``dask[distributed]``, are not followed);
- ``safespaces`` is installed at pyproject's version, its commands are on the environment's
  ``bin``, and its packages import from this checkout (an editable install of it);

else 1, with the first thing missing on stderr. Needs only the standard library and
``packaging`` (which the install brings; without it the answer is 1: install).

    .venv/bin/python tools/installed.py app
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
import sys
import sysconfig
import tomllib
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def requirements(project: dict[str, Any], extra: str) -> list[str]:
    """The requirement strings of the core and of ``extra``, self-references expanded."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    name = canonicalize_name(str(project["name"]))
    extras = project.get("optional-dependencies", {})
    found = list(project.get("dependencies", []))
    todo, seen = [extra], set()
    while todo:
        current = todo.pop()
        if current in seen:
            continue
        seen.add(current)
        if current not in extras:
            raise SystemExit(f"installed: pyproject.toml has no extra {current!r}")
        for spec in extras[current]:
            req = Requirement(spec)
            if canonicalize_name(req.name) == name:
                todo.extend(req.extras)
            else:
                found.append(spec)
    return found


def missing(extra: str, root: Path = ROOT) -> str | None:
    """The first thing of the checkout at ``root`` not installed as wanted, or None."""
    try:
        from packaging.requirements import Requirement
    except ImportError:
        return "packaging is not installed"
    project = tomllib.loads((root / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    for spec in requirements(project, extra):
        req = Requirement(spec)
        if req.marker is not None and not req.marker.evaluate():
            continue
        try:
            version = importlib.metadata.version(req.name)
        except importlib.metadata.PackageNotFoundError:
            return f"{req.name} is not installed"
        if not req.specifier.contains(version, prereleases=True):
            return f"{req.name} {version} does not satisfy {spec}"
    try:
        version = importlib.metadata.version(project["name"])
    except importlib.metadata.PackageNotFoundError:
        return f"{project['name']} is not installed"
    if version != project["version"]:
        return f"{project['name']} {version} is installed, pyproject.toml says {project['version']}"
    scripts = Path(sysconfig.get_path("scripts"))
    for script in project.get("scripts", {}):
        if not (scripts / script).exists():
            return f"the command {script} is not in {scripts}"
    for package in ("safespaces", "safespaces_app"):
        spec = importlib.util.find_spec(package)
        origin = Path(spec.origin).resolve() if spec and spec.origin else None
        if origin is None or not origin.is_relative_to(root):
            return f"{package} does not import from {root} (not an editable install of it)"
    return None


def main() -> int:
    problem = missing(sys.argv[1] if len(sys.argv) > 1 else "dev")
    if problem:
        print(f"installed: {problem}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
