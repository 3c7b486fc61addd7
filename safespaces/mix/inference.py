"""Permutation p-values of the global indices.

The null hypothesis is that dwellings are placed in areas at random: every
dwelling keeps its group, every area keeps its number of dwellings, and the
dwellings are shuffled across areas (PySAL ``segregation``'s
``person_permutation`` null). One shuffle is drawn group by group as a
multivariate hypergeometric over the areas' remaining capacity, which is an
exact uniform random permutation of the dwellings and costs O(areas x groups).

The p-value of an index where high means segregated (all except exposure) is
the upper tail ``(1 + #{sim >= obs}) / (permutations + 1)``; for exposure, where
low means segregated, the lower tail. Simpson's interaction and the multigroup
entropy describe the city's overall composition, which the null keeps fixed,
so they get no p-value.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from safespaces.mix.indices import global_indices

#: Indices whose value does not change under the null; no p-value.
NO_P_VALUE = ("simpsons_interaction", "multigroup_entropy")
#: Indices where a low value means segregation (lower-tail test).
LOWER_TAIL = ("exposure",)
_TOL = 1e-12  # ties within rounding count as at least as extreme


def shuffle_dwellings(counts: npt.ArrayLike, rng: np.random.Generator) -> npt.NDArray[np.int64]:
    """Randomly reassign dwellings to areas, keeping area and group totals.

    Parameters
    ----------
    counts
        (areas, groups) non-negative integer counts.
    rng
        Random generator.

    Returns
    -------
    numpy.ndarray
        A random (areas, groups) table with the same row and column sums.
    """
    c = np.rint(np.asarray(counts, dtype=np.float64)).astype(np.int64)
    remaining = c.sum(axis=1)
    out = np.empty_like(c)
    for g in range(c.shape[1] - 1):
        n = int(c[:, g].sum())
        draw = (
            rng.multivariate_hypergeometric(remaining, n, method="marginals")
            if n > 0
            else np.zeros_like(remaining)
        )
        out[:, g] = draw
        remaining = remaining - draw
    out[:, -1] = remaining
    return out


def permutation_p_values(
    counts: npt.ArrayLike,
    groups: Sequence[str],
    total: npt.ArrayLike | None = None,
    *,
    permutations: int = 99,
    seed: int | np.random.Generator | None = None,
) -> dict[str, float | dict[str, float]]:
    """Permutation p-values of the global indices.

    Parameters
    ----------
    counts
        (areas, groups) counts (rounded to whole dwellings for shuffling).
    groups
        Group names.
    total
        Total per area for the single-group indices (``>=`` the row sums); the
        dwellings outside the listed groups are shuffled too.
    permutations
        Number of random reallocations.
    seed
        Seed or generator (pass the run's ``general.seed``).

    Returns
    -------
    dict
        Same keys as :func:`~safespaces.mix.indices.global_indices` except
        those in :data:`NO_P_VALUE`; NaN where the index is undefined.

    Examples
    --------
    Strongly segregated counts are rarely matched by random reallocations:

    >>> p = permutation_p_values([[90, 10], [10, 90], [90, 10], [10, 90]], ["a", "b"],
    ...                          permutations=99, seed=1)
    >>> p["dissimilarity"]["a"]
    0.01
    """
    if permutations <= 0:
        return {}
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    c = np.asarray(counts, dtype=np.float64)
    k = c.shape[1]
    full = c if total is None else np.column_stack([c, np.asarray(total, float) - c.sum(axis=1)])
    observed = global_indices(c, groups, total)
    hits: dict[str, np.ndarray] = {}
    keys = [key for key in observed if key not in NO_P_VALUE]

    def flat(values: dict[str, float | dict[str, float]], key: str) -> np.ndarray:
        v = values[key]
        return np.array(list(v.values()) if isinstance(v, dict) else [v], dtype=float)

    for key in keys:
        hits[key] = np.zeros(flat(observed, key).shape)
    for _ in range(permutations):
        sim = shuffle_dwellings(full, rng).astype(np.float64)
        sim_total = None if total is None else sim.sum(axis=1)
        values = global_indices(sim[:, :k], groups, sim_total)
        for key in keys:
            obs, s = flat(observed, key), flat(values, key)
            hits[key] += (s <= obs + _TOL) if key in LOWER_TAIL else (s >= obs - _TOL)
    out: dict[str, float | dict[str, float]] = {}
    for key in keys:
        obs = flat(observed, key)
        p = np.where(np.isnan(obs), np.nan, (1.0 + hits[key]) / (permutations + 1.0))
        v = observed[key]
        out[key] = dict(zip(v, p.tolist(), strict=True)) if isinstance(v, dict) else float(p[0])
    return out
