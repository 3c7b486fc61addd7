"""Eyes on the street: who can see each street segment, hour by hour.

See ``docs/eyes.md`` for the method, every default and its source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safespaces.lazy import exports

if TYPE_CHECKING:
    from safespaces.eyes.analysis import EyesResult, analyse_eyes
    from safespaces.eyes.facing import (
        frontage_share,
        nearest_segment,
        residents_facing,
        sample_rays,
    )
    from safespaces.eyes.flow import node_graph, segment_flow
    from safespaces.eyes.hours import hour_datetimes, normalise_weekday, opening_table
    from safespaces.eyes.index import combine, light_factor, saturate
    from safespaces.eyes.params import EyesParams
    from safespaces.eyes.vocabulary import (
        ACTIVE_COLUMNS,
        DAY_HOURS,
        EVENING_HOURS,
        HOUR_COLUMNS,
        NIGHT_HOURS,
        WINDOW_COLUMNS,
        WINDOWS,
        active_column,
        eyes_column,
        window_column,
        window_span,
    )

__all__ = [
    "ACTIVE_COLUMNS",
    "DAY_HOURS",
    "EVENING_HOURS",
    "HOUR_COLUMNS",
    "NIGHT_HOURS",
    "WINDOWS",
    "WINDOW_COLUMNS",
    "EyesParams",
    "EyesResult",
    "active_column",
    "analyse_eyes",
    "combine",
    "eyes_column",
    "frontage_share",
    "hour_datetimes",
    "light_factor",
    "nearest_segment",
    "node_graph",
    "normalise_weekday",
    "opening_table",
    "residents_facing",
    "sample_rays",
    "saturate",
    "segment_flow",
    "window_column",
    "window_span",
]

# imported when first used: safespaces.config imports this family's params, not its analysis
__getattr__, __dir__ = exports(
    __name__,
    {
        "safespaces.eyes.analysis": ("EyesResult", "analyse_eyes"),
        "safespaces.eyes.facing": (
            "frontage_share",
            "nearest_segment",
            "residents_facing",
            "sample_rays",
        ),
        "safespaces.eyes.flow": ("node_graph", "segment_flow"),
        "safespaces.eyes.hours": ("hour_datetimes", "normalise_weekday", "opening_table"),
        "safespaces.eyes.index": ("combine", "light_factor", "saturate"),
        "safespaces.eyes.params": ("EyesParams",),
        "safespaces.eyes.vocabulary": (
            "ACTIVE_COLUMNS",
            "DAY_HOURS",
            "EVENING_HOURS",
            "HOUR_COLUMNS",
            "NIGHT_HOURS",
            "WINDOW_COLUMNS",
            "WINDOWS",
            "active_column",
            "eyes_column",
            "window_column",
            "window_span",
        ),
    },
)
