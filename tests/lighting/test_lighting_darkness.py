"""Hours of darkness by the NOAA solar equations, checked on published figures."""

from __future__ import annotations

import datetime as dt

import pytest

from safespaces.lighting import darkness_hours

LAT, LON = 60.17, 24.94  # Helsinki


@pytest.fixture(scope="module")
def helsinki():
    return darkness_hours(LAT, LON, 2026).set_index("date")


def test_one_row_per_day(helsinki):
    assert len(helsinki) == 365
    assert len(darkness_hours(LAT, LON, 2028)) == 366


def test_winter_solstice(helsinki):
    day = helsinki.loc[dt.date(2026, 12, 21)]
    # Published: sunrise 9:24, sunset 15:13 EET, 5 h 49 min of daylight (sunrise to sunset)
    assert day["daylight_h"] == pytest.approx(5.8, abs=0.5)
    assert day["daylight_h"] == pytest.approx(6.0, abs=0.5)
    sunrise = day["sunrise"]
    assert sunrise.hour == 9
    assert 19 <= sunrise.minute <= 29
    assert day["sunset"].hour == 15
    assert 8 <= day["sunset"].minute <= 18
    # civil twilight (sun above -6 degrees) lasts longer: ~7.8 h, so ~16.2 h of darkness
    assert day["civil_daylight_h"] == pytest.approx(7.8, abs=0.3)
    assert day["darkness_h"] == pytest.approx(24 - day["civil_daylight_h"])


def test_midsummer(helsinki):
    day = helsinki.loc[dt.date(2026, 6, 21)]
    # Published: sunrise 3:54, sunset 22:50 EEST: 18 h 56 min
    assert day["daylight_h"] == pytest.approx(18.9, abs=0.5)
    assert day["daylight_h"] == pytest.approx(19.0, abs=0.5)
    # the sun dips only ~6.4 degrees below the horizon: civil darkness lasts under 2 h
    assert 0 < day["darkness_h"] < 2
    assert day["sunrise"].utcoffset() == dt.timedelta(hours=3)


def test_polar_day_and_night():
    svalbard = darkness_hours(78.2, 15.6, 2026).set_index("date")
    winter = svalbard.loc[dt.date(2026, 1, 1)]
    summer = svalbard.loc[dt.date(2026, 6, 21)]
    assert winter["polar"] == "polar night"
    assert winter["darkness_h"] == 24.0
    assert summer["polar"] == "polar day"
    assert summer["darkness_h"] == 0.0
    assert summer["sunrise"] is None or str(summer["sunrise"]) == "NaT"
