"""From components to the hourly 0-100 index and its explanation.

Each component c is mapped onto an absolute 0..1 score by its saturation point,
s(c) = min(c / c_sat, 1), so a score never depends on other streets or cities.
For each hour h:

    eyes_h = 100 x sum_k w_k s_k(h) L_k(h) / sum_k w_k

with the component weights w_k; s_doors(h) counts entrances and the premises
open at h; s_residents(h) uses residents x at-home share
(h), s_flow(h) uses flow x pedestrian profile(h), s_active(h) the weighted open
premises at h. L_k(h) is the light factor in the hours of darkness for the
light-dependent components, else 1.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import numpy.typing as npt
import pandas as pd

from safespaces.errors import ConfigError
from safespaces.eyes.params import COMPONENTS, HOURS, EyesParams
from safespaces.eyes.vocabulary import WINDOWS, window_column
from safespaces.lighting.vocabulary import DARK_CLASSES, LIT_NOT_MAPPED, NO_LAMP_DATA


def saturate(value: npt.ArrayLike, sat: float) -> npt.NDArray[np.float64]:
    """s = min(value / sat, 1), 0 for missing values.

    Examples
    --------
    >>> saturate([0.0, 2.5, 10.0, float("nan")], 5.0).tolist()
    [0.0, 0.5, 1.0, 0.0]
    """
    v = np.nan_to_num(np.asarray(value, dtype=float))
    return np.clip(v / sat, 0.0, 1.0)


def light_factor(
    lux_avg: npt.ArrayLike,
    light_class: npt.ArrayLike | None,
    params: EyesParams,
) -> npt.NDArray[np.float64]:
    """How well eyes can see a segment in darkness, 0..1.

    L = floor + (1 - floor) x min(E_avg / E_ref, 1), with E_ref the P6 average
    (2 lx, EN 13201-2) and floor = :attr:`EyesParams.light_floor`. A segment
    tagged lit whose lamps are not mapped (NaN lux) is given
    :attr:`EyesParams.light_lux_tagged_lit`. A segment of class ``no lamp data``
    (lamps not mapped where it lies, :mod:`safespaces.lighting.coverage`) is
    neutral, L = 1: its light is unknown, so the eyes are neither discounted nor
    called dark (the light family flags it). Other NaN lux count as 0 (unlit).

    Examples
    --------
    With the default floor 0.2 and reference 2 lx: 1 lx gives 0.2 + 0.8 x 0.5; a
    segment with ``no lamp data`` is neutral.

    >>> from safespaces.eyes import EyesParams
    >>> light_factor([0.0, 1.0, 5.0, float("nan")], ["unlit", "P6", "P4", "no lamp data"],
    ...              EyesParams()).round(2).tolist()
    [0.2, 0.6, 1.0, 1.0]
    """
    lux = np.asarray(lux_avg, dtype=float).copy()
    neutral = np.zeros(len(lux), dtype=bool)
    if light_class is not None:
        cls = np.asarray(light_class, dtype=object)
        tagged = np.isnan(lux) & (cls == LIT_NOT_MAPPED)
        lux[tagged] = params.light_lux_tagged_lit
        neutral = cls == NO_LAMP_DATA
    lux = np.nan_to_num(lux)
    factor = params.light_floor + (1 - params.light_floor) * np.clip(
        lux / params.light_lux_ref, 0, 1
    )
    return np.where(neutral, 1.0, factor)


def dark_hours(
    darkness: pd.DataFrame | None, moments: list[dt.datetime], params: EyesParams
) -> npt.NDArray[np.bool_]:
    """Which hours are dark: the moment is before civil dawn or after civil dusk.

    Uses the lighting family's darkness table (``date``, ``civil_dawn``,
    ``civil_dusk``) for the moment's date; without one, the fixed
    :attr:`EyesParams.dark_hours`. A day with no civil dawn/dusk is dark all day
    when ``polar`` is ``'polar night'``, else light.
    """
    if darkness is None:
        return np.isin(np.arange(HOURS), np.asarray(params.dark_hours, dtype=int))
    table = darkness.assign(_date=darkness["date"].astype(str)).set_index("_date")
    out = np.zeros(HOURS, dtype=bool)
    for h, moment in enumerate(moments):
        key = moment.date().isoformat()
        if key not in table.index:
            raise ConfigError(
                f"the darkness table has no row for {key}. Fix: set lighting.darkness_year to "
                f"the year of eyes.reference_monday ({params.reference_monday[:4]})"
            )
        row = table.loc[key]
        dawn, dusk = row["civil_dawn"], row["civil_dusk"]
        if pd.isna(dawn) or pd.isna(dusk):
            out[h] = str(row.get("polar", "")) == "polar night"
            continue
        local = pd.Timestamp(moment)
        dawn_t = pd.Timestamp(dawn).tz_localize(None) if pd.Timestamp(dawn).tzinfo else dawn
        dusk_t = pd.Timestamp(dusk).tz_localize(None) if pd.Timestamp(dusk).tzinfo else dusk
        out[h] = bool(local < dawn_t or local >= dusk_t)
    return out


def hourly_scores(
    frame: pd.DataFrame,
    active: npt.NDArray[np.float64],
    doors: npt.NDArray[np.float64],
    light: npt.NDArray[np.float64],
    dark: npt.NDArray[np.bool_],
    params: EyesParams,
) -> dict[str, npt.NDArray[np.float64]]:
    """Score (0..1) of each component at each hour, light included: arrays (n, 24).

    ``params`` obey :func:`safespaces.eyes.params.validate` (24 hourly values,
    known components).

    Parameters
    ----------
    frame
        ``eyes_frontage_share``, ``eyes_residents_per_100m`` and
        ``eyes_flow_<r>m`` columns.
    active
        Weighted open premises per 100 m, shape (n, 24).
    doors
        Doors in use per 100 m, shape (n, 24): entrances, plus premises while
        they are open (a shut shop's door brings no eyes).
    light
        Light factor per segment.
    dark
        Dark hours (24,).
    """
    n = len(frame)
    at_home = np.asarray(params.residents_at_home, dtype=float)
    walkers = np.asarray(params.pedestrian_profile, dtype=float)
    flow = frame[f"eyes_flow_{int(params.flow_radius_m)}m"].to_numpy(dtype=float)
    residents = frame["eyes_residents_per_100m"].to_numpy(dtype=float)
    scores = {
        "frontage": np.repeat(
            saturate(frame["eyes_frontage_share"], params.sat_frontage_share)[:, None], HOURS, 1
        ),
        "doors": saturate(doors, params.sat_doors_per_100m),
        "residents": saturate(residents[:, None] * at_home[None, :], params.sat_residents_per_100m),
        "active": saturate(active, params.sat_active_per_100m),
        "flow": saturate(flow, params.sat_flow_m)[:, None] * walkers[None, :],
    }
    factor = np.where(dark[None, :], light[:, None], 1.0)
    for name in params.light_dependent:
        scores[name] = scores[name] * factor
    assert all(s.shape == (n, HOURS) for s in scores.values())
    return scores


def combine(
    scores: dict[str, npt.NDArray[np.float64]], params: EyesParams
) -> npt.NDArray[np.float64]:
    """eyes_h = 100 x sum_k w_k s_k(h) / sum_k w_k, shape (n, 24).

    ``params.weights`` obey :func:`safespaces.eyes.params.validate` (known
    components, at least one weight above 0).

    Examples
    --------
    Two components, each weighted 1, on one segment for 24 hours:

    >>> import numpy as np
    >>> from safespaces.eyes import EyesParams
    >>> params = EyesParams(weights={"frontage": 1.0, "doors": 1.0, "residents": 0.0,
    ...                              "active": 0.0, "flow": 0.0})
    >>> scores = {k: np.zeros((1, 24)) for k in params.weights}
    >>> scores["frontage"][:] = 0.8
    >>> scores["doors"][:] = 0.4
    >>> combine(scores, params)[0, :3].round(1).tolist()
    [60.0, 60.0, 60.0]
    """
    total = sum(float(params.weights.get(k, 0.0)) for k in COMPONENTS)
    acc = sum(float(params.weights.get(k, 0.0)) * scores[k] for k in COMPONENTS)
    return 100.0 * np.asarray(acc) / total


def window_means(index: npt.NDArray[np.float64]) -> dict[str, npt.NDArray[np.float64]]:
    """``eyes_day`` (07-18), ``eyes_evening`` (18-22), ``eyes_night`` (22-07): hour means."""
    return {window_column(w): index[:, list(hours)].mean(axis=1) for w, hours in WINDOWS.items()}


def _order_from(day_start: int) -> list[int]:
    return [(day_start + i) % HOURS for i in range(HOURS)]


def explain(
    scores: dict[str, npt.NDArray[np.float64]],
    frame: pd.DataFrame,
    active: npt.NDArray[np.float64],
    light: npt.NDArray[np.float64] | None,
    light_class: npt.ArrayLike | None,
    params: EyesParams,
) -> list[str]:
    """Name each segment's weakest components, weakest first.

    A component is weak when its best score over the day (light not included)
    is below :attr:`EyesParams.weak_score`. Premises are described by the hour
    they close: "no open premises after 21:00". Poor light is named when the
    light factor is below 1. At most :attr:`EyesParams.explain_max` items.
    """
    n = len(frame)
    order = _order_from(params.day_start_hour)
    open_any = active[:, order] > 0
    last = np.where(open_any.any(axis=1), HOURS - 1 - np.argmax(open_any[:, ::-1], axis=1), -1)
    best = {
        "frontage": saturate(frame["eyes_frontage_share"], params.sat_frontage_share),
        "doors": scores["doors"].max(axis=1),
        "residents": saturate(
            frame["eyes_residents_per_100m"].to_numpy(dtype=float) * max(params.residents_at_home),
            params.sat_residents_per_100m,
        ),
        "active": scores["active"].max(axis=1),
        "flow": saturate(frame[f"eyes_flow_{int(params.flow_radius_m)}m"], params.sat_flow_m),
    }
    residents = frame["eyes_residents_per_100m"].to_numpy(dtype=float)
    doors = frame["eyes_doors_per_100m"].to_numpy(dtype=float)
    share = frame["eyes_frontage_share"].to_numpy(dtype=float)
    cls = None if light_class is None else np.asarray(light_class, dtype=object)
    texts = []
    for i in range(n):
        items: list[tuple[float, str]] = []
        for k in COMPONENTS:
            s = float(best[k][i])
            if s >= params.weak_score and k != "active":
                continue
            if k == "frontage":
                items.append((s, "no street wall" if share[i] == 0 else "little street wall"))
            elif k == "doors":
                items.append((s, "no doors" if doors[i] == 0 else "few doors"))
            elif k == "residents":
                items.append((s, "no home windows" if residents[i] == 0 else "few home windows"))
            elif k == "flow":
                items.append((s, "few passers-by"))
            elif last[i] < 0:
                items.append((s, "no open premises"))
            elif last[i] < HOURS - 1:
                closes = order[last[i]] + 1
                late = HOURS - 1 - last[i]
                items.append((late / HOURS, f"no open premises after {closes % HOURS:02d}:00"))
        if light is not None and light[i] < 1.0:
            label = "unlit" if light[i] <= params.light_floor else "poorly lit"
            if cls is not None and isinstance(cls[i], str) and cls[i] not in DARK_CLASSES:
                label = "poorly lit"
            items.append((float(light[i]) - params.light_floor, label))
        items.sort(key=lambda item: item[0])
        texts.append("; ".join(t for _, t in items[: params.explain_max]) or "no weak component")
    return texts
