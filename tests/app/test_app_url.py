"""The view in the URL (issue 20): query string -> page state, page state -> query string,
kept across page changes, bad values ignored; and the parsing of the map's centre and zoom.

AppTest keeps the query string between runs as a browser does (``at.query_params`` after a
run is the URL the app wrote). It does not draw the folium map: the centre and zoom the map
is given are read from the component's arguments (``center``, ``zoom``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from safespaces.config import Config
from safespaces.indices import FAMILIES, PRESETS
from safespaces.study import Inputs
from safespaces_app import mapview, runs, urlstate
from safespaces_app.urlstate import View, from_params, to_params, view_from_map

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def warm() -> None:
    """Run the default analysis once (the first run may take a while on 2 cores)."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception


@pytest.fixture(scope="module")
def district(warm: None) -> str:
    """A district name of the default run (not the first in the list)."""
    config = Config()
    return mapview.districts(runs.analysis(Inputs(), config.to_json(), config))[1]


def app_with(params: dict[str, str | list[str]] | None = None) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30)
    if params:
        at.query_params.update(params)
    at.run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def app(warm: None) -> Iterator[AppTest]:
    yield app_with()


def map_args(at: AppTest) -> dict[str, object]:
    found = [json.loads(e.proto.json_args) for e in at.get("component_instance")]
    assert len(found) == 1, "exactly one folium map expected"
    return found[0]


def url(at: AppTest) -> dict[str, list[str]]:
    """The query string the app wrote, every value as a list."""
    return {k: v if isinstance(v, list) else [v] for k, v in at.query_params.items()}


# --- pure: the query string --------------------------------------------------------------------


def test_a_new_session_has_the_default_view_and_writes_it() -> None:
    assert from_params({}) == View()
    assert to_params(View()) == {
        "hour": "22",
        "layer": ["eyes", "dark"],
        "preset": "balanced",
        "lang": "en",
    }


def test_every_field_survives_the_round_trip() -> None:
    view = View(
        hour=3,
        layers=("mix", "score"),
        weights=(2.0, 0.5, 0.0, 1.25),
        district="Kluuvi 3 & <b>",
        lang="sv",
        centre=(60.17163, 24.94429),
        zoom=15.25,
    )
    params = to_params(view)
    assert params["w_incidents"] == "1.25" and "preset" not in params  # custom weights
    assert from_params(params) == view
    night = View(weights=tuple(PRESETS["night walk"][f] for f in FAMILIES), layers=())
    assert to_params(night)["preset"] == "night walk"
    assert to_params(night)["layer"] == ["none"]
    assert from_params(to_params(night)) == night


@pytest.mark.parametrize(
    "params",
    [
        {"hour": "24"},
        {"hour": "3.5"},
        {"hour": "abc"},
        {"layer": ["nonsense"]},
        {"preset": "unknown"},
        {"w_light": "99"},
        {"w_eyes": "nan"},
        {"lang": "de"},
        {"lat": "60.1", "lon": "24.9"},  # no zoom: no view
        {"lat": "91", "lon": "24.9", "zoom": "15"},
        {"lat": "60.1", "lon": "inf", "zoom": "15"},
        {"lat": "60.1", "lon": "24.9", "zoom": "40"},
    ],
)
def test_bad_values_keep_the_default(params: dict[str, str | list[str]]) -> None:
    view = from_params(params)
    if params.get("layer") == ["nonsense"]:
        assert view == View(layers=())  # layers were asked for, none of them exists
    else:
        assert view == View()


def test_sliders_override_a_preset_family_by_family() -> None:
    view = from_params({"preset": "night walk", "w_mix": "3"})
    assert view.weight_map == {**PRESETS["night walk"], "mix": 3.0}
    assert view.preset == "custom"


def test_the_map_view_is_read_only_from_a_drawn_map() -> None:
    drawn = {"center": {"lat": 60.171634, "lng": 24.944291}, "zoom": 16.5}
    assert view_from_map(drawn) == ((60.17163, 24.94429), 16.5)
    # before the browser draws the map, st_folium returns its initial zoom and no centre
    assert view_from_map({"last_active_drawing": None, "zoom": 15}) is None
    assert view_from_map(None) is None
    assert view_from_map({"center": {"lat": "x", "lng": 1}, "zoom": 3}) is None
    assert view_from_map({"center": {"lat": 60.0, "lng": 24.9 + 360}, "zoom": 3}) == (
        (60.0, 24.9),
        3.0,
    )


# --- the app: params -> page state ------------------------------------------------------------


def test_a_link_restores_the_view(warm: None, district: str) -> None:
    at = app_with(
        {
            "hour": "3",
            "layer": ["score", "dark"],
            "preset": "night walk",
            "district": district,
            "lang": "fi",
            "lat": "60.17",
            "lon": "24.945",
            "zoom": "16.5",
        }
    )
    assert at.title[0].value == "Kartta"
    assert at.slider(key="hour").value == 3
    shown = {key: at.checkbox(key=f"show_{key}").value for key in urlstate.LAYERS}
    assert shown == {k: k in ("score", "dark") for k in urlstate.LAYERS}
    assert at.selectbox(key="preset").value == "night walk"
    assert [at.slider(key=f"w_{f}").value for f in FAMILIES] == [2.0, 2.0, 0.0, 1.0]
    assert at.selectbox(key="district").value == district
    args = map_args(at)
    assert args["center"] == [60.17, 24.945] and args["zoom"] == 16.5
    script = str(args["script"])
    assert "Eyes on the street" not in script  # the eyes layer is off
    # the link is written back unchanged (order of keys aside)
    assert url(at)["hour"] == ["3"] and url(at)["layer"] == ["score", "dark"]
    assert url(at)["district"] == [district] and url(at)["zoom"] == ["16.5"]


def test_a_link_without_a_view_fits_the_map_to_the_data(app: AppTest) -> None:
    picker = app.selectbox(key="district")
    assert picker.value == "" and picker.index == 0  # the whole study, shown as such
    args = map_args(app)
    assert args["center"] is None and args["zoom"] is None
    assert url(app) == {
        "hour": ["22"],
        "layer": ["eyes", "dark"],
        "preset": ["balanced"],
        "lang": ["en"],
    }


def test_a_link_with_bad_values_opens_the_default_view(warm: None) -> None:
    at = app_with(
        {
            "hour": "99",
            "layer": ["<script>"],
            "district": "<img src=x onerror=alert(1)>",
            "zoom": "abc",
            "preset": "nonsense",
            "other": "kept",
        }
    )
    assert not at.error
    assert at.slider(key="hour").value == 22
    assert at.selectbox(key="district").value == ""  # not a district of this run: all
    assert not any(at.checkbox(key=f"show_{k}").value for k in urlstate.LAYERS)
    assert "district" not in url(at) and url(at)["layer"] == ["none"]
    assert url(at)["other"] == ["kept"]  # keys of others are left alone


# --- the app: page state -> params ------------------------------------------------------------


def test_changes_go_into_the_url(app: AppTest, district: str) -> None:
    app.slider(key="hour").set_value(5).run()
    assert url(app)["hour"] == ["5"]
    app.checkbox(key="show_score").check().run()
    assert url(app)["layer"] == ["score", "eyes", "dark"]  # in drawing order
    app.selectbox(key="preset").set_value("street life").run()
    assert url(app)["preset"] == ["street life"]
    app.slider(key="w_light").set_value(3.0).run()
    assert "preset" not in url(app)
    assert [url(app)[f"w_{f}"] for f in FAMILIES] == [["3"], ["2"], ["0.5"], ["0.5"]]
    app.selectbox(key="lang").set_value("sv").run()
    assert url(app)["lang"] == ["sv"]
    app.selectbox(key="district").set_value(district).run()
    assert url(app)["district"] == [district]
    assert not app.exception


def test_choosing_a_district_forgets_the_centre(warm: None, district: str) -> None:
    at = app_with({"lat": "60.17", "lon": "24.945", "zoom": "16.5"})
    assert map_args(at)["zoom"] == 16.5
    at.selectbox(key="district").set_value(district).run()
    assert map_args(at)["center"] is None and map_args(at)["zoom"] is None
    assert not {"lat", "lon", "zoom"} & set(url(at))


def test_the_view_survives_a_page_change(app: AppTest) -> None:
    app.slider(key="hour").set_value(4).run()
    app.checkbox(key="show_lighting").check().run()
    app.selectbox(key="preset").set_value("social mix").run()
    for page in ("districts", "data"):
        app.query_params.clear()  # a page link drops the query string in the browser
        app.switch_page(f"safespaces_app/{page}.py")
        app.run()
        assert not app.exception, app.exception
        assert url(app)["hour"] == ["4"], page  # written again on the other page
        assert url(app)["preset"] == ["social mix"], page
    app.switch_page("safespaces_app/map.py")
    app.run()
    assert app.slider(key="hour").value == 4
    assert app.checkbox(key="show_lighting").value
    assert app.selectbox(key="preset").value == "social mix"
    assert app.slider(key="w_mix").value == 2.0


def test_the_map_gets_a_centre_only_when_it_is_drawn_anew(warm: None) -> None:
    """A report of the map (a pan) is not given back to the same map (it would move the map
    under the user while it lags); a map drawn anew (another hour) gets the latest view."""
    at = app_with({"lat": "60.17", "lon": "24.945", "zoom": "16.5"})
    assert (map_args(at)["center"], map_args(at)["zoom"]) == ([60.17, 24.945], 16.5)
    panned = View(centre=(60.1725, 24.9405), zoom=16.0)  # as remember_map_view keeps a pan
    at.session_state["view"] = panned
    at.run()
    assert (map_args(at)["center"], map_args(at)["zoom"]) == ([60.17, 24.945], 16.5)
    assert url(at)["lat"] == ["60.17250"] and url(at)["zoom"] == ["16"]  # the URL follows
    at.slider(key="hour").set_value(23).run()  # a new script: a new map
    assert (map_args(at)["center"], map_args(at)["zoom"]) == ([60.1725, 24.9405], 16.0)


def test_a_map_put_at_a_place_is_still_there_a_pixel_off() -> None:
    """A pixel at zoom 16 is 360 / (256 * 2**16) = 2.15e-5 degrees of longitude."""
    here = ((60.1725, 24.9405), 16.0)
    assert urlstate.same_place(here, ((60.1725, 24.94051), 16.0))  # the reported jitter
    assert urlstate.same_place(here, ((60.17252, 24.94052), 16.0))
    assert not urlstate.same_place(here, ((60.1725, 24.94053), 16.0))  # a pan of 1.4 px
    assert not urlstate.same_place(here, ((60.1725, 24.9405), 16.25))  # a zoom
    assert not urlstate.same_place((None, None), here)  # the first report
    assert urlstate.same_place(((60.0, 24.0), 10.0), ((60.0003, 24.0), 10.0))  # 0.2 px
