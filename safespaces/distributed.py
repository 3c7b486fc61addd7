"""The dask engine: ``safespaces run --engine dask``.

The per-segment stages (lighting and eyes on the street) and the per-building
walking neighbourhoods of the social mix run on spatial partitions of the
study, in parallel on a ``dask.distributed`` cluster; the area-level and global
stages (tenure counts into areas, global segregation indices and their
permutation p-values, incidents with Gi*, empirical-Bayes rates, FDR and the
count model, the composite score) need the whole city and run on the client on
the gathered results, exactly as in :func:`safespaces.pipeline.run`.

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
so the gathered layers equal the single-process ones. They are equal bit for
bit: lighting samples each line on its own and adds each point's lamps in lamp
order, whatever else is in the batch (:mod:`safespaces.lighting.illuminance`),
dark paths are re-ranked in the single-process order, and the neighbourhood
scores use the whole city's composition.

dask-geopandas
--------------
The partitioned study (:class:`PartitionedStudy`) is one
``dask_geopandas.GeoDataFrame`` per layer, partition k of each being core k
plus its halo (scattered to the cluster once). Lighting + eyes run on the k-th
partitions of six layers together (``to_delayed``); the walking neighbourhoods
are a ``map_partitions`` over the segments and tenure layers. The core rows of
every result come back as the partitions of dask-geopandas frames, computed
into GeoDataFrames on the client.

Cluster
-------
``scheduler=None`` starts a :class:`distributed.LocalCluster` with ``workers``
single-threaded worker processes; ``scheduler="tcp://host:8786"`` connects to a
running cluster. The client holds the study and sends each task only its
partition's data. A task runs the compiled network kernel on its worker's
threads (:func:`_kernel_threads`). See ``docs/scale.md``.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely

from safespaces import stages
from safespaces.config import Config
from safespaces.errors import ConfigError
from safespaces.eyes import EyesResult, normalise_weekday
from safespaces.eyes.analysis import analyse_eyes
from safespaces.eyes.hours import hour_datetimes, opening_table
from safespaces.eyes.index import dark_hours
from safespaces.lighting.analysis import (
    LightingResult,
    analyse_lighting,
    study_latlon,
)
from safespaces.lighting.darkness import darkness_hours
from safespaces.lighting.illuminance import sample_lines
from safespaces.lighting.spaces import DARK_PATH_COLUMNS, EVIDENCE_NOT_MAPPED
from safespaces.mix.analysis import count_matrix
from safespaces.mix.buildings import (
    building_neighbourhood_scores,
    building_nodes,
    reach_at_nodes,
)
from safespaces.mix.params import MixParams
from safespaces.pipeline import RunResult, default_out_dir, run_study
from safespaces.shortest_paths import limit_threads
from safespaces.stages import timed
from safespaces.study import Inputs, Study, load_study

Progress = Callable[[str], None]

#: Peak memory of lighting + eyes per segment of a partition (core + halo), in bytes:
#: the local engine's peak for the whole 10 x 10 run (5.6 GB, 509k segments), rounded up.
BYTES_PER_SEGMENT = 12_000
#: Share of a worker's memory limit one partition may fill (dask spills from 60 %).
MEMORY_SHARE = 0.5
#: Largest number of partitions per worker :func:`default_partitions` considers.
MAX_ROUNDS = 16

#: Column flagging a partition's own rows (its core); the other rows are its halo.
CORE = "_core"
#: Tenure columns: the network node each building joins at, and the distance to it.
NODE = "_node"
ACCESS = "_access_m"
#: Layers :func:`run_partition` takes, in order.
LIGHTING_EYES_LAYERS = ("segments", "lamps", "public_spaces", "buildings", "pois", "entrances")

#: dask settings of the partitioned stages: frames keep their pandas dtypes.
DASK_CONFIG = {"dataframe.convert-string": False}

#: Columns of the dark-path ranking (as in ``safespaces.lighting.spaces``).
_DARK_SORT = (["_unknown", "light_lux_mean", "length_m"], [True, True, False])


#: Seconds to wait for a given scheduler before giving up with a clear error.
SCHEDULER_TIMEOUT_S = 10

#: Import names of the ``distributed`` extra (pyproject.toml) that the dask engine needs.
DASK_MODULES = ("dask", "distributed", "dask_geopandas")


def require_dask() -> None:
    """Refuse the dask engine before any work when the ``distributed`` extra is missing."""
    missing = [name for name in DASK_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"--engine dask needs the distributed extra ({', '.join(missing)} not installed). "
            "Fix: pip install 'safespaces[distributed]', or leave out --engine dask"
        )


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


@dataclasses.dataclass
class PartitionResult:
    """A task's core rows."""

    segments: gpd.GeoDataFrame
    lamps: gpd.GeoDataFrame
    public_spaces: gpd.GeoDataFrame
    dark_paths: gpd.GeoDataFrame
    seconds: float


def halo_m(study: Study) -> float:
    """The halo width (metres) that makes every partition's core rows exact."""
    config = study.config
    light = config.lighting
    eyes = config.eyes

    def extent(frame: gpd.GeoDataFrame) -> float:
        if not len(frame):
            return 0.0
        b = frame.geometry.bounds
        return float(max((b["maxx"] - b["minx"]).max(), (b["maxy"] - b["miny"]).max()))

    lighting = light.cutoff_m + light.context_distance_m + extent(study.osm.public_spaces)
    facing = 2 * max(eyes.frontage_distance_m, eyes.door_distance_m) + extent(study.osm.buildings)
    # a core segment's end nodes lie up to its length from the core
    longest = float(study.osm.segments["length_m"].max()) if len(study.osm.segments) else 0.0
    halo = float(max(max(eyes.flow_radii_m), lighting, facing)) + longest + 1.0
    if has_walking_neighbourhoods(study):
        # a walk of d from a core building's node stays within d of its representative point
        halo = max(halo, float(max(config.mix.radii_m)) + 1.0)
    return halo


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

    Every halo is computed twice (by its own core and by the neighbour's), so
    more partitions mean more work in all: on one machine the dask engine can
    only win with as few partitions as there are workers. Candidates are 1 to
    ``workers`` partitions and multiples of ``workers``; each is scored by its
    wall time, rounds (``ceil(partitions / workers)``) times the largest
    partition (segments in core + halo), and must fit a worker's memory
    (``BYTES_PER_SEGMENT`` per segment, at most ``MEMORY_SHARE`` of
    ``memory_limit``). The best score wins, fewer partitions on a tie; when
    none fits, the one with the smallest partitions.

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
    workers = max(1, workers)
    if len(seg) == 0:
        return 1
    halo = halo_m(study) if halo is None else halo
    mid = midpoints(seg)
    bounds = _bounds(seg)
    budget = MEMORY_SHARE * memory_limit if memory_limit else math.inf
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
    lamp_cell = _cell_of(shapely.get_coordinates(osm.lamps.geometry.to_numpy()), boxes)
    space_cell = _cell_of(
        shapely.get_coordinates(osm.public_spaces.geometry.representative_point().to_numpy()),
        boxes,
    )
    tenure_cell = (
        None
        if tenure is None
        else _cell_of(
            shapely.get_coordinates(tenure.geometry.representative_point().to_numpy()), boxes
        )
    )
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


def worker_threads() -> int | None:
    """Threads of the dask worker running the current task (None outside a worker)."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return None
    state = getattr(worker, "state", worker)  # distributed >= 2022.11 keeps it on .state
    return max(1, int(getattr(state, "nthreads", 1) or 1))


@contextmanager
def _kernel_threads(threads: int | None = None) -> Iterator[int | None]:
    """Let the compiled network kernel use ``threads`` (default: the worker's own).

    The kernel (``safespaces.shortest_paths``) otherwise uses every core; in a
    worker it must use only the worker's threads, or two single-threaded workers
    on two cores would each start two threads. The limit holds for the calling
    thread only (:func:`safespaces.shortest_paths.limit_threads`). Outside a
    worker nothing is changed.
    """
    threads = worker_threads() if threads is None else threads
    with limit_threads(threads):
        yield threads


def run_partition(
    segments: gpd.GeoDataFrame,
    lamps: gpd.GeoDataFrame,
    public_spaces: gpd.GeoDataFrame,
    buildings: gpd.GeoDataFrame,
    pois: gpd.GeoDataFrame,
    entrances: gpd.GeoDataFrame,
    config: Config,
    darkness: pd.DataFrame | None,
) -> PartitionResult:
    """Lighting and eyes on one partition (core + halo); the core rows of each layer.

    The frames are one partition of each layer of a :class:`PartitionedStudy`;
    ``segments``, ``lamps`` and ``public_spaces`` flag their core rows in
    :data:`CORE`. ``darkness`` is the study-wide table the eyes index uses (the
    partition's own centre would give slightly different dawn and dusk). In a
    dask worker, the network kernel runs on the worker's threads
    (:func:`_kernel_threads`).
    """
    with _kernel_threads():
        start = time.perf_counter()
        core_seg = segments[CORE].to_numpy(dtype=bool)
        core_lamps = lamps[CORE].to_numpy(dtype=bool)
        core_spaces = public_spaces[CORE].to_numpy(dtype=bool)
        segments = segments.drop(columns=CORE)
        lighting = analyse_lighting(
            segments,
            lamps.drop(columns=CORE),
            public_spaces.drop(columns=CORE),
            config.lighting,
            timezone=config.general.timezone,
        )
        eyes = analyse_eyes(
            lighting.segments,
            buildings,
            pois,
            entrances,
            config.eyes,
            lighting=lighting.segments,
            darkness=darkness,
        )
        dark = lighting.dark_paths
        dark = dark[dark["segment_id"].isin(segments["segment_id"].to_numpy()[core_seg])]
        return PartitionResult(
            eyes.segments[core_seg],
            lighting.lamps[core_lamps],
            lighting.public_spaces[core_spaces],
            dark,
            time.perf_counter() - start,
        )


def partition_neighbourhoods(
    segments: gpd.GeoDataFrame,
    tenure: gpd.GeoDataFrame,
    groups: list[str],
    params: MixParams,
    city: np.ndarray,
) -> pd.DataFrame:
    """Walking-neighbourhood mix scores of one partition's core tenure buildings.

    ``tenure`` carries each building's node (:data:`NODE`) and the distance to
    it (:data:`ACCESS`), snapped on the whole network by the client, and its
    core flag; ``city`` is the whole city's dwellings per group. The scores of
    the core rows equal the single-process ones: every walk within the largest
    radius from a core building stays within that radius of its representative
    point, so inside the halo (see :func:`halo_m`).
    """
    with _kernel_threads():
        point = tenure.geometry.representative_point()
        reach = reach_at_nodes(
            segments,
            tenure[NODE].to_numpy(),
            tenure[ACCESS].to_numpy(),
            params.radii_m,
            xy=np.column_stack([point.x.to_numpy(), point.y.to_numpy()]),
        )
        scores = building_neighbourhood_scores(
            tenure, groups, params=params, reach=reach, city=city
        )
        return scores[tenure[CORE].to_numpy(dtype=bool)]


def _rank_dark_paths(
    frames: list[gpd.GeoDataFrame], segments: gpd.GeoDataFrame, spacing: float
) -> gpd.GeoDataFrame:
    """Concatenate the partitions' dark paths and rank them as one list.

    Rows are first put in the single-process order (segment position, then the
    stretch's first sample along the segment), then sorted and ranked as
    ``_dark_paths`` does (a stable sort, so ties keep that order). A stretch's
    first point is one of its segment's samples, bit for bit (samples do not
    depend on the batch), so its sample number is found by exact matching: no
    projection, which would be ambiguous on a line that meets itself.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return frames_empty(segments)
    dark = pd.concat(frames, ignore_index=True).drop(columns="dark_rank")
    position = pd.Series(segments.index.to_numpy(), index=segments["segment_id"].to_numpy())
    seg_pos = position.loc[dark["segment_id"].to_numpy()].to_numpy()
    lines, line_of = np.unique(seg_pos, return_inverse=True)
    samples = sample_lines(segments.geometry.to_numpy()[lines], spacing)
    table = pd.DataFrame(
        {
            "line": samples.line,
            "x": samples.xy[:, 0],
            "y": samples.xy[:, 1],
            "sample": np.arange(len(samples)) - samples.starts[samples.line],
        }
    ).drop_duplicates(["line", "x", "y"])  # a ring's end is its start: keep the first
    first = shapely.get_coordinates(shapely.get_point(dark.geometry.to_numpy(), 0))
    found = pd.DataFrame({"line": line_of, "x": first[:, 0], "y": first[:, 1]}).merge(
        table, on=["line", "x", "y"], how="left", validate="many_to_one"
    )
    if found["sample"].isna().any():
        raise RuntimeError("a dark path does not start on a sample of its segment")
    order = np.lexsort((found["sample"].to_numpy(), seg_pos))
    dark = dark.iloc[order].reset_index(drop=True)
    dark["_unknown"] = dark["light_evidence"].to_numpy(dtype=object) == EVIDENCE_NOT_MAPPED
    keys, ascending = _DARK_SORT
    dark = dark.sort_values(keys, ascending=ascending, kind="stable").drop(columns="_unknown")
    dark.insert(0, "dark_rank", np.arange(1, len(dark) + 1))
    return gpd.GeoDataFrame(dark.reset_index(drop=True), crs=segments.crs)


def frames_empty(segments: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """An empty dark-paths layer with its schema."""
    return gpd.GeoDataFrame(
        {c: pd.Series(dtype=object) for c in DARK_PATH_COLUMNS},
        geometry=gpd.GeoSeries([], crs=segments.crs),
        crs=segments.crs,
    )


@contextmanager
def client_for(scheduler: str | None, workers: int, *, processes: bool = True) -> Iterator[Any]:
    """A ``distributed.Client``: on ``scheduler``, or on a new LocalCluster of ``workers``."""
    from distributed import Client, LocalCluster

    if scheduler:
        try:
            client = Client(scheduler, timeout=SCHEDULER_TIMEOUT_S)
        except (OSError, TimeoutError, ValueError) as exc:
            raise ConfigError(
                f"could not reach the dask scheduler at {scheduler!r} within "
                f"{SCHEDULER_TIMEOUT_S} s ({exc.__class__.__name__}: {exc}). Fix: start one "
                "(`dask scheduler` on that host, workers with `dask worker <address>`), check "
                "the address and firewall, or leave out --scheduler to use a local cluster"
            ) from exc
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,  # no dashboard server competing for the cores
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


@dataclasses.dataclass
class PartitionedStudy:
    """The study's layers as dask-geopandas GeoDataFrames over the spatial partitions.

    Partition k of every layer holds the rows of core k and of its halo, in the
    study's order and with the study's index (row positions), and lives on the
    cluster (scattered once). The layers a partition owns rows of (segments,
    lamps, public spaces, tenure) flag them in :data:`CORE`; buildings, POIs
    and entrances are context only.

    Each layer's ``spatial_partitions`` is the region holding every row of a
    partition: the core grown by the halo, widened to the rows that cross its
    edge. Not the core: dask-geopandas reads it as the extent of a partition's
    geometries (``sjoin`` and ``clip`` skip the partitions whose region misses),
    and the halo rows lie outside the core. The cores are kept in ``cores``.
    """

    layers: dict[str, Any]
    cores: gpd.GeoSeries
    parts: list[Partition]

    @property
    def npartitions(self) -> int:
        """Number of spatial partitions."""
        return len(self.parts)


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


def partitioned_study(
    study: Study, parts: list[Partition], client: Any, *, buildings: gpd.GeoDataFrame | None = None
) -> PartitionedStudy:
    """Send the partitions to the cluster as one dask-geopandas GeoDataFrame per layer.

    Each partition's frames (:func:`partition_frames`) are scattered once; a
    layer is the dask-geopandas GeoDataFrame over those futures, partition k
    being spatial partition k.
    """
    import dask.dataframe as dd

    layers: dict[str, Any] = {}
    for name, parted in partition_frames(study, parts, buildings=buildings).items():
        futures = client.scatter(parted, hash=False)
        layer = dd.from_delayed(futures, meta=parted[0].iloc[:0], verify_meta=False)
        regions = []
        for p, frame in zip(parts, parted, strict=True):
            x0, y0, x1, y1 = p.reach_box or p.box
            if len(frame):
                fx0, fy0, fx1, fy1 = frame.total_bounds
                x0, y0, x1, y1 = min(x0, fx0), min(y0, fy0), max(x1, fx1), max(y1, fy1)
            regions.append(shapely.box(x0, y0, x1, y1))
        layer.spatial_partitions = gpd.GeoSeries(regions, crs=study.crs)
        layers[name] = layer
    cores = gpd.GeoSeries([shapely.box(*p.box) for p in parts], crs=study.crs)
    return PartitionedStudy(layers, cores, parts)


def _empty(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.iloc[:0]


def _gather(client: Any, results: list[Any], name: str, *, sort: bool = True) -> gpd.GeoDataFrame:
    """Layer ``name`` of the partitions' results (futures of :class:`PartitionResult`).

    The core rows stay on the workers as the partitions of one dask-geopandas
    GeoDataFrame, which is then computed into one GeoDataFrame on the client,
    in the study's row order (``sort``; dark paths are ordered by
    :func:`_rank_dark_paths`).
    """
    import dask.dataframe as dd

    frames = [client.submit(getattr, r, name) for r in results]
    meta = client.submit(_empty, frames[0]).result()
    layer = dd.from_delayed(frames, meta=meta, verify_meta=False)
    gathered: gpd.GeoDataFrame = client.compute(layer, sync=True)
    return gathered.sort_index() if sort else gathered


def partitioned_stages(
    study: Study,
    client: Any,
    *,
    n_partitions: int | None = None,
    halo: float | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[LightingResult, EyesResult, pd.DataFrame | None, dict[str, Any]]:
    """Lighting, eyes and walking neighbourhoods over spatial partitions on ``client``.

    Returns
    -------
    lighting, eyes
        Gathered like the local stages.
    neighbourhoods
        Walking-neighbourhood scores aligned to ``study.tenure.index``
        (:func:`safespaces.stages.walking_neighbourhoods`), or None without
        building tenure.
    info
        Partitions, halo, sizes and task times for ``run_metadata``.
    """
    import dask

    # dask would turn object columns (ids, names) into pyarrow strings on the way in
    # and out of its frames; the partitions must reach the analyses as they are
    with dask.config.set(DASK_CONFIG):
        return _partitioned_stages(
            study, client, n_partitions=n_partitions, halo=halo, progress=progress, timings=timings
        )


def _partitioned_stages(
    study: Study,
    client: Any,
    *,
    n_partitions: int | None,
    halo: float | None,
    progress: Progress | None,
    timings: dict[str, float] | None,
) -> tuple[LightingResult, EyesResult, pd.DataFrame | None, dict[str, Any]]:
    import dask
    import dask.dataframe as dd

    timings = {} if timings is None else timings
    config = study.config
    info_workers = client.scheduler_info().get("workers", {}).values()
    threads = max(1, sum(int(w.get("nthreads", 1) or 1) for w in info_workers))
    limits = [float(w.get("memory_limit") or 0) for w in info_workers]
    memory_limit = min(limits) if limits and all(limits) else None
    with timed("partition", progress, timings):
        halo = halo_m(study) if halo is None else halo
        n = n_partitions or default_partitions(study, threads, memory_limit, halo)
        parts = partitions(study, n, halo)
        # largest first (the scheduler usually starts them first): the last round is the shortest
        parts.sort(key=lambda p: -len(p.segments))
        buildings = study.osm.buildings.assign(residents=stages.residents_from_tenure(study))
        parted = partitioned_study(study, parts, client, buildings=buildings)
        lat, lon = study_latlon(study.osm.segments)
        eyes_dark = darkness_hours(
            lat,
            lon,
            int(config.eyes.reference_monday[:4]),
            timezone=config.general.timezone,
        )
    weekday = normalise_weekday(config.eyes.weekday)
    layers = parted.layers
    mix = "tenure" in layers
    label = f"lighting + eyes on the street ({weekday})"
    label += ", walking neighbourhoods" if mix else ""
    with timed(f"{label}, {len(parts)} partitions", progress, timings):
        run = dask.delayed(run_partition, pure=True)
        inputs = zip(*(layers[name].to_delayed() for name in LIGHTING_EYES_LAYERS), strict=True)
        results = client.compute([run(*frames, config, eyes_dark) for frames in inputs])
        pending = None
        if mix:
            assert study.tenure is not None
            groups = stages.tenure_groups(study)
            city = count_matrix(study.tenure, groups).sum(axis=0)
            meta = building_neighbourhood_scores(
                study.tenure.iloc[:0],
                groups,
                params=config.mix,
                reach={d: sp.csr_matrix((0, 0)) for d in config.mix.radii_m},
                city=city,
            )
            neighbourhoods = dd.map_partitions(
                partition_neighbourhoods,
                layers["segments"],
                layers["tenure"],
                groups,
                config.mix,
                city,
                meta=meta,
                align_dataframes=False,
            )
            pending = client.compute(neighbourhoods)
        osm = study.osm
        segments = _gather(client, results, "segments")
        lamps = _gather(client, results, "lamps")
        spaces = _gather(client, results, "public_spaces")
        dark_frame = _gather(client, results, "dark_paths", sort=False)
        seconds = client.gather([client.submit(getattr, r, "seconds") for r in results])
        scores: pd.DataFrame | None = None
        if pending is not None:
            scores = pending.result().sort_index()
            assert scores is not None and study.tenure is not None
            if not scores.index.equals(study.tenure.index):
                raise RuntimeError("partitions did not return every tenure building once")
        del results
    dark = _rank_dark_paths([dark_frame], osm.segments, config.lighting.sample_spacing_m)
    darkness = darkness_hours(
        lat, lon, config.lighting.darkness_year, timezone=config.general.timezone
    )
    lighting = LightingResult.assemble(segments, lamps, spaces, dark, darkness)
    table = opening_table(osm.pois, config.eyes)
    dark_flags = dark_hours(eyes_dark, hour_datetimes(config.eyes), config.eyes)
    eyes = EyesResult(
        segments=segments,
        dark=tuple(bool(d) for d in dark_flags),
        pois_unparsed=table.unparsed,
        pois_default=int((table.source == "default").sum()),
    )
    info = {
        "partitions": len(parts),
        "halo_m": halo,
        "task_seconds": [round(float(t), 2) for t in seconds],
        "core_segments": [len(p.core_segments) for p in parts],
        "halo_segments": [len(p.segments) for p in parts],
    }
    if mix:
        info["core_tenure_buildings"] = [
            len(p.core_tenure) for p in parts if p.core_tenure is not None
        ]
        info["halo_tenure_buildings"] = [len(p.tenure) for p in parts if p.tenure is not None]
    return lighting, eyes, scores, info


def run_dask(
    inputs: Inputs | Study,
    config: Config,
    out_dir: Path | None = None,
    *,
    scheduler: str | None = None,
    workers: int = 2,
    processes: bool = True,
    n_partitions: int | None = None,
    progress: Progress | None = None,
    include_raw_points: bool = False,
) -> RunResult:
    """:func:`safespaces.pipeline.run` with the per-segment and per-building stages on dask.

    Lighting, eyes and the walking neighbourhoods run in the partitions
    (:func:`partitioned_stages`); every other stage on the client.

    Parameters
    ----------
    inputs
        Input paths (read on the client) or an already loaded :class:`Study`.
    config
        Settings (ignored when ``inputs`` is a Study: its own config is used).
    out_dir
        Output folder (default ``layers/<name>``).
    scheduler
        Address of a running scheduler (``tcp://host:8786``); None starts a
        LocalCluster of ``workers`` processes (``processes=False``: threads).
    n_partitions
        Spatial partitions (default :func:`default_partitions`: one per worker
        thread when it fits the workers' memory, fewer for a small city).

    Returns
    -------
    RunResult
        As :func:`safespaces.pipeline.run`; ``run_metadata`` also records the
        engine, partitions and halo.
    """
    require_dask()
    timings: dict[str, float] = {}
    if isinstance(inputs, Study):
        study = inputs
    else:
        study = load_study(inputs, config, progress=progress, timings=timings)
    engine: dict[str, Any] = {}
    computed: dict[str, pd.DataFrame | None] = {}

    def neighbourhoods(study: Study) -> pd.DataFrame:
        scores = computed.get("neighbourhoods")
        return stages.walking_neighbourhoods(study) if scores is None else scores

    def lighting_eyes(
        study: Study, out: Path, progress: Progress | None, timings: dict[str, float]
    ) -> tuple[LightingResult, stages.StageOutput, EyesResult, stages.StageOutput]:
        with client_for(scheduler, workers, processes=processes) as client:
            lighting, eyes, scores, info = partitioned_stages(
                study, client, n_partitions=n_partitions, progress=progress, timings=timings
            )
        computed["neighbourhoods"] = scores
        engine.update({"name": "dask", "scheduler": scheduler or "LocalCluster", **info})
        files = stages.write_lighting_raster(
            study, lighting, out, progress=progress, timings=timings
        )
        weekday = normalise_weekday(study.config.eyes.weekday)
        return (
            lighting,
            stages.lighting_output(lighting, files),
            eyes,
            stages.eyes_output(eyes, weekday),
        )

    return run_study(
        study,
        out_dir or default_out_dir(study.config),
        lighting_eyes=lighting_eyes,
        neighbourhoods=neighbourhoods,
        progress=progress,
        timings=timings,
        include_raw_points=include_raw_points,
        metadata={"engine": engine},
    )
