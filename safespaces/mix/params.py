"""Configuration of the social-mix analysis (section ``[mix]``)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class MixParams:
    """Social-mix settings.

    Attributes
    ----------
    min_dwellings
        Areas with fewer dwellings have their scores suppressed (NULL + flag).
    """

    min_dwellings: int = 10
