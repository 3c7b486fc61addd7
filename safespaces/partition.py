"""Spatial partitions of a study: grid, halo, cores and each partition's frames.

Pure geometry on GeoDataFrames (no dask): :mod:`safespaces.distributed` sends
what is cut here to a cluster.

Partitions and halos
--------------------
The study's extent is cut into a grid of rectangles (the *cores*), cut at
quantiles of the segments' midpoints; how many is chosen by
:func:`default_partitions` (as few as the workers allow, see there). A
segment belongs to the core that holds its midpoint, a lamp, public space or
tenure building to the core that holds its point (a polygon: its
representative point; a point beyond the grid: the nearest edge core, whose box
then reaches to the edge of every layer). Each task gets its core's rows plus
every feature within the *halo*, a margin around the core as wide as the
largest distance any measure looks:

- eyes flow: the largest network radius (800 m) plus the longest segment (a
  core segment's end nodes, the walks' starts, can lie that far outside the
  core): a walk of 800 m never leaves the disc of 800 m around its start, so
  every node and edge it can use, and every segment meeting those nodes, is in
  the halo;
- lighting: lamp cut-off (50 m) + the lamp-to-street context distance (15 m),
  plus the extent of the largest public space (a space is summed whole by the
  partition that owns it);
- eyes frontage and doors: twice the frontage / door distance (25 m) plus the
  largest building (a building's residents are shared among every segment facing it);
- walking neighbourhoods: the largest mix radius (800 m). Buildings are snapped
  to their nearest node on the whole network by the client (a nearest-node
  query), so a partition never snaps differently; building i reaches j when
  access_i + d(node_i, node_j) + access_j <= r, and then every node of that
  walk and j's representative point lie within r of i's representative point.

A task computes everything on core + halo and keeps only its core rows. Rows
keep their position in the input (ties are broken by position in every family),
so the merged results (each family's ``Result.merge``) equal the
single-process ones.
"""

from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import shapely

from safespaces import stages
from safespaces.mix.buildings import building_nodes

if TYPE_CHECKING:  # pragma: no cover - type only
    from safespaces.config import Config
    from safespaces.study import Study

#: Peak memory of a partition's lighting + eyes + walks per segment (core + halo), in bytes,
#: over the worker's own: measured in the store's tasks (benchmarks/bench_scale.py, 5 x 5
#: city, 1 GB workers, partitions of up to 28,093 segments, 14 a worker) 330 MB above the
#: worker's own, 11.3 kB a segment with what the allocator keeps between tasks, since the
#: illuminance sum takes 100,000 points at a time (500,000 had needed 17.5 kB: CI
#: restarted workers at 95 % of their limit).
BYTES_PER_SEGMENT = 12_000
#: Share of a worker's memory limit a worker may fill (dask pauses a worker at 80 %).
MEMORY_SHARE = 0.7
#: A worker's memory before any partition: the interpreter with safespaces, geopandas, numba
#: and distributed imported (329 MB measured, rounded up); a partition fits only in the rest.
WORKER_BASE_BYTES = 350_000_000
#: Largest number of partitions per worker :func:`default_partitions` considers.
MAX_ROUNDS = 16

#: Column flagging a partition's own rows (its core); the other rows are its halo.
CORE = "_core"
#: Tenure columns: the network node each building joins at, and the distance to it.
NODE = "_node"
ACCESS = "_access_m"


@dataclasses.dataclass(frozen=True)
class Partition:
    """One partition as cut on the client: core row positions and halo subsets.

    Each frame keeps the study's index (row positions), in the study's order.
    ``tenure`` (with building tenure only) holds the tenure buildings meeting the
    halo; ``reach_box`` is the core grown by the halo.
    """

    index: int
    box: tuple[float, float, float, float]
    segments: gpd.GeoDataFrame
    core_segments: np.ndarray
    lamps: gpd.GeoDataFrame
    core_lamps: np.ndarray
    public_spaces: gpd.GeoDataFrame
    core_spaces: np.ndarray
    buildings: gpd.GeoDataFrame
    pois: gpd.GeoDataFrame
    entrances: gpd.GeoDataFrame
    tenure: gpd.GeoDataFrame | None = None
    core_tenure: np.ndarray | None = None
    reach_box: tuple[float, float, float, float] | None = None


def largest_extent(frame: gpd.GeoDataFrame) -> float:
    """The largest width or height of any geometry of ``frame`` (0 for none)."""
    if not len(frame):
        return 0.0
    b = frame.geometry.bounds
    return float(max((b["maxx"] - b["minx"]).max(), (b["maxy"] - b["miny"]).max()))


def halo_width(
    config: Config, extents: dict[str, float], longest_segment: float, walking: bool
) -> float:
    """The halo width (metres) from the settings and the layers' largest features.

    ``extents`` holds :func:`largest_extent` of ``public_spaces`` and
    ``buildings``; ``walking`` is :func:`has_walking_neighbourhoods`. The
    reasons for each term are in the module docstring.
    """
    light, eyes = config.lighting, config.eyes
    lighting = light.cutoff_m + light.context_distance_m + extents.get("public_spaces", 0.0)
    facing = 2 * max(eyes.frontage_distance_m, eyes.door_distance_m) + extents.get("buildings", 0.0)
    # a core segment's end nodes lie up to its length from the core
    halo = float(max(max(eyes.flow_radii_m), lighting, facing)) + longest_segment + 1.0
    if walking:
        # a walk of d from a core building's node stays within d of its representative point
        halo = max(halo, float(max(config.mix.radii_m)) + 1.0)
    return halo


def halo_m(study: Study) -> float:
    """The halo width (metres) that makes every partition's core rows exact (:func:`halo_width`)."""
    osm = study.osm
    longest = float(osm.segments["length_m"].max()) if len(osm.segments) else 0.0
    extents = {
        "public_spaces": largest_extent(osm.public_spaces),
        "buildings": largest_extent(osm.buildings),
    }
    return halo_width(study.config, extents, longest, has_walking_neighbourhoods(study))


def has_walking_neighbourhoods(study: Study) -> bool:
    """True when the run computes the buildings' walking neighbourhoods (building tenure)."""
    tenure = study.tenure
    return (
        tenure is not None
        and len(tenure) > 0
        and bool((tenure["tenure_level"] == "building").all())
        and len(study.config.mix.radii_m) > 0
    )


def grid(
    bounds: tuple[float, float, float, float], n: int, xy: np.ndarray | None = None
) -> list[tuple[float, float, float, float]]:
    """About ``n`` rectangles covering ``bounds`` (row-major), near-square on average.

    Columns and rows follow the aspect ratio of ``bounds``. With ``xy`` (the
    segments' midpoints) the cut lines lie at quantiles of the points, so
    columns (and rows) hold about equal numbers of segments; otherwise they
    are equally spaced.
    """
    x0, y0, x1, y1 = bounds
    width, height = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    cols = max(1, round(math.sqrt(n * width / height)))
    rows = max(1, math.ceil(n / cols))

    def lines(lo: float, hi: float, k: int, values: np.ndarray | None) -> np.ndarray:
        even = np.linspace(lo, hi, k + 1)
        if values is None or len(values) == 0 or k == 1:
            return even
        cuts = np.quantile(values, np.linspace(0.0, 1.0, k + 1)[1:-1])
        out = np.concatenate([[lo], cuts, [hi]])
        return out if bool(np.all(np.diff(out) > 0)) else even

    xs = lines(x0, x1, cols, None if xy is None else xy[:, 0])
    ys = lines(y0, y1, rows, None if xy is None else xy[:, 1])
    return [
        (float(xs[i]), float(ys[j]), float(xs[i + 1]), float(ys[j + 1]))
        for j in range(rows)
        for i in range(cols)
    ]


def _cell_of(xy: np.ndarray, boxes: list[tuple[float, float, float, float]]) -> np.ndarray:
    """Index of the box holding each point (points outside go to the nearest box)."""
    xs = np.unique([b[0] for b in boxes] + [b[2] for b in boxes])
    ys = np.unique([b[1] for b in boxes] + [b[3] for b in boxes])
    cols = len(xs) - 1
    i = np.clip(np.searchsorted(xs, xy[:, 0], side="right") - 1, 0, cols - 1)
    j = np.clip(np.searchsorted(ys, xy[:, 1], side="right") - 1, 0, len(ys) - 2)
    return np.asarray(j * cols + i, dtype=np.int64)


def _within(frame: gpd.GeoDataFrame, box: shapely.Polygon) -> gpd.GeoDataFrame:
    """Rows of ``frame`` whose geometry intersects ``box``, in the frame's order."""
    if not len(frame):
        return frame
    hits = shapely.STRtree(frame.geometry.to_numpy()).query(box, predicate="intersects")
    return frame.iloc[np.sort(hits)]


def midpoints(segments: gpd.GeoDataFrame) -> np.ndarray:
    """``(n, 2)`` midpoints of the segments (the point that decides a segment's core)."""
    return shapely.get_coordinates(
        shapely.line_interpolate_point(segments.geometry.to_numpy(), 0.5, normalized=True)
    )


def owner_points(frame: gpd.GeoDataFrame, *, lines: bool = False) -> np.ndarray:
    """``(n, 2)`` points that decide which core owns each row.

    A segment (``lines=True``) by its midpoint (:func:`midpoints`), a point by
    itself, a polygon (public space, tenure building) by its representative point.
    """
    if lines:
        return midpoints(frame)
    geoms = frame.geometry.to_numpy()
    if len(geoms) and bool(np.all(shapely.get_type_id(geoms) == 0)):
        return shapely.get_coordinates(geoms)
    return shapely.get_coordinates(shapely.point_on_surface(geoms))


def _bounds(frame: gpd.GeoDataFrame) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = frame.total_bounds
    return float(x0), float(y0), float(x1), float(y1)


def partition_sizes(
    mid: np.ndarray, boxes: list[tuple[float, float, float, float]], halo: float
) -> np.ndarray:
    """Segments (by midpoint) in each box grown by ``halo``: a partition's size, core + halo."""
    b = np.asarray(boxes, dtype=float).reshape(-1, 4)
    sizes = np.zeros(len(b), dtype=np.int64)
    for k, (bx0, by0, bx1, by1) in enumerate(b):  # one vectorised count per box
        inside = (mid[:, 0] >= bx0 - halo) & (mid[:, 0] <= bx1 + halo)
        inside &= (mid[:, 1] >= by0 - halo) & (mid[:, 1] <= by1 + halo)
        sizes[k] = int(np.count_nonzero(inside))
    core = np.bincount(_cell_of(mid, boxes), minlength=len(b)) if len(mid) else sizes * 0
    return np.where(core > 0, sizes, 0)


def default_partitions(
    study: Study, workers: int, memory_limit: float | None = None, halo: float | None = None
) -> int:
    """The number of partitions that finishes soonest on ``workers`` single-task workers.

    :func:`best_partitions` on the study's segment midpoints.

    Parameters
    ----------
    study
        The study to cut.
    workers
        Worker threads of the cluster (tasks that run at once).
    memory_limit
        Smallest worker memory limit in bytes (None or 0: no limit).
    halo
        Halo width (default :func:`halo_m`).
    """
    seg = study.osm.segments
    if len(seg) == 0:
        return 1
    halo = halo_m(study) if halo is None else halo
    return best_partitions(midpoints(seg), _bounds(seg), workers, memory_limit, halo)


def best_partitions(
    mid: np.ndarray,
    bounds: tuple[float, float, float, float],
    workers: int,
    memory_limit: float | None,
    halo: float,
) -> int:
    """The number of partitions that finishes soonest, from the segments' midpoints.

    Every halo is computed twice (by its own core and by the neighbour's), so
    more partitions mean more work in all: on one machine the dask engine can
    only win with as few partitions as there are workers. Candidates are 1 to
    ``workers`` partitions and multiples of ``workers``; each is scored by its
    wall time, rounds (``ceil(partitions / workers)``) times the largest
    partition (segments in core + halo), and must fit a worker's memory
    (``BYTES_PER_SEGMENT`` per segment, at most ``MEMORY_SHARE`` of
    ``memory_limit`` less the worker's own ``WORKER_BASE_BYTES``). The best
    score wins, fewer partitions on a tie; when
    none fits, the one with the smallest partitions.

    Parameters
    ----------
    mid
        ``(n, 2)`` midpoints of the segments (:func:`midpoints`).
    bounds
        The segments' bounds.
    workers
        Worker threads of the cluster (tasks that run at once).
    memory_limit
        Smallest worker memory limit in bytes (None or 0: no limit).
    halo
        Halo width in metres.
    """
    workers = max(1, workers)
    if len(mid) == 0:
        return 1
    budget = MEMORY_SHARE * memory_limit - WORKER_BASE_BYTES if memory_limit else math.inf
    candidates = list(range(1, workers + 1)) + [workers * r for r in range(2, MAX_ROUNDS + 1)]
    best: tuple[float, int] | None = None
    smallest: tuple[int, int] | None = None
    for n in candidates:
        sizes = partition_sizes(mid, grid(bounds, n, mid), halo)
        largest = int(sizes.max())
        if smallest is None or largest < smallest[0]:
            smallest = (largest, n)
        if largest * BYTES_PER_SEGMENT > budget:
            continue
        score = math.ceil(np.count_nonzero(sizes) / workers) * largest
        if best is None or score < best[0]:
            best = (score, n)
        if n >= workers:  # more rounds only add halo work once one round fits
            break
    if best is not None:
        return best[1]
    assert smallest is not None
    return smallest[1]


def _layers_bounds(frames: list[gpd.GeoDataFrame]) -> tuple[float, float, float, float]:
    """Bounds of every non-empty frame together."""
    b = np.array([f.total_bounds for f in frames if len(f)], dtype=float).reshape(-1, 4)
    return float(b[:, 0].min()), float(b[:, 1].min()), float(b[:, 2].max()), float(b[:, 3].max())


def _reach_box(
    box: tuple[float, float, float, float],
    grid_bounds: tuple[float, float, float, float],
    outer: tuple[float, float, float, float],
    halo: float,
) -> tuple[float, float, float, float]:
    """A core grown by the halo; a core on the grid's edge first reaches out to ``outer``.

    Features outside the grid (a lamp or building beyond the last segment) belong
    to the nearest edge core, so that core's box is taken to the edge of every
    layer before it is grown.
    """
    x0, y0, x1, y1 = box
    gx0, gy0, gx1, gy1 = grid_bounds
    x0 = min(x0, outer[0]) if x0 <= gx0 else x0
    y0 = min(y0, outer[1]) if y0 <= gy0 else y0
    x1 = max(x1, outer[2]) if x1 >= gx1 else x1
    y1 = max(y1, outer[3]) if y1 >= gy1 else y1
    return x0 - halo, y0 - halo, x1 + halo, y1 + halo


@dataclasses.dataclass(frozen=True)
class Cut:
    """A partition planned from the segments' midpoints alone (no layer in memory).

    What a task that reads its own inputs needs (:mod:`safespaces.store`): the
    box it reads (``reach_box``: the core grown by the halo, an edge core first
    taken to the edge of every layer) and the whole grid (``boxes``), which
    decides the core rows (:func:`owned`) exactly as :func:`partitions` does.
    """

    index: int
    box: tuple[float, float, float, float]
    reach_box: tuple[float, float, float, float]
    boxes: tuple[tuple[float, float, float, float], ...]
    #: Segments whose midpoint lies in core + halo (the partition's size, to order the tasks).
    size: int


def plan(
    mid: np.ndarray,
    grid_bounds: tuple[float, float, float, float],
    outer: tuple[float, float, float, float],
    n: int,
    halo: float,
) -> list[Cut]:
    """The partitions :func:`partitions` cuts, planned from the segments' midpoints.

    Parameters
    ----------
    mid
        ``(n, 2)`` midpoints of the segments (:func:`midpoints`).
    grid_bounds
        The segments' bounds (the grid covers them).
    outer
        The bounds of every layer together (edge cores reach to them).
    n
        About how many partitions.
    halo
        Halo width in metres (:func:`halo_width`).
    """
    boxes = grid(grid_bounds, n, mid)
    cell = _cell_of(mid, boxes)
    sizes = partition_sizes(mid, boxes, halo)
    return [
        Cut(i, box, _reach_box(box, grid_bounds, outer, halo), tuple(boxes), int(sizes[i]))
        for i, box in enumerate(boxes)
        if np.any(cell == i)
    ]


def owned(xy: np.ndarray, cut: Cut) -> np.ndarray:
    """True for the points whose core is ``cut``'s (the rule of :func:`partitions`)."""
    return _cell_of(xy, list(cut.boxes)) == cut.index


def within(frame: gpd.GeoDataFrame, box: tuple[float, float, float, float]) -> gpd.GeoDataFrame:
    """Rows of ``frame`` whose geometry intersects the rectangle ``box``, in order."""
    return _within(frame, shapely.box(*box))


def partitions(study: Study, n: int, halo: float | None = None) -> list[Partition]:
    """Cut the study into about ``n`` partitions, each with its halo (empty ones dropped).

    With building tenure (:func:`has_walking_neighbourhoods`) each partition also
    gets the tenure buildings meeting its halo; a building belongs to the core
    holding its representative point.
    """
    osm = study.osm
    halo = halo_m(study) if halo is None else halo
    seg = osm.segments
    mid = midpoints(seg)
    grid_bounds = _bounds(seg)
    boxes = grid(grid_bounds, n, mid)
    tenure = study.tenure if has_walking_neighbourhoods(study) else None
    layers = [seg, osm.lamps, osm.public_spaces, osm.buildings, osm.pois, osm.entrances]
    outer = _layers_bounds(layers + ([tenure] if tenure is not None else []))
    seg_cell = _cell_of(mid, boxes)
    lamp_cell = _cell_of(owner_points(osm.lamps), boxes)
    space_cell = _cell_of(owner_points(osm.public_spaces), boxes)
    tenure_cell = None if tenure is None else _cell_of(owner_points(tenure), boxes)
    out = []
    for index, box in enumerate(boxes):
        core = np.flatnonzero(seg_cell == index)
        if not len(core):
            continue
        reach = _reach_box(box, grid_bounds, outer, halo)
        grown = shapely.box(*reach)
        segments = _within(seg, grown)
        lamps = _within(osm.lamps, grown)
        spaces = _within(osm.public_spaces, grown)
        out.append(
            Partition(
                index=index,
                box=box,
                segments=segments,
                core_segments=seg.index.to_numpy()[core],
                lamps=lamps,
                core_lamps=osm.lamps.index.to_numpy()[lamp_cell == index],
                public_spaces=spaces,
                core_spaces=osm.public_spaces.index.to_numpy()[space_cell == index],
                buildings=_within(osm.buildings, grown),
                pois=_within(osm.pois, grown),
                entrances=_within(osm.entrances, grown),
                tenure=None if tenure is None else _within(tenure, grown),
                core_tenure=None
                if tenure is None or tenure_cell is None
                else tenure.index.to_numpy()[tenure_cell == index],
                reach_box=reach,
            )
        )
    return out


def partition_frames(
    study: Study, parts: list[Partition], *, buildings: gpd.GeoDataFrame | None = None
) -> dict[str, list[gpd.GeoDataFrame]]:
    """Each layer's partitions as plain GeoDataFrames (what :func:`partitioned_study` sends).

    Owned layers flag their core rows in :data:`CORE`. ``buildings`` replaces the
    study's buildings (the eyes stage needs a ``residents`` column). With
    building tenure, ``tenure`` holds the group counts, each building's node
    (:data:`NODE`) and access distance (:data:`ACCESS`), snapped here on the
    whole network so that a partition snaps exactly as the whole city does.
    """
    osm = study.osm
    whole = buildings if buildings is not None else osm.buildings

    def flagged(frame: gpd.GeoDataFrame, core: np.ndarray | None) -> gpd.GeoDataFrame:
        return frame.assign(**{CORE: frame.index.isin(core)}) if core is not None else frame

    frames: dict[str, list[gpd.GeoDataFrame]] = {
        "segments": [flagged(p.segments, p.core_segments) for p in parts],
        "lamps": [flagged(p.lamps, p.core_lamps) for p in parts],
        "public_spaces": [flagged(p.public_spaces, p.core_spaces) for p in parts],
        "buildings": [whole.loc[p.buildings.index] for p in parts],
        "pois": [p.pois for p in parts],
        "entrances": [p.entrances for p in parts],
    }
    if study.tenure is not None and all(p.tenure is not None for p in parts):
        nodes, access = building_nodes(osm.segments, study.tenure)
        columns = [*stages.tenure_groups(study), "geometry"]
        tenure = study.tenure[columns].assign(**{NODE: nodes, ACCESS: access})
        frames["tenure"] = [
            flagged(tenure.loc[p.tenure.index], p.core_tenure)  # type: ignore[union-attr]
            for p in parts
        ]
    return frames


def regions(parts: list[Partition], frames: list[gpd.GeoDataFrame]) -> list[shapely.Polygon]:
    """The region holding every row of each partition's frame of one layer.

    The core grown by the halo (:attr:`Partition.reach_box`), widened to the
    rows that cross its edge: what dask-geopandas reads as a partition's
    ``spatial_partitions`` (not the core, which the halo rows lie outside).
    """
    out = []
    for p, frame in zip(parts, frames, strict=True):
        x0, y0, x1, y1 = p.reach_box or p.box
        if len(frame):
            fx0, fy0, fx1, fy1 = frame.total_bounds
            x0, y0, x1, y1 = min(x0, fx0), min(y0, fy0), max(x1, fx1), max(y1, fy1)
        out.append(shapely.box(x0, y0, x1, y1))
    return out
