"""Social mix: tenure segregation indices, local mix scores, targets and what-if.

Kernels (numpy, one pure function per index) live in :mod:`.indices`
(global), :mod:`.local` (per area or neighbourhood), :mod:`.inference`
(permutation p-values), :mod:`.spatial` (distance decay and network reach) and
:mod:`.targets` (AM programme targets). :func:`analyse_mix`, :func:`what_if` and
:func:`building_neighbourhood_scores` work on GeoDataFrames.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from safespaces.lazy import exports

if TYPE_CHECKING:
    from safespaces.mix.analysis import MixResult, analyse_mix, local_scores, spatial_indices
    from safespaces.mix.buildings import (
        aggregate_buildings,
        building_neighbourhood_scores,
        walking_reach,
    )
    from safespaces.mix.indices import global_indices
    from safespaces.mix.inference import permutation_p_values
    from safespaces.mix.params import MixParams
    from safespaces.mix.synthetic import synthetic_area_tenure
    from safespaces.mix.targets import PRESETS, resolve_targets
    from safespaces.mix.whatif import what_if

__all__ = [
    "PRESETS",
    "MixParams",
    "MixResult",
    "aggregate_buildings",
    "analyse_mix",
    "building_neighbourhood_scores",
    "global_indices",
    "local_scores",
    "permutation_p_values",
    "resolve_targets",
    "spatial_indices",
    "synthetic_area_tenure",
    "walking_reach",
    "what_if",
]

# imported when first used: safespaces.config imports this family's params, not its analysis
__getattr__, __dir__ = exports(
    __name__,
    {
        "safespaces.mix.analysis": ("MixResult", "analyse_mix", "local_scores", "spatial_indices"),
        "safespaces.mix.buildings": (
            "aggregate_buildings",
            "building_neighbourhood_scores",
            "walking_reach",
        ),
        "safespaces.mix.indices": ("global_indices",),
        "safespaces.mix.inference": ("permutation_p_values",),
        "safespaces.mix.params": ("MixParams",),
        "safespaces.mix.synthetic": ("synthetic_area_tenure",),
        "safespaces.mix.targets": ("PRESETS", "resolve_targets"),
        "safespaces.mix.whatif": ("what_if",),
    },
)
