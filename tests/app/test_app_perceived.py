"""The app's Perceived safety page (issue 24): a run without a survey says how to add one;
an opened run with a SYNTHETIC survey shows the divergence map, the classes with what to do,
the areas with their intervals (suppressed areas empty) and the equity table, in en/fi/sv."""

from __future__ import annotations

import sys
from pathlib import Path

import geopandas as gpd
import pytest
from outcheck import copy_output, run_cli
from streamlit.testing.v1 import AppTest

from safespaces.commands.app import OPEN_ENV
from safespaces_app import runs

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "survey"))
from survey_synthetic import synthetic_survey  # noqa: E402


def start(page: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    at.switch_page(f"safespaces_app/{page}.py")
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture(scope="module")
def surveyed(default_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("perceived")
    out = copy_output(default_output, root / "out")
    areas = gpd.read_file(out / "safespaces.gpkg", layer="areas")
    synthetic_survey(areas, root / "answers.csv")
    done = run_cli(
        ["--survey", str(root / "answers.csv"), "--group-cols", "age", "--out", str(out)],
        root,
        command="survey",
    )
    assert done.returncode == 0, done.stderr
    return out


def test_a_run_without_survey_says_how_to_add_one() -> None:
    at = start("perceived")
    assert at.title[0].value == "Perceived safety"
    assert "safespaces run --survey" in at.info[0].value


@pytest.mark.parametrize("lang", ["en", "fi"])
def test_the_opened_survey_run(surveyed: Path, monkeypatch: pytest.MonkeyPatch, lang: str) -> None:
    monkeypatch.setenv(OPEN_ENV, str(surveyed))
    runs.open_run.clear()
    at = start("perceived")
    if lang != "en":
        at.selectbox(key="lang").set_value(lang).run()
    assert not at.exception and not at.error
    assert at.get("image") or at.get("imgs")  # the divergence map (its name before streamlit 1.5x)
    classes, areas = at.dataframe[0].value, at.dataframe[1].value
    assert classes.iloc[:, 1].sum() == 39  # every area in one class
    if lang == "en":
        counts = dict(zip(classes.iloc[:, 0], classes.iloc[:, 1], strict=True))
        assert counts["feels unsafe, measures good"] == 1  # the planted area
        assert "Activation and communication" in " ".join(m.value for m in at.markdown)
        # a suppressed area shows no share (fewer than k respondents, or hidden with one)
        shares = areas["Feeling unsafe (%)"]
        assert shares.isna().sum() >= 2 and shares.notna().sum() >= 30
        assert any("SYNTHETIC" in w.value for w in at.warning)
    else:
        assert "tuntuu turvattomalta, mittautuu hyvin" in classes.iloc[:, 0].tolist()
