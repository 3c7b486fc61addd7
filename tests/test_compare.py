"""``safespaces compare`` on three real cities: one table, rows equal to each city's own run.

The extracts are read from ``../shared/data/cities/`` (© OpenStreetMap contributors,
ODbL 1.0; from OpenTripPlanner's and Valhalla's test data, see that folder's README).
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from types import SimpleNamespace
from typing import cast

import pandas as pd
import pyogrio
import pytest
from conftest import CITIES, require
from pyproj import CRS

from safespaces.cli import main
from safespaces.compare import (
    COLUMNS,
    TABLE,
    City,
    city_name,
    city_row,
    format_table,
    read_cities,
)
from safespaces.config import Config
from safespaces.errors import InputError
from safespaces.eyes.vocabulary import WINDOWS, window_column
from safespaces.io import read_metadata
from safespaces.lighting.vocabulary import share_p6_or_better
from safespaces.study import Inputs, Study

#: Three cities in three UTM zones' countries: Sweden, Norway, Germany.
FILES = {
    "lund": "lund_otp.osm.pbf",
    "oslo-skoyen_otp": "oslo-skoyen_otp.osm.pbf",
    "munich": "munchen_valhallabench.osm.pbf",
}


@pytest.fixture(scope="module")
def cities() -> Path:
    """The shared extracts' folder."""
    require(CITIES.is_dir(), f"{CITIES} is absent (it sits beside the repository in CI)")
    return CITIES


@pytest.fixture(scope="module")
def compared(cities: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The output folder of one ``safespaces compare --cities`` of the three cities."""
    root = tmp_path_factory.mktemp("compare")
    (root / "cities.toml").write_text(
        "\n".join(
            f'[[city]]\nosm = "{cities / file}"\n'
            + (f'name = "{name}"\n' if "_" not in name else "")
            for name, file in FILES.items()
        ),
        encoding="utf-8",
    )
    assert main(["compare", "--cities", str(root / "cities.toml"), "--out", str(root / "out")]) == 0
    return root / "out"


def test_one_row_per_city_in_csv_and_geopackage(compared: Path) -> None:
    table = pd.read_csv(compared / f"{TABLE}.csv")
    assert list(table.columns) == list(COLUMNS)
    assert list(table["city"]) == list(FILES)
    assert (table["status"] == "ok").all()
    assert table["error"].isna().all()
    gpkg = compared / f"{TABLE}.gpkg"
    assert TABLE in dict(pyogrio.list_layers(gpkg).tolist())
    stored = pyogrio.read_dataframe(gpkg, layer=TABLE)
    assert list(stored["city"]) == list(FILES)
    assert stored["walking_km"].tolist() == table["walking_km"].tolist()


def test_rows_equal_each_citys_own_run_summary(compared: Path) -> None:
    table = pd.read_csv(compared / f"{TABLE}.csv").set_index("city")
    for name in FILES:
        meta = read_metadata(compared / name / "safespaces.gpkg")
        summary = json.loads(meta["summary"])
        row = table.loc[name].to_dict()
        assert meta["study_name"] == name
        assert row["crs"] == meta["crs"]
        assert row["timezone"] == json.loads(meta["config"])["general"]["timezone"]
        assert row["walking_km"] == summary["walking length km"]
        assert row["residents_est"] == summary["residents (estimated)"]
        assert row["lamps"] == summary["lamps"]
        shares = summary["lighting"]["light_class_share_of_walking_length"]
        assert row["light_share_p6"] == pytest.approx(share_p6_or_better(shares), abs=1e-4)
        means = summary["eyes"]["length_weighted_mean"]
        for w in WINDOWS:
            assert row[window_column(w)] == pytest.approx(means[window_column(w)], abs=0.01)
        assert row["score_mean"] == summary["score"]["length_weighted_mean"]
        assert pd.isna(row["mix_entropy"])  # no tenure: unknown, not 0
        assert "mix_entropy: no tenure input" in row["unknown"]
    # each city in a metric CRS of its own place: Lund (Sweden, UTM 33N) not in Munich's
    assert all(CRS.from_user_input(c).is_projected for c in table["crs"])
    crs = table["crs"].to_dict()
    assert crs["lund"] != crs["munich"]
    assert table["walking_km"].nunique() == 3


def test_a_city_alone_gives_the_same_row(cities: Path, compared: Path, tmp_path: Path) -> None:
    out = tmp_path / "alone"
    osm = cities / FILES["oslo-skoyen_otp"]
    assert main(["run", "--osm", str(osm), "--out", str(out)]) == 0
    summary = json.loads(read_metadata(out / "safespaces.gpkg")["summary"])
    row = pd.read_csv(compared / f"{TABLE}.csv").set_index("city").loc["oslo-skoyen_otp"]
    assert row["walking_km"] == summary["walking length km"]
    assert row["score_mean"] == summary["score"]["length_weighted_mean"]
    assert row["eyes_night"] == summary["eyes"]["length_weighted_mean"]["eyes_night"]


def test_a_failing_city_gets_its_row_and_the_others_run(
    cities: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "atlantis.osm.pbf"
    status = main(
        [
            "compare",
            str(cities / FILES["oslo-skoyen_otp"]),
            str(missing),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert status == 2
    err = capsys.readouterr().err
    assert err.count("error: city atlantis: atlantis.osm.pbf: file not found") == 1
    assert "Traceback" not in err
    table = pd.read_csv(tmp_path / "o" / f"{TABLE}.csv").set_index("city")
    assert table.loc["oslo-skoyen_otp", "status"] == "ok"
    failed = table.loc["atlantis"]
    assert failed["status"] == "failed"
    assert "file not found" in str(failed["error"])
    assert failed[["score_mean", "walking_km", "eyes_night"]].isna().all()
    assert (tmp_path / "o" / "oslo-skoyen_otp" / "safespaces.gpkg").exists()
    assert not (tmp_path / "o" / "atlantis").exists()


def test_city_names_from_extracts() -> None:
    assert city_name("x/lund_otp.osm.pbf") == "lund_otp"
    assert city_name("oslo.osm.bz2") == "oslo"
    assert city_name("Reykjavik.OSM") == "reykjavik"
    assert city_name("Oslo Skøyen.osm.pbf") == "oslo-skøyen"
    assert city_name("malmö") == "malmö"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "lists no city"),
        ('[[city]]\nname = "a"\n', "names no extract"),
        ('[[city]]\nosm = "a.pbf"\ncolour = "red"\n', "unknown key 'colour'"),
        ('[[city]]\nosm = "a.pbf"\nset = "x=1"\n', "'set' that is not a list of texts"),
        ('[[city]]\nosm = "a/x.pbf"\n[[city]]\nosm = "b/x.pbf"\n', "another city is named 'x'"),
        ('[[city]]\nosm = "a.pbf"\nname = "a/b"\n', "path separator"),
        ("[[city]\n", "cannot read the cities file"),
    ],
)
def test_bad_cities_file_is_refused_before_any_run(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "cities.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError, match=message) as info:
        read_cities(path)
    assert "cities.toml" in str(info.value)


def test_cities_file_paths_are_relative_to_it(tmp_path: Path) -> None:
    path = tmp_path / "sub" / "cities.toml"
    path.parent.mkdir()
    path.write_text(
        '[[city]]\nosm = "lund.osm.pbf"\nlamps = "l.csv"\nconfig = "se.toml"\nset = ["a.b=1"]\n',
        encoding="utf-8",
    )
    (city,) = read_cities(path)
    assert city == City(
        "lund",
        Inputs(osm=path.parent / "lund.osm.pbf", lamps=path.parent / "l.csv"),
        config=path.parent / "se.toml",
        sets=("a.b=1",),
    )


def test_printed_table_says_unknown_not_zero() -> None:
    table = pd.DataFrame(
        [
            {"city": "a", "status": "ok", "light_share_p6": 0.25, "residents_est": 1200},
            {"city": "b", "status": "failed"},
        ],
        columns=list(COLUMNS),
    ).astype({"residents_est": "Int64"})
    text = format_table(table)
    assert "| measure | a | b |" in text
    assert "| light_share_p6 | 25.0% | unknown |" in text
    assert "| residents_est | 1,200 | unknown |" in text


def test_row_takes_the_summary_and_names_what_is_unknown() -> None:
    study = SimpleNamespace(
        config=Config(),
        crs=CRS.from_epsg(3006),
        areas=pd.DataFrame({"residents_est": [10.2, 5.4]}),
        tenure=None,
    )
    summary = {
        "walking length km": 3.2,
        "lighting": {
            "light_class_share_of_walking_length": {"P4": 0.1, "P6": 0.2, "below P6": 0.7},
            "no_lamp_data_share_of_walking_length": 0.5,
        },
        "score": {"length_weighted_mean": 12.3, "unknown": {"light": "no illuminance"}},
    }
    row = city_row("x", cast(Study, study), summary, Path("o"))
    assert row["crs"] == "EPSG:3006"
    assert row["walking_km"] == 3.2
    assert row["residents_est"] == 16
    assert row["light_share_p6"] == pytest.approx(0.3)
    assert row["light_share_no_lamp_data"] == 0.5
    assert math.isnan(row["eyes_night"]) and math.isnan(row["mix_entropy"])
    assert "eyes_night: not measured" in row["unknown"]
    assert "mix_entropy: no tenure input" in row["unknown"]
    assert "score light: no illuminance" in row["unknown"]


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        ([], "name the cities either as OpenStreetMap extracts or with --cities"),
        (["a.osm.pbf", "--cities", "c.toml"], "not both"),
        (["x/a.osm.pbf", "y/a.osm.pbf"], "another city is named 'a'"),
        (["--cities", "missing.toml"], "cannot read the cities file"),
    ],
)
def test_command_refuses_bad_city_lists_with_one_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["compare", *argv, "--out", str(tmp_path / "o")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("safespaces compare: error: ") and message in err
    assert "Traceback" not in err
    assert not (tmp_path / "o").exists()  # refused before any city ran
