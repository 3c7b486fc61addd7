"""``safespaces app``: the installed app's main script, its settings and its Leaflet, from any
folder (the repository's .streamlit/config.toml is not read there)."""

from __future__ import annotations

import os
import sys
import tomllib
import urllib.request
from pathlib import Path

import pytest
from app_server import streamlit_server

from safespaces.cli import main
from safespaces.commands import app as app_command
from safespaces.commands.app import app_folder, streamlit_command, streamlit_flags

REPO = Path(__file__).resolve().parents[2]
PACKAGED = REPO / "safespaces_app" / ".streamlit" / "config.toml"


def test_packaged_settings_are_the_repositorys() -> None:
    """``streamlit run app.py`` in a clone reads .streamlit/config.toml; ``safespaces app`` the
    package's copy: the same settings."""
    repo = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert tomllib.loads(PACKAGED.read_text(encoding="utf-8")) == repo
    assert repo["server"]["enableStaticServing"] is True


def test_streamlit_command_runs_the_installed_main_script() -> None:
    command = streamlit_command(["--server.port", "8502"])
    # streamlit run, in a process that warms up first (safespaces_app.serve)
    assert command[:4] == [sys.executable, "-m", "safespaces_app.serve", "run"]
    main = Path(command[-3])
    assert main == app_folder() / "main.py" == REPO / "safespaces_app" / "main.py"
    assert (main.parent / "static" / "leaflet" / "leaflet.js").is_file()  # served beside it
    flags = command[4:-3]
    assert flags == streamlit_flags(PACKAGED)
    assert "--server.enableStaticServing=true" in flags
    assert "--browser.gatherUsageStats=false" in flags
    assert command[-2:] == ["--server.port", "8502"]  # the user's, last: they override


def test_safespaces_app_serves_the_app_and_its_leaflet_from_another_folder(
    tmp_path: Path,
) -> None:
    command = [sys.executable, "-m", "safespaces", "app"]
    with streamlit_server(command=command, cwd=tmp_path) as url:
        with urllib.request.urlopen(f"{url}/app/static/leaflet/leaflet.js", timeout=30) as r:
            assert r.status == 200
            assert r.read() == (app_folder() / "static" / "leaflet" / "leaflet.js").read_bytes()
        with urllib.request.urlopen(url, timeout=30) as r:
            assert r.status == 200 and b"<html" in r.read().lower()
    try:  # the server stopped with `safespaces app` (SIGTERM reaches Streamlit through it)
        urllib.request.urlopen(f"{url}/_stcore/health", timeout=5)
        still_up = True
    except OSError:
        still_up = False
    assert not still_up


def test_open_refuses_a_folder_that_is_not_an_output_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_server(*args: object, **kwargs: object) -> None:
        raise AssertionError("the server started")

    monkeypatch.setattr(app_command.subprocess, "Popen", no_server)
    assert main(["app", "--open", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == (
        f"safespaces app: error: {tmp_path} is not a safespaces output folder: it holds no "
        "safespaces.gpkg. Fix: give a folder written by 'safespaces run --out DIR' "
        "(either engine)\n"
    )


def test_open_hands_the_checked_folder_to_the_app(
    default_output: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    started: dict[str, object] = {}

    class Server:
        def __init__(self, command: list[str], env: dict[str, str]) -> None:
            started.update(command=command, env=env)

        def wait(self) -> int:
            return 0

    monkeypatch.setattr(app_command.subprocess, "Popen", Server)
    monkeypatch.delenv(app_command.OPEN_ENV, raising=False)
    relative = os.path.relpath(default_output)
    assert main(["app", "--open", relative, "--server.port", "8502"]) == 0
    env = started["env"]
    assert isinstance(env, dict) and env[app_command.OPEN_ENV] == str(default_output.resolve())
    command = started["command"]
    assert isinstance(command, list) and command[-2:] == ["--server.port", "8502"]
    assert "--open" not in command and relative not in command  # not Streamlit's option
