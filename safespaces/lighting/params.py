"""Configuration of the lighting analysis (section ``[lighting]``)."""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class LightingParams:
    """Lighting settings; every default is documented in ``docs/lighting.md``.

    Attributes
    ----------
    cutoff_m
        Lamps farther than this from a sample point are ignored.
    sample_spacing_m
        Spacing of illuminance samples along each segment (2 m or finer).
    """

    cutoff_m: float = 50.0
    sample_spacing_m: float = 2.0
