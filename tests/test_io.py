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
from safespaces.io import read_metadata, write_json, write_layers


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
