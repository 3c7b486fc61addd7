"""Every component of the toy town checked against a hand calculation.

Toy town (tests/data/toytown.osm, EPSG:3067 metres from its origin): four 100 m
streets round a block, each split into two 50 m segments (A1, A2, B1, ...; see
conftest.py). Defaults of EyesParams unless stated: rays of 25 m, samples every
2 m (25 per 50 m segment, at 1, 3, ..., 49 m), Friday 13 March 2026, hours
before 07 on Saturday 14 March.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from eyes_fixtures import load_toytown, positions

from safespaces.eyes import EyesParams, analyse_eyes
from safespaces.eyes.analysis import HOUR_COLUMNS
from safespaces.study import Study

P = EyesParams()
REL = 1e-3  # coordinates in the .osm file are rounded to ~1 cm
# flow at 800 m of every toy segment (test_flow_by_hand):
# 50 x (2 e^-0.25 + 2 e^-0.5 + 2 e^-0.75 + e^-1) = 50 x 4.08328 = 204.164 m
FLOW_800 = 204.164


@pytest.fixture(scope="module")
def toy_study() -> Study:
    return load_toytown()


@pytest.fixture(scope="module")
def toy(toy_study):
    osm = toy_study.osm
    result = analyse_eyes(osm.segments, osm.buildings, osm.pois, osm.entrances, P)
    return result, positions(result.segments)


def col(toy, name: str) -> dict[str, float]:
    result, pos = toy
    values = result.segments[name].to_numpy()
    return {k: float(values[i]) for k, i in pos.items()}


def test_the_toy_town_has_eight_50m_segments(toy):
    result, pos = toy
    assert len(result.segments) == 8
    assert sorted(pos.values()) == list(range(8))
    assert result.segments["length_m"].to_numpy() == pytest.approx(50.0, rel=REL)


def test_frontage_share_by_hand(toy):
    share = col(toy, "eyes_frontage_share")
    # A1: samples x = 1..49; the retail block S (x 10..90, 5 m south) is hit from
    # x = 11..49: 20 of 25 samples -> 0.8. A2: x = 51..89: 20 of 25 -> 0.8.
    assert share["A1"] == pytest.approx(20 / 25)
    assert share["A2"] == pytest.approx(20 / 25)
    # B1: the homes H (x 30..70, 8 m south) from x = 31..49: 10 of 25 -> 0.4.
    assert share["B1"] == pytest.approx(10 / 25)
    # B2: H from x = 51..69 (10) and the bar's building K (x 60..96, 4 m north) from
    # x = 61..95 (18); either side: x = 51..95 = 23 of 25 -> 0.92.
    assert share["B2"] == pytest.approx(23 / 25)
    # C and D: rays at y = 1..99 reach x = -25..25 and 75..125: no building.
    for k in ("C1", "C2", "D1", "D2"):
        assert share[k] == 0.0


def test_doors_by_hand(toy):
    doors = col(toy, "eyes_doors")
    per100 = col(toy, "eyes_doors_per_100m")
    # A1: entrance (40,-5) + shoe shop (30,-6); A2: clothes shop (70,-6);
    # B1: entrance (40,92); B2: entrance (60,92) + bar (75,106); C1: cafe (-6,30).
    expected = {"A1": 2, "A2": 1, "B1": 1, "B2": 2, "C1": 1, "C2": 0, "D1": 0, "D2": 0}
    assert doors == expected
    for k, n in expected.items():
        assert per100[k] == pytest.approx(n / 50 * 100, rel=REL)  # per 100 m of a 50 m segment


def test_residents_by_hand(toy):
    res = col(toy, "eyes_residents")
    per100 = col(toy, "eyes_residents_per_100m")
    # H: 40 m x 15 m x 6 levels x share 1.0 (apartments) / 45 m2 = 80 residents, seen by
    # 10 rays from B1 and 10 from B2 -> 40 each.
    # K: 36 m x 10 m x 3 levels x share 0.5 (building=yes) / 45 m2 = 12, seen only from B2.
    # S is retail: share 0 -> no residents.
    assert res["B1"] == pytest.approx(40.0, rel=REL)
    assert res["B2"] == pytest.approx(40.0 + 12.0, rel=REL)
    assert per100["B2"] == pytest.approx(52.0 / 50 * 100, rel=REL)
    for k in ("A1", "A2", "C1", "C2", "D1", "D2"):
        assert res[k] == 0.0


def test_active_uses_by_hour_by_hand(toy):
    result, pos = toy
    active = result.segments[[f"eyes_active_h{h:02d}" for h in range(24)]].to_numpy()
    per100 = 100 / 50
    # shoe shop "Mo-Sa 10:00-20:00", weight 1 (key shop): open 10..19 on Friday
    expected_a1 = np.array([1.0 * per100 if 10 <= h < 20 else 0.0 for h in range(24)])
    # clothes shop, no tag -> default shop hours "Mo-Fr 10:00-20:00; ...": 10..19
    expected_a2 = expected_a1
    # bar "Mo-Su 16:00-02:00", weight 1.5: Friday 16..23 and Saturday 00:30, 01:30
    expected_b2 = np.array([1.5 * per100 if h >= 16 or h < 2 else 0.0 for h in range(24)])
    # cafe with an unparseable tag -> default cafe "Mo-Fr 08:00-18:00; ...": 8..17
    expected_c1 = np.array([1.0 * per100 if 8 <= h < 18 else 0.0 for h in range(24)])
    np.testing.assert_allclose(active[pos["A1"]], expected_a1, rtol=REL)
    np.testing.assert_allclose(active[pos["A2"]], expected_a2, rtol=REL)
    np.testing.assert_allclose(active[pos["B2"]], expected_b2, rtol=REL)
    np.testing.assert_allclose(active[pos["C1"]], expected_c1, rtol=REL)
    for k in ("B1", "C2", "D1", "D2"):
        assert active[pos[k]].sum() == 0.0
    assert result.pois_unparsed == 1  # the cafe
    assert result.pois_default == 1  # the clothes shop


def test_flow_by_hand(toy):
    # The network is a ring of 8 nodes 50 m apart; every node carries w = 25 + 25 = 50 m of
    # street. From any node the others lie at 50, 50, 100, 100, 150, 150 and 200 m.
    def ring(beta: float) -> float:
        return 50 * sum(math.exp(-beta * d) for d in (50, 50, 100, 100, 150, 150, 200))

    for radius in (400, 800):
        flow = col(toy, f"eyes_flow_{radius}m")
        for value in flow.values():
            assert value == pytest.approx(ring(4 / radius), rel=REL)
    assert ring(4 / 800) == pytest.approx(FLOW_800, abs=1e-3)


def test_index_by_hand(toy):
    h = col(toy, "eyes_h12")
    # A1 at 12:00 (daylight, no lighting given -> light factor 1), weights 1,1,1,1.5,1:
    #   frontage 0.8/0.8 = 1; doors in use (entrance + open shoe shop) 4/15;
    #   residents 0; active 2/10; flow 204.164/8000 x 0.95 (pedestrian profile at 12)
    flow = FLOW_800 / 8000 * 0.95
    a1 = 100 * (1 + 4 / 15 + 0 + 1.5 * 2 / 10 + flow) / 5.5
    assert h["A1"] == pytest.approx(a1, rel=REL)
    # B2 at 23:00: frontage 0.92/0.8 -> 1; doors (entrance + open bar) 4/15;
    #   residents 104 x 0.90 / 200; active 3/10; flow x 0.25
    h23 = col(toy, "eyes_h23")
    flow23 = FLOW_800 / 8000 * 0.25
    b2 = 100 * (1 + 4 / 15 + 104 * 0.9 / 200 + 1.5 * 3 / 10 + flow23) / 5.5
    assert h23["B2"] == pytest.approx(b2, rel=REL)
    # C2 at 23:00 has only passers-by: 100 x flow23 / 5.5
    assert h23["C2"] == pytest.approx(100 * flow23 / 5.5, rel=REL)


def test_windows_are_means_of_hours(toy):
    result, _ = toy
    seg = result.segments
    hours = seg[HOUR_COLUMNS].to_numpy()
    np.testing.assert_allclose(seg["eyes_day"], hours[:, 7:18].mean(axis=1))
    np.testing.assert_allclose(seg["eyes_evening"], hours[:, 18:22].mean(axis=1))
    night = [22, 23, 0, 1, 2, 3, 4, 5, 6]
    np.testing.assert_allclose(seg["eyes_night"], hours[:, night].mean(axis=1))
    assert ((hours >= 0) & (hours <= 100)).all()


def test_explain_names_the_weakest(toy):
    text = col_text(toy)
    assert text["C2"].startswith("no street wall; no doors; no home windows")
    assert "no home windows" in text["A1"]
    assert "no open premises after 02:00" in text["B2"] or "few doors" in text["B2"]


def col_text(toy) -> dict[str, str]:
    result, pos = toy
    values = result.segments["eyes_explain"].to_numpy()
    return {k: str(values[i]) for k, i in pos.items()}


def test_light_factor_in_darkness_by_hand(toy_study):
    osm = toy_study.osm
    seg = osm.segments
    pos = positions(seg)
    lux = np.full(len(seg), 10.0)
    lux[pos["B2"]] = 1.0  # half the 2 lx reference
    cls = np.full(len(seg), "P2", dtype=object)
    cls[pos["B2"]] = "below P6"
    lighting = seg[[]].assign(light_lux_avg=lux, light_class=cls)
    lit = analyse_eyes(seg, osm.buildings, osm.pois, osm.entrances, P).segments
    dim = analyse_eyes(seg, osm.buildings, osm.pois, osm.entrances, P, lighting=lighting).segments
    i = pos["B2"]
    # L = 0.2 + 0.8 x min(1/2, 1) = 0.6, on frontage, doors, residents and flow at 23:00
    assert dim["eyes_light"].iloc[i] == pytest.approx(0.6)
    flow23 = FLOW_800 / 8000 * 0.25
    expected = 100 * (0.6 * (1 + 4 / 15 + 104 * 0.9 / 200 + flow23) + 1.5 * 3 / 10) / 5.5
    assert dim["eyes_h23"].iloc[i] == pytest.approx(expected, rel=REL)
    # daylight hours are not touched; other (well lit) segments are not touched
    assert dim["eyes_h12"].iloc[i] == pytest.approx(lit["eyes_h12"].iloc[i])
    others = np.arange(len(seg)) != i
    np.testing.assert_allclose(dim["eyes_h23"][others], lit["eyes_h23"][others])
    assert "poorly lit" in dim["eyes_explain"].iloc[i]
