"""Where to act first: planners that rank interventions on the families' own models.

:func:`plan_lamps` proposes new street lamps on the lighting model
(:mod:`safespaces.lighting`); :mod:`safespaces.plan.hours` the premises to keep open later
on the eyes model, :mod:`safespaces.plan.tenure` the tenure split of a development on the
mix model; see ``docs/plan.md``.
"""

from __future__ import annotations

from safespaces.plan.lamps import (
    OBJECTIVES,
    WHERE,
    LampPlan,
    candidate_lamps,
    plan_lamps,
    segment_weights,
)
from safespaces.plan.lux import LuxState

__all__ = [
    "OBJECTIVES",
    "WHERE",
    "LampPlan",
    "LuxState",
    "candidate_lamps",
    "plan_lamps",
    "segment_weights",
]
