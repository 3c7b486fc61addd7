"""The typed configuration: TOML, overrides, and the check of every setting before work starts."""

from __future__ import annotations

import codecs
import dataclasses
import math
import os
import pickle
import re
import subprocess
import sys
import typing
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import sparse

from safespaces.cli import main
from safespaces.config import (
    SECTION_RULES,
    Config,
    GeneralParams,
    NetworkParams,
    check_crs_area,
    load_config,
    settings_markdown,
    to_toml,
    validate_config,
)
from safespaces.errors import ConfigError, SettingError
from safespaces.eyes.params import EyesParams
from safespaces.incidents.hotspots import permutation_p
from safespaces.incidents.params import IncidentParams
from safespaces.lighting.params import LightingParams
from safespaces.mix.params import MixParams
from safespaces.sections import MAX_NAME, name_problem
from safespaces.study import Inputs, load_study
from safespaces.validation import Number, rules_of

REPO = Path(__file__).resolve().parents[1]
REAL = REPO / "tests" / "data" / "real"


def test_defaults_and_round_trip() -> None:
    config = load_config()
    assert config == Config()
    assert config.validate() is config
    data = config.to_dict()
    assert data["general"]["timezone"] == "auto"  # the zone at the study's coordinates
    assert data["network"]["max_segment_m"] == 50.0


def test_printed_defaults_load_back(tmp_path: Path) -> None:
    """``safespaces config > f.toml`` writes a file that loads (and checks) to the same config."""
    path = tmp_path / "defaults.toml"
    path.write_text(to_toml(Config()), encoding="utf-8")
    assert load_config(path) == Config()


def test_every_family_default_validates() -> None:
    for section, rules in SECTION_RULES.items():
        params = getattr(Config(), section)
        assert dataclasses.is_dataclass(params)
        names = {f.name for f in dataclasses.fields(params)}
        assert set(rules) <= names, f"[{section}] rules name unknown fields {set(rules) - names}"
    validate_config(Config())


def test_every_number_has_a_declared_range() -> None:
    """A new numeric setting cannot slip in without a range (docs/config.md lists it)."""
    for section, rules in SECTION_RULES.items():
        cls = type(getattr(Config(), section))
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            hint = hints[field.name]
            inner = typing.get_args(hint)[-1] if typing.get_args(hint) else hint
            numeric = hint in (int, float) or inner in (int, float)
            if numeric and field.name != "flow_radius_m":  # one of flow_radii_m (validate)
                assert any(isinstance(r, Number) for r in rules_of(rules, field.name)), (
                    f"{section}.{field.name} has no Number range"
                )


def test_docs_list_every_setting_with_its_range() -> None:
    text = (REPO / "docs" / "config.md").read_text(encoding="utf-8")
    block = re.search(
        r"<!-- settings-table:start -->\n(.*)<!-- settings-table:end -->", text, re.DOTALL
    )
    assert block, "docs/config.md lost its settings table markers"
    assert block.group(1) == settings_markdown(), (
        "docs/config.md is out of step: paste safespaces.config.settings_markdown() between the "
        "markers"
    )
    for field in dataclasses.fields(Config):
        for sub in dataclasses.fields(getattr(Config(), field.name)):
            assert f"`{field.name}.{sub.name}`" in block.group(1)


def test_toml_and_overrides(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[general]\nname = "espoo"\n[residents]\ngfa_per_resident_m2 = 40\n')
    config = load_config(path, ["network.max_segment_m=0", "general.timezone=Europe/Stockholm"])
    assert config.general.name == "espoo"
    assert config.residents.gfa_per_resident_m2 == 40.0
    assert isinstance(config.residents.gfa_per_resident_m2, float)
    assert config.network.max_segment_m == 0.0
    assert config.general.timezone == "Europe/Stockholm"


#: (--set item, the key the message names, a fragment of the problem).
BAD_SETTINGS = [
    ('general.timezone="Mars/Olympus"', "general.timezone", "not an IANA time zone"),
    ("general.timezone=Sydney", "general.timezone", "did you mean 'Australia/Sydney'"),
    ("general.timezone=europe/helsinki", "general.timezone", "did you mean 'Europe/Helsinki'"),
    ("general.crs=EPSG:999999", "general.crs", "not a CRS that PROJ knows"),
    ("general.crs=EPSG:4326", "general.crs", "a geographic CRS"),
    ("general.crs=EPSG:3857", "general.crs", "Web Mercator"),
    ("general.crs=EPSG:2263", "general.crs", "not metres"),
    ('general.crs="EPSG:3067+5717"', "general.crs", "use its horizontal part 'EPSG:3067'"),
    ("general.crs=Auto", "general.crs", "in lower case"),
    ('general.name="../../etc"', "general.name", "path separator"),
    ('general.name="/tmp/evil"', "general.name", "path separator"),
    ('general.name="a\\\\b"', "general.name", "path separator"),
    ('general.name=".."', "general.name", "not a folder name"),
    ('general.name="a\\u0000b"', "general.name", "NUL character"),
    ('general.name="line\\nbreak"', "general.name", "control character U+000A"),
    ('general.name=""', "general.name", "empty"),
    ('general.name="C:x"', "general.name", "file names cannot hold"),
    ('general.name=" padded"', "general.name", "starts or ends with a space"),
    ('general.name="NUL.txt"', "general.name", "reserved device name"),
    (f'general.name="{"n" * (MAX_NAME + 1)}"', "general.name", "characters long"),
    ("general.seed=-1", "general.seed", "outside the allowed range"),
    ("general.seed=1.5", "general.seed", "not an integer"),
    ("residents.level_height_m=0", "residents.level_height_m", "outside"),
    ("residents.residential_share={yes=1.5}", "residents.residential_share.yes", "[0, 1]"),
    ("sources.grid_size_m=1", "sources.grid_size_m", "[50, 10000] m"),
    ('sources.lamp_columns={height="H"}', "sources.lamp_columns", "unknown key(s) 'height'"),
    ('sources.tenure_categories={"Social Rent"="x"}', "sources.tenure_categories", "lower-case"),
    ('sources.tenure_codes={X="nope"}', "sources.tenure_codes.X", "not a code of"),
    ("network.max_segment_m=0.001", "network.max_segment_m", "0 (off) or [5, 10000] m"),
    ("network.max_segment_m=-1", "network.max_segment_m", "outside"),
    ("lighting.cutoff_m=inf", "lighting.cutoff_m", "not a finite number"),
    ("lighting.cutoff_m=nan", "lighting.cutoff_m", "not a finite number"),
    ("lighting.cutoff_m=1e6", "lighting.cutoff_m", "[1, 500] m"),
    ("lighting.cutoff_m=fifty", "lighting.cutoff_m", "not a number"),
    ("lighting.sample_spacing_m=5", "lighting.sample_spacing_m", "[0.5, 2] m"),
    ("lighting.sample_spacing_m=0.0001", "lighting.sample_spacing_m", "[0.5, 2] m"),
    ("lighting.raster_cell_m=0.01", "lighting.raster_cell_m", "[1, 5] m"),
    ("lighting.default_height_m={street=8}", "lighting.default_height_m", "'park_path'"),
    ("lighting.mount_height_m={wall=-inf}", "lighting.mount_height_m.wall", "finite"),
    ("lighting.darkness_year=3000", "lighting.darkness_year", "[1900, 2100]"),
    ("lighting.chunk_points=1e9", "lighting.chunk_points", "not an integer"),
    ('lighting.lit_no_values=["no", "no"]', "lighting.lit_no_values", "repeats no"),
    ('eyes.reference_monday="2026-03-10"', "eyes.reference_monday", "not a Monday"),
    ('eyes.reference_monday="9 March"', "eyes.reference_monday", "not an ISO date"),
    ('eyes.reference_monday="2026-12-28"', "eyes.reference_monday", "falls in 2027"),
    ("eyes.weekday=Caturday", "eyes.weekday", "not a day of the week"),
    ("eyes.day_start_hour=24", "eyes.day_start_hour", "[0, 23]"),
    ("eyes.sample_spacing_m=0.001", "eyes.sample_spacing_m", "[0.5, 25] m"),
    ("eyes.flow_radii_m=[400.5, 800]", "eyes.flow_radii_m[0]", "not a whole number"),
    ("eyes.flow_radii_m=[400, 800, 1200, 1600, 2000]", "eyes.flow_radii_m", "has 5 values"),
    ("eyes.flow_radii_m=[100000]", "eyes.flow_radii_m[0]", "[50, 2000] m"),
    ("eyes.flow_radius_m=600", "eyes.flow_radius_m", "not one of eyes.flow_radii_m"),
    ("eyes.residents_at_home=[1.0, 0.5]", "eyes.residents_at_home", "has 2 values"),
    ("eyes.pedestrian_profile=" + str([2.0] * 24), "eyes.pedestrian_profile[0]", "[0, 1]"),
    ("eyes.weights={frontage=1, views=2}", "eyes.weights", "unknown key(s) 'views'"),
    ("eyes.weights={frontage=0}", "eyes.weights", "no weight above 0"),
    ('eyes.light_dependent=["moonlight"]', "eyes.light_dependent[0]", "not one of"),
    ('eyes.default_hours={"*"="whenever"}', "eyes.default_hours.*", "opening_hours syntax"),
    ('eyes.default_hours={bar="Mo-Su 16:00-02:00"}', "eyes.default_hours", "no value for '*'"),
    ("eyes.dark_hours=[25]", "eyes.dark_hours[0]", "[0, 23]"),
    ("eyes.light_floor=2", "eyes.light_floor", "[0, 1]"),
    ("mix.target=am1999", "mix.target", "not one of 'am2021', 'am2023', 'custom'"),
    ('mix.target="custom"', "mix.custom_targets", "empty, but mix.target = 'custom'"),
    ("mix.kernel=gausian", "mix.kernel", "did you mean 'gaussian'"),
    ("mix.permutations=1000000", "mix.permutations", "[0, 99999]"),
    ("mix.radii_m=[400, 400]", "mix.radii_m", "repeats 400.0"),
    ("mix.bandwidth_m=10", "mix.bandwidth_m", "0 (off) or [50, 20000] m"),
    ("mix.min_dwellings=0", "mix.min_dwellings", "[1, 100000]"),
    ("incidents.hotspot_fdr=1.5", "incidents.hotspot_fdr", "(0, 1)"),
    ("incidents.hotspot_permutations=1e9", "incidents.hotspot_permutations", "not an integer"),
    ("incidents.hotspot_permutations=1000000000", "incidents.hotspot_permutations", "[0, 99999]"),
    ("incidents.hotspot_units=hexagons", "incidents.hotspot_units", "'areas', 'grid'"),
    ("incidents.night_start_hour=2", "incidents.night_start_hour", "[12, 24]"),
    ("survey.k_min=2", "survey.k_min", "[3, 1000]"),
    ("survey.measures=median", "survey.measures", "'relative', 'absolute'"),
    ("survey.poor_at=70", "survey.poor_at", "not below survey.good_at"),
    ("incidents.k_min=0", "incidents.k_min", "[1, 1000]"),
    ("incidents.ci_level=1", "incidents.ci_level", "(0, 1)"),
    ("incidents.density_cell_m=200", "incidents.density_cell_m", "not below"),
    ("incidents.density_max_cells=1e12", "incidents.density_max_cells", "not an integer"),
    ("incidents.publish_zero=1", "incidents.publish_zero", "not true or false"),
    ("incidents.environment_columns=eyes_night", "incidents.environment_columns", "not a list"),
    ("indices.eyes_period=h24", "indices.eyes_period", "'h00'..'h23'"),
    ("indices.weights={light=-1}", "indices.weights.light", "[0, 1000]"),
    ("indices.weights={light=0, eyes=0}", "indices.weights", "no weight above 0"),
    ("indices.lux_avg_ref=0", "indices.lux_avg_ref", "(0, 1000] lx"),
    ('app.basemap_url="javascript:alert(1)"', "app.basemap_url", "not an http(s) URL"),
    (f'app.basemap_attribution="{"x" * 10_001}"', "app.basemap_attribution", "10,001 characters"),
]


@pytest.mark.parametrize(("item", "key", "fragment"), BAD_SETTINGS)
def test_bad_setting_is_one_clear_error(item: str, key: str, fragment: str) -> None:
    with pytest.raises(ConfigError) as info:
        load_config(None, [item])
    message = str(info.value)
    assert message.startswith(f"--set: setting '{key}' = "), message
    assert fragment in message
    assert ". Fix: " in message
    assert "\n" not in message and "\x00" not in message and len(message) < 600


def test_the_bad_settings_cover_every_section() -> None:
    sections = {key.split(".")[0] for _, key, _ in BAD_SETTINGS}
    assert sections == set(SECTION_RULES)


def test_values_in_a_file_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "city.toml"
    path.write_text('[eyes]\nflow_radii_m = [400]\n[general]\ntimezone = "Europe/Oslo"\n')
    with pytest.raises(SettingError) as info:
        load_config(path)
    # flow_radius_m (a default) is wrong only because the file changed flow_radii_m
    assert str(info.value).startswith("city.toml: setting 'eyes.flow_radius_m' = 800.0")
    with pytest.raises(SettingError, match=r"^--set: setting 'eyes.flow_radii_m\[0\]'"):
        load_config(path, ["eyes.flow_radii_m=[1]"])
    assert load_config(path, ["eyes.flow_radius_m=400"]).eyes.flow_radius_m == 400.0


@pytest.mark.parametrize(
    ("content", "fragment"),
    [
        (
            b"[general]\nnmae = 'x'\n",
            "c.toml: unknown setting 'general.nmae' (did you mean 'name'?)",
        ),
        (b"[general]\nseed = 'x'\n", "c.toml: setting 'general.seed' = 'x': not an integer. Fix:"),
        (b"[nosuch]\na = 1\n", "c.toml: unknown setting 'nosuch'. Fix: use one of app, eyes"),
        (b"[general\n", "c.toml: not valid TOML"),
        (b"general = 5\n", "c.toml: [general] is 5, not a table. Fix:"),
        (b'[general]\nname = "caf\xe9"\n', "c.toml: not UTF-8 text (byte 0xe9 on line 2)"),
        (codecs.BOM_UTF16_LE + "[general]\n".encode("utf-16-le"), "c.toml: the file is UTF-16"),
        (b"[lighting]\ncutoff_m = inf\n", "c.toml: setting 'lighting.cutoff_m' = inf"),
        (b'[general]\nname = "a\\u0000b"\n', "c.toml: setting 'general.name' = 'a\\x00b'"),
    ],
)
def test_bad_toml(tmp_path: Path, content: bytes, fragment: str) -> None:
    path = tmp_path / "c.toml"
    path.write_bytes(content)
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert fragment in str(info.value)
    assert "Fix: " in str(info.value)


def test_a_byte_order_mark_is_accepted(tmp_path: Path) -> None:
    path = tmp_path / "bom.toml"
    path.write_bytes(codecs.BOM_UTF8 + b'[general]\nname = "espoo"\n')
    assert load_config(path).general.name == "espoo"


def test_files_that_are_not_config_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="config file not found. Fix:"):
        load_config("/nonexistent.toml")
    with pytest.raises(ConfigError, match="config file not found"):
        load_config(tmp_path)  # a folder
    big = tmp_path / "big.toml"
    big.write_bytes(b"# " + b"x" * 1_000_001 + b"\n")
    with pytest.raises(ConfigError, match=r"big.toml: the config file is 1,000,004 bytes"):
        load_config(big)


def test_bad_override() -> None:
    with pytest.raises(ConfigError, match="expected section.key=value. Fix:"):
        load_config(None, ["max_segment_m=1"])
    with pytest.raises(ConfigError, match="an item of 20,014 characters"):
        load_config(None, ["general.name=" + "x" * 20_001])


def test_a_configuration_built_in_code_is_checked() -> None:
    bad = Config().replace(general=GeneralParams(name="../../etc"))
    with pytest.raises(SettingError, match=r"^configuration: setting 'general.name'"):
        bad.validate()
    with pytest.raises(SettingError, match="general.name"):
        load_study(Inputs(), bad)  # before anything is read
    wrong_type = Config().replace(network=NetworkParams(max_segment_m="50"))  # type: ignore[arg-type]
    with pytest.raises(SettingError, match="'network.max_segment_m' = '50': not a number"):
        wrong_type.validate()


def test_families_refuse_the_same_settings_when_called_directly() -> None:
    from safespaces.eyes.analysis import validate_params as eyes_check
    from safespaces.incidents.analysis import validate_params as incident_check
    from safespaces.lighting.analysis import validate_params as lighting_check
    from safespaces.mix.params import validate as mix_check

    with pytest.raises(SettingError, match="lighting.cutoff_m"):
        lighting_check(LightingParams(cutoff_m=math.inf))
    with pytest.raises(SettingError, match="eyes.reference_monday"):
        eyes_check(EyesParams(reference_monday="2026-03-10"))
    with pytest.raises(SettingError, match="incidents.hotspot_fdr"):
        incident_check(IncidentParams(hotspot_fdr=1.5))
    with pytest.raises(SettingError, match="mix.permutations"):
        mix_check(MixParams(permutations=10**9))


def test_setting_errors_survive_pickling() -> None:
    """dask sends exceptions between processes."""
    err = SettingError("a.b", 1, "bad", "fix it", related=("a.c",), source="x.toml")
    back = pickle.loads(pickle.dumps(err))
    assert str(back) == str(err) and back.related == ("a.c",) and back.source == "x.toml"


def test_hotspot_permutations_are_not_capped_by_the_study_size() -> None:
    """99,999 permutations over 20,000 units were refused while every unit drew its own
    neighbours (2 billion draws, about 5 minutes); the units now share one reference draw
    per neighbourhood size (99,999 x 3 positions here), so they run."""
    n = 20_000
    w = sparse.diags([np.ones(n - 1), np.ones(n - 1)], [-1, 1], format="csr")
    y = np.arange(n, dtype=float)
    p = permutation_p(y, w, permutations=99_999, seed=1)
    # the ends hold the smallest (0 + 1) and the largest (19,998 + 19,999) pair: no random
    # pair is farther from the mean 2 x 9,999.5, so p = 1 / (permutations + 1)
    assert p[0] == p[-1] == pytest.approx(1e-5)
    assert p[n // 2] > 0.9


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=120))
def test_an_accepted_name_stays_inside_layers(name: str) -> None:
    if name_problem(name) is not None:
        return
    base = Path("/srv/layers")
    target = (base / name).resolve()
    assert target.parent == base and target.name == name
    assert "\x00" not in name and not Path(name).is_absolute()


@pytest.mark.parametrize(
    "name", ["helsinki", "São Paulo", "münchen-2026", "Kyiv_centre", "東京", "lund.v2"]
)
def test_ordinary_names_pass(name: str) -> None:
    assert name_problem(name) is None


def test_a_sydney_study_configuration_passes() -> None:
    config = load_config(REAL / "config_sydney.toml")
    assert config.general.timezone == "Australia/Sydney"
    assert config.general.crs == "EPSG:7856"


HELSINKI_BOX = (24.9352, 60.1642, 24.9534, 60.1791)


@pytest.mark.parametrize(
    ("crs", "box", "refused"),
    [
        ("EPSG:7856", HELSINKI_BOX, True),  # Australian MGA zone 56
        ("EPSG:7856", (151.20, -33.88, 151.22, -33.86), False),  # Sydney
        ("EPSG:3879", HELSINKI_BOX, False),  # Helsinki's own GK25
        ("EPSG:3067", (10.7, 59.9, 10.8, 60.0), True),  # Finland's CRS for Oslo
        ("EPSG:3067", (18.5, 60.1, 18.6, 60.2), False),  # within the 1 degree margin
        ("EPSG:32601", (179.5, 60.0, 179.6, 60.1), False),  # UTM 1N, across the antimeridian
        ("EPSG:32601", (170.0, 60.0, 170.1, 60.1), True),
        ("+proj=utm +zone=35 +datum=WGS84", HELSINKI_BOX, False),  # no declared area
        ("auto", (150.0, -34.0, 151.0, -33.0), False),
    ],
)
def test_a_crs_made_for_another_place_is_refused(
    crs: str, box: tuple[float, float, float, float], refused: bool
) -> None:
    config = load_config(None, [f'general.crs="{crs}"'])
    if refused:
        with pytest.raises(SettingError, match=r"^--set: setting 'general.crs' = .*made for"):
            check_crs_area(config, box)
    else:
        check_crs_area(config, box)


def test_a_sydney_crs_on_helsinki_names_the_file() -> None:
    config = load_config(REAL / "config_sydney.toml")
    with pytest.raises(SettingError, match=r"^config_sydney.toml: setting 'general.crs'"):
        check_crs_area(config, HELSINKI_BOX)


def test_flags_are_checked_and_named() -> None:
    from argparse import Namespace

    from safespaces.commands.incidents import _config

    args = Namespace(config=None, set=[], permutations=-1)
    with pytest.raises(SettingError, match=r"^--permutations: setting 'incidents.hotspot_permu"):
        _config(args)


def test_cli_refuses_before_writing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = main(["run", "--set", "incidents.hotspot_fdr=1.5", "--out", str(out)])
    err = capsys.readouterr().err
    assert code == 2
    assert "setting 'incidents.hotspot_fdr' = 1.5" in err and "Fix:" in err
    assert not out.exists()  # refused before any work
    code = main(["run", "--set", "incidents.density_bandwidth_m=20", "--out", str(out)])
    assert code == 2 and "privacy minimum" in capsys.readouterr().err
    assert not out.exists()


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--set", 'general.timezone="Mars/Olympus"'], "not an IANA time zone"),
        (["--set", 'general.name="../../etc"'], "path separator"),
        (["--set", "network.max_segment_m=0.001"], "0 (off) or [5, 10000] m"),
    ],
)
def test_cli_exit_2_without_traceback(tmp_path: Path, args: list[str], fragment: str) -> None:
    env = dict(os.environ, PYTHONPATH=str(REPO), HOME=str(tmp_path))
    proc = subprocess.run(
        [sys.executable, "-m", "safespaces", "run", *args, "--out", str(tmp_path / "out")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = [line for line in proc.stderr.splitlines() if "error:" in line]
    assert len(lines) == 1 and fragment in lines[0] and "Fix:" in lines[0]
    assert not (tmp_path / "out").exists() and not (tmp_path / "layers").exists()


def _corpus() -> list[dict[str, typing.Any]]:
    import tomllib

    with open(REAL / "config.toml", "rb") as f:
        return list(tomllib.load(f)["case"])


def test_config_corpus_manifest_is_complete() -> None:
    cases = _corpus()
    assert len(cases) >= 12
    assert len({c["id"] for c in cases}) == len(cases)
    for case in cases:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", case["id"])
        assert case["exit"] in (0, 2) and (case["exit"] == 0 or case["stderr"])
        if "file" in case:
            assert (REAL / case["file"]).is_file()
            assert (REAL / case["file"]).stat().st_size < 200_000
    made = {p.name for p in REAL.glob("config_*")}
    assert made == {c["file"] for c in cases if "file" in c} | {"config_oslo_skoyen.osm.pbf"}


@pytest.mark.parametrize(
    "case",
    [c for c in _corpus() if c["exit"] == 2 and "crs-on-helsinki" not in c["id"]],
    ids=lambda c: c["id"],
)
def test_config_corpus_refusals_come_from_loading(case: dict[str, typing.Any]) -> None:
    """The corpus's refusals happen in load_config (or the bandwidth check), before any work."""
    from safespaces.commands._common import check_density_bandwidth

    args = case["args"]
    path = REAL / case["file"] if "file" in case else None
    sets = [args[i + 1] for i, a in enumerate(args) if a == "--set"]
    with pytest.raises(ConfigError) as info:
        config = load_config(path, sets)
        check_density_bandwidth(config, include_raw_points=False)
    assert case["stderr"] in str(info.value)
