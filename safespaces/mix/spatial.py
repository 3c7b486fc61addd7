"""Spatial neighbourhoods for the mix scores: distance decay and network reach.

A spatial index is the aspatial kernel applied to *neighbourhood* counts
``W @ counts``, where ``W`` (units x units, sparse) says how much each unit's
dwellings count towards each other unit's neighbourhood. This is how PySAL
``segregation`` builds its spatial versions (``distance=``/``w=`` arguments:
``libpysal`` kernel weights with a unit diagonal, then a spatial lag).

``W`` comes from one of:

* :func:`kernel_weights` - distance decay over unit centroids within a
  bandwidth (cKDTree, sparse);
* :func:`reach_matrix` - 0/1 reachability within ``d`` metres; a Euclidean
  fallback until walking-network reach is available;
* any ``scipy.sparse`` matrix from the caller (e.g. walking-network
  neighbourhoods built by the eyes/network module).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
from scipy.spatial import cKDTree

from safespaces.mix.indices import FloatArray
from safespaces.mix.params import KERNELS
from safespaces.shortest_paths import pairs_within


def _kernel_values(z: FloatArray, kernel: str) -> FloatArray:
    """Kernel value at scaled distance z = d / bandwidth (libpysal's forms)."""
    if kernel == "triangular":
        return 1.0 - z
    if kernel == "uniform":
        return np.full_like(z, 0.5)
    if kernel == "quadratic":
        return 0.75 * (1.0 - z**2)
    if kernel == "quartic":
        return (15.0 / 16.0) * (1.0 - z**2) ** 2
    if kernel == "gaussian":
        return np.exp(-0.5 * z**2) / np.sqrt(2.0 * np.pi)
    if kernel == "exponential":
        return np.exp(-z)
    raise ValueError(f"unknown kernel {kernel!r}; use one of {', '.join(KERNELS)}")


def kernel_weights(
    xy: npt.ArrayLike, bandwidth: float, kernel: str = "triangular"
) -> sp.csr_matrix:
    """Distance-decay weights between unit centroids.

    w_ij = K(d_ij / h) for d_ij < h and i != j, w_ii = 1, where K is one of
    libpysal's kernel functions (``triangular`` 1 - z, ``uniform`` 1/2,
    ``quadratic`` 3/4 (1 - z^2), ``quartic`` 15/16 (1 - z^2)^2, ``gaussian``
    exp(-z^2/2)/sqrt(2 pi)) or ``exponential`` exp(-z), truncated at h. The
    unit diagonal follows ``segregation``'s ``fill_diagonal``.

    Parameters
    ----------
    xy
        (units, 2) coordinates in metres.
    bandwidth
        h in metres.
    kernel
        Kernel name.

    Returns
    -------
    scipy.sparse.csr_matrix
        (units, units) weights; row i sums the dwellings that count towards
        unit i's neighbourhood.
    """
    pts = np.asarray(xy, dtype=np.float64)
    if kernel not in KERNELS:
        raise ValueError(f"unknown kernel {kernel!r}; use one of {', '.join(KERNELS)}")
    tree = cKDTree(pts)
    d = tree.sparse_distance_matrix(tree, bandwidth, output_type="coo_matrix")
    off = (d.row != d.col) & (d.data < bandwidth)
    vals = _kernel_values(d.data[off] / bandwidth, kernel)
    n = len(pts)
    w = sp.coo_matrix((vals, (d.row[off], d.col[off])), shape=(n, n)).tocsr()
    w = w + sp.identity(n, format="csr")
    return sp.csr_matrix(w)


def reach_matrix(xy: npt.ArrayLike, distance: float) -> sp.csr_matrix:
    """0/1 matrix of units within ``distance`` metres of each other (self included).

    Euclidean fallback for walking-network reach: straight-line distance is a
    lower bound of walking distance, so these neighbourhoods are larger than
    the network ones.

    Parameters
    ----------
    xy
        (units, 2) coordinates in metres.
    distance
        Radius in metres.

    Returns
    -------
    scipy.sparse.csr_matrix
        (units, units) with 1 where d_ij <= distance.
    """
    pts = np.asarray(xy, dtype=np.float64)
    tree = cKDTree(pts)
    pairs = tree.query_pairs(distance, output_type="ndarray")
    n = len(pts)
    rows = np.concatenate([pairs[:, 0], pairs[:, 1], np.arange(n)])
    cols = np.concatenate([pairs[:, 1], pairs[:, 0], np.arange(n)])
    return sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n))


def neighbourhood_counts(counts: npt.ArrayLike, w: sp.spmatrix | sp.sparray) -> FloatArray:
    """Return ``W @ counts``: the dwellings of each unit's neighbourhood.

    Parameters
    ----------
    counts
        (units, groups) counts (or a 1-D vector).
    w
        (units, units) sparse weights or reachability.

    Returns
    -------
    numpy.ndarray
        Same shape as ``counts``.
    """
    c = np.asarray(counts, dtype=np.float64)
    if w.shape != (c.shape[0], c.shape[0]):
        raise ValueError(f"W has shape {w.shape}; expected ({c.shape[0]}, {c.shape[0]})")
    result: FloatArray = np.asarray(sp.csr_matrix(w) @ c, dtype=np.float64)
    return result


def network_reach_matrix(
    adjacency: sp.spmatrix | sp.sparray,
    unit_nodes: npt.ArrayLike,
    distance: float,
    *,
    access_m: npt.ArrayLike | None = None,
    node_xy: npt.ArrayLike | None = None,
) -> sp.csr_matrix:
    """0/1 matrix of units within ``distance`` metres of each other along a network.

    Unit i reaches unit j when access_i + d(node_i, node_j) + access_j <= distance,
    with d the shortest-path length (bounded Dijkstra from each unit's node,
    :func:`safespaces.shortest_paths.pairs_within`, which visits only the nodes
    within ``distance``).

    Parameters
    ----------
    adjacency
        (nodes, nodes) sparse matrix of edge lengths in metres, e.g.
        :func:`safespaces.network.adjacency` of the walking segments.
    unit_nodes
        Node position (row of ``adjacency``) of each unit (building).
    distance
        Walking distance in metres.
    access_m
        Distance from each unit to its node (0 if omitted).
    node_xy
        Node coordinates; only used to order the searches for memory locality.

    Returns
    -------
    scipy.sparse.csr_matrix
        (units, units), self included.
    """
    nodes = np.asarray(unit_nodes, dtype=np.int64)
    n = len(nodes)
    access = np.zeros(n) if access_m is None else np.asarray(access_m, dtype=np.float64)
    sources = np.unique(nodes)
    src_pos, target, d = pairs_within(adjacency, sources, distance, targets=sources, xy=node_xy)
    # units grouped by node: units_sorted[start[v] : start[v] + count[v]] sit at node v
    units_sorted = np.argsort(nodes, kind="stable")
    count = np.bincount(nodes, minlength=adjacency.shape[0])
    start = np.r_[0, np.cumsum(count)[:-1]]
    # expand node pairs to (unit at source node, target node) pairs ...
    src_node = sources[src_pos]
    n_src = count[src_node]
    pair = np.repeat(np.arange(len(d)), n_src)
    offset = np.arange(len(pair)) - np.repeat(np.cumsum(n_src) - n_src, n_src)
    unit_i = units_sorted[start[src_node][pair] + offset]
    # ... then to (unit, unit) pairs
    n_tgt = count[target][pair]
    rows = np.repeat(unit_i, n_tgt)
    pair2 = np.repeat(pair, n_tgt)
    offset2 = np.arange(len(rows)) - np.repeat(np.cumsum(n_tgt) - n_tgt, n_tgt)
    cols = units_sorted[start[target[pair2]] + offset2]
    keep = access[rows] + d[pair2] + access[cols] <= distance
    r_all = np.concatenate([rows[keep], np.arange(n)])
    c_all = np.concatenate([cols[keep], np.arange(n)])
    w = sp.csr_matrix((np.ones(len(r_all)), (r_all, c_all)), shape=(n, n))
    w.data[:] = 1.0  # duplicates (the diagonal) summed; keep 0/1
    return w


def snap_to_nodes(xy: npt.ArrayLike, node_xy: npt.ArrayLike) -> tuple[np.ndarray, FloatArray]:
    """Nearest network node of each point and the straight-line distance to it."""
    dist, pos = cKDTree(np.asarray(node_xy, dtype=np.float64)).query(np.asarray(xy, float))
    return np.asarray(pos, dtype=np.int64), np.asarray(dist, dtype=np.float64)
