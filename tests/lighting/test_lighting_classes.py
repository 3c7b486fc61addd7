"""EN 13201-2 P classes, lit-tag conflicts and per-segment columns."""

from __future__ import annotations

import numpy as np
import pytest
from lighting_fixtures import make_lamps, make_segments

from safespaces.lighting import (
    LightingParams,
    lamp_model,
    light_class,
    segment_lighting,
    tag_conflicts,
)
from safespaces.lighting.illuminance import LIT_NOT_MAPPED, P_CLASSES

TABLE = [
    ("P1", 15.0, 3.0),
    ("P2", 10.0, 2.0),
    ("P3", 7.5, 1.5),
    ("P4", 5.0, 1.0),
    ("P5", 3.0, 0.6),
    ("P6", 2.0, 0.4),
]


def test_table_matches_en13201_2():
    assert list(P_CLASSES) == TABLE


@pytest.mark.parametrize(("i", "row"), list(enumerate(TABLE)))
def test_boundaries_are_exact(i, row):
    label, avg, mn = row
    below = TABLE[i + 1][0] if i + 1 < len(TABLE) else "below P6"
    assert light_class([avg], [mn])[0] == label
    # just below either threshold falls to the next class
    assert light_class([np.nextafter(avg, 0)], [mn])[0] == below
    assert light_class([avg], [np.nextafter(mn, 0)])[0] == below


def test_min_and_avg_both_needed():
    got = light_class([100.0, 2.5, 20.0, 0.0, 1.0, np.nan], [0.5, 2.4, 0.39, 0.0, 1.0, 1.0])
    assert got.tolist() == ["P6", "P6", "below P6", "unlit", "below P6", None]


def test_tag_conflicts_three_cases():
    import pandas as pd

    lit = pd.Series(["no", "no", "yes", "24/7", "yes", None, "", "No"], index=list("abcdefgh"))
    avg = [2.5, 0.3, 0.0, 5.0, 1.0, 4.0, 0.0, 1.0]
    got = tag_conflicts(lit, avg, LightingParams())
    assert got.index.tolist() == list("abcdefgh")
    assert got.tolist() == [
        "lit_no_but_lamps",
        "none",
        "lit_yes_no_lamps",
        "none",
        "none",
        "lit_unknown",
        "lit_unknown",
        "none",
    ]
    strict = tag_conflicts(lit, avg, LightingParams(conflict_min_lux_avg=0.0))
    assert strict["b"] == "lit_no_but_lamps"


def test_segment_columns_and_lit_yes_without_lamps():
    segs = make_segments(
        [[(0, 0), (40, 0)], [(500, 0), (540, 0)], [(1000, 0), (1040, 0)], [(0, 10), (40, 10)]],
        lit=["yes", "yes", None, "no"],
    )
    segs.index = [10, 11, 12, 13]
    lamps = make_lamps([{"x": 20, "y": 5, "height_m": 6.0, "intensity_cd": 1500.0}])
    p = LightingParams()
    out = segment_lighting(segs, lamp_model(lamps, segs, None, p), p)
    assert out.index.tolist() == [10, 11, 12, 13]
    assert list(out.columns) == [
        "light_lux_avg",
        "light_lux_min",
        "light_uniformity",
        "light_lamps_per_100m",
        "light_class",
        "light_tag_conflict",
        "light_lamp_coverage",
    ]
    # lit=yes, no lamp in range: said so, no guessed lux
    assert out.loc[11, "light_class"] == LIT_NOT_MAPPED
    assert np.isnan(out["light_lux_avg"].to_numpy()[1])
    assert out.loc[11, "light_tag_conflict"] == "lit_yes_no_lamps"
    # untagged and out of reach: unlit, flagged unknown
    assert out.loc[12, "light_class"] == "unlit"
    assert out.loc[12, "light_lux_avg"] == 0.0
    assert out.loc[12, "light_tag_conflict"] == "lit_unknown"
    # tagged lit=no but lit by the lamp
    assert out["light_lux_avg"].to_numpy()[3] > 2.0
    assert out.loc[13, "light_tag_conflict"] == "lit_no_but_lamps"
    assert out.loc[10, "light_lamps_per_100m"] == pytest.approx(100 / 40)
    assert out.loc[10, "light_class"] in {"P1", "P2", "P3", "P4", "P5", "P6", "below P6"}
