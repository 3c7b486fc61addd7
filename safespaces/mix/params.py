"""Configuration of the social-mix analysis (section ``[mix]``)."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping

from safespaces.errors import SettingError
from safespaces.validation import Count, Note, Number, OneOf, Rules, check_section

#: Tenure target presets: policy group -> share of new housing (AM programme).
PRESETS: dict[str, dict[str, float]] = {
    "am2021": {"ara_rental": 0.25, "intermediate": 0.30, "unregulated": 0.45},
    "am2023": {"ara_rental": 0.30, "intermediate": 0.20, "unregulated": 0.50},
}
#: Distance-decay kernels of the smoothed global indices.
KERNELS = ("triangular", "uniform", "quadratic", "quartic", "gaussian", "exponential")
#: Prefix of every score column of the family (``mix_entropy``, ``mix_lq_owner_400m`` ...).
PREFIX = "mix"


def radius_suffix(radius_m: float) -> str:
    """Suffix of a walking-neighbourhood column, ``radius_suffix(400.0) == "_400m"``."""
    return f"_{radius_m:g}m"


def mix_column(metric: str, radius_m: float | None = None) -> str:
    """A score column: ``mix_column("entropy") == "mix_entropy"`` for areas,
    ``mix_column("entropy", 800) == "mix_entropy_800m"`` for walking neighbourhoods.
    """
    return f"{PREFIX}_{metric}" + ("" if radius_m is None else radius_suffix(radius_m))


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

    Examples
    --------
    >>> params = MixParams()
    >>> params.min_dwellings, params.radii_m, params.target
    (10, (400.0, 800.0), 'am2023')
    >>> MixParams(radii_m=(400.0,)).radii_m
    (400.0,)
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


#: Allowed range of every setting (docs/config.md); see :mod:`safespaces.validation`.
RULES: Rules = {
    "min_dwellings": Number(1, 100_000),
    "target": OneOf((*PRESETS, "custom")),
    "custom_targets": (
        Number(0, 1),
        Note("with target = 'custom': shares of groups of mix.target_groups summing to 1"),
    ),
    "target_groups": Note("each group lists 1 or more tenure codes"),
    "permutations": Number(0, 99_999, why="99,999 resolves p = 0.00001; more only costs time"),
    "radii_m": (
        Count(1, 4, distinct=True),
        Number(
            50,
            2000,
            whole=True,
            unit="m",
            why="each radius is a building x building reach matrix: memory grows with its square",
        ),
    ),
    "bandwidth_m": Number(50, 20_000, off=0, unit="m"),
    "kernel": OneOf(KERNELS),
    "neighbourhood_m": Number(0, 5000, unit="m"),
}


def target_shares(params: MixParams) -> dict[str, float]:
    """The target share of each policy group (a preset, or the custom shares).

    Raises
    ------
    SettingError
        Custom shares missing, negative or not summing to 1, or a policy group
        without taxonomy codes.
    """
    if params.target == "custom":
        shares = {k: float(v) for k, v in params.custom_targets.items()}
        if not shares:
            raise SettingError(
                "mix.custom_targets",
                {},
                "empty, but mix.target = 'custom'",
                "set mix.custom_targets = {ara_rental = 0.3, intermediate = 0.2, "
                "unregulated = 0.5}",
                related=("mix.target",),
            )
    elif params.target in PRESETS:
        shares = dict(PRESETS[params.target])
    else:
        raise SettingError(
            "mix.target", params.target, "unknown", f"use one of {', '.join([*PRESETS, 'custom'])}"
        )
    if any(v < 0 for v in shares.values()) or abs(sum(shares.values()) - 1.0) > 1e-6:
        raise SettingError(
            "mix.custom_targets",
            shares,
            f"shares must be >= 0 and sum to 1 (they sum to {sum(shares.values()):g})",
            "adjust mix.custom_targets",
            related=("mix.target",),
        )
    missing = [g for g in shares if not params.target_groups.get(g)]
    if missing:
        raise SettingError(
            "mix.target_groups",
            dict(params.target_groups),
            f"no tenure codes for the target group(s) {', '.join(missing)}",
            "add them to mix.target_groups (policy group -> list of tenure codes)",
            related=("mix.custom_targets", "mix.target"),
        )
    return shares


def validate(params: MixParams) -> None:
    """Check every mix setting: :data:`RULES`, then the targets (:func:`target_shares`).

    Raises
    ------
    SettingError
        The first setting outside its range.
    """
    check_section("mix", params, RULES)
    target_shares(params)
    empty = [g for g, codes in params.target_groups.items() if not codes]
    if empty:
        raise SettingError(
            f"mix.target_groups.{empty[0]}",
            [],
            "lists no tenure code",
            "list the tenure codes of the group, or remove it",
        )
