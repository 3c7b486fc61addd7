"""Which premises are open at each hour of the chosen day.

OSM ``opening_hours`` strings are read by ``opening-hours-py`` (a Rust parser
of the full OSM specification, including ranges past midnight). Each unique
string is parsed once. A missing or unreadable string falls back to the
documented default of the premises' category (:attr:`EyesParams.default_hours`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt
import opening_hours
import pandas as pd

from safespaces.errors import ConfigError
from safespaces.eyes.params import (
    HOURS,
    PARSE_ERRORS,
    WEEKDAYS,
    EyesParams,
    normalise_weekday,
    reference_date,
)


def hour_datetimes(params: EyesParams) -> list[dt.datetime]:
    """The moment that stands for each clock hour 0..23 of the chosen day.

    The middle of each hour (``hh:30``) on the reference week's date of
    :attr:`~EyesParams.weekday`; hours before :attr:`~EyesParams.day_start_hour`
    fall on the next date (the night after the chosen day).

    Examples
    --------
    >>> from safespaces.eyes import EyesParams
    >>> moments = hour_datetimes(EyesParams(weekday="Fr"))
    >>> moments[22].isoformat(), moments[2].isoformat()  # 02:30 is the night after Friday
    ('2026-03-13T22:30:00', '2026-03-14T02:30:00')
    """
    monday = reference_date(params.reference_monday)
    day = monday + dt.timedelta(days=WEEKDAYS.index(normalise_weekday(params.weekday)))
    out = []
    for hour in range(HOURS):
        date = day + dt.timedelta(days=1) if hour < params.day_start_hour else day
        out.append(dt.datetime.combine(date, dt.time(hour, 30)))
    return out


def open_hours(expression: str, moments: Sequence[dt.datetime]) -> npt.NDArray[np.bool_]:
    """Open (True) at each moment, by the OSM ``opening_hours`` syntax.

    ``unknown`` states count as closed. Raises ``opening_hours.ParserError`` on a
    string that is not valid syntax.
    """
    parsed = opening_hours.OpeningHours(expression)
    return np.array([parsed.is_open(m) for m in moments], dtype=bool)


def _lookup(mapping: Mapping[str, object], category: str, key: str) -> object:
    if category in mapping:
        return mapping[category]
    if key in mapping:
        return mapping[key]
    return mapping.get("*")


@dataclasses.dataclass(frozen=True)
class OpeningTable:
    """Opening state of every premises at every hour.

    Attributes
    ----------
    is_open
        Boolean array (n premises, 24 hours).
    weight
        Weight of each premises (:attr:`EyesParams.category_weights`).
    source
        Per premises: ``'tag'`` (its own ``opening_hours``), ``'default'`` (none
        given) or ``'unparsed'`` (given but not valid syntax; default used).
    """

    is_open: npt.NDArray[np.bool_]
    weight: npt.NDArray[np.float64]
    source: npt.NDArray[np.object_]

    @property
    def unparsed(self) -> int:
        """Number of premises whose ``opening_hours`` could not be parsed."""
        return int((self.source == "unparsed").sum())


def opening_table(pois: pd.DataFrame, params: EyesParams) -> OpeningTable:
    """Open/closed by hour for every premises, with its weight.

    Parameters
    ----------
    pois
        ``poi_key``, ``category`` and ``opening_hours`` columns (missing ones count
        as empty).
    params
        Weekday, reference week, default hours and weights.

    Returns
    -------
    OpeningTable

    Examples
    --------
    A bar with tagged hours and a cafe without (its category's default hours apply):

    >>> import pandas as pd
    >>> from safespaces.eyes import EyesParams
    >>> pois = pd.DataFrame({"poi_key": ["amenity", "amenity"], "category": ["bar", "cafe"],
    ...                      "opening_hours": ["Mo-Su 16:00-02:00", None]})
    >>> table = opening_table(pois, EyesParams(weekday="Fr"))
    >>> table.source.tolist(), [int(h) for h in table.is_open[0].nonzero()[0]]
    (['tag', 'default'], [0, 1, 16, 17, 18, 19, 20, 21, 22, 23])
    """
    n = len(pois)
    moments = hour_datetimes(params)

    def column(name: str) -> npt.NDArray[np.object_]:
        if name not in pois:
            return np.full(n, "", dtype=object)
        return pois[name].astype(object).where(pois[name].notna(), "").to_numpy(dtype=object)

    strings = column("opening_hours")
    categories = column("category")
    keys = column("poi_key")
    source = np.where(np.char.str_len(strings.astype(str)) > 0, "tag", "default").astype(object)
    cache: dict[str, npt.NDArray[np.bool_] | None] = {}

    def parse(text: str) -> npt.NDArray[np.bool_] | None:
        if text not in cache:
            try:
                cache[text] = open_hours(text, moments)
            except PARSE_ERRORS:
                cache[text] = None
        return cache[text]

    # one parse per unique (string, category, key): many premises share a string
    triples = np.stack([strings.astype(str), categories.astype(str), keys.astype(str)], axis=1)
    combos, inverse = np.unique(triples.reshape(n, 3), axis=0, return_inverse=True)
    inverse = np.asarray(inverse).reshape(-1)
    rows = np.zeros((len(combos), HOURS), dtype=bool)
    unparsed = np.zeros(len(combos), dtype=bool)
    for c, (text, category, key) in enumerate(combos):
        row = parse(str(text).strip()) if text else None
        if row is None:
            unparsed[c] = bool(text)
            fallback = _lookup(params.default_hours, str(category), str(key))
            row = parse(str(fallback)) if fallback else None
            if row is None:
                raise ConfigError(
                    f"eyes.default_hours for {category or key!r} = {fallback!r} is not "
                    "valid opening_hours syntax. Fix: write it like 'Mo-Fr 09:00-17:00'"
                )
        rows[c] = row
    is_open = rows[inverse]
    source[unparsed[inverse]] = "unparsed"
    weight = np.array(
        [
            float(_lookup(params.category_weights, str(c), str(k)) or 0.0)  # type: ignore[arg-type]
            for c, k in zip(categories, keys, strict=True)
        ],
        dtype=np.float64,
    )
    return OpeningTable(is_open=is_open, weight=weight, source=source)
