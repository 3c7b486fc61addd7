"""Getis-Ord Gi* hotspots of incident counts on areas or a regular grid.

Weights are binary queen contiguity (shared edge or corner), islands linked to
their nearest neighbour, with the unit itself included (Gi*): as
:class:`esda.G_Local` with ``star=True, transform="B"``, whose ``Zs`` equals
:func:`gi_star_z` (tested). Row-standardised weights are not used: with them
esda's "z" reduces to (local mean - global mean) / SD, whose null SD is about
1 / sqrt(neighbours + 1), about 0.35 on a grid, not 1 (the mistake reported for
xarray-spatial's ``hotspots``, xarray-contrib/xarray-spatial#2767).

Inference (:func:`permutation_p`) is a two-sided permutation test of that z
under *total* randomisation, the null under which Getis & Ord (1992) derive
E[G*_i] and Var[G*_i]: the unit's own count is permuted with the others, since
it is part of G*_i (esda's conditional scheme keeps it fixed, which suits Gi and
local Moran). Ties are counted in the tail (``>=``), so a neighbourhood whose
every permutation ties gets p = 1, not the smallest possible p. The test is the
fold about the exact permutation mean: p = (1 + #{|S - E| >= |S_obs - E|}) /
(permutations + 1), i.e. the share of permutations with |z| at least the
observed |z|, so the sign of z gives the direction of a significant unit.
Units that cannot be tested (no incident in the unit and its neighbours, or
an undefined z) are ``not significant`` with NaN p and q, and the
Benjamini-Hochberg false-discovery rate runs over the tested units only.

This departs from esda's ``p_sim`` on purpose. esda folds the two one-sided
counts (``larger = #{sim >= obs}``, then ``min(larger, permutations - larger)``),
so the lower count excludes ties and an all-zero neighbourhood, where every
permutation ties, gets the minimum p; and that folded p is a directed
(one-sided) p, half the two-sided one (pysal/esda#199, where the maintainers
note it overstates significance and suggest ``2 * p_sim`` or a folded test;
the ``alternative=`` options of ``esda.significance.calculate_significance``
came from pysal/esda#281, and pysal/esda#514 fixes its two-sided branch for
constant reference distributions; GeoDa's folding is described in
pysal/pysal#161). esda#281 folds about the replicates' mean and notes that a
fold about the mean loses power in the short tail of a skewed reference: for
sparse counts a cold spot then needs a clearly empty neighbourhood among busy
ones, which is the conservative reading a planner can defend.

References
----------
Getis, A. & Ord, J. K. (1992). The analysis of spatial association by use of
distance statistics. Geographical Analysis 24(3), 189-206.
Ord, J. K. & Getis, A. (1995). Local spatial autocorrelation statistics:
distributional issues and an application. Geographical Analysis 27(4), 286-306.
Phipson, B. & Smyth, G. K. (2010). Permutation p-values should never be zero.
Statistical Applications in Genetics and Molecular Biology 9(1), 39.
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate.
Journal of the Royal Statistical Society B 57(1), 289-300.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd
import shapely
from scipy import sparse

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
        Getis-Ord z-score (binary weights, self included; NaN where undefined).
    p_sim
        Two-sided permutation p-value (NaN without permutations, where the normal
        p-value is used, and for a unit not tested).
    q
        Benjamini-Hochberg adjusted p-value over the tested units (NaN elsewhere).
    hot_class
        One of :data:`UNIT_CLASSES`.
    tested
        True where the unit was tested: z defined and at least one incident in the
        unit and its neighbours.
    """

    z: npt.NDArray[np.float64]
    p_sim: npt.NDArray[np.float64]
    q: npt.NDArray[np.float64]
    hot_class: npt.NDArray[np.object_]
    tested: npt.NDArray[np.bool_]

    @classmethod
    def empty(cls, n: int, hot_class: str = NOT_SIGNIFICANT) -> GiResult:
        """``n`` units with no statistic (NaN z, p, q), none tested, all ``hot_class``."""
        nan = np.full(n, np.nan)
        return cls(
            nan, nan.copy(), nan.copy(), np.full(n, hot_class, dtype=object), np.zeros(n, bool)
        )


def contiguity_weights(units: gpd.GeoDataFrame) -> sparse.csr_matrix:
    """Binary queen-contiguity matrix; a unit with no neighbour gets its nearest one.

    Two units are neighbours when their boundaries share a vertex (the same x and y),
    as in libpysal's ``Queen``; a unit with none is joined (both ways) to the unit whose
    representative point is nearest to its own, as libpysal's ``KNN`` with k = 1 picks
    it (a k-d tree of leaf size 10, the second nearest when the nearest is the unit
    itself). Equal to libpysal's matrices (``tests/incidents``), without importing it.
    """
    n = len(units)
    xy, owner = shapely.get_coordinates(units.geometry.to_numpy(), return_index=True)
    _, vertex = np.unique(xy + 0.0, axis=0, return_inverse=True)  # + 0.0: -0.0 is 0.0
    vertex = vertex.ravel()
    n_vertices = int(vertex.max()) + 1 if len(vertex) else 0
    has = sparse.csr_matrix((np.ones(len(owner)), (owner, vertex)), shape=(n, n_vertices))
    has.data[:] = 1.0  # a ring's closing vertex repeats its first
    mat = sparse.csr_matrix(has @ has.T)
    mat.setdiag(0.0)
    mat.eliminate_zeros()
    mat.data[:] = 1.0
    lonely = np.flatnonzero(np.diff(mat.indptr) == 0)
    if len(lonely) and n > 1:
        from scipy.spatial import cKDTree

        pts = shapely.get_coordinates(units.geometry.representative_point().to_numpy())
        _, nearest = cKDTree(pts, leafsize=10).query(pts[lonely], k=2)
        lil = mat.tolil()
        for i, pair in zip(lonely, nearest, strict=True):
            j = int(pair[0] if pair[0] != i else pair[1])
            lil[i, j] = 1.0
            lil[j, i] = 1.0
        mat = lil.tocsr()
    return mat


def star_weights(w: sparse.spmatrix) -> sparse.csr_matrix:
    """Binary Gi* weights: 1 for every neighbour in ``w`` and for the unit itself."""
    star = (sparse.csr_matrix(w) + sparse.identity(w.shape[0], format="csr")).tocsr()
    star.eliminate_zeros()
    star.data[:] = 1.0
    return star


def _neighbourhoods(
    y: npt.NDArray[np.float64], w: sparse.spmatrix
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.int64]]:
    """Neighbourhood sum ``S_i`` (self included) and size ``W_i`` of every unit."""
    star = star_weights(w)
    return np.asarray(star @ y, dtype=float), np.diff(star.indptr).astype(np.int64)


def gi_star_z(y: npt.ArrayLike, w: sparse.spmatrix) -> npt.NDArray[np.float64]:
    """Getis-Ord Gi* z-scores with binary weights, the unit itself included.

    With :math:`S_i = \\sum_j w^*_{ij} y_j` the count of unit :math:`i` and its
    neighbours (:math:`w^*_{ij} = 1` for a neighbour and for :math:`j = i`),
    :math:`W_i = \\sum_j w^*_{ij}` their number, :math:`T` the total,
    :math:`\\bar y` the mean and :math:`s^2` the population variance of the
    :math:`n` counts, :math:`G^*_i = S_i / T`,
    :math:`E[G^*_i] = W_i / n` and
    :math:`V[G^*_i] = W_i (n - W_i) / (n - 1) / n^2 \\cdot s^2 / \\bar y^2`
    (Getis & Ord 1992, moments under random permutation of all :math:`n` counts),
    so :math:`z_i = (S_i - W_i \\bar y) / (s \\sqrt{W_i (n - W_i) / (n - 1)})`;
    equal to esda's ``G_Local(y, w, transform="B", star=True).Zs``. NaN where the
    variance is zero (equal counts everywhere, or a neighbourhood of every unit).

    Parameters
    ----------
    y
        Counts per unit.
    w
        Binary contiguity matrix without self-weights.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    total = y.sum()
    if total <= 0 or n < 2:
        return np.full(n, np.nan)
    sums, card = _neighbourhoods(y, w)
    mean = total / n
    var = float(((y - mean) ** 2).mean())
    spread = card * (n - card) / (n - 1) * var
    z = np.full(n, np.nan)
    ok = spread > (1e-9 * mean) ** 2 * card  # SD above rounding: not all counts equal
    z[ok] = (sums[ok] - card[ok] * mean) / np.sqrt(spread[ok])
    return z


#: Largest work array of :func:`permutation_p` (elements): memory stays near 40 MB
#: whatever the number of units or permutations (the time grows with both).
PERMUTATION_BLOCK = 2**20
#: Relative tolerance under which two deviations from the mean tie, capped at 0.5: the
#: scaled deviations ``|n S - W T|`` of integer counts are integers (exact below 2**53), and
#: this absorbs the rounding of non-integer values.
TIE_RTOL = 1e-12
#: Second word of the permutations' seed (``default_rng([seed, PERMUTATION_STREAM])``).
PERMUTATION_STREAM = 0x47692A


def _sample_blocks(
    rng: np.random.Generator, count: int, pool: int, k: int
) -> Iterator[npt.NDArray[np.int64]]:
    """``count`` independent uniform draws of ``k`` distinct positions out of ``pool``,
    each in random order (so any first ``c`` of them are a uniform ``c``-sample), in
    blocks of at most about :data:`PERMUTATION_BLOCK` elements.

    Few draws out of many (``k * k <= pool``): uniform integers, a row with a repeat
    drawn again (all distinct with probability above 0.6; the accepted rows are
    uniform over the distinct ones). Otherwise: the ``k`` smallest of ``pool``
    uniform keys, ordered by key.
    """
    if k * k <= pool:
        rows = max(1, PERMUTATION_BLOCK // max(k, 1))
        for start in range(0, count, rows):
            out = rng.integers(0, pool, size=(min(rows, count - start), k))
            while k > 1:
                ordered = np.sort(out, axis=1)
                bad = np.flatnonzero((ordered[:, 1:] == ordered[:, :-1]).any(axis=1))
                if not len(bad):
                    break
                out[bad] = rng.integers(0, pool, size=(len(bad), k))
            yield out
        return
    rows = max(1, PERMUTATION_BLOCK // max(pool, 1))
    for start in range(0, count, rows):
        keys = rng.random((min(rows, count - start), pool))
        if k < pool:
            part = np.argpartition(keys, k - 1, axis=1)[:, :k]
        else:
            part = np.broadcast_to(np.arange(pool), keys.shape).copy()
        order = np.argsort(np.take_along_axis(keys, part, axis=1), axis=1)
        yield np.take_along_axis(part, order, axis=1)


def permutation_p(
    y: npt.ArrayLike,
    w: sparse.spmatrix,
    *,
    permutations: int,
    seed: int,
) -> npt.NDArray[np.float64]:
    """Two-sided permutation p-values of Gi* under total randomisation, ties counted.

    Under the null every arrangement of the :math:`n` counts over the units is
    equally likely, so the neighbourhood sum :math:`S_i` of a unit with
    :math:`W_i` members (itself included) is distributed as the sum of a uniform
    random :math:`W_i`-subset of the counts, with exact mean :math:`W_i \\bar y`:
    the null of :func:`gi_star_z`. With :math:`S^{(r)}` the sums of
    ``permutations`` such subsets,

    .. math:: p_i = \\frac{1 + \\#\\{r : |S^{(r)} - W_i \\bar y| \\ge |S_i - W_i \\bar y|\\}}
              {\\text{permutations} + 1},

    the share of permutations whose :math:`|z|` is at least the observed one (ties
    included, Phipson & Smyth 2010): a unit whose every permutation ties (all
    counts equal, or a neighbourhood of every unit) gets p = 1. Units of the same
    :math:`W_i` share their reference draws (each :math:`p_i` is a valid Monte
    Carlo p-value on its own); a draw of :math:`\\max W_i` positions in random
    order serves every size at once through its running sums. Deviations are
    compared as :math:`|n S - W T|`, exact in floating point for integer counts.

    Memory is bounded (:data:`PERMUTATION_BLOCK` elements per work array):
    permutations are processed in blocks, so a large ``permutations`` costs
    time, not memory.

    The work is about ``permutations x max W_i`` draws (``permutations x n`` when
    ``n < max(W_i)**2``), not ``permutations x n`` per unit: 10,000 grid cells with
    99,999 permutations take under a second on 2 cores.

    Returns
    -------
    numpy.ndarray
        p per unit; NaN for all with fewer than 2 units, no count, or no permutation.
    """
    y = np.asarray(y, dtype=float)
    n = len(y)
    out = np.full(n, np.nan)
    total = float(y.sum())
    if n < 2 or total <= 0 or permutations <= 0:
        return out
    sums, card = _neighbourhoods(y, w)
    scale = n * np.abs(sums) + card * abs(total)
    observed = np.abs(n * sums - card * total) - np.minimum(0.5, TIE_RTOL * scale)
    sizes = np.unique(card)
    members = [np.flatnonzero(card == c) for c in sizes]
    at_least = np.zeros(n, dtype=np.int64)
    # a stream of its own: draws never replay a default_rng(seed) that made the data
    rng = np.random.default_rng([seed, PERMUTATION_STREAM])
    for draws in _sample_blocks(rng, permutations, n, int(sizes[-1])):
        running = np.cumsum(y[draws], axis=1)
        for c, units in zip(sizes, members, strict=True):
            ref = np.sort(np.abs(n * running[:, c - 1] - c * total))
            at_least[units] += len(ref) - np.searchsorted(ref, observed[units], side="left")
    return np.asarray((at_least + 1) / (permutations + 1), dtype=float)


def testable(y: npt.ArrayLike, w: sparse.spmatrix) -> npt.NDArray[np.bool_]:
    """Units Gi* can test: z defined and at least one incident in the unit and its
    neighbours.

    A neighbourhood without incidents is never called a cold spot: zero counts may
    be unrecorded rather than safe, and with sparse counts every such unit would
    otherwise be tested on the same all-zero evidence.
    """
    y = np.asarray(y, dtype=float)
    sums, _ = _neighbourhoods(y, w)
    return np.asarray(np.isfinite(gi_star_z(y, w)) & (sums > 0), dtype=bool)


def classify(z: npt.ArrayLike, q: npt.ArrayLike, fdr: float = 0.05) -> npt.NDArray[np.object_]:
    """Hot (z > 0) or cold (z < 0) at 99 % (q <= 0.01) or 95 % (q <= ``fdr``), else
    not significant (also where q is NaN: a unit not tested)."""
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
    """Gi* z, two-sided p, FDR-adjusted q and class of every unit.

    p is :func:`permutation_p` (with ``permutations > 0``) or the normal two-sided
    :math:`2 (1 - \\Phi(|z|))`; only the :func:`testable` units get a p, and
    Benjamini-Hochberg runs over them alone. The class follows the sign of z,
    which is the side of the permutation tail (both measure :math:`S_i - W_i \\bar y`).
    """
    from scipy import stats
    from statsmodels.stats.multitest import multipletests  # ~0.5 s: only when tested

    y = np.asarray(y, dtype=float)
    z = gi_star_z(y, w)
    tested = testable(y, w)
    if not tested.any():
        return GiResult(
            z,
            np.full(len(y), np.nan),
            np.full(len(y), np.nan),
            np.full(len(y), NOT_SIGNIFICANT, dtype=object),
            tested,
        )
    if permutations > 0:
        p = permutation_p(y, w, permutations=permutations, seed=seed)
    else:
        p = 2.0 * stats.norm.sf(np.abs(z))
    p = np.where(tested, p, np.nan)
    q = np.full(len(y), np.nan)
    q[tested] = multipletests(p[tested], alpha=fdr, method="fdr_bh")[1]
    p_sim = p if permutations > 0 else np.full(len(y), np.nan)
    return GiResult(z, p_sim, q, classify(z, q, fdr), tested)


def gi_star_exposed(
    y: npt.ArrayLike,
    units: gpd.GeoDataFrame,
    exposed: npt.ArrayLike,
    *,
    permutations: int = 999,
    fdr: float = 0.05,
    seed: int = 0,
    weights: sparse.spmatrix | None = None,
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
    weights
        :func:`exposed_weights` of ``units`` and ``exposed`` when already computed.
    """
    y = np.asarray(y, dtype=float)
    keep = np.asarray(exposed, dtype=bool)
    w = exposed_weights(units, keep) if weights is None else weights
    if keep.all():
        return gi_star(y, w, permutations=permutations, fdr=fdr, seed=seed)
    out = GiResult.empty(len(y), NO_DATA)
    if keep.sum() >= 2:
        part = gi_star(y[keep], w, permutations=permutations, fdr=fdr, seed=seed)
        for field in dataclasses.fields(GiResult):
            getattr(out, field.name)[keep] = getattr(part, field.name)
    return out


#: Decimals of the published z (its rounding limits what z tells about the counts).
Z_DECIMALS = 1


def exposed_weights(units: gpd.GeoDataFrame, exposed: npt.ArrayLike) -> sparse.csr_matrix:
    """Contiguity of the exposed units among themselves (:func:`gi_star_exposed`)."""
    keep = np.asarray(exposed, dtype=bool)
    if keep.all():
        return contiguity_weights(units)
    if keep.sum() < 2:
        return sparse.csr_matrix((int(keep.sum()), int(keep.sum())))
    return contiguity_weights(units.loc[keep].reset_index(drop=True))


def neighbourhood_relations(
    y: npt.ArrayLike, exposed: npt.ArrayLike, weights: sparse.spmatrix
) -> tuple[sparse.csr_matrix, npt.NDArray[np.float64], npt.NDArray[np.float64]]:
    """What a published, rounded Gi* z tells a reader about the counts.

    :func:`gi_star_z` is linear in the neighbourhood sum:
    :math:`S_i = W_i \\bar y + z_i s \\sqrt{W_i (n - W_i) / (n - 1)}`. A reader who knows the
    total (published), the units' contiguity and the spread :math:`s` (assumed known:
    the worst case) learns every :math:`S_i` to within half a rounding step of z times
    that standard deviation. Returned as rows over ``units`` (the star weights of the
    exposed units), the true sums and their tolerance, for the suppression audit.
    """
    y = np.asarray(y, dtype=float)
    keep = np.flatnonzero(np.asarray(exposed, dtype=bool))
    n_all = len(y)
    if len(keep) < 2 or y[keep].sum() <= 0:
        return sparse.csr_matrix((0, n_all)), np.zeros(0), np.zeros(0)
    star = star_weights(weights).tocoo()
    rows = sparse.csr_matrix((star.data, (star.row, keep[star.col])), shape=(len(keep), n_all))
    yk = y[keep]
    n = len(yk)
    card = np.asarray(rows.sum(axis=1)).ravel()
    spread = np.sqrt(np.maximum(card * (n - card) / (n - 1), 0.0) * float(yk.var()))
    values = np.asarray(rows @ y, dtype=float)
    z_step = 10.0**-Z_DECIMALS
    return rows, values, z_step / 2 * spread + 1e-6 * (1.0 + np.abs(values))


def hotspot_columns(result: GiResult) -> pd.DataFrame:
    """Output columns; z rounded to 0.1 and p to 0.001 (limits recovery of counts)."""
    return pd.DataFrame(
        {
            "hotspot_gi_z": np.round(result.z, Z_DECIMALS),
            "hotspot_p_sim": np.round(result.p_sim, 3),
            "hotspot_q": np.round(result.q, 3),
            "hotspot_class": result.hot_class,
        }
    )
