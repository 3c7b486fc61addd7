"""Social-mix analysis of areas: local scores, targets, suppression, global summary.

This is the layer that works on (Geo)DataFrames with column names; the maths
lives in :mod:`~safespaces.mix.indices`, :mod:`~safespaces.mix.local`,
:mod:`~safespaces.mix.targets` and :mod:`~safespaces.mix.spatial`.
"""

from __future__ import annotations

import dataclasses
import math
import re
from collections.abc import Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp

from safespaces.errors import InputError
from safespaces.mix import local
from safespaces.mix.indices import MULTIGROUP_INDICES, SINGLE_GROUP_INDICES, global_indices
from safespaces.mix.inference import permutation_p_values
from safespaces.mix.params import MixParams, validate
from safespaces.mix.spatial import kernel_weights, neighbourhood_counts
from safespaces.mix.targets import policy_counts, resolve_targets, target_gap

SUMMARY_KEYS = SINGLE_GROUP_INDICES + MULTIGROUP_INDICES


@dataclasses.dataclass
class MixResult:
    """Result of :func:`analyse_mix`.

    Attributes
    ----------
    areas
        The input areas with the ``tenure_*`` and ``mix_*`` columns added
        (suppressed rows have NULL counts and scores).
    indices
        JSON-ready global indices and p-values (the ``mix_summary.json`` contract).
    summary_table
        The same as rows ``(index, group, value, p_value)`` (``mix_summary`` layer).
    neighbourhoods
        Walking-neighbourhood scores of tenure buildings at their representative
        points, indexed like the tenure layer
        (:func:`safespaces.mix.buildings.analyse_neighbourhoods`), or None.

    Examples
    --------
    See :func:`analyse_mix`, which returns one:

    >>> import geopandas as gpd, shapely
    >>> x0, y0 = 385_000, 6_672_000
    >>> areas = gpd.GeoDataFrame(
    ...     {"name": ["A", "B", "C"],
    ...      "tenure_ara_rental": [80, 20, 50], "tenure_owner": [20, 80, 50]},
    ...     geometry=[shapely.box(x0 + 250 * i, y0, x0 + 250 * (i + 1), y0 + 250)
    ...               for i in range(3)],
    ...     crs="EPSG:3067")
    >>> result = analyse_mix(areas, ["tenure_ara_rental", "tenure_owner"], seed=0)
    >>> sorted(result.layers())
    ['areas', 'mix_summary']
    """

    areas: gpd.GeoDataFrame | pd.DataFrame
    indices: dict[str, Any]
    summary_table: pd.DataFrame
    neighbourhoods: gpd.GeoDataFrame | None = None

    @classmethod
    def assemble(
        cls,
        areas: gpd.GeoDataFrame | pd.DataFrame,
        indices: dict[str, Any],
        neighbourhoods: gpd.GeoDataFrame | None = None,
    ) -> MixResult:
        """The result of scored areas, the global indices (JSON-ready) and the
        buildings' neighbourhood scores; the ``mix_summary`` rows derived from
        ``indices``."""
        return cls(
            areas=areas,
            indices=indices,
            summary_table=_summary_table(indices) if indices else _EMPTY_TABLE.copy(),
            neighbourhoods=neighbourhoods,
        )

    @classmethod
    def merge(cls, parts: Sequence[MixResult], index: pd.Index | None = None) -> MixResult:
        """One result of the results of disjoint parts of the study.

        In a partitioned run only the tenure buildings' walking neighbourhoods
        are computed in the partitions (each partition's core buildings); the
        areas and the global indices with their permutations need the whole
        city, so at most one part holds them (the others have no areas). The
        neighbourhood rows are concatenated in the order of ``index`` (the
        tenure layer's index; default: sorted by index).

        Raises
        ------
        ValueError
            Two parts with areas, or neighbourhood rows that do not give every
            building of ``index`` exactly once.
        """
        whole = [p for p in parts if len(p.areas) or p.indices]
        if len(whole) > 1:
            raise ValueError("more than one part holds areas: the area level is not partitioned")
        frames = [p.neighbourhoods for p in parts if p.neighbourhoods is not None]
        scores = None
        if frames:
            scores = pd.concat(frames)
            if index is None:
                scores = scores.sort_index()
            elif not scores.index.equals(index):
                if (
                    len(scores) != len(index)
                    or scores.index.has_duplicates
                    or not scores.index.isin(index).all()
                ):
                    raise ValueError("partitions did not return every tenure building once")
                scores = scores.loc[index]
        if whole:
            return dataclasses.replace(whole[0], neighbourhoods=scores)
        return cls.assemble(pd.DataFrame(), {}, scores)

    def layers(self) -> dict[str, pd.DataFrame]:
        """``areas``, ``mix_summary`` and, with building tenure, ``mix_neighbourhoods``."""
        layers: dict[str, pd.DataFrame] = {"areas": self.areas, "mix_summary": self.summary_table}
        if self.neighbourhoods is not None:
            layers["mix_neighbourhoods"] = self.neighbourhoods.reset_index(drop=True)
        return layers

    def summary(self) -> dict[str, Any]:
        """The global indices and p-values, without the spatial versions and settings."""
        return {k: v for k, v in self.indices.items() if k not in ("spatial", "meta")}

    def metadata(self) -> dict[str, Any]:
        """``mix_summary`` (every index, the spatial ones and the settings)."""
        return {"mix_summary": self.indices}


def category_name(column: str) -> str:
    """Return the column-safe category code of a count column.

    ``"tenure_ara_rental"`` and ``"ara_rental"`` both give ``"ara_rental"``;
    other characters than letters, digits and ``_`` become ``_``.
    """
    name = column.removeprefix("tenure_")
    return re.sub(r"[^0-9a-zA-Z_]+", "_", name).strip("_").lower() or "group"


def count_matrix(
    frame: pd.DataFrame,
    columns: Sequence[str],
    *,
    path: str | None = None,
) -> np.ndarray:
    """Validate count columns and return them as an (rows, columns) float array.

    Raises
    ------
    InputError
        A column is missing (the available ones are listed), or a value is
        missing, not a number or negative (the row is named).
    """
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        available = ", ".join(str(c) for c in frame.columns if c != "geometry")
        raise InputError(
            "count column not found",
            path=path,
            column=missing[0],
            fix=f"use one of the available columns: {available}",
        )
    out = np.empty((len(frame), len(columns)))
    for k, col in enumerate(columns):
        values = pd.to_numeric(frame[col], errors="coerce")
        bad = values.isna().to_numpy() | ~np.isfinite(values.to_numpy(dtype=float, na_value=0))
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise InputError(
                f"count {frame[col].iloc[i]!r} is missing or not a number",
                path=path,
                column=col,
                row=i + 1,
                fix="give a whole number of dwellings (0 if none)",
            )
        arr = values.to_numpy(dtype=float)
        if (arr < 0).any():
            i = int(np.flatnonzero(arr < 0)[0])
            raise InputError(
                f"count {arr[i]:g} is negative",
                path=path,
                column=col,
                row=i + 1,
                fix="counts must be >= 0",
            )
        out[:, k] = arr
    return out


def _int_or_float(values: np.ndarray, mask: np.ndarray) -> Any:
    """Counts as nullable integers where whole, NULL where masked."""
    if np.all(np.isfinite(values)) and np.all(values == np.rint(values)):
        return pd.array(np.where(mask, np.nan, values), dtype="Int64")
    return pd.array(np.where(mask, np.nan, values), dtype="Float64")


def _nan(values: np.ndarray, mask: np.ndarray) -> np.ndarray:
    out = np.array(values, dtype=float, copy=True)
    out[mask] = np.nan
    return out


def local_scores(
    counts: np.ndarray,
    categories: Sequence[str],
    *,
    params: MixParams,
    total: np.ndarray | None = None,
    city: np.ndarray | None = None,
    suffix: str = "",
) -> pd.DataFrame:
    """Local scores of units (areas or neighbourhoods), suppression applied.

    Parameters
    ----------
    counts
        (units, categories) counts.
    categories
        Category code of each column.
    params
        ``min_dwellings`` and the targets.
    total
        Dwellings per unit used for suppression; defaults to the row sums.
    city
        City counts per category (for LQ and divergence); defaults to the
        column sums of ``counts``.
    suffix
        Appended to every column name (``"_400m"``).

    Returns
    -------
    pandas.DataFrame
        ``mix_entropy``, ``mix_simpson``, ``mix_divergence``,
        ``mix_lq_<category>``, ``mix_target_gap_<policy group>`` (where the
        categories use the tenure taxonomy) and ``mix_suppressed``.

    Examples
    --------
    Entropy of a unit's shares p_k, H = -sum p_k ln p_k / ln K: an even split is 1;
    the location quotient is the unit's share over the city's (133 of 205 dwellings);
    the third unit has fewer than ``min_dwellings`` (10) and is suppressed:

    >>> import numpy as np
    >>> from safespaces.mix import MixParams
    >>> counts = np.array([[80, 20], [50, 50], [3, 2]])
    >>> scores = local_scores(counts, ["ara_rental", "owner"], params=MixParams())
    >>> scores["mix_entropy"].round(3).tolist(), scores["mix_suppressed"].tolist()
    ([0.722, 1.0, nan], [False, False, True])
    >>> scores["mix_lq_ara_rental"].round(2).tolist()
    [1.23, 0.77, nan]
    """
    t = counts.sum(axis=1) if total is None else total
    sup = local.suppressed(t, params.min_dwellings)
    cols: dict[str, Any] = {
        f"mix_entropy{suffix}": _nan(local.entropy(counts), sup),
        f"mix_simpson{suffix}": _nan(local.simpson(counts), sup),
        f"mix_divergence{suffix}": _nan(local.divergence(counts, city), sup),
    }
    lq = local.location_quotient(counts, city)
    for k, cat in enumerate(categories):
        cols[f"mix_lq_{cat}{suffix}"] = _nan(lq[:, k], sup)
    targets = resolve_targets(params)
    policy, matched = policy_counts(counts, categories, params.target_groups, list(targets))
    gap = target_gap(policy, targets)
    for j, group in enumerate(targets):
        if matched[j]:
            cols[f"mix_target_gap_{group}{suffix}"] = _nan(gap[:, j], sup)
    cols[f"mix_suppressed{suffix}"] = sup
    return pd.DataFrame(cols)


_EMPTY_TABLE = pd.DataFrame(
    {
        "index": pd.Series(dtype=object),
        "group": pd.Series(dtype=object),
        "value": pd.Series(dtype=float),
        "p_value": pd.Series(dtype=float),
    }
)


def _summary_table(summary: dict[str, Any]) -> pd.DataFrame:
    rows = []
    pvals = summary.get("p_values", {})
    for key in SUMMARY_KEYS:
        value = summary[key]
        p = pvals.get(key)
        if isinstance(value, dict):
            for g, v in value.items():
                pv = p.get(g) if isinstance(p, dict) else None
                rows.append((key, g, v, pv))
        else:
            rows.append((key, None, value, p))
    for name, block in summary.get("spatial", {}).items():
        for key in SUMMARY_KEYS:
            value = block[key]
            items = list(value.items()) if isinstance(value, dict) else [(None, value)]
            for g, v in items:
                rows.append((f"{key}_{name}", g, v, None))
    table = pd.DataFrame(rows, columns=["index", "group", "value", "p_value"])
    table["value"] = table["value"].astype(float)
    table["p_value"] = table["p_value"].astype(float)
    return table


def _json_number(v: float) -> float | None:
    return None if v is None or not math.isfinite(v) else float(v)


def _jsonify(obj: Any) -> Any:
    if isinstance(obj, dict):
        return {k: _jsonify(v) for k, v in obj.items()}
    if isinstance(obj, float):
        return _json_number(obj)
    return obj


def analyse_mix(
    areas: gpd.GeoDataFrame | pd.DataFrame,
    groups: Sequence[str],
    *,
    total: str | None = None,
    params: MixParams | None = None,
    seed: int | np.random.Generator | None = None,
    weights: sp.spmatrix | sp.sparray | None = None,
    path: str | None = None,
) -> MixResult:
    """Social-mix scores of areas and the city's global indices.

    Parameters
    ----------
    areas
        One row per area with a count column per group (projected CRS for the
        distance-decay indices; a plain DataFrame skips them).
    groups
        Count columns (tenure categories). ``tenure_x`` and ``x`` both become
        category ``x``.
    total
        Column of total dwellings per area for the single-group indices and
        suppression; defaults to the sum of ``groups``.
    params
        Mix settings (``min_dwellings``, targets, ``permutations``,
        ``bandwidth_m``, ``kernel``).
    seed
        Seed of the permutations (the run's ``general.seed``).
    weights
        Optional (areas x areas) sparse network-neighbourhood matrix; adds the
        ``network`` spatial indices.
    path
        Source file name for error messages.

    Returns
    -------
    MixResult

    Examples
    --------
    Three areas of 100 dwellings: ARA rental is 80 %, 20 % and 50 % of them. The
    dissimilarity of ARA rental is D = 0.5 x sum |r_i / R - o_i / O| =
    0.5 x (|80 - 20| + |20 - 80| + 0) / 150 = 0.4:

    >>> import geopandas as gpd, shapely
    >>> x0, y0 = 385_000, 6_672_000
    >>> areas = gpd.GeoDataFrame(
    ...     {"name": ["A", "B", "C"],
    ...      "tenure_ara_rental": [80, 20, 50], "tenure_owner": [20, 80, 50]},
    ...     geometry=[shapely.box(x0 + 250 * i, y0, x0 + 250 * (i + 1), y0 + 250)
    ...               for i in range(3)],
    ...     crs="EPSG:3067")
    >>> result = analyse_mix(areas, ["tenure_ara_rental", "tenure_owner"], seed=0)
    >>> round(result.indices["dissimilarity"]["ara_rental"], 3)
    0.4
    >>> result.areas["mix_entropy"].round(3).tolist()  # 1 is an even mix of the two
    [0.722, 0.722, 1.0]
    """
    params = params or MixParams()
    validate(params)
    groups = list(groups)
    if len(groups) < 2:
        raise InputError(
            "at least two groups are needed",
            path=path,
            fix="list two or more count columns, e.g. --groups ara_rental,owner",
        )
    categories = [category_name(g) for g in groups]
    if len(set(categories)) != len(categories):
        raise InputError(f"groups {groups} give duplicate category names", path=path)
    counts = count_matrix(areas, groups, path=path)
    t = None
    if total is not None:
        t = count_matrix(areas, [total], path=path)[:, 0]
        short = np.flatnonzero(t < counts.sum(axis=1) - 1e-9)
        if len(short):
            i = int(short[0])
            raise InputError(
                f"total {t[i]:g} is smaller than the sum of the groups {counts[i].sum():g}",
                path=path,
                column=total,
                row=i + 1,
                fix="give a total that includes every listed group, or omit --total",
            )
    dwellings = counts.sum(axis=1) if t is None else t
    scores = local_scores(counts, categories, params=params, total=dwellings)
    sup = scores["mix_suppressed"].to_numpy()

    out = areas.copy()
    # Privacy: counts of suppressed areas describe few, identifiable households.
    for col in [*groups, *([total] if total else [])]:
        out[col] = _int_or_float(out[col].to_numpy(dtype=float), sup)
    for k, cat in enumerate(categories):
        out[f"tenure_{cat}"] = _int_or_float(counts[:, k], sup)
    out["mix_dwellings"] = _int_or_float(dwellings, sup)
    for col in scores.columns:
        out[col] = scores[col].to_numpy()

    meta: dict[str, Any] = {}
    new_cols = [f"new_tenure_{c}" for c in categories]
    present = [c for c in new_cols if c in areas.columns]
    if present:
        new = np.column_stack(
            [
                count_matrix(areas, [c], path=path)[:, 0]
                if c in areas.columns
                else np.zeros(len(areas))
                for c in new_cols
            ]
        )
        targets = resolve_targets(params)
        policy, matched = policy_counts(new, categories, params.target_groups, list(targets))
        if any(matched):
            new_sup = sup | local.suppressed(new.sum(axis=1), params.min_dwellings)
            gap = target_gap(policy, targets)
            for j, group in enumerate(targets):
                if matched[j]:
                    out[f"mix_new_target_gap_{group}"] = _nan(gap[:, j], new_sup)
            out["mix_new_suppressed"] = new_sup
        for c in present:
            out[c] = _int_or_float(out[c].to_numpy(dtype=float), sup)
    if not any(c.startswith("mix_target_gap_") for c in out.columns):
        meta["target_gap"] = "not computed: no group matches mix.target_groups"

    summary: dict[str, Any] = dict(global_indices(counts, categories, t))
    if params.permutations > 0:
        summary["p_values"] = permutation_p_values(
            counts, categories, t, permutations=params.permutations, seed=seed
        )
    spatial: dict[str, Any] = {}
    if (
        params.bandwidth_m > 0
        and isinstance(areas, gpd.GeoDataFrame)
        and areas.crs is not None
        and areas.crs.is_projected
    ):
        xy = np.column_stack(_centroid_xy(areas))
        w = kernel_weights(xy, params.bandwidth_m, params.kernel)
        spatial[f"decay_{params.bandwidth_m:g}m"] = _spatial(counts, t, categories, w)
    if weights is not None:
        spatial["network"] = _spatial(counts, t, categories, weights)
    if spatial:
        summary["spatial"] = spatial
    meta.update(
        areas=len(areas),
        groups=categories,
        total=total,
        suppressed=int(sup.sum()),
        min_dwellings=params.min_dwellings,
        permutations=params.permutations,
        seed=seed if isinstance(seed, int) else None,
        target=params.target,
        targets=resolve_targets(params),
    )
    summary["meta"] = meta
    return MixResult.assemble(out, _jsonify(summary))


def _centroid_xy(frame: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    pts = frame.geometry.representative_point()
    return pts.x.to_numpy(), pts.y.to_numpy()


def _spatial(
    counts: np.ndarray,
    t: np.ndarray | None,
    categories: Sequence[str],
    w: sp.spmatrix | sp.sparray,
) -> dict[str, Any]:
    sc = neighbourhood_counts(counts, w)
    st = None if t is None else neighbourhood_counts(t, w)
    return dict(global_indices(sc, categories, st))


def spatial_indices(
    areas: gpd.GeoDataFrame | pd.DataFrame,
    groups: Sequence[str],
    w: sp.spmatrix | sp.sparray,
    *,
    total: str | None = None,
) -> dict[str, Any]:
    """Global indices on neighbourhood counts ``W @ counts``.

    With ``W`` from :func:`~safespaces.mix.spatial.kernel_weights` this is the
    distance-decay version (PySAL ``segregation``'s ``distance=`` spatial
    indices, up to its rounding of the smoothed counts); with a walking-network
    reach matrix it is the network-neighbourhood version.

    Examples
    --------
    With a neighbourhood matrix that pools each area with its neighbours, the
    contrast between areas shrinks:

    >>> import geopandas as gpd, shapely
    >>> x0, y0 = 385_000, 6_672_000
    >>> areas = gpd.GeoDataFrame(
    ...     {"name": ["A", "B", "C"],
    ...      "tenure_ara_rental": [80, 20, 50], "tenure_owner": [20, 80, 50]},
    ...     geometry=[shapely.box(x0 + 250 * i, y0, x0 + 250 * (i + 1), y0 + 250)
    ...               for i in range(3)],
    ...     crs="EPSG:3067")
    >>> import scipy.sparse as sp
    >>> w = sp.csr_matrix([[1, 1, 0], [1, 1, 1], [0, 1, 1]], dtype=float)
    >>> spatial = spatial_indices(areas, ["tenure_ara_rental", "tenure_owner"], w)
    >>> round(spatial["dissimilarity"]["ara_rental"], 3)
    0.123
    """
    counts = count_matrix(areas, list(groups))
    t = None if total is None else count_matrix(areas, [total])[:, 0]
    return _spatial(counts, t, [category_name(g) for g in groups], w)
