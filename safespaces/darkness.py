"""Hours of darkness per day of the year: the study's darkness table.

A measure below the families: lighting publishes the table, eyes on the street
reads its dark hours from it and incidents their light windows. It is computed
once per study (:func:`study_darkness`) and passed to the families.

Solar declination and the equation of time come from NOAA's "General Solar
Position Calculations" (NOAA Global Monitoring Laboratory, after Spencer 1971),
evaluated at local solar noon of each day; sunrise and sunset follow from the
hour angle at which the sun's centre reaches a given zenith angle:

    cos(H) = cos(zenith) / (cos(lat) cos(decl)) - tan(lat) tan(decl)
    sunrise = 720 - 4 (lon + H) - eqtime   (minutes UTC, angles in degrees)
    sunset  = 720 - 4 (lon - H) - eqtime

Zenith 90.833 degrees (refraction and the solar disc) gives the sunrise and
sunset of almanacs; 96 degrees gives civil dawn and dusk (sun 6 degrees below
the horizon), the limit used here for darkness: between civil dusk and dawn
outdoor lighting is needed. Where cos(H) > 1 the sun stays below the limit all
day (polar night); where it is < -1 it stays above (polar day / white night):
that day has no dawn or dusk (NaT) and 24 or 0 hours of darkness.

Accuracy, against the NOAA Solar Calculator's algorithm (Meeus), over 2025:
civil dawn and dusk within 2 minutes at Sydney and 5 minutes at Helsinki and
Oslo. Spencer's series follows the calendar of its 1950s epoch, about a day
off today (0.5 degrees of declination near the equinoxes: 7 minutes at
Tromsø, 69.65 N). Where the sun only just dips 6 degrees below the horizon at
midnight (Tromsø in early May and mid-August), dusk and dawn are crossed at a
grazing angle and the difference reaches half an hour on those nights.
``tests/test_local_defaults.py`` checks the table against that algorithm at
Tromsø, Oslo and Sydney on chosen days.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from pyproj import Transformer

from safespaces.errors import InputError

#: Zenith angle (degrees) of sunrise/sunset and of civil twilight.
SUNRISE_ZENITH = 90.833
CIVIL_ZENITH = 96.0


def _solar_terms(
    doy: npt.NDArray[np.float64], days_in_year: int, lon: float
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """Declination (rad) and equation of time (min) at local solar noon."""
    hour_utc = 12.0 - lon / 15.0
    g = 2.0 * np.pi / days_in_year * (doy - 1.0 + (hour_utc - 12.0) / 24.0)
    eqtime = 229.18 * (
        0.000075
        + 0.001868 * np.cos(g)
        - 0.032077 * np.sin(g)
        - 0.014615 * np.cos(2 * g)
        - 0.040849 * np.sin(2 * g)
    )
    decl = (
        0.006918
        - 0.399912 * np.cos(g)
        + 0.070257 * np.sin(g)
        - 0.006758 * np.cos(2 * g)
        + 0.000907 * np.sin(2 * g)
        - 0.002697 * np.cos(3 * g)
        + 0.00148 * np.sin(3 * g)
    )
    return decl, eqtime


def _hour_angle(
    lat: float, decl: npt.NDArray[np.float64], zenith: float
) -> npt.NDArray[np.float64]:
    """Hour angle (degrees) at ``zenith``; NaN-free, clipped: 0 = never, 180 = always."""
    phi = np.radians(lat)
    cos_h = np.cos(np.radians(zenith)) / (np.cos(phi) * np.cos(decl)) - np.tan(phi) * np.tan(decl)
    return np.degrees(np.arccos(np.clip(cos_h, -1.0, 1.0)))


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
        One row per day: ``date``, ``day_of_year``, ``sunrise`` and ``sunset``
        (zenith 90.833 degrees), ``civil_dawn`` and ``civil_dusk`` (zenith 96
        degrees) as local times (NaT when the event does not happen that day),
        ``daylight_h`` (sunrise to sunset), ``civil_daylight_h`` (dawn to dusk),
        ``darkness_h`` = 24 - ``civil_daylight_h`` (sun more than 6 degrees below
        the horizon: lighting matters), and ``polar`` ('' | 'polar day' | 'polar
        night', by sunrise/sunset).

    References
    ----------
    NOAA Global Monitoring Laboratory, General Solar Position Calculations,
    https://gml.noaa.gov/grad/solcalc/solareqns.PDF

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
    doy = np.arange(1, days_in_year + 1, dtype=float)
    decl, eqtime = _solar_terms(doy, days_in_year, lon)
    ha_sun = _hour_angle(lat, decl, SUNRISE_ZENITH)
    ha_civil = _hour_angle(lat, decl, CIVIL_ZENITH)
    noon_min = 720.0 - 4.0 * lon - eqtime
    dates = pd.date_range(start, periods=days_in_year, freq="D", tz="UTC")

    def clock(minutes: npt.NDArray[np.float64], ha: npt.NDArray[np.float64]) -> pd.Series:
        happens = (ha > 0) & (ha < 180)
        times = dates + pd.to_timedelta(np.round(minutes * 60.0), unit="s")
        local = pd.Series(times).dt.tz_convert(timezone)
        return local.where(happens)

    polar = np.select([ha_sun >= 180, ha_sun <= 0], ["polar day", "polar night"], default="")
    return pd.DataFrame(
        {
            "date": pd.Series(dates.date, dtype=object),
            "day_of_year": doy.astype(int),
            "sunrise": clock(noon_min - 4.0 * ha_sun, ha_sun),
            "sunset": clock(noon_min + 4.0 * ha_sun, ha_sun),
            "civil_dawn": clock(noon_min - 4.0 * ha_civil, ha_civil),
            "civil_dusk": clock(noon_min + 4.0 * ha_civil, ha_civil),
            "daylight_h": 2.0 * ha_sun / 15.0,
            "civil_daylight_h": 2.0 * ha_civil / 15.0,
            "darkness_h": 24.0 - 2.0 * ha_civil / 15.0,
            "polar": polar.astype(object),
        }
    )


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
    minx, miny, maxx, maxy = frame.total_bounds
    to_wgs = Transformer.from_crs(frame.crs, "EPSG:4326", always_xy=True)
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
