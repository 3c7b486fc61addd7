"""The Plan page in AppTest: the proposals of the default, drop and move re-evaluated on the
library's lighting model, the downloads, and the page in Finnish and Swedish.

The default's analysis and its lighting are computed once per process (cached); the
proposal of 10 lamps once (about 15 s on 2 cores), every edit after it in well under a
second.
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
from streamlit.testing.v1 import AppTest
from test_app_languages import ENGLISH_NUMBER, FILE, SNAKE, data_names, english_words
from visible import texts

from safespaces.config import Config
from safespaces.io import read_metadata
from safespaces.study import Inputs
from safespaces_app import planning, runs
from safespaces_app.formats import number, share

REPO = Path(__file__).resolve().parents[2]
WORD = re.compile(r"[^\W\d_]+")


@pytest.fixture(scope="module")
def proposed() -> Iterator[AppTest]:
    """The Plan page of the default with 10 lamps proposed (the default budget)."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=240)
    at.run()
    assert not at.exception, at.exception
    at.switch_page("safespaces_app/plan.py")
    at.run()
    assert not at.exception, at.exception
    assert [x.value for x in at.title] == ["Plan"]
    assert at.number_input(key="plan_budget").value == 10
    at.button[0].click().run()  # Propose
    assert not at.exception, at.exception
    yield at


def _context() -> planning.PlanContext:
    config = Config()
    return planning.context(runs.run_key(Inputs(), config.to_json()), Inputs(), config)


def _run() -> str:
    return runs.run_key(Inputs(), Config().to_json())


def _ranks(at: AppTest) -> list[int]:
    """The ranks in the page's table (its first column)."""
    frame = pd.DataFrame(at.dataframe[0].value)
    return [int(r) for r in frame.iloc[:, 0]]


def _shown_gain(at: AppTest) -> str:
    """The gain the page states (the third metric)."""
    return str(at.metric[2].value)


def test_ten_ranked_lamps_and_the_summary(proposed: AppTest) -> None:
    at = proposed
    plan = planning.propose(_run(), 10, "all", "length", _context())
    assert len(at.dataframe) == 1
    assert _ranks(at) == list(range(1, 11))  # ten lamps, best first
    summary = plan.summary
    assert summary["proposed"] == 10 and summary["gain_m"] > 1000
    assert _shown_gain(at) == f"{number(summary['gain_m'], 'en')} m"
    text = "\n".join(str(m.value) for m in at.markdown)
    assert f"10 new lamps lift {number(summary['gain_m'], 'en')} m" in text
    assert number(summary["p6_length_before_m"] / 1000, "en", 2) in text
    # what the exact step proved, as the summary states it
    captions = "\n".join(str(c.value) for c in at.caption)
    if summary["guarantee"].startswith("unknown"):
        assert "is unknown" in captions
    elif summary["share_of_optimum_at_least"] == 1.0:
        assert "Optimal: no other placement of 10 lamps" in captions
    else:
        shown = f"at least {share(summary['share_of_optimum_at_least'], 'en', 1)}"
        assert shown in captions
    # the lamps on the app's own map, over the streets by lighting class
    found = [
        json.loads(e.proto.json_args)
        for e in at.get("component_instance")
        if "safespaces_map_" in e.proto.component_name
    ]
    assert len(found) == 1
    args = found[0]
    assert [p["label"] for p in args["points"]] == [str(r) for r in range(1, 11)]
    xy = planning.lonlat(plan.lamps)
    assert np.allclose([[p["lon"], p["lat"]] for p in args["points"]], xy)
    assert args["view"]["street"] == "lighting" and args["view"]["dark"] is True
    assert "http" not in json.dumps(args["points"])


def test_dropping_a_lamp_is_evaluated_again(proposed: AppTest) -> None:
    """Dropping rank 1 lowers the total by that lamp's marginal effect given the other nine,
    as the library evaluates it (not by its gain_m as ranked first)."""
    from safespaces.plan.evaluate import evaluate_lamps

    at = proposed
    ctx = _context()
    plan = planning.propose(_run(), 10, "all", "length", ctx)
    at.multiselect(key="plan_drop").set_value([1]).run()
    assert not at.exception, at.exception
    rest = plan.lamps[plan.lamps["rank"] != 1]
    expected = evaluate_lamps(ctx.lighting, rest)  # a fresh state: no cache shared
    gain = expected.summary["gain_m"]
    assert _shown_gain(at) == f"{number(gain, 'en')} m"
    marginal = plan.summary["gain_m"] - gain
    assert marginal > 0
    print(f"rank 1 ranked gain {plan.lamps['gain_m'].iloc[0]:.1f} m, marginal {marginal:.1f} m")
    assert _ranks(at) == list(range(2, 11))
    # moving a lamp: the edited plan again equals the library's evaluation
    at.selectbox(key="plan_move").set_value(2).run()
    at.number_input(key="plan_dx").set_value(20).run()
    assert not at.exception, at.exception
    points = rest.copy()
    points.loc[points["rank"] == 2, "geometry"] = points.loc[points["rank"] == 2].translate(20, 0)
    moved = evaluate_lamps(ctx.lighting, points)
    assert _shown_gain(at) == f"{number(moved.summary['gain_m'], 'en')} m"
    at.multiselect(key="plan_drop").set_value(list(range(1, 11))).run()  # every lamp
    assert not at.exception, at.exception
    assert _shown_gain(at) == "0 m" and _ranks(at) == []
    at.multiselect(key="plan_drop").set_value([]).run()
    at.number_input(key="plan_dx").set_value(0).run()
    assert _shown_gain(at) == f"{number(plan.summary['gain_m'], 'en')} m"


def test_downloads(proposed: AppTest, tmp_path: Path) -> None:
    at = proposed
    labels = [b.proto.label for b in at.get("download_button")]
    assert any("plan_lamps.gpkg" in x for x in labels)
    assert any("plan_lamps.csv" in x for x in labels)
    assert any("plan_lamps_register.csv" in x for x in labels)
    # AppTest cannot read a download's bytes: the byte builders the buttons call
    plan = planning.propose(_run(), 10, "all", "length", _context())
    table = pd.read_csv(io.BytesIO(planning.csv_bytes(planning.procurement_table(plan))))
    assert list(table.columns) == list(planning.PROCUREMENT_COLUMNS)
    assert len(table) == 10 and table["rank"].tolist() == list(range(1, 11))
    assert table["lon"].between(24, 26).all() and table["lat"].between(59, 61).all()
    assert np.allclose(table["gain_m"], plan.lamps["gain_m"], atol=0.05)
    register = pd.read_csv(io.BytesIO(planning.csv_bytes(plan.register_table())))
    assert {"lon", "lat", "height_m", "intensity_cd", "luminaire", "planned"} <= set(register)
    assert (register["planned"] == "yes").sum() == 10
    assert len(register) == len(_context().lighting.lamps) + 10
    before = set(planning.PLAN_EXPORTS.iterdir()) if planning.PLAN_EXPORTS.exists() else set()
    path = tmp_path / "plan_lamps.gpkg"
    path.write_bytes(planning.gpkg_bytes(plan))
    assert set(planning.PLAN_EXPORTS.iterdir()) <= before  # its folder removed after
    layer = pyogrio.read_dataframe(path, layer="plan_lamps")
    stored = json.loads(read_metadata(path)["plan_lamps_summary"])
    assert len(layer) == 10 and {"rank", "height_m", "intensity_cd", "gain_m"} <= set(layer)
    assert stored["gain_m"] == plan.summary["gain_m"]


def test_the_print_layout_of_the_plan_as_edited(proposed: AppTest) -> None:
    """The Plan page's print layout: the library's printed map of the plan as edited (rank
    1 dropped), its nine lamps numbered, the budget and the edited plan's figures."""
    from printcheck import pdf_texts, plan_numbers

    at = proposed
    buttons = {b.proto.label: b for b in at.get("download_button")}
    assert "Print layout of the plan (plan_lamps.pdf)" in buttons
    # AppTest cannot click a download: the builder the button calls, on the edited plan
    ctx = _context()
    plan = planning.edited(_run(), 10, "all", "length", (1,), (), ctx)
    data = runs.analysis(Inputs(), Config().to_json(), Config())
    pdf = planning.print_pdf(data, plan, 10, "en")
    assert pdf[:5] == b"%PDF-"
    assert sorted(int(n) for n, _, _ in plan_numbers(pdf)) == list(range(2, 11))
    text = " ".join(t for t, *_ in pdf_texts(pdf))
    summary = plan.summary
    assert "Lamp plan, budget 10: 9 new lamps" in text
    after = number(summary["p6_length_after_m"] / 1000, "en", 2)
    assert f"{after} km" in text and f"(+{number(summary['gain_m'], 'en')} m)" in text
    assert "Proposed lamps" in text and "Lighting class, before the plan" in text


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_no_english_on_the_plan_page(proposed: AppTest, lang: str) -> None:
    at = proposed
    at.selectbox(key="lang").set_value(lang).run()
    assert not at.exception, at.exception
    english = english_words(lang) - data_names() - {"openstreetmap", "contributors", "odbl"}
    wrong: list[str] = []
    for where, text in texts(at):
        if text == "Language / Kieli / Språk":
            continue
        plain = FILE.sub(" ", text)
        wrong += [
            f"{w!r} in {text!r}" for w in sorted(set(WORD.findall(plain.casefold())) & english)
        ]
        wrong += [f"raw name {m!r}" for m in SNAKE.findall(plain)]
        numeric = where in ("cell", "Caption", "Markdown", "chart") and "ODbL" not in text
        if numeric and ENGLISH_NUMBER.search(text):
            wrong.append(f"English number in {text!r}")
    title = {"fi": "Suunnittele", "sv": "Planera"}[lang]
    assert [x.value for x in at.title] == [title]
    assert len(at.dataframe) == 1 and len(at.metric) == 3
    at.selectbox(key="lang").set_value("en").run()
    assert not wrong, "\n".join(wrong[:40])


def test_unmapped_lamps_say_unknown_not_no_gain(tmp_path: Path) -> None:
    """Oslo-Skøyen (../shared/data/cities) maps no street lamp: the page says the light is
    unknown and asks for a register, not that no lamp would lift any path."""
    from conftest import CITIES, require

    oslo = CITIES / "oslo-skoyen_otp.osm.pbf"
    require(oslo.is_file(), f"{oslo} is absent (it sits beside the repository in CI)")
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=240)
    at.session_state["inputs"] = Inputs(osm=oslo)
    at.run()
    assert not at.exception, at.exception
    at.switch_page("safespaces_app/plan.py")
    at.run()
    at.button[0].click().run()  # Propose
    assert not at.exception, at.exception
    warnings = [w.value for w in at.warning]
    assert any("light is unknown on 100.0%" in w and "--lamps" in w for w in warnings), warnings
    assert not any("lifts any walking segment" in i.value for i in at.info)
