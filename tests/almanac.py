"""PyEphem as the almanac of the darkness tests (a peer implementation, tests only).

PyEphem (MIT) computes the sun from VSOP87 and the IAU precession and nutation,
independently of NOAA's series in :mod:`safespaces.darkness`. Events are asked
of it exactly as the darkness table defines them: the geometric altitude of the
sun's centre (``pressure = 0``: no refraction model of PyEphem's own) crossing
-0.833 degrees (sunrise, sunset) or -6 degrees (civil dawn, dusk), within the
solar day of a date (12 hours either side of that date's solar transit, which
PyEphem finds itself).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ephem
import pandas as pd

#: Altitudes (degrees) of sunrise/sunset and of civil twilight.
SUNRISE = -0.833
CIVIL = -6.0


@dataclass(frozen=True)
class SolarDay:
    """One date's events by PyEphem (UTC; None where the sun does not cross)."""

    noon: pd.Timestamp
    rise: pd.Timestamp | None
    set: pd.Timestamp | None
    hours_up: float


def _utc(date: ephem.Date) -> pd.Timestamp:
    return pd.Timestamp(date.datetime(), tz="UTC").round("s")


#: PyEphem's day 0 (Dublin Julian day 0).
_EPOCH = pd.Timestamp("1899-12-31T12:00", tz="UTC")


def _ephem_date(stamp: pd.Timestamp) -> ephem.Date:
    return ephem.Date((stamp - _EPOCH) / pd.Timedelta(days=1))


def solar_day(lat: float, lon: float, day: dt.date, altitude: float) -> SolarDay:
    """Crossings of ``altitude`` by the sun's centre in the solar day of ``day``."""
    observer = ephem.Observer()
    observer.lat, observer.lon = str(lat), str(lon)
    observer.pressure = 0
    observer.horizon = str(altitude)
    sun = ephem.Sun()
    # local mean noon minus half a day: the next transit is that date's solar noon
    start = pd.Timestamp(day, tz="UTC") + pd.Timedelta(minutes=720.0 - 4.0 * lon - 720.0)
    observer.date = _ephem_date(start)
    noon = _utc(observer.next_transit(sun))
    half = pd.Timedelta(hours=12)
    observer.date = _ephem_date(noon)
    sun.compute(observer)
    up = float(sun.alt) > ephem.degrees(str(altitude))

    def event(find: str) -> pd.Timestamp | None:
        observer.date = _ephem_date(noon)
        try:
            found = _utc(getattr(observer, find)(sun, use_center=True))
        except (ephem.AlwaysUpError, ephem.NeverUpError):
            return None
        return found if abs(found - noon) <= half else None

    rise, set_ = event("previous_rising"), event("next_setting")
    first = rise if rise is not None else noon - half
    last = set_ if set_ is not None else noon + half
    hours = (last - first).total_seconds() / 3600.0 if up else 0.0
    return SolarDay(noon, rise, set_, hours)
