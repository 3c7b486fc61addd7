"""One vocabulary per family: the catalogue, the QGIS styles, the README and the docs agree with it.

Each family exports its class names, thresholds and column-name builders
(``safespaces.lighting.vocabulary``, ``safespaces.eyes.vocabulary``,
``safespaces.incidents.hotspots``, ``safespaces.mix.params``); everything that
shows them derives from there. These tests fail when a copy drifts.
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest

from safespaces import catalogue
from safespaces.catalogue import CATALOGUE, GROUPS, Layer, Raster, describe_columns, legend
from safespaces.eyes import vocabulary as eyes_vocab
from safespaces.eyes.params import HOURS
from safespaces.incidents import hotspots
from safespaces.incidents.counts import TOTAL, count_groups, flag_name
from safespaces.incidents.params import IncidentParams
from safespaces.indices import EYES_PERIODS, PRESETS, IndexParams
from safespaces.lighting import vocabulary as light_vocab
from safespaces.lighting.illuminance import light_class
from safespaces.lighting.params import CONTEXTS
from safespaces.mix.params import PRESETS as MIX_PRESETS
from safespaces.mix.params import MixParams, mix_column, radius_suffix
from safespaces.qgis.qml import raster_qml, vector_qml
from safespaces.sections import HELSINKI_TENURE

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
#: The README with every run of white space as one space (prose wraps anywhere).
README_TEXT = re.sub(r"\s+", " ", README)
LIGHTING_MD = (ROOT / "docs" / "lighting.md").read_text(encoding="utf-8")
EYES_MD = (ROOT / "docs" / "eyes.md").read_text(encoding="utf-8")
INCIDENTS_MD = (ROOT / "docs" / "incidents.md").read_text(encoding="utf-8")
APP_MD = (ROOT / "docs" / "app.md").read_text(encoding="utf-8")


def _layer(name: str) -> Layer:
    entry = CATALOGUE[name]
    assert isinstance(entry, Layer)
    return entry


def _values(name: str) -> list[object]:
    """Category values of a catalogue layer's style, the catch-all class left out."""
    style = _layer(name).style
    assert style is not None
    return [c.value for c in style.classes if c.value is not None]


def _qml_categories(name: str) -> list[str]:
    layer = _layer(name)
    assert layer.style is not None
    root = ET.fromstring(vector_qml(layer.style, layer.geometry))
    return [c.get("value", "") for c in root.iter("category")]


def _table_column(markdown: str, header: str) -> list[str]:
    """First cells of the rows of the markdown table whose header row starts with ``header``."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(f"| {header} |"))
    rows = []
    for line in lines[start + 2 :]:
        if not line.startswith("|"):
            break
        rows.append(line.split("|")[1].strip())
    return rows


# --- lighting ------------------------------------------------------------------


def test_light_class_labels_come_from_the_vocabulary() -> None:
    """light_class() produces only vocabulary labels, in EN 13201-2 order."""
    avg = [avg for _, avg, _ in light_vocab.P_CLASSES] + [1.0, 0.0]
    minimum = [m for _, _, m in light_vocab.P_CLASSES] + [0.1, 0.0]
    got = light_class(avg, minimum).tolist()
    assert got == [*light_vocab.P_CLASS_NAMES, light_vocab.BELOW_P6, light_vocab.UNLIT]
    assert set(got) <= set(light_vocab.CLASS_ORDER)


def test_lighting_vocabulary_helpers() -> None:
    assert light_vocab.p_class("P4") == (5.0, 1.0)
    with pytest.raises(KeyError, match="P7"):
        light_vocab.p_class("P7")
    edges = light_vocab.lux_edges()
    assert edges == (0.4, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0)
    assert list(edges) == sorted(edges)
    shares = {"P1": 0.25, "P6": 0.5, light_vocab.BELOW_P6: 0.125, light_vocab.LIT_NOT_MAPPED: 0.125}
    assert light_vocab.share_p6_or_better(shares) == 0.75
    assert not light_vocab.is_p6_or_better(light_vocab.LIT_NOT_MAPPED)


def test_catalogue_light_classes_follow_the_vocabulary() -> None:
    assert _values("street_lighting") == list(light_vocab.CLASS_ORDER)
    assert _qml_categories("street_lighting")[:-1] == list(light_vocab.CLASS_ORDER)
    labels = dict(legend("street_lighting"))
    for name, avg, _ in light_vocab.P_CLASSES:
        assert f"{name} (avg >= {avg:g} lx)" in labels
    assert set(_values("street_lit_tag_conflicts")) == set(light_vocab.CONFLICT_CODES)
    assert set(_qml_categories("street_lit_tag_conflicts")[:-1]) == set(light_vocab.CONFLICT_CODES)
    assert _values("dark_paths") == list(light_vocab.EVIDENCE)
    assert _values("lamps") == list(CONTEXTS)


def test_illuminance_ramp_follows_the_p_classes() -> None:
    raster = CATALOGUE["illuminance"]
    assert isinstance(raster, Raster)
    uppers = [c.value[1] for c in raster.ramp if isinstance(c.value, tuple)]
    assert uppers == [*light_vocab.lux_edges(), math.inf]
    items = ET.fromstring(raster_qml(raster)).iter("item")
    assert [float(i.get("value", "nan")) for i in items] == uppers
    labels = [c.label for c in raster.ramp]
    for name, avg, _ in light_vocab.P_CLASSES:
        assert sum(f"{avg:g}" in label and f"({name} average)" in label for label in labels) == 1


def test_composite_score_reference_is_a_p_class() -> None:
    params = IndexParams()
    assert (params.lux_avg_ref, params.lux_min_ref) == light_vocab.p_class("P4")
    assert "EN 13201-2 P4 (5 lx average, 1 lx minimum)" in README_TEXT


# --- eyes -----------------------------------------------------------------------


def test_eyes_column_builders() -> None:
    assert eyes_vocab.eyes_column(7) == "eyes_h07"
    assert eyes_vocab.active_column(23) == "eyes_active_h23"
    assert eyes_vocab.window_column("night") == "eyes_night"
    assert [eyes_vocab.eyes_column(h) for h in range(HOURS)] == eyes_vocab.HOUR_COLUMNS
    assert eyes_vocab.WINDOW_COLUMNS == ("eyes_day", "eyes_evening", "eyes_night")
    for bad in (-1, 24, 7.5):
        with pytest.raises(ValueError, match="clock hour"):
            eyes_vocab.eyes_column(bad)  # type: ignore[arg-type]
    with pytest.raises(KeyError, match="dusk"):
        eyes_vocab.window_column("dusk")
    # the windows cover every hour exactly once
    hours = sorted(h for w in eyes_vocab.WINDOWS.values() for h in w)
    assert hours == list(range(HOURS))
    # the composite score's periods name real columns
    assert {eyes_vocab.period_column(p) for p in EYES_PERIODS} == {
        *eyes_vocab.WINDOW_COLUMNS,
        *eyes_vocab.HOUR_COLUMNS,
    }


def test_catalogue_eyes_columns_follow_the_vocabulary() -> None:
    names = [*eyes_vocab.HOUR_COLUMNS, *eyes_vocab.ACTIVE_COLUMNS, *eyes_vocab.WINDOW_COLUMNS]
    described = describe_columns("street_segments", names)
    assert [c.name for c in described] == names
    for window, column in zip(eyes_vocab.WINDOWS, eyes_vocab.WINDOW_COLUMNS, strict=True):
        layer = _layer(f"street_{column}")
        assert layer.style is not None and layer.style.column == column
        assert eyes_vocab.window_span(window) in layer.abstract
        span = describe_columns("street_segments", [column])[0].description
        assert span.endswith(eyes_vocab.window_span(window))


def test_readme_and_docs_spell_the_eyes_columns_as_the_vocabulary() -> None:
    first, last = eyes_vocab.HOUR_COLUMNS[0], eyes_vocab.HOUR_COLUMNS[-1]
    assert f"`{first}` … `{last}`" in README_TEXT
    assert f"`{first}` … `{last}`" in APP_MD
    a_first, a_last = eyes_vocab.ACTIVE_COLUMNS[0], eyes_vocab.ACTIVE_COLUMNS[-1]
    assert f"`{a_first}` … `{a_last}`" in EYES_MD
    for window, column in zip(eyes_vocab.WINDOWS, eyes_vocab.WINDOW_COLUMNS, strict=True):
        span = eyes_vocab.window_span(window).replace("-", "–")
        assert f"`{column}` ({span})" in README_TEXT
        hours = eyes_vocab.WINDOWS[window]
        row = next(line for line in EYES_MD.splitlines() if line.startswith(f"| `{column}` |"))
        start, end = span.split("–")
        assert row.split("|")[2].strip().startswith(f"{hours[0]:02d}, {hours[1]:02d}, ")
        assert f"{hours[-1]:02d} ({start}:00–{end}:00" in row
    assert _table_column(EYES_MD, "column | hours") == [f"`{c}`" for c in eyes_vocab.WINDOW_COLUMNS]


# --- hot spots ------------------------------------------------------------------


def test_hotspot_vocabulary() -> None:
    assert hotspots.CLASSES == ("hot 99%", "hot 95%", "not significant", "cold 95%", "cold 99%")
    assert (*hotspots.HOT_CLASSES, *hotspots.COLD_CLASSES) == hotspots.SIGNIFICANT_CLASSES
    for name in hotspots.SIGNIFICANT_CLASSES:
        parts = hotspots.class_parts(name)
        assert parts is not None and hotspots.hotspot_class(*parts) == name
    assert hotspots.class_parts(hotspots.NOT_SIGNIFICANT) is None
    with pytest.raises(ValueError, match="hot-spot class"):
        hotspots.class_parts("warm 90%")
    with pytest.raises(ValueError, match="no hot-spot class"):
        hotspots.hotspot_class("hot", 90)
    z = np.array([3.0, 2.0, 0.1, -2.0, -3.0, np.nan])
    q = np.array([0.001, 0.03, 0.9, 0.03, 0.001, np.nan])
    assert hotspots.classify(z, q).tolist() == [*hotspots.CLASSES, hotspots.NOT_SIGNIFICANT]


def test_catalogue_hotspot_classes_follow_the_vocabulary() -> None:
    assert _values("incident_hotspots") == list(hotspots.UNIT_CLASSES)
    assert _qml_categories("incident_hotspots") == [*hotspots.UNIT_CLASSES, ""]
    hot_labels = [label for label, _ in legend("incident_hotspots")]
    assert hot_labels[: len(hotspots.CLASSES)] == [
        hotspots.NOT_SIGNIFICANT if p is None else f"{p[0]} spot ({p[1]} %)"
        for p in map(hotspots.class_parts, hotspots.CLASSES)
    ]
    assert hot_labels[len(hotspots.CLASSES)].startswith(hotspots.NO_DATA)
    assert hotspots.class_parts(hotspots.NO_DATA) is None
    listed = ", ".join(f"`{c}`" for c in hotspots.UNIT_CLASSES)
    assert f"`hotspot_class` ({listed})" in INCIDENTS_MD


# --- mix, tenure, incidents, groups ----------------------------------------------


@pytest.mark.parametrize("table", ["street_segments", "areas"])
def test_catalogue_describes_every_incident_count_column(table: str) -> None:
    """Every count column the incidents family names (and its suppression flag) has an entry."""
    columns = [TOTAL, flag_name(TOTAL)]
    for group in count_groups(["assault", "theft / robbery"]).values():
        columns += [c for column in group for c in (column, flag_name(column))]
    assert [c.name for c in describe_columns(table, columns)] == columns


def test_mix_columns_follow_the_vocabulary() -> None:
    radii = MixParams().radii_m
    assert mix_column("entropy") == "mix_entropy"
    assert mix_column("entropy", 800.0) == "mix_entropy_800m" == "mix_entropy" + radius_suffix(800)
    layer = _layer("mix_neighbourhoods")
    assert layer.style is not None and layer.style.column == mix_column("entropy", max(radii))
    for r in radii:
        assert mix_column("entropy", r) in layer.abstract
    area = _layer("areas_mix_entropy")
    assert area.style is not None and area.style.column == mix_column("entropy")
    columns = [mix_column("lq_owner", r) for r in radii] + ["tenure_owner", "mix_suppressed"]
    assert [c.name for c in describe_columns("areas", columns)] == columns


def test_readme_states_the_defaults_of_the_vocabulary() -> None:
    assert f"(k = {IncidentParams().k_min})" in README_TEXT
    assert f"fewer than {MixParams().min_dwellings} dwellings" in README_TEXT
    for name, target in MIX_PRESETS.items():
        shares = "/".join(f"{100 * v:g}" for v in target.values())
        assert f"`{name}` {shares}" in README_TEXT
    presets = ", ".join(f"`{p}`" for p in PRESETS)
    assert f"presets ({presets})" in README_TEXT
    taxonomy = ", ".join(f"`{code}`" for code in HELSINKI_TENURE)
    assert f"taxonomy ({taxonomy})" in README_TEXT
    groups = ", ".join(GROUPS[:-1]) + f" and {GROUPS[-1]}"
    assert f"the groups {groups}" in README_TEXT


# --- README and docs tables -------------------------------------------------------


def test_readme_and_docs_light_class_tables_list_every_class() -> None:
    """The measured tables list exactly the vocabulary's classes, best first."""
    classes = list(light_vocab.CLASS_ORDER)
    assert _table_column(README, "light class") == classes
    assert _table_column(LIGHTING_MD, "light class") == classes
    env = [
        line.split("|")[2].strip()
        for line in README.splitlines()
        if line.startswith("| light_class |")
    ]
    assert env == classes
    first, last = light_vocab.P_CLASSES[0], light_vocab.P_CLASSES[-1]
    assert f"(P1 {first[1]:g}/{first[2]:g} … P6 {last[1]:g}/{last[2]:g} lx" in README_TEXT
    assert f"`{light_vocab.BELOW_P6}`, `{light_vocab.UNLIT}`" in README_TEXT
    assert f"`{light_vocab.LIT_NOT_MAPPED}`" in README_TEXT


def test_docs_p_class_table_is_generated() -> None:
    """docs/lighting.md holds the table that the lighting vocabulary generates."""
    block = re.search(
        r"<!-- p-classes:start [^\n]*-->\n(.*)<!-- p-classes:end -->", LIGHTING_MD, re.DOTALL
    )
    assert block, "docs/lighting.md lost its P-class table markers"
    assert block.group(1) == light_vocab.p_class_markdown() + "\n", (
        "docs/lighting.md is out of step: paste safespaces.lighting.vocabulary.p_class_markdown() "
        "between the markers"
    )


def test_docs_conflict_tables_list_every_code() -> None:
    codes = [f"`{c}`" for c in light_vocab.CONFLICT_CODES]
    assert sorted(_table_column(LIGHTING_MD, "code")) == sorted(codes)
    assert _table_column(LIGHTING_MD, "lit tag conflict") == list(light_vocab.CONFLICT_CODES)


# --- app-facing names ---------------------------------------------------------------


def test_app_facing_names_exist() -> None:
    """What the app imports instead of retyping: legends, hour columns, hot-spot classes, k."""
    from safespaces import eyes

    assert eyes.eyes_column(0) == eyes.HOUR_COLUMNS[0]
    assert eyes.WINDOW_COLUMNS == eyes_vocab.WINDOW_COLUMNS
    assert set(hotspots.SIGNIFICANT_CLASSES) < set(hotspots.CLASSES)
    assert set(light_vocab.DARK_CLASSES) == {light_vocab.BELOW_P6, light_vocab.UNLIT}
    assert isinstance(IncidentParams().k_min, int)
    for name in ("street_lighting", "incident_hotspots", "street_eyes_night", "illuminance"):
        assert legend(name)
    assert catalogue.HOTSPOT_CLASSES[-1].value is None
