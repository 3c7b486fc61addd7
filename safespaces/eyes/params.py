"""Configuration of the eyes-on-the-street index (section ``[eyes]``)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class EyesParams:
    """Eyes-on-the-street settings.

    Attributes
    ----------
    weekday
        Day of the week the hourly index is computed for (``Mo`` .. ``Su``).
    frontage_distance_m
        A façade within this distance of a segment faces it.
    """

    weekday: str = "Fr"
    frontage_distance_m: float = 25.0
