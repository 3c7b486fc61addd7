"""Country presets: one configuration file per country, shipped in the package.

Each ``safespaces/presets/<name>.toml`` is an ordinary configuration file (the
tables of :class:`safespaces.config.Config`) holding what differs by country:
the tenure taxonomy and the spellings of its codes (``[sources]
tenure_categories``, ``tenure_codes``) after the national statistics office's
definitions, and opening-hours fallbacks where a national rule differs from the
defaults (``[eyes] default_hours``). Its comments name the source of each. A
preset is chosen with ``--preset NAME`` (every command) or ``general.preset``;
the user's configuration file and ``--set`` override it key by key
(:func:`safespaces.config.load_config`). Copy one to start a city's own file:
``safespaces config --preset sweden > mycity.toml``.
"""

from __future__ import annotations

import re
import tomllib
from importlib import resources
from typing import Any

from safespaces.errors import ConfigError

#: The comment line every preset file has, naming its sources.
SOURCE_MARK = "# Source:"
#: A comment line that starts a new labelled paragraph (``# Opening hours: ...``).
_LABEL = re.compile(r"^[A-Z][\w ]{0,30}:")


def preset_names() -> tuple[str, ...]:
    """The presets shipped in the package, sorted (``denmark``, ``finland`` ...)."""
    files = resources.files(__name__).iterdir()
    return tuple(sorted(f.name.removesuffix(".toml") for f in files if f.name.endswith(".toml")))


def preset_text(name: str) -> str:
    """The TOML text of preset ``name``.

    Raises
    ------
    ConfigError
        No preset of that name (the message lists them).
    """
    names = preset_names()
    if name not in names:
        raise ConfigError(
            f"general.preset: no preset {name!r}. Fix: use one of {', '.join(names)}, or leave "
            "general.preset empty and give your own --config file"
        )
    return resources.files(__name__).joinpath(f"{name}.toml").read_text(encoding="utf-8")


def read_preset(name: str) -> dict[str, Any]:
    """The tables of preset ``name`` (:func:`preset_text` parsed)."""
    return tomllib.loads(preset_text(name))


def preset_sources(name: str) -> str:
    """The ``# Source:`` comment of preset ``name``, its continuation lines joined."""
    lines = preset_text(name).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(SOURCE_MARK))
    parts = [lines[start].removeprefix(SOURCE_MARK).strip()]
    for line in lines[start + 1 :]:
        text = line.removeprefix("#").strip()
        if not line.startswith("#") or not text or _LABEL.match(text):
            break
        parts.append(text)
    return " ".join(parts)
