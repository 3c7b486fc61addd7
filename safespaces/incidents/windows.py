"""Time windows of incidents: light (day / evening / night), week part and month.

Light windows follow civil twilight (sun 6 degrees below the horizon) on the
incident's local date at the study latitude, from the study's
darkness table (:func:`safespaces.darkness.darkness_hours`):

* ``day``: between civil dawn and civil dusk (outdoor lighting not needed);
* ``evening``: dark, from civil dusk until ``night_start_hour`` (default 24,
  i.e. midnight);
* ``night``: dark, from ``night_start_hour`` until civil dawn;
* ``unknown``: the report gives no time of day (a date, a month or a year
  only), or only the hour and dawn or dusk falls within that hour.

A report's ``time_precision`` (:data:`safespaces.sources.incidents.PRECISIONS`)
decides what can be known: the light window needs the hour; the week part
needs the date (a month-only report, police.uk's ``Month``, is
``week_unknown``); the month needs the month (a year-only report is month
``unknown``). Each such report still counts in the totals and categories, and
in every breakdown its precision allows.

Comparisons are made between tz-aware instants, so the daylight-saving changes
(Europe/Helsinki: 2025-03-30 03:00 -> 04:00, 2025-10-26 04:00 -> 03:00) need no
special case; hours are read on the local clock. Near midsummer civil dusk
falls after midnight: an incident before the previous day's dusk is ``day``.
Week part and month use the local calendar date (a Friday-to-Saturday 01:00
incident is ``weekend``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from safespaces.darkness import darkness_years

LIGHT_WINDOWS: tuple[str, ...] = ("day", "evening", "night", "unknown")
WEEK_WINDOWS: tuple[str, ...] = ("weekday", "weekend", "week_unknown")
MONTHS: tuple[str, ...] = (*(f"{m:02d}" for m in range(1, 13)), "unknown")

#: Precisions that give the local date (and so the week part), and the month.
_DATE_KNOWN = ("day", "hour", "minute", "second")
_MONTH_KNOWN = ("month", *_DATE_KNOWN)


def precision_of(points: pd.DataFrame) -> np.ndarray:
    """``time_precision`` of each incident; from ``hour_known`` where the column is absent
    (``minute`` where the hour is known, else ``day``)."""
    if "time_precision" in points:
        return points["time_precision"].astype(object).to_numpy()
    known = points["hour_known"].to_numpy(dtype=bool)
    return np.where(known, "minute", "day").astype(object)


def darkness_for(times: pd.Series, lat: float, lon: float, timezone: str) -> pd.DataFrame:
    """The darkness table for every year in ``times`` (plus the year before).

    The year before the first is included so that an incident on 1 January can
    look up the dusk of 31 December.
    """
    local = times.dt.tz_convert(timezone)
    years = sorted({int(y) for y in local.dt.year.dropna().unique()})
    if not years:
        years = [2025]
    return darkness_years(lat, lon, [years[0] - 1, *years], timezone=timezone)


def light_window(
    times: pd.Series,
    hour_known: np.ndarray,
    darkness: pd.DataFrame,
    *,
    timezone: str = "Europe/Helsinki",
    night_start_hour: int = 24,
    precision: np.ndarray | None = None,
) -> np.ndarray:
    """``day`` / ``evening`` / ``night`` / ``unknown`` of each incident.

    Parameters
    ----------
    times
        Tz-aware incident times.
    hour_known
        False where no time of day is known.
    precision
        ``time_precision`` per incident, or None. A time known only to the hour
        gets a window only when the whole hour falls in it (else ``unknown``).
    darkness
        Rows per date with ``date``, ``civil_dawn``, ``civil_dusk`` (tz-aware,
        NaT when the event does not happen) and ``darkness_h``, covering every
        incident date and the day before.
    night_start_hour
        Local hour (0-24) at which the evening ends and the night begins.

    Returns
    -------
    numpy.ndarray
        Object array of window names, aligned to ``times``.
    """
    if not 0 <= night_start_hour <= 24:
        raise ValueError(f"night_start_hour {night_start_hour} is outside 0..24")
    out = _light_window_at(times, darkness, timezone, night_start_hour)
    if precision is not None:
        hourly = np.asarray(precision, dtype=object) == "hour"
        if hourly.any():
            end = times + pd.Timedelta(minutes=59, seconds=59)
            last = _light_window_at(end, darkness, timezone, night_start_hour)
            out[hourly & (last != out)] = "unknown"
    out[~np.asarray(hour_known, dtype=bool)] = "unknown"
    return out


def _light_window_at(
    times: pd.Series, darkness: pd.DataFrame, timezone: str, night_start_hour: int
) -> np.ndarray:
    local = times.dt.tz_convert(timezone)
    table = darkness.copy()
    table["date"] = pd.to_datetime(table["date"].astype(str)).dt.date
    table = table.drop_duplicates("date").set_index("date")
    dates = local.dt.date
    prev = (local - pd.Timedelta(days=1)).dt.date
    missing = ~dates.isin(table.index) & local.notna()
    if missing.any():
        raise ValueError(f"darkness table lacks the date {dates[missing].iloc[0]}")
    dawn = pd.Series(table["civil_dawn"].reindex(dates.to_numpy()).to_numpy(), index=times.index)
    dusk = pd.Series(table["civil_dusk"].reindex(dates.to_numpy()).to_numpy(), index=times.index)
    prev_dusk = pd.Series(
        table["civil_dusk"].reindex(prev.to_numpy()).to_numpy(), index=times.index
    )
    dark_h = table["darkness_h"].reindex(dates.to_numpy()).to_numpy(dtype=float)
    t = times.dt.tz_convert("UTC")
    utc = {
        name: pd.to_datetime(s, utc=True)
        for name, s in (("dawn", dawn), ("dusk", dusk), ("prev", prev_dusk))
    }
    light = ((t >= utc["dawn"]) & (t < utc["dusk"])) | (t < utc["prev"])
    light = light.to_numpy(dtype=bool)
    # No civil dawn or dusk that day: polar day (never dark) or polar night.
    no_event = (utc["dawn"].isna() | utc["dusk"].isna()).to_numpy()
    light = np.where(no_event & (dark_h <= 0.0), True, light)
    light = np.where(no_event & (dark_h >= 24.0), False, light)
    hour = local.dt.hour.to_numpy()
    before_noon = hour < 12
    late = (hour >= night_start_hour) if night_start_hour >= 12 else np.zeros(len(hour), bool)
    night = before_noon | late
    return np.where(light, "day", np.where(night, "night", "evening")).astype(object)


def week_window(
    times: pd.Series, *, timezone: str = "Europe/Helsinki", precision: np.ndarray | None = None
) -> np.ndarray:
    """``weekday`` (Monday-Friday) or ``weekend`` by the local date; ``week_unknown``
    where the ``precision`` gives no date (a month or a year only)."""
    dow = times.dt.tz_convert(timezone).dt.day_of_week.to_numpy()
    out = np.where(dow >= 5, "weekend", "weekday").astype(object)
    if precision is not None:
        out[~np.isin(np.asarray(precision, dtype=object), _DATE_KNOWN)] = "week_unknown"
    return out


def month_window(
    times: pd.Series, *, timezone: str = "Europe/Helsinki", precision: np.ndarray | None = None
) -> np.ndarray:
    """Local calendar month as ``"01"`` .. ``"12"``; ``"unknown"`` where the
    ``precision`` is a year only."""
    month = times.dt.tz_convert(timezone).dt.month.to_numpy()
    out = np.array([f"{int(m):02d}" for m in month], dtype=object)
    if precision is not None:
        out[~np.isin(np.asarray(precision, dtype=object), _MONTH_KNOWN)] = "unknown"
    return out


def assign_windows(
    points: pd.DataFrame,
    darkness: pd.DataFrame,
    *,
    timezone: str = "Europe/Helsinki",
    night_start_hour: int = 24,
) -> pd.DataFrame:
    """Columns ``window_light``, ``window_week`` and ``window_month`` of incidents.

    ``points`` needs ``time`` (tz-aware) and ``hour_known``; ``time_precision``
    where present (:func:`precision_of`).
    """
    times = points["time"]
    precision = precision_of(points)
    hour_known = points["hour_known"].to_numpy(dtype=bool) & np.isin(
        precision, ("hour", "minute", "second")
    )
    return pd.DataFrame(
        {
            "window_light": light_window(
                times,
                hour_known,
                darkness,
                timezone=timezone,
                night_start_hour=night_start_hour,
                precision=precision,
            ),
            "window_week": week_window(times, timezone=timezone, precision=precision),
            "window_month": month_window(times, timezone=timezone, precision=precision),
        },
        index=points.index,
    )
