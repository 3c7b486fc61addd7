"""``safespaces mix`` on plain polygon files (no OSM)."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from safespaces.cli import main

GROUPS = ["ara_rental", "hitas_owner", "owner"]


def write_areas(path: Path, frame_change=None, crs: int | None = 3067) -> Path:
    rng = np.random.default_rng(0)
    n = 12
    x, y = np.arange(n) % 4 * 250.0 + 385000, np.arange(n) // 4 * 250.0 + 6672000
    frame = pd.DataFrame(rng.integers(0, 40, (n, 3)), columns=GROUPS)
    frame.loc[0] = [1, 2, 0]  # small -> suppressed
    frame["name"] = [f"area {i}" for i in range(n)]
    frame["total"] = frame[GROUPS].sum(axis=1) + 3
    gdf = gpd.GeoDataFrame(frame, geometry=shapely.box(x, y, x + 250, y + 250), crs=crs)
    if frame_change is not None:
        gdf = frame_change(gdf)
    gdf.to_file(path)
    return path


def test_mix_command_writes_the_contract(tmp_path: Path, capsys) -> None:
    areas = write_areas(tmp_path / "areas.gpkg")
    out = tmp_path / "out"
    rc = main(
        ["mix", "--areas", str(areas), "--groups", ",".join(GROUPS), "--total", "total"]
        + ["--out", str(out), "--permutations", "19"]
    )
    assert rc == 0
    layer = pyogrio.read_dataframe(out / "safespaces.gpkg", layer="areas")
    for col in ["tenure_owner", "mix_entropy", "mix_simpson", "mix_lq_owner"]:
        assert col in layer.columns
    assert "mix_target_gap_unregulated" in layer.columns
    assert layer["mix_suppressed"].iloc[0]
    assert layer[["tenure_owner", "owner", "total", "mix_entropy"]].iloc[0].isna().all()
    table = pyogrio.read_dataframe(out / "safespaces.gpkg", layer="mix_summary")
    assert {"index", "group", "value", "p_value"} <= set(table.columns)
    summary = json.loads((out / "mix_summary.json").read_text())
    for key in ("dissimilarity", "isolation", "exposure", "gini"):
        assert set(summary[key]) == set(GROUPS)
    for key in (
        "multigroup_dissimilarity",
        "multigroup_gini",
        "theil_h",
        "simpsons_interaction",
        "multigroup_entropy",
    ):
        assert isinstance(summary[key], float)
    assert set(summary["p_values"]) >= {"dissimilarity", "theil_h"}
    assert "theil_h" in capsys.readouterr().out


def test_mix_what_if_option(tmp_path: Path, capsys) -> None:
    areas = write_areas(tmp_path / "areas.gpkg")
    dev = gpd.GeoDataFrame(
        {"tenure_owner": [40]}, geometry=[shapely.Point(385100, 6672100)], crs=3067
    ).to_crs(4326)
    dev.to_file(tmp_path / "dev.geojson")
    out = tmp_path / "out"
    rc = main(
        ["mix", "--areas", str(areas), "--groups", ",".join(GROUPS), "--out", str(out)]
        + [
            "--what-if",
            str(tmp_path / "dev.geojson"),
            "--id-column",
            "name",
            "--set",
            "mix.permutations=0",
        ]
    )
    assert rc == 0
    table = pd.read_csv(out / "mix_what_if.csv")
    assert set(table["scope"]) == {"area", "neighbourhood", "city"}
    row = table[(table["scope"] == "area") & (table["metric"] == "dwellings")]
    assert row["area"].iloc[0] == "area 0" and row["after"].iloc[0] == 43
    assert "neighbourhood" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("setup", "args", "message"),
    [
        (None, ["--groups", "ara_rental,nope"], "column 'nope': count column not found"),
        (
            lambda g: g.assign(owner=np.where(g.index == 4, -3, g["owner"])),
            ["--groups", ",".join(GROUPS)],
            "row 5, column 'owner'",
        ),
        (
            lambda g: g.set_geometry(g.geometry.centroid),
            ["--groups", ",".join(GROUPS)],
            "expected polygons",
        ),
    ],
)
def test_mix_errors_exit_2(tmp_path: Path, capsys, setup, args, message) -> None:
    areas = write_areas(tmp_path / "areas.gpkg", setup)
    rc = main(["mix", "--areas", str(areas), *args, "--out", str(tmp_path / "o")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "error" in err and message in err
    assert "Traceback" not in err


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")
def test_mix_missing_file_and_crs(tmp_path: Path, capsys) -> None:
    assert main(["mix", "--areas", str(tmp_path / "x.gpkg"), "--groups", "a,b"]) == 2
    assert "not found" in capsys.readouterr().err
    gdf = gpd.GeoDataFrame({"a": [1], "b": [2]}, geometry=[shapely.box(0, 0, 1, 1)])
    gdf.to_file(tmp_path / "nocrs.shp")  # a shapefile without .prj has no CRS
    assert main(["mix", "--areas", str(tmp_path / "nocrs.shp"), "--groups", "a,b"]) == 2
    assert "CRS" in capsys.readouterr().err
