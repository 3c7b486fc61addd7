"""Configuration of the social-mix analysis (section ``[mix]``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping


def _default_target_groups() -> dict[str, tuple[str, ...]]:
    return {
        "ara_rental": ("ara_rental",),
        "intermediate": ("right_of_occupancy", "hitas_owner", "part_ownership", "short_term_ara"),
        "unregulated": ("owner", "private_rental"),
    }


@dataclasses.dataclass(frozen=True)
class MixParams:
    """Social-mix settings.

    Attributes
    ----------
    min_dwellings
        Areas (and building neighbourhoods) with fewer dwellings have their
        scores and tenure counts suppressed (NULL + ``mix_suppressed``).
    target
        Tenure target: ``"am2021"`` (AM programme 2021-22: 25 % ARA rental,
        30 % intermediate, 45 % unregulated), ``"am2023"`` (from 2023:
        30 / 20 / 50) or ``"custom"`` (``custom_targets``).
    custom_targets
        Policy group -> target share (0-1, summing to 1) used when
        ``target = "custom"``.
    target_groups
        Policy group -> tenure taxonomy codes it is made of. ``other`` belongs
        to no group and is left out of target shares. Codes absent from the
        data are ignored.
    permutations
        Random reallocations of dwellings behind the global p-values
        (0 = no p-values).
    radii_m
        Walking distances of the building neighbourhoods (``mix_*_400m``).
    bandwidth_m
        Bandwidth of the distance-decay (kernel-smoothed) global indices;
        0 switches them off.
    kernel
        Distance-decay kernel: ``triangular``, ``uniform``, ``quadratic``,
        ``quartic``, ``gaussian`` (libpysal's forms) or ``exponential``.
    neighbourhood_m
        What-if: areas whose boundary lies within this distance of the
        developed area (touching areas included) form its neighbourhood.
    """

    min_dwellings: int = 10
    target: str = "am2023"
    custom_targets: Mapping[str, float] = dataclasses.field(default_factory=dict)
    target_groups: Mapping[str, tuple[str, ...]] = dataclasses.field(
        default_factory=_default_target_groups
    )
    permutations: int = 99
    radii_m: tuple[float, ...] = (400.0, 800.0)
    bandwidth_m: float = 1000.0
    kernel: str = "triangular"
    neighbourhood_m: float = 800.0
