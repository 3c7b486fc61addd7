"""Empirical-Bayes rates against esda's Empirical_Bayes and Marshall's formulas."""

from __future__ import annotations

import numpy as np
import pytest
from esda.smoothing import Empirical_Bayes

from safespaces.incidents.rates import eb_rates, marshall_prior


def _poisson_gamma(units: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Counts whose true rates vary between units (so Marshall's A is positive)."""
    rng = np.random.default_rng(seed)
    n = rng.uniform(20.0, 400.0, units)
    rate = rng.gamma(2.0, 0.02, units)
    return rng.poisson(rate * n).astype(float), n


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_equals_esda_when_nothing_is_suppressed(seed: int) -> None:
    y, n = _poisson_gamma(300, seed)
    rates, prior = eb_rates(y, n, np.ones(len(y), bool), 100.0)
    assert prior["A"] > 0  # esda does not clamp A at 0: compare where it needs no clamp
    expected = Empirical_Bayes(y, n).r.ravel() * 100.0
    np.testing.assert_allclose(rates, expected, rtol=1e-12)
    assert prior["m"] == pytest.approx(100.0 * y.sum() / n.sum(), rel=1e-12)


def test_without_a_published_total_equals_esda_on_the_published_units() -> None:
    y, n = _poisson_gamma(200, 3)
    published = ~((y >= 1) & (y <= 4))
    assert 20 < (~published).sum() < 150
    rates, _ = eb_rates(y, n, published, 100.0, total_known=False)
    expected = Empirical_Bayes(y[published], n[published]).r.ravel() * 100.0
    np.testing.assert_allclose(rates[published], expected, rtol=1e-12)
    assert np.isnan(rates[~published]).all()


def test_with_a_published_total_m_is_global_and_s2_n_bar_are_the_published_units() -> None:
    # Hand calculation, rates per unit of exposure:
    # units y = 10, 2 (suppressed), 5, 30; n = 100, 50, 200, 150
    # m = 47 / 500 = 0.094 (all units: their total is published)
    # published r = 0.1, 0.025, 0.2; s2 = (100 * 0.006^2 + 200 * 0.069^2 + 150 * 0.106^2) / 450
    #    = (0.0036 + 0.9522 + 1.6854) / 450 = 0.00587; n_bar = 450 / 3 = 150
    # A = 0.00587 - 0.094 / 150 = 0.0052433
    y = np.array([10.0, 2.0, 5.0, 30.0])
    n = np.array([100.0, 50.0, 200.0, 150.0])
    published = np.array([True, False, True, True])
    rates, prior = eb_rates(y, n, published, 100.0)
    a = 2.6412 / 450 - 0.094 / 150
    assert prior["m"] == pytest.approx(9.4)
    assert prior["s2"] == pytest.approx(1e4 * 2.6412 / 450)
    assert prior["n_bar"] == pytest.approx(150.0)
    assert prior["A"] == pytest.approx(1e4 * a)
    w = a / (a + 0.094 / n[published])
    expected = 100.0 * (w * y[published] / n[published] + (1 - w) * 0.094)
    np.testing.assert_allclose(rates[published], expected, rtol=1e-12)
    assert np.isnan(rates[1])


def test_published_rates_do_not_depend_on_the_suppressed_counts_beyond_their_total() -> None:
    y, n = _poisson_gamma(100, 4)
    published = np.ones(len(y), bool)
    hidden = np.flatnonzero(y >= 3)[:2]
    published[hidden] = False
    before, prior_before = eb_rates(y, n, published, 100.0)
    moved = y.copy()
    moved[hidden] += [-2.0, 2.0]  # same total, other split
    after, prior_after = eb_rates(moved, n, published, 100.0)
    np.testing.assert_array_equal(before, after)
    assert prior_before == prior_after


def test_the_true_count_prior_would_disclose_two_suppressed_counts() -> None:
    # Why the prior uses the published units: Marshall on every unit's true counts
    # gives s2 over all units. One published smoothed rate gives its weight, so A,
    # so s2, so sum(y^2 / n) over the suppressed units; with their published total,
    # a quadratic equation gives the two suppressed counts back.
    y = np.array([12.0, 3.0, 40.0, 2.0, 25.0, 60.0])
    n = np.array([300.0, 80.0, 500.0, 210.0, 200.0, 900.0])
    suppressed = np.array([False, True, False, False, False, False])
    suppressed[3] = True
    true_rates, _ = eb_rates(y, n, np.ones(6, bool), 1.0)  # what "true counts" would publish
    m = y.sum() / n.sum()  # the study total is published
    i = 0  # any published unit
    r_i = y[i] / n[i]
    w_i = (true_rates[i] - m) / (r_i - m)
    a = w_i * (m / n[i]) / (1 - w_i)
    s2 = a + m / n.mean()  # exposures are published
    pub = ~suppressed
    q = s2 * n.sum() - np.sum(n[pub] * (y[pub] / n[pub] - m) ** 2)  # suppressed n (r - m)^2
    total = y.sum() - y[pub].sum()
    n1, n2 = n[suppressed]
    # n1 (y1/n1 - m)^2 + n2 ((total - y1)/n2 - m)^2 = q, for integers 0..total
    y1 = np.arange(total + 1)
    lhs = n1 * (y1 / n1 - m) ** 2 + n2 * ((total - y1) / n2 - m) ** 2
    solutions = y1[np.isclose(lhs, q, rtol=1e-9, atol=1e-12)]
    assert solutions.tolist() == [3.0]  # the suppressed counts are 3 and 2
    # The published prior (s2 over the published units) leaves them open.
    mine, _ = eb_rates(y, n, pub, 1.0)
    other = y.copy()
    other[suppressed] = [1.0, 4.0]
    np.testing.assert_array_equal(mine, eb_rates(other, n, pub, 1.0)[0])


def test_a_negative_a_is_set_to_zero_unlike_esda() -> None:
    # Rates closer together than Poisson noise: s2 < m / n_bar.
    y = np.array([10.0, 11.0, 9.0, 10.0])
    n = np.array([100.0, 100.0, 100.0, 100.0])
    prior = marshall_prior(y, n)
    assert prior["s2"] < prior["m"] / prior["n_bar"] and prior["A"] == 0.0
    rates, _ = eb_rates(y, n, np.ones(4, bool), 100.0)
    np.testing.assert_allclose(rates, 10.0)  # every unit gets m (Marshall 1991)
    esda_rates = Empirical_Bayes(y, n).r.ravel() * 100.0
    assert not np.allclose(esda_rates, 10.0)  # esda keeps the negative A


def test_marshall_prior_refuses_units_without_exposure() -> None:
    with pytest.raises(ValueError, match="positive exposures"):
        marshall_prior([1.0, 2.0], [10.0, 0.0])
    assert np.isnan(marshall_prior([], [])["m"])
