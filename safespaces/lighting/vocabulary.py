"""The lighting family's vocabulary: EN 13201-2 P classes, class labels and codes.

Every other place that names a lighting class, a lux threshold or a lit-tag
conflict code (the catalogue's legends and raster ramp, the QGIS styles, the run
summary, the composite score, the docs) reads it from here, so the names and
numbers are typed once. The module imports nothing from the package.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

#: EN 13201-2 Table 3: P classes, (average, minimum) maintained horizontal lux, best first.
P_CLASSES: tuple[tuple[str, float, float], ...] = (
    ("P1", 15.0, 3.0),
    ("P2", 10.0, 2.0),
    ("P3", 7.5, 1.5),
    ("P4", 5.0, 1.0),
    ("P5", 3.0, 0.6),
    ("P6", 2.0, 0.4),
)
#: The segment column holding the class (read by other families under this name).
CLASS_COLUMN = "light_class"
#: The P class names, best first.
P_CLASS_NAMES: tuple[str, ...] = tuple(name for name, _, _ in P_CLASSES)
#: The lowest P class: "P6 or better" means a class in :data:`P_CLASS_NAMES`.
LOWEST_P_CLASS = P_CLASS_NAMES[-1]
#: Class of a segment that lamps reach but that meets no P class.
BELOW_P6 = "below P6"
#: Class of a segment that no lamp reaches (average 0 lx).
UNLIT = "unlit"
#: Class of a segment tagged lit but with no mapped lamp in range: not guessed.
LIT_NOT_MAPPED = "lit, lamps not mapped"
#: Class of a dark segment where the mapped lamps cannot be trusted: its cell's lamp-data
#: coverage is below ``lighting.coverage_min`` (``safespaces.lighting.coverage``).
#: Unknown, not dark.
NO_LAMP_DATA = "no lamp data"
#: Every ``light_class`` label, best first.
CLASS_ORDER: tuple[str, ...] = (*P_CLASS_NAMES, BELOW_P6, UNLIT, LIT_NOT_MAPPED, NO_LAMP_DATA)
#: Classes whose light is unknown (lux NULL): neither lit nor dark.
UNKNOWN_CLASSES: tuple[str, ...] = (LIT_NOT_MAPPED, NO_LAMP_DATA)
#: The segment column holding the lamp-data coverage of the segment's cell (0..1).
COVERAGE_COLUMN = "light_lamp_coverage"
#: Classes counted as dark (lamps too dim, or none).
DARK_CLASSES: tuple[str, ...] = (BELOW_P6, UNLIT)

#: ``light_tag_conflict``: the OSM lit tag agrees with the mapped lamps.
CONFLICT_NONE = "none"
#: ``light_tag_conflict``: tagged unlit, but mapped lamps light it.
CONFLICT_NO_BUT_LAMPS = "lit_no_but_lamps"
#: ``light_tag_conflict``: tagged lit, but no mapped lamp within reach.
CONFLICT_YES_NO_LAMPS = "lit_yes_no_lamps"
#: ``light_tag_conflict``: no lit tag.
CONFLICT_UNKNOWN = "lit_unknown"
#: Every ``light_tag_conflict`` code, in the order of the summary table.
CONFLICT_CODES: tuple[str, ...] = (
    CONFLICT_NONE,
    CONFLICT_NO_BUT_LAMPS,
    CONFLICT_YES_NO_LAMPS,
    CONFLICT_UNKNOWN,
)

#: ``light_evidence`` of a dark path: its darkness rests on mapped lamps.
EVIDENCE_MAPPED = "mapped lamps"
#: ``light_evidence`` of a dark path tagged lit whose lamps are not mapped.
EVIDENCE_NOT_MAPPED = "tagged lit, lamps not mapped"
#: ``light_evidence`` of a dark path on a segment of class ``no lamp data``.
EVIDENCE_NO_LAMP_DATA = "no lamp data"
#: Every ``light_evidence`` value.
EVIDENCE: tuple[str, ...] = (EVIDENCE_MAPPED, EVIDENCE_NOT_MAPPED, EVIDENCE_NO_LAMP_DATA)


def p_class(name: str) -> tuple[float, float]:
    """``(average, minimum)`` lux of the P class ``name`` (``"P4"`` -> ``(5.0, 1.0)``).

    Raises
    ------
    KeyError
        ``name`` is not an EN 13201-2 P class.
    """
    for cls, avg, minimum in P_CLASSES:
        if cls == name:
            return avg, minimum
    raise KeyError(f"{name!r} is not an EN 13201-2 P class ({', '.join(P_CLASS_NAMES)})")


def is_p6_or_better(name: object) -> bool:
    """True when a ``light_class`` label meets a P class (P6 or better)."""
    return name in P_CLASS_NAMES


def share_p6_or_better(shares: Mapping[str, float]) -> float:
    """Sum of the shares (per ``light_class`` label) of the classes P6 or better."""
    return sum(v for k, v in shares.items() if is_p6_or_better(k))


def lux_edges() -> tuple[float, ...]:
    """Class edges of the illuminance ramp, ascending: the P6 minimum, then every P-class average.

    ``(0.4, 2.0, 3.0, 5.0, 7.5, 10.0, 15.0)``: below the first a point is dark
    even for P6; from each average up the point is as bright as that class.
    """
    return (P_CLASSES[-1][2], *sorted(avg for _, avg, _ in P_CLASSES))


def lux_ramp_labels() -> tuple[tuple[float, float, str], ...]:
    """``(lower, upper, label)`` of each class of :func:`lux_edges` (0 and ``inf`` at the ends).

    Labels name the P class whose average starts the class, e.g. ``"2 - 3 lx (P6 average)"``.
    """
    edges = lux_edges()
    by_avg = {avg: name for name, avg, _ in P_CLASSES}
    out = [(0.0, edges[0], f"< {edges[0]:g} lx (below {LOWEST_P_CLASS} minimum)")]
    for lo, hi in zip(edges, (*edges[1:], math.inf), strict=True):
        note = f" ({by_avg[lo]} average)" if lo in by_avg else ""
        text = f">= {lo:g} lx" if math.isinf(hi) else f"{lo:g} - {hi:g} lx"
        out.append((lo, hi, text + note))
    return tuple(out)


def p_class_markdown() -> str:
    """The P-class table of ``docs/lighting.md`` (class, average and minimum lux)."""

    def row(cells: Iterable[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    return "\n".join(
        (
            row(("class", *P_CLASS_NAMES)),
            row(("---",) * (len(P_CLASSES) + 1)),
            row(("Ē (lx)", *(f"{avg:g}" for _, avg, _ in P_CLASSES))),
            row(("E_min (lx)", *(f"{minimum:g}" for _, _, minimum in P_CLASSES))),
        )
    )


__all__ = [
    "BELOW_P6",
    "CLASS_ORDER",
    "CONFLICT_CODES",
    "CONFLICT_NONE",
    "CONFLICT_NO_BUT_LAMPS",
    "CONFLICT_UNKNOWN",
    "CONFLICT_YES_NO_LAMPS",
    "CLASS_COLUMN",
    "DARK_CLASSES",
    "EVIDENCE",
    "EVIDENCE_MAPPED",
    "EVIDENCE_NO_LAMP_DATA",
    "EVIDENCE_NOT_MAPPED",
    "LIT_NOT_MAPPED",
    "LOWEST_P_CLASS",
    "NO_LAMP_DATA",
    "COVERAGE_COLUMN",
    "UNKNOWN_CLASSES",
    "P_CLASSES",
    "P_CLASS_NAMES",
    "UNLIT",
    "is_p6_or_better",
    "lux_edges",
    "lux_ramp_labels",
    "p_class",
    "p_class_markdown",
    "share_p6_or_better",
]
