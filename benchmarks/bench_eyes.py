"""Benchmark: the eyes flow measure (shortest_paths kernel) beside cityseer on the same graph.

Both compute, for every node of the walking graph of the embedded Helsinki extract
(segments split to 50 m, as the pipeline does) and radii 400 and 800 m:
density = sum w_j, harmonic = sum w_j / d_ij, gravity = sum w_j exp(-4 d_ij / r), with
node weights w_j = 1 and w_j = half the length of the segments meeting at j. cityseer's
graph is built from our segments through networkx (edge geometry = our LineStrings),
so both see the same nodes, edges and lengths. The copies k x k place the extract side
by side (disconnected) to show how time grows with the graph.

Run: python3 benchmarks/bench_eyes.py [--copies 1 2 3]
"""

from __future__ import annotations

import argparse
import logging
import time
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    import geopandas as gpd

# safespaces, geopandas and networkx are imported where used, so that a peer pipeline in a
# fresh process (benchmarks/bench_pipeline.py) can call cityseer_closeness without them.
RADII = (400, 800)
#: cityseer's closeness measures equal to ours: density, harmonic and gravity (beta = 4 / r).
CLOSENESS = {"density": "1", "harmonic": "1/c", "gravity": "exp(-4*p)"}


def tiled(segments: gpd.GeoDataFrame, k: int) -> gpd.GeoDataFrame:
    """k x k disconnected copies of the segments (node ids kept apart)."""
    import geopandas as gpd
    import shapely

    if k == 1:
        return segments
    minx, miny, maxx, maxy = segments.total_bounds
    dx, dy = maxx - minx + 1000, maxy - miny + 1000
    span = int(max(abs(segments["u"]).max(), abs(segments["v"]).max())) + 1
    parts = []
    for i in range(k):
        for j in range(k):
            copy = segments.copy()
            offset = np.array([i * dx, j * dy])
            coords = shapely.get_coordinates(copy.geometry.to_numpy()) + offset
            copy["geometry"] = shapely.set_coordinates(copy.geometry.to_numpy().copy(), coords)
            shift = (i * k + j) * 2 * span
            copy["u"] = copy["u"] + np.sign(copy["u"]) * shift
            copy["v"] = copy["v"] + np.sign(copy["v"]) * shift
            parts.append(copy)
    return gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=segments.crs)


def ours(segments: gpd.GeoDataFrame, weighted: bool) -> tuple[dict[str, np.ndarray], float]:
    from safespaces.eyes.flow import node_graph
    from safespaces.shortest_paths import radius_sums

    start = time.perf_counter()
    graph = node_graph(segments)
    result = radius_sums(
        graph.matrix, RADII, weights=graph.length if weighted else None, xy=graph.xy
    )
    return result, time.perf_counter() - start


def cityseer_run(
    segments: gpd.GeoDataFrame, weighted: bool
) -> tuple[dict[str, np.ndarray], float, float]:
    import networkx as nx
    from cityseer.tools import io

    from safespaces.eyes.flow import node_graph

    quiet_cityseer()
    start = time.perf_counter()
    graph = node_graph(segments)
    g = nx.MultiGraph()
    for i, (x, y) in enumerate(graph.xy):
        g.add_node(
            str(i), x=float(x), y=float(y), weight=float(graph.length[i]) if weighted else 1.0
        )
    for a, b, geom in zip(graph.u, graph.v, segments.geometry.to_numpy(), strict=True):
        if a != b:
            g.add_edge(str(a), str(b), geom=geom)
    g.graph["crs"] = segments.crs
    nodes, _, structure = io.network_structure_from_nx(g)
    built = time.perf_counter()
    out = cityseer_closeness(structure, nodes)
    done = time.perf_counter()
    order = out.index.astype(np.int64).to_numpy()
    result = {}
    for kind in ("density", "harmonic", "gravity"):
        for r in RADII:
            values = np.zeros(len(graph.xy))
            values[order] = out[f"cc_{kind}_{r}"].to_numpy(dtype=float)
            result[f"{kind}_{r}"] = values
    return result, built - start, done - built


def quiet_cityseer() -> None:
    """No progress bars, and no INFO lines: importing cityseer sets the root logger to INFO
    (``logging.basicConfig``), which would make every other library chatty."""
    from cityseer import config as cs_config

    cs_config.QUIET_MODE = True
    logging.getLogger("cityseer").setLevel(logging.WARNING)
    logging.getLogger().setLevel(logging.WARNING)


def cityseer_closeness(structure: Any, nodes: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """cityseer's ``centrality_shortest``: the :data:`CLOSENESS` measures at :data:`RADII`
    (no betweenness, no cycles), quietly; columns ``cc_{measure}_{r}``."""
    from cityseer.metrics import networks

    quiet_cityseer()
    return networks.centrality_shortest(
        structure,
        nodes,
        distances=list(RADII),
        closeness=CLOSENESS,
        betweenness={},
        cycles=False,
        postprocess={},
    )


def compare(a: dict[str, np.ndarray], b: dict[str, np.ndarray]) -> pd.DataFrame:
    rows = []
    for key in a:
        diff = np.abs(a[key] - b[key])
        rel = diff / np.maximum(np.abs(b[key]), 1e-12)
        rows.append(
            {
                "measure": key,
                "median": float(np.median(b[key])),
                "max_abs_diff": float(diff.max()),
                "median_rel_diff": float(np.median(rel)),
                "max_rel_diff": float(rel.max()),
                "share_rel_diff_gt_1e-6": float((rel > 1e-6).mean()),
            }
        )
    return pd.DataFrame(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, nargs="+", default=[1, 2, 3])
    args = parser.parse_args()
    from safespaces.config import Config
    from safespaces.eyes.flow import node_graph
    from safespaces.study import Inputs, load_study

    segments = load_study(Inputs(), Config()).osm.segments
    pd.set_option("display.width", 160)
    for k in args.copies:
        seg = tiled(segments, k)
        n_nodes = len(node_graph(seg).xy)
        for weighted in (False, True):
            mine, t_ours = ours(seg, weighted)
            theirs, t_build, t_cs = cityseer_run(seg, weighted)
            label = "length-weighted" if weighted else "unweighted"
            print(
                f"\n## {k}x{k} copies: {len(seg)} segments, {n_nodes} nodes, {label}\n"
                f"ours (shortest_paths kernel): {t_ours:.2f} s; cityseer: {t_cs:.2f} s centrality "
                f"+ {t_build:.2f} s graph build; ratio ours / cityseer centrality "
                f"{t_ours / t_cs:.2f}"
            )
            print(compare(mine, theirs).to_string(index=False, float_format=lambda v: f"{v:.3g}"))


if __name__ == "__main__":
    main()
