"""Mix of the walking neighbourhood of each building, and buildings into areas."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from safespaces.errors import InputError
from safespaces.mix.analysis import MixResult, category_name, count_matrix, local_scores
from safespaces.mix.params import MixParams, radius_suffix
from safespaces.mix.spatial import (
    neighbourhood_counts,
    network_reach_matrix,
    reach_matrix,
    snap_to_nodes,
)
from safespaces.network import adjacency, node_index
from safespaces.overlay import area_index, sum_into_areas
from safespaces.sources.frames import street_segments


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
        the same projected CRS as ``buildings``; a plain frame of lines gets them
        derived (:func:`safespaces.sources.frames.street_segments`).
    buildings
        Buildings (any geometry).
    radii_m
        Walking distances.

    Returns
    -------
    dict
        Radius -> (buildings x buildings) 0/1 sparse matrix, for the ``reach``
        argument of :func:`building_neighbourhood_scores`.

    Examples
    --------
    Three homes along a 300 m street; at 150 m each reaches its neighbours only:

    >>> import geopandas as gpd, shapely
    >>> street = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)]),
    ...     shapely.LineString([(100, 0), (200, 0)]), shapely.LineString([(200, 0), (300, 0)])],
    ...     crs="EPSG:3067")
    >>> homes = gpd.GeoDataFrame(geometry=[shapely.Point(0, 5), shapely.Point(100, 5),
    ...     shapely.Point(200, 5)], crs="EPSG:3067")
    >>> reach = walking_reach(street, homes, [150.0])
    >>> reach[150.0].toarray().astype(int).tolist()
    [[1, 1, 0], [1, 1, 1], [0, 1, 1]]
    """
    segments = street_segments(segments, need=("u", "v", "length_m"))
    nodes, access = building_nodes(segments, buildings)
    return reach_at_nodes(segments, nodes, access, radii_m)


def _node_xy(segments: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Sorted node ids of the segments and their coordinates (the lines' end points)."""
    ids, ui, vi = node_index(segments)
    geoms = segments.geometry.to_numpy()
    node_xy = np.zeros((len(ids), 2))
    node_xy[ui] = shapely.get_coordinates(shapely.get_point(geoms, 0))
    node_xy[vi] = shapely.get_coordinates(shapely.get_point(geoms, -1))
    return ids, node_xy


def building_nodes(
    segments: gpd.GeoDataFrame, buildings: gpd.GeoDataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """The segment end node nearest to each building's representative point.

    Parameters
    ----------
    segments
        Walking segments with ``u`` and ``v`` (end node ids).
    buildings
        Buildings (any geometry), in the segments' CRS.

    Returns
    -------
    node_ids, access_m
        Node id (as in ``u``/``v``) of each building and the straight-line
        distance from its representative point to that node.
    """
    ids, node_xy = _node_xy(segments)
    pts = buildings.geometry.representative_point()
    pos, access = snap_to_nodes(np.column_stack([pts.x, pts.y]), node_xy)
    return ids[pos], access


def reach_at_nodes(
    segments: gpd.GeoDataFrame,
    nodes: np.ndarray,
    access_m: np.ndarray,
    radii_m: Sequence[float],
    *,
    xy: np.ndarray | None = None,
) -> dict[float, sp.csr_matrix]:
    """Units within each walking distance of each other, given the node each joins at.

    The second half of :func:`walking_reach`, for units already snapped
    (:func:`building_nodes`), e.g. on the whole city while the segments are a
    part of it. A node that is no end of ``segments`` is kept as a node
    without edges: its units reach only the units at the same node.

    Parameters
    ----------
    segments
        Walking segments with ``u``, ``v`` and ``length_m``.
    nodes
        Node id of each unit.
    access_m
        Distance from each unit to its node.
    radii_m
        Walking distances.
    xy
        Coordinates of each unit (only to place nodes missing from ``segments``
        in the search order; default: the origin).

    Returns
    -------
    dict
        Radius -> (units x units) 0/1 sparse matrix.
    """
    ids, node_xy = _node_xy(segments)
    nodes = np.asarray(nodes, dtype=ids.dtype if len(ids) else np.int64)
    pos = np.searchsorted(ids, nodes)
    known = pos < len(ids)
    known[known] = ids[pos[known]] == nodes[known]
    graph = adjacency(segments)
    if not known.all():  # nodes off this network: one isolated node each
        extra, first, inverse = np.unique(nodes[~known], return_index=True, return_inverse=True)
        pos[~known] = len(ids) + inverse
        where = np.zeros((len(extra), 2)) if xy is None else np.asarray(xy)[~known][first]
        node_xy = np.vstack([node_xy, where])
        n = len(ids) + len(extra)
        graph = sp.csr_matrix(
            (graph.data, graph.indices, np.r_[graph.indptr, np.full(len(extra), graph.indptr[-1])]),
            shape=(n, n),
        )
    access = np.asarray(access_m, dtype=np.float64)
    return {
        d: network_reach_matrix(graph, pos, d, access_m=access, node_xy=node_xy) for d in radii_m
    }


def building_neighbourhood_scores(
    buildings: gpd.GeoDataFrame,
    groups: Sequence[str],
    *,
    params: MixParams | None = None,
    reach: Mapping[float, sp.spmatrix | sp.sparray] | None = None,
    city: np.ndarray | None = None,
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
    city
        Dwellings per group of the whole city, for location quotients and
        divergence (default: the column sums of ``buildings``; give it when
        ``buildings`` is a part of the city).

    Returns
    -------
    pandas.DataFrame
        Aligned to ``buildings.index``: ``mix_entropy_400m``,
        ``mix_simpson_400m``, ``mix_divergence_400m``, ``mix_lq_<c>_400m``,
        ``mix_target_gap_<g>_400m``, ``mix_suppressed_400m`` and the same for
        every radius.

    Examples
    --------
    Three homes within each other's reach (a full matrix) share one neighbourhood:

    >>> import geopandas as gpd, numpy as np, scipy.sparse as sp, shapely
    >>> from safespaces.mix import MixParams
    >>> homes = gpd.GeoDataFrame({"tenure_ara_rental": [30, 0, 10], "tenure_owner": [0, 40, 10]},
    ...     geometry=[shapely.Point(0, 0), shapely.Point(50, 0), shapely.Point(100, 0)],
    ...     crs="EPSG:3067")
    >>> reach = {400.0: sp.csr_matrix(np.ones((3, 3)))}
    >>> scores = building_neighbourhood_scores(homes, ["tenure_ara_rental", "tenure_owner"],
    ...     params=MixParams(radii_m=(400.0,)), reach=reach)
    >>> scores["mix_entropy_400m"].round(3).tolist()
    [0.991, 0.991, 0.991]
    """
    params = params or MixParams()
    categories = [category_name(g) for g in groups]
    counts = count_matrix(buildings, list(groups))
    city = counts.sum(axis=0) if city is None else np.asarray(city, dtype=np.float64)
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
        frames.append(
            local_scores(nb, categories, params=params, city=city, suffix=radius_suffix(d))
        )
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

    Examples
    --------
    Two buildings in the first of two areas, one in the second:

    >>> import geopandas as gpd, shapely
    >>> x0, y0 = 385_000, 6_672_000
    >>> areas = gpd.GeoDataFrame(geometry=[shapely.box(x0, y0, x0 + 250, y0 + 250),
    ...     shapely.box(x0 + 250, y0, x0 + 500, y0 + 250)], crs="EPSG:3067")
    >>> homes = gpd.GeoDataFrame({"tenure_ara_rental": [30, 0, 12], "tenure_owner": [0, 40, 8]},
    ...     geometry=[shapely.Point(x0 + 50, y0 + 50), shapely.Point(x0 + 100, y0 + 80),
    ...               shapely.Point(x0 + 300, y0 + 100)], crs="EPSG:3067")
    >>> aggregate_buildings(homes, areas, ["tenure_ara_rental", "tenure_owner"]).values.tolist()
    [[30.0, 40.0], [12.0, 8.0]]
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


def city_counts(tenure: pd.DataFrame, groups: Sequence[str]) -> np.ndarray:
    """Dwellings per group of the whole city (the ``city`` of :func:`analyse_neighbourhoods`)."""
    return count_matrix(tenure, list(groups)).sum(axis=0)


def analyse_neighbourhoods(
    segments: gpd.GeoDataFrame,
    tenure: gpd.GeoDataFrame,
    groups: Sequence[str],
    params: MixParams,
    *,
    nodes: np.ndarray | None = None,
    access_m: np.ndarray | None = None,
    city: np.ndarray | None = None,
    core: np.ndarray | None = None,
) -> MixResult:
    """The tenure buildings' walking-neighbourhood scores as a :class:`MixResult`.

    Each building joins the network at its nearest node (:func:`building_nodes`,
    or ``nodes`` and ``access_m`` when snapped beforehand, e.g. on the whole
    city while ``segments`` and ``tenure`` are a part of it); the scores are
    :func:`building_neighbourhood_scores` over :func:`reach_at_nodes` for every
    radius of ``params.radii_m``.

    Parameters
    ----------
    segments
        Walking segments with ``u``, ``v`` and ``length_m``.
    tenure
        Tenure buildings with a count column per group, in the segments' CRS.
    groups
        Count columns.
    params
        Mix settings.
    nodes, access_m
        Node id of each building and the distance to it (default: snapped here).
    city
        Dwellings per group of the whole city (default: of ``tenure``).
    core
        Boolean mask of the buildings to keep (default: all).

    Returns
    -------
    MixResult
        With ``neighbourhoods`` only (the scores at the buildings'
        representative points, indexed like ``tenure``); no areas.
    """
    point = tenure.geometry.representative_point()
    if nodes is None or access_m is None:
        nodes, access_m = building_nodes(segments, tenure)
        xy = None
    else:
        xy = np.column_stack([point.x.to_numpy(), point.y.to_numpy()])
    reach = reach_at_nodes(segments, nodes, access_m, params.radii_m, xy=xy)
    scores = building_neighbourhood_scores(tenure, groups, params=params, reach=reach, city=city)
    keep = np.ones(len(tenure), dtype=bool) if core is None else np.asarray(core, dtype=bool)
    frame = gpd.GeoDataFrame(scores[keep], geometry=point.to_numpy()[keep], crs=tenure.crs)
    return MixResult.assemble(pd.DataFrame(), {}, frame)
