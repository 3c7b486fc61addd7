"""The darkness table against an almanac (PyEphem, tests/almanac.py), issue 18.

Every 10th day of 2026 at Helsinki, Reykjavik, Tromsø (above the Arctic Circle) and
Sydney (southern hemisphere); every day of 2026 at Tromsø for polar night, midnight
sun and the white nights of civil twilight.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from almanac import CIVIL, SUNRISE, SolarDay, solar_day

from safespaces.darkness import darkness_hours
from safespaces.incidents.windows import assign_windows

CITIES = {
    "Helsinki": (60.1699, 24.9384, "Europe/Helsinki"),
    "Reykjavik": (64.1466, -21.9426, "Atlantic/Reykjavik"),
    "Tromsø": (69.6492, 18.9553, "Europe/Oslo"),
    "Sydney": (-33.8688, 151.2093, "Australia/Sydney"),
}
TROMSO = CITIES["Tromsø"]
YEAR = 2026
#: Largest difference from the almanac allowed, minutes (PyEphem and NOAA's series agree
#: within 1 minute here; the issue asks for 2).
MINUTES = 2.0

EVENTS = (
    ("sunrise", "sunset", "daylight_h", SUNRISE),
    ("civil_dawn", "civil_dusk", "civil_daylight_h", CIVIL),
)


def _date_bound(stamp: pd.Timestamp, day: dt.date, zone: str) -> bool:
    """Whether ``stamp`` is a local midnight bounding ``day`` (a one-sided day's stand-in)."""
    local = stamp.tz_convert(zone)
    return (local.hour, local.minute, local.second) == (0, 0, 0) and local.date() in (
        day,
        day + dt.timedelta(days=1),
    )


def _compare(table: pd.DataFrame, lat: float, lon: float, zone: str, step: int) -> list[float]:
    """Differences (minutes) of every event both have; asserts the two agree on which
    events happen and on the hours above each limit."""
    errors: list[float] = []
    for i in range(0, len(table), step):
        row = table.iloc[i]
        day = row["date"]
        for first, last, hours, altitude in EVENTS:
            peer: SolarDay = solar_day(lat, lon, day, altitude)
            for col, event in ((first, peer.rise), (last, peer.set)):
                ours = row[col]
                if event is None:
                    # no crossing: NaT, or the date's bound on the day a white night
                    # (or the midnight sun) begins or ends
                    assert pd.isna(ours) or _date_bound(ours, day, zone), (day, col, ours)
                else:
                    assert not pd.isna(ours), (day, col, event)
                    assert str(ours.tz) == zone
                    errors.append((ours - event).total_seconds() / 60.0)
            assert row[hours] == pytest.approx(peer.hours_up, abs=2 * MINUTES / 60), (day, hours)
    return errors


@pytest.mark.parametrize("city", sorted(CITIES))
def test_every_tenth_day_matches_the_almanac_to_two_minutes(city: str) -> None:
    lat, lon, zone = CITIES[city]
    table = darkness_hours(lat, lon, YEAR, timezone=zone)
    errors = np.abs(_compare(table, lat, lon, zone, step=10))
    # 37 days x 4 events, less those the sun does not make at Tromsø and Reykjavik
    assert len(errors) >= 100
    assert errors.max() <= MINUTES, (city, errors.max())
    assert np.median(errors) < 0.5


def test_every_day_at_tromso_matches_the_almanac() -> None:
    """Polar night, midnight sun and the white nights: the almanac's events and hours of
    daylight and darkness on each of the 365 days, to two minutes."""
    lat, lon, zone = TROMSO
    table = darkness_hours(lat, lon, YEAR, timezone=zone)
    errors = np.abs(_compare(table, lat, lon, zone, step=1))
    assert errors.max() <= MINUTES


def test_polar_night_and_midnight_sun_at_tromso() -> None:
    lat, lon, zone = TROMSO
    table = darkness_hours(lat, lon, YEAR, timezone=zone).set_index("date")
    night = table.index[table["polar"] == "polar night"]
    day = table.index[table["polar"] == "polar day"]
    # the sun does not rise from 28 November to 14 January, nor set from 19 May to 24 July
    # (PyEphem, sun's centre at -0.833 degrees; published: about 27 Nov - 15 Jan and
    # 18-20 May - 22-25 July, by the definitions of refraction and of a day)
    assert list(night) == [
        *pd.date_range("2026-01-01", "2026-01-14").date,
        *pd.date_range("2026-11-28", "2026-12-31").date,
    ]
    assert list(day) == list(pd.date_range("2026-05-19", "2026-07-24").date)
    for dates in (night, day):
        assert table.loc[dates, ["sunrise", "sunset"]].isna().all().all()
    # darkness = the sun 6 degrees below the horizon: in the polar night the sun still
    # comes within 3 degrees of the horizon at noon, so every day has a civil dawn and dusk
    winter = table.loc[night]
    assert winter["civil_dawn"].notna().all() and winter["civil_dusk"].notna().all()
    assert 19.0 < winter["darkness_h"].max() < 20.0
    dawn_clock = winter["civil_dawn"].map(lambda t: t.hour + t.minute / 60)
    dusk_clock = winter["civil_dusk"].map(lambda t: t.hour + t.minute / 60)
    assert dawn_clock.between(8.5, 10.0).all() and dusk_clock.between(13.5, 15.0).all()
    # no darkness at all from the first white night (29 April) to 13 August, midnight
    # sun included
    white = table.loc[dt.date(2026, 4, 29) : dt.date(2026, 8, 13)]
    assert (white["darkness_h"] == 0.0).all()
    assert white["civil_dawn"].isna().all() and white["civil_dusk"].isna().all()
    assert (table["darkness_h"] > 0.0).sum() == 365 - len(white)


def test_the_day_a_white_night_begins_and_ends_at_tromso() -> None:
    """On 28 April the sun rises above -6 degrees at 01:20 and stays above: the dusk is
    given as the end of the date; on 14 August it stays above until its dusk at 00:14:
    the dawn is the start of the date. The incidents' windows read them right."""
    lat, lon, zone = TROMSO
    table = darkness_hours(lat, lon, YEAR, timezone=zone).set_index("date")
    begins, ends = table.loc[dt.date(2026, 4, 28)], table.loc[dt.date(2026, 8, 14)]
    peer_begins = solar_day(lat, lon, dt.date(2026, 4, 28), CIVIL)
    peer_ends = solar_day(lat, lon, dt.date(2026, 8, 14), CIVIL)
    assert peer_begins.rise is not None and peer_begins.set is None
    assert peer_ends.rise is None and peer_ends.set is not None
    assert begins["civil_dusk"] == pd.Timestamp("2026-04-29T00:00", tz=zone)
    assert ends["civil_dawn"] == pd.Timestamp("2026-08-14T00:00", tz=zone)
    # dark only from noon - 12 h to the dawn (and from the dusk to noon + 12 h)
    assert 0.4 < begins["darkness_h"] < 0.9 and 0.4 < ends["darkness_h"] < 0.9
    times = pd.Series(
        pd.to_datetime(
            [
                "2026-04-28T00:30",  # after the dusk of the 27th (00:02), before dawn: dark
                "2026-04-28T23:30",  # twilight all night
                "2026-04-29T00:30",
                "2026-08-14T00:30",  # the white night before the 14th's dusk
                "2026-08-14T23:30",
                "2026-08-15T00:30",  # after that dusk (00:14), before the dawn (01:24)
            ]
        ).tz_localize(zone)
    )
    points = pd.DataFrame({"time": times, "hour_known": True})
    darkness = pd.concat(
        [darkness_hours(lat, lon, y, timezone=zone) for y in (YEAR - 1, YEAR)], ignore_index=True
    )
    windows = assign_windows(points, darkness, timezone=zone)["window_light"].tolist()
    assert windows == ["night", "day", "day", "day", "day", "night"]
