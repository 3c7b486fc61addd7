"""Every page of the app in AppTest: widgets, what-if, uploads, languages, offline map.

The analysis of the default runs once per process (cached); these tests then
check that hour and weight changes never rerun it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from safespaces.config import Config
from safespaces.incidents.hotspots import SIGNIFICANT_CLASSES
from safespaces.lighting import P_CLASSES
from safespaces.study import Inputs
from safespaces.synthetic import TENURE_FILE
from safespaces_app import runs, uploads

REPO = Path(__file__).resolve().parents[2]
BAD = REPO / "tests" / "data" / "bad"
PAGES = ["map", "districts", "mix", "lighting", "incidents", "data", "export"]


@pytest.fixture(scope="module")
def warm() -> None:
    """Run the default analysis once (the first run may take a while on 2 cores)."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception


@pytest.fixture
def app(warm: None) -> Iterator[AppTest]:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    yield at


def default_layer(name: str) -> pd.DataFrame:
    """A table of the default's run (the one the pages show; cached)."""
    config = Config()
    return runs.analysis(Inputs(), config.to_json(), config).layers[name]


def page(at: AppTest, name: str) -> AppTest:
    at.switch_page(f"safespaces_app/{name}.py")
    at.run()
    assert not at.exception, at.exception
    return at


def folium_args(at: AppTest) -> dict[str, object]:
    found = [json.loads(e.proto.json_args) for e in at.get("component_instance")]
    assert len(found) == 1, "exactly one folium map expected"
    return found[0]


def markdown_text(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def map_layers(at: AppTest) -> list[dict[str, tuple[float | None, str]]]:
    """The map's layers in drawing order: feature id -> (the value on hover, its colour)."""
    script = str(folium_args(at)["script"])
    decoder = json.JSONDecoder()
    layers = []
    for match in re.finditer(r"_add\((?=\{\"features\")", script):
        data, _ = decoder.raw_decode(script, match.end())
        props = {f["id"]: f["properties"] for f in data["features"]}
        layers.append({fid: (p.get("value"), p["_c"]) for fid, p in props.items()})
    return layers


def assert_layer_shows(layer: dict[str, tuple[float | None, str]], expected: pd.Series) -> None:
    """Each feature shows its expected value (by segment id), coloured by the catalogue's
    0-100 classes (lower, upper], the first including 0; no value is grey."""
    from safespaces.catalogue import EYES_CLASSES, GREY

    assert list(layer) == [f"segment:{i}" for i in expected.index]
    uppers = [(c.value[1], c.colour) for c in EYES_CLASSES if isinstance(c.value, tuple)]
    assert [u for u, _ in uppers] == [20, 40, 60, 80, 100]
    for fid, (value, colour) in layer.items():
        want = expected[int(fid.split(":")[1])]
        if pd.isna(want):
            assert value is None and colour == GREY, fid
            continue
        assert value is not None and value == pytest.approx(want, abs=1e-9), fid
        assert colour == next(c for upper, c in uppers if value <= upper), fid


@pytest.fixture(scope="module")
def segments(warm: None) -> pd.DataFrame:
    """The default run's street segments, as the app read them (its cached analysis)."""
    config = Config()
    data = runs.analysis(Inputs(), config.to_json(), config)
    return data.layers["street_segments"].set_index("segment_id")


def test_every_page_runs(app: AppTest) -> None:
    titles = ["Map", "Districts", "Social mix", "Lighting", "Incidents", "Data", "Export"]
    for name, title in zip(PAGES, titles, strict=True):
        page(app, name)
        assert [t.value for t in app.title] == [title], name
        assert not app.error, (name, [e.value for e in app.error])


def test_the_installed_main_script_is_the_same_app(warm: None) -> None:
    """``safespaces app`` runs safespaces_app/main.py (not app.py): its pages resolve beside it."""
    at = AppTest.from_file(str(REPO / "safespaces_app" / "main.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Map"]
    at.switch_page("data.py")  # relative to main.py: the page files are its neighbours
    at.run()
    assert not at.exception, at.exception
    assert [t.value for t in at.title] == ["Data"]


def test_site_configuration_is_read_from_the_start_folder(
    warm: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Installed, the app has no folder of its own to hold safespaces.toml: it reads the one in
    the folder it was started from (for ``streamlit run app.py``: the repository's top)."""
    monkeypatch.delenv("SAFESPACES_CONFIG", raising=False)
    monkeypatch.delenv("SAFESPACES_BASEMAP_URL", raising=False)
    (tmp_path / "safespaces.toml").write_text(
        '[app]\nbasemap_url = "/tiles/{z}/{x}/{y}.png"\n', encoding="utf-8"
    )
    monkeypatch.chdir(tmp_path)
    at = AppTest.from_file(str(REPO / "safespaces_app" / "main.py"), default_timeout=30)
    at.run()
    assert not at.exception, at.exception
    assert "/tiles/{z}/{x}/{y}.png" in str(folium_args(at).get("script", ""))


def test_map_page_widgets(app: AppTest) -> None:
    assert app.title[0].value == "Map"
    assert "street segments" in app.caption[0].value
    assert any("SYNTHETIC" in w.value for w in app.warning)
    assert app.slider(key="hour").value == 22
    assert any("OpenStreetMap" in c.value for c in app.caption)
    legends = markdown_text(app)
    assert "Eyes on the street at 22:00" in legends and "dark (mapped lamps)" in legends
    for key in ("mix", "hotspots", "score", "lighting"):
        app.checkbox(key=f"show_{key}").check()
    app.run()
    assert not app.exception
    legends = markdown_text(app)
    for label in ("hot spot (99 %)", "P4 (avg &gt;= 5 lx)", "unlit (no lamp reaches it)"):
        assert label in legends  # catalogue labels, HTML-escaped


def test_map_requests_no_remote_asset(app: AppTest) -> None:
    args = folium_args(app)
    links = [*args.get("js_links", []), *args.get("css_links", [])]  # type: ignore[misc]
    assert links and all(str(link).startswith("/app/static/") for link in links)
    assert not re.search(r"https?://", json.dumps(args))
    assert "tileLayer" not in str(args.get("script", ""))  # no basemap by default


def test_hour_and_weights_do_not_rerun_the_analysis(
    app: AppTest, segments: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analysis ran again")

    monkeypatch.setattr(runs, "run", forbidden)
    before = folium_args(app)["script"]
    app.slider(key="hour").set_value(3).run()
    assert not app.exception
    assert "Eyes on the street at 22:00" in str(before)
    script = str(folium_args(app)["script"])
    assert "Eyes on the street at 03:00" in script and "at 22:00" not in script
    # eyes on the street (drawn before the dark paths): the library's values at 03:00
    assert_layer_shows(map_layers(app)[0], segments["eyes_h03"].round(2))
    app.checkbox(key="show_score").check().run()
    app.selectbox(key="preset").set_value("night walk").run()
    assert not app.exception
    assert app.slider(key="w_mix").value == 0.0
    # the score (drawn first): the library's composite with the night-walk weights
    from safespaces.indices import FAMILIES, PRESETS, composite

    scores = segments[[f"score_{f}" for f in FAMILIES]].round(2)  # as the map's frame
    night = composite(scores, PRESETS["night walk"])["safe_space_score"].round(1)
    assert_layer_shows(map_layers(app)[0], night)
    app.slider(key="w_light").set_value(3.0).run()
    assert app.selectbox(key="preset").value == "custom"


def test_language_switch(app: AppTest) -> None:
    app.selectbox(key="lang").set_value("fi").run()
    assert app.title[0].value == "Kartta"
    app.selectbox(key="lang").set_value("sv").run()
    assert app.title[0].value == "Karta"
    page(app, "export")
    assert app.title[0].value == "Export"
    assert app.get("download_button")[0].proto.label == "Ladda ned GeoPackage"


def test_districts_ranking(app: AppTest) -> None:
    page(app, "districts")
    table = app.dataframe[0].value
    assert len(table) == 39 and table["Rank"].tolist() == list(range(1, 40))  # cells with streets
    scores = table["Safe-space score (0–100)"].dropna()
    assert scores.is_monotonic_increasing
    app.selectbox(key="rank_by").set_value("score_light").run()
    assert app.dataframe[0].value["Light (0–100)"].dropna().is_monotonic_increasing
    assert app.get("vega_lite_chart")


def test_mix_what_if_before_and_after(app: AppTest) -> None:
    page(app, "mix")
    assert "am2023: 30% ARA rental, 20% Intermediate, 50% Unregulated" in app.caption[0].value
    entropy = app.dataframe[0].value["Tenure mix (0–1)"]
    assert entropy.isna().any() and entropy.dtype.kind == "f"  # suppressed: missing, sorts last
    app.number_input(key="whatif_tenure_ara_rental").set_value(300)
    app.button[0].click()  # the form's submit button
    app.run()
    assert not app.exception
    result = app.dataframe[-1].value
    assert len(set(result["Where"])) == 3  # the area, its neighbourhood, the study area
    dwellings = result[result["Measure"] == "Dwellings"]
    assert dwellings["Change (after − before)"].tolist() == pytest.approx([300] * 3)


def test_lighting_page(app: AppTest) -> None:
    page(app, "lighting")
    shares = default_layer("light_class_shares")
    share = dict(zip(shares["light_class"], shares["share"], strict=True))
    lit = sum(share.get(name, 0.0) for name, _, _ in P_CLASSES)  # P6 or better
    dark = share.get("below P6", 0.0) + share.get("unlit", 0.0)
    assert 0 < lit < 1 and 0 < dark < 1 and share.get("lit, lamps not mapped", 0.0) > 0
    summary = f"{lit:.0%} of the walking length meets P6 or better; {dark:.0%} is below P6"
    assert summary in markdown_text(app)
    assert len(app.dataframe) == 3
    assert app.dataframe[1].value["Darkness rank"].iloc[0] == 1


def test_incidents_privacy(app: AppTest) -> None:
    page(app, "incidents")
    assert "never shown" in app.info[0].value
    shown = " ".join(str(c) for df in app.dataframe for c in df.value.columns)
    assert not re.search(r"\b(lon|lat|x|y|time|timestamp|geometry)\b", shown)
    rates = app.dataframe[1].value
    hidden = rates["Note"] == "suppressed (<5)"  # withheld: no number in the data
    assert hidden.any() and rates.loc[hidden, "Incidents"].isna().all()
    assert rates.loc[~hidden, "Incidents"].notna().all()
    spots = app.dataframe[0].value  # hot and cold spots only, strongest z first
    classes = default_layer("incident_hotspots")["hotspot_class"]
    significant = classes[classes.isin(SIGNIFICANT_CLASSES)]
    assert len(significant) and len(spots) == len(significant)  # neither "not significant"
    assert set(spots["Class"]) == {f"hot spot ({c.split()[1][:-1]} %)" for c in significant}
    assert spots["Gi* z-score"].is_monotonic_decreasing


@pytest.mark.parametrize(
    ("kind", "name"),
    [
        ("areas", "areas_invalid_json.geojson"),
        ("tenure", "tenure_negative_count.csv"),
        ("osm", "osm_truncated.osm"),
    ],
)
def test_data_page_bad_upload_shows_the_error(app: AppTest, kind: str, name: str) -> None:
    page(app, "data")
    bad = BAD / name
    app.file_uploader(key=f"upload_{kind}").set_value((bad.name, bad.read_bytes(), "text/plain"))
    app.button[0].click().run()
    assert not app.exception
    assert app.error, "no validation message"
    assert bad.stem in app.error[0].value  # the message names the user's file
    assert not app.success
    assert not list(uploads.UPLOADS_DIR.glob(f"*/{bad.name}")), "bad upload kept"
    assert "inputs" not in app.session_state


def test_data_page_good_upload_is_used(app: AppTest) -> None:
    page(app, "data")
    table = app.dataframe[0].value.set_index("Input")["Source"]
    assert table["OpenStreetMap extract"] == "embedded Helsinki default"
    assert table["tenure"] == "embedded Helsinki default"
    layers = app.dataframe[1].value
    assert (layers["SYNTHETIC"] == "SYNTHETIC").any()
    app.file_uploader(key="upload_tenure").set_value(
        ("my_tenure.csv", TENURE_FILE.read_bytes(), "text/csv")
    )
    app.button[0].click()
    app.run(timeout=180)
    assert not app.exception
    assert app.success, [e.value for e in app.error]
    assert app.session_state["inputs"].tenure.suffix == ".csv"
    in_use = app.dataframe[0].value.set_index("Input")
    assert in_use.loc["tenure", "Source"] == "uploaded"  # not "embedded Helsinki default"
    assert str(in_use.loc["tenure", "File"]).endswith(".csv")
    assert in_use.loc["OpenStreetMap extract", "Source"] == "embedded Helsinki default"
    app.button[1].click().run()  # back to the default
    assert app.session_state["inputs"].tenure is None


def test_export_page_buttons(app: AppTest) -> None:
    page(app, "export")
    labels = [b.proto.label for b in app.get("download_button")]
    assert labels[:3] == [
        "Download the GeoPackage",
        "Download the QGIS project (.qgz)",
        "Download everything (.zip, opens in QGIS)",
    ]
    assert any("illuminance.tif" in label for label in labels)
