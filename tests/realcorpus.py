"""The second corpus (issue 15): hostile and ordinary-real files with their expected outcome.

Each ``tests/data/real/*.toml`` lists cases (``[[case]]``); the schema is in
``tests/data/real/README.md``. This module reads them for the CLI runner
(``test_rel_real_corpus.py``) and the app's Data page (``tests/app/test_app_real_corpus.py``).
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from pathlib import Path
from typing import Any

REAL = Path(__file__).resolve().parent / "data" / "real"
KINDS = ("osm", "lamps", "tenure", "incidents", "areas")
_KEYS = {
    "id",
    "what",
    "file",
    "args",
    "exit",
    "stderr",
    "stdout",
    "columns",
    "app",
    "app_error",
    "source",
    "command",
}


@dataclasses.dataclass(frozen=True)
class Case:
    """One case of the corpus."""

    id: str
    what: str
    topic: str
    args: tuple[str, ...]
    exit: int
    file: str | None = None
    stderr: str | None = None
    stdout: str | None = None
    columns: dict[str, list[str]] = dataclasses.field(default_factory=dict)
    app: str | None = None
    app_error: str | None = None
    source: str | None = None
    command: str = "run"

    def argv(self, folder: Path) -> list[str]:
        """The arguments with ``{file}`` and ``{real}`` pointing into ``folder``."""
        file = str(folder / self.file) if self.file else ""
        return [a.replace("{file}", file).replace("{real}", str(folder)) for a in self.args]


def manifests() -> list[Path]:
    """The manifests: TOML files with a ``[[case]]`` list (the corpus also holds TOML
    configuration files, which are cases' inputs)."""
    found = []
    for path in sorted(REAL.glob("*.toml")):
        try:
            data = tomllib.loads(path.read_text("utf-8"))
        except (UnicodeDecodeError, tomllib.TOMLDecodeError):
            continue
        if isinstance(data.get("case"), list):
            found.append(path)
    return found


def load_cases() -> list[Case]:
    """Every case of every manifest, checked against the schema."""
    cases = []
    for manifest in manifests():
        data = tomllib.loads(manifest.read_text("utf-8"))
        for raw in data["case"]:
            cases.append(_case(raw, manifest.stem, manifest.name))
    return cases


def _case(raw: dict[str, Any], topic: str, where: str) -> Case:
    unknown = set(raw) - _KEYS
    if unknown:
        raise ValueError(f"{where}: case {raw.get('id')!r} has unknown keys {sorted(unknown)}")
    if raw.get("exit") not in (0, 2):
        raise ValueError(f"{where}: case {raw.get('id')!r}: exit must be 0 or 2")
    if raw["exit"] == 2 and not raw.get("stderr"):
        raise ValueError(f"{where}: case {raw['id']!r}: exit 2 needs a stderr fragment")
    if not re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", raw["id"]):
        raise ValueError(f"{where}: id {raw['id']!r} is not kebab-case")
    if raw.get("app") is not None and raw["app"] not in KINDS:
        raise ValueError(f"{where}: case {raw['id']!r}: app must be one of {KINDS}")
    return Case(
        id=raw["id"],
        what=raw["what"],
        topic=topic,
        args=tuple(raw.get("args", [])),
        exit=raw["exit"],
        file=raw.get("file"),
        stderr=raw.get("stderr"),
        stdout=raw.get("stdout"),
        columns=dict(raw.get("columns", {})),
        app=raw.get("app"),
        app_error=raw.get("app_error"),
        source=raw.get("source"),
        command=raw.get("command", "run"),
    )
