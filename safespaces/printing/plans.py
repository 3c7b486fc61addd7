"""A plan on paper: the proposals of ``safespaces plan lamps`` (layer ``plan_lamps``) or
``safespaces plan hours`` (``plan_hours``) as numbered points over the street layer they
were planned on, the plan's figures in the title, and the numbers placed beside the points
so that they overlap neither each other nor the other points where a free place exists.

The street layer is the state *before* the plan: a plan's output folder holds the run's
segments and the proposals, not the segments lit (or watched) after it; the plan's effect
is stated in the subtitle (the planner's own before/after figures).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely

from safespaces.errors import InputError
from safespaces.printing import texts as words
from safespaces.printing.view import PT_PER_MM

#: A plan layer -> the street layer it is drawn over (the map layer the planner reads).
BASES: Mapping[str, str] = {"plan_lamps": "lighting", "plan_hours": "eyes"}
#: A plan layer -> the key of its summary in the run's metadata.
SUMMARY_KEYS: Mapping[str, str] = {"plan_lamps": "plan_lamps_summary", "plan_hours": "plan_hours"}
#: A plan layer -> the command that makes it.
COMMANDS: Mapping[str, str] = {
    "plan_lamps": "safespaces plan lamps --budget K --out DIR",
    "plan_hours": "safespaces plan hours --budget K --out DIR",
}
#: Size of the rank labels (points) and the gap between a point and its label (mm).
LABEL_PT, LABEL_GAP_MM = 7.0, 0.5
#: Distances of the label rings beyond the first (mm): a label there gets a leader line.
RINGS_MM = (0.0, 2.5, 5.5)
#: Directions tried around a point, in order of preference (ties go to the first).
DIRECTIONS = np.array(
    [(1, 1), (1, 0), (-1, 1), (1, -1), (-1, 0), (-1, -1), (0, 1), (0, -1)], dtype=float
)
#: Average width of a bold digit and the height of a digit, in font sizes (DejaVu Sans).
_DIGIT_EM, _HEIGHT_EM = 0.66, 0.76


class LampPlanLike(Protocol):
    """A lamp plan to print instead of a run's layer ``plan_lamps``: a
    :class:`~safespaces.plan.LampPlan` (as ``plan_lamps`` or
    :func:`~safespaces.plan.evaluate.evaluate_lamps` return it, e.g. the app's edited plan)."""

    @property
    def lamps(self) -> Any: ...

    @property
    def summary(self) -> Mapping[str, Any]: ...


def missing(key: str, where: Path | None) -> InputError:
    """The error for a source without the plan layer ``key``."""
    return InputError(
        f"no {key} layer here: nothing was planned in this output folder"
        if where is not None
        else f"the run has no {key} layer",
        fix=f"run '{COMMANDS[key]}' first (DIR: this folder), then print it",
        path=where,
    )


def summary_of(key: str, metadata: Mapping[str, Any]) -> Mapping[str, Any]:
    """The plan's summary from the run's metadata (empty when the run has none)."""
    found = metadata.get(SUMMARY_KEYS[key])
    return found if isinstance(found, Mapping) else {}


def _km(metres: Any, lang: str) -> str:
    return words.number(float(metres) / 1000, lang, 2)


def _share(value: Any, lang: str) -> str:
    return f"{words.number(100 * float(value), lang, 1)} %" if value is not None else "?"


def titles(
    key: str, frame: pd.DataFrame, metadata: Mapping[str, Any], lang: str
) -> tuple[str, str]:
    """The plan's title and its figures' line, in ``lang``.

    ``plan_lamps``: the budget and the lamps proposed; the walking length at P6 or better
    before and after (km and share) and the gain. ``plan_hours``: the premises and their
    closing hour; the need-weighted eyes in the dark hours before and after.
    """
    summary = summary_of(key, metadata)
    n = len(frame)
    if key == "plan_lamps":
        budget = summary.get("budget")
        title = (
            words.text("plan.lamps_title_budget", lang, budget=budget, n=n)
            if budget is not None
            else words.text("plan.lamps_title", lang, n=n)
        )
        if "p6_length_before_m" not in summary:
            return title, ""
        line = words.text(
            "plan.lamps_line",
            lang,
            before=_km(summary["p6_length_before_m"], lang),
            before_share=_share(summary.get("p6_share_before"), lang),
            after=_km(summary["p6_length_after_m"], lang),
            after_share=_share(summary.get("p6_share_after"), lang),
            gain=words.number(float(summary.get("gain_m", 0.0)), lang),
        )
        return title, line
    until = summary.get("until_hour")
    hour = f"{int(until) % 24:02d}" if until is not None else "?"
    title = words.text("plan.hours_title", lang, n=n, hour=hour)
    if "need_weighted_dark_eyes_before" not in summary:
        return title, ""
    line = words.text(
        "plan.hours_line",
        lang,
        before=words.number(float(summary["need_weighted_dark_eyes_before"]), lang, 2),
        after=words.number(float(summary["need_weighted_dark_eyes_after"]), lang, 2),
        gain=words.number(float(summary.get("gain", 0.0)), lang, 2),
    )
    return title, line


def ranks(frame: pd.DataFrame) -> list[str]:
    """The labels of the points: their ranks as whole numbers (``?`` where missing)."""
    values = pd.to_numeric(frame["rank"], errors="coerce") if "rank" in frame else None
    if values is None:
        return [str(i) for i in range(1, len(frame) + 1)]
    return ["?" if pd.isna(v) else str(int(v)) for v in values]


def _boxes(
    anchor: npt.NDArray[np.float64], direction: npt.NDArray[np.float64], w: float, h: float
) -> npt.NDArray[np.float64]:
    """Label boxes ``(x0, y0, x1, y1)`` for anchors beside a point in ``direction``."""
    dx, dy = direction[..., 0], direction[..., 1]
    x0 = np.where(
        dx > 0, anchor[..., 0], np.where(dx < 0, anchor[..., 0] - w, anchor[..., 0] - w / 2)
    )
    y0 = np.where(
        dy > 0, anchor[..., 1], np.where(dy < 0, anchor[..., 1] - h, anchor[..., 1] - h / 2)
    )
    return np.stack([x0, y0, x0 + w, y0 + h], axis=-1)


def _overlap(
    boxes: npt.NDArray[np.float64], others: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """The area each of ``boxes`` (n, 4) shares with all of ``others`` (m, 4), summed."""
    if len(others) == 0:
        return np.zeros(len(boxes))
    w = np.minimum(boxes[:, None, 2], others[None, :, 2]) - np.maximum(
        boxes[:, None, 0], others[None, :, 0]
    )
    h = np.minimum(boxes[:, None, 3], others[None, :, 3]) - np.maximum(
        boxes[:, None, 1], others[None, :, 1]
    )
    return (np.clip(w, 0, None) * np.clip(h, 0, None)).sum(axis=1)


def place_labels(
    points_mm: npt.ArrayLike,
    labels: list[str],
    marker_mm: float,
    frame_mm: tuple[float, float, float, float],
    size_pt: float = LABEL_PT,
) -> list[tuple[float, float, str, str, bool]]:
    """Where each point's label goes: ``(dx, dy, ha, va, leader)``, offsets in mm on paper.

    The points are labelled in order (the best rank first, so it gets the first choice).
    Each label tries eight places around its point (upper right first) at the point's edge,
    then in two wider rings (with a leader line back to the point), and takes the one that
    overlaps least the labels already placed, the other points and the frame's edge.

    Parameters
    ----------
    points_mm
        The points on paper, ``(n, 2)`` mm.
    labels
        Their texts.
    marker_mm
        The points' diameter.
    frame_mm
        The map frame ``(x, y, width, height)``: labels beyond it are cut.
    size_pt
        The labels' font size.

    Examples
    --------
    Three points a millimetre or less apart: the first number goes to the upper left, as
    the upper right holds the second point; the third, to the right, is clear of both.

    >>> found = place_labels([[50, 50], [50.5, 50.5], [51, 50]], ["1", "2", "3"], 2.4,
    ...                      (0, 0, 100, 100))
    >>> for dx, dy, ha, va, leader in found:
    ...     print(round(dx, 1), round(dy, 1), ha, va, leader)
    -1.2 1.2 right bottom False
    1.2 1.2 left bottom False
    1.7 0.0 left center False
    """
    xy = np.asarray(points_mm, dtype=float).reshape(-1, 2)
    r = marker_mm / 2
    markers = np.column_stack([xy - r, xy + r])
    x, y, fw, fh = frame_mm
    unit = DIRECTIONS / np.linalg.norm(DIRECTIONS, axis=1)[:, None]
    offsets = np.concatenate([unit * (r + LABEL_GAP_MM + ring) for ring in RINGS_MM])
    directions = np.tile(DIRECTIONS, (len(RINGS_MM), 1))
    ring_of = np.repeat(np.arange(len(RINGS_MM)), len(DIRECTIONS))
    h = _HEIGHT_EM * size_pt / PT_PER_MM
    placed = np.zeros((0, 4))
    out: list[tuple[float, float, str, str, bool]] = []
    for i, label in enumerate(labels):
        w = len(label) * _DIGIT_EM * size_pt / PT_PER_MM
        boxes = _boxes(xy[i] + offsets, directions, w, h)
        inside_w = np.clip(np.minimum(boxes[:, 2], x + fw) - np.maximum(boxes[:, 0], x), 0, None)
        inside_h = np.clip(np.minimum(boxes[:, 3], y + fh) - np.maximum(boxes[:, 1], y), 0, None)
        outside = w * h - inside_w * inside_h
        others = np.delete(markers, i, axis=0)
        cost = (
            10 * _overlap(boxes, placed)
            + 4 * _overlap(boxes, others)
            + 10 * outside
            + 0.6 * ring_of * w * h
            + 1e-6 * np.arange(len(boxes))
        )
        best = int(np.argmin(cost))
        placed = np.vstack([placed, boxes[best]])
        dx, dy = directions[best]
        ha = "left" if dx > 0 else "right" if dx < 0 else "center"
        va = "bottom" if dy > 0 else "top" if dy < 0 else "center"
        out.append((float(offsets[best, 0]), float(offsets[best, 1]), ha, va, bool(ring_of[best])))
    return out


def clear_street_names(
    names: list[tuple[float, float, float, str]],
    obstacles_mm: npt.ArrayLike,
    to_mm: Callable[[npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    size_pt: float,
    clearance_mm: float = 2.5,
) -> list[tuple[float, float, float, str]]:
    """The street names ``(x, y, angle, name)`` that keep ``clearance_mm`` from every
    obstacle (a plan's points and numbers, on paper): a name's extent is the line it is
    written along, ``len(name)`` characters of ``size_pt`` long, centred on its anchor."""
    obstacles = np.asarray(obstacles_mm, dtype=float).reshape(-1, 2)
    if not names or len(obstacles) == 0:
        return names
    centre = to_mm(np.array([(x, y) for x, y, _, _ in names], dtype=float))
    angle = np.radians([a for _, _, a, _ in names])
    half = np.array([len(n) for *_, n in names]) * 0.56 * size_pt / PT_PER_MM / 2
    along = np.column_stack([np.cos(angle), np.sin(angle)]) * half[:, None]
    lines = np.asarray(shapely.linestrings(np.stack([centre - along, centre + along], axis=1)))
    spots = np.asarray(shapely.points(obstacles))
    near = np.asarray(shapely.distance(lines[:, None], spots[None, :])) < clearance_mm
    hit = np.asarray(near.any(axis=1), dtype=bool)
    return [names[i] for i in np.flatnonzero(~hit)]


__all__ = [
    "BASES",
    "COMMANDS",
    "SUMMARY_KEYS",
    "LampPlanLike",
    "clear_street_names",
    "missing",
    "place_labels",
    "ranks",
    "summary_of",
    "titles",
]
