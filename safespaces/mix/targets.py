"""Tenure targets and each area's gap to them.

Helsinki's AM programme (Asumisen ja maankayton toteutusohjelma) sets tenure
shares for new housing: 25 % ARA rental / 30 % intermediate / 45 % unregulated
in 2021-22 (``am2021``) and 30 / 20 / 50 from 2023 (``am2023``). Targets are
configuration (``[mix] target``, ``custom_targets``, ``target_groups``); these
presets are only defaults.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import numpy.typing as npt

from safespaces.mix.indices import FloatArray
from safespaces.mix.params import PRESETS, MixParams, target_shares

__all__ = ["PRESETS", "policy_counts", "resolve_targets", "target_gap"]


def resolve_targets(params: MixParams) -> dict[str, float]:
    """Return the target share of each policy group.

    Parameters
    ----------
    params
        ``target`` names a preset (:data:`PRESETS`: ``am2021``, ``am2023``) or ``custom``.

    Returns
    -------
    dict
        Policy group -> share (0-1, summing to 1).

    Raises
    ------
    ConfigError
        Unknown preset, custom shares that do not sum to 1, or a policy group
        without taxonomy codes (:func:`safespaces.mix.params.target_shares`).

    Examples
    --------
    The AM programme's shares for new production from 2023:

    >>> from safespaces.mix import MixParams
    >>> resolve_targets(MixParams(target="am2023"))
    {'ara_rental': 0.3, 'intermediate': 0.2, 'unregulated': 0.5}
    """
    return target_shares(params)


def policy_counts(
    counts: npt.ArrayLike,
    categories: Sequence[str],
    target_groups: Mapping[str, Sequence[str]],
    policy_groups: Sequence[str],
) -> tuple[FloatArray, list[bool]]:
    """Sum tenure counts into policy groups.

    Parameters
    ----------
    counts
        (units, categories) counts.
    categories
        Tenure code of each column.
    target_groups
        Policy group -> tenure codes.
    policy_groups
        Policy groups to return, in order.

    Returns
    -------
    (numpy.ndarray, list of bool)
        (units, policy groups) counts, and for each policy group whether any
        of the data's categories belongs to it (no gap is reported for a
        policy group the data does not cover).
    """
    c = np.asarray(counts, dtype=np.float64)
    out = np.zeros((c.shape[0], len(policy_groups)))
    matched = [False] * len(policy_groups)
    for j, group in enumerate(policy_groups):
        codes = set(target_groups.get(group, ()))
        for k, cat in enumerate(categories):
            if cat in codes:
                out[:, j] += c[:, k]
                matched[j] = True
    return out, matched


def target_gap(policy: npt.ArrayLike, targets: Mapping[str, float]) -> FloatArray:
    """Gap between each unit's policy-group shares and the targets.

    gap_ig = 100 (n_ig / sum_h n_ih - target_g), in percentage points; positive
    means the unit has more of the group than the target. Units without any
    dwelling in a policy group get NaN.

    Parameters
    ----------
    policy
        (units, policy groups) counts, columns in the order of ``targets``.
    targets
        Policy group -> target share.

    Returns
    -------
    numpy.ndarray
        (units, policy groups) gaps in percentage points.
    """
    c = np.asarray(policy, dtype=np.float64)
    n = c.sum(axis=1, keepdims=True)
    share = np.full_like(c, np.nan)
    np.divide(c, n, out=share, where=n > 0)
    result: FloatArray = 100.0 * (share - np.array(list(targets.values())))
    return result
