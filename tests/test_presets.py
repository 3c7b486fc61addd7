"""Country presets (issue 17): tenure taxonomies and opening hours by country, chosen with
``--preset`` or ``general.preset``, under the user's file and ``--set``."""

from __future__ import annotations

import tomllib
from pathlib import Path

import opening_hours
import pandas as pd
import pytest

from safespaces.cli import build_parser, main
from safespaces.config import Config, load_config, source_of, to_toml
from safespaces.errors import ConfigError, SettingError
from safespaces.eyes.params import EyesParams
from safespaces.presets import SOURCE_MARK, preset_names, preset_sources, preset_text
from safespaces.sections import HELSINKI_TENURE
from safespaces.sources.tenure import read_tenure

NORDIC = ("finland", "sweden", "norway", "denmark")


def test_the_presets_are_shipped() -> None:
    assert set(preset_names()) >= {*NORDIC, "uk", "us"}


@pytest.mark.parametrize("name", preset_names())
def test_every_preset_loads_checks_and_names_its_source(name: str) -> None:
    config = load_config(preset=name)
    assert config.general.preset == name
    cats = config.sources.tenure_categories
    assert len(cats) >= 2
    assert set(config.sources.tenure_codes.values()) <= set(cats)  # codes onto the taxonomy
    assert SOURCE_MARK in preset_text(name)
    assert len(preset_sources(name)) > 30  # a named statistics office, not a stub
    # hours: every default category is still there, each valid OSM syntax
    assert set(config.eyes.default_hours) == set(EyesParams().default_hours)
    for text in config.eyes.default_hours.values():
        opening_hours.OpeningHours(text)


def test_nordic_tenure_codes() -> None:
    def codes(name: str) -> set[str]:
        return set(load_config(preset=name).sources.tenure_categories)

    assert codes("finland") == set(HELSINKI_TENURE)
    assert {"hyresratt", "bostadsratt", "aganderatt", "allmannyttan"} <= codes("sweden")
    assert {"selveier", "borettslag", "leie", "kommunal_utleie"} <= codes("norway")
    assert {"almene", "andel", "ejer", "privat_udlejning"} <= codes("denmark")
    assert {"owned_outright", "social_rented_council", "private_rented"} <= codes("uk")
    assert {"owner_occupied", "renter_occupied"} <= codes("us")


def test_finland_preset_is_the_default_taxonomy() -> None:
    finland = load_config(preset="finland")
    assert finland.sources.tenure_categories == Config().sources.tenure_categories
    assert finland.eyes == Config().eyes  # free shop hours: the defaults


def test_country_opening_hours() -> None:
    norway = load_config(preset="norway").eyes.default_hours
    for kind in ("shop", "supermarket"):  # helligdagsfredloven: closed on Sundays
        assert "Su" not in norway[kind]
    assert "Su" in norway["convenience"]  # small grocers and kiosks may open
    uk = load_config(preset="uk").eyes.default_hours
    assert uk["supermarket"].endswith("Su 10:00-16:00")  # six hours between 10 and 18
    assert load_config(preset="sweden").eyes == Config().eyes


def test_file_and_set_override_the_preset(tmp_path: Path) -> None:
    path = tmp_path / "lund.toml"
    path.write_text(
        '[general]\npreset = "sweden"\nname = "lund"\n[sources.tenure_codes]\n"HR" = "hyresratt"\n',
        encoding="utf-8",
    )
    hours = "{shop = 'Mo-Fr 09:00-18:00', '*' = 'Mo-Fr 09:00-17:00'}"
    config = load_config(path, [f"eyes.default_hours={hours}"])
    assert config.general.preset == "sweden" and config.general.name == "lund"
    assert "allmannyttan" in config.sources.tenure_categories  # from the preset
    assert dict(config.sources.tenure_codes) == {"HR": "hyresratt"}  # the file's table wins
    assert dict(config.eyes.default_hours)["shop"] == "Mo-Fr 09:00-18:00"
    assert source_of(config, "eyes.default_hours") == "--set"
    assert source_of(config, "sources.tenure_categories") == "preset sweden"
    assert source_of(config, "sources.tenure_codes") == "lund.toml"
    # --preset replaces the file's general.preset
    plain = tmp_path / "plain.toml"
    plain.write_text('[general]\npreset = "sweden"\n', encoding="utf-8")
    norway = load_config(plain, preset="norway")
    assert norway.general.preset == "norway" and "selveier" in norway.sources.tenure_categories


def test_a_file_code_outside_the_preset_taxonomy_names_both(tmp_path: Path) -> None:
    path = tmp_path / "oslo.toml"
    path.write_text('[sources.tenure_codes]\n"X" = "hyresratt"\n', encoding="utf-8")
    with pytest.raises(SettingError, match="sources.tenure_codes.X") as info:
        load_config(path, preset="norway")
    assert "selveier" in str(info.value)


def test_unknown_preset_is_refused_with_the_list(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no preset 'iceland'") as info:
        load_config(preset="iceland")
    assert "--preset" in str(info.value) and "sweden" in str(info.value)
    path = tmp_path / "c.toml"
    path.write_text('[general]\npreset = "sverige"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="c.toml: .*no preset 'sverige'"):
        load_config(path)


def test_unknown_preset_through_the_cli_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["config", "--preset", "atlantis"]) == 2
    err = capsys.readouterr().err
    assert "no preset 'atlantis'" in err and "Traceback" not in err


def test_config_prints_a_city_file_that_reads_back(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["config", "--preset", "denmark"]) == 0
    text = capsys.readouterr().out
    assert tomllib.loads(text)["general"]["preset"] == "denmark"
    path = tmp_path / "copenhagen.toml"
    path.write_text(text, encoding="utf-8")
    assert load_config(path) == load_config(preset="denmark")
    assert to_toml(load_config(path)) == text


def test_every_command_takes_preset() -> None:
    import argparse

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands: dict[str, argparse.ArgumentParser] = dict(action.choices)
    assert {"run", "config", "lighting", "eyes", "mix", "incidents", "export"} <= set(commands)
    for name, sub in commands.items():
        if name == "app":  # starts the app; its arguments go to Streamlit, the app has presets
            continue
        if name == "print":  # draws a finished run: the settings are the run's own
            continue
        if name == "warmup":  # compiles the network kernels: no study, no settings
            continue
        nested = [a for a in sub._actions if isinstance(a, argparse._SubParsersAction)]
        for leaf_name, leaf in (
            nested[0].choices.items() if nested else [(name, sub)]
        ):  # `plan lamps`: the planners take the options
            flags = {f for action in leaf._actions for f in action.option_strings}
            assert "--preset" in flags, leaf_name


def test_swedish_tenure_file_reads_with_the_preset(tmp_path: Path) -> None:
    path = tmp_path / "upplatelse.csv"
    pd.DataFrame(
        {
            "lon": [13.19, 13.19, 13.191, 13.191],
            "lat": [55.705, 55.705, 55.706, 55.706],
            "tenure": ["Hyresrätt", "allmännyttan", "Bostadsrätt", "äganderätt"],
            "dwellings": [40, 25, 30, 5],
        }
    ).to_csv(path, index=False)
    config = load_config(preset="sweden")
    tenure = read_tenure(
        path,
        categories=config.sources.tenure_categories,
        codes=config.sources.tenure_codes,
    )
    totals = {c: int(tenure[f"tenure_{c}"].sum()) for c in config.sources.tenure_categories}
    assert totals == {
        "allmannyttan": 25,
        "hyresratt": 40,
        "bostadsratt": 30,
        "aganderatt": 5,
        "other": 0,
    }
