"""Getis-Ord Gi* hotspots of incident counts on areas or a regular grid.

Weights are queen contiguity (shared edge or corner), islands linked to their
nearest neighbour, with the unit itself included (Gi*) and rows standardised,
as in :class:`esda.G_Local` with ``star=True, transform="R"``. The z-score is
Getis & Ord's analytical one (checked against esda in the tests); the p-value
comes from conditional permutations (esda's scheme, vectorised here without
numba's compile time; pseudo p, one-sided), then a Benjamini-Hochberg false-discovery
rate correction over all units gives ``hotspot_q``.

References
----------
Getis, A. & Ord, J. K. (1992). The analysis of spatial association by use of
distance statistics. Geographical Analysis 24(3), 189-206.
Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation statistics:
distributional issues and an application. Geographical Analysis 27(4), 286-306.
"""

from __future__ import annotations

import dataclasses
import warnings

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse
from statsmodels.stats.multitest import multipletests

from safespaces.incidents.params import check_hotspot_draws
from safespaces.safety import libpysal_weights

#: Direction of a significant Gi* z-score: hot (above the mean), cold (below).
HOT = "hot"
COLD = "cold"
#: Confidence levels (percent) of a significant class, strongest first: 99 % is
#: q <= 0.01, 95 % is q <= ``fdr`` (0.05 by default).
CONFIDENCE_LEVELS: tuple[int, ...] = (99, 95)
#: Class of a unit that is neither hot nor cold at any level.
NOT_SIGNIFICANT = "not significant"
#: Class of a unit with no exposure (no street and no incident in it, e.g. a grid
#: cell over water): left out of the Gi* statistic, never called a cold spot.
NO_DATA = "no data"


def hotspot_class(direction: str, level: int) -> str:
    """The ``hotspot_class`` value of a significant unit, e.g. ``hotspot_class("hot", 99)``.

    Raises
    ------
    ValueError
        ``direction`` is not ``hot`` or ``cold``, or ``level`` not in :data:`CONFIDENCE_LEVELS`.
    """
    if direction not in (HOT, COLD) or level not in CONFIDENCE_LEVELS:
        raise ValueError(
            f"no hot-spot class {direction!r} at {level} %: "
            f"use {HOT!r} or {COLD!r} at {' or '.join(map(str, CONFIDENCE_LEVELS))} %"
        )
    return f"{direction} {level}%"


def class_parts(name: str) -> tuple[str, int] | None:
    """``(direction, level)`` of a significant class; ``None`` for :data:`NOT_SIGNIFICANT`
    and :data:`NO_DATA`.

    Raises
    ------
    ValueError
        ``name`` is not one of :data:`UNIT_CLASSES`.
    """
    for direction in (HOT, COLD):
        for level in CONFIDENCE_LEVELS:
            if name == hotspot_class(direction, level):
                return direction, level
    if name in (NOT_SIGNIFICANT, NO_DATA):
        return None
    raise ValueError(f"{name!r} is not a hot-spot class ({', '.join(UNIT_CLASSES)})")


#: Hot classes, strongest first.
HOT_CLASSES: tuple[str, ...] = tuple(hotspot_class(HOT, lv) for lv in CONFIDENCE_LEVELS)
#: Cold classes, weakest first (so that :data:`CLASSES` runs from hottest to coldest).
COLD_CLASSES: tuple[str, ...] = tuple(hotspot_class(COLD, lv) for lv in CONFIDENCE_LEVELS[::-1])
#: Hot and cold classes (every significant unit).
SIGNIFICANT_CLASSES: tuple[str, ...] = (*HOT_CLASSES, *COLD_CLASSES)
#: Every ``hotspot_class`` value in semantic order, hottest to coldest:
#: ``hot 99%``, ``hot 95%``, ``not significant``, ``cold 95%``, ``cold 99%``.
CLASSES: tuple[str, ...] = (*HOT_CLASSES, NOT_SIGNIFICANT, *COLD_CLASSES)
#: Every value a unit's ``hotspot_class`` can take: :data:`CLASSES`, then :data:`NO_DATA`.
UNIT_CLASSES: tuple[str, ...] = (*CLASSES, NO_DATA)


@dataclasses.dataclass(frozen=True)
class GiResult:
    """Gi* per unit.

    Attributes
    ----------
    z
        Analytical z-score.
    p_sim
        Pseudo p-value of the permutations (NaN without permutations: then the
        normal p-value is used).
    q
        Benjamini-Hochberg adjusted p-value.
    hot_class
        One of :data:`UNIT_CLASSES`.
    """

    z: npt.NDArray[np.float64]
    p_sim: npt.NDArray[np.float64]
    q: npt.NDArray[np.float64]
    hot_class: npt.NDArray[np.object_]


def contiguity_weights(units: gpd.GeoDataFrame) -> sparse.csr_matrix:
    """Binary queen-contiguity matrix; a unit with no neighbour gets its nearest one."""
    weights = libpysal_weights()
    KNN, Queen = weights.KNN, weights.Queen

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # libpysal warns on islands, handled below
        w = Queen.from_dataframe(units, use_index=False, silence_warnings=True)
    mat = w.sparse.tocsr().astype(float)
    mat.data[:] = 1.0
    lonely = np.flatnonzero(np.asarray(mat.sum(axis=1)).ravel() == 0)
    if len(lonely) and len(units) > 1:
        pts = gpd.GeoDataFrame(geometry=units.geometry.representative_point().values, crs=units.crs)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            knn = KNN.from_dataframe(pts, k=1, use_index=False, silence_warnings=True)
        near = knn.sparse.tocsr()
        lil = mat.tolil()
        for i in lonely:
            j = int(near[i].indices[0])
            lil[i, j] = 1.0
            lil[j, i] = 1.0
        mat = lil.tocsr()
    return mat


def _star_row_standardised(w: sparse.csr_matrix) -> sparse.csr_matrix:
    star = (w + sparse.identity(w.shape[0], format="csr")).tocsr()
    star.data[:] = 1.0
    rows = np.asarray(star.sum(axis=1)).ravel()
    return sparse.diags(1.0 / rows) @ star


def gi_star_z(y: npt.ArrayLike, w: sparse.spmatrix) -> npt.NDArray[np.float64]:
    """Analytical Gi* z-scores with row-standardised weights including the unit itself.

    With :math:`w^*_{ij}` the row-standardised weights (self included),
    :math:`G^*_i = \\sum_j w^*_{ij} y_j / \\sum_j y_j`,
    :math:`E[G^*_i] = W_i / n` and
    :math:`V[G^*_i] = W_i (n - W_i) / (n - 1) / n^2 \\cdot s^2 / \\bar y^2`,
    where :math:`W_i = \\sum_j w^*_{ij}` (= 1), :math:`\\bar y` the mean and
    :math:`s^2` the (population) variance of :math:`y` (Getis & Ord 1992, as esda).

    Parameters
    ----------
    y
        Counts per unit.
    w
        Binary contiguity matrix without self-weights.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    ws = _star_row_standardised(sparse.csr_matrix(w))
    total = y.sum()
    if total <= 0 or n < 2:
        return np.full(n, np.nan)
    g = (ws @ y) / total
    mean = total / n
    var = (y**2).mean() - mean**2
    card = np.asarray(ws.sum(axis=1)).ravel()
    expected = card / n
    variance = card * (n - card) / (n - 1) / n**2 * var / mean**2
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray((g - expected) / np.sqrt(variance), dtype=float)


#: Largest work array of :func:`permutation_p` (elements): memory stays near 40 MB
#: whatever the number of units or permutations (the time grows with both).
PERMUTATION_BLOCK = 2**20


def _draw_positions(
    rng: np.random.Generator, count: int, pool: int, k: int
) -> npt.NDArray[np.int64]:
    """``count`` independent uniform draws of ``k`` distinct positions out of ``pool``, in
    random order (``count x k``), generated ``PERMUTATION_BLOCK`` elements at a time."""
    out = np.empty((count, k), dtype=np.int64)
    rows = max(1, PERMUTATION_BLOCK // max(pool, 1))
    for start in range(0, count, rows):
        stop = min(start + rows, count)
        keys = rng.random((stop - start, pool))
        if k < pool:
            part = np.argpartition(keys, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(pool), keys.shape).copy()
        # order the k chosen positions by their keys: a uniformly random order
        order = np.argsort(np.take_along_axis(keys, part, axis=1), axis=1)
        out[start:stop] = np.take_along_axis(part, order, axis=1)
    return out


def permutation_p(
    y: npt.ArrayLike,
    w: sparse.spmatrix,
    *,
    permutations: int,
    seed: int,
) -> npt.NDArray[np.float64]:
    """Conditional-permutation pseudo p-values of Gi* (the scheme of esda's ``crand``).

    For each unit, its own value stays and its ``k_i`` neighbours' values are
    replaced by ``k_i`` values drawn without replacement from the other units,
    ``permutations`` times. As in esda, one set of draws (positions among "the
    other units") is shared by all units; here each unit also shifts the
    positions by its own random offset (modulo ``n - 1``), which keeps every
    unit's draws uniform and decorrelates neighbouring units. With ``larger``
    the number of draws with a Gi* at least the observed one, folded to the
    smaller tail, ``p = (larger + 1) / (permutations + 1)`` (one-sided, as
    esda's ``p_sim``).

    Memory is bounded (:data:`PERMUTATION_BLOCK` elements per work array):
    permutations and units are processed in blocks, so a large
    ``permutations`` costs time, not memory.

    Raises
    ------
    safespaces.errors.SettingError
        ``permutations x (units - 1)`` above
        :data:`~safespaces.incidents.params.MAX_HOTSPOT_DRAWS` (the run would take
        too long).
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    binary = sparse.csr_matrix(w).copy()
    binary.setdiag(0)
    binary.eliminate_zeros()
    card = np.diff(binary.indptr)
    k_max = int(card.max()) if n else 0
    total = y.sum()
    out = np.full(n, np.nan)
    if n < 3 or total <= 0 or k_max == 0 or permutations <= 0:
        return out
    k_max = min(k_max, n - 1)
    check_hotspot_draws(permutations, n)
    observed = (binary @ y + y) / (card + 1) / total
    rng = np.random.default_rng(seed)
    offset = rng.integers(0, n - 1, size=n)
    larger = np.zeros(n, dtype=np.int64)
    # a block of permutations, then units so that units x block x k_max stays bounded
    perm_block = max(1, min(permutations, PERMUTATION_BLOCK // k_max))
    unit_block = max(1, PERMUTATION_BLOCK // (perm_block * k_max))
    take_all = np.arange(k_max)
    for p0 in range(0, permutations, perm_block):
        rids = _draw_positions(rng, min(perm_block, permutations - p0), n - 1, k_max)
        for u0 in range(0, n, unit_block):
            units = np.arange(u0, min(u0 + unit_block, n))
            pos = (rids[None, :, :] + offset[units][:, None, None]) % (n - 1)
            others = pos + (pos >= units[:, None, None])  # skip the unit itself
            take = take_all[None, None, :] < card[units][:, None, None]
            sums = np.where(take, y[others], 0.0).sum(axis=2) + y[units][:, None]
            sim = sums / (card[units] + 1)[:, None] / total
            larger[units] += (sim >= observed[units][:, None]).sum(axis=1)
    larger = np.where(permutations - larger < larger, permutations - larger, larger)
    return np.asarray((larger + 1) / (permutations + 1), dtype=float)


def classify(z: npt.ArrayLike, q: npt.ArrayLike, fdr: float = 0.05) -> npt.NDArray[np.object_]:
    """Hot or cold at 99 % (q <= 0.01) or 95 % (q <= ``fdr``), else not significant."""
    z = np.asarray(z, dtype=float)
    q = np.asarray(q, dtype=float)
    strong = min(0.01, fdr)
    out = np.full(len(z), NOT_SIGNIFICANT, dtype=object)
    sig = np.isfinite(q) & np.isfinite(z)
    for direction, side in ((HOT, z > 0), (COLD, z < 0)):
        out[sig & side & (q <= fdr)] = hotspot_class(direction, 95)
        out[sig & side & (q <= strong)] = hotspot_class(direction, 99)
    return out


def gi_star(
    y: npt.ArrayLike,
    w: sparse.spmatrix,
    *,
    permutations: int = 999,
    fdr: float = 0.05,
    seed: int = 0,
) -> GiResult:
    """Gi* z, permutation p, FDR-adjusted q and class of every unit."""
    from scipy import stats

    y = np.asarray(y, dtype=float)
    z = gi_star_z(y, w)
    if not np.isfinite(z).any():
        nan = np.full(len(y), np.nan)
        return GiResult(z, nan, nan, np.full(len(y), NOT_SIGNIFICANT, dtype=object))
    if permutations > 0:
        p = permutation_p(y, w, permutations=permutations, seed=seed)
    else:
        p = np.where(np.isfinite(z), stats.norm.sf(np.abs(z)), np.nan)
    q = np.full(len(y), np.nan)
    ok = np.isfinite(p)
    if ok.any():
        q[ok] = multipletests(p[ok], alpha=fdr, method="fdr_bh")[1]
    return GiResult(z, p if permutations > 0 else np.full(len(y), np.nan), q, classify(z, q, fdr))


def gi_star_exposed(
    y: npt.ArrayLike,
    units: gpd.GeoDataFrame,
    exposed: npt.ArrayLike,
    *,
    permutations: int = 999,
    fdr: float = 0.05,
    seed: int = 0,
) -> GiResult:
    """Gi* over the units with exposure only; the others are :data:`NO_DATA`.

    A unit with no exposure (no street and no incident: a grid cell over water or
    fields) has no count to compare, so it is left out of the weights and the
    statistic (its neighbours are compared with the exposed units around them) and
    classed :data:`NO_DATA` with NaN z, p and q, never as a cold spot. With every
    unit exposed this is :func:`gi_star` on the whole ``units``.

    Parameters
    ----------
    y
        Incident count per unit.
    units
        The unit polygons (their contiguity gives the weights).
    exposed
        True where a unit has exposure (street length or incidents).
    """
    y = np.asarray(y, dtype=float)
    keep = np.asarray(exposed, dtype=bool)
    if keep.all():
        return gi_star(y, contiguity_weights(units), permutations=permutations, fdr=fdr, seed=seed)
    z, p, q = (np.full(len(y), np.nan) for _ in range(3))
    hot_class = np.full(len(y), NO_DATA, dtype=object)
    if keep.sum() >= 2:
        sub = units.loc[keep].reset_index(drop=True)
        part = gi_star(
            y[keep], contiguity_weights(sub), permutations=permutations, fdr=fdr, seed=seed
        )
        z[keep], p[keep], q[keep], hot_class[keep] = part.z, part.p_sim, part.q, part.hot_class
    return GiResult(z, p, q, hot_class)


def hotspot_columns(result: GiResult) -> pd.DataFrame:
    """Output columns; z rounded to 0.1 and p to 0.001 (limits recovery of counts)."""
    return pd.DataFrame(
        {
            "hotspot_gi_z": np.round(result.z, 1),
            "hotspot_p_sim": np.round(result.p_sim, 3),
            "hotspot_q": np.round(result.q, 3),
            "hotspot_class": result.hot_class,
        }
    )
