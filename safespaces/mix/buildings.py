"""Mix of the walking neighbourhood of each building, and buildings into areas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from safespaces.errors import InputError
from safespaces.mix.analysis import category_name, count_matrix, local_scores
from safespaces.mix.params import MixParams
from safespaces.mix.spatial import (
    neighbourhood_counts,
    network_reach_matrix,
    reach_matrix,
    snap_to_nodes,
)
from safespaces.network import adjacency, node_index
from safespaces.overlay import area_index, sum_into_areas


def walking_reach(
    segments: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    radii_m: Sequence[float],
) -> dict[float, sp.csr_matrix]:
    """Buildings within each walking distance of each other along the segments.

    Each building joins the network at the segment end node nearest to its
    representative point; the straight line to that node counts as walking.

    Parameters
    ----------
    segments
        Walking segments with ``u``, ``v`` (end node ids) and ``length_m``, in
        the same projected CRS as ``buildings``.
    buildings
        Buildings (any geometry).
    radii_m
        Walking distances.

    Returns
    -------
    dict
        Radius -> (buildings x buildings) 0/1 sparse matrix, for the ``reach``
        argument of :func:`building_neighbourhood_scores`.
    """
    ids, ui, vi = node_index(segments)
    geoms = segments.geometry.to_numpy()
    node_xy = np.zeros((len(ids), 2))
    node_xy[ui] = shapely.get_coordinates(shapely.get_point(geoms, 0))
    node_xy[vi] = shapely.get_coordinates(shapely.get_point(geoms, -1))
    pts = buildings.geometry.representative_point()
    pos, access = snap_to_nodes(np.column_stack([pts.x, pts.y]), node_xy)
    graph = adjacency(segments)
    return {
        d: network_reach_matrix(graph, pos, d, access_m=access, node_xy=node_xy) for d in radii_m
    }


def building_neighbourhood_scores(
    buildings: gpd.GeoDataFrame,
    groups: Sequence[str],
    *,
    params: MixParams | None = None,
    reach: Mapping[float, sp.spmatrix | sp.sparray] | None = None,
) -> pd.DataFrame:
    """Mix scores of the dwellings within walking distance of each building.

    For each radius d in ``params.radii_m`` the neighbourhood of building i
    holds the dwellings of every building j with ``reach[d][i, j] != 0``
    (itself included); the local scores of :func:`local_scores` are computed on
    those counts against the composition of all buildings.

    Parameters
    ----------
    buildings
        Buildings with a count column per group, in a projected CRS.
    groups
        Count columns.
    params
        ``radii_m`` and ``min_dwellings`` (neighbourhoods with fewer dwellings
        are suppressed).
    reach
        Radius -> (buildings x buildings) sparse reachability along the walking
        network. Radii without a matrix fall back to straight-line distance
        between representative points (:func:`~safespaces.mix.spatial.reach_matrix`).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``buildings.index``: ``mix_entropy_400m``,
        ``mix_simpson_400m``, ``mix_divergence_400m``, ``mix_lq_<c>_400m``,
        ``mix_target_gap_<g>_400m``, ``mix_suppressed_400m`` and the same for
        every radius.
    """
    params = params or MixParams()
    categories = [category_name(g) for g in groups]
    counts = count_matrix(buildings, list(groups))
    city = counts.sum(axis=0)
    frames = []
    xy: np.ndarray | None = None
    for d in params.radii_m:
        w = (reach or {}).get(d)
        if w is None:
            if buildings.crs is None or not buildings.crs.is_projected:
                raise InputError(
                    "buildings need a projected CRS for distance neighbourhoods",
                    fix="reproject with safespaces.crs.metric_crs",
                )
            if xy is None:
                pts = buildings.geometry.representative_point()
                xy = np.column_stack([pts.x.to_numpy(), pts.y.to_numpy()])
            w = reach_matrix(xy, d)
        nb = neighbourhood_counts(counts, w)
        frames.append(local_scores(nb, categories, params=params, city=city, suffix=f"_{d:g}m"))
    out = pd.concat(frames, axis=1)
    out.index = buildings.index
    return out


def aggregate_buildings(
    buildings: gpd.GeoDataFrame,
    areas: gpd.GeoDataFrame,
    groups: Sequence[str],
) -> pd.DataFrame:
    """Sum building tenure counts into the areas that contain them.

    Each building counts in the area holding its representative point. Where
    ``buildings`` has a boolean ``new_production`` column, the new buildings
    are also summed into ``new_tenure_<category>``.

    Returns
    -------
    pandas.DataFrame
        Aligned to ``areas.index``: ``tenure_<category>`` (and
        ``new_tenure_<category>``) counts, 0 where an area has no building.
    """
    categories = [category_name(g) for g in groups]
    counts = count_matrix(buildings, list(groups))
    pos = area_index(buildings, areas)
    n = len(areas)
    out = pd.DataFrame(
        sum_into_areas(counts, pos, n),
        index=areas.index,
        columns=[f"tenure_{c}" for c in categories],
    )
    if "new_production" in buildings.columns:
        new = buildings["new_production"].fillna(False).astype(bool).to_numpy()
        sums = sum_into_areas(counts, np.where(new, pos, -1), n)
        for k, cat in enumerate(categories):
            out[f"new_tenure_{cat}"] = sums[:, k]
    return out
