"""A finished output folder in the app (issue 20): ``safespaces app --open DIR`` (the
server's folder, SAFESPACES_APP_OPEN) and the Data page's control open it as it is (the
analysis never runs), "Inputs in use" says what was opened, a folder that is not an output
is refused in one line, and the app never writes into the analyst's folder.

The folder is the output of one ``safespaces run --out`` (the session's ``default_output``
fixture, run once).
"""

from __future__ import annotations

import importlib.util
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from conftest import require
from outcheck import run_cli, snapshot
from streamlit.testing.v1 import AppTest

from safespaces.commands.app import OPEN_ENV
from safespaces.distributed import DASK_MODULES
from safespaces.study import Inputs
from safespaces.synthetic import DEFAULT_OSM
from safespaces_app import archive, provenance, runs, uploads

REPO = Path(__file__).resolve().parents[2]
#: The Data page's buttons, in page order.
CHECK, RESET, OPEN = 0, 1, 2


def unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def forbid_analysis(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Fail if the app runs an analysis or shows a run of inputs (an opened folder is read,
    never recomputed); returns the folders the app read."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analysis ran")

    read: list[Path] = []
    real = runs.read_run

    def spy(folder: Path, **kwargs: Any) -> Any:
        read.append(folder)
        return real(folder, **kwargs)

    monkeypatch.setattr(runs, "run", forbidden)
    monkeypatch.setattr(runs, "run_default_apart", forbidden)
    monkeypatch.setattr(runs, "analysis", forbidden)
    monkeypatch.setattr(runs, "read_run", spy)
    runs.open_run.clear()
    return read


def start(page: str | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    if page:
        at.switch_page(f"safespaces_app/{page}.py")
        at.run()
        assert not at.exception, at.exception
    return at


@pytest.fixture
def no_analysis(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """The folders the app read; the analysis is forbidden."""
    return forbid_analysis(monkeypatch)


@pytest.fixture
def server_opened(
    default_output: Path, monkeypatch: pytest.MonkeyPatch, no_analysis: list[Path]
) -> Iterator[Path]:
    """The server was started with ``safespaces app --open`` on the finished run."""
    monkeypatch.setenv(OPEN_ENV, str(default_output))
    yield default_output


def test_the_servers_folder_is_shown_without_running_the_analysis(
    server_opened: Path, no_analysis: list[Path]
) -> None:
    before = snapshot(server_opened)
    at = start()
    assert no_analysis == [server_opened.resolve()]  # read once, then cached
    segments = pyogrio.read_info(server_opened / "safespaces.gpkg", layer="street_segments")
    assert any(f"{segments['features']:,} street segments" in c.value for c in at.caption)
    assert len(at.get("component_instance")) == 1  # the map
    for page in ("districts", "mix", "lighting", "incidents", "perceived", "export"):
        at.switch_page(f"safespaces_app/{page}.py")
        at.run()
        assert not at.exception, (page, at.exception)
        assert not at.error, (page, [e.value for e in at.error])
    assert no_analysis == [server_opened.resolve()]
    assert snapshot(server_opened) == before  # nothing written into the analyst's folder


def test_inputs_in_use_name_the_opened_run(server_opened: Path) -> None:
    at = start("data")
    text = unescape(" ".join(str(m.value) for m in at.markdown))
    assert f"Opened output folder {server_opened.resolve()}: study helsinki, written " in text
    assert "Nothing was recomputed" in text
    table = at.dataframe[0].value
    source = dict(zip(table["Input"], table["Source"], strict=True))
    files = dict(zip(table["Input"], table["File"], strict=True))
    osm = "OpenStreetMap extract"
    assert files[osm] == DEFAULT_OSM.name and source[osm] == "input of the opened run"
    assert source["tenure"] == "input of the opened run (SYNTHETIC)"
    assert source["lamp register"] == "not given"


def test_the_data_page_opens_a_folder(
    default_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = start("data")  # the embedded default (its run is cached on disk after the first)
    read = forbid_analysis(monkeypatch)
    at.text_input(key="open_folder").input(str(default_output))
    at.button[OPEN].click().run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert f"Opened {default_output.resolve()}" in unescape(at.success[0].value)
    assert at.session_state["opened"] == str(default_output.resolve())
    assert "Opened output folder" in " ".join(str(m.value) for m in at.markdown)
    at.switch_page("safespaces_app/map.py")
    at.run()
    assert not at.exception and at.title[0].value == "Map"
    assert read == [default_output.resolve()]
    monkeypatch.undo()  # the default may be shown again
    at.switch_page("safespaces_app/data.py")
    at.run()
    at.button[RESET].click().run()  # back to the default: the folder is closed
    assert not at.exception and not at.error
    assert "opened" not in at.session_state
    assert "embedded Helsinki default" in at.dataframe[0].value.to_string()


@pytest.fixture(scope="module")
def dask_output(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """``safespaces run --engine dask`` on the embedded default (one worker), run once."""
    require(
        all(importlib.util.find_spec(m) for m in DASK_MODULES),
        "needs the distributed extra (dask, distributed, dask-geopandas)",
    )
    root = tmp_path_factory.mktemp("dask-run")
    out = root / "out"
    done = run_cli(["--engine", "dask", "--workers", "1", "--out", str(out)], root)
    assert done.returncode == 0, done.stderr
    return out


@pytest.mark.dask
def test_a_dask_engine_run_opens_and_names_its_engine(
    dask_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    at = start("data")
    read = forbid_analysis(monkeypatch)
    at.text_input(key="open_folder").input(str(dask_output))
    at.button[OPEN].click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    assert read == [dask_output.resolve()]
    text = unescape(" ".join(str(m.value) for m in at.markdown))
    engine = re.search(r", dask engine \((\d+) partitions\)\. Nothing was recomputed", text)
    assert engine and int(engine[1]) >= 1, text
    at.switch_page("safespaces_app/map.py")
    at.run()
    assert not at.exception and not at.error
    assert len(at.get("component_instance")) == 1


def test_the_data_page_refuses_a_folder_that_is_not_an_output(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a run")
    at = start("data")
    at.text_input(key="open_folder").input(str(tmp_path))
    at.button[OPEN].click().run()
    assert not at.exception
    assert [unescape(e.value) for e in at.error] == [
        f"{tmp_path} is not a safespaces output folder: it holds no safespaces.gpkg. "
        "Fix: give a folder written by 'safespaces run --out DIR' (either engine)"
    ]
    assert "opened" not in at.session_state and not at.success


def test_the_zip_of_an_opened_folder_is_built_outside_it(default_output: Path) -> None:
    before = snapshot(default_output)
    where = archive.zip_folder(default_output)
    assert not where.is_relative_to(default_output) and where.parent == archive.OPENED_EXPORTS
    names = archive.export_zip(default_output, where).name
    assert names == "safespaces.zip" and (where / "safespaces.zip").is_file()
    assert snapshot(default_output) == before
    run = runs.RUNS_DIR / "default-x"  # the app's own runs keep their zip inside
    assert archive.zip_folder(run) == run.resolve() / archive.EXPORT_DIR


def test_inputs_in_use_label_each_input_by_its_source(tmp_path: Path) -> None:
    lamps = uploads.UPLOADS_DIR / "abc" / "my_lamps.csv"
    areas = tmp_path / "areas.gpkg"
    table = provenance.input_rows(
        Inputs(lamps=lamps, areas=areas), {lamps}, {"lamps": "my lamps.csv"}, "en"
    )
    rows = {r.input: (r.file, r.source) for r in table.itertuples()}
    assert rows == {
        "OpenStreetMap extract": (DEFAULT_OSM.name, "embedded Helsinki default"),
        "lamp register": ("my lamps.csv", "uploaded"),
        "tenure": ("tenure_SYNTHETIC.csv", "embedded Helsinki default"),
        "incidents": ("incidents_SYNTHETIC.csv", "embedded Helsinki default"),
        "areas": ("areas.gpkg", ""),  # a file of the server's, given in code
        "population": ("", "not given"),
    }
    fi = provenance.input_rows(Inputs(osm=tmp_path / "city.osm.pbf"), set(), {}, "fi")
    # no default lamp register beside a city
    assert fi.iloc[1].tolist() == ["valaisinrekisteri", "", "ei annettu"]


def test_the_opened_summary_names_the_dask_engine() -> None:
    metadata = {
        "run_time_utc": "2026-12-03T17:39:11+00:00",
        "study_name": "city",
        "safespaces_version": "0.1.0",
        "engine": {"name": "dask", "partitions": 16},
    }
    summary = provenance.opened_summary(Path("/data/city"), metadata, "en")
    assert summary == {
        "folder": "/data/city",
        "study": "city",
        "time": "2026-12-03 17:39 UTC",
        "version": "0.1.0",
        "engine": ", dask engine (16 partitions)",
    }
    unknown = provenance.opened_summary(Path("/x"), {}, "en")
    assert unknown == {"folder": "/x", "study": "?", "time": "?", "version": "?", "engine": ""}
