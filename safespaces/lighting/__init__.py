"""Lighting analysis: lamp model, illuminance along paths, EN 13201-2 classes.

See ``docs/lighting.md`` for the method, every default and its source.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safespaces.lazy import exports

if TYPE_CHECKING:
    from safespaces.darkness import darkness_hours
    from safespaces.lighting.analysis import LightingResult, analyse_lighting
    from safespaces.lighting.illuminance import (
        P_CLASSES,
        illuminance_at,
        light_class,
        segment_lighting,
        tag_conflicts,
    )
    from safespaces.lighting.lamps import lamp_model, lumen_to_candela
    from safespaces.lighting.params import LightingParams
    from safespaces.lighting.raster import write_illuminance_raster
    from safespaces.lighting.sampling import sample_lines
    from safespaces.lighting.spaces import dark_paths, public_space_lighting

__all__ = [
    "P_CLASSES",
    "LightingParams",
    "LightingResult",
    "analyse_lighting",
    "dark_paths",
    "darkness_hours",
    "illuminance_at",
    "lamp_model",
    "light_class",
    "lumen_to_candela",
    "public_space_lighting",
    "sample_lines",
    "segment_lighting",
    "tag_conflicts",
    "write_illuminance_raster",
]

# imported when first used: safespaces.config imports this family's params, not its analysis
__getattr__, __dir__ = exports(
    __name__,
    {
        "safespaces.darkness": ("darkness_hours",),
        "safespaces.lighting.analysis": ("LightingResult", "analyse_lighting"),
        "safespaces.lighting.illuminance": (
            "P_CLASSES",
            "illuminance_at",
            "light_class",
            "segment_lighting",
            "tag_conflicts",
        ),
        "safespaces.lighting.lamps": ("lamp_model", "lumen_to_candela"),
        "safespaces.lighting.params": ("LightingParams",),
        "safespaces.lighting.raster": ("write_illuminance_raster",),
        "safespaces.lighting.sampling": ("sample_lines",),
        "safespaces.lighting.spaces": ("dark_paths", "public_space_lighting"),
    },
)
