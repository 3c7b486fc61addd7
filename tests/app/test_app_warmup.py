"""The server's warm-up (issue 20, first map): ``safespaces app`` makes the first map's
analysis and map documents when it starts, before any browser asks; the first session
finds them in the cache (nothing is read or written again); a failed warm-up is only
logged (the session shows the error); ``SAFESPACES_APP_WARMUP=0`` turns it off.

The folder opened is the output of one ``safespaces run --out`` (``default_output``).
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from app_server import streamlit_server
from streamlit.testing.v1 import AppTest

from safespaces.commands.app import OPEN_ENV
from safespaces.errors import InputError
from safespaces_app import maptiles, mapwidget, runs, warmup

REPO = Path(__file__).resolve().parents[2]
LOG_FILE = REPO / "tests" / "artifacts" / "streamlit-server.log"


@pytest.fixture
def fresh_caches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """Empty app caches, the opened folders' maps written under ``tmp_path``."""
    monkeypatch.setattr(mapwidget, "OPENED_MAPS", tmp_path / "maps")
    runs.open_run.clear()
    mapwidget._client.clear()
    yield tmp_path / "maps"
    runs.open_run.clear()
    mapwidget._client.clear()


def test_the_first_session_finds_the_warmed_map(
    default_output: Path, fresh_caches: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(OPEN_ENV, str(default_output))
    seconds = warmup.warm(wait_s=0)
    assert seconds > 0
    written = sorted(p.name for p in fresh_caches.rglob("*") if p.is_file())
    assert "index.html" in written
    assert any(name.startswith("data-") and name.endswith(".json") for name in written)

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the session did the warm-up's work again")

    # the session's calls are the warm-up's (same functions, same keys): cache hits
    monkeypatch.setattr(runs, "read_run", forbidden)
    monkeypatch.setattr(runs, "run", forbidden)
    monkeypatch.setattr(runs, "run_default_apart", forbidden)
    monkeypatch.setattr(maptiles, "write_client", forbidden)
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception, at.exception
    assert not at.error, [e.value for e in at.error]
    assert at.title[0].value == "Map"


def test_a_failed_warm_up_is_logged_and_left_to_the_session(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def gone() -> None:
        raise InputError("/srv/out is not a safespaces output folder")

    from safespaces_app import diskcache

    monkeypatch.setattr(runs, "server_default", gone)
    monkeypatch.setattr(diskcache, "prestart_default", lambda: None)
    monkeypatch.setattr(warmup, "PATH_WAIT_S", 0.0)
    with caplog.at_level(logging.WARNING, logger="safespaces.app"):
        thread = warmup.start()
        assert thread is not None
        thread.join(60)
    assert not thread.is_alive()
    assert [r.getMessage() for r in caplog.records if r.name == "safespaces.app"] == [
        "the warm-up did not finish (the first page will try again): "
        "/srv/out is not a safespaces output folder"
    ]


def test_the_warm_up_can_be_turned_off(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(warmup.WARMUP_ENV, "0")
    assert warmup.start() is None


def test_safespaces_app_writes_the_map_before_any_browser_asks(
    default_output: Path, tmp_path: Path
) -> None:
    """A real server (``safespaces app --open``, no browser): the map's documents appear in
    the app's cache and the terminal says the first map is ready."""
    command = [sys.executable, "-m", "safespaces", "app", "--open", str(default_output)]
    maps = tmp_path / "safespaces-app" / "maps"
    with streamlit_server(command=command, env={"TMPDIR": str(tmp_path)}):
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if "the first map is ready" in LOG_FILE.read_text(errors="replace"):
                break
            time.sleep(0.2)
        log = LOG_FILE.read_text(errors="replace")
        assert "the first map is ready" in log, log[-3000:]
        assert "Traceback" not in log and "missing ScriptRunContext" not in log, log[-3000:]
        documents = [p.name for p in maps.rglob("data-*.json")]
        assert len(documents) == 1, sorted(p.name for p in maps.rglob("*"))
    assert not list(default_output.rglob(".webmap"))  # the analyst's folder is never written


def test_safespaces_app_imports_no_analysis_before_the_server_starts() -> None:
    """``safespaces app`` names its subcommand: the CLI imports that one alone (the
    analysis, geopandas included, loads in the server's warm-up, not before it starts)."""
    code = (
        "import sys; from safespaces.cli import build_parser; build_parser('app'); "
        "print(sorted(m for m in ('geopandas', 'safespaces.pipeline', 'streamlit') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    assert done.stdout.strip() == "[]"


def test_the_default_runs_in_a_process_of_its_own_with_the_sites_configuration(
    tmp_path: Path,
) -> None:
    """``python -m safespaces_app.build`` gets the configuration on stdin and the run records
    every setting of it (a setting away from the default shows it came through)."""
    import json

    from safespaces.config import Config, load_config
    from safespaces.io import GPKG_NAME, existing_metadata

    config = load_config(Config(), ["lighting.maintenance_factor=0.7"])
    out = tmp_path / "out"
    out.mkdir()
    runs.run_default_apart(config, out)
    recorded = existing_metadata(out / GPKG_NAME)["config"]
    given = json.loads(config.to_json())
    # the run records its settings with "auto" resolved in [general] (name, time zone)
    assert {k: v for k, v in recorded.items() if k != "general"} == {
        k: v for k, v in given.items() if k != "general"
    }
    assert recorded["lighting"]["maintenance_factor"] == 0.7
    assert recorded["general"]["seed"] == given["general"]["seed"]


def test_a_failed_default_run_names_its_exit_and_last_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safespaces.config import Config

    def failed(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        assert command[1:3] == ["-m", "safespaces_app.build"]
        return subprocess.CompletedProcess(command, 3, "", "one\ntwo\nthree\nMemoryError: out\n")

    monkeypatch.setattr(runs.subprocess, "run", failed)
    with pytest.raises(RuntimeError, match=r"exit 3: two three MemoryError: out$"):
        runs.run_default_apart(Config(), tmp_path)


def test_a_configuration_that_does_not_come_back_the_same_runs_in_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from safespaces.config import Config
    from safespaces_app.build import NOT_SAME_CONFIG

    made: list[Path] = []

    def not_same(command: list[str], **kwargs: object) -> subprocess.CompletedProcess[str]:
        return subprocess.CompletedProcess(command, NOT_SAME_CONFIG, "", "error: not the same\n")

    monkeypatch.setattr(runs.subprocess, "run", not_same)
    monkeypatch.setattr(runs, "run", lambda inputs, config, out: made.append(out))
    runs.run_default_apart(Config(), tmp_path)
    assert made == [tmp_path]


def test_the_early_run_is_the_one_the_server_would_make(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The warm-up's first step starts the default's run in a process of its own; the
    server's own run of the default then finds its folder complete (the same key: inputs,
    site configuration, library) and builds nothing."""
    from safespaces.config import Config
    from safespaces_app import diskcache

    monkeypatch.setenv("TMPDIR", str(tmp_path))  # the child's disk cache
    monkeypatch.delenv(OPEN_ENV, raising=False)
    monkeypatch.setattr(diskcache, "RUNS_DIR", tmp_path / "safespaces-app" / "runs")
    assert diskcache._PRESTARTED == []
    diskcache.prestart_default()
    diskcache.prestart_default()  # once per server
    assert len(diskcache._PRESTARTED) == 1
    diskcache.await_prestarted()
    assert diskcache._PRESTARTED == []

    def forbidden(folder: Path) -> None:
        raise AssertionError("the server built the default again")

    folder = diskcache.default_run(Config().to_json(), forbidden)
    assert folder.parent == diskcache.RUNS_DIR and (folder / "safespaces.gpkg").is_file()
    assert not list(diskcache.RUNS_DIR.glob(".build-*"))  # its message file is removed


def test_a_failed_early_run_is_logged_and_left_to_the_server(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    from safespaces_app import diskcache

    broken = tmp_path / "safespaces.toml"
    broken.write_text("[lighting]\ncutoff_m = 'far'\n")
    monkeypatch.setenv("SAFESPACES_CONFIG", str(broken))
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.delenv(OPEN_ENV, raising=False)
    monkeypatch.setattr(diskcache, "RUNS_DIR", tmp_path / "safespaces-app" / "runs")
    diskcache.prestart_default()
    with caplog.at_level(logging.WARNING, logger="safespaces.app"):
        diskcache.await_prestarted()
    (message,) = [r.getMessage() for r in caplog.records if r.name == "safespaces.app"]
    assert message.startswith("the default's early run stopped with exit 2: error: ")
    assert "safespaces.toml: setting 'lighting.cutoff_m'" in message
    assert not list(diskcache.RUNS_DIR.glob("default-*"))


@pytest.mark.browser
def test_first_map_from_a_cold_start_in_a_real_browser(tmp_path: Path) -> None:
    """``safespaces app`` on an empty app cache, Debian Chromium already open: the map is
    drawn once the early run is done, and the default is run exactly once (one run folder,
    no half-written one left). The seconds are recorded (tests/artifacts/first_map.json),
    not asserted: speed is the benchmarks' (benchmarks/bench_app.py)."""
    import json

    from app_server import CHROMIUM, CHROMIUM_ARGS, have_browser, map_frame
    from conftest import require

    require(have_browser(), f"needs the playwright package and Debian Chromium at {CHROMIUM}")
    from playwright.sync_api import sync_playwright

    command = [sys.executable, "-m", "safespaces", "app"]
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        page = chromium.new_page(viewport={"width": 1400, "height": 900})
        start = time.perf_counter()
        with streamlit_server(command=command, env={"TMPDIR": str(tmp_path)}) as url:
            healthy = time.perf_counter() - start
            page.goto(url)
            frame = map_frame(page)
            frame.locator("path.leaflet-interactive").first.wait_for(state="attached")
            first_map = time.perf_counter() - start
            startup = frame.evaluate("() => window.ssmap.startup")
            segments = frame.evaluate("() => window.ssmap.doc().segments.ids.length")
        chromium.close()
    runs_dir = tmp_path / "safespaces-app" / "runs"
    assert len(list(runs_dir.glob("default-*"))) == 1
    assert not list(runs_dir.glob(".default-*")) and not list(runs_dir.glob(".build-*"))
    assert segments > 1000
    log = LOG_FILE.read_text(errors="replace")
    assert "the first map is ready" in log and "Traceback" not in log, log[-3000:]
    (REPO / "tests" / "artifacts" / "first_map.json").write_text(
        json.dumps(
            {
                "launch_to_healthy_s": round(healthy, 2),
                "launch_to_first_map_cold_s": round(first_map, 2),
                "map_code_to_drawn_s": round((startup["drawn"] - startup["code"]) / 1000, 2),
            },
            indent=2,
        )
    )


def test_the_run_process_imports_this_code_from_any_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The default's run process imports the same safespaces and safespaces_app as the
    server, also when they are not installed and the app started in another folder."""
    from safespaces_app import build

    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PYTHONPATH", "/elsewhere")
    args, env = build.command("--default")
    assert args == [sys.executable, "-m", "safespaces_app.build", "--default"]
    assert env["PYTHONPATH"].split(os.pathsep) == [str(REPO), "/elsewhere"]
    code = "import safespaces, safespaces_app; print(safespaces.__file__, safespaces_app.__file__)"
    shown = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env
    )
    package = REPO / "safespaces" / "__init__.py"
    assert shown.stdout.split() == [str(package), str(REPO / "safespaces_app" / "__init__.py")]
