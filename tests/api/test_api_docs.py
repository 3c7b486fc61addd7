"""The Python names the README and docs/ mention exist (a dotted path that raises
AttributeError in a user's notebook is a broken promise)."""

from __future__ import annotations

import importlib
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
#: ``safespaces.x.y`` in backticks; file names (safespaces.gpkg ...) are not Python.
PATH = re.compile(r"`(safespaces(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\([^`]*\))?`")
FILES = {"gpkg", "qgz", "toml", "json", "qml", "qmd", "tif", "md", "py", "xml", "csv", "zip"}


def resolve(dotted: str) -> object:
    parts = dotted.split(".")
    for i in range(len(parts), 0, -1):
        try:
            obj: object = importlib.import_module(".".join(parts[:i]))
        except ImportError:
            continue
        for name in parts[i:]:
            obj = getattr(obj, name)
        return obj
    raise ImportError(dotted)


def test_every_python_path_in_the_docs_resolves() -> None:
    texts = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    found: dict[str, str] = {}
    for path in texts:
        for match in PATH.finditer(path.read_text(encoding="utf-8")):
            dotted = match.group(1)
            if dotted.rsplit(".", 1)[-1] not in FILES:
                found.setdefault(dotted, path.name)
    assert "safespaces.incidents.analyse_incidents" in found  # docs/incidents.md
    assert "safespaces.from_osmnx" in found or any("from_osmnx" in k for k in found)
    broken = []
    for dotted, where in sorted(found.items()):
        try:
            resolve(dotted)
        except (AttributeError, ImportError) as exc:
            broken.append(f"{where}: {dotted} ({exc})")
    assert broken == []
