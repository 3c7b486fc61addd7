"""The tenure split of a planned development that brings its surroundings closest to the targets.

The objective
-------------
A development of D dwellings at a site is split among the policy groups of
the city's tenure targets (:func:`safespaces.mix.targets.resolve_targets`:
by default the AM programme 2023, 30 % ARA rental / 20 % intermediate / 50 %
unregulated), x_g dwellings in group g, sum_g x_g = D, each x_g a whole number.
For each scope S - the area holding the site, and the dwellings within 400 m
and 800 m walk of it (the mix family's walking neighbourhoods,
:func:`safespaces.mix.buildings.walking_reach`) - the shares of the policy
groups after adding the split are compared with the targets t_g:

    J(x) = sum_S w_S sum_g (p_{S,g}(x) - t_g)^2,   p_{S,g}(x) = (n_{S,g} + x_g) / (N_S + D)

with n_{S,g} the dwellings of group g already in S (only the tenure codes that
belong to a policy group, :attr:`MixParams.target_groups`) and the weights w_S
of :attr:`TenureParams.weights` (1 each by default). The plan is the split of
smallest J; ties go to the split found first.

The search
----------
With few groups every split on a grid of shares is tried: shares k / m
(m = round(1 / :attr:`TenureParams.step_share`), 5 % steps by default),
turned into whole dwellings by largest remainders so that they sum to D.
With more groups than the grid allows (more than
:data:`EXHAUSTIVE_LIMIT` splits), dwellings are allocated greedily in blocks
of one grid step, each block to the group that lowers J most. J is a convex
quadratic of x, so both find the best split of the grid up to the step.

The dwellings of a split enter the development's data in one tenure column
per policy group: the first code of the group in the data
(``tenure_ara_rental``, ``tenure_right_of_occupancy``, ``tenure_owner`` for the
Helsinki taxonomy); the objective does not depend on which.
"""

from __future__ import annotations

import dataclasses
import itertools
import math
from collections.abc import Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from safespaces.errors import InputError, SettingError
from safespaces.mix.analysis import category_name, count_matrix, local_scores
from safespaces.mix.buildings import walking_reach
from safespaces.mix.params import MixParams, radius_suffix
from safespaces.mix.targets import policy_counts, resolve_targets
from safespaces.mix.whatif import assign_to_areas, what_if

#: Name of the table of the plan.
LAYER = "plan_tenure"
#: Largest number of grid splits tried one by one; beyond it the greedy allocation.
EXHAUSTIVE_LIMIT = 200_000
#: What the built-in target presets are (for messages).
TARGET_NAMES: dict[str, str] = {
    "am2021": "Helsinki's AM programme 2021-22",
    "am2023": "Helsinki's AM programme from 2023",
}
#: The development's count of dwellings.
DWELLINGS = "dwellings"


@dataclasses.dataclass(frozen=True)
class TenureParams:
    """Settings of :func:`plan_tenure`.

    Attributes
    ----------
    step_share
        Grid step of the shares (0.05: 0 %, 5 %, ... 100 % of the dwellings).
    weights
        Weight of each scope in the objective: ``area`` (the area holding the
        site) and ``walk_<r>m`` for each walking radius.
    radii_m
        Walking distances of the neighbourhoods of the site.
    """

    step_share: float = 0.05
    weights: Mapping[str, float] = dataclasses.field(
        default_factory=lambda: {"area": 1.0, "walk_400m": 1.0, "walk_800m": 1.0}
    )
    radii_m: tuple[float, ...] = (400.0, 800.0)


@dataclasses.dataclass(frozen=True)
class TenurePlan:
    """What :func:`plan_tenure` proposes.

    Attributes
    ----------
    split
        One row per policy group: ``policy_group``, ``tenure_column``, ``target``,
        ``dwellings``, ``share``.
    table
        ``plan_tenure``: tidy rows ``scope`` (``development``, ``area``,
        ``neighbourhood``, ``walk_400m``, ``walk_800m``, ``city``), ``area``,
        ``metric``, ``before``, ``after``, ``change``; the development's rows
        give its dwellings per tenure column (``before`` empty) and the
        objective J of the plan.
    objective
        J of the proposed split.
    method
        ``"exhaustive"`` or ``"greedy"``.
    tried
        Number of splits evaluated.
    development
        The development with the proposed dwellings per tenure column.
    """

    split: pd.DataFrame
    table: pd.DataFrame
    objective: float
    method: str
    tried: int
    development: gpd.GeoDataFrame
    #: policy groups of the targets with no tenure code in the data (left out, the others'
    #: targets renormalised to sum to 1)
    missing_groups: tuple[str, ...] = ()
    #: scope -> (counts before in the policy groups, weight); for :meth:`objective_of`
    _scopes: dict[str, tuple[npt.NDArray[np.float64], float]] = dataclasses.field(
        default_factory=dict, repr=False
    )
    _targets: npt.NDArray[np.float64] = dataclasses.field(
        default_factory=lambda: np.zeros(0), repr=False
    )

    def objective_of(self, split: npt.ArrayLike) -> npt.NDArray[np.float64]:
        """J of each split (rows: dwellings per policy group, in the order of ``split``)."""
        return _objective(
            np.atleast_2d(np.asarray(split, dtype=float)), self._scopes, self._targets
        )


def _objective(
    x: npt.NDArray[np.float64],
    scopes: Mapping[str, tuple[npt.NDArray[np.float64], float]],
    targets: npt.NDArray[np.float64],
) -> npt.NDArray[np.float64]:
    out = np.zeros(len(x))
    for counts, weight in scopes.values():
        after = counts[None, :] + x
        total = after.sum(axis=1, keepdims=True)
        share = np.divide(after, total, out=np.zeros_like(after), where=total > 0)
        out += weight * ((share - targets[None, :]) ** 2).sum(axis=1)
    return out


def grid_splits(dwellings: int, groups: int, steps: int) -> npt.NDArray[np.int64]:
    """Every split of ``dwellings`` among ``groups`` on a grid of ``steps`` shares, in whole
    dwellings by largest remainders (rows sum to ``dwellings``; duplicates removed).

    Examples
    --------
    >>> grid_splits(10, 2, 4).tolist()
    [[10, 0], [8, 2], [5, 5], [3, 7], [0, 10]]
    """
    combos = [c for c in itertools.product(range(steps + 1), repeat=groups - 1) if sum(c) <= steps]
    k = np.array([[*c, steps - sum(c)] for c in combos], dtype=float)
    exact = k / steps * dwellings
    base = np.floor(exact).astype(np.int64)
    left = dwellings - base.sum(axis=1)
    # largest remainders, ties to the first group
    order = np.argsort(-(exact - base), axis=1, kind="stable")
    ranks = np.argsort(order, axis=1, kind="stable")
    base += (ranks < left[:, None]).astype(np.int64)
    return np.unique(base, axis=0)[::-1] if groups > 1 else base


def _greedy(
    dwellings: int,
    groups: int,
    block: int,
    scopes: Mapping[str, tuple[npt.NDArray[np.float64], float]],
    targets: npt.NDArray[np.float64],
) -> tuple[npt.NDArray[np.int64], int]:
    x = np.zeros(groups, dtype=np.int64)
    tried = 0
    while x.sum() < dwellings:
        size = min(block, dwellings - int(x.sum()))
        options = x[None, :] + size * np.eye(groups, dtype=np.int64)
        j = _objective(options.astype(float), scopes, targets)
        tried += groups
        x = options[int(np.argmin(j))]
    return x, tried


def development_dwellings(development: pd.DataFrame, path: str | None = None) -> int:
    """The development's number of dwellings (one feature, a whole number above 0).

    Raises
    ------
    InputError
        No ``dwellings`` column, several features, or not a whole number above 0.
    """
    if DWELLINGS not in development:
        raise InputError(
            "the development has no dwellings",
            path=path,
            column=DWELLINGS,
            fix="add a column 'dwellings' with the number of homes planned",
        )
    if len(development) != 1:
        raise InputError(
            f"the file has {len(development)} features; the planner splits one development",
            path=path,
            fix="keep the one development to plan",
        )
    value = pd.to_numeric(development[DWELLINGS], errors="coerce").iloc[0]
    if pd.isna(value) or value < 1 or float(value) != int(value):
        raise InputError(
            f"{development[DWELLINGS].iloc[0]!r} is not a number of dwellings",
            path=path,
            column=DWELLINGS,
            row=1,
            fix="give a whole number of homes, 1 or more",
        )
    return int(value)


def policy_columns(
    groups: Sequence[str], params: MixParams
) -> tuple[list[str], list[str], npt.NDArray[np.float64]]:
    """Policy groups with a tenure column in the data, the column of each (its first code
    present) and their targets (renormalised to sum to 1 over the groups present).

    Raises
    ------
    SettingError
        No policy group of the targets has a tenure column among ``groups``.
    """
    targets = resolve_targets(params)
    categories = {category_name(g): g for g in groups}
    names, columns, shares = [], [], []
    for group, share in targets.items():
        for code in params.target_groups.get(group, ()):
            if code in categories:
                names.append(group)
                columns.append(categories[code])
                shares.append(share)
                break
    if not names:
        preset = f" ({TARGET_NAMES[params.target]})" if params.target in TARGET_NAMES else ""
        raise SettingError(
            "mix.target",
            params.target,
            f"the tenure targets{preset} have policy groups ({', '.join(targets)}) made of "
            "tenure codes none of which is in the data (its codes: "
            f"{', '.join(categories)})",
            'set mix.target = "custom" with mix.custom_targets (policy group -> share) and '
            "mix.target_groups (policy group -> these codes) for your city (docs/config.md)",
            related=("mix.target_groups", "mix.custom_targets"),
        )
    if len(names) == 1:
        raise SettingError(
            "mix.target",
            params.target,
            f"of the targets' policy groups ({', '.join(targets)}) only {names[0]!r} has tenure "
            f"codes in the data ({', '.join(categories)}): every split would put all the "
            "dwellings there",
            "map the other groups to the data's codes in mix.target_groups, or set "
            'mix.target = "custom" with your city\'s groups (docs/config.md)',
            related=("mix.target_groups", "mix.custom_targets"),
        )
    t = np.asarray(shares, dtype=float)
    return names, columns, t / t.sum()


def plan_tenure(
    areas: gpd.GeoDataFrame,
    development: gpd.GeoDataFrame,
    groups: Sequence[str],
    *,
    tenure: gpd.GeoDataFrame | None = None,
    segments: gpd.GeoDataFrame | None = None,
    params: MixParams | None = None,
    plan: TenureParams | None = None,
    id_column: str | None = None,
    path: str | None = None,
) -> TenurePlan:
    """The split of a development's dwellings among the policy groups closest to the targets.

    Parameters
    ----------
    areas
        Areas with count columns ``groups`` (as :func:`safespaces.mix.whatif.what_if`).
    development
        One point or polygon with ``dwellings``, in any CRS.
    groups
        The tenure count columns (``tenure_<code>``).
    tenure, segments
        Tenure buildings with counts ``groups`` and the walking segments, for the
        walking neighbourhoods of the site; without either, only the area scope.
    params
        Mix settings (targets, ``min_dwellings``, ``neighbourhood_m``).
    plan
        The planner's settings (grid step, weights, radii).
    id_column
        Column naming the areas in the table.
    path
        The development's file name for messages.

    Returns
    -------
    TenurePlan

    Raises
    ------
    InputError
        No ``dwellings``, several features, or a development outside every area.
    """
    params = MixParams() if params is None else params
    plan = TenureParams() if plan is None else plan
    if not 0 < plan.step_share <= 0.5:
        raise SettingError("plan.step_share", plan.step_share, "is not a share", "give 0.01 .. 0.5")
    groups = list(groups)
    total = development_dwellings(development, path)
    if development.crs is None:
        raise InputError("the development has no CRS", path=path, fix="save it with a CRS")
    names, columns, targets = policy_columns(groups, params)
    categories = [category_name(g) for g in groups]

    def in_policy(counts: npt.NDArray[np.float64]) -> npt.NDArray[np.float64]:
        policy, _ = policy_counts(counts, categories, params.target_groups, names)
        return policy[0]

    work = areas.to_crs(development.crs) if areas.crs != development.crs else areas
    pos = int(assign_to_areas(development, work, path=path)[0])
    scopes: dict[str, tuple[npt.NDArray[np.float64], float]] = {
        "area": (in_policy(count_matrix(work.iloc[[pos]], groups)), _weight(plan, "area"))
    }
    walk_counts: dict[str, npt.NDArray[np.float64]] = {}
    city = count_matrix(work, groups).sum(axis=0)
    if tenure is not None and segments is not None and len(tenure):
        site = development.to_crs(tenure.crs)
        reach = walking_reach(
            segments.to_crs(tenure.crs),
            pd.concat([tenure[["geometry"]], site[["geometry"]]], ignore_index=True),
            plan.radii_m,
        )
        counts = count_matrix(tenure, groups)
        city = counts.sum(axis=0)
        for r in plan.radii_m:
            row = np.asarray(reach[r].tocsr()[len(tenure)].toarray()).ravel()[: len(tenure)]
            scope = f"walk{radius_suffix(r)}"
            walk_counts[scope] = counts[row != 0].sum(axis=0)
            scopes[scope] = (in_policy(walk_counts[scope][None, :]), _weight(plan, scope))

    steps = max(1, round(1 / plan.step_share))
    if math.comb(steps + len(names) - 1, len(names) - 1) <= EXHAUSTIVE_LIMIT:
        splits = grid_splits(total, len(names), steps)
        j = _objective(splits.astype(float), scopes, targets)
        best = splits[int(np.argmin(j))]
        method, tried = "exhaustive", len(splits)
    else:
        best, tried = _greedy(total, len(names), max(1, round(total / steps)), scopes, targets)
        method = "greedy"
    objective = float(_objective(best[None, :].astype(float), scopes, targets)[0])

    planned = development.copy()
    for g in groups:
        planned[g] = 0
    for col, x in zip(columns, best, strict=True):
        planned[col] = int(x)
    split = pd.DataFrame(
        {
            "policy_group": names,
            "tenure_column": columns,
            "target": targets,
            "dwellings": best.astype(np.int64),
            "share": best / total,
        }
    )
    table = _table(
        work, planned, groups, params, id_column, pos, (walk_counts, city), best, columns
    )
    extra = pd.DataFrame(
        [("development", None, "objective", np.nan, objective, np.nan)], columns=table.columns
    )
    return TenurePlan(
        split=split,
        table=pd.concat([table, extra], ignore_index=True),
        objective=objective,
        method=method,
        tried=tried,
        development=planned,
        missing_groups=tuple(g for g in resolve_targets(params) if g not in names),
        _scopes=scopes,
        _targets=targets,
    )


def _weight(plan: TenureParams, scope: str) -> float:
    return float(plan.weights.get(scope, 0.0))


def _table(
    areas: gpd.GeoDataFrame,
    planned: gpd.GeoDataFrame,
    groups: list[str],
    params: MixParams,
    id_column: str | None,
    pos: int,
    walks_city: tuple[Mapping[str, npt.NDArray[np.float64]], npt.NDArray[np.float64]],
    best: npt.NDArray[np.int64],
    columns: list[str],
) -> pd.DataFrame:
    """The tidy before/after table: the development, the what-if's scopes and the walks."""
    walk_counts, city = walks_city
    rows: list[tuple[str, Any, str, float, float]] = [
        ("development", None, f"dwellings_{category_name(c)}", np.nan, float(x))
        for c, x in zip(columns, best, strict=True)
    ]
    change = what_if(areas, planned, groups, params=params, id_column=id_column)
    area_id = areas[id_column].iloc[pos] if id_column else areas.index[pos]
    categories = [category_name(g) for g in groups]
    added = count_matrix(planned, groups)[0]
    for scope, counts in walk_counts.items():
        # the walking neighbourhoods' scores against the city's composition, before and after
        before = local_scores(counts[None, :], categories, params=params, city=city)
        after = local_scores(
            (counts + added)[None, :], categories, params=params, city=city + added
        )
        rows.append(
            (scope, area_id, "dwellings", float(counts.sum()), float(counts.sum() + added.sum()))
        )
        for metric in before.columns:
            if metric.startswith("mix_suppressed"):
                continue
            name = metric.removeprefix("mix_")
            rows.append(
                (scope, area_id, name, float(before[metric].iloc[0]), float(after[metric].iloc[0]))
            )
    walks = pd.DataFrame(rows, columns=["scope", "area", "metric", "before", "after"])
    walks["area"] = walks["area"].astype(object)
    walks["change"] = walks["after"] - walks["before"]
    # every part's area as objects: the development's rows have none (all-NA), and pandas
    # 2.2 warns when an all-NA column would change the concatenated dtype
    change = change.assign(area=change["area"].astype(object))
    return pd.concat([walks.iloc[: len(best)], change, walks.iloc[len(best) :]], ignore_index=True)


def summary(plan: TenurePlan) -> dict[str, Any]:
    """The plan's figures for ``plan_tenure_summary.json``."""
    return {
        "dwellings": int(plan.split["dwellings"].sum()),
        "split": dict(
            zip(
                plan.split["policy_group"].astype(str),
                (int(x) for x in plan.split["dwellings"]),
                strict=True,
            )
        ),
        "targets": dict(
            zip(
                plan.split["policy_group"].astype(str),
                (round(float(x), 4) for x in plan.split["target"]),
                strict=True,
            )
        ),
        "objective": round(plan.objective, 6),
        "method": plan.method,
        "splits_tried": plan.tried,
        "groups_without_data": list(plan.missing_groups),
    }
