"""Every global index against PySAL ``segregation`` on random inputs, zero counts included.

PySAL 2.5.4 runs under pandas 3.1 for all nine classes compared here. Where
PySAL's value is undefined (NaN, inf) or an artefact of ``nansum`` over an
all-NaN vector (isolation/exposure of an absent group), the comparison is
replaced by a check of our documented convention.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays
from segregation.multigroup import (
    MultiDissim,
    MultiDiversity,
    MultiGini,
    MultiInfoTheory,
    SimpsonsInteraction,
)
from segregation.singlegroup import Dissim, Gini, Interaction, Isolation

from safespaces.mix import indices

RTOL = ATOL = 1e-9
SETTINGS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@st.composite
def count_tables(draw: st.DrawFn) -> np.ndarray:
    """(areas, groups) tables with many zeros: empty areas, empty cells, absent groups."""
    n = draw(st.integers(2, 25))
    k = draw(st.integers(2, 5))
    counts = draw(arrays(np.int64, (n, k), elements=st.integers(0, 60)))
    zero_mask = draw(arrays(np.bool_, (n, k), elements=st.booleans()))
    counts = np.where(zero_mask & draw(st.booleans()), 0, counts)
    return counts


def pysal(fn, *args, **kwargs) -> float:
    """PySAL's statistic; NaN where it is undefined (it warns, or raises on an empty city)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            return float(fn(*args, **kwargs).statistic)
        except ZeroDivisionError:  # Gini of an empty city
            return np.nan


def frame(counts: np.ndarray) -> pd.DataFrame:
    return pd.DataFrame(counts, columns=[f"g{i}" for i in range(counts.shape[1])])


SINGLE = [
    (indices.dissimilarity, Dissim),
    (indices.isolation, Isolation),
    (indices.exposure, Interaction),
    (indices.gini, Gini),
]


@pytest.mark.parametrize(("ours", "theirs"), SINGLE, ids=lambda v: getattr(v, "__name__", ""))
@SETTINGS
@given(counts=count_tables(), extra=st.integers(0, 20), with_total=st.booleans())
def test_single_group_matches_pysal(ours, theirs, counts, extra, with_total) -> None:
    df = frame(counts)
    total = counts.sum(axis=1) + (extra * (np.arange(len(counts)) % 2) if with_total else 0)
    df["total"] = total
    for g in range(counts.shape[1]):
        x = counts[:, g]
        mine = ours(x, total)
        ref = pysal(theirs, df, f"g{g}", "total")
        if x.sum() == 0:
            assert np.isnan(mine)  # convention: undefined for an absent group
        elif np.isfinite(ref):
            np.testing.assert_allclose(mine, ref, rtol=RTOL, atol=ATOL)
        else:
            assert np.isnan(mine)


MULTI = [
    (indices.multigroup_dissimilarity, MultiDissim, {}),
    (indices.multigroup_gini, MultiGini, {}),
    (indices.theil_h, MultiInfoTheory, {}),
    (indices.simpsons_interaction, SimpsonsInteraction, {}),
    (indices.multigroup_entropy, MultiDiversity, {"normalized": False}),
]


@pytest.mark.parametrize(
    ("ours", "theirs", "kwargs"), MULTI, ids=lambda v: getattr(v, "__name__", "")
)
@SETTINGS
@given(counts=count_tables())
def test_multigroup_matches_pysal(ours, theirs, kwargs, counts) -> None:
    mine = ours(counts)
    present = counts.sum(axis=0) > 0
    ref = pysal(theirs, frame(counts), list(frame(counts).columns), **kwargs)
    if np.isfinite(ref):
        np.testing.assert_allclose(mine, ref, rtol=RTOL, atol=ATOL)
    elif present.sum() >= 2:
        # PySAL gives NaN for an absent group in the entropy terms; we use 0 ln 0 = 0,
        # which equals PySAL on the table without that group.
        kept = frame(counts[:, present])
        ref_kept = pysal(theirs, kept, list(kept.columns), **kwargs)
        np.testing.assert_allclose(mine, ref_kept, rtol=RTOL, atol=ATOL)
    else:
        assert np.isnan(mine) or mine == 0.0


def test_absent_group_conventions() -> None:
    counts = np.array([[10, 0, 3], [0, 0, 7], [5, 0, 0], [0, 0, 0]])
    t = counts.sum(axis=1)
    for fn in (indices.dissimilarity, indices.isolation, indices.exposure, indices.gini):
        assert np.isnan(fn(counts[:, 1], t))
    # 0 ln 0 = 0: an absent group changes nothing
    np.testing.assert_allclose(indices.theil_h(counts), indices.theil_h(counts[:, [0, 2]]))
    np.testing.assert_allclose(
        indices.multigroup_entropy(counts), indices.multigroup_entropy(counts[:, [0, 2]])
    )
    # one group only: evenness undefined, diversity zero
    one = np.array([[4, 0], [6, 0]])
    assert np.isnan(indices.multigroup_dissimilarity(one))
    assert np.isnan(indices.multigroup_gini(one))
    assert np.isnan(indices.theil_h(one))
    assert indices.simpsons_interaction(one) == 0.0
    assert indices.multigroup_entropy(one) == 0.0
    # empty city
    empty = np.zeros((3, 2))
    assert np.isnan(indices.multigroup_dissimilarity(empty))
    assert np.isnan(indices.dissimilarity(empty[:, 0], empty.sum(axis=1)))


def test_no_warnings_on_zero_counts() -> None:
    counts = np.array([[0, 0], [0, 5], [3, 0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = indices.global_indices(counts, ["a", "b"])
    assert result["dissimilarity"] == {"a": 1.0, "b": 1.0}


def test_complete_segregation_and_evenness() -> None:
    seg = np.array([[10, 0], [0, 10]])
    even = np.array([[5, 5], [5, 5]])
    assert indices.dissimilarity(seg[:, 0], seg.sum(axis=1)) == 1.0
    assert indices.multigroup_gini(seg) == 1.0
    assert indices.theil_h(seg) == pytest.approx(1.0)
    assert indices.dissimilarity(even[:, 0], even.sum(axis=1)) == 0.0
    assert indices.theil_h(even) == 0.0
    assert indices.isolation(seg[:, 0], seg.sum(axis=1)) == 1.0
    assert indices.exposure(seg[:, 0], seg.sum(axis=1)) == 0.0


def test_entropy_of_unknown_or_single_group_cities() -> None:
    # A NaN count makes the city's shares unknown: NaN, not the -0.0 of 0 ln 0 sums.
    for unknown in ([[np.nan, 1.0]], [[np.nan, np.nan]], [[4.0, 2.0], [np.nan, 1.0]]):
        assert np.isnan(indices.multigroup_entropy(np.array(unknown)))
        assert np.isnan(indices.simpsons_interaction(np.array(unknown)))
    for empty in (np.zeros((0, 3)), np.zeros((3, 2))):
        assert np.isnan(indices.multigroup_entropy(empty))
    # One group present: diversity 0.0 with a positive sign (printed "0", not "-0").
    for one in ([[3.0, 0.0]], [[4.0, 0.0], [6.0, 0.0]], [[5.0]]):
        value = indices.multigroup_entropy(np.array(one))
        assert value == 0.0 and math.copysign(1.0, value) == 1.0
    # and ln 2 for two equal groups (hand value)
    assert indices.multigroup_entropy(np.array([[3.0, 1.0], [0.0, 2.0]])) == pytest.approx(
        math.log(2.0)
    )
