"""Atomic GeoPackage writing: a failed write leaves the previous output intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from safespaces.errors import InputError, OutputError
from safespaces.io import (
    GPKG_NAME,
    check_output_folder,
    existing_metadata,
    has_layer,
    read_layer,
    read_metadata,
    write_json,
    write_layers,
)


def points(n: int) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"a": range(n)}, geometry=[shapely.Point(i, i) for i in range(n)], crs=3067
    )


def test_layers_are_added_and_replaced(tmp_path: Path) -> None:
    path = write_layers(tmp_path, {"one": points(2)}, {"k": 1})
    write_layers(tmp_path, {"two": points(3), "one": points(1)}, {"j": {"x": 2}})
    names = dict(pyogrio.list_layers(path).tolist())
    assert set(names) == {"one", "two", "run_metadata"}
    assert len(gpd.read_file(path, layer="one")) == 1
    assert read_metadata(path) == {"k": "1", "j": '{"x": 2}'}
    with sqlite3.connect(path) as con:
        assert con.execute("PRAGMA user_version").fetchone()[0] == 10200  # GeoPackage 1.2
    assert [p.name for p in tmp_path.iterdir()] == ["safespaces.gpkg"]


def test_failed_write_keeps_previous_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_layers(tmp_path, {"one": points(2)}, {"k": 1})
    before = path.read_bytes()
    import safespaces.io as io

    real = io._write_one
    calls = []

    def failing(target: Path, name: str, frame: pd.DataFrame) -> None:
        calls.append(name)
        if len(calls) == 2:
            raise OSError("disk full")
        real(target, name, frame)

    monkeypatch.setattr(io, "_write_one", failing)
    with pytest.raises(OutputError, match="disk full"):
        write_layers(tmp_path, {"one": points(5), "two": points(1)})
    assert calls == ["one", "two"]
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["safespaces.gpkg"]


def test_write_json_is_atomic(tmp_path: Path) -> None:
    target = write_json(tmp_path / "s.json", {"a": 1})
    assert target.read_text() == '{\n  "a": 1\n}\n'


def test_a_removed_layer_and_its_spatial_index_are_gone(tmp_path: Path) -> None:
    write_layers(tmp_path, {"a": points(3), "raw": points(2)}, {"k": 1})
    path = tmp_path / "safespaces.gpkg"
    assert has_layer(path, "raw")
    write_layers(tmp_path, {"a": points(4)}, {"k": 2}, remove=["raw", "never_there"])
    assert not has_layer(path, "raw")
    assert read_layer(path, "raw") is None
    assert set(pyogrio.list_layers(path)[:, 0]) == {"a", "run_metadata"}
    with sqlite3.connect(path) as con:
        tables = {r[0] for r in con.execute("SELECT name FROM sqlite_master")}
    assert not any(name.startswith("rtree_raw") for name in tables)
    layer = read_layer(path, "a")
    assert layer is not None and len(layer) == 4
    assert existing_metadata(path) == {"k": 2}


def test_existing_metadata_of_no_file_is_empty(tmp_path: Path) -> None:
    assert existing_metadata(tmp_path / "none.gpkg") == {}
    assert not has_layer(tmp_path / "none.gpkg", "a")
    assert read_layer(tmp_path / "none.gpkg", "a") is None


# --- a finished output folder (what `safespaces app --open DIR` accepts) ------------------------


def test_a_finished_run_is_an_output_folder(default_output: Path) -> None:
    assert check_output_folder(str(default_output)) == default_output.resolve()


def refusal(folder: Path) -> str:
    with pytest.raises(InputError) as info:
        check_output_folder(folder)
    message = str(info.value)
    assert "\n" not in message and "Fix: " in message, message
    return message


def test_what_is_not_an_output_folder_is_refused_in_one_line(tmp_path: Path) -> None:
    assert refusal(tmp_path / "nowhere") == (
        f"{tmp_path / 'nowhere'} does not exist. "
        "Fix: give a folder written by 'safespaces run --out DIR' (either engine)"
    )
    (tmp_path / "file.txt").write_text("x")
    assert "is a file, not an output folder" in refusal(tmp_path / "file.txt")
    assert f"{tmp_path} is not a safespaces output folder: it holds no {GPKG_NAME}" in refusal(
        tmp_path
    )
    (tmp_path / GPKG_NAME).write_text("not sqlite")
    assert f"{GPKG_NAME} is not a readable GeoPackage" in refusal(tmp_path)
    (tmp_path / GPKG_NAME).unlink()
    write_layers(tmp_path, {"street_segments": points(2)})  # a GeoPackage, not of a run
    with sqlite3.connect(tmp_path / GPKG_NAME) as db:
        db.execute("DROP TABLE IF EXISTS run_metadata")
        db.execute("DELETE FROM gpkg_contents WHERE table_name = 'run_metadata'")
    assert "was not written by safespaces (no run_metadata" in refusal(tmp_path)


def test_a_control_character_in_the_name_stays_on_one_line(tmp_path: Path) -> None:
    message = refusal(tmp_path / "a\nb")
    assert "a\\nb does not exist" in message


def test_a_partial_run_is_refused(tmp_path: Path) -> None:
    write_layers(tmp_path, {"areas": points(2)}, metadata={"safespaces_version": "0.1.0"})
    message = refusal(tmp_path)
    assert "holds a partial run (no street_segments" in message
    assert f"Fix: run 'safespaces run --out {tmp_path}' to complete it" in message


def test_a_geopackage_changed_after_the_run_is_refused(earlier_output: Path) -> None:
    with (earlier_output / GPKG_NAME).open("ab") as handle:
        handle.write(b"\0" * 4096)  # still a readable GeoPackage, not the run's
    assert "safespaces.gpkg was changed after the run" in refusal(earlier_output)
