"""Incident rates by street environment, and a count model on the indices.

:func:`environment_table` gives incidents per 100 m of street by quintile of
each numeric segment column (e.g. ``eyes_night``) and by value of each text
column (e.g. ``light_class``), with exact Poisson (Garwood) confidence
intervals. :func:`count_model` fits incidents per segment on the same columns
with the street length as exposure (negative binomial, Poisson if that fails).

Both describe association, not cause: see :data:`CAVEAT`.
"""

from __future__ import annotations

import dataclasses
import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse

from safespaces.incidents.rates import poisson_ci
from safespaces.incidents.suppression import Relations

CAVEAT = (
    "These figures describe association, not cause. Streets with more people about or "
    "brighter light also differ in land use, night life, reporting and policing, and "
    "incidents are recorded where they are reported, not where risk is. Do not read a "
    "coefficient as the effect of adding light or activity."
)

ENVIRONMENT_COLUMNS = (
    "variable",
    "group",
    "segments",
    "length_km",
    "incidents",
    "incidents_suppressed",
    "per_100m",
    "per_100m_ci_low",
    "per_100m_ci_high",
)


MODEL_COLUMNS = (
    "term",
    "coef",
    "se",
    "ci_low",
    "ci_high",
    "p",
    "irr",
    "irr_ci_low",
    "irr_ci_high",
    "status",
    "note",
)
#: Numeric columns of the model table (NaN where a term is not estimable).
MODEL_NUMBERS = MODEL_COLUMNS[1:9]
#: ``status`` of a term with published estimates, and of one the data cannot estimate.
ESTIMATED, NOT_ESTIMABLE = "estimated", "not estimable"
#: Name of the intercept term in the model table.
INTERCEPT = "intercept (per 100 m)"
#: Largest |log IRR| and standard error of a published term: a numeric term enters per
#: standard deviation and a class as an indicator, so |log IRR| > 10 (a ratio beyond
#: 22,000) or SE > 10 is a fit running off to infinity, not an estimate.
MAX_ABS_COEF = 10.0
MAX_SE = 10.0
#: Smallest number of segments, and of incidents, per estimated parameter by default
#: (``incidents.model_min_per_parameter``; the "10 events per variable" rule of thumb
#: of Peduzzi et al. 1996).
MIN_PER_PARAMETER = 10


def _groups(segments: pd.DataFrame, column: str) -> pd.Series:
    values = segments[column]
    if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
        numeric = values.astype(float)
        ok = numeric.notna()
        labels = pd.Series(pd.NA, index=segments.index, dtype="string")
        if ok.sum() >= 5:
            q = pd.qcut(numeric[ok], 5, labels=False, duplicates="drop")
            edges = numeric[ok].groupby(q).agg(["min", "max"])
            names = {
                int(i): f"Q{int(i) + 1} ({lo:.3g}-{hi:.3g})"
                for i, lo, hi in zip(edges.index, edges["min"], edges["max"], strict=True)
            }
            labels[ok] = q.map(names).astype("string")
        return labels
    return values.astype("string")


def environment_groups(
    segments: pd.DataFrame, columns: Sequence[str]
) -> list[tuple[str, str, npt.NDArray[np.int64]]]:
    """The rows of :func:`environment_table`: (variable, group, positions of its segments).

    Groups are quintiles of a numeric column or values of a text column (segments with
    no value are in no group), in quintile or sorted order. Anyone can recompute them
    from the published segment columns, so each group's count is a published sum of the
    segments' counts (the incident analysis suppresses them together).
    """
    out: list[tuple[str, str, npt.NDArray[np.int64]]] = []
    for column in columns:
        if column not in segments:
            continue
        groups = _groups(segments, column).to_numpy(dtype=object)
        ok = np.flatnonzero(pd.notna(groups))
        labels = groups[ok].astype(str)
        for name in sorted(set(labels.tolist())):
            out.append((column, name, ok[labels == name].astype(np.int64)))
    return out


def environment_table(
    segments: pd.DataFrame,
    counts: Sequence[float] | np.ndarray | pd.Series,
    columns: Sequence[str],
    *,
    k_min: int,
    level: float = 0.95,
    hidden: Sequence[bool] | np.ndarray | None = None,
) -> pd.DataFrame:
    """Incidents per 100 m by group of each environment column.

    Parameters
    ----------
    segments
        Segments with ``length_m`` and the environment columns.
    counts
        Incidents snapped to each segment (true counts; only group totals are
        published).
    columns
        Columns to describe; absent ones are skipped.
    hidden
        Which rows (in :func:`environment_groups` order) to suppress, as decided
        with the other tables; None: on this table alone (a group total from 1 to
        ``k_min - 1`` is suppressed, then complementary cells per variable).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`ENVIRONMENT_COLUMNS`; groups in quintile or class order.
    """
    y = np.asarray(counts, dtype=float)
    length = segments["length_m"].to_numpy(dtype=float)
    total = float(y.sum())
    groups = environment_groups(segments, columns)
    ys = np.array([y[members].sum() for _, _, members in groups], dtype=float)
    lens = np.array([length[members].sum() for _, _, members in groups], dtype=float)
    low, high = poisson_ci(ys, level)
    with np.errstate(divide="ignore", invalid="ignore"):
        per = np.where(lens > 0, 100.0 / lens, np.nan)
    own = hidden is None
    mask = (ys > 0) & (ys < k_min) if own else np.asarray(hidden, dtype=bool)
    rows: list[dict[str, Any]] = []
    for i, (variable, name, members) in enumerate(groups):
        suppressed = bool(mask[i])
        rows.append(
            {
                "variable": variable,
                "group": name,
                "segments": len(members),
                "length_km": round(float(lens[i]) / 1000, 2),
                "incidents": None if suppressed else int(ys[i]),
                "incidents_suppressed": suppressed,
                "per_100m": None if suppressed else float(ys[i] * per[i]),
                "per_100m_ci_low": None if suppressed else float(low[i] * per[i]),
                "per_100m_ci_high": None if suppressed else float(high[i] * per[i]),
                "_y": float(ys[i]),
            }
        )
    table = pd.DataFrame(rows, columns=[*ENVIRONMENT_COLUMNS, "_y"])
    if own:
        _complementary(table, total, k_min)
    return table.drop(columns="_y")


def _complementary(table: pd.DataFrame, total: float, k_min: int) -> None:
    """Hide more cells so that no hidden count can be derived from the study total.

    Each variable's groups partition the same incidents, so the hidden cells of a
    variable sum to (total - published cells). That sum must be 0 or at least
    ``k_min``: otherwise the smallest published positive cells are hidden too. With a
    study total below ``k_min`` nothing is published.
    """
    if table.empty:
        return
    hide_all = 0 < total < k_min
    for _, index in table.groupby("variable").groups.items():
        rows = table.loc[index]
        hidden = rows["incidents_suppressed"].to_numpy(dtype=bool).copy()
        y = rows["_y"].to_numpy(dtype=float)
        if hide_all:
            hidden[:] = y > 0
        order = np.argsort(np.where(hidden | (y <= 0), np.inf, y), kind="stable")
        for i in order:
            if not (0 < y[hidden].sum() < k_min) or hidden[i] or y[i] <= 0:
                break
            hidden[i] = True
        newly = hidden & ~rows["incidents_suppressed"].to_numpy(dtype=bool)
        if newly.any():
            labels = rows.index[newly]
            table.loc[labels, "incidents_suppressed"] = True
            for column in ("incidents", "per_100m", "per_100m_ci_low", "per_100m_ci_high"):
                table.loc[labels, column] = None


def score_relations(
    segments: pd.DataFrame,
    counts: Sequence[float] | np.ndarray | pd.Series,
    columns: Sequence[str],
    model: pd.DataFrame,
    info: Mapping[str, Any],
) -> Relations:
    """What a fitted count model says about the counts: its score equations.

    At the maximum-likelihood estimate, for every estimated term j,
    ``sum_i x_ij (y_i - mu_i) / (1 + alpha mu_i) = 0`` (negative binomial NB2;
    Poisson: ``alpha = 0``), where ``mu_i`` follows from the published coefficients and
    the segments' published columns. So each published coefficient is a weighted sum
    of the segments' counts that anyone can compute. Returns those sums
    (terms x segments) with their values, known up to the fit's own precision
    (the tolerance: the true residual plus a relative 1e-6). Only the model's
    ``estimated`` rows enter the fit; its segments are those outside separated classes.
    A class whose note says it has no incident (``info["separated"]``, and the
    reference class of each column in ``info["zero_reference"]``) adds the sum of its
    segments' counts: 0.
    """
    from statsmodels.tools.tools import add_constant

    y = np.asarray(counts, dtype=float)
    length = segments["length_m"].to_numpy(dtype=float)
    design = _design(segments, columns)
    x = design.x
    base = (length > 0) & np.isfinite(y) & x.notna().all(axis=1).to_numpy()
    separated = [t for t in info.get("separated", []) if t in x]
    zero = [
        base & (x[design.classes[c][1]].to_numpy() == 0).all(axis=1)
        for c in info.get("zero_reference", [])
        if c in design.classes
    ]
    zero += [base & (x[t].to_numpy() == 1) for t in separated]
    keep = base.copy()
    for term in separated:
        keep &= x[term].to_numpy() == 0
    if "status" in model:
        model = model[model["status"].astype(str) == ESTIMATED]
    names = ["const" if t == INTERCEPT else str(t) for t in model["term"]]
    full = add_constant(x, has_constant="add")
    rows = np.zeros((len(names) + len(zero), len(y)))
    values = np.zeros(len(names) + len(zero))
    tolerance = np.full(len(names) + len(zero), 1e-6)
    if names:
        mat = full.loc[keep, names].to_numpy(dtype=float)
        beta = model["coef"].to_numpy(dtype=float)
        alpha = float(info.get("alpha") or 0.0)
        with np.errstate(over="ignore"):
            mu = np.exp(mat @ beta) * length[keep] / 100.0
        weighted = mat / (1.0 + alpha * mu)[:, None]
        rows[: len(names), keep] = weighted.T
        values[: len(names)] = weighted.T @ mu
        residual = weighted.T @ y[keep] - values[: len(names)]
        tolerance[: len(names)] = np.abs(residual) + 1e-6 * (1.0 + np.abs(values[: len(names)]))
    for j, members in enumerate(zero):
        rows[len(names) + j, members] = 1.0
    return Relations(sparse.csr_matrix(rows), values, tolerance)


@dataclasses.dataclass
class _Design:
    """The count model's covariates.

    Attributes
    ----------
    x
        One column per term that can enter the fit (numeric per SD, class indicators).
    order
        Every term of the table after the intercept, in column order (with the ones
        that cannot enter the fit).
    notes
        Why a term cannot enter the fit (no variance).
    classes
        Text column -> (reference class, its indicator terms).
    """

    x: pd.DataFrame
    order: list[str]
    notes: dict[str, str]
    classes: dict[str, tuple[str, list[str]]]


def _design(segments: pd.DataFrame, columns: Sequence[str]) -> _Design:
    parts: list[pd.Series | pd.DataFrame] = []
    order: list[str] = []
    notes: dict[str, str] = {}
    classes: dict[str, tuple[str, list[str]]] = {}
    for column in columns:
        if column not in segments:
            continue
        values = segments[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            v = values.astype(float)
            sd = v.std()
            term = f"{column} (per SD)"
            order.append(term)
            if np.isfinite(sd) and sd > 0:
                parts.append(((v - v.mean()) / sd).rename(term))
            else:
                notes[term] = "no variance: every segment has the same value (or none)"
        else:
            text = values.astype("string").fillna("missing")
            counts = text.value_counts()
            reference = str(counts.index[0]) if len(counts) else ""
            if len(counts) < 2:
                order.append(column)
                notes[column] = f"no variance: one class only ({reference!r})"
                continue
            dummies = pd.get_dummies(text, prefix=column, prefix_sep=": ", dtype=float)
            dummies = dummies.drop(columns=[f"{column}: {reference}"])
            order.extend(str(c) for c in dummies.columns)
            classes[column] = (reference, [str(c) for c in dummies.columns])
            parts.append(dummies)
    x = pd.concat(parts, axis=1) if parts else pd.DataFrame(index=segments.index)
    return _Design(x, order, notes, classes)


def _exp(values: np.ndarray) -> np.ndarray:
    """exp() that gives inf, not a warning, for a term the data cannot identify."""
    with np.errstate(over="ignore"):
        return np.exp(values)


def _collinear(x: pd.DataFrame) -> list[str]:
    """Columns of ``x`` (with an intercept first) that are linear combinations of earlier ones."""
    kept = [np.ones(len(x))]
    out = []
    for name in x.columns:
        trial = np.column_stack([*kept, x[name].to_numpy(dtype=float)])
        if np.linalg.matrix_rank(trial) > len(kept):
            kept.append(trial[:, -1])
        else:
            out.append(str(name))
    return out


def _fit(
    y: np.ndarray, x: pd.DataFrame, exposure: np.ndarray
) -> tuple[pd.Series, pd.Series, pd.Series, dict[str, object]] | None:
    """NB2 if it converges, else Poisson (``converged`` says whether it did); None when
    the Poisson fit fails outright."""
    # the modules themselves, not statsmodels.api (which imports every model: ~0.3 s)
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.genmod.families import Poisson
    from statsmodels.genmod.generalized_linear_model import GLM
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning
    from statsmodels.tools.tools import add_constant

    design = add_constant(x, has_constant="add")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            fit = NegativeBinomial(y, design, exposure=exposure).fit(disp=0, maxiter=200)
            if bool(fit.mle_retvals.get("converged", False)) and np.all(np.isfinite(fit.bse)):
                alpha = float(fit.params["alpha"])
                info: dict[str, object] = {
                    "family": "negative binomial (NB2)",
                    "alpha": alpha,
                    "converged": True,
                }
                return (
                    fit.params.drop("alpha"),
                    fit.bse.drop("alpha"),
                    fit.pvalues.drop("alpha"),
                    info,
                )
        except (np.linalg.LinAlgError, ValueError):
            pass
        try:
            glm = GLM(y, design, family=Poisson(), exposure=exposure).fit()
        except (np.linalg.LinAlgError, ValueError):
            return None
        return (
            glm.params,
            glm.bse,
            glm.pvalues,
            {"family": "Poisson", "alpha": None, "converged": bool(glm.converged)},
        )


def count_model(
    segments: pd.DataFrame,
    counts: Sequence[float] | np.ndarray | pd.Series,
    columns: Sequence[str],
    *,
    level: float = 0.95,
    min_per_parameter: int = MIN_PER_PARAMETER,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Negative-binomial regression of incidents per segment, street length as exposure.

    ``log E[y_i] = log(length_i / 100 m) + b0 + sum_j b_j x_ij``; numeric
    columns enter standardised (per standard deviation), text columns as
    indicators against their most common value. Falls back to Poisson when the
    negative binomial does not converge.

    Guard rails: a term the data cannot estimate keeps its row with ``status`` =
    ``"not estimable"``, the reason in ``note`` and NaN numbers, and is left out of
    the fit (so the published coefficients are the fit of the other terms):

    * **no variance**: a numeric column with one value, a text column with one class;
    * **complete separation**: a class with no incident on its segments (its IRR
      would be 0; the maximum-likelihood estimate does not exist). Its segments are
      left out too, which is the estimate of the other terms (Santos Silva &
      Tenreyro 2010). A reference class with no incident leaves out all the
      classes of its column (a ratio to a zero rate);
    * **collinear**: a term that is a linear combination of earlier ones;
    * **not identified**: after the fit, a coefficient or standard error that is
      not finite, ``|log IRR|`` > :data:`MAX_ABS_COEF` or SE > :data:`MAX_SE`
      (quasi-complete separation); the model is refitted without it.

    The whole model is not estimable (every row so, ``info["reason"]``) when the
    counts have no variance (all 0), when it has fewer than ``min_per_parameter``
    (:data:`MIN_PER_PARAMETER`) segments or incidents per parameter, when the fit
    does not converge, or when its intercept is not identified.

    Returns
    -------
    table, info
        Rows per term (:data:`MODEL_COLUMNS`): ``term``, ``coef``, ``se``,
        ``ci_low``, ``ci_high``, ``p``, ``irr`` (incidence-rate ratio),
        ``irr_ci_low``, ``irr_ci_high``, ``status``, ``note``; and ``{"family",
        "n", "alpha", "converged", "reference", "caveat", "not_estimable" (term ->
        reason), "separated" (class terms with no incident, whose segments were left
        out), "zero_reference" (text columns whose reference class has no incident),
        "reason" (whole model not estimable)}``.

    References
    ----------
    Santos Silva, J. M. C. & Tenreyro, S. (2010). On the existence of the maximum
    likelihood estimates in Poisson regression. Economics Letters 107(2), 310-312.
    Peduzzi, P. et al. (1996). A simulation study of the number of events per
    variable in logistic regression analysis. J. Clin. Epidemiol. 49(12), 1373-1379.
    """
    y = np.asarray(counts, dtype=float)
    length = segments["length_m"].to_numpy(dtype=float)
    design = _design(segments, columns)
    x = design.x
    keep = (length > 0) & np.isfinite(y) & x.notna().all(axis=1).to_numpy()
    notes = dict(design.notes)
    separated: list[str] = []
    zero_reference: list[str] = []
    info: dict[str, object] = {
        "n": int(keep.sum()),
        "reference": {c: ref for c, (ref, _) in design.classes.items()},
        "caveat": CAVEAT,
        "family": "none",
        "alpha": None,
        "converged": False,
    }
    terms = [INTERCEPT, *design.order]

    def table(
        estimates: Mapping[str, tuple[float, float, float]], whole: str | None
    ) -> pd.DataFrame:
        info["not_estimable"] = {t: whole or notes[t] for t in terms if t not in estimates}
        info["separated"] = list(separated)
        info["zero_reference"] = list(zero_reference)
        if whole:
            info.update(family="none", alpha=None, converged=False, reason=whole)
        return _model_table(terms, estimates, info["not_estimable"], level)  # type: ignore[arg-type]

    yk = y[keep]
    if keep.sum() == 0 or yk.sum() == 0:
        return table({}, "no incident on the segments modelled: the counts have no variance"), info
    for column, (reference, dummies) in design.classes.items():
        xk = x.loc[keep, dummies].to_numpy(dtype=float)
        if yk[(xk == 0).all(axis=1)].sum() == 0:
            zero_reference.append(column)
            for term in dummies:
                notes[term] = (
                    f"no incident in the reference class {reference!r}: no ratio to a zero rate"
                )
            continue
        for j, term in enumerate(dummies):
            if yk[xk[:, j] == 1].sum() == 0:
                notes[term] = (
                    "complete separation: no incident on this class's segments (its IRR would "
                    "be 0); left out of the model with its segments"
                )
                separated.append(term)
    rows = keep.copy()
    for term in separated:
        rows &= x[term].to_numpy() == 0
    fitted = [t for t in x.columns if t not in notes]
    for term in _collinear(x.loc[rows, fitted]):
        notes[term] = "collinear with other terms: the data cannot separate their effects"
    while True:
        fitted = [t for t in x.columns if t not in notes]
        n_par, n_units, n_events = len(fitted) + 1, int(rows.sum()), float(y[rows].sum())
        if n_units < min_per_parameter * n_par:
            return table(
                {},
                f"too few segments: {n_units} for {n_par} parameters (at least "
                f"{min_per_parameter} per parameter)",
            ), info
        if n_events < min_per_parameter * n_par:
            # a bound, not the count: the incidents on the modelled segments may be unpublished
            return table(
                {},
                f"too few incidents: fewer than {min_per_parameter} per parameter "
                f"({n_par} parameters)",
            ), info
        result = _fit(y[rows], x.loc[rows, fitted], length[rows] / 100.0)
        if result is None:
            return table({}, "the fit did not converge"), info
        params, se, pvalues, fit_info = result
        coef, s = params.to_numpy(dtype=float), se.to_numpy(dtype=float)
        bad = ~np.isfinite(coef) | ~np.isfinite(s) | (np.abs(coef) > MAX_ABS_COEF) | (s > MAX_SE)
        if bad[0]:
            return table(
                {},
                "not identified: the intercept runs off to infinity (the covariates separate "
                "the segments with incidents from those without: quasi-complete separation)",
            ), info
        if not bad.any():
            if not fit_info["converged"]:
                return table({}, "the fit did not converge"), info
            break
        for name in params.index[bad]:
            notes[str(name)] = (
                f"not identified: the estimate runs off to infinity (|log IRR| > {MAX_ABS_COEF:g} "
                f"or SE > {MAX_SE:g}: quasi-complete separation or near-collinearity); left out "
                "of the model"
            )
    info.update(fit_info)
    info["n"] = int(rows.sum())
    estimates = {
        (INTERCEPT if name == "const" else str(name)): (float(b), float(e), float(pv))
        for name, b, e, pv in zip(params.index, coef, s, pvalues.to_numpy(dtype=float), strict=True)
    }
    return table(estimates, None), info


def _model_table(
    terms: Sequence[str],
    estimates: Mapping[str, tuple[float, float, float]],
    not_estimable: Mapping[str, str],
    level: float,
) -> pd.DataFrame:
    """The model table: one row per term, NaN numbers where a term is not estimable."""
    from scipy import stats  # here: importing scipy.stats costs every CLI call ~0.5 s

    zc = stats.norm.ppf(0.5 + level / 2)
    est = np.array([estimates.get(t, (np.nan, np.nan, np.nan)) for t in terms], dtype=float)
    est = est.reshape(len(terms), 3)
    coef, s, p = est[:, 0], est[:, 1], est[:, 2]
    ok = np.array([t in estimates for t in terms], dtype=bool)
    return pd.DataFrame(
        {
            "term": pd.Series(list(terms), dtype=object),
            "coef": coef,
            "se": s,
            "ci_low": coef - zc * s,
            "ci_high": coef + zc * s,
            "p": p,
            "irr": _exp(coef),
            "irr_ci_low": _exp(coef - zc * s),
            "irr_ci_high": _exp(coef + zc * s),
            "status": pd.Series(np.where(ok, ESTIMATED, NOT_ESTIMABLE), dtype=object),
            "note": pd.Series([not_estimable.get(t, "") for t in terms], dtype=object),
        },
        columns=list(MODEL_COLUMNS),
    )


def empty_model() -> pd.DataFrame:
    """A model table with no rows (its columns and types)."""
    return _model_table([], {}, {}, 0.95)
