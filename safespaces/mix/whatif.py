"""What-if: how a planned development would change the mix.

A development (polygon or point, with dwellings by tenure) is added to the
area that holds it; the area, its neighbourhood and the city are scored before
and after.
"""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces.crs import metric_crs
from safespaces.errors import InputError
from safespaces.mix import local
from safespaces.mix.analysis import category_name, count_matrix
from safespaces.mix.indices import global_indices
from safespaces.mix.params import MixParams
from safespaces.mix.targets import policy_counts, resolve_targets, target_gap


def development_counts(
    development: pd.DataFrame, groups: Sequence[str], *, path: str | None = None
) -> np.ndarray:
    """Dwellings by group of each development.

    A group's column may be named as in the areas (``owner``) or as
    ``tenure_<category>``; a group with neither column counts 0.

    Raises
    ------
    InputError
        No column of any group is present.
    """
    cols = []
    for g in groups:
        alt = f"tenure_{category_name(g)}"
        cols.append(g if g in development.columns else alt if alt in development.columns else None)
    if all(c is None for c in cols):
        wanted = ", ".join(f"tenure_{category_name(g)}" for g in groups)
        raise InputError(
            "the development has no dwelling counts",
            path=path,
            fix=f"add count columns named like the areas' groups or {wanted}",
        )
    out = np.zeros((len(development), len(groups)))
    for k, c in enumerate(cols):
        if c is not None:
            out[:, k] = count_matrix(development, [c], path=path)[:, 0]
    return out


def assign_to_areas(
    development: gpd.GeoDataFrame, areas: gpd.GeoDataFrame, *, path: str | None = None
) -> np.ndarray:
    """Position (0-based) of the area holding each development.

    A polygon goes to the area it overlaps most, a point (or line) to the area
    containing its representative point.

    Raises
    ------
    InputError
        A development lies outside every area.
    """
    dev = development.to_crs(areas.crs)
    pos = np.full(len(dev), -1)
    geoms = dev.geometry.to_numpy()
    is_poly = shapely.get_type_id(geoms) >= 3  # Polygon, Multi*, collections
    is_poly &= shapely.area(geoms) > 0
    tree = areas.geometry.sindex
    for i in np.flatnonzero(is_poly):
        cand = tree.query(geoms[i], predicate="intersects")
        if len(cand):
            overlap = shapely.area(shapely.intersection(areas.geometry.to_numpy()[cand], geoms[i]))
            pos[i] = cand[int(np.argmax(overlap))]
    rest = np.flatnonzero(~is_poly | (pos < 0))
    if len(rest):
        pts = shapely.point_on_surface(geoms[rest])
        left, right = tree.query(pts, predicate="within")
        pos[rest[left]] = right
    outside = np.flatnonzero(pos < 0)
    if len(outside):
        raise InputError(
            "the development lies outside every area",
            path=path,
            row=int(outside[0]) + 1,
            fix="check its coordinates and CRS",
        )
    return pos


def _scores(
    c: np.ndarray,
    city: np.ndarray,
    categories: Sequence[str],
    params: MixParams,
) -> dict[str, float]:
    """Local scores of one unit (1-D counts), NaN when suppressed."""
    row = c[None, :]
    out: dict[str, float] = {"dwellings": float(c.sum())}
    share = local.composition(row)[0]
    lq = local.location_quotient(row, city)[0]
    out["entropy"] = float(local.entropy(row)[0])
    out["simpson"] = float(local.simpson(row)[0])
    out["divergence"] = float(local.divergence(row, city)[0])
    for k, cat in enumerate(categories):
        out[f"share_{cat}"] = float(share[k])
        out[f"lq_{cat}"] = float(lq[k])
    targets = resolve_targets(params)
    policy, matched = policy_counts(row, categories, params.target_groups, list(targets))
    gap = target_gap(policy, targets)[0]
    for j, group in enumerate(targets):
        if matched[j]:
            out[f"target_gap_{group}"] = float(gap[j])
    if c.sum() < params.min_dwellings:
        out = dict.fromkeys(out, np.nan)  # privacy: the small count is suppressed too
    return out


def _city(counts: np.ndarray, t: np.ndarray | None, categories: Sequence[str]) -> dict[str, float]:
    out: dict[str, float] = {"dwellings": float(counts.sum() if t is None else t.sum())}
    total = counts.sum(axis=0)
    out["entropy"] = float(local.entropy(total[None, :])[0])
    for key, value in global_indices(counts, categories, t).items():
        if isinstance(value, dict):
            out.update({f"{key}_{g}": v for g, v in value.items()})
        else:
            out[key] = value
    return out


def what_if(
    areas: gpd.GeoDataFrame,
    development: gpd.GeoDataFrame,
    groups: Sequence[str],
    *,
    total: str | None = None,
    params: MixParams | None = None,
    id_column: str | None = None,
    path: str | None = None,
) -> pd.DataFrame:
    """Scores before and after adding planned developments.

    Parameters
    ----------
    areas
        Areas with count columns ``groups`` (and ``total``).
    development
        One or more polygons or points with dwellings by tenure (columns named
        as ``groups`` or ``tenure_<category>``).
    groups, total
        As in :func:`~safespaces.mix.analysis.analyse_mix`. With ``total``,
        developed dwellings are added to the total as well.
    params
        ``neighbourhood_m`` (areas within this distance of the developed area,
        touching ones included, form its neighbourhood), targets,
        ``min_dwellings`` (suppressed scopes give NULL).
    id_column
        Column naming the areas in the output; defaults to the index.
    path
        Development file name for error messages.

    Returns
    -------
    pandas.DataFrame
        Tidy rows ``scope`` (``area``, ``neighbourhood``, ``city``), ``area``
        (id of the developed area; empty for the city), ``metric``,
        ``before``, ``after``, ``change``.

    Examples
    --------
    Adding 100 owner-occupied homes to area A (80 % ARA rental) evens its mix (60 %
    owners after) and lowers the city's dissimilarity:

    >>> import geopandas as gpd, shapely
    >>> x0, y0 = 385_000, 6_672_000
    >>> areas = gpd.GeoDataFrame(
    ...     {"name": ["A", "B", "C"],
    ...      "tenure_ara_rental": [80, 20, 50], "tenure_owner": [20, 80, 50]},
    ...     geometry=[shapely.box(x0 + 250 * i, y0, x0 + 250 * (i + 1), y0 + 250)
    ...               for i in range(3)],
    ...     crs="EPSG:3067")
    >>> plan = gpd.GeoDataFrame({"tenure_owner": [100]},
    ...     geometry=[shapely.Point(x0 + 100, y0 + 100)], crs="EPSG:3067")
    >>> change = what_if(areas, plan, ["tenure_ara_rental", "tenure_owner"], id_column="name")
    >>> row = change[(change["scope"] == "area") & (change["metric"] == "entropy")].iloc[0]
    >>> row["area"], round(float(row["before"]), 3), round(float(row["after"]), 3)
    ('A', 0.722, 0.971)
    >>> city = change[(change["scope"] == "city") & (change["metric"] == "dissimilarity_owner")]
    >>> city[["before", "after"]].round(3).values.tolist()
    [[0.4, 0.187]]
    """
    params = params or MixParams()
    groups = list(groups)
    categories = [category_name(g) for g in groups]
    if development.crs is None:
        raise InputError(
            "the development has no CRS", path=path, fix="save it with a CRS (e.g. EPSG:4326)"
        )
    if areas.crs is None:
        raise InputError("the areas have no CRS", fix="save them with a CRS (e.g. EPSG:4326)")
    work = areas
    if not areas.crs.is_projected:
        c = areas.to_crs(4326).geometry.union_all().centroid
        work = areas.to_crs(metric_crs(c.x, c.y))
    before = count_matrix(work, groups)
    t_before = None if total is None else count_matrix(work, [total])[:, 0]
    added = development_counts(development, groups, path=path)
    pos = assign_to_areas(development, work, path=path)
    after = before.copy()
    np.add.at(after, pos, added)
    t_after = (
        None
        if t_before is None
        else t_before + np.bincount(pos, added.sum(axis=1), minlength=len(work))
    )
    ids = work[id_column].to_numpy() if id_column else work.index.to_numpy()
    city_b, city_a = before.sum(axis=0), after.sum(axis=0)
    rows: list[tuple[str, object, str, float, float]] = []
    geoms = work.geometry.to_numpy()
    for a in np.unique(pos):
        nb = shapely.distance(geoms, geoms[a]) <= params.neighbourhood_m
        scopes = {
            "area": (before[a], after[a]),
            "neighbourhood": (before[nb].sum(axis=0), after[nb].sum(axis=0)),
        }
        for scope, (cb, ca) in scopes.items():
            sb = _scores(cb, city_b, categories, params)
            sa = _scores(ca, city_a, categories, params)
            rows += [(scope, ids[a], m, sb[m], sa[m]) for m in sb]
    cb_, ca_ = _city(before, t_before, categories), _city(after, t_after, categories)
    rows += [("city", None, m, cb_[m], ca_[m]) for m in cb_]
    out = pd.DataFrame(rows, columns=["scope", "area", "metric", "before", "after"])
    out["before"] = out["before"].astype(float)
    out["after"] = out["after"].astype(float)
    out["change"] = out["after"] - out["before"]
    return out
