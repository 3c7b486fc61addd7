"""Every file of the bad-input corpus (tests/data/bad/README.md) gives a clear SafespacesError,
and a subset does so through the CLI (exit 2, no traceback, earlier outputs intact).

The huge cases are generated here: a 1,000,000-row CSV, a zip bomb, a zip with many members,
and a zip that expands beyond the total limit.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
import shapely

from safespaces.errors import InputError, SafespacesError
from safespaces.io import write_layers
from safespaces.sections import HELSINKI_TENURE
from safespaces.sources.areas import read_areas
from safespaces.sources.incidents import read_incidents
from safespaces.sources.lamps import read_lamp_register
from safespaces.sources.osm import load_osm
from safespaces.sources.tenure import read_tenure

BAD = Path(__file__).resolve().parents[1] / "data" / "bad"
REPO = Path(__file__).resolve().parents[2]
#: The embedded extract's box (lon/lat), as ``run`` passes it to detect swapped columns.
BOX = (24.9352, 60.1642, 24.9534, 60.1791)
SCRIPT_NAME = '<script>alert("x")</script><b>Esplanadi</b> & "Kauppatori" \'ä\''

LOADERS: dict[str, Callable[[Path], Any]] = {
    "osm": load_osm,
    "lamps": lambda p: read_lamp_register(p, expected_lonlat=BOX),
    "incidents": lambda p: read_incidents(p, expected_lonlat=BOX, drop_invalid=True),
    "tenure": lambda p: read_tenure(p, categories=HELSINKI_TENURE, expected_lonlat=BOX),
    "areas": read_areas,
}
FLAGS = {"osm": "--osm", "lamps": "--lamps", "incidents": "--incidents", "tenure": "--tenure"}
FLAGS["areas"] = "--areas"


def corpus() -> list[tuple[str, str, str]]:
    """(file, loader, fragment) rows of the README table."""
    rows = []
    for line in (BAD / "README.md").read_text("utf-8").splitlines():
        m = re.match(r"\| `([^`]+)` \| (\w+) \| .* \| (.*) \|$", line)
        if m:
            fragment = m.group(3).replace("\\|", "|")
            rows.append((m.group(1), m.group(2), fragment.strip("`")))
    return rows


CASES = corpus()
ERRORS = [c for c in CASES if not c[2].startswith("loads:")]
AWKWARD = [c for c in CASES if c[2].startswith("loads:")]


def test_corpus_is_complete_and_spread_over_every_loader() -> None:
    on_disk = {p.name for p in BAD.iterdir()} - {"README.md", "make_corpus.py"}
    assert on_disk == {c[0] for c in CASES}
    assert len(ERRORS) >= 40
    per_loader = Counter(loader for _, loader, _ in ERRORS)
    assert set(per_loader) == set(LOADERS)
    assert min(per_loader.values()) >= 5, per_loader


@pytest.mark.parametrize(("name", "loader", "fragment"), ERRORS, ids=[c[0] for c in ERRORS])
def test_bad_file_gives_a_clear_error(name: str, loader: str, fragment: str) -> None:
    # how long each refusal takes: benchmarks/bench_inputs.py
    with pytest.raises(SafespacesError) as info:
        LOADERS[loader](BAD / name)
    message = str(info.value)
    assert message.startswith(name), message
    assert fragment in message, message
    assert ". Fix: " in message, message
    assert isinstance(info.value, InputError)


def _names(column: str, expected: list[str]) -> Callable[[Any], bool]:
    return lambda frame: frame[column].tolist() == expected


#: For each awkward file: words of its README row ("loads: ...") and a check of exactly that.
AWKWARD_CHECKS: dict[str, tuple[str, Callable[[Any], bool]]] = {
    "osm_absurd_tags.osm": (
        "ignored (NaN) and counted",
        lambda osm: (
            sum(osm.implausible.values()) == 3
            and osm.buildings["levels"].isna().all()
            and osm.lamps["height_m"].isna().all()
            and osm.segments["name"].tolist() == [SCRIPT_NAME]
        ),
    ),
    "lamps_names_script.csv": ("the name survives unchanged", _names("name", [SCRIPT_NAME])),
    "incidents_no_zone.csv": (
        "local Europe/Helsinki time",
        lambda load: (
            str(load.points["time"].dt.tz) == "Europe/Helsinki"
            and load.points["time"].dt.hour.tolist() == [23, 23, 4]
        ),
    ),
    "incidents_names_script.csv": (
        "the text survives unchanged",
        lambda load: (
            load.points["category"].tolist() == [SCRIPT_NAME]
            and load.points["description"].tolist() == [SCRIPT_NAME]
        ),
    ),
    "areas_bowtie.geojson": (
        "a valid MultiPolygon",
        lambda areas: (
            areas.geometry.is_valid.all()
            and areas.geometry.iloc[0].geom_type == "MultiPolygon"
            and areas.attrs["repaired_geometries"] == 1
        ),
    ),
    "areas_names_script.geojson": (
        "the name survives unchanged",
        _names("name", [SCRIPT_NAME, "Kamppi"]),
    ),
}


@pytest.mark.parametrize(("name", "loader", "fragment"), AWKWARD, ids=[c[0] for c in AWKWARD])
def test_awkward_file_loads(name: str, loader: str, fragment: str) -> None:
    """The file loads as its README row says: the row's words and the check agree."""
    assert name in AWKWARD_CHECKS, f"{name}: add the check of '{fragment}' to AWKWARD_CHECKS"
    words, check = AWKWARD_CHECKS[name]
    assert fragment.startswith("loads: ") and words in fragment, (words, fragment)
    assert check(LOADERS[loader](BAD / name)), f"{name} does not load as described: {fragment}"


def test_every_awkward_check_has_its_row() -> None:
    assert set(AWKWARD_CHECKS) == {c[0] for c in AWKWARD}


def test_times_without_a_zone_are_local_helsinki_time() -> None:
    points = read_incidents(BAD / "incidents_no_zone.csv", timezone="Europe/Helsinki").points
    assert str(points["time"].dt.tz) == "Europe/Helsinki"
    utc = points["time"].dt.tz_convert("UTC").dt.strftime("%Y-%m-%dT%H:%M").tolist()
    # winter UTC+2, summer UTC+3, 03:30 on 30 March 2025 does not exist: shifted to 04:00 (UTC+3)
    assert utc == ["2025-01-15T21:30", "2025-07-15T20:30", "2025-03-30T01:00"]
    other = read_incidents(BAD / "incidents_no_zone.csv", timezone="UTC").points
    assert other["time"].dt.tz_convert("UTC").dt.hour.tolist() == [23, 23, 3]


def test_names_with_html_and_script_survive_loading_and_the_geopackage(tmp_path: Path) -> None:
    lamps = read_lamp_register(BAD / "lamps_names_script.csv")
    assert lamps["name"].tolist() == [SCRIPT_NAME]
    incidents = read_incidents(BAD / "incidents_names_script.csv").points
    assert incidents["category"].tolist() == [SCRIPT_NAME]
    assert incidents["description"].tolist() == [SCRIPT_NAME]
    areas = read_areas(BAD / "areas_names_script.geojson")
    assert areas["name"].tolist() == [SCRIPT_NAME, "Kamppi"]
    gpkg = write_layers(tmp_path, {"areas": areas, "lamps": lamps})
    assert pyogrio.read_dataframe(gpkg, layer="areas")["name"].tolist() == [SCRIPT_NAME, "Kamppi"]
    assert pyogrio.read_dataframe(gpkg, layer="lamps")["name"].tolist() == [SCRIPT_NAME]


def test_absurd_osm_tags_are_ignored_and_counted() -> None:
    osm = load_osm(BAD / "osm_absurd_tags.osm")
    assert osm.implausible == {
        "buildings.levels": 1,
        "buildings.height_m": 1,
        "lamps.height_m": 1,
    }
    assert osm.buildings["levels"].isna().all() and osm.buildings["height_m"].isna().all()
    assert osm.lamps["height_m"].isna().all()
    assert osm.segments["name"].tolist() == [SCRIPT_NAME]


def test_bow_tie_is_repaired_into_a_valid_polygon() -> None:
    areas = read_areas(BAD / "areas_bowtie.geojson")
    assert areas.geometry.is_valid.all()
    assert set(areas.geom_type) <= {"Polygon", "MultiPolygon"}
    assert areas.geometry.iloc[0].geom_type == "MultiPolygon"
    assert (areas.to_crs(3067).area > 1000).all()
    assert areas.attrs["repaired_geometries"] == 1


def test_a_zipped_shapefile_loads(tmp_path: Path) -> None:
    shp = tmp_path / "shp"
    shp.mkdir()
    gpd.GeoDataFrame(
        {"nimi": ["Kluuvi"]}, geometry=[shapely.box(385800, 6672000, 386300, 6672500)], crs=3067
    ).to_file(shp / "alueet.shp")
    archive = tmp_path / "alueet.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as z:
        for part in shp.iterdir():
            z.write(part, f"alueet/{part.name}")
    areas = read_areas(archive)
    assert areas["name"].tolist() == ["Kluuvi"] and areas.crs.to_epsg() == 3067


# --- the huge cases, generated here ----------------------------------------------------------


def write_million_rows(path: Path) -> Path:
    """Write 1,000,000 incident rows (46 MB): 1,000 distinct rows repeated."""
    rng = np.random.default_rng(0)
    lon = 24.936 + rng.random(1000) * 0.017
    lat = 60.165 + rng.random(1000) * 0.013
    block = "".join(
        f"{x:.6f},{y:.6f},2025-{1 + i % 12:02d}-{1 + i % 28:02d}T{i % 24:02d}:15:00,theft\n"
        for i, (x, y) in enumerate(zip(lon, lat, strict=True))
    ).encode()
    path.write_bytes(b"lon,lat,time,category\n" + block * 1000)
    return path


def write_zip_bomb(path: Path) -> Path:
    """Write a lamp register zip of under 1 MB that expands to 200 MB of '0'."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z, z.open("lamps.csv", "w") as f:
        f.write(b"lon,lat\n")
        zeros = b"0" * (1 << 20)
        for _ in range(200):  # 200 MB of '0' that compresses about 1000 times
            f.write(zeros)
    return path


@pytest.fixture(scope="module")
def million_rows(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_million_rows(tmp_path_factory.mktemp("big") / "incidents_million.csv")


def test_a_million_row_csv_loads(million_rows: Path) -> None:
    # how long it takes and how much memory: benchmarks/bench_inputs.py
    load = read_incidents(million_rows, drop_invalid=True)
    assert len(load.points) == 1_000_000
    assert load.points["incident_id"].is_unique
    assert set(load.points["category"]) == {"theft"}
    assert sum(load.dropped.values()) == 0


def test_row_limit_refuses_before_parsing(
    million_rows: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SAFESPACES_MAX_ROWS", "500000")

    def parse(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("pandas parsed a file above the row limit")

    monkeypatch.setattr(pd, "read_csv", parse)
    with pytest.raises(InputError, match=r"1,000,000 rows, above the limit of 500,000.*Fix: "):
        read_incidents(million_rows)


def test_size_limit(million_rows: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFESPACES_MAX_TABLE_MB", "10")
    with pytest.raises(InputError, match=r"is \d+ MB, above the limit of 10 MB"):
        read_incidents(million_rows)


def test_zip_bomb_is_refused_before_unpacking(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = write_zip_bomb(tmp_path / "lamps_bomb.zip")
    assert bomb.stat().st_size < 1_000_000

    def unpack(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("a member of the zip bomb was decompressed")

    # refused from the declared sizes, before a byte is decompressed
    monkeypatch.setattr(zipfile.ZipFile, "open", unpack)
    with pytest.raises(InputError, match=r"the zip archive expands [\d,]+ times \(a zip bomb\?\)"):
        read_lamp_register(bomb)


def test_zip_too_large_in_total(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SAFESPACES_ZIP_MAX_MB", "1")
    big = tmp_path / "lamps_big.zip"
    rng = np.random.default_rng(1)
    rows = "".join(f"{24.94 + d:.6f},60.17\n" for d in rng.random(100_000) * 0.01)
    with zipfile.ZipFile(big, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("lamps.csv", "lon,lat\n" + rows)
    with pytest.raises(InputError, match=r"would expand to .* above the limit of 1 MB"):
        read_lamp_register(big)


def test_zip_with_too_many_members(tmp_path: Path) -> None:
    many = tmp_path / "areas_many.zip"
    with zipfile.ZipFile(many, "w") as z:
        for i in range(5000):
            z.writestr(f"part{i}.txt", "")
    with pytest.raises(InputError, match=r"5,000 members, above the limit of 100"):
        read_areas(many)


def test_zip_traversal_writes_nothing_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    import tempfile

    monkeypatch.setattr(tempfile, "tempdir", None)
    with pytest.raises(InputError, match="points outside the archive folder"):
        read_lamp_register(BAD / "lamps_zip_traversal.zip")
    assert not list(tmp_path.rglob("lamps.csv"))
    assert not list((tmp_path / "tmp").iterdir())  # the extraction folder was removed


# --- through the CLI -------------------------------------------------------------------------

CLI_CASES = [
    "osm_entity_expansion.osm",
    "osm_truncated.osm.pbf",
    "lamps_latin1.csv",
    "lamps_zip_traversal.zip",
    "incidents_swapped_latlon.csv",
    "tenure_negative_count.csv",
    "areas_mixed_geometries.geojson",
    "areas_duplicate_ids.geojson",
]


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(cwd)}
    return subprocess.run(
        [sys.executable, "-m", "safespaces", "run", *args],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=env,
        timeout=120,
    )


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture(scope="module")
def good_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A good run on two areas whose names carry HTML and script: (output folder, stderr)."""
    work = tmp_path_factory.mktemp("cli")
    out = work / "out"
    done = run_cli("--areas", str(BAD / "areas_names_script.geojson"), "--out", str(out), cwd=work)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert "areas: 2" in done.stdout
    return out, done.stderr


@pytest.fixture(scope="module")
def earlier_output(good_run: tuple[Path, str]) -> Path:
    return good_run[0]


def test_cli_run_with_script_names_keeps_them_as_text(good_run: tuple[Path, str]) -> None:
    out, _ = good_run
    names = pyogrio.read_dataframe(out / "safespaces.gpkg", layer="areas")["name"].tolist()
    assert names == [SCRIPT_NAME, "Kamppi"]


def test_cli_run_on_small_areas_prints_no_python_warning(good_run: tuple[Path, str]) -> None:
    assert "Warning" not in good_run[1], good_run[1]


@pytest.mark.parametrize("name", CLI_CASES)
def test_cli_exits_2_and_keeps_earlier_output(
    name: str, earlier_output: Path, tmp_path: Path
) -> None:
    loader = name.split("_")[0]
    fragment = {c[0]: c[2] for c in CASES}[name]
    out = tmp_path / "out"
    shutil.copytree(earlier_output, out)
    before = snapshot(out)
    done = run_cli(FLAGS[loader], str(BAD / name), "--out", str(out), cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    error = [line for line in done.stderr.splitlines() if line.startswith("safespaces run: error:")]
    assert len(error) == 1, done.stderr
    assert name in error[0] and fragment in error[0] and "Fix:" in error[0]
    assert snapshot(out) == before


def test_corpus_frame_helpers_are_consistent() -> None:
    # every fragment is unique enough to find in its own message, and the table has no blanks
    assert all(fragment for _, _, fragment in CASES)
    assert pd.Series([c[0] for c in CASES]).is_unique
