"""Eyes on the street: who can see each street segment, hour by hour.

See ``docs/eyes.md`` for the method, every default and its source.
"""

from safespaces.eyes.analysis import (
    ACTIVE_COLUMNS,
    HOUR_COLUMNS,
    EyesResult,
    analyse_eyes,
)
from safespaces.eyes.facing import (
    frontage_share,
    nearest_segment,
    residents_facing,
    sample_rays,
)
from safespaces.eyes.flow import node_graph, segment_flow
from safespaces.eyes.hours import hour_datetimes, normalise_weekday, opening_table
from safespaces.eyes.index import (
    DAY_HOURS,
    EVENING_HOURS,
    NIGHT_HOURS,
    combine,
    light_factor,
    saturate,
)
from safespaces.eyes.params import EyesParams

__all__ = [
    "ACTIVE_COLUMNS",
    "DAY_HOURS",
    "EVENING_HOURS",
    "HOUR_COLUMNS",
    "NIGHT_HOURS",
    "EyesParams",
    "EyesResult",
    "analyse_eyes",
    "combine",
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
]
