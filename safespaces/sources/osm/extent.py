"""The study extent: the data's, not a stray node's.

Walkable-way nodes far from the rest of the data are left out, a header
``<bounds>`` far larger than the data gives way to the data's extent, and
features reaching far beyond the study box are left out (public spaces clipped).
Longitudes are unwrapped for a study across the antimeridian.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
import shapely

from safespaces.errors import InputError
from safespaces.sources.osm.network import WayNodes
from safespaces.sources.osm.repair import restore_ids
from safespaces.sources.osm.tags import Collector

#: A node is an outlier when a gap wider than this (or than the span of the data's
#: central 98 %, if larger) separates it from the data's median, along x or y.
OUTLIER_GAP_M = 10_000.0
#: At most this share of the walkable nodes (but always up to OUTLIER_MIN_COUNT) can be
#: outliers; more means the data has parts far apart, and the study covers them all.
OUTLIER_MAX_SHARE = 0.01
OUTLIER_MIN_COUNT = 5
#: The header's side is used when it lies within this distance (or a quarter of the
#: data's span, if larger) of the data's.
EXTENT_SLACK_M = 2_000.0
EXTENT_SLACK_SHARE = 0.25
#: Features (buildings, lamps, premises ...) reaching further than this (or than the
#: study's span, if larger) beyond the study box are left out; public spaces are clipped.
FEATURE_SLACK_M = 10_000.0
#: Area layers clipped to that grown box rather than left out (a large park or lake).
CLIPPED_LAYERS = frozenset({"public_spaces", "water"})
#: Walkable data split by a gap wider than this (no walkable node in between, along
#: x or y) is in regions far apart (two cities, two continents): refused, with the
#: regions' boxes to split it by, before any layer or raster is built.
PART_GAP_M = 100_000.0
_M_PER_DEG_LAT = 110_574.0
_M_PER_DEG_LON = 111_320.0


def unwrap_lon(lon: np.ndarray) -> np.ndarray:
    """Longitudes in [-180, 180), or in [0, 360) when that keeps the data together (a study
    across the antimeridian)."""
    lon = ((np.asarray(lon, dtype=float) + 180.0) % 360.0) - 180.0
    if len(lon) == 0:
        return lon
    lo, hi = np.quantile(lon, [0.01, 0.99])
    if hi - lo <= 180.0:
        return lon
    shifted = lon % 360.0
    slo, shi = np.quantile(shifted, [0.01, 0.99])
    return shifted if (shi - slo) < (hi - lo) else lon


def _local_metres(lonlat: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """x, y in metres of a local equirectangular projection around the median point."""
    lat0 = float(np.median(lonlat[:, 1]))
    x = (lonlat[:, 0] - np.median(lonlat[:, 0])) * _M_PER_DEG_LON * np.cos(np.radians(lat0))
    y = (lonlat[:, 1] - lat0) * _M_PER_DEG_LAT
    return x, y


def far_outliers(lonlat: np.ndarray) -> np.ndarray:
    """Flag the nodes far from the dense core of the data (stray nodes).

    Along x and then y (metres of a local equirectangular projection around the
    median), the sorted coordinates are cut at every gap wider than
    max(:data:`OUTLIER_GAP_M`, the span of the central 98 %); nodes outside the
    run that holds the median are outliers. Repeated until stable. When more than
    max(:data:`OUTLIER_MIN_COUNT`, :data:`OUTLIER_MAX_SHARE` of the nodes) would
    be flagged, the data has parts far apart rather than stray nodes, and none
    is flagged.

    Parameters
    ----------
    lonlat
        ``(n, 2)`` longitudes (see :func:`unwrap_lon`) and latitudes.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool, True for an outlier.
    """
    n = len(lonlat)
    out = np.zeros(n, dtype=bool)
    if n < 3:
        return out
    x, y = _local_metres(lonlat)
    for _ in range(4):
        changed = False
        for axis in (x, y):
            idx = np.flatnonzero(~out)
            values = axis[idx]
            order = np.argsort(values, kind="stable")
            ordered = values[order]
            lo, hi = np.quantile(ordered, [0.01, 0.99])
            gap = max(OUTLIER_GAP_M, float(hi - lo))
            run = np.concatenate([[0], np.cumsum(np.diff(ordered) > gap)])
            far = run != run[len(run) // 2]
            if far.any():
                out[idx[order[far]]] = True
                changed = True
        if not changed:
            break
    if out.sum() > max(OUTLIER_MIN_COUNT, OUTLIER_MAX_SHARE * n):
        return np.zeros(n, dtype=bool)
    return out


def far_apart_parts(lonlat: np.ndarray, gap_m: float = PART_GAP_M) -> np.ndarray:
    """Label the regions of the data that a gap wider than ``gap_m`` separates.

    The nodes are cut at every gap wider than ``gap_m`` along x (metres of a local
    equirectangular projection around the median), each run then along y, and
    each of those along x again; the labels are the runs' numbers.

    Parameters
    ----------
    lonlat
        ``(n, 2)`` longitudes (see :func:`unwrap_lon`) and latitudes.

    Returns
    -------
    numpy.ndarray
        ``(n,)`` int, 0 .. parts - 1 in the order of the parts' first node.
    """
    n = len(lonlat)
    labels = np.zeros(n, dtype=np.int64)
    if n < 2:
        return labels
    x, y = _local_metres(lonlat)
    for axis in (x, y, x):
        new = np.zeros(n, dtype=np.int64)
        for part in np.unique(labels):
            idx = np.flatnonzero(labels == part)
            order = np.argsort(axis[idx], kind="stable")
            run = np.concatenate([[0], np.cumsum(np.diff(axis[idx][order]) > gap_m)])
            new[idx[order]] = run
        _, labels = np.unique(np.column_stack([labels, new]), axis=0, return_inverse=True)
        labels = labels.ravel()
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(len(first))
    return rank[labels]


def refuse_far_apart(lonlat: np.ndarray, path: Path | None) -> None:
    """Refuse data in regions far apart (:func:`far_apart_parts`), naming their boxes.

    Raises
    ------
    InputError
        More than one region; the fix gives an ``osmium extract -b`` box per region.
    """
    labels = far_apart_parts(lonlat)
    parts = int(labels.max()) + 1 if len(labels) else 0
    if parts < 2:
        return
    boxes = []
    for part in range(parts):
        xy = lonlat[labels == part]
        lo, hi = xy.min(axis=0), xy.max(axis=0)
        grown = _grow((float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])), 1_000.0)
        box = ((grown[0] + 180) % 360 - 180, grown[1], (grown[2] + 180) % 360 - 180, grown[3])
        boxes.append((box, len(xy)))
    described = [
        f"{i + 1}: {fmt_box(box)} ({count:,} nodes)" for i, (box, count) in enumerate(boxes)
    ]
    name = path.name if path is not None else "F"
    stem = name.split(".")[0]
    commands = [
        f"osmium extract -b {b[0]:.4f},{b[1]:.4f},{b[2]:.4f},{b[3]:.4f} {name} "
        f"-o {stem}-{i + 1}.osm.pbf"
        for i, (b, _) in enumerate(boxes)
    ]
    raise InputError(
        f"the extract holds {parts} regions more than {PART_GAP_M / 1000:,.0f} km apart "
        f"({listing(described, 4)}); one study cannot span them (its grid and rasters would "
        "cover the whole distance between them)",
        path=path,
        fix="split it into one extract per region and run each: " + "; ".join(commands[:4]),
    )


def _grow(
    box: tuple[float, float, float, float], metres: float
) -> tuple[float, float, float, float]:
    """A lon/lat box grown by at least ``metres`` on every side."""
    coslat = max(float(np.cos(np.radians(max(abs(box[1]), abs(box[3]))))), 0.01)
    dx = metres / (_M_PER_DEG_LON * coslat)
    dy = metres / _M_PER_DEG_LAT
    return (box[0] - dx, max(box[1] - dy, -90.0), box[2] + dx, min(box[3] + dy, 90.0))


def _span_m(box: tuple[float, float, float, float]) -> float:
    """The longer side of a lon/lat box in metres (approximately)."""
    lat = np.radians((box[1] + box[3]) / 2)
    return float(
        max((box[2] - box[0]) * _M_PER_DEG_LON * np.cos(lat), (box[3] - box[1]) * _M_PER_DEG_LAT)
    )


def fmt_box(box: tuple[float, float, float, float]) -> str:
    """``lon W to E, lat S to N`` of a lon/lat box, for messages."""
    return f"lon {box[0]:.4f} to {box[2]:.4f}, lat {box[1]:.4f} to {box[3]:.4f}"


def study_box(
    data: tuple[float, float, float, float], header: tuple[float, float, float, float] | None
) -> tuple[tuple[float, float, float, float], str]:
    """The study's lon/lat box from the data's extent and the file's header ``<bounds>``.

    Each side of the header box is used when it lies within the slack
    (:data:`EXTENT_SLACK_M`, or :data:`EXTENT_SLACK_SHARE` of the data's span)
    of the data's side, or inside the data; a side far beyond the data (a planet-wide
    header on a city) is replaced by the data's. Returns the box and where it came
    from: ``"header"``, ``"data"`` or ``"header and data"``.
    """
    if header is None:
        return data, "data"
    hx0, hy0, hx1, hy1 = header
    if data[2] > 180.0:  # the data was unwrapped across the antimeridian
        hx0, hx1 = hx0 % 360.0, hx1 % 360.0
        if hx1 < hx0:
            return data, "data"
    slack = _grow(data, max(EXTENT_SLACK_M, EXTENT_SLACK_SHARE * _span_m(data)))
    if hx1 < data[0] or hx0 > data[2] or hy1 < data[1] or hy0 > data[3]:
        return data, "data"  # a header that does not touch the data
    box = (
        hx0 if hx0 >= slack[0] else data[0],
        hy0 if hy0 >= slack[1] else data[1],
        hx1 if hx1 <= slack[2] else data[2],
        hy1 if hy1 <= slack[3] else data[3],
    )
    used = sum(a == b for a, b in zip(box, (hx0, hy0, hx1, hy1), strict=True))
    return box, ("header" if used == 4 else "data" if used == 0 else "header and data")


def _row_bounds(rows: list[dict[str, Any]]) -> np.ndarray:
    """``(n, 4)`` lon/lat bounds of feature rows (``xy`` points or ``wkb`` areas)."""
    out = np.full((len(rows), 4), np.nan)
    for i, row in enumerate(rows):
        if row.get("xy") is not None:
            x, y = row["xy"]
            out[i] = (x, y, x, y)
    has_wkb = np.array([row.get("wkb") is not None for row in rows], dtype=bool)
    if has_wkb.any():
        geoms = shapely.from_wkb([row["wkb"] for row in rows if row.get("wkb") is not None])
        out[has_wkb] = shapely.bounds(geoms)
    return out


def filter_features(
    col: Collector, box: tuple[float, float, float, float]
) -> tuple[dict[str, list[str]], int]:
    """Leave out features reaching beyond the study box grown by :data:`FEATURE_SLACK_M`
    (or the study's span); clip public spaces and water to it.

    Returns the layers' left-out features (``"node 12"``, ``"way 5"``) and the
    number of public spaces clipped.
    """
    slack = _grow(box, max(FEATURE_SLACK_M, _span_m(box)))
    left_out: dict[str, list[str]] = {}
    clipped = 0
    for layer, rows in col.rows.items():
        if not rows:
            continue
        bounds = _row_bounds(rows)
        within = (
            (bounds[:, 0] >= slack[0])
            & (bounds[:, 1] >= slack[1])
            & (bounds[:, 2] <= slack[2])
            & (bounds[:, 3] <= slack[3])
        )
        touches = (
            (bounds[:, 2] >= slack[0])
            & (bounds[:, 3] >= slack[1])
            & (bounds[:, 0] <= slack[2])
            & (bounds[:, 1] <= slack[3])
        )
        keep = within.copy()
        if layer in CLIPPED_LAYERS:  # a large park or lake reaching beyond the study: clip it
            for i in np.flatnonzero(touches & ~within):
                geom = shapely.clip_by_rect(shapely.from_wkb(rows[i]["wkb"]), *slack)
                if not geom.is_empty and geom.area > 0:
                    rows[i]["wkb"] = shapely.to_wkb(geom)
                    keep[i] = True
                    clipped += layer == "public_spaces"
        if not keep.all():
            left_out[layer] = [
                f"{rows[i].get('osm_type', 'node')} {rows[i]['osm_id']}"
                for i in np.flatnonzero(~keep)
            ]
            col.rows[layer] = [row for row, k in zip(rows, keep, strict=True) if k]
    return left_out, clipped


def listing(items: Sequence[str], limit: int = 5) -> str:
    """The first ``limit`` items, then how many more."""
    shown = ", ".join(items[:limit])
    return shown if len(items) <= limit else f"{shown} and {len(items) - limit:,} more"


def shift_features(col: Collector) -> None:
    """Move the features' western longitudes by +360 degrees (a study across the
    antimeridian), so boxes and clipping see one piece; projection undoes it."""

    def east(coords: np.ndarray) -> np.ndarray:
        coords = coords.copy()
        coords[coords[:, 0] < 0, 0] += 360.0
        return coords

    for rows in col.rows.values():
        for row in rows:
            if row.get("xy") is not None:
                x, y = row["xy"]
                row["xy"] = (x + 360.0 if x < 0 else x, y)
            elif row.get("wkb") is not None:
                geom = shapely.transform(shapely.from_wkb(row["wkb"]), east)
                row["wkb"] = shapely.to_wkb(geom)


def leave_out_stray(
    col: Collector,
    nodes: WayNodes,
    offset: int | None,
    notes: list[str],
    extent: dict[str, Any],
    path: Path | None = None,
) -> np.ndarray:
    """Flag the walkable-way nodes the study keeps: those with a location, not stray.

    Stray nodes (:func:`far_outliers`) are named in ``notes`` and recorded in
    ``extent`` with the ways cut there. When the data spans the antimeridian, the
    nodes' and the features' western longitudes are moved by +360 degrees (in place).
    Data in regions far apart is refused (:func:`refuse_far_apart`, naming ``path``).

    Returns
    -------
    numpy.ndarray
        ``(n,)`` bool over ``nodes``, True for a kept node.
    """
    ids, valid = nodes.ids, nodes.valid
    uid, first = np.unique(ids[valid], return_index=True)
    lonlat = nodes.xy[valid][first]
    lonlat[:, 0] = unwrap_lon(lonlat[:, 0])
    across = bool(lonlat[:, 0].max() > 180.0)  # the data spans the antimeridian
    stray = far_outliers(lonlat)
    refuse_far_apart(lonlat[~stray], path)
    keep = valid.copy()
    if across:
        nodes.xy[valid, 0] %= 360.0
        shift_features(col)
    if stray.any():
        stray_ids = uid[stray]
        keep &= ~np.isin(ids, stray_ids)
        cut_ways = np.unique(np.asarray(col.way_ids)[nodes.way_of[np.isin(ids, stray_ids)]])
        described = [
            f"node {restore_ids(np.array([i]), offset)[0]} at "
            f"({(x + 180) % 360 - 180:.4f}, {y:.4f})"
            for i, (x, y) in zip(stray_ids, lonlat[stray], strict=True)
        ]
        ways_named = [f"way {w}" for w in restore_ids(cut_ways, offset)]
        notes.append(
            f"{len(stray_ids):,} node(s) far from the rest of the data left out of the study: "
            f"{listing(described)} (on {listing(ways_named)}, cut there)"
        )
        extent["stray_nodes_left_out"] = [int(i) for i in restore_ids(stray_ids, offset)]
        extent["ways_cut_at_stray_nodes"] = [int(w) for w in restore_ids(cut_ways, offset)]
    missing = np.array([not v.all() for v in col.way_valid], dtype=bool)
    if missing.any():
        extent["ways_with_nodes_missing"] = int(missing.sum())
    return keep


def study_extent(
    col: Collector,
    data: tuple[float, float, float, float],
    header: tuple[float, float, float, float] | None,
    notes: list[str],
    extent: dict[str, Any],
) -> tuple[float, float, float, float]:
    """The study's lon/lat box (:func:`study_box`), with the features beyond it left out.

    Features reaching far beyond the box are dropped from ``col`` and public
    spaces clipped (:func:`filter_features`); each is named in ``notes`` and
    recorded in ``extent``, as is a header ``<bounds>`` that gave way to the data's.
    """
    box, source = study_box(data, header)
    extent["study_bounds_lonlat"] = [round(v, 7) for v in box]
    extent["from"] = source
    if header is not None:
        extent["header_bounds_lonlat"] = [round(v, 7) for v in header]
        if source != "header":
            notes.append(
                f"the file's <bounds> header ({fmt_box(header)}) reaches far beyond "
                f"the data: the study uses the data's extent ({fmt_box(box)})"
            )
    left_out, clipped = filter_features(col, box)
    if left_out:
        every = [f"{layer} {item}" for layer, items in left_out.items() for item in items]
        notes.append(
            f"{len(every):,} feature(s) beyond the study extent left out: {listing(every)}"
        )
        extent["features_left_out"] = {k: v[:100] for k, v in left_out.items()}
    if clipped:
        notes.append(f"{clipped:,} public space(s) reaching far beyond the study clipped to it")
        extent["public_spaces_clipped"] = clipped
    return box
