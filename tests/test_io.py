"""Atomic GeoPackage writing: a failed write leaves the previous output intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
import shapely

from safespaces.errors import OutputError
from safespaces.io import (
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
