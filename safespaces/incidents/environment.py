"""Incident rates by street environment, and a count model on the indices.

:func:`environment_table` gives incidents per 100 m of street by quintile of
each numeric segment column (e.g. ``eyes_night``) and by value of each text
column (e.g. ``light_class``), with exact Poisson (Garwood) confidence
intervals. :func:`count_model` fits incidents per segment on the same columns
with the street length as exposure (negative binomial, Poisson if that fails).

Both describe association, not cause: see :data:`CAVEAT`.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import sparse, stats

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
)


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

    At the maximum-likelihood estimate, for every term j,
    ``sum_i x_ij (y_i - mu_i) / (1 + alpha mu_i) = 0`` (negative binomial NB2;
    Poisson: ``alpha = 0``), where ``mu_i`` follows from the published coefficients and
    the segments' published columns. So each published coefficient is a weighted sum
    of the segments' counts that anyone can compute. Returns those sums
    (terms x segments) with their values, known up to the fit's own precision
    (the tolerance: the true residual plus a relative 1e-6).
    """
    import statsmodels.api as sm

    y = np.asarray(counts, dtype=float)
    length = segments["length_m"].to_numpy(dtype=float)
    x = _design(segments, columns)
    keep = (length > 0) & np.isfinite(y) & x.notna().all(axis=1).to_numpy()
    design = sm.add_constant(x[keep], has_constant="add").to_numpy(dtype=float)
    beta = model["coef"].to_numpy(dtype=float)
    alpha = float(info.get("alpha") or 0.0)
    with np.errstate(over="ignore"):
        mu = np.exp(design @ beta) * length[keep] / 100.0
    weighted = design / (1.0 + alpha * mu)[:, None]
    rows = np.zeros((design.shape[1], len(y)))
    rows[:, keep] = weighted.T
    values = weighted.T @ mu
    residual = weighted.T @ y[keep] - values
    tolerance = np.abs(residual) + 1e-6 * (1.0 + np.abs(values))
    return Relations(sparse.csr_matrix(rows), values, tolerance)


def _design(segments: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    parts: list[pd.Series | pd.DataFrame] = []
    for column in columns:
        if column not in segments:
            continue
        values = segments[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            v = values.astype(float)
            sd = v.std()
            if np.isfinite(sd) and sd > 0:
                parts.append(((v - v.mean()) / sd).rename(f"{column} (per SD)"))
        else:
            text = values.astype("string").fillna("missing")
            counts = text.value_counts()
            if len(counts) < 2:
                continue
            reference = str(counts.index[0])
            dummies = pd.get_dummies(text, prefix=column, prefix_sep=": ", dtype=float)
            parts.append(dummies.drop(columns=[f"{column}: {reference}"]))
    return pd.concat(parts, axis=1) if parts else pd.DataFrame(index=segments.index)


def _exp(values: np.ndarray) -> np.ndarray:
    """exp() that gives inf, not a warning, for a term the data cannot identify."""
    with np.errstate(over="ignore"):
        return np.exp(values)


def count_model(
    segments: pd.DataFrame,
    counts: Sequence[float] | np.ndarray | pd.Series,
    columns: Sequence[str],
    *,
    level: float = 0.95,
) -> tuple[pd.DataFrame, dict[str, object]]:
    """Negative-binomial regression of incidents per segment, street length as exposure.

    ``log E[y_i] = log(length_i / 100 m) + b0 + sum_j b_j x_ij``; numeric
    columns enter standardised (per standard deviation), text columns as
    indicators against their most common value. Falls back to Poisson when the
    negative binomial does not converge.

    Returns
    -------
    table, info
        Rows per term: ``term``, ``coef``, ``se``, ``ci_low``, ``ci_high``,
        ``p``, ``irr`` (incidence-rate ratio), ``irr_ci_low``, ``irr_ci_high``;
        and ``{"family", "n", "alpha", "converged", "reference", "caveat"}``.
    """
    import statsmodels.api as sm
    from statsmodels.discrete.discrete_model import NegativeBinomial
    from statsmodels.tools.sm_exceptions import ConvergenceWarning, HessianInversionWarning

    y = np.asarray(counts, dtype=float)
    length = segments["length_m"].to_numpy(dtype=float)
    x = _design(segments, columns)
    keep = (length > 0) & np.isfinite(y) & x.notna().all(axis=1).to_numpy()
    x = sm.add_constant(x[keep], has_constant="add")
    yk = y[keep]
    exposure = length[keep] / 100.0
    references = {
        c: str(segments[c].astype("string").fillna("missing").value_counts().index[0])
        for c in columns
        if c in segments and not pd.api.types.is_numeric_dtype(segments[c])
    }
    info: dict[str, object] = {"n": int(keep.sum()), "reference": references, "caveat": CAVEAT}
    empty = pd.DataFrame(
        {c: pd.Series([], dtype=object if c == "term" else float) for c in MODEL_COLUMNS}
    )
    if keep.sum() <= x.shape[1] + 1 or yk.sum() == 0:
        info.update(family="none", converged=False, alpha=None)
        return empty, info
    params = se = pvalues = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", HessianInversionWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        try:
            fit = NegativeBinomial(yk, x, exposure=exposure).fit(disp=0, maxiter=200)
            ok = bool(fit.mle_retvals.get("converged", False)) and np.all(np.isfinite(fit.bse))
            if ok:
                params, se, pvalues = fit.params, fit.bse, fit.pvalues
                alpha = float(params["alpha"])
                params, se, pvalues = params.drop("alpha"), se.drop("alpha"), pvalues.drop("alpha")
                info.update(family="negative binomial (NB2)", alpha=alpha, converged=True)
        except (np.linalg.LinAlgError, ValueError):
            params = None
        if params is None:
            fit = sm.GLM(yk, x, family=sm.families.Poisson(), exposure=exposure).fit()
            params, se, pvalues = fit.params, fit.bse, fit.pvalues
            info.update(family="Poisson", alpha=None, converged=bool(fit.converged))
    assert params is not None and se is not None and pvalues is not None
    zc = stats.norm.ppf(0.5 + level / 2)
    coef = params.to_numpy(dtype=float)
    s = se.to_numpy(dtype=float)
    table = pd.DataFrame(
        {
            "term": ["intercept (per 100 m)" if t == "const" else str(t) for t in params.index],
            "coef": coef,
            "se": s,
            "ci_low": coef - zc * s,
            "ci_high": coef + zc * s,
            "p": pvalues.to_numpy(dtype=float),
            "irr": _exp(coef),
            "irr_ci_low": _exp(coef - zc * s),
            "irr_ci_high": _exp(coef + zc * s),
        }
    )
    return table, info
