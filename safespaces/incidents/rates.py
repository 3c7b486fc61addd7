"""Incident rates: crude, empirical-Bayes smoothed, and exact Poisson intervals."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def crude_rate(counts: npt.ArrayLike, exposure: npt.ArrayLike, per: float) -> FloatArray:
    """``per * count / exposure``; NaN where the exposure is not positive or the count is NaN.

    Examples
    --------
    Incidents per 100 m of street:

    >>> crude_rate([3, 0, 5], [150.0, 80.0, 0.0], 100).tolist()
    [2.0, 0.0, nan]
    """
    y = np.asarray(counts, dtype=float)
    n = np.asarray(exposure, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(n > 0, per * y / n, np.nan)


def marshall_prior(
    counts: npt.ArrayLike, exposure: npt.ArrayLike, *, m: float | None = None
) -> dict[str, float]:
    """Marshall's (1991) method-of-moments prior of the global empirical-Bayes rates.

    With counts :math:`y_i`, exposures :math:`n_i > 0` and crude rates
    :math:`r_i = y_i / n_i` of the K units given:

    .. math::

        m = \\frac{\\sum y_i}{\\sum n_i}, \\quad
        s^2 = \\frac{\\sum n_i (r_i - m)^2}{\\sum n_i}, \\quad
        \\bar n = \\frac{\\sum n_i}{K}, \\quad
        A = \\max\\left(s^2 - \\frac{m}{\\bar n}, 0\\right)

    ``m`` may be given instead (the global rate of a larger set of units). A is
    the between-unit variance of the true rates; Marshall sets a negative
    estimate to 0 (every unit then gets ``m``), esda's ``Empirical_Bayes`` does
    not (its weights then leave [0, 1]).

    Returns
    -------
    dict
        ``{"m", "A", "s2", "n_bar"}``; NaN without units.

    Raises
    ------
    ValueError
        A count not finite or an exposure not positive (leave such units out).
    """
    y = np.asarray(counts, dtype=float)
    n = np.asarray(exposure, dtype=float)
    if not (n > 0).all() or not np.isfinite(y).all():
        raise ValueError("marshall_prior needs finite counts and positive exposures")
    if not len(n):
        return {"m": np.nan, "A": np.nan, "s2": np.nan, "n_bar": np.nan}
    if m is None:
        m = float(y.sum() / n.sum())
    s2 = float(np.sum(n * (y / n - m) ** 2) / n.sum())
    n_bar = float(n.mean())
    return {"m": float(m), "A": max(s2 - m / n_bar, 0.0), "s2": s2, "n_bar": n_bar}


def eb_rates(
    counts: npt.ArrayLike,
    exposure: npt.ArrayLike,
    published: npt.ArrayLike,
    per: float,
    *,
    total_known: bool = True,
) -> tuple[FloatArray, dict[str, float]]:
    """Marshall's global empirical-Bayes rates (method of moments), as published.

    With the prior of :func:`marshall_prior` (m, A), each unit's weight and rate:

    .. math::

        w_i = \\frac{A}{A + m / n_i}, \\quad \\hat r_i = w_i r_i + (1 - w_i) m

    A unit with a small exposure gets a small weight :math:`w_i` and is pulled
    towards the global rate :math:`m`. With every unit published this is
    Marshall's estimator, and equals ``esda.smoothing.Empirical_Bayes`` whenever
    its A is not negative (tested).

    Suppressed units: the prior is estimated from what is published. ``m`` is the
    global rate of every unit with a positive exposure when their total count is
    published (``total_known``: the suppressed units add only their published
    total), else of the published units; :math:`s^2` and :math:`\\bar n` come
    from the published units only, i.e. Marshall's moment equation
    :math:`E[\\sum n_i (r_i - m)^2] = A \\sum n_i + m K` on the published units
    (the suppressed units' squared deviations are missing, not imputed). The
    smoothed rate is returned for published units only (NaN elsewhere). So no
    published value depends on a suppressed count beyond published totals: the
    prior of every unit's true counts would publish
    :math:`\\sum_{\\text{suppressed}} y_i^2 / n_i`, which with their published
    total pins two suppressed counts (a quadratic equation). The suppressed units
    are not missing at random (counts 1 to k - 1, often short streets with high
    crude rates), so the published prior usually has a smaller A than the true
    counts' (more shrinkage towards m); ``docs/incidents.md`` gives the
    differences on the Helsinki default.

    Parameters
    ----------
    counts, exposure
        Per unit (true counts); units with no positive exposure are left out.
    published
        Boolean mask of units whose count is published.
    total_known
        The sum of the counts of the units with a positive exposure is published
        (or derivable from published counts).
    per
        Scale of the rates (e.g. 100 for per 100 m, 1000 for per 1,000 residents).

    Returns
    -------
    rates, prior
        Smoothed rates x ``per`` and the prior ``{"m", "A", "s2", "n_bar"}``
        (``m`` x ``per``, ``A`` and ``s2`` x ``per**2``).

    References
    ----------
    Marshall, R. J. (1991). Mapping disease and mortality rates using
    empirical Bayes estimators. Applied Statistics 40(2), 283-294.

    Examples
    --------
    The short street's crude rate (2 in 20 m: 10 per 100 m) is pulled towards the
    global rate m = 12 / 620 m = 1.94 per 100 m; the long streets barely move:

    >>> rates, prior = eb_rates([2, 5, 5], [20.0, 300.0, 300.0], [True, True, True], 100)
    >>> rates.round(2).tolist(), round(float(prior["m"]), 2)
    ([2.85, 1.76, 1.76], 1.94)
    """
    y = np.asarray(counts, dtype=float)
    n = np.asarray(exposure, dtype=float)
    valid = (n > 0) & np.isfinite(y)
    pub = np.asarray(published, dtype=bool) & valid
    out = np.full(len(y), np.nan)
    if not pub.any():
        return out, {"m": np.nan, "A": np.nan, "s2": np.nan, "n_bar": np.nan}
    base = valid if total_known else pub
    m = float(y[base].sum() / n[base].sum())
    prior = marshall_prior(y[pub], n[pub], m=m)
    a = prior["A"]
    r = y[pub] / n[pub]
    with np.errstate(divide="ignore", invalid="ignore"):
        w = np.where(a + m / n[pub] > 0, a / (a + m / n[pub]), 0.0)
    out[pub] = per * (w * r + (1.0 - w) * m)
    scaled = {"m": per * m, "A": per**2 * a, "s2": per**2 * prior["s2"], "n_bar": prior["n_bar"]}
    return out, scaled


def poisson_ci(counts: npt.ArrayLike, level: float = 0.95) -> tuple[FloatArray, FloatArray]:
    """Exact (Garwood 1936) confidence interval of a Poisson mean.

    lower = chi2(alpha/2; 2y) / 2 (0 when y = 0), upper = chi2(1 - alpha/2; 2y + 2) / 2.

    Examples
    --------
    Three events: the exact 95 % interval of the mean is 0.62 to 8.77:

    >>> low, high = poisson_ci([3, 0])
    >>> low.round(2).tolist(), high.round(2).tolist()
    ([0.62, 0.0], [8.77, 3.69])
    """
    from scipy import stats  # here: importing scipy.stats costs every CLI call ~0.5 s

    y = np.asarray(counts, dtype=float)
    alpha = 1.0 - level
    lower = np.where(y > 0, stats.chi2.ppf(alpha / 2, 2 * np.maximum(y, 1e-12)) / 2, 0.0)
    upper = stats.chi2.ppf(1 - alpha / 2, 2 * y + 2) / 2
    return np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
