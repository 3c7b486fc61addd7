"""SLD 1.1.0 styles from the catalogue: valid against the official OGC schema, the classes
QGIS's own graduated and categorized renderers give (checked in real QGIS 3.22 against the
QML and against QGIS's own SLD export), and stored in ``layer_styles.styleSLD``."""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pandas as pd
import pytest
from conftest import DATA, require
from lxml import etree
from test_qgis_export import QGIS_PYTHON, _qgis_available, _qgis_env

from safespaces.catalogue import (
    CATALOGUE,
    LAYERS,
    Geometry,
    Layer,
    Style,
    StyleClass,
    plain_style,
)
from safespaces.explore import colours
from safespaces.qgis import export_package, package
from safespaces.qgis.gpkg import StoredStyle, connect, write_styles
from safespaces.qgis.qml import vector_qml
from safespaces.qgis.sld import number, pixels, style_sld

SCHEMAS = DATA / "schemas"
SLD_XSD = "http://schemas.opengis.net/sld/1.1.0/StyledLayerDescriptor.xsd"
PROBE = Path(__file__).with_name("sld_probe.py")
NS = {
    "sld": "http://www.opengis.net/sld",
    "se": "http://www.opengis.net/se",
    "ogc": "http://www.opengis.net/ogc",
}
STYLED = [e for e in LAYERS if e.style is not None]


# --- the official schema, offline ----------------------------------------------------------


class _Offline(etree.Resolver):
    """Every schema URL from tests/data/schemas (named after its URL); nothing fetched."""

    def resolve(self, url: str, pubid: str, context: Any) -> Any:
        path = SCHEMAS / url.removeprefix("http://")
        if not url.startswith("http://") or not path.is_file():
            raise LookupError(f"schema {url} is not in {SCHEMAS} (see its README)")
        return self.resolve_string(path.read_bytes(), context, base_url=url)


@pytest.fixture(scope="module")
def schema() -> etree.XMLSchema:
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    parser.resolvers.add(_Offline())
    xsd = etree.fromstring(
        (SCHEMAS / SLD_XSD.removeprefix("http://")).read_bytes(), parser, base_url=SLD_XSD
    )
    return etree.XMLSchema(xsd)


def _errors(schema: etree.XMLSchema, text: str) -> list[str]:
    document = etree.fromstring(text.encode("utf-8"))
    if schema.validate(document):
        return []
    return [f"line {e.line}: {e.message}" for e in schema.error_log]


def _sld(entry: Layer, **kwargs: Any) -> str:
    assert entry.style is not None
    return style_sld(
        entry.style, entry.geometry, layer=entry.table, title=entry.title, name=entry.name, **kwargs
    )


@pytest.mark.parametrize("entry", STYLED, ids=lambda e: e.name)
def test_every_catalogue_style_is_valid_sld_1_1(schema: etree.XMLSchema, entry: Layer):
    assert entry.style is not None
    text = _sld(entry)
    assert _errors(schema, text) == []
    root = ET.fromstring(text)
    assert root.tag == "{http://www.opengis.net/sld}StyledLayerDescriptor"
    assert root.get("version") == "1.1.0"
    (named,) = root.findall("sld:NamedLayer", NS)
    assert named.findtext("se:Name", namespaces=NS) == entry.table
    assert named.findtext("sld:UserStyle/se:Name", namespaces=NS) == entry.name
    title = named.findtext("sld:UserStyle/se:Description/se:Title", namespaces=NS)
    assert title == entry.title
    rules = named.findall("sld:UserStyle/se:FeatureTypeStyle/se:Rule", NS)
    labels = [c.label for c in entry.style.classes]
    assert [r.findtext("se:Name", namespaces=NS) for r in rules] == labels
    assert [r.findtext("se:Description/se:Title", namespaces=NS) for r in rules] == labels
    symbolizer = {"line": "LineSymbolizer", "polygon": "PolygonSymbolizer"}
    tag = symbolizer.get(entry.geometry, "PointSymbolizer")
    assert all(len(r.findall(f"se:{tag}", NS)) == 1 for r in rules)
    filters = [r.find("ogc:Filter", NS) is not None for r in rules]
    if entry.style.kind == "single":
        assert filters == [False]
    else:
        assert all(filters), "the catch-all class has an explicit filter too"
    literals = [e.text or "" for e in root.iter(f"{{{NS['ogc']}}}Literal")]
    if entry.style.kind == "graduated":  # the catalogue's edges, without float noise
        edges = {v for c in entry.style.classes if isinstance(c.value, tuple) for v in c.value}
        assert {float(t) for t in literals} <= edges
        assert all(len(t) <= 10 and "e" not in t for t in literals), literals


@pytest.mark.parametrize("geometry", ["line", "polygon", "point"])
def test_plain_styles_and_else_filter_are_valid_too(schema: etree.XMLSchema, geometry: Geometry):
    text = style_sld(plain_style(geometry), geometry, layer="new_layer", title="New layer")
    assert _errors(schema, text) == []
    lamps = CATALOGUE["lamps"]
    assert isinstance(lamps, Layer)
    text = _sld(lamps, else_filter=True)
    assert _errors(schema, text) == []
    rules = ET.fromstring(text).findall(".//se:Rule", NS)
    assert rules[-1].find("se:ElseFilter", NS) is not None
    assert rules[-1].find("ogc:Filter", NS) is None


def test_a_broken_sld_fails_the_schema(schema: etree.XMLSchema):
    """The validation can fail: three ways an SLD 1.1 document goes wrong."""
    entry = CATALOGUE["street_lighting"]
    assert isinstance(entry, Layer)
    good = _sld(entry)
    assert _errors(schema, good) == []
    # SLD 1.0's CssParameter is not SE 1.1
    assert _errors(schema, good.replace("se:SvgParameter", "se:CssParameter"))
    # the filter after the symbolizer: SE fixes the order of a rule's children
    root = etree.fromstring(good.encode())
    rule = root.find(".//se:Rule", NS)
    assert rule is not None
    flt = rule.find("ogc:Filter", NS)
    assert flt is not None
    rule.remove(flt)
    rule.append(flt)
    assert any("Filter" in e for e in _errors(schema, etree.tostring(root).decode()))
    # a comparison with one operand
    root = etree.fromstring(good.encode())
    literal = root.find(".//ogc:Literal", NS)
    assert literal is not None
    parent = literal.getparent()
    assert parent is not None
    parent.remove(literal)
    assert any("PropertyIsEqualTo" in e for e in _errors(schema, etree.tostring(root).decode()))


# --- numbers and widths --------------------------------------------------------------------


def test_numbers_have_no_float_noise():
    assert [number(v) for v in (0, 20.0, 2.5, 1e9, 0.75, -3.0, 0.2)] == [
        "0",
        "20",
        "2.5",
        "1000000000",
        "0.75",
        "-3",
        "0.2",
    ]
    assert float(number(0.1 + 0.2)) == 0.1 + 0.2  # exact: reads back as the same double
    for bad in (math.nan, math.inf):
        with pytest.raises(ValueError):
            number(bad)


def test_millimetres_to_pixels_as_qgis_exports_them():
    """QGIS 3.22.16's exportSldStyle of simple symbols 0.4, 0.6, 1.2, 0.26 and 0.2 mm wide
    writes 1, 2, 4, 1 and 1 px (0.28 mm pixels, rounded); the QGIS test below compares every
    catalogue style with QGIS's own export."""
    assert [pixels(mm) for mm in (0.4, 0.6, 1.2, 0.26, 0.2, 1.6, 0.5)] == [1, 2, 4, 1, 1, 6, 2]
    assert pixels(0.05) == 1 and pixels(0) == 0
    with pytest.raises(ValueError):
        pixels(-1)


# --- the filters, evaluated ----------------------------------------------------------------

_COMPARE = {
    "PropertyIsEqualTo": lambda a, b: a == b,
    "PropertyIsGreaterThan": lambda a, b: a > b,
    "PropertyIsGreaterThanOrEqualTo": lambda a, b: a >= b,
    "PropertyIsLessThan": lambda a, b: a < b,
    "PropertyIsLessThanOrEqualTo": lambda a, b: a <= b,
}


def _holds(element: ET.Element, value: Any) -> bool:
    """An ogc filter element on one feature's value (a comparison with NULL is false)."""
    op = element.tag.split("}")[1]
    children = list(element)
    if op == "Filter":
        return _holds(children[0], value)
    if op == "And":
        return all(_holds(c, value) for c in children)
    if op == "Or":
        return any(_holds(c, value) for c in children)
    if op == "Not":
        return not _holds(children[0], value)
    if op == "PropertyIsNull":
        return value is None
    if value is None:
        return False
    literal = element.findtext("ogc:Literal", namespaces=NS)
    assert literal is not None
    if isinstance(value, str):
        return bool(_COMPARE[op](value, literal))
    return bool(_COMPARE[op](float(value), float(literal)))


def _rules_matching(text: str, value: Any) -> list[str]:
    """Labels of the rules whose filter takes ``value`` (an ElseFilter: when none other does)."""
    rules = ET.fromstring(text).findall(".//se:Rule", NS)
    hits, else_rules = [], []
    for rule in rules:
        label = rule.findtext("se:Name", namespaces=NS) or ""
        flt = rule.find("ogc:Filter", NS)
        if rule.find("se:ElseFilter", NS) is not None:
            else_rules.append(label)
        elif flt is None or _holds(flt, value):
            hits.append(label)
    return hits or else_rules


def catalogue_class(style: Style, value: Any) -> StyleClass | None:
    """Our own classification: a category by its text, else the catch-all (NULL too); the
    first range with lower <= value <= upper (QGIS's graduated renderer), none for NULL."""
    if style.kind == "single":
        return style.classes[0]
    if style.kind == "categorized":
        named = {str(c.value): c for c in style.classes if c.value is not None}
        catch = next((c for c in style.classes if c.value is None), None)
        return catch if value is None else named.get(str(value), catch)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    for cls in style.classes:
        assert isinstance(cls.value, tuple)
        lower, upper = cls.value
        if lower <= float(value) <= upper:
            return cls
    return None


def _expected(style: Style, values: Sequence[Any]) -> list[list[str]]:
    """Our class of each value, checked against the colours safespaces.explore draws."""
    classes = [catalogue_class(style, v) for v in values]
    frame = pd.DataFrame({style.column or "v": pd.Series(list(values), dtype=object)})
    if style.kind == "graduated":
        frame = frame.astype(float)
    drawn = colours(style, frame)
    for cls, colour in zip(classes, drawn, strict=True):
        if cls is not None:
            assert cls.colour == colour
    return [[c.label] if c is not None else [] for c in classes]


def _edges_and_between(style: Style) -> list[Any]:
    edges = sorted({v for c in style.classes if isinstance(c.value, tuple) for v in c.value})
    finite = [e for e in edges if math.isfinite(e)]
    between = [(a + b) / 2 for a, b in zip(finite, finite[1:], strict=False)]
    return [*finite, *between, finite[0] - 1, finite[-1] + 1, None]


@pytest.mark.parametrize(
    "entry", [e for e in STYLED if e.style and e.style.kind != "single"], ids=lambda e: e.name
)
def test_each_value_falls_in_exactly_its_class(entry: Layer):
    """Every edge, every value between edges, values outside the ranges and NULL; every
    category, an unknown value, '' and NULL: exactly the rule of our class, or none."""
    assert entry.style is not None
    style = entry.style
    if style.kind == "graduated":
        values = _edges_and_between(style)
    else:
        values = [*(c.value for c in style.classes if c.value is not None), "weird", "", None]
    expected = _expected(style, values)
    for else_filter in (False, True):
        text = _sld(entry, else_filter=else_filter)
        assert [_rules_matching(text, v) for v in values] == expected


def test_infinite_bounds_are_left_out(schema: etree.XMLSchema):
    classes = (
        StyleClass((-math.inf, 0.0), "below 0", "#000000"),
        StyleClass((0.0, 10.0), "0 - 10", "#777777"),
        StyleClass((10.0, math.inf), "above 10", "#ffffff"),
    )
    style = Style("graduated", "v", classes)
    text = style_sld(style, "line", layer="t", title="t")
    assert _errors(schema, text) == []
    rules = ET.fromstring(text).findall(".//se:Rule", NS)
    ops = [[e.tag.split("}")[1] for e in r.iter() if "PropertyIs" in e.tag] for r in rules]
    assert ops == [
        ["PropertyIsLessThanOrEqualTo"],
        ["PropertyIsGreaterThan", "PropertyIsLessThanOrEqualTo"],
        ["PropertyIsGreaterThan"],
    ]
    values = [-5.0, 0.0, 5.0, 10.0, 1e300, None]
    assert [_rules_matching(text, v) for v in values] == _expected(style, values)
    everything = Style("graduated", "v", (StyleClass((-math.inf, math.inf), "all", "#000000"),))
    text = style_sld(everything, "point", layer="t", title="t")
    assert _errors(schema, text) == []
    assert [_rules_matching(text, v) for v in (-1e300, 0.0, None)] == [["all"], ["all"], []]


def test_overlapping_ranges_and_attribute_tables_are_refused():
    overlapping = Style(
        "graduated", "v", (StyleClass((0, 10), "a", "#000000"), StyleClass((5, 20), "b", "#000000"))
    )
    with pytest.raises(ValueError, match="without overlapping"):
        style_sld(overlapping, "line", layer="t", title="t")
    with pytest.raises(ValueError, match="no symbolizer"):
        style_sld(plain_style("line"), "none", layer="t", title="t")


# --- the GeoPackage ------------------------------------------------------------------------


def test_write_styles_stores_the_sld(tmp_path: Path):
    gpkg = tmp_path / "t.gpkg"
    with connect(gpkg) as con:
        con.execute(
            "CREATE TABLE gpkg_contents (table_name TEXT, data_type TEXT, identifier TEXT, "
            "description TEXT, last_change TEXT, srs_id INTEGER)"
        )
        write_styles(
            con,
            [
                StoredStyle("a", "geom", "a", "<qgis/>", default=True, description="A"),
                StoredStyle("a", "geom", "b", "<qgis/>", False, "B", sld="<sld/>"),
            ],
        )
    with connect(gpkg) as con:
        rows = con.execute('SELECT "styleName", "styleSLD" FROM layer_styles').fetchall()
    assert rows == [("a", ""), ("b", "<sld/>")]


@pytest.fixture(scope="module")
def exported(default_output: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The default run's output, exported again by this checkout's export_package."""
    folder = tmp_path_factory.mktemp("sld") / "out"
    folder.mkdir()
    (folder / "safespaces.gpkg").write_bytes((default_output / "safespaces.gpkg").read_bytes())
    export_package(folder)
    return folder


def _stored(gpkg: Path) -> list[tuple[str, str, str, str]]:
    with connect(gpkg) as con:
        return con.execute(
            'SELECT f_table_name, "styleName", "styleQML", "styleSLD" FROM layer_styles ORDER BY id'
        ).fetchall()


def test_export_stores_a_valid_sld_for_every_style(exported: Path, schema: etree.XMLSchema):
    rows = _stored(exported / "safespaces.gpkg")
    assert len(rows) >= 15  # the default run: every table and its views
    names = {name for _, name, _, _ in rows}
    assert {"street_segments", "street_lighting", "areas", "lamps", "incident_hotspots"} <= names
    for table, name, qml, sld in rows:
        assert qml and sld, name
        assert _errors(schema, sld) == [], name
        root = ET.fromstring(sld)
        assert root.findtext("sld:NamedLayer/se:Name", namespaces=NS) == table
        assert root.findtext("sld:NamedLayer/sld:UserStyle/se:Name", namespaces=NS) == name
        # one rule per class of the QML's renderer (the catalogue's, or the plain fallback)
        symbols = ET.fromstring(qml.split("\n", 1)[1]).findall("renderer-v2/symbols/symbol")
        assert len(root.findall(".//se:Rule", NS)) == len(symbols) > 0, name
        entry = CATALOGUE.get(name)
        if name == table and isinstance(entry, Layer) and entry.style is not None:
            assert len(symbols) == len(entry.style.classes), name  # none fell back here
    # the PostGIS export reuses the plan: every StoredStyle it holds carries its SLD
    run = package._read_run_metadata(exported / "safespaces.gpkg")
    plan = package._Plan(exported, exported / "safespaces.gpkg", run)
    assert [(s.name, s.sld) for s in plan.styles] == [(n, sld) for _, n, _, sld in rows]


# --- real QGIS: the classes it draws --------------------------------------------------------

#: Catalogue entries QGIS checks on the default run: categorized lines (a table's own style
#: and a view), a graduated line view, categorized and graduated polygons, categorized points.
QGIS_CASES = (
    "street_segments",
    "street_lighting",
    "street_eyes_night",
    "incident_hotspots",
    "areas",
    "lamps",
)


@pytest.fixture(scope="module")
def qgis_sld_report(exported: Path) -> dict[str, Any]:
    require(_qgis_available(), "needs Debian python3-qgis (/usr/bin/python3 -c 'import qgis')")
    stored = {name: sld for _, name, _, sld in _stored(exported / "safespaces.gpkg")}
    cases: list[dict[str, Any]] = []
    for name in QGIS_CASES:
        entry = CATALOGUE[name]
        assert isinstance(entry, Layer) and entry.style is not None
        qml, sld = exported / f"{name}.qml", exported / f"{name}.sld"
        qml.write_text(vector_qml(entry.style, entry.geometry), encoding="utf-8")
        sld.write_text(stored[name], encoding="utf-8")  # the SLD the GeoPackage holds
        layer = {"gpkg": str(exported / "safespaces.gpkg"), "table": entry.table}
        cases.append(
            {"name": name, "column": entry.style.column, "qml": str(qml), "sld": str(sld)}
            | {"layer": layer}
        )
    for name in ("street_eyes_night", "street_lighting"):  # every boundary, in memory
        entry = CATALOGUE[name]
        assert isinstance(entry, Layer) and entry.style is not None
        style = entry.style
        if style.kind == "graduated":
            values, kind = _edges_and_between(style), "double"
        else:
            values = [*(c.value for c in style.classes if c.value is not None), "weird", "", None]
            kind = "string"
        memory: dict[str, Any] = {
            "memory": entry.geometry,
            "field": style.column,
            "type": kind,
            "values": values,
        }
        cases.append(
            {
                "name": f"{name}_boundaries",
                "column": style.column,
                "qml": str(exported / f"{name}.qml"),
                "sld": str(exported / f"{name}.sld"),
                "layer": memory,
            }
        )
    spec = exported / "sld_cases.json"
    spec.write_text(json.dumps(cases), encoding="utf-8")
    done = subprocess.run(
        [str(QGIS_PYTHON), str(PROBE), str(spec)],
        capture_output=True,
        text=True,
        timeout=180,
        env=_qgis_env(exported),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return report


@pytest.mark.qgis
@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [*QGIS_CASES, "street_eyes_night_boundaries", "street_lighting_boundaries"]
)
def test_qgis_draws_each_feature_in_its_catalogue_class(qgis_sld_report: dict, case: str):
    """QGIS reads the stored SLD as a rule-based renderer; for every feature exactly the rule
    of the class our classification gives it matches (none where the QML draws nothing), and
    QGIS's own renderer under the QML agrees."""
    name = case.removesuffix("_boundaries")
    entry = CATALOGUE[name]
    assert isinstance(entry, Layer) and entry.style is not None
    style = entry.style
    seen = qgis_sld_report[case]
    assert seen["valid"] and seen["qml_loaded"] and seen["sld_loaded"], seen.get("sld_message")
    assert seen["sld_renderer"] == "RuleRenderer"
    assert seen["count"] == len(seen["features"]) > 0
    rules = seen["rules"]
    assert [r["label"] for r in rules] == [c.label for c in style.classes]
    alpha = round(style.opacity * 255)
    assert [(r["colour"], r["alpha"]) for r in rules] == [(c.colour, alpha) for c in style.classes]
    values = [v for v, _, _, _ in seen["features"]]
    expected = _expected(style, values)
    by_label = {c.label: c.colour for c in style.classes}
    expected_colours = [[by_label[label] for label in labels] for labels in expected]
    assert [q for _, q, _, _ in seen["features"]] == expected_colours  # QGIS draws the QML
    assert [s for _, _, s, _ in seen["features"]] == expected  # the SLD rule that matches
    assert [s for _, _, _, s in seen["features"]] == expected_colours  # and what it draws
    drawn = {label for labels in expected for label in labels}
    if case.endswith("_boundaries"):
        assert drawn == {c.label for c in style.classes}  # every class reached
        assert [] in expected or style.kind == "categorized"  # and a value no range takes
    else:
        assert len(drawn) >= 2, drawn  # the real features span several classes


def _symbolizer(rule: ET.Element) -> dict[str, str]:
    params = {p.get("name", ""): p.text or "" for p in rule.iter(f"{{{NS['se']}}}SvgParameter")}
    size = rule.findtext(".//se:Size", namespaces=NS)
    return {**params, **({"size": size} if size else {})}


def _range_ops(rule: ET.Element) -> list[tuple[str, float]]:
    return [
        (e.tag.split("}")[1], float(e.findtext("ogc:Literal", namespaces=NS) or "nan"))
        for e in rule.iter()
        if "PropertyIs" in e.tag
    ]


@pytest.mark.qgis
@pytest.mark.slow
@pytest.mark.parametrize("case", QGIS_CASES)
def test_same_symbols_and_ranges_as_qgis_own_sld_export(
    qgis_sld_report: dict, exported: Path, case: str
):
    """QGIS's exportSldStyle of the same QML (the peer): every parameter QGIS writes for a
    rule (colours, widths and sizes in pixels, joins, caps) is ours, and its range filters
    are ours (the first range's lower bound inclusive, the others' exclusive)."""
    ours = ET.fromstring((exported / f"{case}.sld").read_text(encoding="utf-8"))
    theirs = ET.fromstring(qgis_sld_report[case]["qgis_sld"])
    our_rules = ours.findall(".//se:Rule", NS)
    their_rules = theirs.findall(".//se:Rule", NS)
    assert [r.findtext("se:Name", namespaces=NS) for r in their_rules] == [
        r.findtext("se:Name", namespaces=NS) for r in our_rules
    ]
    for mine, qgis in zip(our_rules, their_rules, strict=True):
        theirs_params, mine_params = _symbolizer(qgis), _symbolizer(mine)
        assert theirs_params, "QGIS wrote no symbolizer"
        assert {k: mine_params.get(k) for k in theirs_params} == theirs_params
        entry = CATALOGUE[case]
        assert isinstance(entry, Layer) and entry.style is not None
        if entry.style.kind == "graduated":
            assert _range_ops(mine) == _range_ops(qgis)
