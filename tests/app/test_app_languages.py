"""Finnish and Swedish are complete: no English on any page, numbers written as each
language writes them, tables that sort as numbers, headers for people.

Every page is run with AppTest in fi and sv (the map with all its layers, the what-if with
a result) and everything readable is collected (:mod:`visible`): titles, captions,
alerts, widget labels and options, table headers and shown cells, chart titles, the
map's tooltip labels and values. A word of the English interface or of the library's
English vocabulary (legend labels, layer titles, class names, tenure names ...) that the
language's own messages do not use, and that is not a name from the data, fails the test.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest
from visible import shown, texts

from safespaces.catalogue import CATALOGUE, Layer
from safespaces.config import Config
from safespaces.incidents.hotspots import UNIT_CLASSES
from safespaces.indices import PRESETS
from safespaces.lighting.vocabulary import (
    BELOW_P6,
    EVIDENCE_MAPPED,
    EVIDENCE_NOT_MAPPED,
    LIT_NOT_MAPPED,
    NO_LAMP_DATA,
    UNLIT,
)
from safespaces.study import Inputs
from safespaces_app import runs
from safespaces_app.formats import MINUS, NBSP, number, percent, share
from safespaces_app.i18n import MESSAGES, legend_label

REPO = Path(__file__).resolve().parents[2]
PAGES = ["map", "districts", "mix", "lighting", "incidents", "data", "export"]
WORD = re.compile(r"[^\W\d_]+")
#: File names (download buttons, inputs in use) are names, not words.
FILE = re.compile(r"\S+\.(?:tif|qml|qmd|gpkg|qgz|zip|csv|pbf|osm|geojson|pdf|png)\b")
SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
#: An English number: a decimal point between digits (a comma can be a decimal comma).
ENGLISH_NUMBER = re.compile(r"\d\.\d")
#: The language switch names every language in its own words, on purpose.
SWITCH = "Language / Kieli / Språk"


@pytest.fixture(scope="module")
def warm() -> None:
    """Run the default analysis once (cached for the module's other AppTests)."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception


def data_names() -> set[str]:
    """Words of the names in the default's data (streets, areas, places, parks)."""
    config = Config()
    layers = runs.analysis(Inputs(), config.to_json(), config).layers
    names: set[str] = set()
    for table, columns in {
        "street_segments": ["name"],
        "areas": ["name", "place"],
        "public_spaces": ["name"],
        "dark_paths": ["space_name"],
    }.items():
        for column in columns:
            for value in layers[table][column].dropna().astype(str).unique():
                names |= set(WORD.findall(value.casefold()))
    return names


def english_sources() -> list[str]:
    """The English the app could show: its messages and the library's vocabulary."""
    config = Config()
    sources = [texts["en"] for texts in MESSAGES.values()]
    for entry in CATALOGUE.values():
        sources += [entry.title, entry.group]
        style = getattr(entry, "style", None) if isinstance(entry, Layer) else None
        sources += [c.label for c in style.classes] if style else []
    sources += [BELOW_P6, UNLIT, LIT_NOT_MAPPED, NO_LAMP_DATA, EVIDENCE_MAPPED]
    sources += [EVIDENCE_NOT_MAPPED, *UNIT_CLASSES, *PRESETS]
    sources += list(config.sources.tenure_categories.values())
    sources += ["park", "square", "pedestrian area", "playground", "garden", "custom"]
    return sources


def english_words(lang: str) -> set[str]:
    """Words of the English sources that ``lang``'s own messages never use."""
    own = {w for texts in MESSAGES.values() for w in WORD.findall(texts[lang].casefold())}
    words = {w for text in english_sources() for w in WORD.findall(text.casefold())}
    return {w for w in words if len(w) >= 4} - own


def render_all(lang: str) -> Iterator[tuple[str, AppTest]]:
    """Every page in ``lang``; the map (its texts and every layer's legend) with a district,
    the what-if run."""
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.selectbox(key="lang").set_value(lang).run()
    at.selectbox(key="district").set_value("Kluuvi").run()
    assert not at.exception, at.exception
    yield "map", at
    for name in PAGES[1:]:
        at.switch_page(f"safespaces_app/{name}.py")
        at.run()
        assert not at.exception, (name, at.exception)
        if name == "mix":
            at.number_input(key="whatif_tenure_ara_rental").set_value(300)
            at.button[0].click().run()
            assert not at.exception, at.exception
            assert len(at.dataframe) == 4  # areas, details, the city, the what-if
        yield name, at


@pytest.mark.parametrize("lang", ["fi", "sv"])
def test_no_english_on_any_page(warm: None, lang: str) -> None:
    english = english_words(lang) - data_names() - {"openstreetmap", "contributors", "odbl"}
    wrong: list[tuple[str, str, str]] = []
    for page, at in render_all(lang):
        for where, text in texts(at):
            if text == SWITCH:
                continue
            plain = FILE.sub(" ", text)
            words = set(WORD.findall(plain.casefold()))
            wrong += [(page, where, f"{w!r} in {text!r}") for w in sorted(words & english)]
            wrong += [(page, where, f"raw name {m!r}") for m in SNAKE.findall(plain)]
            numeric = where in ("cell", "Caption", "Markdown", "chart") and "ODbL" not in text
            if numeric and ENGLISH_NUMBER.search(text):
                wrong.append((page, where, f"English number in {text!r}"))
    assert not wrong, "\n".join(map(str, wrong[:40]))


def test_the_check_catches_english(warm: None) -> None:
    """The test above fails on English: the English interface is full of it."""
    english = english_words("fi") - data_names()
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    at.switch_page("safespaces_app/lighting.py")
    at.run()
    found = {w for _, text in texts(at) for w in WORD.findall(text.casefold())} & english
    assert {"lighting", "length", "unlit", "mean"} <= found


# --- numbers ---------------------------------------------------------------------------------


def test_numbers_as_each_language_writes_them() -> None:
    """CLDR: en 1,234.5 and 12%; fi and sv 1 234,5 and 12 % (no-break spaces), −3 with
    the minus sign U+2212; a sign on request, none on zero."""
    assert number(1234.5, "en", 1) == "1,234.5"
    assert number(1234.5, "fi", 1) == f"1{NBSP}234,5" == number(1234.5, "sv", 1)
    assert number(1234567, "fi") == f"1{NBSP}234{NBSP}567"
    assert number(-3.25, "fi", 1) == f"{MINUS}3,2"  # round half to even, as Python does
    assert number(-3, "en") == "-3"
    assert number(7, "sv", signed=True) == "+7" and number(-7, "sv", signed=True) == f"{MINUS}7"
    assert number(0.004, "en", 2, signed=True) == "0.00" and number(-0.004, "fi", 2) == "0,00"
    assert number(float("nan"), "fi") == "" and number(None, "en") == ""
    assert percent(32, "en") == "32%" and percent(32, "fi") == f"32{NBSP}%"
    assert share(0.305, "sv", 1) == f"30,5{NBSP}%"


def test_styled_tables_keep_numbers_and_write_them_per_language() -> None:
    """Data stays numeric (scaled), the display follows the language; withheld cells are
    missing in the data and show their text; missing text is empty."""
    from safespaces_app.tables import Col, styled

    frame = pd.DataFrame(
        {
            "name": pd.array(["Kluuvi 1", None], dtype="string"),
            "share": [0.305, 0.2],
            "gap": [4.0, -1234.5],
            "count": [12.0, 3.0],
        }
    )
    columns = {
        "name": Col("Alue"),
        "share": Col("Osuus (%)", decimals=1, scale=100),
        "gap": Col("Ero (%-yks.)", decimals=1, signed=True),
        "count": Col("Tapahtumia", decimals=0),
    }
    styler = styled(
        frame,
        columns,
        "fi",
        withheld={"count": pd.Series([False, True])},
        withheld_text="salattu (<5)",
    )
    data = styler.data  # type: ignore[attr-defined]  # (pandas-stubs lack it)
    assert list(data.columns) == ["Alue", "Osuus (%)", "Ero (%-yks.)", "Tapahtumia", "Huomautus"]
    assert data["Osuus (%)"].tolist() == pytest.approx([30.5, 20.0])
    assert data["Tapahtumia"].isna().tolist() == [False, True]
    body = styler._translate(False, False)["body"]  # type: ignore[attr-defined]
    shown_rows = [[cell["display_value"] for cell in row[1:]] for row in body]
    assert shown_rows == [
        ["Kluuvi 1", "30,5", "+4,0", "12", ""],
        ["", "20,0", f"{MINUS}1{NBSP}234,5", "–", "salattu (<5)"],
    ]
    plain = styled(frame, columns, "fi")  # nothing withheld: no note column
    assert "Huomautus" not in plain.data.columns  # type: ignore[attr-defined]


def test_legend_labels_follow_the_language() -> None:
    assert legend_label("0.2 - 0.4", "fi") == "0,2–0,4"
    assert legend_label("2000 - 1000000000", "sv") == f"≥ 2{NBSP}000"
    assert legend_label("2000 - 1000000000", "en") == "≥ 2,000"
    assert legend_label("P3 (avg >= 7.5 lx)", "fi") == "P3 (keskim. ≥ 7,5 lx)"
    assert legend_label("P3 (avg >= 7.5 lx)", "en") == "P3 (avg >= 7.5 lx)"
    assert legend_label("unlit (no lamp reaches it)", "sv") == "obelyst (ingen lampa når dit)"
    assert legend_label("a label nobody translated", "fi") == "a label nobody translated"


# --- tables for people ---------------------------------------------------------------------


def page(lang: str, name: str) -> AppTest:
    at = AppTest.from_file(str(REPO / "app.py"), default_timeout=60)
    at.run()
    if lang != "en":
        at.selectbox(key="lang").set_value(lang).run()
    at.switch_page(f"safespaces_app/{name}.py")
    at.run()
    assert not at.exception, at.exception
    return at


NUMBER_TEXT = re.compile(rf"^[+\-{MINUS}]?\d[\d,.{NBSP}]*(\s?%)?$")


@pytest.mark.parametrize("name", PAGES[1:5])
def test_every_table_sorts_as_numbers_under_headers_for_people(warm: None, name: str) -> None:
    """No number is text in a table (text sorts 1,027 < 1,053 < 10.00 < 110), and no
    header is a raw column name."""
    at = page("en", name)
    assert at.dataframe
    for table in at.dataframe:
        value = table.value
        for column in value.columns:
            assert not SNAKE.search(str(column)), (name, column)
            if value[column].dtype.kind in "fiu":
                continue
            cells = value[column].dropna().astype(str)
            assert not cells.str.match(NUMBER_TEXT).any(), (name, column, cells.head(3))


def test_districts_table_sorts_numerically_and_shows_the_language(warm: None) -> None:
    at = page("fi", "districts")
    table = at.dataframe[0]
    value = table.value
    residents = value["Asukkaat (arvio)"]
    assert residents.dtype.kind == "f"
    # sorting the data sorts by number: 1,027 < 1,053 < 10.00 < 110 never happens
    ordered = residents.dropna().sort_values().tolist()
    assert ordered == sorted(ordered) and max(ordered) > 1000
    text = shown(table)
    big = int(residents.to_numpy().argmax())
    assert text["Asukkaat (arvio)"].iloc[big] == number(residents.iloc[big], "fi")
    assert NBSP in text["Asukkaat (arvio)"].iloc[big]  # 1 053, not 1,053
    score = value["Turvallisuuspisteet (0–100)"]
    assert score.dropna().is_monotonic_increasing  # ranked by the score, lowest first
    first = int(score.notna().to_numpy().argmax())
    assert text["Turvallisuuspisteet (0–100)"].iloc[first] == number(score.iloc[first], "fi", 1)
    assert "," in text["Turvallisuuspisteet (0–100)"].iloc[first]  # decimal comma
    assert value["Alue"].is_unique  # Kluuvi 1, Kluuvi 2 ...
    spec = at.get("vega_lite_chart")[0].proto.spec
    assert '"title": "Alue"' in spec and '"decimal": ","' in spec


def test_mix_table_shows_each_target_beside_the_share(warm: None) -> None:
    """Each policy group's share (%) and, right after it, its gap to the target with the
    target in the header: gap = share − target, signed, in points."""
    at = page("en", "mix")
    table = at.dataframe[0]
    value, text = table.value, shown(table)
    headers = list(value.columns)
    assert headers == [
        "Area",
        "Dwellings",
        "ARA rental (%)",
        "vs target 30%",
        "Intermediate (%)",
        "vs target 20%",
        "Unregulated (%)",
        "vs target 50%",
        "Tenure mix (0–1)",
        "Note",  # "suppressed (<10)" where the area's numbers are withheld
    ]
    # the header's tooltip names the group and the sign convention
    helps = {name: c.get("help", "") for name, c in json.loads(table.proto.columns).items()}
    assert helps["vs target 30%"] == (
        "ARA rental: the area's share − the target 30%, in percentage points "
        "(+ more than the target, − less)."
    )
    config = Config()
    areas = runs.analysis(Inputs(), config.to_json(), config).layers["areas"]
    by_name = areas.set_index("name").loc[value["Area"]]  # the table's rows, by area
    np.testing.assert_array_equal(
        value["vs target 30%"].to_numpy(),
        by_name["mix_target_gap_ara_rental"].to_numpy(),  # the library's gap, unchanged
    )
    assert (value["ARA rental (%)"] - value["vs target 30%"]).dropna().round(9).eq(30).all()
    row = int(value["vs target 30%"].notna().to_numpy().argmax())
    gap = float(value["vs target 30%"].iloc[row])
    assert text["vs target 30%"].iloc[row] == (
        f"+{gap:.1f}" if round(gap, 1) > 0 else f"-{abs(gap):.1f}"
    )
    # a suppressed area: no number in the data, "–" shown, "suppressed (<10)" in its note;
    # the suppressed areas come last
    hidden = by_name["mix_suppressed"].fillna(0).to_numpy() > 0
    assert hidden.any() and not hidden[: (~hidden).sum()].any()
    assert value.loc[hidden, "Dwellings"].isna().all()
    assert (text.loc[hidden, "Dwellings"] == "–").all()
    assert (value.loc[hidden, "Note"] == "suppressed (<10)").all()
    assert (value.loc[~hidden, "Note"] == "").all()


def test_what_if_is_a_compact_table_naming_the_area(warm: None) -> None:
    at = page("en", "mix")
    at.selectbox(key="whatif_area").set_value(18)  # Kluuvi 1
    at.number_input(key="whatif_tenure_ara_rental").set_value(300)
    at.button[0].click().run()
    assert not at.exception
    config = Config()
    areas = runs.analysis(Inputs(), config.to_json(), config).layers["areas"]
    name = areas.loc[areas["area_id"] == 18, "name"].iloc[0]
    assert name == "Kluuvi 1"
    assert any(f"Before and after in {name}" in str(m.value) for m in at.markdown)
    result = at.dataframe[-1]
    value, text = result.value, shown(result)
    assert list(value.columns) == [
        "Where",
        "Measure",
        "Target",
        "Before",
        "After",
        "Change (after − before)",
    ]
    assert len(value) <= 16  # not the library's 69 rows
    assert set(value["Where"]) == {name, "Neighbourhood (≤ 800 m)", "Whole study area"}
    assert not value["Measure"].str.contains("_").any()
    dwell = value[(value["Where"] == name) & (value["Measure"] == "Dwellings")].index[0]
    assert value.loc[dwell, "Change (after − before)"] == pytest.approx(300)
    assert text.loc[dwell, "Change (after − before)"] == "+300"
    ara = value[(value["Where"] == name) & (value["Measure"] == "ARA rental (%)")].index[0]
    assert value.loc[ara, "Target"] == pytest.approx(30)
    assert text.loc[ara, "Target"] == "30%"
    # the share is the library's gap to the target + the target, before and after
    import geopandas as gpd

    from safespaces.mix.whatif import what_if

    groups = [f"tenure_{code}" for code in config.sources.tenure_categories]
    known = areas.dropna(subset=groups)
    plan = gpd.GeoDataFrame(
        {g: [300.0 if g == "tenure_ara_rental" else 0.0] for g in groups},
        geometry=[known.loc[known["area_id"] == 18].geometry.iloc[0].representative_point()],
        crs=areas.crs,
    )
    library = what_if(known, plan, groups, params=config.mix, id_column="area_id")
    gap = library[(library["scope"] == "area") & (library["metric"] == "target_gap_ara_rental")]
    assert value.loc[ara, "Before"] == pytest.approx(30 + gap["before"].iloc[0])
    assert value.loc[ara, "After"] == pytest.approx(30 + gap["after"].iloc[0])
    assert text.loc[ara, "Change (after − before)"] == f"+{gap['change'].iloc[0]:.1f}"


@pytest.mark.parametrize("kind", ["segment", "area", "dark"])
def test_click_panel_speaks_finnish(warm: None, kind: str) -> None:
    """The panel of a clicked street, area or dark path: labels and values in Finnish."""
    from safespaces_app import mapview

    config = Config()
    data = runs.analysis(Inputs(), config.to_json(), config)
    fid = {"segment": 7, "area": 18, "dark": 1}[kind]
    found = mapview.feature(data, kind, fid, 22, data.k_min, "fi")
    assert found is not None
    title, table = found.title, found.measures
    assert title.split()[0] in ("Katuosuus", "Alue")
    english = english_words("fi") - data_names()
    cells = [title, found.subtitle, *map(str, table.columns), *table.to_numpy().ravel().astype(str)]
    words = {w for cell in cells for w in WORD.findall(FILE.sub(" ", cell).casefold())}
    assert not words & english, sorted(words & english)
    assert not [c for c in cells if SNAKE.search(c)]
    assert not [c for c in cells if ENGLISH_NUMBER.search(c)]
