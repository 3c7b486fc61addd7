"""The typed configuration: TOML, overrides and clear errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from safespaces.config import Config, load_config
from safespaces.errors import ConfigError


def test_defaults_and_round_trip() -> None:
    config = load_config()
    assert config == Config()
    data = config.to_dict()
    assert data["general"]["timezone"] == "Europe/Helsinki"
    assert data["network"]["max_segment_m"] == 50.0


def test_toml_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[general]\nname = "espoo"\n[residents]\ngfa_per_resident_m2 = 40\n')
    config = load_config(path, ["network.max_segment_m=0", "general.timezone=Europe/Stockholm"])
    assert config.general.name == "espoo"
    assert config.residents.gfa_per_resident_m2 == 40.0
    assert isinstance(config.residents.gfa_per_resident_m2, float)
    assert config.network.max_segment_m == 0.0
    assert config.general.timezone == "Europe/Stockholm"


@pytest.mark.parametrize(
    ("text", "pattern"),
    [
        ("[general]\nnmae = 'x'\n", "c.toml: unknown setting 'general.nmae'. Fix: use one of"),
        ("[general]\nseed = 'x'\n", "setting 'general.seed' = 'x' is not a int"),
        ("[nosuch]\na = 1\n", "unknown setting 'nosuch'"),
        ("[general\n", "not valid TOML"),
    ],
)
def test_bad_toml(tmp_path: Path, text: str, pattern: str) -> None:
    path = tmp_path / "c.toml"
    path.write_text(text)
    with pytest.raises(ConfigError, match=pattern):
        load_config(path)


def test_bad_override() -> None:
    with pytest.raises(ConfigError, match="expected section.key=value"):
        load_config(None, ["max_segment_m=1"])
    with pytest.raises(ConfigError, match="config file not found"):
        load_config("/nonexistent.toml")
