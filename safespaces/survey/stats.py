"""Intervals of the perceived-safety analysis: Wilson for shares, Fisher z for Spearman.

Wilson (1927) score interval of a binomial share ``x / n``::

    centre = (p + z²/2n) / (1 + z²/n),  half = z / (1 + z²/n) * sqrt(p(1-p)/n + z²/4n²)

(statsmodels' ``proportion_confint(method="wilson")`` gives the same numbers;
``tests/survey`` checks it). It stays inside 0-1 and behaves at 0 and n, unlike
the normal (Wald) interval.

Spearman's rank correlation ``rho`` (scipy.stats.spearmanr) with the Fisher z
interval using the standard error ``sqrt(1.06 / (n - 3))`` of Fieller, Hartley &
Pearson (1957, Biometrika 44:470-481), as recommended for Spearman's rho by
Bonett & Wright (2000, Psychometrika 65:23-28)::

    z = atanh(rho),  interval = tanh(z ± z_(1-a/2) * sqrt(1.06 / (n - 3)))
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]


def wilson(
    successes: npt.ArrayLike, trials: npt.ArrayLike, level: float = 0.95
) -> tuple[FloatArray, FloatArray]:
    """Wilson score interval of ``successes / trials`` (NaN where ``trials`` is 0 or NaN).

    Examples
    --------
    >>> lo, hi = wilson(3, 10)
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.1078, 0.6032)
    """
    from scipy import stats  # here: importing scipy.stats costs every CLI call ~0.5 s

    x = np.asarray(successes, dtype=float)
    n = np.asarray(trials, dtype=float)
    z = float(stats.norm.ppf(0.5 + level / 2))
    with np.errstate(invalid="ignore", divide="ignore"):
        p = x / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z / denom * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2))
        ok = n > 0
    lo = np.where(ok, np.clip(centre - half, 0, 1), np.nan)
    hi = np.where(ok, np.clip(centre + half, 0, 1), np.nan)
    return lo, hi


def spearman_interval(
    x: npt.ArrayLike, y: npt.ArrayLike, level: float = 0.95
) -> tuple[float, float, float, float, int]:
    """Spearman's rho, its Fisher z interval (module docstring), its p-value and n.

    Pairs with a missing value are left out; with fewer than 4 pairs (or a
    constant variable) every value is NaN.
    """
    from scipy import stats

    a = np.asarray(x, dtype=float)
    b = np.asarray(y, dtype=float)
    ok = np.isfinite(a) & np.isfinite(b)
    n = int(ok.sum())
    if n < 4 or np.ptp(a[ok]) == 0 or np.ptp(b[ok]) == 0:
        return float("nan"), float("nan"), float("nan"), float("nan"), n
    res = stats.spearmanr(a[ok], b[ok])
    rho, p = float(res.statistic), float(res.pvalue)
    z = float(stats.norm.ppf(0.5 + level / 2))
    centre = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    half = z * np.sqrt(1.06 / (n - 3))
    return rho, float(np.tanh(centre - half)), float(np.tanh(centre + half)), p, n
