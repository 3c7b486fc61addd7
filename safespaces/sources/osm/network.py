"""The walkable street network: ways cut into edges between intersections.

The walkable ways are kept whole while reading; here their nodes with a location
(and not left out of the study extent) form runs, each run is cut at
intersections (:func:`split_ways`) and the edges become the ``segments`` layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from safespaces.errors import InputError
from safespaces.sources.osm.repair import restore_ids
from safespaces.sources.osm.tags import WIDTH_RANGE_M, Collector, parse_number


@dataclasses.dataclass
class WayNodes:
    """The nodes of the walkable ways, way after way.

    Attributes
    ----------
    lengths
        Nodes per way.
    ids
        Node ids.
    xy
        ``(n, 2)`` lon/lat; NaN where the file lacks the node.
    valid
        True where the node has a location in the file.
    """

    lengths: np.ndarray
    ids: np.ndarray
    xy: np.ndarray
    valid: np.ndarray

    @property
    def way_of(self) -> np.ndarray:
        """The index of each node's way."""
        return np.repeat(np.arange(len(self.lengths)), self.lengths)


def way_nodes(col: Collector) -> WayNodes:
    """The nodes of the collected walkable ways as flat arrays."""
    return WayNodes(
        lengths=np.fromiter((len(a) for a in col.way_node_ids), dtype=np.int64),
        ids=np.concatenate(col.way_node_ids),
        xy=np.concatenate(col.way_coords),
        valid=np.concatenate(col.way_valid),
    )


@dataclasses.dataclass
class WalkRuns:
    """Runs of kept nodes, each a way for the network (a clipped way keeps its parts).

    Attributes
    ----------
    node_ids, coords
        Per run: its node ids and their lon/lat.
    way
        Per run: the index of its way in the collector.
    data
        The lon/lat box of the runs' nodes.
    """

    node_ids: list[np.ndarray]
    coords: list[np.ndarray]
    way: np.ndarray
    data: tuple[float, float, float, float]


def walk_runs(col: Collector, nodes: WayNodes, keep: np.ndarray, path: Path) -> WalkRuns:
    """Cut the ways into runs of at least two consecutive kept nodes.

    Raises
    ------
    InputError
        No run of two kept nodes (see :func:`no_nodes`).
    """
    way_of = nodes.way_of
    new_way = np.r_[True, way_of[1:] != way_of[:-1]]
    start = keep & (new_way | ~np.r_[False, keep[:-1]])
    run = np.cumsum(start) - 1
    run_size = np.bincount(run[keep], minlength=int(start.sum()))
    chosen = keep & (run_size[np.maximum(run, 0)] >= 2)
    if not chosen.any():
        no_nodes(col, path, nodes.valid)
    run_ids = run[chosen]
    bounds_of_run = np.flatnonzero(np.r_[True, run_ids[1:] != run_ids[:-1]])
    kept_xy = nodes.xy[chosen]
    data = (
        float(kept_xy[:, 0].min()),
        float(kept_xy[:, 1].min()),
        float(kept_xy[:, 0].max()),
        float(kept_xy[:, 1].max()),
    )
    return WalkRuns(
        node_ids=np.split(nodes.ids[chosen], bounds_of_run[1:]),
        coords=np.split(kept_xy, bounds_of_run[1:]),
        way=way_of[chosen][bounds_of_run],
        data=data,
    )


def street_segments(
    col: Collector,
    runs: WalkRuns,
    target: CRS,
    offset: int | None,
    path: Path,
    extent: dict[str, Any],
) -> gpd.GeoDataFrame:
    """The ``segments`` layer in ``target``: one LineString per edge, with its way's tags.

    Edges of zero length are left out (counted in ``extent``); ``offset`` gives back
    renumbered ids (:func:`~safespaces.sources.osm.repair.restore_ids`).

    Raises
    ------
    InputError
        Every edge has zero length.
    """
    way_index, u, v, lines = split_ways(runs.node_ids, runs.coords)
    way_index = runs.way[way_index]
    tags = pd.DataFrame(col.way_tags).iloc[way_index].reset_index(drop=True)
    segments = gpd.GeoDataFrame(
        {
            "segment_id": np.arange(len(lines), dtype=np.int64),
            "osm_way_id": restore_ids(np.asarray(col.way_ids, dtype=np.int64)[way_index], offset),
            "u": restore_ids(u, offset),
            "v": restore_ids(v, offset),
            "name": tags["name"],
            "highway": tags["highway"],
            "lit_tag": tags["lit"],
            "sidewalk": tags["sidewalk"],
            "footway": tags["footway"],
            "width_m": way_width(tags["width"]),
        },
        geometry=lines,
        crs="EPSG:4326",
    ).to_crs(target)
    segments["length_m"] = segments.geometry.length
    zero = ~(segments["length_m"].to_numpy() > 0)
    if zero.all():
        raise InputError(
            f"no walkable streets or paths of any length: all {len(segments):,} walkable "
            "edges have zero length (each way's nodes share one location)",
            path=path,
            fix="check how the file was made: its ways' nodes carry no real coordinates",
        )
    if zero.any():
        extent["zero_length_edges_left_out"] = int(zero.sum())
    segments = segments[~zero].reset_index(drop=True)
    segments["segment_id"] = np.arange(len(segments), dtype=np.int64)
    return segments


def way_width(values: pd.Series) -> np.ndarray:
    """OSM ``width`` in metres (:func:`~safespaces.sources.osm.tags.parse_number`); NaN when
    missing or outside :data:`~safespaces.sources.osm.tags.WIDTH_RANGE_M`."""
    low, high = WIDTH_RANGE_M
    text = pd.Series(values, copy=False).astype("string")
    parsed = {v: parse_number(v) for v in text.dropna().unique()}  # few distinct values
    width = text.map(parsed).to_numpy(dtype=float, na_value=np.nan)
    return np.where((width >= low) & (width <= high), width, np.nan)


def split_ways(
    node_ids: Sequence[np.ndarray], coords: Sequence[np.ndarray]
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split ways at intersections into edges, vectorised.

    A node is an intersection when more than one way references it, or one way
    references it twice. Each way is cut at its interior intersections; the cut
    node ends one edge and starts the next.

    Parameters
    ----------
    node_ids, coords
        Per way: its node ids (n,) and their coordinates (n, 2).

    Returns
    -------
    way_index, u, v, geometry
        Per edge: the index of its way, its first and last node id, and its
        LineString.
    """
    lengths = np.fromiter((len(n) for n in node_ids), dtype=np.int64, count=len(node_ids))
    ids = np.concatenate(node_ids)
    xy = np.concatenate(coords)
    way = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    first = np.zeros(len(ids), dtype=bool)
    first[starts] = True
    last = np.zeros(len(ids), dtype=bool)
    last[starts + lengths - 1] = True
    _, inverse, counts = np.unique(ids, return_inverse=True, return_counts=True)
    junction = counts[inverse] > 1
    cut = junction & ~first & ~last
    reps = 1 + cut.astype(np.int64)
    ids2 = np.repeat(ids, reps)
    xy2 = np.repeat(xy, reps, axis=0)
    way2 = np.repeat(way, reps)
    # a new edge starts at each way's first node and at the second copy of a cut node
    first2 = np.repeat(first, reps)
    second_copy = np.zeros(len(ids2), dtype=bool)
    cut_pos = np.flatnonzero(np.repeat(cut, reps))
    second_copy[cut_pos[1::2]] = True
    edge = np.cumsum(first2 | second_copy) - 1
    lines = np.asarray(shapely.linestrings(xy2, indices=edge), dtype=object)
    edge_start = np.flatnonzero(first2 | second_copy)
    edge_end = np.concatenate([edge_start[1:] - 1, [len(ids2) - 1]])
    return way2[edge_start], ids2[edge_start], ids2[edge_end], lines


def no_nodes(col: Collector, path: Path, valid: np.ndarray) -> NoReturn:
    """Refuse walkable ways none of which has two nodes with a location in the file."""
    found = int(valid.sum())
    detail = (
        f" ({col.bad_nodes:,} nodes have coordinates outside +-180 / +-90 degrees)"
        if col.bad_nodes
        else ""
    )
    raise InputError(
        "no walkable streets or paths: no walkable way has two nodes with a location in the "
        f"file ({len(col.way_ids):,} walkable ways; {found:,} of the {len(valid):,} nodes they "
        f"use are in the file){detail}",
        path=path,
        fix="export the extract with the nodes its ways use (e.g. osmium extract "
        "--strategy complete_ways, or osmium getid --add-referenced)",
    )


def no_streets(col: Collector, path: Path) -> None:
    """Refuse a file without walkable ways, saying what it holds instead."""
    if col.way_ids:
        return
    fix = (
        "use an extract that covers streets (e.g. from Geofabrik or BBBike, or "
        "osmium extract -b LON1,LAT1,LON2,LAT2 of a larger file)"
    )
    if col.nodes + col.ways + col.relations == 0:
        what = "the file holds no OpenStreetMap objects (an empty extract)"
    elif col.ways == 0:
        what = f"the file holds {col.nodes:,} nodes and no ways"
        if col.bad_nodes:
            what += f" ({col.bad_nodes:,} with coordinates outside +-180 / +-90 degrees)"
    else:
        what = (
            f"none of its {col.ways:,} ways is a street or path a pedestrian may use "
            "(highway=*, not motorway, not foot=no)"
        )
    raise InputError(f"no walkable streets or paths: {what}", path=path, fix=fix)
