"""Passers-by: pedestrian flow potential of the walking network.

The potential of node i within radius r is a gravity sum over the walking
network (Hansen 1959; the "reach" and gravity measures of space-syntax and
cityseer studies of movement, e.g. Hillier et al. 1993; Sevtsuk & Mekonnen 2012):

    flow_r(i) = sum_{j != i, d_ij <= r} w_j exp(-beta d_ij),   beta = 4 / r

where d_ij is the shortest walking distance along the network (not a straight
line) and w_j is half the length of the segments meeting at j, so that the sum
is the street length reachable from i, discounted with distance. Splitting a
segment in two leaves the total length w unchanged.

Shortest paths come from :func:`safespaces.shortest_paths.radius_sums`: one
bounded Dijkstra per node (compiled, multi-threaded), exact in float64, with
time and memory linear in the number of nodes for a given street density.
"""

from __future__ import annotations

import dataclasses

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import scipy.sparse as sp
import shapely

from safespaces.network import adjacency, node_index
from safespaces.shortest_paths import radius_sums
from safespaces.sources.frames import street_segments


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
    """The node graph of segments with ``u``, ``v`` and ``length_m``.

    A plain frame of lines in a metric CRS (osmnx's or pyrosm's edges, geometry
    alone) gets them derived (:func:`safespaces.sources.frames.street_segments`:
    line ends within 1 cm are one node).

    Examples
    --------
    Three paths meeting at one junction:

    >>> import geopandas as gpd, shapely
    >>> star = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (x, y)])
    ...     for x, y in ((30, 0), (0, 40), (-50, 0))], crs="EPSG:3067")
    >>> graph = node_graph(star)
    >>> graph.length.tolist()  # half the length of the paths meeting at each node
    [60.0, 15.0, 20.0, 25.0]
    """
    segments = street_segments(segments, need=("u", "v", "length_m"))
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


def segment_flow(
    segments: gpd.GeoDataFrame,
    radii: tuple[float, ...],
    *,
    beta_times_radius: float = 4.0,
) -> dict[int, npt.NDArray[np.float64]]:
    """Length-weighted gravity flow potential of each segment, per radius.

    A segment's value is the mean of its two end nodes' ``gravity_r`` with node
    weights w_j = half the length of the segments meeting at j (metres).

    Parameters
    ----------
    segments
        Walking segments with ``u``, ``v`` and ``length_m``, or a plain frame of lines
        in a metric CRS (see :func:`node_graph`).
    radii
        Radii r in metres.
    beta_times_radius
        beta x r (4: a node at the radius weighs e^-4 = 2 %).

    Returns
    -------
    dict
        radius (int metres) -> array aligned to ``segments``.

    Examples
    --------
    Two 100 m segments in a line, nodes at 0, 100 and 200 m with weights 50, 100
    and 50 m; beta = 4 / 400 m. flow(0) = 100 e^-1 + 50 e^-2 = 43.55,
    flow(100) = 2 x 50 e^-1 = 36.79, so each segment has (43.55 + 36.79) / 2:

    >>> import geopandas as gpd, shapely
    >>> line = gpd.GeoDataFrame(geometry=[shapely.LineString([(0, 0), (100, 0)]),
    ...     shapely.LineString([(100, 0), (200, 0)])], crs="EPSG:3067")
    >>> flow = segment_flow(line, (400,))
    >>> [round(float(f), 2) for f in flow[400]]
    [40.17, 40.17]
    """
    graph = node_graph(segments)
    result = radius_sums(
        graph.matrix,
        radii,
        weights=graph.length,
        beta_times_radius=beta_times_radius,
        xy=graph.xy,
    )
    return {
        int(r): (result[f"gravity_{int(r)}"][graph.u] + result[f"gravity_{int(r)}"][graph.v]) / 2
        for r in radii
    }
