"""Photometry files, generic distributions, the maintenance factor and the EN 13201-3 grid.

Reference values: the numbers printed in the real files (tests/data/photometry, see
SOURCE.md there), hand calculation of E = I cos^3(gamma) / h^2, and EN 13201-2 / -3.
"""

from __future__ import annotations

import dataclasses
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from lighting_fixtures import X0, Y0, make_lamps, make_segments, point_source

from safespaces.errors import InputError
from safespaces.lighting import LightingParams, lamp_model, segment_lighting
from safespaces.lighting.grid import grid_points, grid_rows, segment_widths
from safespaces.lighting.illuminance import illuminance_at, sample_segments
from safespaces.lighting.lamps import lamp_optics
from safespaces.lighting.photometry import (
    GENERIC_LED_CD_PER_KLM,
    generic,
    integrate_flux,
    read_ies,
    read_ldt,
    read_photometry,
)
from safespaces.sources.lamps import read_lamp_register
from safespaces.sources.osm.network import way_width

DATA = Path(__file__).resolve().parents[1] / "data" / "photometry"
ITALO = DATA / "aec_italo1_5p5_s05_3.140-3m.ies"
ROAD_LDT = DATA / "road_luminaire.ldt"


def _cd(p, c, g):
    """Absolute candela of a file's own luminaire."""
    return float(p.intensity(c, g)) * p.flux_lm / 1000.0


def test_real_ies_file_matches_its_header_and_values():
    p = read_ies(ITALO)
    # header line "1 -1 1.0 181 73 1 2 ...": 181 vertical (gamma) and 73 horizontal (C) angles
    assert p.gammas == 181
    assert p.c_planes == 73
    assert p.gamma_angles[0] == 0.0 and p.gamma_angles[-1] == 180.0
    assert p.c_angles[0] == 0.0 and p.c_angles[-1] == 360.0
    # spot values printed in the file (absolute photometry, multiplier 1)
    assert _cd(p, 0, 0) == pytest.approx(2171.96, abs=1e-6)
    assert _cd(p, 0, 45) == pytest.approx(3619.71, abs=1e-6)
    assert _cd(p, 45, 60) == pytest.approx(5613.79, abs=1e-6)
    assert _cd(p, 0, 90) == pytest.approx(0.0, abs=1e-9)  # full cut-off
    # flux by integration over the sphere; 76.7 W input (third number of line 2):
    # ~138 lm/W, a plausible LED road luminaire of 2022
    assert 10_000 < p.flux_lm < 11_000
    assert 120 < p.flux_lm / 76.7 < 160
    # its light is thrown to C = 0; symmetric about the C0-C180 plane
    assert p.street_side_deg() == pytest.approx(0.0, abs=1.0)
    assert _cd(p, 30, 65) == pytest.approx(_cd(p, 330, 65), rel=1e-9)


def test_ldt_file_header_symmetry_and_light_output_ratio():
    p = read_ldt(ROAD_LDT)
    assert p.c_planes == 52  # line 4: Mc
    assert p.gammas == 25  # line 6: Ng
    # Isym 3: stored planes run C270 ... C0 ... C90 (first block C270, last C90)
    assert _cd(p, 270, 10) == pytest.approx(244.0)
    assert _cd(p, 90, 10) == pytest.approx(128.0)
    # the mirror about C90-C270: I(240) = I(300), the third stored block
    assert _cd(p, 240, 20) == pytest.approx(283.0)
    assert _cd(p, 0, 0) == pytest.approx(184.0)
    # relative photometry (cd/klm of lamp flux): the integral is the light output ratio,
    # line 23: 84.42 %
    assert p.flux_lm / 1000 == pytest.approx(0.8442, rel=0.01)


def test_generic_led_is_the_rotational_average_of_the_real_file():
    p = read_ies(ITALO)
    c = np.arange(0.0, 360.0, 1.0)
    avg = np.array([p.intensity(c, np.full_like(c, g)).mean() for g in range(0, 91, 5)])
    table = generic("generic_led")
    avg *= 1000.0 / integrate_flux(table.c_angles, table.gamma_angles, np.vstack([avg, avg]))
    np.testing.assert_allclose(avg, GENERIC_LED_CD_PER_KLM, atol=0.01)
    for name in ("isotropic", "lambertian", "generic_led"):
        t = generic(name)
        assert integrate_flux(t.c_angles, t.gamma_angles, t.cd_per_klm) == pytest.approx(
            1000.0, rel=2e-3
        )
        assert t.rotational


def test_isotropic_lamp_model_is_the_old_point_source():
    segs = make_segments([[(0, 0), (40, 0)]], highway=["residential"])
    lamps = make_lamps([{"x": 10, "y": 3, "lumen": 6000.0, "height_m": 8.0}])
    m = lamp_model(lamps, segs, None, point_source())
    assert m["light_intensity_cd"].iloc[0] == pytest.approx(6000 / (2 * math.pi))
    pts = np.array([[X0 + 10, Y0 + 3], [X0 + 30, Y0]])
    new = illuminance_at(pts, lamp_optics(m), 50.0)
    old = illuminance_at(pts, [[X0 + 10, Y0 + 3, 8.0, 6000 / (2 * math.pi)]], 50.0)
    np.testing.assert_allclose(new, old, rtol=1e-12)
    assert new[0] == pytest.approx(6000 / (2 * math.pi) / 64.0)


def test_grid_point_under_the_real_luminaire_by_hand(tmp_path):
    # the lamp 8 m from a road's centre line, 8 m high; the grid point straight across
    # at the centre line lies at gamma = 45 degrees in the lamp's street-side plane C = 0
    csv = tmp_path / "register.csv"
    csv.write_text(f"x,y,height_m,luminaire\n{X0},{Y0 + 8},8,{ITALO}\n", encoding="utf-8")
    lamps = read_lamp_register(csv, crs="EPSG:3067")
    segs = make_segments([[(-20, 0), (20, 0)]], highway=["footway"])
    params = LightingParams()
    m = lamp_model(lamps, segs, None, params)
    assert m["light_distribution"].iloc[0] == str(ITALO.resolve())
    assert m["light_flux_lm"].iloc[0] == pytest.approx(read_ies(ITALO).flux_lm)
    assert m["light_intensity_from"].iloc[0] == "photometry file"
    assert m["light_azimuth_deg"].iloc[0] == pytest.approx(270.0, abs=0.5)  # C0 points south
    samples = sample_segments(segs, params)
    xy, _ = grid_points(samples, segment_widths(segs, params), params)
    e = illuminance_at(xy, lamp_optics(m), params.cutoff_m, maintenance_factor=0.8)
    at = np.flatnonzero(np.hypot(xy[:, 0] - X0, xy[:, 1] - Y0) < 1e-6)
    assert len(at) == 1
    # E = MF I(C0, 45) cos^3(45) / h^2 = 0.8 x 3619.71 x 0.353553 / 64
    hand = 0.8 * 3619.71 * math.cos(math.radians(45)) ** 3 / 64.0
    assert hand == pytest.approx(15.997, abs=1e-3)
    assert e[at[0]] == pytest.approx(hand, rel=1e-9)


def test_maintenance_factor_scales_by_exactly_0_8():
    segs = make_segments([[(0, 0), (60, 0)]], highway=["residential"])
    lamps = make_lamps([{"x": 15, "y": 4}, {"x": 45, "y": 4}])
    assert LightingParams().maintenance_factor == 0.8
    new = LightingParams()
    initial = LightingParams(maintenance_factor=1.0)
    out_new = segment_lighting(segs, lamp_model(lamps, segs, None, new), new)
    out_initial = segment_lighting(segs, lamp_model(lamps, segs, None, initial), initial)
    for col in ("light_lux_avg", "light_lux_min"):
        assert out_new[col].iloc[0] == pytest.approx(0.8 * out_initial[col].iloc[0], rel=1e-12)
    assert out_new["light_lux_avg"].iloc[0] > 0


def test_grid_minimum_across_a_wide_road_lit_from_one_side():
    # a 16 m wide road (OSM width) with lamps every 40 m on its north kerb: the centre line
    # meets P5's minimum (0.6 lx), the far kerb does not; EN 13201-3 counts the far kerb
    segs = make_segments([[(0, 0), (120, 0)]], highway=["primary"], lit=["yes"])
    segs["width_m"] = 16.0
    lamps = make_lamps([{"x": float(x), "y": 8.0} for x in range(-40, 201, 40)])
    params = LightingParams()
    m = lamp_model(lamps, segs, None, params)
    grid = segment_lighting(segs, m, params).iloc[0]
    centre_params = dataclasses.replace(
        params, min_rows=1, transverse_spacing_m=5.0, path_width_m={}, default_width_m=1.0
    )
    centre = segment_lighting(segs.drop(columns="width_m"), m, centre_params).iloc[0]
    assert grid_rows([16.0], params).tolist() == [11]
    # the far row lies d/2 = 16/22 m inside the far kerb; the grid minimum is on it
    samples = sample_segments(segs, params)
    far = samples.xy + np.array([0.0, -8.0 + 16.0 / 22.0])
    far_min = illuminance_at(far, lamp_optics(m), params.cutoff_m, maintenance_factor=0.8).min()
    assert grid["light_lux_min"] == pytest.approx(far_min, rel=1e-9)
    assert grid["light_lux_min"] < 0.6 < centre["light_lux_min"]
    assert grid["light_lux_avg"] == pytest.approx(centre["light_lux_avg"], rel=0.15)
    assert (grid["light_class"], centre["light_class"]) == ("P6", "P5")
    # a 2 m footway under the same lamps: its grid and its centre line nearly agree
    path = make_segments([[(0, 3.0), (120, 3.0)]], highway=["footway"], lit=["yes"])
    g2 = segment_lighting(path, m, params)["light_lux_min"].iloc[0]
    c2 = segment_lighting(path, m, centre_params)["light_lux_min"].iloc[0]
    assert g2 == pytest.approx(c2, rel=0.15)


def test_widths_from_osm_tag_then_highway_then_default():
    segs = make_segments(
        [[(0, 0), (10, 0)]] * 4, highway=["footway", "primary", "primary", "weird"]
    )
    segs["width_m"] = [np.nan, np.nan, 14.0, np.nan]
    np.testing.assert_allclose(segment_widths(segs, LightingParams()), [2.0, 10.0, 14.0, 3.0])
    # EN 13201-3: at least three points across, spaced 1.5 m or less
    assert grid_rows([2.0, 4.5, 4.6, 14.0], LightingParams()).tolist() == [3, 3, 4, 10]
    widths = way_width(pd.Series(["12", "3.5 m", "7,5", "abc", None, "500", "10'"]))
    np.testing.assert_allclose(
        widths, [12.0, 3.5, 7.5, np.nan, np.nan, np.nan, 3.048], equal_nan=True
    )


def test_luminaire_types_and_bad_files(tmp_path):
    segs = make_segments([[(0, 0), (40, 0)]], highway=["residential"])
    lamps = make_lamps([{"x": 10, "y": 4, "luminaire": "ITALO 1"}])
    with pytest.raises(InputError, match="ITALO 1.*luminaires"):
        lamp_model(lamps, segs, None, LightingParams())
    params = LightingParams(luminaires={"ITALO 1": str(ITALO)})
    m = lamp_model(lamps, segs, None, params)
    assert m["light_distribution"].iloc[0] == str(ITALO)
    assert m["light_intensity_cd"].iloc[0] == pytest.approx(5613.79, rel=0.02)  # its peak
    # a lumen value rescales the file's distribution to that flux
    lamps["lumen"] = 5000.0
    m = lamp_model(lamps, segs, None, params)
    assert m["light_flux_lm"].iloc[0] == 5000.0
    # a register naming a missing file, and files that are not photometry
    csv = tmp_path / "register.csv"
    csv.write_text(f"x,y,luminaire\n{X0},{Y0},missing.ldt\n", encoding="utf-8")
    with pytest.raises(InputError, match="row 2.*missing.ldt"):
        read_lamp_register(csv, crs="EPSG:3067")
    bad = tmp_path / "bad.ies"
    bad.write_text("IESNA:LM-63-2002\nTILT=NONE\n1 -1 1 3 1 3 2 0 0 0\n1 1 10\n0 5\n", "utf-8")
    with pytest.raises(InputError, match="photometric type 3"):
        read_photometry(bad)
    bad.write_text("not a photometry file\n", "utf-8")
    with pytest.raises(InputError, match="TILT"):
        read_photometry(bad)
    short = tmp_path / "short.ldt"
    short.write_text("\n".join(ROAD_LDT.read_text().splitlines()[:60]), "utf-8")
    with pytest.raises(InputError, match="expected"):
        read_photometry(short)
    with pytest.raises(InputError, match="format"):
        read_photometry(csv)
