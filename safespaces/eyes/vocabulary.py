"""The eyes family's vocabulary: the names of its hour and window columns.

One builder per name (as cityseer's ``config.prep_gdf_key``): ``eyes_h07`` is
built by :func:`eyes_column`, ``eyes_night`` by :func:`window_column`, and the
analysis, the composite score, the catalogue, the run summary and the app all
call them instead of spelling the rule again. The module imports nothing from
the package (other families read the eyes columns by these names).
"""

from __future__ import annotations

from collections.abc import Mapping

#: Clock hours in a day: one ``eyes_hNN`` column each.
HOURS = 24
#: Prefix of every column of the family.
PREFIX = "eyes"
#: Hour windows of the summary columns, in column order: clock hours of each
#: (start inclusive, end exclusive; the night runs past midnight into the
#: night after the chosen day).
WINDOWS: Mapping[str, tuple[int, ...]] = {
    "day": tuple(range(7, 18)),
    "evening": tuple(range(18, 22)),
    "night": (22, 23, 0, 1, 2, 3, 4, 5, 6),
}
DAY_HOURS: tuple[int, ...] = WINDOWS["day"]
EVENING_HOURS: tuple[int, ...] = WINDOWS["evening"]
NIGHT_HOURS: tuple[int, ...] = WINDOWS["night"]


def _check_hour(hour: int) -> int:
    if not 0 <= int(hour) < HOURS or int(hour) != hour:
        raise ValueError(f"hour {hour!r} is not a clock hour 0..{HOURS - 1}")
    return int(hour)


def hour_period(hour: int) -> str:
    """The period name of a clock hour, ``hour_period(7) == "h07"`` (``[indices] eyes_period``)."""
    return f"h{_check_hour(hour):02d}"


def eyes_column(hour: int) -> str:
    """The index column of a clock hour, ``eyes_column(7) == "eyes_h07"``.

    Raises
    ------
    ValueError
        ``hour`` is not a whole clock hour 0..23.

    Examples
    --------
    >>> eyes_column(7), eyes_column(23)
    ('eyes_h07', 'eyes_h23')
    """
    return f"{PREFIX}_{hour_period(hour)}"


def active_column(hour: int) -> str:
    """The open-premises column of a clock hour, ``active_column(7) == "eyes_active_h07"``.

    Examples
    --------
    >>> active_column(7)
    'eyes_active_h07'
    """
    return f"{PREFIX}_active_{hour_period(hour)}"


def window_column(window: str) -> str:
    """The index column of a window, ``window_column("night") == "eyes_night"``.

    Raises
    ------
    KeyError
        ``window`` is not one of :data:`WINDOWS`.

    Examples
    --------
    >>> [window_column(w) for w in WINDOWS]
    ['eyes_day', 'eyes_evening', 'eyes_night']
    """
    if window not in WINDOWS:
        raise KeyError(f"{window!r} is not an eyes window ({', '.join(WINDOWS)})")
    return f"{PREFIX}_{window}"


def period_column(period: str) -> str:
    """The index column of a period: a window (``"night"``) or an hour (``"h07"``).

    The name is built for any string (a period outside :data:`PERIODS` names a
    column that no run writes); :data:`PERIODS` lists the valid ones.
    """
    return f"{PREFIX}_{period}"


def window_span(window: str) -> str:
    """A window's clock hours as ``"07-18"`` (first hour, hour after the last).

    Examples
    --------
    >>> {w: window_span(w) for w in WINDOWS}
    {'day': '07-18', 'evening': '18-22', 'night': '22-07'}
    """
    hours = WINDOWS[window]
    return f"{hours[0]:02d}-{(hours[-1] + 1) % HOURS:02d}"


#: ``eyes_h00`` .. ``eyes_h23``.
HOUR_COLUMNS: list[str] = [eyes_column(h) for h in range(HOURS)]
#: ``eyes_active_h00`` .. ``eyes_active_h23``.
ACTIVE_COLUMNS: list[str] = [active_column(h) for h in range(HOURS)]
#: ``eyes_day``, ``eyes_evening``, ``eyes_night``.
WINDOW_COLUMNS: tuple[str, ...] = tuple(window_column(w) for w in WINDOWS)
#: Shell patterns of the hourly columns (the catalogue's column families).
HOUR_PATTERN = f"{PREFIX}_h??"
ACTIVE_PATTERN = f"{PREFIX}_active_h??"
#: Periods the composite score can use: the windows (night first), then every hour.
PERIODS: tuple[str, ...] = (*tuple(WINDOWS)[::-1], *(hour_period(h) for h in range(HOURS)))

__all__ = [
    "ACTIVE_COLUMNS",
    "ACTIVE_PATTERN",
    "DAY_HOURS",
    "EVENING_HOURS",
    "HOUR_COLUMNS",
    "HOUR_PATTERN",
    "NIGHT_HOURS",
    "PERIODS",
    "PREFIX",
    "WINDOWS",
    "WINDOW_COLUMNS",
    "active_column",
    "eyes_column",
    "hour_period",
    "period_column",
    "window_column",
    "window_span",
]
