"""The embedded Helsinki extract: the day/night contrast is visible and plausible."""

from __future__ import annotations

import numpy as np
import pytest

from safespaces.config import Config
from safespaces.darkness import darkness_hours, study_latlon
from safespaces.eyes import EyesParams, analyse_eyes
from safespaces.lighting import analyse_lighting
from safespaces.study import Inputs, load_study


@pytest.mark.slow
def test_shopping_streets_fade_at_night_bar_streets_keep_their_eyes():
    config = Config()
    osm = load_study(Inputs(), config).osm
    light = analyse_lighting(osm.segments, osm.lamps, osm.public_spaces, config.lighting)
    darkness = darkness_hours(*study_latlon(osm.segments), 2026)
    seg = analyse_eyes(
        osm.segments,
        osm.buildings,
        osm.pois,
        osm.entrances,
        EyesParams(weekday="Fr"),
        lighting=light.segments,
        darkness=darkness,
    ).segments
    assert len(seg) > 4000

    def mean(name: str, column: str) -> float:
        rows = seg[seg["name"] == name]
        return float(np.average(rows[column], weights=rows["length_m"]))

    shopping = mean("Aleksanterinkatu", "eyes_night") / mean("Aleksanterinkatu", "eyes_day")
    bars = mean("Eerikinkatu", "eyes_night") / mean("Eerikinkatu", "eyes_day")
    assert shopping < 0.5 < bars
    assert mean("Aleksanterinkatu", "eyes_h12") > 2 * mean("Aleksanterinkatu", "eyes_h23")
    assert mean("Eerikinkatu", "eyes_h23") > mean("Aleksanterinkatu", "eyes_h23")
    # premises open at noon and at 23:00 across the city: shops by day, bars at night
    assert seg["eyes_active_h12"].sum() > 3 * seg["eyes_active_h23"].sum() > 0
    hours = seg[[f"eyes_h{h:02d}" for h in range(24)]].to_numpy()
    assert ((hours >= 0) & (hours <= 100)).all()
