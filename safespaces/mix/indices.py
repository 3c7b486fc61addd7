"""Global (city-wide) segregation indices as vectorised numpy kernels.

Each kernel is a pure function of count arrays. Definitions equal those of
PySAL ``segregation`` 2.5 (the class named in each docstring); the test suite
checks agreement to 1e-9 with hypothesis on random inputs.

Zero-count conventions (documented differences from PySAL)
----------------------------------------------------------
* An area with no population contributes nothing (its group share is taken as
  0, as in PySAL).
* ``0 ln 0 = 0``: a group that is absent from the whole city drops out of the
  multigroup entropy and Theil's H. PySAL returns NaN there.
* An index that is undefined returns NaN instead of raising or warning: the
  single-group indices of a group that is absent city-wide (PySAL returns NaN
  for dissimilarity and Gini but 0.0 for isolation and exposure, an artefact of
  ``nansum`` over an all-NaN vector), the evenness indices when fewer than two
  groups are present, and every index of an empty city.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

SINGLE_GROUP_INDICES = ("dissimilarity", "isolation", "exposure", "gini")
MULTIGROUP_INDICES = (
    "multigroup_dissimilarity",
    "multigroup_gini",
    "theil_h",
    "simpsons_interaction",
    "multigroup_entropy",
)


def _as_float(a: npt.ArrayLike) -> FloatArray:
    return np.asarray(a, dtype=np.float64)


def _shares(x: FloatArray, t: FloatArray) -> FloatArray:
    """Return ``x / t`` with 0 where ``t == 0`` (no warning)."""
    out = np.zeros(np.broadcast_shapes(x.shape, t.shape))
    np.divide(x, t, out=out, where=np.broadcast_to(t, out.shape) > 0)
    return out


# --- single group -----------------------------------------------------------------------------


def dissimilarity(x: npt.ArrayLike, t: npt.ArrayLike) -> float:
    """Dissimilarity index of one group against the rest.

    D = sum_i t_i |p_i - P| / (2 T P (1 - P)), with p_i = x_i / t_i (0 where
    t_i = 0), T = sum t_i and P = sum x_i / T. The share of the group that would
    have to move for every area to have the city's composition, relative to the
    maximum possible. Equals ``segregation.singlegroup.Dissim``.

    Parameters
    ----------
    x
        Group counts per area.
    t
        Total population per area (``t >= x``).

    Returns
    -------
    float
        D in [0, 1]; NaN when the group is absent or is everyone.

    References
    ----------
    Massey, D. S. & Denton, N. A. (1988). The dimensions of residential
    segregation. Social Forces 67(2), 281-315.
    """
    xa, ta = _as_float(x), _as_float(t)
    T = ta.sum()
    if T <= 0:
        return np.nan
    P = xa.sum() / T
    den = 2.0 * T * P * (1.0 - P)
    if den <= 0:
        return np.nan
    return float((ta * np.abs(_shares(xa, ta) - P)).sum() / den)


def isolation(x: npt.ArrayLike, t: npt.ArrayLike) -> float:
    """Isolation index xPx: the share of the group in the area of an average member.

    xPx = sum_i (x_i / X) (x_i / t_i). Equals ``segregation.singlegroup.Isolation``
    (areas with t_i = 0 contribute 0).

    Parameters
    ----------
    x
        Group counts per area.
    t
        Total population per area.

    Returns
    -------
    float
        In [0, 1]; NaN when the group is absent city-wide.

    References
    ----------
    Massey, D. S. & Denton, N. A. (1988), Social Forces 67(2), 281-315.
    """
    xa, ta = _as_float(x), _as_float(t)
    X = xa.sum()
    if X <= 0:
        return np.nan
    return float(((xa / X) * _shares(xa, ta)).sum())


def exposure(x: npt.ArrayLike, t: npt.ArrayLike) -> float:
    """Exposure (interaction) index xPy: the share of others around an average member.

    xPy = sum_i (x_i / X) ((t_i - x_i) / t_i). Equals
    ``segregation.singlegroup.Interaction``; xPx + xPy = 1.

    Parameters
    ----------
    x
        Group counts per area.
    t
        Total population per area.

    Returns
    -------
    float
        In [0, 1]; NaN when the group is absent city-wide.

    References
    ----------
    Massey, D. S. & Denton, N. A. (1988), Social Forces 67(2), 281-315.
    """
    xa, ta = _as_float(x), _as_float(t)
    X = xa.sum()
    if X <= 0:
        return np.nan
    return float(((xa / X) * _shares(ta - xa, ta)).sum())


def _pairwise_abs_sum(p: FloatArray, w: FloatArray) -> FloatArray:
    """Return sum_i sum_j w_i w_j |p_i - p_j| per column in O(n log n).

    ``p`` and ``w`` are (n, k) or (n,) arrays (``w`` broadcast). After sorting a
    column by ``p``, sum_{i<j} w_i w_j (p_j - p_i) = sum_j w_j (p_j W_j - S_j)
    with W_j, S_j the running sums of w and w p before j; the double sum over
    ordered pairs is twice that.
    """
    p2 = p.reshape(p.shape[0], -1)
    w2 = np.broadcast_to(w.reshape(w.shape[0], -1), p2.shape)
    order = np.argsort(p2, axis=0, kind="stable")
    ps = np.take_along_axis(p2, order, axis=0)
    ws = np.take_along_axis(w2, order, axis=0)
    wcum = np.cumsum(ws, axis=0) - ws
    scum = np.cumsum(ws * ps, axis=0) - ws * ps
    result: FloatArray = 2.0 * (ws * (ps * wcum - scum)).sum(axis=0)
    return result


def gini(x: npt.ArrayLike, t: npt.ArrayLike) -> float:
    """Gini segregation index of one group.

    G = sum_i sum_j t_i t_j |p_i - p_j| / (2 T^2 P (1 - P)), computed by
    sorting in O(n log n) instead of PySAL's O(n^2) loop. Equals
    ``segregation.singlegroup.Gini``.

    Parameters
    ----------
    x
        Group counts per area.
    t
        Total population per area.

    Returns
    -------
    float
        G in [0, 1]; NaN when the group is absent or is everyone.

    References
    ----------
    Massey, D. S. & Denton, N. A. (1988), Social Forces 67(2), 281-315.
    """
    xa, ta = _as_float(x), _as_float(t)
    T = ta.sum()
    if T <= 0:
        return np.nan
    P = xa.sum() / T
    den = 2.0 * T * T * P * (1.0 - P)
    if den <= 0:
        return np.nan
    return float(_pairwise_abs_sum(_shares(xa, ta), ta)[0] / den)


# --- multigroup -------------------------------------------------------------------------------


def _multi_parts(counts: npt.ArrayLike) -> tuple[FloatArray, FloatArray, float, FloatArray]:
    c = _as_float(counts)
    if c.ndim != 2:
        raise ValueError("counts must be a 2-D array (areas x groups)")
    ti = c.sum(axis=1)
    T = float(ti.sum())
    Pk = c.sum(axis=0) / T if T > 0 else np.full(c.shape[1], np.nan)
    return c, ti, T, Pk


def _city_shares(counts: npt.ArrayLike) -> FloatArray | None:
    """P_k of the city, from column sums only (None for an empty city or a NaN count)."""
    c = np.asarray(counts)
    if c.ndim != 2:
        raise ValueError("counts must be a 2-D array (areas x groups)")
    Nk = c.sum(axis=0, dtype=np.float64)
    T = Nk.sum()
    return None if not np.isfinite(T) or T <= 0 else Nk / T


def multigroup_dissimilarity(counts: npt.ArrayLike) -> float:
    """Multigroup dissimilarity index.

    D = sum_i sum_k t_i |p_ik - P_k| / (2 T I), I = sum_k P_k (1 - P_k).
    Equals ``segregation.multigroup.MultiDissim``.

    Parameters
    ----------
    counts
        (areas, groups) counts.

    Returns
    -------
    float
        In [0, 1]; NaN when fewer than two groups are present.

    References
    ----------
    Sakoda, J. M. (1981). A generalized index of dissimilarity. Demography
    18(2), 245-250. Reardon, S. F. & Firebaugh, G. (2002). Measures of
    multigroup segregation. Sociological Methodology 32, 33-67.
    """
    c, ti, T, Pk = _multi_parts(counts)
    if T <= 0:
        return np.nan
    I_ = float((Pk * (1.0 - Pk)).sum())
    if I_ <= 0:
        return np.nan
    pik = _shares(c, ti[:, None])
    return float((ti[:, None] * np.abs(pik - Pk)).sum() / (2.0 * T * I_))


def multigroup_gini(counts: npt.ArrayLike) -> float:
    """Multigroup Gini index.

    G = sum_k sum_i sum_j t_i t_j |p_ik - p_jk| / (2 T^2 I), computed in
    O(k n log n). Equals ``segregation.multigroup.MultiGini`` (which builds
    dense n x n matrices).

    Parameters
    ----------
    counts
        (areas, groups) counts.

    Returns
    -------
    float
        In [0, 1]; NaN when fewer than two groups are present.

    References
    ----------
    Reardon, S. F. & Firebaugh, G. (2002), Sociological Methodology 32, 33-67.
    """
    c, ti, T, Pk = _multi_parts(counts)
    if T <= 0:
        return np.nan
    I_ = float((Pk * (1.0 - Pk)).sum())
    if I_ <= 0:
        return np.nan
    pik = _shares(c, ti[:, None])
    return float(_pairwise_abs_sum(pik, ti).sum() / (2.0 * T * T * I_))


def _xlogx_ratio(p: FloatArray, q: FloatArray) -> FloatArray:
    """Return p ln(p / q) with 0 where p == 0."""
    out = np.zeros(np.broadcast_shapes(p.shape, q.shape))
    pb = np.broadcast_to(p, out.shape)
    qb = np.broadcast_to(q, out.shape)
    mask = pb > 0
    out[mask] = pb[mask] * np.log(pb[mask] / qb[mask])
    return out


def multigroup_entropy(counts: npt.ArrayLike) -> float:
    """Multigroup entropy (Theil's diversity) of the city, not normalised.

    E = -sum_k P_k ln P_k with 0 ln 0 = 0. Equals
    ``segregation.multigroup.MultiDiversity(normalized=False)`` where every
    group is present (PySAL gives NaN for an absent group).

    Parameters
    ----------
    counts
        (areas, groups) counts.

    Returns
    -------
    float
        In [0, ln K]; 0.0 (never -0.0) with a single group present; NaN
        (unknown) with no areas, no residents or a NaN count.

    References
    ----------
    Theil, H. (1972). Statistical decomposition analysis. Reardon &
    Firebaugh (2002), eq. 2.
    """
    Pk = _city_shares(counts)
    if Pk is None:
        return np.nan
    return float(0.0 - _xlogx_ratio(Pk, np.ones_like(Pk)).sum())


def theil_h(counts: npt.ArrayLike) -> float:
    """Theil's information-theory index H.

    H = sum_i sum_k t_i p_ik ln(p_ik / P_k) / (T E), E the city entropy: the
    mean relative loss of diversity inside areas. Equals
    ``segregation.multigroup.MultiInfoTheory``.

    Parameters
    ----------
    counts
        (areas, groups) counts.

    Returns
    -------
    float
        In [0, 1]; NaN when fewer than two groups are present.

    References
    ----------
    Theil, H. & Finizza, A. J. (1971). Reardon & Firebaugh (2002), eq. 8.
    """
    c, ti, T, Pk = _multi_parts(counts)
    if T <= 0:
        return np.nan
    E = float(-_xlogx_ratio(Pk, np.ones_like(Pk)).sum())
    if not E > 0:
        return np.nan
    pik = _shares(c, ti[:, None])
    safe_pk = np.where(Pk > 0, Pk, 1.0)
    return float((ti[:, None] * _xlogx_ratio(pik, safe_pk)).sum() / (T * E))


def simpsons_interaction(counts: npt.ArrayLike) -> float:
    """Simpson's interaction index of the city.

    I = sum_k P_k (1 - P_k): the probability that two residents drawn at random
    belong to different groups. Equals
    ``segregation.multigroup.SimpsonsInteraction``.

    Parameters
    ----------
    counts
        (areas, groups) counts.

    Returns
    -------
    float
        In [0, 1 - 1/K].

    References
    ----------
    Reardon & Firebaugh (2002), eq. 1.
    """
    Pk = _city_shares(counts)
    if Pk is None:
        return np.nan
    return float((Pk * (1.0 - Pk)).sum())


# --- all at once ------------------------------------------------------------------------------


def global_indices(
    counts: npt.ArrayLike,
    groups: Sequence[str],
    total: npt.ArrayLike | None = None,
) -> dict[str, float | dict[str, float]]:
    """Compute every global index.

    Parameters
    ----------
    counts
        (areas, groups) counts.
    groups
        Group names, one per column of ``counts``.
    total
        Total population per area for the single-group indices; defaults to
        the row sums of ``counts``. Multigroup indices always use ``counts``.

    Returns
    -------
    dict
        ``dissimilarity``, ``isolation``, ``exposure``, ``gini`` map each group
        to its value; the multigroup indices are plain numbers.

    Examples
    --------
    >>> indices = global_indices([[80, 20], [20, 80], [50, 50]], ["ara_rental", "owner"])
    >>> round(indices["dissimilarity"]["ara_rental"], 3), round(indices["isolation"]["owner"], 3)
    (0.4, 0.62)
    """
    c = _as_float(counts)
    t = c.sum(axis=1) if total is None else _as_float(total)
    single = {
        "dissimilarity": dissimilarity,
        "isolation": isolation,
        "exposure": exposure,
        "gini": gini,
    }
    out: dict[str, float | dict[str, float]] = {
        name: {g: fn(c[:, k], t) for k, g in enumerate(groups)} for name, fn in single.items()
    }
    out["multigroup_dissimilarity"] = multigroup_dissimilarity(c)
    out["multigroup_gini"] = multigroup_gini(c)
    out["theil_h"] = theil_h(c)
    out["simpsons_interaction"] = simpsons_interaction(c)
    out["multigroup_entropy"] = multigroup_entropy(c)
    return out
