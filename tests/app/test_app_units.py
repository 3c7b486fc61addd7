"""The app's Streamlit-free parts: translations, web-map helpers, panels, byte builders."""

from __future__ import annotations

import gzip
import io
import json
import re
import tomllib
import zipfile
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from shapely.geometry import LineString, MultiLineString, MultiPolygon, Polygon, shape

from safespaces import catalogue
from safespaces.config import Config
from safespaces.eyes import HOUR_COLUMNS
from safespaces.indices import PRESETS, composite
from safespaces.lighting import P_CLASSES
from safespaces.study import Inputs
from safespaces_app import archive, mapdata, maptiles, mapview, runs, scoring, uploads
from safespaces_app.i18n import LANGUAGES, MESSAGES, missing_translations, t
from safespaces_app.results import Analysis
from safespaces_app.webmap import (
    catalogue_classes,
    class_colours,
    html_legend,
    legend_entries,
)

REPO = Path(__file__).resolve().parents[2]


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
    assert [c.value for c in classes][:2] == [(0, 1), (1, 2.5)]
    values = pd.Series([0.0, 1.0, 1.01, 100.0, np.nan, 150.0])
    colours = class_colours(classes, values).tolist()
    v = catalogue.VIRIDIS_8
    assert colours == [v[0], v[0], v[1], v[7], catalogue.GREY, catalogue.GREY]
    light = catalogue.CATALOGUE["street_lighting"]
    assert isinstance(light, catalogue.Layer) and light.style is not None
    got = class_colours(light.style.classes, pd.Series(["P1", "unlit", "weird", None]))
    assert got.tolist() == ["#fec44f", "#000000", catalogue.GREY, catalogue.GREY]


def test_each_measure_has_colours_of_its_own() -> None:
    """No colour means two things on the map: the street layers, the dark paths and the
    area layers share no colour (the greys of "no data" aside)."""
    greys = {catalogue.GREY, "#f0f0f0", "#f7f7f7"}
    used: dict[str, str] = {}
    for key in mapview.LAYERS:
        for _, colour in mapview.layer_entries(key):
            if colour.lower() in greys:
                continue
            assert used.setdefault(colour.lower(), key) == key, (colour, key, used[colour.lower()])


@pytest.mark.parametrize("name", [c[1] for c in mapview.LAYERS.values()])
def test_map_legends_are_the_catalogues(name: str) -> None:
    assert legend_entries(name) == catalogue.legend(name)


def test_text_from_the_data_is_escaped() -> None:
    legend = html_legend("<t>", [("<a>", "#fff")])
    assert "<t>" not in legend and "&lt;a&gt;" in legend


def _args(data: Analysis, **kwargs: object) -> dict[str, object]:
    options: dict[str, object] = {
        "document": "data-x.json",
        "weights": PRESETS["balanced"],
        "lang": "en",
        "district": None,
        "selected": None,
        "min_dwellings": 10,
    }
    options.update(kwargs)
    return mapview.client_args(data, **options)  # type: ignore[arg-type]


def test_basemap_only_when_configured(data: Analysis, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SAFESPACES_BASEMAP_URL", raising=False)
    plain = _args(data)
    assert plain["tiles"] is None
    assert not re.search(r"https?://", json.dumps(plain))
    monkeypatch.setenv("SAFESPACES_BASEMAP_URL", "http://tiles.local/{z}/{x}/{y}.png")
    monkeypatch.setenv("SAFESPACES_BASEMAP_ATTRIBUTION", "<b>City</b>")
    tiles = _args(data)["tiles"]
    assert tiles == {
        "url": "http://tiles.local/{z}/{x}/{y}.png",
        "attribution": "&lt;b&gt;City&lt;/b&gt;",
    }


@pytest.fixture(scope="module")
def document(data: Analysis) -> dict[str, Any]:
    """The map document of the default run, as the browser receives it."""
    return dict(json.loads(mapdata.dumps(mapdata.build(data.layers))))


def test_map_document_is_small_and_complete(data: Analysis, document: dict[str, Any]) -> None:
    """Every hour and every score input travel once: under 1 MB (under 0.3 MB gzipped),
    where the server-drawn map sent about 1.2 MB at every hour change."""
    body = mapdata.dumps(document)
    assert len(body) < 1_000_000 and len(gzip.compress(body)) < 300_000
    segments = data.layers["street_segments"]
    seg = document["segments"]
    assert seg["ids"] == segments["segment_id"].tolist()
    assert len(seg["eyes"]) == 24 and all(len(h) == len(segments) for h in seg["eyes"])
    assert set(seg["scores"]) == {"light", "eyes", "mix", "incidents"}
    # the values are the library's, as integers of 0.1 (None for no value)
    for hour in (0, 3, 22):
        want = segments[HOUR_COLUMNS[hour]].to_numpy(dtype=float)
        got = np.array([np.nan if v is None else v / 10 for v in seg["eyes"][hour]])
        np.testing.assert_allclose(got, want, atol=0.05 + 1e-9)
    light = [None if i is None else seg["light_classes"][i] for i in seg["light"]]
    assert light == [None if pd.isna(v) else v for v in segments["light_class"]]
    names = document["names"]
    assert len(names) == len(set(names))  # each name once
    assert not re.search(r"https?://", body.decode())


def test_dark_paths_point_at_their_segments(data: Analysis, document: dict[str, Any]) -> None:
    dark, seg = document["dark"], document["segments"]
    table = data.layers["dark_paths"]
    assert dark["ids"] == table["dark_rank"].tolist()
    assert dark["segment"] == table["segment_id"].tolist()
    assert set(dark["segment"]) <= set(seg["ids"])  # every dark path joins its segment


def test_map_document_basemap_is_the_studys_osm(data: Analysis, document: dict[str, Any]) -> None:
    base, names = document["basemap"], document["names"]
    assert len(base["buildings"]) == len(data.layers["buildings"])
    assert len(base["green"]) == len(data.layers["public_spaces"])
    labelled = {names[ref] for *_, ref in base["labels"]}
    assert "Mannerheimintie" in labelled and "Aleksanterinkatu" in labelled
    assert labelled <= set(data.layers["street_segments"]["name"].dropna())


def test_map_document_has_the_waters_and_what_the_search_finds(
    data: Analysis, document: dict[str, Any]
) -> None:
    """Water of the study's OSM under the buildings; every area's district (as the district
    picker has them), every park's name: what the map's search looks through."""
    base, names = document["basemap"], document["names"]
    water = data.layers["water"]
    assert len(water) == 13  # 6 natural=water and 7 landuse=basin in the default extract
    assert set(water["kind"]) == {"water", "basin"}
    assert len(base["water"]) == len(base["water_name"]) == len(water)
    # the first water polygon is where the layer's first one is (lon/lat, about 1 m)
    first = np.vstack([mapdata.decode_part(ring) for ring in base["water"][0][0][:1]])
    want = gpd.GeoSeries([water.geometry.iloc[0]], crs=water.crs).to_crs("EPSG:4326")
    assert shapely.Polygon(first).representative_point().within(want.iloc[0].buffer(1e-4))
    areas = document["areas"]
    districts = [None if ref is None else names[ref] for ref in areas["district"]]
    assert sorted({d for d in districts if d}) == mapview.districts(data)
    assert districts.count("Kluuvi") == 3
    parks = {names[ref] for ref in base["green_name"] if ref is not None}
    assert {"Esplanadinpuisto", "Kaisaniemen puisto"} & parks
    assert parks <= set(data.layers["public_spaces"]["name"].dropna())


def test_map_texts_and_legends_in_finnish_and_swedish() -> None:
    """The search, the zoom buttons and the legends' classes speak the session's language;
    the water's colour is the catalogue's (the QGIS style's)."""
    for lang in LANGUAGES:
        text = mapview.texts(lang)
        assert "{n}" in text["search_results"]
        for key in ("search", "search_placeholder", "zoom_in", "kind_street", "kind_district"):
            assert text[key] and (lang == "en" or text[key] != mapview.texts("en")[key]), key
    assert mapview.texts("fi")["kind_district"] == "kaupunginosa"
    fi = mapview.styles("fi", min_dwellings=10, k_min=5)
    en = mapview.styles("en", min_dwellings=10, k_min=5)
    assert fi["dark"]["categories"]["mapped lamps"][1] == "pimeä (kartoitetut valaisimet)"
    assert en["dark"]["categories"]["mapped lamps"][1] == "dark (mapped lamps)"
    assert [c[3] for c in fi["eyes"]["classes"]][:2] == ["0–1", "1–2,5"]
    assert fi["basemap"]["water"] == en["basemap"]["water"] == catalogue.WATER_COLOUR
    water = catalogue.CATALOGUE["water"]
    assert isinstance(water, catalogue.Layer) and water.style is not None
    assert water.style.classes[0].colour == catalogue.WATER_COLOUR


def test_lines_and_polygons_round_trip() -> None:
    """Vertices as integers of 1e-5 degree, each the difference to the one before."""
    line = LineString([(24.93, 60.16), (24.93001, 60.16002), (24.93101, 60.16002)])
    multi = MultiLineString([[(0, 0), (0.00001, 0)], [(1, 1), (1, 1.00003)]])
    assert mapdata.encode_lines([line]) == [[[2493000, 6016000, 1, 2, 100, 0]]]
    parts = mapdata.encode_lines([multi, None])
    assert parts == [[[0, 0, 1, 0], [100000, 100000, 0, 3]], []]
    square = Polygon([(0, 0), (0, 1), (1, 1), (1, 0)], [[(0.2, 0.2), (0.2, 0.4), (0.4, 0.4)]])
    (polygons,) = mapdata.encode_polygons([square])
    assert len(polygons) == 1 and len(polygons[0]) == 2  # one polygon: exterior and hole
    exterior, hole = (mapdata.decode_part(ring) for ring in polygons[0])
    np.testing.assert_allclose(exterior, [(0, 0), (0, 1), (1, 1), (1, 0)])
    np.testing.assert_allclose(hole, [(0.2, 0.2), (0.2, 0.4), (0.4, 0.4)])
    two = mapdata.encode_polygons([MultiPolygon([square, Polygon([(5, 5), (5, 6), (6, 6)])])])
    assert [len(p) for p in two[0]] == [2, 1]
    assert mapdata.scaled(pd.Series([1.25, None, 2.0]), 10) == [12, None, 20]


def test_street_labels_read_along_the_street() -> None:
    """A label per name at the midpoint of its longest segments, turned with the street,
    never upside down, and no two of a name closer than the spacing."""
    # in Web Mercator, as the map draws them: east is along x on the screen
    east = LineString([(2775000, 8435000), (2775200, 8435000)])
    west = LineString([(2775500, 8435100), (2775300, 8435100)])  # drawn westwards
    north = LineString([(2776000, 8435000), (2776000, 8435100)])
    near = LineString([(2775000, 8435010), (2775150, 8435010)])  # beside "east": no label
    short = LineString([(2777000, 8435000), (2777010, 8435000)])  # too short for a label
    gdf = gpd.GeoDataFrame(
        {"name": ["A", "B", "C", "A", "D"]},
        geometry=[east, west, north, near, short],
        crs="EPSG:3857",
    )
    labels = mapdata.street_labels(gdf)
    assert sorted(name for *_, name in labels) == ["A", "B", "C"]
    angle = {name: a for _, _, a, name in labels}
    assert angle["A"] == 0 and angle["B"] == 0  # horizontal, upright
    assert abs(angle["C"]) == 90


def test_map_styles_and_texts(data: Analysis) -> None:
    styles = mapview.styles("fi", min_dwellings=10, k_min=5)
    eyes = [[*c.value, c.colour] for c in catalogue.EYES_CLASSES]  # type: ignore[misc]
    assert [c[:3] for c in styles["eyes"]["classes"]] == eyes
    assert styles["eyes"]["nodata"] == [catalogue.GREY, "ei tietoa"]
    assert styles["mix"]["suppressed"] == [mapview.SUPPRESSED_GREY, "salattu (alle 10 asuntoa)"]
    assert "5" in styles["hotspots"]["other"][1]
    assert styles["lighting"]["order"][:6] == [name for name, _, _ in P_CLASSES]
    for lang in LANGUAGES:
        text = mapview.texts(lang)
        assert "{hour}" in text["layer_eyes"] and "{layers}" in text["synthetic_note"]
        assert all(isinstance(v, str) and v for v in text.values())
    args = _args(data, district=mapview.districts(data)[0], selected=("segment", 7))
    assert args["selected"] == {"kind": "segment", "id": 7}
    fit = args["fit"]
    assert isinstance(fit, dict)
    whole = mapview.bounds(data, None)
    assert fit["bounds"][2] - fit["bounds"][0] < whole[2] - whole[0]
    assert args["synthetic"] == ["tenure", "incidents"]
    assert mapview.all_weights_zero(dict.fromkeys(("light", "eyes", "mix", "incidents"), 0.0))
    assert not mapview.all_weights_zero(PRESETS["night walk"])


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
    fit = _args(data, district="Kluuvi")["fit"]
    assert isinstance(fit, dict) and fit["key"] == "Kluuvi"
    outline = shape(fit["outline"])  # the union of the cells, drawn dashed by the map
    union = shapely.union_all(gpd.GeoDataFrame(cells).to_crs("EPSG:4326").geometry.to_numpy())
    assert outline.symmetric_difference(union).area < 0.01 * union.area  # 1e-6 degree grid
    assert _args(data)["fit"] is None


def test_weights_recompute_the_library_composite(data: Analysis) -> None:
    segments = data.layers["street_segments"]
    same = scoring.with_score(segments, PRESETS["balanced"])["safe_space_score"]
    np.testing.assert_allclose(same, segments["safe_space_score"], equal_nan=True)
    night = scoring.with_score(segments, PRESETS["night walk"])["safe_space_score"]
    expected = composite(segments[scoring.SCORE_COLUMNS], PRESETS["night walk"])
    np.testing.assert_allclose(night, expected["safe_space_score"], equal_nan=True)


def test_click_panel_shows_numbers_explain_and_breakdown(data: Analysis) -> None:
    picked = mapview.clicked({"kind": "segment", "id": 7, "hour": 22, "n": 1})
    assert picked == ("segment", 7, 22)
    panel = mapview.feature(data, "segment", 7, 22, data.k_min, "en")
    assert panel is not None
    assert panel.title.startswith("Street segment 7")
    assert "eyes-on-the-street index at 22:00 [0..100]" in panel.measures["Measure"].tolist()
    assert isinstance(panel.row["eyes_explain"], str) and panel.row["eyes_explain"]
    parts = mapview.breakdown(panel.row, PRESETS["balanced"], "en")
    total = parts["Points"].iloc[-1]
    assert total == pytest.approx(round(panel.row["safe_space_score"], 1), abs=0.2)
    assert mapview.clicked({"kind": None, "id": None}) is None
    assert mapview.clicked({"kind": "segment", "id": "x"}) is None
    assert mapview.clicked(None) is None
    area = mapview.feature(data, "area", 15, 22, data.k_min, "fi")
    assert area is not None and area.title.startswith("Alue 15")


def test_a_dark_path_shows_its_street_segment(data: Analysis) -> None:
    """The title is the segment (not the darkness rank), the labels are the catalogue's
    descriptions, and the score breakdown has the segment's numbers."""
    dark = data.layers["dark_paths"]
    path = dark.iloc[len(dark) // 2]
    rank, segment_id = int(path["dark_rank"]), int(path["segment_id"])
    assert rank != segment_id  # else the test could not tell them apart
    panel = mapview.feature(data, "dark", rank, 23, data.k_min, "en")
    assert panel is not None
    assert panel.title.startswith(f"Street segment {segment_id}")
    assert panel.subtitle.startswith(f"Dark path no. {rank} (1 = darkest) in ")
    labels = panel.measures["Measure"].tolist()
    assert "darkness rank (1 = darkest) [rank]" in labels
    assert "name of the park or square (OSM)" in labels
    assert not [label for label in labels if "_" in label]  # no raw column names
    segments = data.layers["street_segments"]
    row = segments[segments["segment_id"] == segment_id].iloc[0]
    parts = mapview.breakdown(panel.row, PRESETS["balanced"], "en")
    values = parts["Value"].iloc[:4].tolist()
    for family, value in zip(("light", "eyes", "mix", "incidents"), values, strict=True):
        want = float(row[f"score_{family}"])
        assert (np.isnan(want) and pd.isna(value)) or value == pytest.approx(round(want, 1))
    assert parts["Value"].iloc[:4].notna().any()


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


def test_format_zips_are_built_in_the_apps_cache_not_the_run(data: Analysis) -> None:
    before = sorted(p.name for p in data.folder.iterdir())
    built = archive.format_zip_bytes(str(data.folder), "geoparquet")
    zipped = zipfile.ZipFile(io.BytesIO(built))
    names = zipped.namelist()
    assert "safespaces/geoparquet/street_segments.parquet" in names
    assert "safespaces/geoparquet/run_metadata.parquet" in names
    # built once: a second click reads the same file
    assert archive.format_zip(data.folder, "geoparquet").read_bytes() == built
    assert sorted(p.name for p in data.folder.iterdir() if p.name != archive.EXPORT_DIR) == [
        n for n in before if n != archive.EXPORT_DIR
    ]
    slds = zipfile.ZipFile(io.BytesIO(archive.sld_zip_bytes(str(data.folder))))
    own = slds.read("sld/street_segments--street_segments.sld").decode()
    assert own.count("<se:Rule>") > 1 and 'version="1.1.0"' in own


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


def test_the_map_loads_leaflet_from_the_apps_static_folder(data: Analysis, tmp_path: Path) -> None:
    config = tomllib.loads((REPO / ".streamlit" / "config.toml").read_text())
    assert config["server"]["enableStaticServing"] is True  # serves static/ at /app/static
    # the installed app's main script is safespaces_app/main.py, with static/ beside it; the
    # repository's app.py has a static link to the same folder
    assert mapview.STATIC_DIR == REPO / "safespaces_app" / "static"
    assert (REPO / "static").resolve() == mapview.STATIC_DIR
    for name in ("leaflet.js", "leaflet.css", "images/marker-icon.png"):
        assert (mapview.LEAFLET_DIR / name).is_file(), name
    for name in ("index.html", "map.js", "map.css"):
        text = (mapview.CLIENT_STATIC_DIR / name).read_text(encoding="utf-8")
        assert not re.search(r"https?://", text), name  # nothing from another server
    # the frame (served at <app>/component/<name>/index.html) loads the app's static folder
    # by relative links, so they hold under any base URL path
    root, name = maptiles.write_client(tmp_path, data.layers)
    page = (root / "index.html").read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("../../app/static/") for s in sources), sources
    assert "../../app/static/leaflet/leaflet.js" in sources
    assert name.startswith("data-") and (root / name).is_file()
    assert root.name.startswith(".")  # hidden: never exported nor zipped
    assert maptiles.write_client(tmp_path, data.layers) == (root, name)  # same content, name


def test_hour_slider_columns_are_the_librarys() -> None:
    assert [mapview.hour_column(h) for h in mapview.HOURS] == HOUR_COLUMNS


def test_lighting_legend_follows_the_p_classes() -> None:
    names = [name for name, _, _ in P_CLASSES]
    classes = [c.value for c in catalogue_classes("street_lighting")]
    assert classes[: len(names)] == names
    labels = [label for label, _ in legend_entries("street_lighting")]
    assert [label.split(" ")[0] for label in labels[: len(names)]] == names


def test_k_min_is_the_runs_then_the_configurations(data: Analysis) -> None:
    assert data.k_min == Config().incidents.k_min
    bare = Analysis(Path("."), {}, {}, configured_k_min=7)
    assert bare.k_min == 7
    bare.metadata["incidents_privacy"] = {"k_min": 4}
    assert bare.k_min == 4
