"""Local mix scores of areas or building neighbourhoods (numpy kernels).

Every function takes an (units, groups) count array and returns one value per
unit (or per unit and group). Units without dwellings get NaN.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

from safespaces.mix.indices import FloatArray, _as_float, _shares, _xlogx_ratio


def composition(counts: npt.ArrayLike) -> FloatArray:
    """Return each unit's group shares p_ig = n_ig / n_i (NaN rows where n_i = 0)."""
    c = _as_float(counts)
    n = c.sum(axis=1, keepdims=True)
    p = _shares(c, n)
    p[(n <= 0)[:, 0]] = np.nan
    return p


def entropy(counts: npt.ArrayLike) -> FloatArray:
    """Normalised entropy of each unit's composition.

    E_i = -sum_g p_ig ln p_ig / ln G, with 0 ln 0 = 0 and G the number of
    groups. 0 when everyone is in one group, 1 when all groups are equal.

    Parameters
    ----------
    counts
        (units, groups) counts.

    Returns
    -------
    numpy.ndarray
        One value per unit in [0, 1]; NaN for empty units or G < 2.

    References
    ----------
    Theil, H. (1972); Reardon & Firebaugh (2002), eq. 2 (per area, divided by
    its maximum ln G).
    """
    p = composition(counts)
    G = p.shape[1]
    if G < 2:
        return np.full(p.shape[0], np.nan)
    h = 0.0 - _xlogx_ratio(np.nan_to_num(p), np.ones_like(p)).sum(axis=1)
    h[np.isnan(p[:, 0])] = np.nan
    result: FloatArray = h / np.log(G)
    return result


def simpson(counts: npt.ArrayLike) -> FloatArray:
    """Simpson diversity 1 - sum_g p_ig^2 of each unit.

    The chance that two dwellings drawn at random from the unit belong to
    different groups: 0 with one group, 1 - 1/G at most.

    Parameters
    ----------
    counts
        (units, groups) counts.

    Returns
    -------
    numpy.ndarray
        One value per unit; NaN for empty units.

    References
    ----------
    Simpson, E. H. (1949). Measurement of diversity. Nature 163, 688.
    """
    p = composition(counts)
    result: FloatArray = 1.0 - (p**2).sum(axis=1)
    return result


def location_quotient(counts: npt.ArrayLike, city: npt.ArrayLike | None = None) -> FloatArray:
    """Location quotient of each group in each unit.

    LQ_ig = (n_ig / n_i) / (N_g / N): 1 when the unit has the city's share of
    the group, 2 when twice it, 0 when none. Equals
    ``segregation.local.MultiLocationQuotient`` where defined.

    Parameters
    ----------
    counts
        (units, groups) counts.
    city
        City counts per group (N_g); defaults to the column sums of ``counts``.

    Returns
    -------
    numpy.ndarray
        (units, groups); NaN for empty units and for groups absent city-wide.

    References
    ----------
    Isard, W. (1960). Methods of regional analysis.
    """
    c = _as_float(counts)
    Ng = c.sum(axis=0) if city is None else _as_float(city)
    N = Ng.sum()
    P = np.where(Ng > 0, Ng / N if N > 0 else 0.0, np.nan)
    result: FloatArray = composition(c) / P
    return result


def divergence(counts: npt.ArrayLike, city: npt.ArrayLike | None = None) -> FloatArray:
    """Local divergence (Kullback-Leibler) of each unit from the city composition.

    D_i = sum_g p_ig ln(p_ig / P_g), 0 ln 0 = 0. 0 when the unit looks like the
    city; grows as its mix departs from it (ln(1 / P_g) at most, for a unit of
    group g only).

    Parameters
    ----------
    counts
        (units, groups) counts.
    city
        City counts per group; defaults to the column sums of ``counts``.

    Returns
    -------
    numpy.ndarray
        One value per unit, >= 0; NaN for empty units.

    References
    ----------
    Roberto, E. (2016). The divergence index: a decomposable measure of
    segregation and inequality. arXiv:1508.01167.
    """
    c = _as_float(counts)
    Ng = c.sum(axis=0) if city is None else _as_float(city)
    N = Ng.sum()
    P = Ng / N if N > 0 else np.full_like(Ng, np.nan)
    p = composition(c)
    safe_P = np.where(P > 0, P, 1.0)
    d = _xlogx_ratio(np.nan_to_num(p), safe_P).sum(axis=1)
    d[np.isnan(p[:, 0])] = np.nan
    return d


def suppressed(total: npt.ArrayLike, min_dwellings: int) -> npt.NDArray[np.bool_]:
    """Return True where a unit has fewer than ``min_dwellings`` dwellings."""
    return np.asarray(_as_float(total) < min_dwellings)
