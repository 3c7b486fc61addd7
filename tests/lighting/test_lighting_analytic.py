"""Analytic checks of the point-source law, segment averages and superposition."""

from __future__ import annotations

import math

import numpy as np
import pytest
from lighting_fixtures import X0, Y0, make_lamps, make_segments, point_source

from safespaces.lighting import (
    illuminance_at,
    lamp_model,
    sample_lines,
    segment_lighting,
)
from safespaces.lighting.illuminance import illuminance_pairs
from safespaces.sources.lamps import read_lamp_register

I_CD, H = 1000.0, 5.0


def exact_mean(i: float, h: float, a: float, b: float) -> float:
    """Mean of I h / (h^2 + x^2)^(3/2) over x in [a, b]."""

    def prim(x: float) -> float:
        return i / h * x / math.sqrt(h * h + x * x)

    return (prim(b) - prim(a)) / (b - a)


def test_foot_of_lamp_is_i_over_h2():
    e = illuminance_at([[0.0, 0.0]], [[0.0, 0.0, H, I_CD]], cutoff=50.0)
    assert e[0] == pytest.approx(I_CD / H**2, rel=1e-12)


@pytest.mark.parametrize("d", [0.5, 3.0, 5.0, 12.0, 30.0, 49.9])
def test_ground_distance_law(d):
    angle = 0.7
    pt = [[d * math.cos(angle), d * math.sin(angle)]]
    e = illuminance_at(pt, [[0.0, 0.0, H, I_CD]], cutoff=50.0)
    assert e[0] == pytest.approx(I_CD * H / (H**2 + d**2) ** 1.5, rel=1e-12)
    # the same by cos^3(gamma) / h^2
    gamma = math.atan2(d, H)
    assert e[0] == pytest.approx(I_CD * math.cos(gamma) ** 3 / H**2, rel=1e-12)


def test_cutoff_excludes_far_lamps():
    e = illuminance_at([[0.0, 0.0], [50.0, 0.0], [50.1, 0.0]], [[0.0, 0.0, H, I_CD]], cutoff=50.0)
    assert e[1] > 0
    assert e[2] == 0.0


def test_two_lamps_superpose():
    pts = np.array([[x, 3.0] for x in np.linspace(-20, 40, 31)])
    a = [0.0, 0.0, 6.0, 800.0]
    b = [20.0, 0.0, 4.0, 300.0]
    both = illuminance_at(pts, [a, b], cutoff=50.0)
    sep = illuminance_at(pts, [a], cutoff=50.0) + illuminance_at(pts, [b], cutoff=50.0)
    np.testing.assert_allclose(both, sep, rtol=1e-12)


def test_chunking_gives_same_result():
    rng = np.random.default_rng(1)
    pts = rng.uniform(0, 200, (1000, 2))
    lamps = np.column_stack(
        [rng.uniform(0, 200, (40, 2)), rng.uniform(4, 10, 40), rng.uniform(200, 2000, 40)]
    )
    np.testing.assert_allclose(
        illuminance_at(pts, lamps, 50.0, chunk_points=97), illuminance_at(pts, lamps, 50.0)
    )


def test_sampling_spacing_and_weights():
    segs = make_segments([[(0, 0), (30, 0), (30, 41)], [(0, 0), (1, 0)]])
    s = sample_lines(segs.geometry.to_numpy(), 2.0)
    for k, length in enumerate([71.0, 1.0]):
        xy = s.xy[s.line == k]
        steps = np.hypot(*np.diff(xy, axis=0).T)
        assert steps.max() <= 2.0 + 1e-9
        assert s.weight[s.line == k].sum() == pytest.approx(length)
    first = s.xy[s.starts[0]]
    assert tuple(first) == (X0, Y0)


def test_100m_segment_under_one_register_lamp(tmp_path):
    csv = tmp_path / "register.csv"
    csv.write_text(f"x,y,height_m,intensity_cd\n{X0 + 50},{Y0},{H},{I_CD}\n", encoding="utf-8")
    lamps = read_lamp_register(csv, crs="EPSG:3067")
    segs = make_segments([[(0, 0), (100, 0)]])
    params = point_source()  # isotropic, MF = 1, centre line: the closed form holds
    modelled = lamp_model(lamps, segs, None, params)
    assert modelled["light_source_of_values"].tolist() == ["register"]
    out = segment_lighting(segs, modelled, params)
    exact = exact_mean(I_CD, H, -50.0, 50.0)
    assert exact == pytest.approx(3.980, abs=5e-4)
    assert out["light_lux_avg"].iloc[0] == pytest.approx(exact, rel=0.01)
    assert out["light_lux_min"].iloc[0] == pytest.approx(
        I_CD * H / (H**2 + 50.0**2) ** 1.5, rel=1e-9
    )
    assert out["light_uniformity"].iloc[0] == pytest.approx(
        out["light_lux_min"].iloc[0] / out["light_lux_avg"].iloc[0]
    )
    assert out["light_lamps_per_100m"].iloc[0] == pytest.approx(1.0)


def test_offset_lamp_matches_closed_form():
    """A lamp 2 m beside a 37 m segment: mean of I_CD h / (a^2 + x^2)^(3/2), a^2 = h^2 + 2^2."""
    segs = make_segments([[(0, 0), (37, 0)]])
    lamps = make_lamps([{"x": 5.0, "y": 2.0, "height_m": H, "intensity_cd": I_CD}])
    a2 = H**2 + 2.0**2

    def prim(x: float) -> float:
        return I_CD * H / a2 * x / math.sqrt(a2 + x * x)

    exact = (prim(32.0) - prim(-5.0)) / 37.0
    for spacing in (2.0, 0.5):
        p = point_source(sample_spacing_m=spacing)
        m = lamp_model(lamps, segs, None, p)
        avg = segment_lighting(segs, m, p)["light_lux_avg"].iloc[0]
        assert avg == pytest.approx(exact, rel=0.01 if spacing == 2.0 else 0.001)


def test_illuminance_pairs_are_the_terms_of_the_sum() -> None:
    """``illuminance_pairs`` gives each lamp's term at each point within the cut-off: the
    analytic value I h / (h^2 + d^2)^1.5 of an isotropic lamp, summed per point equal to
    ``illuminance_at``; lamps that cannot light (height 0) have no pair."""
    lamps = np.array([[0.0, 0.0, 6.0, 1000.0], [10.0, 0.0, 8.0, 500.0], [5.0, 5.0, 0.0, 900.0]])
    pts = np.array([[0.0, 0.0], [8.0, 0.0], [70.0, 0.0], [5.0, 1.0]])
    point, lamp, lux = illuminance_pairs(pts, lamps, cutoff=50.0, chunk_points=2)
    assert set(lamp.tolist()) == {0, 1}  # lamp 2 has no height
    d = np.hypot(*(pts[point] - lamps[lamp, :2]).T)
    h, i = lamps[lamp, 2], lamps[lamp, 3]
    assert np.allclose(lux, i * h / (h * h + d * d) ** 1.5, rtol=1e-12)
    summed = np.bincount(point, weights=lux, minlength=len(pts))
    assert np.allclose(summed, illuminance_at(pts, lamps, cutoff=50.0), rtol=1e-12)
    assert summed[2] == 0  # 60 m and 70 m away: beyond the cut-off
