"""The walking network: from OSM edges to analysis segments and a graph.

Sources give one edge per stretch of way between intersections. Measures need
segments short enough that a value describes one place (a lit block face, the
shop fronts along it), so edges longer than ``max_segment_m`` are cut into equal
pieces no longer than that. Cut points become new graph nodes with negative ids
(below every id already in the network, so a JOSM file's negative node ids stay
apart).

The number of pieces is bounded (:func:`segment_budget`) whatever the setting:
a tiny ``max_segment_m`` is refused before any memory is allocated.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from safespaces.errors import InputError

#: At most this many segments after the split (``SAFESPACES_MAX_SEGMENTS``): about
#: 20 times a large city's walking network (Helsinki's whole network is ~100,000 edges).
MAX_SEGMENTS = 2_000_000
#: Above :data:`PER_EDGE_FROM` segments, at most this many pieces per edge on average.
MAX_PIECES_PER_EDGE = 20
PER_EDGE_FROM = 100_000


def segment_budget(n_edges: int) -> int:
    """The most segments a split of ``n_edges`` edges may give.

    ``min(MAX_SEGMENTS, max(PER_EDGE_FROM, MAX_PIECES_PER_EDGE * n_edges))``:
    a small study may be cut finely, a large one at most 20 pieces per edge on
    average, and nothing beyond 2,000,000 segments (``MAX_SEGMENTS``, or the
    environment variable ``SAFESPACES_MAX_SEGMENTS``).
    """
    cap = MAX_SEGMENTS
    value = os.environ.get("SAFESPACES_MAX_SEGMENTS", "").strip()
    if value.isdigit() and int(value) > 0:
        cap = int(value)
    return min(cap, max(PER_EDGE_FROM, MAX_PIECES_PER_EDGE * n_edges))


def split_long_segments(
    segments: gpd.GeoDataFrame,
    max_length_m: float,
    *,
    path: str | Path | None = None,
    setting: str = "network.max_segment_m",
) -> gpd.GeoDataFrame:
    """Cut every segment longer than ``max_length_m`` into equal pieces.

    An edge of length L becomes n = ceil(L / max_length_m - 0.01) pieces of
    length L/n: pieces may exceed the maximum by up to 1 % so that, say, a
    100.3 m block side becomes two pieces rather than three. Vectorised over
    all segments (no per-geometry loop).

    Parameters
    ----------
    segments
        LineStrings in a metric CRS with ``u`` and ``v`` node ids.
    max_length_m
        Longest piece; ``0`` or less (or infinity) returns the input unchanged.
    path, setting
        The network's file and the setting behind ``max_length_m``, named by
        the refusal.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per piece, attributes copied, ``segment_id`` renumbered from 0,
        ``length_m`` recomputed, ``u``/``v`` set to the new cut nodes (negative ids
        below every existing id).

    Raises
    ------
    InputError
        ``max_length_m`` is not a number, or the split would give more segments
        than :func:`segment_budget` allows (counted before anything is allocated).
    """
    if isinstance(max_length_m, bool) or not isinstance(max_length_m, int | float | np.number):
        raise InputError(
            f"{setting} = {max_length_m!r} is not a number",
            path=path,
            fix=f"set {setting} to a length in metres, e.g. 50",
        )
    if math.isnan(max_length_m):
        raise InputError(
            f"{setting} is not a number (NaN)",
            path=path,
            fix=f"set {setting} to a length in metres, e.g. 50",
        )
    if max_length_m <= 0 or math.isinf(max_length_m) or segments.empty:
        return segments
    lines = segments.geometry.to_numpy()
    length = shapely.length(lines)
    pieces = np.maximum(np.ceil(length / max_length_m - 0.01), 1.0)  # float: never overflows
    total = float(pieces.sum())
    budget = segment_budget(len(segments))
    if not total <= budget:
        km = float(np.nansum(length)) / 1000
        # n pieces <= L / m + 1 per edge, so m >= total length / (budget - edges) fits
        shortest = float(np.nansum(length)) / max(budget - len(segments), 1)
        count = f"{total:,.0f}" if total < 1e15 else f"about {total:.1e}"
        raise InputError(
            f"{setting} = {max_length_m:g} m would cut the {km:,.1f} km of walking network "
            f"({len(segments):,} edges) into {count} segments, more than the "
            f"{budget:,} allowed",
            path=path,
            fix=f"set {setting} to {math.ceil(shortest):,} m or more (the default is 50), "
            "or 0 to keep whole edges",
        )
    n_pieces = pieces.astype(np.int64)
    if (n_pieces == 1).all():
        return segments
    coords, line_of = shapely.get_coordinates(lines, return_index=True)
    step = np.linalg.norm(np.diff(coords, axis=0), axis=1)
    step = np.concatenate([[0.0], step])
    line_start = np.r_[True, line_of[1:] != line_of[:-1]]
    step[line_start] = 0.0
    cum = np.cumsum(step)
    dist = cum - np.repeat(cum[line_start], np.bincount(line_of, minlength=len(lines)))

    n_cuts = n_pieces - 1
    cut_line = np.repeat(np.arange(len(lines)), n_cuts)
    k = np.arange(len(cut_line)) - np.repeat(np.cumsum(n_cuts) - n_cuts, n_cuts) + 1
    cut_dist = k * (length / n_pieces)[cut_line]
    cut_xy = shapely.get_coordinates(shapely.line_interpolate_point(lines[cut_line], cut_dist))

    # vertices and cut points (each cut twice: end of one piece, start of the next)
    all_line = np.concatenate([line_of, np.repeat(cut_line, 2)])
    all_dist = np.concatenate([dist, np.repeat(cut_dist, 2)])
    all_xy = np.concatenate([coords, np.repeat(cut_xy, 2, axis=0)])
    kind = np.concatenate([np.zeros(len(coords)), np.tile([1, 2], len(cut_line))])
    order = np.lexsort((kind, all_dist, all_line))
    all_line, all_xy, kind = all_line[order], all_xy[order], kind[order]
    first = np.r_[True, all_line[1:] != all_line[:-1]]
    piece = np.cumsum(first | (kind == 2)) - 1
    # a cut that falls on a vertex would repeat the point: drop exact repeats in a piece
    repeat = np.r_[False, (piece[1:] == piece[:-1]) & (all_xy[1:] == all_xy[:-1]).all(axis=1)]
    pieces = shapely.linestrings(all_xy[~repeat], indices=piece[~repeat])

    parent = np.repeat(np.arange(len(lines)), n_pieces)
    out = segments.iloc[parent].reset_index(drop=True)
    out = gpd.GeoDataFrame(out, geometry=pieces, crs=segments.crs)
    # node ids: keep the original ends, give each cut point a new negative id below
    # every existing one (JOSM files have negative node ids of their own)
    lowest = min(0, int(segments["u"].min()), int(segments["v"].min()))
    cut_ids = lowest - (np.arange(len(cut_line), dtype=np.int64) + 1)
    pos = np.arange(len(out)) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    offset = np.repeat(np.cumsum(n_cuts) - n_cuts, n_pieces)
    last = pos == np.repeat(n_pieces, n_pieces) - 1
    u = out["u"].to_numpy().copy()
    v = out["v"].to_numpy().copy()
    u[pos > 0] = cut_ids[(offset + pos - 1)[pos > 0]]
    v[~last] = cut_ids[(offset + pos)[~last]]
    out["u"] = u
    out["v"] = v
    out["segment_id"] = np.arange(len(out), dtype=np.int64)
    out["length_m"] = out.geometry.length
    return out


def node_index(segments: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Map the segments' ``u``/``v`` node ids onto 0..n-1.

    Returns
    -------
    node_ids, u_index, v_index
        The sorted unique node ids, and each segment's end nodes as positions in it.
    """
    ids, inverse = np.unique(
        np.concatenate([segments["u"].to_numpy(), segments["v"].to_numpy()]), return_inverse=True
    )
    n = len(segments)
    return ids, inverse[:n], inverse[n:]


def adjacency(segments: gpd.GeoDataFrame) -> sp.csr_matrix:
    """Undirected node-node adjacency weighted by segment length (metres).

    Parallel segments between the same two nodes keep the shortest length.
    """
    ids, ui, vi = node_index(segments)
    w = segments["length_m"].to_numpy(dtype=float)
    frame = pd.DataFrame({"a": np.minimum(ui, vi), "b": np.maximum(ui, vi), "w": w})
    frame = frame[frame["a"] != frame["b"]].groupby(["a", "b"], as_index=False).agg(w=("w", "min"))
    a = frame["a"].to_numpy()
    b = frame["b"].to_numpy()
    weights = np.maximum(frame["w"].to_numpy(), 1e-6)
    m = sp.coo_matrix(
        (np.r_[weights, weights], (np.r_[a, b], np.r_[b, a])), shape=(len(ids), len(ids))
    )
    return m.tocsr()
