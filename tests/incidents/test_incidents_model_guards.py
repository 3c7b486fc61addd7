"""Guard rails of the count model: what the data cannot estimate is said, not printed as numbers."""

from __future__ import annotations

import types
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pyogrio
import pytest
import statsmodels.api as sm
from statsmodels.discrete.discrete_model import NegativeBinomial

from safespaces.commands._incident_outputs import format_report
from safespaces.incidents.environment import (
    ESTIMATED,
    INTERCEPT,
    MODEL_COLUMNS,
    MODEL_NUMBERS,
    NOT_ESTIMABLE,
    count_model,
    empty_model,
    score_relations,
)
from safespaces.io import write_layers

COLUMNS = ["eyes_night", "light_class"]


def _segments(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    segments = pd.DataFrame(
        {
            "length_m": rng.uniform(20, 80, n),
            "eyes_night": rng.uniform(0, 50, n),
            "light_class": rng.choice(["P4", "P5", "unlit"], n, p=[0.5, 0.3, 0.2]),
        }
    )
    y = rng.poisson(0.5 + segments["eyes_night"].to_numpy() / 25).astype(float)
    return segments, y


def _row(model: pd.DataFrame, term: str) -> pd.Series:
    rows = model[model["term"] == term]
    assert len(rows) == 1
    return rows.iloc[0]


def _assert_not_estimable(model: pd.DataFrame, term: str, why: str) -> None:
    row = _row(model, term)
    assert row["status"] == NOT_ESTIMABLE
    assert why in row["note"]
    assert row[list(MODEL_NUMBERS)].isna().all()


def test_a_class_without_incidents_is_complete_separation() -> None:
    segments, y = _segments()
    unlit = segments["light_class"].eq("unlit").to_numpy()
    y[unlit] = 0
    # What the fit alone says: an IRR of about 0 with an interval [0, inf], "converged".
    x = sm.add_constant(pd.get_dummies(segments["light_class"], dtype=float).drop(columns="P4"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        raw = NegativeBinomial(y, x, exposure=segments["length_m"] / 100).fit(disp=0, maxiter=200)
    assert np.exp(raw.params["unlit"]) < 1e-6 and raw.bse["unlit"] > 100

    model, info = count_model(segments, y, COLUMNS)
    assert list(model.columns) == list(MODEL_COLUMNS)
    _assert_not_estimable(model, "light_class: unlit", "complete separation")
    assert info["separated"] == ["light_class: unlit"]
    assert info["family"] == "negative binomial (NB2)" and info["n"] == int((~unlit).sum())
    # The other terms are the fit without that class's segments (Santos Silva & Tenreyro).
    keep = ~unlit
    xs = pd.DataFrame(
        {
            "eyes": (segments["eyes_night"] - segments["eyes_night"].mean())
            / segments["eyes_night"].std(),
            "P5": segments["light_class"].eq("P5").astype(float),
        }
    )
    ref = NegativeBinomial(
        y[keep], sm.add_constant(xs[keep]), exposure=segments["length_m"][keep] / 100
    ).fit(disp=0, maxiter=200)
    estimated = model[model["status"] == ESTIMATED]
    np.testing.assert_allclose(estimated["coef"], ref.params.drop("alpha"), rtol=1e-4, atol=1e-6)
    # The note says the class has no incident: the privacy audit is told so.
    relations = score_relations(segments, y, COLUMNS, model, info)
    assert relations.rows.shape == (len(estimated) + 1, len(segments))
    zero_row = relations.rows.toarray()[-1]
    assert (zero_row == unlit).all() and relations.values[-1] == 0
    assert (np.abs(relations.rows @ y - relations.values) <= relations.tolerance).all()


def test_a_reference_class_without_incidents_leaves_its_column_out() -> None:
    segments, y = _segments(seed=1)
    p4 = segments["light_class"].eq("P4").to_numpy()  # the most common class
    y[p4] = 0
    model, info = count_model(segments, y, COLUMNS)
    for term in ("light_class: P5", "light_class: unlit"):
        _assert_not_estimable(model, term, "no incident in the reference class 'P4'")
    assert _row(model, "eyes_night (per SD)")["status"] == ESTIMATED
    assert info["zero_reference"] == ["light_class"]
    relations = score_relations(segments, y, COLUMNS, model, info)
    assert (relations.rows.toarray()[-1] == p4).all()


def test_no_variance_in_a_covariate() -> None:
    segments, y = _segments(seed=2)
    segments["eyes_night"] = 3.0
    segments["light_class"] = "P5"
    model, info = count_model(segments, y, COLUMNS)
    _assert_not_estimable(model, "eyes_night (per SD)", "no variance")
    _assert_not_estimable(model, "light_class", "one class only ('P5')")
    assert _row(model, INTERCEPT)["status"] == ESTIMATED  # the rate alone is estimable
    assert info["family"] != "none"
    alone = NegativeBinomial(
        y, np.ones((len(y), 1)), exposure=segments["length_m"].to_numpy() / 100
    ).fit(disp=0, maxiter=200)
    assert _row(model, INTERCEPT)["coef"] == pytest.approx(alone.params[0], rel=1e-4)


def test_no_incident_at_all() -> None:
    segments, _ = _segments(seed=3)
    model, info = count_model(segments, np.zeros(len(segments)), COLUMNS)
    assert (model["status"] == NOT_ESTIMABLE).all() and len(model) == 4
    assert model[list(MODEL_NUMBERS)].isna().all().all()
    assert "no variance" in str(info["reason"]) and info["family"] == "none"


def test_too_few_segments_or_incidents_per_parameter() -> None:
    segments, y = _segments(n=35, seed=4)  # 4 parameters need 40 segments
    model, info = count_model(segments, y, COLUMNS)
    assert (model["status"] == NOT_ESTIMABLE).all()
    assert "too few segments: 35 for 4 parameters" in str(info["reason"])
    segments, y = _segments(n=400, seed=4)
    sparse_y = np.zeros(len(y))
    sparse_y[np.flatnonzero(y)[:30]] = 1  # 30 incidents for 4 parameters
    model, info = count_model(segments, sparse_y, COLUMNS)
    assert (model["status"] == NOT_ESTIMABLE).all()
    assert "too few incidents: fewer than 10 per parameter" in str(info["reason"])
    assert "30" not in str(info["reason"])  # a bound, not the count


def test_a_collinear_covariate() -> None:
    segments, y = _segments(seed=5)
    segments["eyes_copy"] = 2 * segments["eyes_night"] + 1
    model, _ = count_model(segments, y, [*COLUMNS, "eyes_copy"])
    _assert_not_estimable(model, "eyes_copy (per SD)", "collinear")
    assert (model[model["term"] != "eyes_copy (per SD)"]["status"] == ESTIMATED).all()


def test_quasi_separation_by_a_numeric_covariate() -> None:
    # every incident on the segments with the lowest value: the slope runs off to -inf
    segments, _ = _segments(seed=6)
    low = segments["eyes_night"].to_numpy() < 10
    segments.loc[low, "eyes_night"] = 0.0
    y = np.where(low, np.random.default_rng(6).poisson(2.0, len(low)), 0).astype(float)
    model, info = count_model(segments, y, ["eyes_night"])
    assert (model["status"] == NOT_ESTIMABLE).all()
    assert model[list(MODEL_NUMBERS)].isna().all().all()
    assert "separation" in str(info["reason"])


def test_an_unidentified_term_is_left_out_and_the_rest_refitted() -> None:
    # a class with one incident on 2 m of street among 300 segments is estimable;
    # an indicator that is 1 on a single zero-count segment after the others are
    # separated would not be. Check the post-fit rule with a tiny exposure.
    segments, y = _segments(seed=7)
    segments.loc[0, "light_class"] = "P1"
    segments.loc[0, "length_m"] = 1e-9  # almost no exposure: log IRR about +20
    y[0] = 1.0
    model, _ = count_model(segments, y, COLUMNS)
    _assert_not_estimable(model, "light_class: P1", "runs off to infinity")
    assert (model[model["term"] != "light_class: P1"]["status"] == ESTIMATED).all()


def test_the_table_keeps_its_types_in_the_geopackage(tmp_path: Path) -> None:
    segments, y = _segments()
    y[segments["light_class"].eq("unlit").to_numpy()] = 0
    model, _ = count_model(segments, y, COLUMNS)
    for column in MODEL_NUMBERS:
        assert model[column].dtype == np.float64
    assert all(isinstance(v, str) for v in [*model["status"], *model["note"]])
    empty = empty_model()
    assert list(empty.columns) == list(MODEL_COLUMNS) and len(empty) == 0
    path = write_layers(tmp_path, {"incident_model": model})
    back = pyogrio.read_dataframe(path, layer="incident_model")
    info = pyogrio.read_info(path, layer="incident_model")
    types_ = dict(zip(info["fields"], info["dtypes"], strict=True))
    assert all(types_[c] == "float64" for c in MODEL_NUMBERS)
    assert types_["status"] == "object" and types_["note"] == "object"
    unlit = back.set_index("term").loc["light_class: unlit"]
    assert np.isnan(unlit["irr"]) and unlit["status"] == NOT_ESTIMABLE


def test_the_report_says_not_estimable() -> None:
    segments, y = _segments()
    y[segments["light_class"].eq("unlit").to_numpy()] = 0
    model, info = count_model(segments, y, COLUMNS)
    result = types.SimpleNamespace(
        summary=lambda: {},
        environment=pd.DataFrame(),
        model=model,
        metadata=lambda: {"incidents_model": info, "incidents_caveat": "caveat"},
    )
    text = format_report(result)  # type: ignore[arg-type]
    assert "light_class: unlit" in text and "not estimable: complete separation" in text
    assert "nan" not in text.lower().replace("nanny", "")
    whole, whole_info = count_model(segments, np.zeros(len(segments)), COLUMNS)
    result.model, result.metadata = (
        whole,
        lambda: {"incidents_model": whole_info, "incidents_caveat": "caveat"},
    )
    text = format_report(result)  # type: ignore[arg-type]
    assert text.count("not estimable") == 1 and "no variance" in text
