"""The CLI: the default run writes the output contract; bad input exits 2 without a traceback."""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pyogrio
import pytest

from safespaces.cli import main
from safespaces.io import read_metadata


@pytest.fixture(scope="module")
def default_run(default_output: Path) -> Path:
    """The GeoPackage of the session's default run (``safespaces run`` of the embedded default,
    tests/conftest.py): the same command, run once for every file that reads it."""
    return default_output / "safespaces.gpkg"


def test_default_run_writes_the_contract(default_run: Path) -> None:
    layers = dict(pyogrio.list_layers(default_run).tolist())
    assert {
        "street_segments",
        "areas",
        "buildings",
        "lamps",
        "public_spaces",
        "run_metadata",
    } <= set(layers)
    segments = gpd.read_file(default_run, layer="street_segments")
    assert len(segments) >= 5000
    assert {"segment_id", "name", "highway", "length_m", "lit_tag"} <= set(segments.columns)
    assert segments.crs.to_epsg() == 3067
    assert len(gpd.read_file(default_run, layer="buildings")) >= 400
    assert len(gpd.read_file(default_run, layer="lamps")) >= 500
    areas = gpd.read_file(default_run, layer="areas")
    assert {"area_id", "name", "residents_est"} <= set(areas.columns)
    # the areas cover the extract (every segment lies in the union of the cells)
    assert areas.union_all().contains(segments.union_all())


def test_run_metadata_records_inputs_and_config(default_run: Path) -> None:
    meta = read_metadata(default_run)
    inputs = json.loads(meta["inputs"])
    assert set(inputs) >= {"osm", "tenure", "incidents"}
    assert len(inputs["osm"]["sha256"]) == 64
    assert json.loads(meta["config"])["general"]["name"] == "helsinki"
    assert json.loads(meta["synthetic_inputs"]) == ["tenure", "incidents"]
    assert meta["safespaces_version"]
    assert "OpenStreetMap" in meta["attribution"]


def test_help_on_every_command() -> None:
    from safespaces.cli import build_parser

    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    commands = list(action.choices)
    assert "run" in commands
    for name in commands:
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0


def cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "safespaces", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        timeout=120,
    )


@pytest.mark.parametrize(
    ("name", "content", "flag", "message"),
    [
        ("lamps.csv", "lon,lat\n24.94,north\n", "--lamps", "lamps.csv, row 2, column 'lat'"),
        (
            "inc.csv",
            "lon,lat,time\n24.94,60.17,someday\n",
            "--incidents",
            "no row has both usable coordinates and a time",
        ),
        ("empty.osm.pbf", "", "--osm", "empty.osm.pbf: the file is empty"),
        ("t.csv", "x,y,tenure_owner\n1,2,3\n", "--tenure", "no CRS declared"),
    ],
)
def test_bad_input_exits_2_without_traceback(
    tmp_path: Path, name: str, content: str, flag: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    out = tmp_path / "out"
    result = cli("run", flag, str(path), "--out", str(out))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert not out.exists() or not any(out.iterdir())


def test_bad_input_keeps_earlier_output(tmp_path: Path, default_run: Path) -> None:
    out = tmp_path / "out"
    out.mkdir()
    target = out / "safespaces.gpkg"
    target.write_bytes(default_run.read_bytes())
    bad = tmp_path / "lamps.csv"
    bad.write_text("lon,lat\n")
    result = cli("run", "--lamps", str(bad), "--out", str(out))
    assert result.returncode == 2
    assert target.read_bytes() == default_run.read_bytes()


def test_bad_config_exits_2(tmp_path: Path) -> None:
    result = cli("run", "--set", "network.nope=1", "--out", str(tmp_path))
    assert result.returncode == 2
    assert "unknown setting 'network.nope'" in result.stderr
    assert "Traceback" not in result.stderr


def test_input_options_are_one_helper() -> None:
    from safespaces.commands._args import add_input_options
    from safespaces.commands._common import inputs_from_args
    from safespaces.study import Inputs

    parser = argparse.ArgumentParser()
    add_input_options(parser, lamps="register", osm="extract")
    parser.add_argument("--crs")
    assert [a.dest for a in parser._actions[1:]] == ["lamps", "osm", "crs"]  # order given
    args = parser.parse_args(["--osm", "city.osm.pbf", "--crs", "EPSG:3067"])
    assert inputs_from_args(args) == Inputs(osm=Path("city.osm.pbf"), crs="EPSG:3067")
    assert inputs_from_args(argparse.Namespace()) == Inputs()  # options a command lacks
    with pytest.raises(ValueError, match="not an input file"):
        add_input_options(parser, weekday="day")


@pytest.mark.parametrize("command", ["lighting", "eyes"])
def test_family_command_bad_lamps_exit_2(tmp_path: Path, command: str) -> None:
    bad = tmp_path / "lamps.csv"
    bad.write_text("lon,lat\n24.94,north\n")
    result = cli(command, "--lamps", str(bad), "--out", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "lamps.csv, row 2, column 'lat'" in result.stderr
    assert "Traceback" not in result.stderr
