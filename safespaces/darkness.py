"""Hours of darkness per day of the year: the study's darkness table.

A measure below the families: lighting publishes the table, eyes on the street
reads its dark hours from it and incidents their light windows. It is computed
once per study (:func:`study_darkness`) and passed to the families.

The sun's position comes from NOAA's solar calculator equations (the NOAA
Global Monitoring Laboratory's "NOAA_Solar_Calculations" spreadsheet, after
Meeus, *Astronomical Algorithms*, 1991, ch. 25 and 28). With T the Julian
century of the instant (TT taken as UT):

    L0 = 280.46646 + 36000.76983 T + 0.0003032 T^2      (mean longitude, deg)
    M  = 357.52911 + 35999.05029 T - 0.0001537 T^2      (mean anomaly, deg)
    e  = 0.016708634 - 0.000042037 T - 0.0000001267 T^2 (orbit eccentricity)
    C  = (1.914602 - 0.004817 T - 0.000014 T^2) sin M
         + (0.019993 - 0.000101 T) sin 2M + 0.000289 sin 3M
    lambda = L0 + C - 0.00569 - 0.00478 sin(125.04 - 1934.136 T)
    eps = 23 deg 26' 21.448" - 46.815" T - ... + 0.00256 cos(125.04 - 1934.136 T)
    decl = asin(sin eps sin lambda)
    EoT = 4 [y sin 2L0 - 2e sin M + 4ey sin M cos 2L0 - y^2/2 sin 4L0
             - 5/4 e^2 sin 2M]   (minutes, in degrees), y = tan^2(eps/2)

The sun's centre is at zenith angle z at hour angle H:

    cos H = cos z / (cos lat cos decl) - tan lat tan decl
    event = 720 - 4 (lon -/+ H) - EoT   (minutes UTC, angles in degrees)

Each day's solar noon (EoT at noon) and each event are iterated with decl and
EoT taken at the event's own time (five steps: the declination moves up to 0.4
degrees a day, which matters where twilight is long and shallow).

Zenith 90.833 degrees (refraction and the solar disc) gives the sunrise and
sunset of almanacs; 96 degrees gives civil dawn and dusk (sun 6 degrees below
the horizon), the limit used here for darkness: between civil dusk and dawn
outdoor lighting is needed.

A row of the table is the *solar day* of its date: from 12 hours before that
date's solar noon to 12 hours after. Dawn (sunrise) is the crossing of the limit
upwards in its first half, dusk (sunset) downwards in its second; near
midsummer civil dusk can fall after local midnight. ``darkness_h`` is the time
the sun spends below the limit in that solar day (``daylight_h``: above the
horizon). Whether a crossing happens is decided from the sun's zenith angle at
the culminations (upper: ``|lat - decl|``; lower: ``180 - |lat + decl|``):

* polar night: the sun stays below the limit all day: no dawn and no dusk
  (NaT), 24 hours of darkness;
* polar day / white night: it stays above: NaT, 0 hours of darkness;
* the day a white night begins, the sun rises above the limit in the morning
  and does not go below it again: the dusk is given as the end of the local
  date (the next midnight), and the day a white night ends, the dawn as its
  start (midnight): the clock times then bound the twilit part of the date,
  and ``darkness_h`` counts only the dark part of the solar day (likewise
  sunrise and sunset on the days the midnight sun begins and ends), so the
  readers of the table (eyes' dark hours, the incidents' light windows) need
  no special case for these days.

``polar`` says 'polar day' or 'polar night' when there is neither sunrise nor
sunset.

Accuracy, against PyEphem's sun (VSOP87, the same altitudes, no refraction
model of its own; ``tests/test_darkness_almanac.py``), every day of 2026: largest
difference of sunrise, sunset, civil dawn or dusk 0.14 min at Helsinki, 0.07 at
Sydney, 0.39 at Reykjavik, 0.96 at Tromsø and 1.46 at Longyearbyen (78 N); the
larger ones where the sun crosses the limit at a grazing angle near the polar
transitions. Spencer's series at noon, used before, differed by up to 5.4 min
at Helsinki, 30 at Reykjavik and 41 at Tromsø.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Transformer

from safespaces.errors import InputError

#: Zenith angle (degrees) of sunrise/sunset and of civil twilight.
SUNRISE_ZENITH = 90.833
CIVIL_ZENITH = 96.0

#: Steps of the event iteration (decl and EoT at the event's own time).
ITERATIONS = 5

_FloatArray = npt.NDArray[np.float64]
_BoolArray = npt.NDArray[np.bool_]


def julian_day(day: dt.date) -> float:
    """Julian day at 0 h UTC of ``day`` (proleptic Gregorian calendar)."""
    return day.toordinal() + 1721424.5


def solar_terms(jd: _FloatArray) -> tuple[_FloatArray, _FloatArray]:
    """The sun's declination (degrees) and the equation of time (minutes) at Julian days ``jd``.

    NOAA's solar calculator equations (Meeus 1991, ch. 25), as written in the
    module docstring.
    """
    t = (np.asarray(jd, dtype=float) - 2451545.0) / 36525.0
    l0 = np.radians((280.46646 + t * (36000.76983 + t * 0.0003032)) % 360.0)
    m = np.radians(357.52911 + t * (35999.05029 - 0.0001537 * t))
    e = 0.016708634 - t * (0.000042037 + 0.0000001267 * t)
    centre = (
        np.sin(m) * (1.914602 - t * (0.004817 + 0.000014 * t))
        + np.sin(2 * m) * (0.019993 - 0.000101 * t)
        + np.sin(3 * m) * 0.000289
    )
    omega = np.radians(125.04 - 1934.136 * t)
    apparent = np.radians(np.degrees(l0) + centre - 0.00569 - 0.00478 * np.sin(omega))
    eps0 = 23.0 + (26.0 + (21.448 - t * (46.815 + t * (0.00059 - t * 0.001813))) / 60.0) / 60.0
    eps = np.radians(eps0 + 0.00256 * np.cos(omega))
    decl = np.degrees(np.arcsin(np.sin(eps) * np.sin(apparent)))
    y = np.tan(eps / 2.0) ** 2
    eqtime = 4.0 * np.degrees(
        y * np.sin(2 * l0)
        - 2 * e * np.sin(m)
        + 4 * e * y * np.sin(m) * np.cos(2 * l0)
        - 0.5 * y * y * np.sin(4 * l0)
        - 1.25 * e * e * np.sin(2 * m)
    )
    return decl, eqtime


def _hour_angle(lat: float, decl: _FloatArray, zenith: float) -> _FloatArray:
    """Hour angle (degrees) of the sun's centre at ``zenith``; clipped to 0..180."""
    phi, d = np.radians(lat), np.radians(decl)
    cos_h = np.cos(np.radians(zenith)) / (np.cos(phi) * np.cos(d)) - np.tan(phi) * np.tan(d)
    return np.degrees(np.arccos(np.clip(cos_h, -1.0, 1.0)))


def solar_noon(jd0: _FloatArray, lon: float) -> _FloatArray:
    """Solar noon (minutes after 0 h UTC of each day ``jd0``), EoT taken at noon itself."""
    noon = np.full(np.shape(jd0), 720.0 - 4.0 * lon)
    for _ in range(3):
        noon = 720.0 - 4.0 * lon - solar_terms(jd0 + noon / 1440.0)[1]
    return noon


def _crossing(
    jd0: _FloatArray, lat: float, lon: float, noon: _FloatArray, zenith: float, sign: float
) -> _FloatArray:
    """Minutes UTC at which the sun crosses ``zenith`` before (``sign`` -1) or after (+1)
    ``noon``, iterated with the declination and EoT at the crossing; kept within 12 hours."""
    lo, hi = (noon - 720.0, noon) if sign < 0 else (noon, noon + 720.0)
    event = noon.copy()
    for _ in range(ITERATIONS):
        decl, eqtime = solar_terms(jd0 + event / 1440.0)
        event = 720.0 - 4.0 * lon - eqtime + sign * 4.0 * _hour_angle(lat, decl, zenith)
        event = np.clip(event, lo, hi)
    return event


def _events(
    jd0: _FloatArray, lat: float, lon: float, noon: _FloatArray, zenith: float
) -> tuple[_FloatArray, _FloatArray, _FloatArray, _BoolArray]:
    """Rise and set (minutes UTC, NaN when there is none in the solar day), hours above
    ``zenith`` in the solar day, and whether the sun is above it at noon."""
    decl_noon = solar_terms(jd0 + noon / 1440.0)[0]
    decl_before = solar_terms(jd0 + (noon - 720.0) / 1440.0)[0]
    decl_after = solar_terms(jd0 + (noon + 720.0) / 1440.0)[0]
    up = np.abs(lat - decl_noon) < zenith
    low_before = 180.0 - np.abs(lat + decl_before) > zenith
    low_after = 180.0 - np.abs(lat + decl_after) > zenith
    rises, sets = up & low_before, up & low_after
    rise = np.where(rises, _crossing(jd0, lat, lon, noon, zenith, -1.0), np.nan)
    set_ = np.where(sets, _crossing(jd0, lat, lon, noon, zenith, 1.0), np.nan)
    start = np.where(rises, rise, noon - 720.0)
    end = np.where(sets, set_, noon + 720.0)
    hours = np.where(up, (end - start) / 60.0, 0.0)
    return rise, set_, hours, up


def darkness_hours(
    lat: float, lon: float, year: int, *, timezone: str = "Europe/Helsinki"
) -> pd.DataFrame:
    """Sunrise, sunset, civil twilight and hours of darkness for every day.

    Parameters
    ----------
    lat, lon
        Latitude and longitude of the study area (degrees, WGS 84).
    year
        Calendar year.
    timezone
        IANA zone of the local clock times.

    Returns
    -------
    pandas.DataFrame
        One row per day (its solar day, see the module docstring): ``date``,
        ``day_of_year``, ``sunrise`` and ``sunset`` (zenith 90.833 degrees),
        ``civil_dawn`` and ``civil_dusk`` (zenith 96 degrees) as local times
        (NaT when the sun stays on one side of the limit all day),
        ``daylight_h`` (hours above the horizon), ``civil_daylight_h`` (hours
        above 6 degrees below it), ``darkness_h`` = 24 - ``civil_daylight_h``
        (sun more than 6 degrees below the horizon: lighting matters), and
        ``polar`` ('' | 'polar day' | 'polar night', by sunrise/sunset).

    References
    ----------
    NOAA Global Monitoring Laboratory, NOAA Solar Calculator and its spreadsheet
    (https://gml.noaa.gov/grad/solcalc/calcdetails.html); J. Meeus, Astronomical
    Algorithms, Willmann-Bell, 1991.

    Examples
    --------
    Helsinki (60.17 N) at the winter solstice, in local time:

    >>> table = darkness_hours(60.17, 24.94, 2025)
    >>> day = table[table["day_of_year"] == 355].iloc[0]
    >>> day["sunrise"].strftime("%H:%M"), day["sunset"].strftime("%H:%M")
    ('09:23', '15:12')
    >>> round(float(day["darkness_h"]), 1)
    16.2
    """
    if not -90.0 < lat < 90.0:
        raise ValueError(f"latitude {lat} is outside (-90, 90)")
    start = dt.date(year, 1, 1)
    days_in_year = (dt.date(year + 1, 1, 1) - start).days
    jd0 = julian_day(start) + np.arange(days_in_year, dtype=float)
    noon = solar_noon(jd0, lon)
    dates = pd.date_range(start, periods=days_in_year, freq="D")
    day_start = _local_midnights(dates, timezone)
    day_end = _local_midnights(dates + pd.Timedelta(days=1), timezone)
    utc_days = dates.tz_localize("UTC")

    def clock(minutes: _FloatArray, other: _FloatArray, bound: pd.Series) -> pd.Series:
        """Local times; where only the other crossing happens, the date's bound."""
        seconds = np.round(np.nan_to_num(minutes) * 60.0)
        times = pd.Series(utc_days + pd.to_timedelta(seconds, unit="s")).dt.tz_convert(timezone)
        times = times.where(~np.isnan(minutes))
        one_sided = np.isnan(minutes) & ~np.isnan(other)
        return times.mask(one_sided, bound)

    rise, set_, daylight_h, _ = _events(jd0, lat, lon, noon, SUNRISE_ZENITH)
    dawn, dusk, civil_h, _ = _events(jd0, lat, lon, noon, CIVIL_ZENITH)
    neither = np.isnan(rise) & np.isnan(set_)
    polar = np.select(
        [neither & (daylight_h > 0), neither & (daylight_h <= 0)],
        ["polar day", "polar night"],
        default="",
    )
    return pd.DataFrame(
        {
            "date": pd.Series(dates.date, dtype=object),
            "day_of_year": np.arange(1, days_in_year + 1),
            "sunrise": clock(rise, set_, day_start),
            "sunset": clock(set_, rise, day_end),
            "civil_dawn": clock(dawn, dusk, day_start),
            "civil_dusk": clock(dusk, dawn, day_end),
            "daylight_h": daylight_h,
            "civil_daylight_h": civil_h,
            "darkness_h": 24.0 - civil_h,
            "polar": polar.astype(object),
        }
    )


def _local_midnights(dates: pd.DatetimeIndex, timezone: str) -> pd.Series:
    """0 h local of each date (the first instant of the date where a clock change skips it)."""
    local = dates.tz_localize(
        timezone, ambiguous=np.ones(len(dates), dtype=bool), nonexistent="shift_forward"
    )
    return pd.Series(local)


def darkness_years(
    lat: float, lon: float, years: Iterable[int], *, timezone: str = "Europe/Helsinki"
) -> pd.DataFrame:
    """The tables of :func:`darkness_hours` for several years, one after another.

    Each year appears once, in calendar order; a year's rows are those of
    :func:`darkness_hours` for that year alone.
    """
    frames = [darkness_hours(lat, lon, y, timezone=timezone) for y in sorted(set(years))]
    if len(frames) == 1:
        return frames[0]
    return pd.concat(frames, ignore_index=True)


def darkness_of_year(darkness: pd.DataFrame, year: int) -> pd.DataFrame:
    """The rows of ``year`` (the table itself when it holds no other year).

    Raises
    ------
    ValueError
        When the table has no row of ``year``.
    """
    years = pd.to_datetime(darkness["date"].astype(str)).dt.year.to_numpy()
    if len(years) and bool((years == year).all()):
        return darkness
    rows = darkness[years == year]
    if rows.empty:
        raise ValueError(f"the darkness table has no row of {year}")
    return rows.reset_index(drop=True)


def study_latlon(frame: gpd.GeoDataFrame) -> tuple[float, float]:
    """Latitude and longitude of the centre of ``frame``'s bounds (the study's place)."""
    if frame.crs is None or len(frame) == 0:
        raise InputError(
            "cannot place the study area: no CRS or no features",
            fix="give segments with a CRS",
        )
    return bounds_latlon(tuple(float(v) for v in frame.total_bounds), frame.crs)


def bounds_latlon(bounds: tuple[float, ...], crs: Any) -> tuple[float, float]:
    """Latitude and longitude of the centre of ``bounds`` (minx, miny, maxx, maxy) in ``crs``."""
    minx, miny, maxx, maxy = bounds
    to_wgs = Transformer.from_crs(crs, "EPSG:4326", always_xy=True)
    lon, lat = to_wgs.transform((minx + maxx) / 2, (miny + maxy) / 2)
    return float(lat), float(lon)


def study_darkness(
    segments: gpd.GeoDataFrame, years: Iterable[int], *, timezone: str
) -> pd.DataFrame:
    """The study's darkness table: :func:`darkness_years` at the centre of ``segments``.

    Parameters
    ----------
    segments
        The study's walking segments (their bounds place the study).
    years
        Every year a family reads (the lighting table's year, the year of the
        eyes' reference week).
    timezone
        IANA zone of the local clock times.
    """
    lat, lon = study_latlon(segments)
    return darkness_years(lat, lon, years, timezone=timezone)
