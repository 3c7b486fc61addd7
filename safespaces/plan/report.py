"""What the planners report beside their figures: the light they cannot see, why they
propose fewer than their budget, and the lamp plan's register file.

A planner on the lighting model sees only the light it knows. Where OpenStreetMap maps
no lamp (class ``no lamp data``) or tags a way lit without its lamps (``lit, lamps not
mapped``), the light is unknown: neither dark nor lit. ``plan lamps`` puts no candidate
there, and ``plan hours`` weighs such a segment as lit. In a city whose lamps are not
mapped (Oslo-Skøyen, Baltimore, central Portland in ``../shared/data/cities``) that is
nearly every metre, and a plan of "0 new lamps, 0 % at P6" would read as a measured
result. The functions here give the figures and the sentence that say so, with the fix
(a lamp register). A plan with no lamp at all (none mapped, none proposed) writes no
register: a header without rows is a file ``--lamps`` refuses.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from safespaces.errors import InputError
from safespaces.io import atomic_path
from safespaces.lighting import LightingResult
from safespaces.lighting.vocabulary import (
    CLASS_COLUMN,
    DARK_CLASSES,
    LIT_NOT_MAPPED,
    NO_LAMP_DATA,
    P_CLASS_NAMES,
)
from safespaces.plan.lamps import LampPlan, in_parks

#: The fix when the light is unknown.
LAMPS_FIX = (
    "give the city's lamp register (--lamps F: CSV with lon/lat, or points), "
    "or map the street lamps (highway=street_lamp) in OpenStreetMap"
)


def light_known(
    segments: pd.DataFrame, mask: npt.ArrayLike | None = None
) -> dict[str, float | None]:
    """Walking length (m) by what the lighting knows of it, and shares of the total.

    Parameters
    ----------
    segments
        Segments with ``light_class`` (the lighting family's) and a line geometry.
    mask
        Only these segments (e.g. the park paths); default all.

    Returns
    -------
    dict
        ``walking_m``, ``p6_m`` (P6 or better), ``dark_m`` (below P6 or unlit),
        ``no_lamp_data_m``, ``lit_not_mapped_m``, ``unknown_m`` (their sum) and
        ``unknown_share`` (None without walking length).

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> segs = gpd.GeoDataFrame(
    ...     {"light_class": ["P6", "unlit", "no lamp data"]},
    ...     geometry=[shapely.LineString([(0, 0), (0, d)]) for d in (10, 20, 70)],
    ... )
    >>> light_known(segs)["unknown_share"]
    0.7
    """
    cls = segments[CLASS_COLUMN].to_numpy(dtype=object)
    length = shapely.length(np.asarray(segments.geometry.to_numpy())).astype(float)
    keep = np.ones(len(cls), dtype=bool) if mask is None else np.asarray(mask, dtype=bool)

    def total(classes: tuple[str, ...]) -> float:
        return round(float(length[keep & np.isin(cls, np.array(classes, dtype=object))].sum()), 1)

    walking = round(float(length[keep].sum()), 1)
    out: dict[str, float | None] = {
        "walking_m": walking,
        "p6_m": total(P_CLASS_NAMES),
        "dark_m": total(DARK_CLASSES),
        "no_lamp_data_m": total((NO_LAMP_DATA,)),
        "lit_not_mapped_m": total((LIT_NOT_MAPPED,)),
    }
    out["unknown_m"] = round(
        float(out["no_lamp_data_m"] or 0) + float(out["lit_not_mapped_m"] or 0), 1
    )
    out["unknown_share"] = round(float(out["unknown_m"] or 0) / walking, 4) if walking > 0 else None
    return out


def _km(metres: float | None, walking: float | None) -> str:
    share = f" ({float(metres or 0) / walking:.1%})" if walking else ""
    return f"{float(metres or 0) / 1000:.2f} km{share}"


def lamp_shortfall(
    known: dict[str, float | None],
    summary: dict[str, Any],
    *,
    in_scope: dict[str, float | None] | None = None,
) -> str | None:
    """Why ``plan lamps`` proposes fewer lamps than its budget (None: it proposes them all).

    Parameters
    ----------
    known
        :func:`light_known` of every segment.
    summary
        The plan's summary (``budget``, ``proposed``, ``candidates``, ``where``).
    in_scope
        :func:`light_known` of the segments ``where`` allows (the park paths or the
        others); default ``known``.
    """
    if int(summary["proposed"]) >= int(summary["budget"]):
        return None
    scope = known if in_scope is None else in_scope
    where = str(summary.get("where", "all"))
    place = {"parks": " among the park paths", "streets": " outside the parks"}.get(where, "")
    walking = known["walking_m"]
    if int(summary["candidates"]) == 0 and where != "all" and not scope["walking_m"]:
        kind = "in a park (lighting.park_kinds)" if where == "parks" else "outside the parks"
        return (
            f"no lamp proposed: no walking segment of the study lies {kind}, so there is no "
            "candidate position. Fix: use --where all"
        )
    if int(summary["candidates"]) == 0:
        text = (
            f"no lamp proposed: no segment{place} is dark by the lighting model "
            "(below P6 or unlit), so there is no candidate position"
        )
        if float(scope["unknown_m"] or 0) > 0:
            text += (
                f"; the light of {_km(scope['no_lamp_data_m'], walking)} is unknown (no lamp "
                f"data) and {_km(scope['lit_not_mapped_m'], walking)} is tagged lit with no "
                f"mapped lamp{place}: unknown, not dark. Fix: {LAMPS_FIX}"
            )
        elif float(scope["p6_m"] or 0) >= float(scope["walking_m"] or 0) - 0.1:
            text += f"; all {_km(scope['p6_m'], None)} of walking meet P6 or better already"
        elif where != "all" and float(known["dark_m"] or 0) > 0:
            text += (
                f". Fix: {_km(known['dark_m'], walking)} of dark segments lie elsewhere: "
                "use --where all"
            )
        return text
    return (
        f"{summary['proposed']} of {summary['budget']} lamps proposed: no further candidate "
        f"(of {summary['candidates']}) lifts a segment to P6 or brings one nearer to it"
    )


def lamp_plan_notes(lighting: LightingResult, summary: dict[str, Any]) -> dict[str, Any]:
    """The summary of a lamp plan with what the lighting leaves unknown and, when fewer
    lamps than the budget are proposed, why (``note``).

    Adds ``light_unknown_m`` and ``light_unknown_share`` (of the walking length: classes
    ``no lamp data`` and ``lit, lamps not mapped``, where no candidate stands) and
    ``note`` (None when the whole budget is proposed).
    """
    segs = lighting.segments
    known = light_known(segs)
    where = str(summary.get("where", "all"))
    scope = None
    if where != "all":
        park = in_parks(segs, lighting.public_spaces, lighting.params)
        scope = light_known(segs, park if where == "parks" else ~park)
    return {
        **summary,
        "light_unknown_m": known["unknown_m"],
        "light_unknown_share": known["unknown_share"],
        "note": lamp_shortfall(known, summary, in_scope=scope),
    }


def lamp_plan_lines(summary: dict[str, Any]) -> list[str]:
    """The lines that say what a lamp plan's summary (:func:`lamp_plan_notes`) leaves
    unknown and why it proposes fewer lamps than its budget (none when neither applies)."""
    lines = []
    share = summary.get("light_unknown_share")
    if share:
        lines.append(
            f"light unknown on {float(share):.1%} of the walking length (lamps not mapped: "
            "no candidate there, not counted as dark)"
        )
    if summary.get("note"):
        lines.append(f"note: {summary['note']}")
    return lines


def write_register(plan: LampPlan, path: Path) -> Path | None:
    """Write the plan's lamp register (:meth:`LampPlan.register_table`) to ``path`` as CSV,
    atomically; with no lamp in it, remove ``path`` (an earlier plan's) and return None."""
    path.unlink(missing_ok=True)
    if len(plan.register) == 0:
        return None
    with atomic_path(path) as tmp:
        plan.register_table().to_csv(tmp, index=False)
    return path


def summary_markdown(summary: dict[str, Any], lamps: gpd.GeoDataFrame) -> str:
    """Before / after lines, the guarantee, the notes and the ranked gains, as Markdown."""
    lines = [
        f"walking length at P6 or better: {float(summary['p6_length_before_m']) / 1000:.2f} km "
        f"({summary['p6_share_before']:.1%}) before, "
        f"{float(summary['p6_length_after_m']) / 1000:.2f} km ({summary['p6_share_after']:.1%}) "
        f"with {summary['proposed']} new lamps (+{float(summary['gain_m']):,.0f} m)",
        f"guarantee: {summary['guarantee']}",
        *lamp_plan_lines(summary),
        "",
    ]
    extra = f"gain_{summary['objective']}"
    weighted = extra in lamps.columns
    head = "| rank | context | height (m) | intensity (cd) | gain (m) | cumulative (m) |"
    lines += [
        head + (f" {extra} |" if weighted else ""),
        "| ---: | --- | ---: | ---: | ---: | ---: |" + (" ---: |" if weighted else ""),
    ]
    for row in lamps.to_dict("records"):
        line = (
            f"| {row['rank']} | {row['light_context']} | {row['height_m']:.1f} "
            f"| {row['intensity_cd']:.0f} | {row['gain_m']:.0f} | {row['cumulative_gain_m']:.0f} |"
        )
        lines.append(line + (f" {row[extra]:.1f} |" if weighted else ""))
    return "\n".join(lines) + "\n"


def hours_shortfall(
    budget: int, proposed: int, candidates: int, premises: int, until_hour: int
) -> str | None:
    """Why ``plan hours`` proposes fewer premises than its budget (None: the whole budget).

    Examples
    --------
    >>> hours_shortfall(10, 0, 0, 0, 22)[:55]
    'no premises proposed: the study has no premises (shops,'
    """
    if proposed >= budget:
        return None
    if candidates == 0:
        if premises == 0:
            return (
                "no premises proposed: the study has no premises (shops, cafes, offices ... "
                "of OpenStreetMap); the extract may be filtered to roads"
            )
        return (
            f"no premises proposed: none of the {premises} premises is open on the day, "
            f"closes before {until_hour:02d}:00 and is a door of a walking segment"
        )
    if candidates < budget and proposed == candidates:
        return f"{proposed} of {budget} premises proposed: only {candidates} could stay open later"
    return (
        f"{proposed} of {budget} premises proposed: keeping any other of the {candidates} "
        "candidates open later adds nothing (its street has no need: lit, or no flow or "
        "residents near it, or the added hours are not dark)"
    )


def no_need_error(needs: pd.DataFrame, homes_radius_m: float, flow_column: str) -> NoReturn:
    """The error of ``plan hours`` when every street's need is 0 (``needs``: the frame of
    :func:`safespaces.plan.hours.segment_need`): a plan would rank premises by gains of 0.

    Raises
    ------
    InputError
        Always; naming the factor that is 0 everywhere and the fix.
    """
    homes = not needs["need_homes"].to_numpy().max() > 0
    raise InputError(
        "every street's need is 0, so no premises can be ranked: "
        + (
            f"no residents within {homes_radius_m:g} m of any street (the study has no "
            "buildings with residents; the extract may be filtered to roads)"
            if homes
            else "no street has pedestrian flow"
        ),
        column="residents" if homes else flow_column,
        fix="use an extract that maps buildings (building=*), or give their dwellings with --tenure"
        if homes
        else "check the walking network of the extract",
    )


__all__ = [
    "LAMPS_FIX",
    "hours_shortfall",
    "lamp_plan_lines",
    "lamp_plan_notes",
    "lamp_shortfall",
    "light_known",
    "no_need_error",
    "summary_markdown",
    "write_register",
]
