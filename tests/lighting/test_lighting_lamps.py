"""Lamp model: values from the register, OSM tags or context defaults."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from lighting_fixtures import make_lamps, make_segments, make_spaces, point_source
from scipy.integrate import trapezoid  # np.trapezoid needs numpy 2

from safespaces.errors import ConfigError, InputError
from safespaces.lighting import LightingParams, lamp_model, lumen_to_candela, segment_lighting

P = point_source()  # isotropic lamps: I = lumen / (2 pi), as before distributions


def test_lumen_conversion_is_flux_conserving():
    assert P.lumen_to_cd == pytest.approx(1 / (2 * math.pi))
    assert lumen_to_candela(6000.0, P) == pytest.approx(6000 / (2 * math.pi))
    # the ground receives 2 pi I = the lamp's flux under E = I h / (h^2 + r^2)^(3/2)
    i, h = float(lumen_to_candela(1000.0, P)), 7.0
    r = np.linspace(0, 20000, 2_000_001)
    e = i * h / (h * h + r * r) ** 1.5
    flux = trapezoid(e * 2 * np.pi * r, r)
    assert flux == pytest.approx(1000.0, rel=2e-3)
    assert lumen_to_candela(1000.0, LightingParams(lumen_to_cd=1 / math.pi)) == pytest.approx(
        1000 / math.pi
    )


def test_values_by_source_and_context():
    segs = make_segments(
        [[(0, 0), (100, 0)], [(0, 200), (100, 200)], [(0, 400), (100, 400)]],
        highway=["residential", "footway", "pedestrian"],
    )
    spaces = make_spaces([(-10, 180, 110, 260)], ["park"])
    lamps = make_lamps(
        [
            {"x": 10, "y": 3},  # street default
            {"x": 20, "y": 202},  # park path default
            {"x": 30, "y": 398},  # pedestrian default
            {"x": 40, "y": 3, "height_m": 10.0, "light_count": 2.0},  # tagged
            {"x": 50, "y": 3, "lamp_mount": "wall mounted"},  # mount type
        ]
    )
    m = lamp_model(lamps, segs, spaces, P)
    assert m["light_context"].tolist() == ["street", "park_path", "pedestrian", "street", "street"]
    assert m["light_height_m"].tolist() == [8.0, 4.5, 6.0, 10.0, 4.0]
    k = 1 / (2 * math.pi)
    np.testing.assert_allclose(
        m["light_intensity_cd"], [6000 * k, 2000 * k, 4000 * k, 2 * 6000 * k, 6000 * k]
    )
    assert m["light_source_of_values"].tolist() == [
        "default:street",
        "default:park_path",
        "default:pedestrian",
        "osm tag",
        "osm tag",
    ]
    assert m.loc[4, "light_height_from"] == "osm lamp_mount"


def test_missing_optional_columns_are_handled():
    segs = make_segments([[(0, 0), (10, 0)]], highway=["service"])
    lamps = make_lamps([{"x": 0, "y": 0}])[["geometry"]]
    m = lamp_model(lamps, segs, None, P)
    assert m["light_source_of_values"].tolist() == ["default:street"]
    assert m["source"].tolist() == ["osm"]


def test_config_changes_defaults():
    segs = make_segments([[(0, 0), (10, 0)]], highway=["residential"])
    lamps = make_lamps([{"x": 0, "y": 0}])
    p = point_source(
        default_height_m={"street": 12.0, "park_path": 4.0, "pedestrian": 5.0},
        default_lumen={"street": 10000.0, "park_path": 1.0, "pedestrian": 1.0},
    )
    m = lamp_model(lamps, segs, None, p)
    assert m["light_height_m"].iloc[0] == 12.0
    assert m["light_intensity_cd"].iloc[0] == pytest.approx(10000 / (2 * math.pi))
    bad = LightingParams(default_height_m={"street": 8.0})
    with pytest.raises(ConfigError, match="park_path"):
        lamp_model(lamps, segs, None, bad)


def test_register_replaces_osm_inside_its_coverage():
    segs = make_segments([[(0, 0), (300, 0)]], highway=["residential"])
    lamps = make_lamps(
        [
            {"x": 0, "y": 0, "source": "register", "height_m": 9.0, "lumen": 8000.0},
            {"x": 100, "y": 0, "source": "register", "height_m": 9.0, "intensity_cd": 900.0},
            {"x": 50, "y": 1, "source": "osm"},  # inside the hull: dropped
            {"x": 120, "y": 0, "source": "osm"},  # within 25 m of the hull: dropped
            {"x": 200, "y": 0, "source": "osm"},  # outside: kept
        ]
    )
    m = lamp_model(lamps, segs, None, P)
    assert m["source"].tolist() == ["register", "register", "osm"]
    assert m["light_source_of_values"].tolist() == ["register", "register", "default:street"]
    assert m["light_intensity_cd"].iloc[0] == pytest.approx(8000 / (2 * math.pi))
    assert m["light_intensity_cd"].iloc[1] == 900.0
    assert m["light_intensity_from"].iloc[0] == "register lumen"


def test_crs_mismatch_is_an_input_error():
    segs = make_segments([[(0, 0), (10, 0)]])
    lamps = make_lamps([{"x": 0, "y": 0}]).to_crs("EPSG:3879")
    with pytest.raises(InputError, match="different CRSs"):
        lamp_model(lamps, segs, None, P)
    with pytest.raises(InputError, match="different CRSs"):
        segment_lighting(segs, lamps, P)


def test_segment_lighting_models_plain_lamps_as_lamp_model_does():
    """Lamps without the model's columns are modelled (no public spaces), not refused."""
    segs = make_segments([[(0, 0), (40, 0)]], highway=["residential"])
    raw = make_lamps([{"x": 20, "y": 3, "height_m": 6.0}])
    direct = segment_lighting(segs, raw, P)
    modelled = segment_lighting(segs, lamp_model(raw, segs, None, P), P)
    pd.testing.assert_frame_equal(direct, modelled)
    assert direct["light_lux_avg"].iloc[0] > 0
