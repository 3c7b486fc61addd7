"""Configuration of the eyes-on-the-street index (section ``[eyes]``).

Every default and its source is explained in ``docs/eyes.md``.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping

import opening_hours

from safespaces.errors import SettingError
from safespaces.eyes.vocabulary import HOURS
from safespaces.validation import (
    Check,
    Count,
    Keys,
    Note,
    Number,
    OneOf,
    Problem,
    Rules,
    check_section,
)

WEEKDAYS = ("Mo", "Tu", "We", "Th", "Fr", "Sa", "Su")
_LONG = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
#: Components of the index, in the order of :attr:`EyesParams.weights`.
COMPONENTS = ("frontage", "doors", "residents", "active", "flow")
#: What the parser raises on a bad string (``ParserError`` is a ``SyntaxError``).
PARSE_ERRORS: tuple[type[BaseException], ...] = (
    getattr(opening_hours, "ParserError", SyntaxError),
    SyntaxError,
    ValueError,
)

#: Share of residents at home, by clock hour 0..23 (weekday). Shape of the
#: Statistics Finland time-use survey 2009-2010 "at home" curve, rounded: most
#: people are home at night, fewest at mid-day.
RESIDENTS_AT_HOME = (
    0.95, 0.95, 0.95, 0.95, 0.95, 0.95, 0.95,  # 00-06
    0.80, 0.55, 0.45, 0.45, 0.45, 0.45, 0.45,  # 07-13
    0.45, 0.45, 0.55, 0.65, 0.75, 0.75, 0.80,  # 14-20
    0.85, 0.90, 0.90,  # 21-23
)  # fmt: skip

#: Pedestrian volume by clock hour relative to the daily peak (1.0). An assumed
#: generic city-centre curve (the shape automatic pedestrian counters show:
#: a late-afternoon peak, a trough at 03-05), not fitted to Helsinki counts.
PEDESTRIAN_PROFILE = (
    0.15, 0.10, 0.07, 0.04, 0.03, 0.05, 0.12,  # 00-06
    0.30, 0.50, 0.55, 0.65, 0.80, 0.95, 0.95,  # 07-13
    0.90, 0.95, 1.00, 1.00, 0.85, 0.70, 0.55,  # 14-20
    0.45, 0.35, 0.25,  # 21-23
)  # fmt: skip


def _default_hours() -> dict[str, str]:
    # keys: an OSM category value (``bar``) or a POI key (``shop``), category first
    return {
        "shop": "Mo-Fr 10:00-20:00; Sa 10:00-18:00; Su 12:00-18:00",
        "supermarket": "Mo-Sa 07:00-22:00; Su 10:00-22:00",
        "convenience": "Mo-Su 07:00-23:00",
        "kiosk": "Mo-Su 07:00-23:00",
        "bar": "Mo-Su 16:00-02:00",
        "pub": "Mo-Su 14:00-02:00",
        "nightclub": "Th-Sa 22:00-04:00",
        "restaurant": "Mo-Su 11:00-22:00",
        "cafe": "Mo-Fr 08:00-18:00; Sa,Su 10:00-17:00",
        "fast_food": "Mo-Th 10:00-23:00; Fr,Sa 10:00-03:00; Su 11:00-22:00",
        "hotel": "24/7",
        "hostel": "24/7",
        "pharmacy": "Mo-Fr 09:00-20:00; Sa 09:00-17:00",
        "cinema": "Mo-Su 12:00-23:00",
        "theatre": "Tu-Sa 18:00-22:00",
        "office": "Mo-Fr 08:00-17:00",
        "amenity": "Mo-Fr 09:00-17:00",
        "*": "Mo-Fr 09:00-17:00",
    }


def _default_weights() -> dict[str, float]:
    # keys as for default_hours; premises that draw people at night weigh more
    return {
        "bar": 1.5,
        "pub": 1.5,
        "nightclub": 1.5,
        "restaurant": 1.2,
        "fast_food": 1.2,
        "cafe": 1.0,
        "convenience": 1.0,
        "kiosk": 1.0,
        "shop": 1.0,
        "hotel": 0.8,
        "office": 0.5,
        "company": 0.5,
        "*": 1.0,
    }


@dataclasses.dataclass(frozen=True)
class EyesParams:
    """Eyes-on-the-street settings.

    Attributes
    ----------
    weekday
        Day of the week the hourly index is for (``Mo`` .. ``Su``).
    reference_monday
        Monday (ISO date) of the reference week whose dates stand for the
        weekdays. 9-15 March 2026 has no Finnish public holiday and is near the
        equinox (about 12 h of darkness).
    day_start_hour
        Hours before this belong to the night after the chosen day: ``eyes_h02``
        of a Friday is Saturday 02:00-03:00, the end of Friday night.
    frontage_distance_m
        A façade within this distance of a segment, measured at right angles to
        it, faces it (Gehl's 20-25 m social field of vision).
    sample_spacing_m
        Target spacing of the frontage samples along a segment.
    door_distance_m
        An entrance or premises within this distance of its nearest segment is
        a door onto it.
    min_length_m
        Densities per 100 m divide by at least this length (a 2 m stub at a
        junction would otherwise get an enormous density).
    flow_radii_m
        Network radii of the pedestrian-flow measure (``eyes_flow_<r>m``).
    flow_radius_m
        The radius whose flow enters the index (one of ``flow_radii_m``).
    flow_beta_times_radius
        Decay of the gravity measure: beta = this / radius; 4 gives a weight of
        exp(-4) = 0.018 at the radius (cityseer's default).
    sat_frontage_share, sat_doors_per_100m, sat_residents_per_100m,
    sat_active_per_100m, sat_flow_m
        Saturation point of each component: the score is min(value / sat, 1).
    weights
        Weight of each component in the index (``frontage``, ``doors``,
        ``residents``, ``active``, ``flow``).
    residents_at_home
        Share of residents present by clock hour 0..23.
    pedestrian_profile
        Passers-by by clock hour relative to the daily peak.
    default_hours
        Opening hours (OSM syntax) for premises without a readable
        ``opening_hours`` tag, by category (``bar``), then key (``shop``), then
        ``*``.
    category_weights
        Weight of one open premises by category, then key, then ``*``.
    light_lux_ref
        Average illuminance (lx) at which light no longer limits eyes: 2 lx,
        the EN 13201-2 P6 average.
    light_floor
        Light factor of an unlit segment in darkness (windows and shop fronts
        still spill some light).
    light_lux_tagged_lit
        Lux assumed for a segment tagged lit whose lamps are not mapped.
    light_dependent
        Components multiplied by the light factor in the hours of darkness.
        Open premises are not: they light their own fronts.
    dark_hours
        Clock hours of darkness when no darkness table is given.
    weak_score
        Components scoring below this (0..1) are named in ``eyes_explain``.
    explain_max
        Largest number of weaknesses named in ``eyes_explain``.

    Examples
    --------
    >>> params = EyesParams()
    >>> params.weekday, params.frontage_distance_m
    ('Fr', 25.0)
    >>> EyesParams(weekday="Sa").weekday
    'Sa'
    """

    weekday: str = "Fr"
    reference_monday: str = "2026-03-09"
    day_start_hour: int = 7
    frontage_distance_m: float = 25.0
    sample_spacing_m: float = 2.0
    door_distance_m: float = 25.0
    min_length_m: float = 10.0
    flow_radii_m: tuple[float, ...] = (400.0, 800.0)
    flow_radius_m: float = 800.0
    flow_beta_times_radius: float = 4.0
    sat_frontage_share: float = 0.8
    sat_doors_per_100m: float = 15.0
    sat_residents_per_100m: float = 200.0
    sat_active_per_100m: float = 10.0
    sat_flow_m: float = 8000.0
    weights: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {
            "frontage": 1.0,
            "doors": 1.0,
            "residents": 1.0,
            "active": 1.5,
            "flow": 1.0,
        }
    )
    residents_at_home: tuple[float, ...] = RESIDENTS_AT_HOME
    pedestrian_profile: tuple[float, ...] = PEDESTRIAN_PROFILE
    default_hours: Mapping[str, str] = dataclasses.field(default_factory=_default_hours)
    category_weights: Mapping[str, float] = dataclasses.field(default_factory=_default_weights)
    light_lux_ref: float = 2.0
    light_floor: float = 0.2
    light_lux_tagged_lit: float = 2.0
    light_dependent: tuple[str, ...] = ("frontage", "doors", "residents", "flow")
    dark_hours: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 19, 20, 21, 22, 23)
    weak_score: float = 0.2
    explain_max: int = 3


def normalise_weekday(day: str) -> str:
    """``Mo``..``Su`` from ``Mo``, ``mon``, ``monday`` (any case).

    Raises
    ------
    SettingError
        An unknown day name.

    Examples
    --------
    >>> normalise_weekday("friday"), normalise_weekday("SAT"), normalise_weekday("Mo")
    ('Fr', 'Sa', 'Mo')
    """
    text = str(day).strip().lower()
    for short, long in zip(WEEKDAYS, _LONG, strict=True):
        if text and (text == short.lower() or (len(text) >= 2 and long.startswith(text))):
            return short
    raise SettingError(
        "eyes.weekday",
        day,
        "not a day of the week",
        "use Mo, Tu, We, Th, Fr, Sa, Su or monday..sunday",
    )


def _weekday_problem(day: str) -> Problem | None:
    try:
        normalise_weekday(day)
    except SettingError as exc:
        return exc.problem, exc.fix
    return None


def reference_date(text: str) -> dt.date:
    """The Monday :attr:`EyesParams.reference_monday` names.

    Raises
    ------
    SettingError
        Not an ISO date, not a Monday, or outside 1900-2100.
    """
    try:
        monday = dt.date.fromisoformat(text)
    except ValueError:
        raise SettingError(
            "eyes.reference_monday", text, "not an ISO date", "write it as YYYY-MM-DD"
        ) from None
    if not 1900 <= monday.year <= 2100:
        raise SettingError(
            "eyes.reference_monday", text, "outside the years 1900-2100", "give a recent Monday"
        )
    if monday.weekday() != 0:
        before = monday - dt.timedelta(days=monday.weekday())
        raise SettingError(
            "eyes.reference_monday",
            text,
            f"not a Monday (it is a {monday.strftime('%A')})",
            f"give a Monday, e.g. {before.isoformat()}",
        )
    return monday


def _monday_problem(text: str) -> Problem | None:
    try:
        reference_date(text)
    except SettingError as exc:
        return exc.problem, exc.fix
    return None


def _hours_problem(text: str) -> Problem | None:
    try:
        opening_hours.OpeningHours(text)
    except PARSE_ERRORS:
        return "not valid opening_hours syntax", "write it like 'Mo-Fr 09:00-17:00; Sa 10:00-14:00'"
    return None


#: Allowed range of every setting (docs/config.md); see :mod:`safespaces.validation`.
RULES: Rules = {
    "weekday": Check(_weekday_problem, "Mo..Su or monday..sunday (any case)"),
    "reference_monday": (
        Check(_monday_problem, "an ISO date (YYYY-MM-DD) of a Monday in 1900-2100"),
        Note("the chosen day and the night after it lie in the Monday's year"),
    ),
    "day_start_hour": Number(0, HOURS - 1),
    "frontage_distance_m": Number(1, 100, unit="m"),
    "sample_spacing_m": Number(
        0.5, 25, unit="m", why="finer than 0.5 m only multiplies the frontage rays"
    ),
    "door_distance_m": Number(1, 100, unit="m"),
    "min_length_m": Number(1, 1000, unit="m"),
    "flow_radii_m": (
        Count(1, 4, distinct=True),
        Number(
            50,
            2000,
            whole=True,
            unit="m",
            why="each radius is a network search from every node: 2 km covers a walk of 25 min",
        ),
    ),
    "flow_radius_m": Note("one of eyes.flow_radii_m"),
    "flow_beta_times_radius": Number(0, 20, lo_open=True),
    "sat_frontage_share": Number(0, 1, lo_open=True),
    "sat_doors_per_100m": Number(0, lo_open=True),
    "sat_residents_per_100m": Number(0, lo_open=True),
    "sat_active_per_100m": Number(0, lo_open=True),
    "sat_flow_m": Number(0, lo_open=True, unit="m"),
    "weights": (Keys(allowed=COMPONENTS), Number(0), Note("at least one weight > 0")),
    "residents_at_home": (Count(HOURS, HOURS), Number(0, 1)),
    "pedestrian_profile": (Count(HOURS, HOURS), Number(0, 1)),
    "default_hours": (
        Keys(required=("*",)),
        Check(_hours_problem, "OSM opening_hours syntax", each=True),
    ),
    "category_weights": Number(0, 100),
    "light_lux_ref": Number(0, 1000, lo_open=True, unit="lx"),
    "light_floor": Number(0, 1),
    "light_lux_tagged_lit": Number(0, 1000, unit="lx"),
    "light_dependent": (Count(distinct=True), OneOf(COMPONENTS)),
    "dark_hours": (Count(distinct=True), Number(0, HOURS - 1)),
    "weak_score": Number(0, 1),
    "explain_max": Number(0, len(COMPONENTS)),
}


def validate(params: EyesParams) -> None:
    """Check every eyes setting: :data:`RULES`, then the rules that tie settings together.

    Raises
    ------
    SettingError
        The first setting outside its range.
    """
    check_section("eyes", params, RULES)
    if params.flow_radius_m not in params.flow_radii_m:
        raise SettingError(
            "eyes.flow_radius_m",
            params.flow_radius_m,
            f"not one of eyes.flow_radii_m {list(params.flow_radii_m)}",
            "add it to eyes.flow_radii_m or pick one of them",
            related=("eyes.flow_radii_m",),
        )
    if not any(w > 0 for w in params.weights.values()):
        raise SettingError(
            "eyes.weights",
            dict(params.weights),
            "no weight above 0",
            f"give at least one of {', '.join(COMPONENTS)} a positive weight",
        )
    monday = reference_date(params.reference_monday)
    day = monday + dt.timedelta(days=WEEKDAYS.index(normalise_weekday(params.weekday)))
    last = day + dt.timedelta(days=1 if params.day_start_hour > 0 else 0)
    if last.year != monday.year:
        raise SettingError(
            "eyes.reference_monday",
            params.reference_monday,
            f"the night after {day.isoformat()} falls in {last.year}, outside the darkness "
            f"table of {monday.year}",
            "give a Monday earlier in the year (a week in spring or autumn is typical)",
            related=("eyes.weekday", "eyes.day_start_hour"),
        )
