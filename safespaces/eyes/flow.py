"""Passers-by: pedestrian flow potential of the walking network.

The potential of node i within radius r is a gravity sum over the walking
network (Hansen 1959; the "reach" and gravity measures of space-syntax and
cityseer studies of movement, e.g. Hillier et al. 1993; Sevtsuk & Mekonnen 2012):

    flow_r(i) = sum_{j != i, d_ij <= r} w_j exp(-beta d_ij),   beta = 4 / r

where d_ij is the shortest walking distance along the network (not a straight
line) and w_j is half the length of the segments meeting at j, so that the sum
is the street length reachable from i, discounted with distance. Splitting a
segment in two leaves the total length w unchanged.

Shortest paths are found with ``scipy.sparse.csgraph.dijkstra`` (compiled), run
tile by tile: a path no longer than r never leaves the disc of radius r around
its source, so the sources of one tile only need the subgraph within the tile
grown by r. The result is exact, and memory and time grow linearly with the
number of nodes.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely
from scipy.sparse.csgraph import dijkstra

from safespaces.network import adjacency, node_index

#: Largest (sources x subgraph nodes) block of distances held at once.
MAX_BLOCK = 4_000_000


@dataclasses.dataclass(frozen=True)
class NodeGraph:
    """The walking graph as arrays.

    Attributes
    ----------
    matrix
        Symmetric CSR adjacency weighted by metres.
    xy
        Node coordinates (n, 2).
    u, v
        Each segment's end nodes as positions in ``xy``.
    length
        Half the length of the segments meeting at each node (metres).
    """

    matrix: sp.csr_matrix
    xy: npt.NDArray[np.float64]
    u: npt.NDArray[np.int64]
    v: npt.NDArray[np.int64]
    length: npt.NDArray[np.float64]


def node_graph(segments: gpd.GeoDataFrame) -> NodeGraph:
    """The node graph of segments with ``u``, ``v`` and ``length_m``."""
    ids, ui, vi = node_index(segments)
    lines = segments.geometry.to_numpy()
    xy = np.zeros((len(ids), 2))
    xy[ui] = shapely.get_coordinates(shapely.get_point(lines, 0))
    xy[vi] = shapely.get_coordinates(shapely.get_point(lines, -1))
    half = segments["length_m"].to_numpy(dtype=float) / 2
    length = (
        np.bincount(ui, weights=half, minlength=len(ids))
        + np.bincount(vi, weights=half, minlength=len(ids))
    ).astype(np.float64)
    return NodeGraph(adjacency(segments), xy, ui, vi, length)


def gravity(
    matrix: sp.csr_matrix,
    xy: npt.NDArray[np.float64],
    radii: tuple[float, ...],
    *,
    weights: npt.NDArray[np.float64] | None = None,
    beta_times_radius: float = 4.0,
    tile_m: float = 500.0,
) -> dict[str, npt.NDArray[np.float64]]:
    """Network density, harmonic closeness and gravity of every node within each radius.

    For every node i and radius r, over the other nodes j with d_ij <= r:

    - ``density_r`` = sum w_j
    - ``harmonic_r`` = sum w_j / d_ij
    - ``gravity_r`` = sum w_j exp(-beta d_ij), beta = ``beta_times_radius`` / r

    (cityseer's ``density``, ``harmonic`` and ``exp(-4*p)`` closeness with node
    weights w_j, default 1).

    Parameters
    ----------
    matrix
        Symmetric sparse adjacency (metres).
    xy
        Node coordinates (metric), used only to cut the graph into tiles.
    radii
        Network radii (metres).
    weights
        Node weights w_j (default 1).
    beta_times_radius
        beta x r.
    tile_m
        Side of the square tiles of sources.

    Returns
    -------
    dict
        Arrays keyed ``density_<r>``, ``harmonic_<r>``, ``gravity_<r>`` (r as an int).
    """
    n = matrix.shape[0]
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    radii = tuple(float(r) for r in radii)
    out = {
        f"{kind}_{int(r)}": np.zeros(n)
        for r in radii
        for kind in ("density", "harmonic", "gravity")
    }
    if n == 0:
        return out
    rmax = max(radii)
    tile = np.floor((xy - xy.min(axis=0)) / tile_m).astype(np.int64)
    tile_key = tile[:, 0] * (int(tile[:, 1].max()) + 1) + tile[:, 1]
    order = np.argsort(tile_key, kind="stable")
    bounds = np.flatnonzero(np.r_[True, np.diff(tile_key[order]) != 0, True])
    for t in range(len(bounds) - 1):
        sources = order[bounds[t] : bounds[t + 1]]
        lo = xy[sources].min(axis=0) - rmax
        hi = xy[sources].max(axis=0) + rmax
        inside = np.flatnonzero(((xy >= lo) & (xy <= hi)).all(axis=1))
        sub = matrix[inside][:, inside]
        local = np.searchsorted(inside, sources)
        w_sub = w[inside]
        step = max(1, MAX_BLOCK // max(len(inside), 1))
        for start in range(0, len(local), step):
            chunk = local[start : start + step]
            rows = sources[start : start + step]
            dist = dijkstra(sub, directed=False, indices=chunk, limit=rmax)
            dist[np.arange(len(chunk)), chunk] = np.inf  # leave the source out
            src, dst = np.nonzero(dist <= rmax)
            d = dist[src, dst]
            wd = w_sub[dst]
            for r in radii:
                keep = d <= r
                s_k, d_k, w_k = src[keep], d[keep], wd[keep]
                key = int(r)
                beta = beta_times_radius / r
                out[f"density_{key}"][rows] = np.bincount(s_k, weights=w_k, minlength=len(chunk))
                out[f"harmonic_{key}"][rows] = np.bincount(
                    s_k, weights=w_k / d_k, minlength=len(chunk)
                )
                out[f"gravity_{key}"][rows] = np.bincount(
                    s_k, weights=w_k * np.exp(-beta * d_k), minlength=len(chunk)
                )
    return out


def segment_flow(
    segments: gpd.GeoDataFrame,
    radii: tuple[float, ...],
    *,
    beta_times_radius: float = 4.0,
    tile_m: float = 500.0,
) -> dict[int, npt.NDArray[np.float64]]:
    """Length-weighted gravity flow potential of each segment, per radius.

    A segment's value is the mean of its two end nodes' ``gravity_r`` with node
    weights w_j = half the length of the segments meeting at j (metres).

    Returns
    -------
    dict
        radius (int metres) -> array aligned to ``segments``.
    """
    graph = node_graph(segments)
    result = gravity(
        graph.matrix,
        graph.xy,
        radii,
        weights=graph.length,
        beta_times_radius=beta_times_radius,
        tile_m=tile_m,
    )
    return {
        int(r): (result[f"gravity_{int(r)}"][graph.u] + result[f"gravity_{int(r)}"][graph.v]) / 2
        for r in radii
    }
