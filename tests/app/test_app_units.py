"""The app's Streamlit-free parts: translations, web-map helpers, panels, byte builders."""

from __future__ import annotations

import io
import tomllib
import zipfile
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import LineString

from safespaces import catalogue
from safespaces.config import Config
from safespaces.eyes import HOUR_COLUMNS
from safespaces.indices import PRESETS, composite
from safespaces.lighting import P_CLASSES
from safespaces.study import Inputs
from safespaces_app import archive, mapview, runs, scoring, uploads
from safespaces_app.i18n import LANGUAGES, MESSAGES, missing_translations, t
from safespaces_app.results import Analysis
from safespaces_app.webmap import (
    add_layer,
    base_map,
    catalogue_classes,
    class_colours,
    display_frame,
    geometry_json,
    html_legend,
    legend_entries,
    payload_bytes,
)

REPO = Path(__file__).resolve().parents[2]
LEAFLET = mapview.LEAFLET_URL


@pytest.fixture(scope="module")
def data() -> Analysis:
    config = Config()
    return runs.analysis(Inputs(), config.to_json(), config)


def test_every_message_has_three_languages() -> None:
    assert LANGUAGES == ("en", "fi", "sv")
    assert missing_translations() == []
    for key, texts in MESSAGES.items():
        fields = {lang: sorted(_fields(texts[lang])) for lang in LANGUAGES}
        assert fields["fi"] == fields["en"] == fields["sv"], key


def _fields(text: str) -> set[str]:
    import string

    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_t_fills_placeholders_and_falls_back() -> None:
    assert t("common.suppressed", "fi", k=5) == "salattu (<5)"
    assert t("page.map", "de") == "Map"
    with pytest.raises(KeyError):
        t("no.such.key")


def test_class_colours_follow_the_catalogue() -> None:
    classes = catalogue.EYES_CLASSES
    values = pd.Series([0.0, 20.0, 20.1, 100.0, np.nan, 150.0])
    colours = class_colours(classes, values).tolist()
    v = catalogue.VIRIDIS_5
    assert colours == [v[0], v[0], v[1], v[4], catalogue.GREY, catalogue.GREY]
    light = catalogue.CATALOGUE["street_lighting"]
    assert isinstance(light, catalogue.Layer) and light.style is not None
    got = class_colours(light.style.classes, pd.Series(["P1", "unlit", "weird", None]))
    assert got.tolist() == ["#fde725", "#440154", catalogue.GREY, catalogue.GREY]


@pytest.mark.parametrize("name", [c[1] for c in mapview.LAYERS.values()])
def test_map_legends_are_the_catalogues(name: str) -> None:
    if name in catalogue.CATALOGUE:
        assert legend_entries(name) == catalogue.legend(name)
    else:  # the composite score: 0-100 classes of the catalogue
        assert legend_entries(name) == [(c.label, c.colour) for c in catalogue.EYES_CLASSES]


def test_text_from_the_data_is_escaped() -> None:
    evil = '<img src=x onerror="alert(1)">'
    gdf = gpd.GeoDataFrame(
        {"name": [evil], "value": [1.23456]},
        geometry=[LineString([(385000, 6672000), (385050, 6672010)])],
        crs="EPSG:3067",
    )
    shown = display_frame(gdf, ["name", "value"])
    assert shown["name"].iloc[0].startswith("&lt;img") and shown["value"].iloc[0] == 1.23
    m = base_map((24.9, 60.1, 25.0, 60.2), leaflet_url=LEAFLET, attribution="<b>me</b>")
    add_layer(
        m,
        geometry_json(shown),
        pd.DataFrame(shown.drop(columns="geometry")),
        pd.Series(["#000000"]),
        name="x",
        ids=["segment:1"],
        tooltip={"name": "<i>Name</i>", "value": "v"},
    )
    page = m.get_root().render()
    assert evil not in page and "<i>Name</i>" not in page and "<b>me</b>" not in page
    assert "https://" not in page and "http://" not in page
    legend = html_legend("<t>", [("<a>", "#fff")])
    assert "<t>" not in legend and "&lt;a&gt;" in legend


def test_basemap_only_when_configured(monkeypatch: pytest.MonkeyPatch) -> None:
    m = base_map(
        (24.9, 60.1, 25.0, 60.2),
        leaflet_url=LEAFLET,
        basemap_url="http://tiles.local/{z}/{x}/{y}.png",
    )
    assert "tiles.local" in m.get_root().render()
    plain = base_map((24.9, 60.1, 25.0, 60.2), leaflet_url=LEAFLET).get_root().render()
    assert "tileLayer" not in plain


def test_map_payload_is_small(data: Analysis) -> None:
    m = mapview.build_map(
        data,
        hour=22,
        shown=mapview.DEFAULT_LAYERS,
        weights=PRESETS["balanced"],
        district=None,
        lang="en",
    )
    assert payload_bytes(m) < 1_500_000
    zoomed = mapview.bounds(data, "Kluuvi")
    whole = mapview.bounds(data, None)
    assert zoomed[2] - zoomed[0] < whole[2] - whole[0]


def test_districts_are_the_places_of_the_grid_with_an_outline(data: Analysis) -> None:
    """On the default grid the picker lists the OSM places (each once); a district zooms
    to all its cells (Kluuvi 1, Kluuvi 2 ...) and is outlined on the map."""
    areas = data.layers["areas"]
    assert mapview.districts(data) == sorted(areas["place"].unique())
    assert areas["name"].is_unique
    cells = areas[areas["place"] == "Kluuvi"]
    assert sorted(cells["name"]) == [f"Kluuvi {i}" for i in range(1, len(cells) + 1)]
    x0, y0, x1, y1 = gpd.GeoDataFrame(cells).to_crs("EPSG:4326").total_bounds
    assert mapview.bounds(data, "Kluuvi") == pytest.approx((x0, y0, x1, y1), abs=1e-4)
    m = mapview.build_map(
        data, hour=22, shown=(), weights=PRESETS["balanced"], district="Kluuvi", lang="en"
    )
    page = m.get_root().render()
    assert "dashArray" in page and '"Polygon"' in page
    plain = mapview.build_map(
        data, hour=22, shown=(), weights=PRESETS["balanced"], district=None, lang="en"
    )
    assert "dashArray" not in plain.get_root().render()


def test_weights_recompute_the_library_composite(data: Analysis) -> None:
    segments = data.layers["street_segments"]
    same = scoring.with_score(segments, PRESETS["balanced"])["safe_space_score"]
    np.testing.assert_allclose(same, segments["safe_space_score"], equal_nan=True)
    night = scoring.with_score(segments, PRESETS["night walk"])["safe_space_score"]
    expected = composite(segments[scoring.SCORE_COLUMNS], PRESETS["night walk"])
    np.testing.assert_allclose(night, expected["safe_space_score"], equal_nan=True)


def test_click_panel_shows_numbers_explain_and_breakdown(data: Analysis) -> None:
    returned = {"last_active_drawing": {"id": "segment:7", "properties": {}}}
    picked = mapview.clicked_id(returned)
    assert picked == ("segment", 7)
    found = mapview.feature(data, *picked, 22, data.k_min, "en")
    assert found is not None
    title, row, table = found
    assert title.startswith("Street segment 7")
    assert "eyes-on-the-street index at 22:00 [0..100]" in table["Measure"].tolist()
    assert isinstance(row["eyes_explain"], str) and row["eyes_explain"]
    parts = mapview.breakdown(row, PRESETS["balanced"], "en")
    assert parts["Points"].iloc[-1] == pytest.approx(round(row["safe_space_score"], 1), abs=0.2)
    assert mapview.clicked_id({"last_active_drawing": None}) is None
    area = mapview.feature(data, "hotspot", 15, 22, data.k_min, "fi")
    assert area is not None and area[0].startswith("Alue 15")


def test_upload_checks_type_and_size(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(uploads, "UPLOADS_DIR", tmp_path / "uploads")
    with pytest.raises(ValueError, match="type"):
        uploads.save_upload("tenure", "evil.exe", b"MZ")
    monkeypatch.setattr(uploads, "MAX_UPLOAD_MB", 0)
    with pytest.raises(ValueError, match="size"):
        uploads.save_upload("tenure", "t.csv", b"a,b\n1,2\n")
    monkeypatch.setattr(uploads, "MAX_UPLOAD_MB", 1)
    path = uploads.save_upload("tenure", "../../my file<1>.csv", b"a,b\n1,2\n")
    assert path.name == "my_file_1.csv" and path.parent.parent == tmp_path / "uploads"
    uploads.discard([path])
    assert not path.exists() and not path.parent.exists()


def test_export_files_and_zip(data: Analysis) -> None:
    names = {p.name for p in archive.export_files(data)}
    assert {"safespaces.gpkg", "safespaces.qgz", "illuminance.tif", "illuminance.qml"} <= names
    zipped = zipfile.ZipFile(io.BytesIO(archive.zip_bytes(str(data.folder))))
    assert "safespaces/safespaces.gpkg" in zipped.namelist()
    assert zipped.read("safespaces/safespaces.gpkg")[:16] == b"SQLite format 3\x00"


def test_basemap_comes_from_the_config_then_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from safespaces_app.webmap import basemap_from_env

    monkeypatch.delenv("SAFESPACES_BASEMAP_URL", raising=False)
    assert basemap_from_env() == (None, "")
    url, attribution = basemap_from_env("https://tiles.example.fi/{z}/{x}/{y}.png", "City")
    assert url == "https://tiles.example.fi/{z}/{x}/{y}.png" and attribution == "City"
    monkeypatch.setenv("SAFESPACES_BASEMAP_URL", "http://intranet/{z}/{x}/{y}.png")
    assert basemap_from_env()[0] == "http://intranet/{z}/{x}/{y}.png"


def test_the_map_loads_leaflet_from_the_apps_static_folder() -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True  # serves static/ at /app/static
    # the installed app's main script is safespaces_app/main.py, with static/ beside it; the
    # repository's app.py has a static link to the same folder
    assert mapview.STATIC_DIR == REPO / "safespaces_app" / "static"
    assert (REPO / "static").resolve() == mapview.STATIC_DIR
    for name in ("leaflet.js", "leaflet.css", "images/marker-icon.png"):
        assert (mapview.LEAFLET_DIR / name).is_file(), name
    page = base_map((24.9, 60.1, 25.0, 60.2), leaflet_url="/served/here/").get_root().render()
    assert 'src="/served/here/leaflet.js"' in page and 'href="/served/here/leaflet.css"' in page
    assert 'L.Icon.Default.imagePath = "/served/here/images/"' in page
    assert "/app/static" not in page  # nothing of the app's own path is built in


def test_hour_slider_columns_are_the_librarys(data: Analysis) -> None:
    assert [mapview.hour_column(h) for h in mapview.HOURS] == HOUR_COLUMNS
    shown = data.views["segments"].frame
    assert all(column in shown.columns for column in HOUR_COLUMNS)
    values = mapview._values("eyes", shown, 3, PRESETS["balanced"])
    assert values.equals(shown["eyes_h03"])


def test_lighting_legend_follows_the_p_classes() -> None:
    names = [name for name, _, _ in P_CLASSES]
    classes = [c.value for c in catalogue_classes("street_lighting")]
    assert classes[: len(names)] == names
    labels = [label for label, _ in legend_entries("street_lighting")]
    assert [label.split(" ")[0] for label in labels[: len(names)]] == names


def test_k_min_is_the_runs_then_the_configurations(data: Analysis) -> None:
    assert data.k_min == Config().incidents.k_min
    bare = Analysis(Path("."), {}, {}, {}, configured_k_min=7)
    assert bare.k_min == 7
    bare.metadata["incidents_privacy"] = {"k_min": 4}
    assert bare.k_min == 4
