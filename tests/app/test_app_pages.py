"""Every page of the app in AppTest: widgets, what-if, uploads, languages, offline map.

The analysis of the default runs once per process (cached); these tests then
check that hour and weight changes never rerun it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from safespaces.config import Config
from safespaces.incidents.hotspots import SIGNIFICANT_CLASSES
from safespaces.lighting import P_CLASSES
from safespaces.study import Inputs
from safespaces.synthetic import TENURE_FILE
from safespaces_app import mapdata, runs, uploads

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


def map_args(at: AppTest) -> dict[str, Any]:
    """The arguments of the page's map (the app's own component), as the browser gets them."""
    found = [
        json.loads(e.proto.json_args)
        for e in at.get("component_instance")
        if "safespaces_map_" in e.proto.component_name
    ]
    assert len(found) == 1, "exactly one map expected"
    return dict(found[0])


def markdown_text(at: AppTest) -> str:
    return "\n".join(str(m.value) for m in at.markdown)


def map_document(args: dict[str, Any]) -> dict[str, Any]:
    """The map document the map's frame fetches (from the run's .webmap folder)."""
    config = Config()
    data = runs.analysis(Inputs(), config.to_json(), config)
    path = data.folder / mapdata.CLIENT_DIR / str(args["data"])
    return dict(json.loads(path.read_bytes()))


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
    assert map_args(at)["tiles"]["url"] == "/tiles/{z}/{x}/{y}.png"


def test_map_page_widgets(app: AppTest) -> None:
    assert app.title[0].value == "Map"
    assert any("street segments" in c.value for c in app.caption)
    assert any("SYNTHETIC" in w.value for w in app.warning)
    assert any("OpenStreetMap" in c.value for c in app.caption)
    assert [i.value for i in app.info] == [
        "Click a street or an area on the map to see its numbers and why."
    ]
    args = map_args(app)
    # the map opens on eyes at 22:00 and the dark paths; hour and layers live in the browser
    assert args["view"] == {
        "hour": 22,
        "street": "eyes",
        "area": "none",
        "dark": True,
        "basemap": True,
        "center": None,  # fitted to the data (a link may give a centre and zoom)
        "zoom": None,
    }
    assert args["synthetic"] == ["tenure", "incidents"]  # the map's own watermark
    assert args["text"]["layer_eyes"] == "Eyes on the street at {hour}:00"
    # every legend, complete: the catalogue's classes, no data, suppressed
    styles = args["styles"]
    assert [c[3] for c in styles["eyes"]["classes"]][:3] == ["0 - 1", "1 - 2.5", "2.5 - 5"]
    assert styles["eyes"]["nodata"][1] == "no data"
    assert styles["mix"]["suppressed"][1] == "suppressed (fewer than 10 dwellings)"
    assert styles["hotspots"]["categories"]["hot 99%"][1] == "hot spot (99 %)"
    assert styles["lighting"]["categories"]["P4"][1] == "P4 (avg >= 5 lx)"
    assert styles["dark"]["categories"]["mapped lamps"][1] == "dark (mapped lamps)"


def test_map_requests_no_remote_asset(app: AppTest) -> None:
    args = map_args(app)
    assert not re.search(r"https?://", json.dumps(args))
    assert args["tiles"] is None  # no basemap from a tile server by default
    assert str(args["data"]).startswith("data-") and str(args["data"]).endswith(".json")
    assert not re.search(r"https?://", json.dumps(map_document(args)))


def test_hour_and_weights_do_not_rerun_the_analysis(
    app: AppTest, segments: pd.DataFrame, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The map gets every hour and the score inputs once; a weight change sends new weights
    only (the same document), and never reruns the analysis."""

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("the analysis ran again")

    monkeypatch.setattr(runs, "run", forbidden)
    monkeypatch.setattr(runs, "run_default_apart", forbidden)
    before = map_args(app)
    doc = map_document(before)
    # the document holds the library's eyes values at every hour, by segment id
    ids = doc["segments"]["ids"]
    for hour in (3, 22):
        column = f"eyes_h{hour:02d}"
        got = pd.Series(doc["segments"]["eyes"][hour], index=ids, dtype=float) / 10
        want = segments.loc[ids, column].to_numpy(dtype=float)
        assert got.to_numpy() == pytest.approx(want, abs=0.05 + 1e-9)
    app.selectbox(key="preset").set_value("night walk").run()
    assert not app.exception
    assert app.slider(key="w_mix").value == 0.0
    after = map_args(app)
    from safespaces.indices import PRESETS

    assert after["weights"] == PRESETS["night walk"]
    assert after["data"] == before["data"]  # the same document: nothing big is sent again
    assert len(json.dumps(after)) < 20_000  # the arguments of a rerun stay small
    app.slider(key="w_light").set_value(3.0).run()
    assert app.selectbox(key="preset").value == "custom"
    assert map_args(app)["weights"]["light"] == 3.0


def test_all_weights_zero_says_so(app: AppTest) -> None:
    for family in ("light", "eyes", "mix", "incidents"):
        app.slider(key=f"w_{family}").set_value(0.0).run()
    assert not app.exception
    assert any("All weights are 0" in w.value for w in app.warning)
    assert map_args(app)["weights"] == dict.fromkeys(("light", "eyes", "mix", "incidents"), 0.0)


def test_clicking_a_dark_path_opens_its_segment(app: AppTest) -> None:
    """The map reports {kind, id, hour}; a dark path opens its street segment's panel."""
    dark = default_layer("dark_paths")
    path = dark.iloc[80]
    rank, segment_id = int(path["dark_rank"]), int(path["segment_id"])
    app.session_state["map"] = {"kind": "dark", "id": rank, "hour": 23, "n": 1}
    app.run()
    assert not app.exception
    heads = [h.value for h in app.subheader]
    assert any(h.startswith(f"Street segment {segment_id}") for h in heads), heads
    assert f"Dark path no. {rank} \\(1 = darkest\\)" in markdown_text(app)  # escaped
    assert any("23:00" in c.value for c in app.caption)
    measures = app.table[0].value
    assert "eyes-on-the-street index at 23:00 [0..100]" in measures.index.tolist()
    breakdown = app.dataframe[0].value
    assert breakdown["Value"].iloc[:4].notna().any()  # the segment's scores, not None
    assert map_args(app)["selected"] == {"kind": "dark", "id": rank}  # highlighted
    app.session_state["map"] = {"kind": "area", "id": 15, "hour": 23, "n": 2}
    app.run()
    assert any(h.value.startswith("Area 15") for h in app.subheader)
    app.session_state["map"] = {"kind": None, "id": None, "hour": 23, "n": 3}  # Escape
    app.run()
    assert map_args(app)["selected"] is None and app.info


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
    # the formats for servers, web maps and catalogues, each with its one-line explanation
    for name in ("geoparquet", "fgb", "pmtiles", "sld"):
        assert f"Download: safespaces-{name}.zip" in labels
    assert "Download: safespaces.iso19139.xml" in labels
    text = " ".join(m.value for m in app.markdown)
    for words in (
        "**GeoParquet**",
        "**FlatGeobuf**",
        "**PMTiles**",
        "**SLD styles**",
        "**ISO 19139 metadata**",
        "**PostGIS**",
    ):
        assert words in text
    assert any("Cloud-Optimised GeoTIFFs" in c.value for c in app.caption)


@pytest.mark.postgis
def test_export_page_publishes_to_postgis(app: AppTest, postgis) -> None:
    page(app, "export")
    app.text_input(key="postgis_dsn").set_value("host=/nonexistent-socket port=5 dbname=x")
    next(b for b in app.button if b.proto.label == "Publish").click().run()
    assert "could not connect to PostgreSQL" in app.error[0].value
    app.text_input(key="postgis_dsn").set_value(postgis.dsn())
    next(b for b in app.button if b.proto.label == "Publish").click().run()
    assert not app.error
    assert "tables" in app.success[0].value and "schema safespaces" in app.success[0].value
    rows = postgis.sql("SELECT count(*) FROM safespaces.street_segments")[0][0]
    assert rows == 5074
