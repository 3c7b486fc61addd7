"""Configuration of the incident analysis (section ``[incidents]``)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class IncidentParams:
    """Incident settings.

    Attributes
    ----------
    k_min
        Counts below k are suppressed in every output (NULL + flag).
    snap_distance_m
        Incidents farther than this from any street segment are not snapped.
    """

    k_min: int = 5
    snap_distance_m: float = 30.0
