"""The dask engine: ``safespaces run --engine dask``.

The per-segment stages (lighting and eyes on the street) run on spatial
partitions of the walking network, in parallel on a ``dask.distributed``
cluster; the area-level and global stages (social mix, incidents with Gi*,
the composite score) run on the gathered results, exactly as in
:func:`safespaces.pipeline.run`.

Partitions and halos
--------------------
The study's extent is cut into a regular grid of rectangles (the *cores*). A
segment belongs to the core that holds its midpoint, a lamp or public space to
the core that holds its point (a space: its representative point). Each task
gets its core's rows plus every feature within the *halo*, a margin around the
core as wide as the largest distance any per-segment measure looks:

- eyes flow: the largest network radius (800 m) plus the longest segment (a
  core segment's end nodes, the walks' starts, can lie that far outside the
  core): a walk of 800 m never leaves the disc of 800 m around its start, so
  every node and edge it can use, and every segment meeting those nodes, is in
  the halo;
- lighting: lamp cut-off (50 m) + the lamp-to-street context distance (15 m),
  plus the extent of the largest public space (a space is summed whole by the
  partition that owns it);
- eyes frontage and doors: twice the frontage / door distance (25 m) plus the
  largest building (a building's residents are shared among every segment facing it).

A task computes everything on core + halo and keeps only its core rows. Rows
keep their position in the input (ties are broken by position in every family),
so the gathered layers equal the single-process ones; floating-point sums over
lamps may be added in another order, which changes results by at most a few
units in the last place (the tests allow 1e-9).

Cluster
-------
``scheduler=None`` starts a :class:`distributed.LocalCluster` with ``workers``
single-threaded worker processes; ``scheduler="tcp://host:8786"`` connects to a
running cluster. The client holds the study and sends each task only its
partition's data. See ``docs/scale.md``.
"""

from __future__ import annotations

import dataclasses
import math
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces import stages
from safespaces.config import Config
from safespaces.eyes import EyesResult, normalise_weekday
from safespaces.eyes.analysis import analyse_eyes
from safespaces.eyes.hours import hour_datetimes, opening_table
from safespaces.eyes.index import dark_hours
from safespaces.lighting.analysis import (
    LightingResult,
    analyse_lighting,
    class_shares,
    conflict_counts,
    study_latlon,
)
from safespaces.lighting.darkness import darkness_hours
from safespaces.lighting.spaces import DARK_PATH_COLUMNS, EVIDENCE_NOT_MAPPED
from safespaces.pipeline import (
    Inputs,
    RunResult,
    Study,
    default_out_dir,
    load_study,
    run_study,
)
from safespaces.stages import timed

Progress = Callable[[str], None]

#: Columns of the dark-path ranking (as in ``safespaces.lighting.spaces``).
_DARK_SORT = (["_unknown", "light_lux_mean", "length_m"], [True, True, False])


@dataclasses.dataclass(frozen=True)
class Partition:
    """One task's data: core row positions and the halo subsets of every layer.

    Each frame keeps the study's index (row positions), in the study's order.
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
    return float(max(max(eyes.flow_radii_m), lighting, facing)) + longest + 1.0


def grid(
    bounds: tuple[float, float, float, float], n: int
) -> list[tuple[float, float, float, float]]:
    """About ``n`` near-square rectangles covering ``bounds`` (row-major)."""
    x0, y0, x1, y1 = bounds
    width, height = max(x1 - x0, 1.0), max(y1 - y0, 1.0)
    cols = max(1, round(math.sqrt(n * width / height)))
    rows = max(1, math.ceil(n / cols))
    xs = np.linspace(x0, x1, cols + 1)
    ys = np.linspace(y0, y1, rows + 1)
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


def partitions(study: Study, n: int, halo: float | None = None) -> list[Partition]:
    """Cut the study into about ``n`` partitions, each with its halo (empty ones dropped)."""
    osm = study.osm
    halo = halo_m(study) if halo is None else halo
    seg = osm.segments
    x0, y0, x1, y1 = seg.total_bounds
    boxes = grid((float(x0), float(y0), float(x1), float(y1)), n)
    seg_cell = _cell_of(
        shapely.get_coordinates(
            shapely.line_interpolate_point(seg.geometry.to_numpy(), 0.5, normalized=True)
        ),
        boxes,
    )
    lamp_cell = _cell_of(shapely.get_coordinates(osm.lamps.geometry.to_numpy()), boxes)
    space_cell = _cell_of(
        shapely.get_coordinates(osm.public_spaces.geometry.representative_point().to_numpy()),
        boxes,
    )
    out = []
    for index, box in enumerate(boxes):
        core = np.flatnonzero(seg_cell == index)
        if not len(core):
            continue
        bx0, by0, bx1, by1 = box
        grown = shapely.box(bx0 - halo, by0 - halo, bx1 + halo, by1 + halo)
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
            )
        )
    return out


def run_partition(
    part: Partition, config: Config, darkness: pd.DataFrame | None
) -> PartitionResult:
    """Lighting and eyes on one partition (core + halo); the core rows of each layer.

    ``darkness`` is the study-wide table the eyes index uses (the partition's own
    centre would give slightly different dawn and dusk).
    """
    start = time.perf_counter()
    lighting = analyse_lighting(
        part.segments,
        part.lamps,
        part.public_spaces,
        config.lighting,
        timezone=config.general.timezone,
    )
    eyes = analyse_eyes(
        lighting.segments,
        part.buildings,
        part.pois,
        part.entrances,
        config.eyes,
        lighting=lighting.segments,
        darkness=darkness,
    )
    core = set(part.core_segments.tolist())
    segments = eyes.segments[eyes.segments.index.isin(part.core_segments)]
    lamps = lighting.lamps[lighting.lamps.index.isin(part.core_lamps)]
    spaces = lighting.public_spaces[lighting.public_spaces.index.isin(part.core_spaces)]
    dark = lighting.dark_paths
    position = dict(zip(part.segments["segment_id"], part.segments.index, strict=True))
    dark = dark[dark["segment_id"].map(position).isin(core)]
    return PartitionResult(segments, lamps, spaces, dark, time.perf_counter() - start)


def _rank_dark_paths(
    frames: list[gpd.GeoDataFrame], segments: gpd.GeoDataFrame
) -> gpd.GeoDataFrame:
    """Concatenate the partitions' dark paths and rank them as one list.

    Rows are first put in the single-process order (segment position, then
    along the segment), then sorted and ranked as ``_dark_paths`` does.
    """
    frames = [f for f in frames if len(f)]
    if not frames:
        return frames_empty(segments)
    dark = pd.concat(frames, ignore_index=True).drop(columns="dark_rank")
    position = pd.Series(segments.index.to_numpy(), index=segments["segment_id"].to_numpy())
    seg_pos = position.loc[dark["segment_id"].to_numpy()].to_numpy()
    lines = segments.geometry.to_numpy()[seg_pos]
    along = shapely.line_locate_point(lines, shapely.get_point(dark.geometry.to_numpy(), 0))
    order = np.lexsort((along, seg_pos))
    dark = dark.iloc[order].reset_index(drop=True)
    dark["_unknown"] = dark["light_evidence"].to_numpy(dtype=object) == EVIDENCE_NOT_MAPPED
    keys, ascending = _DARK_SORT
    dark = dark.sort_values(keys, ascending=ascending).drop(columns="_unknown")
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
        with Client(scheduler) as client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=processes,
            dashboard_address=":0",
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client


def _concat(frames: list[pd.DataFrame], like: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    frames = [f for f in frames if len(f)]
    if not frames:
        return like.iloc[:0]
    return gpd.GeoDataFrame(pd.concat(frames).sort_index(), crs=like.crs)


def partitioned_stages(
    study: Study,
    client: Any,
    *,
    n_partitions: int | None = None,
    halo: float | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[LightingResult, EyesResult, dict[str, Any]]:
    """Lighting and eyes over spatial partitions on ``client``; gathered like the local stages."""
    timings = {} if timings is None else timings
    config = study.config
    workers = max(1, len(client.scheduler_info().get("workers", {})))
    n = n_partitions or max(2 * workers, math.ceil(len(study.osm.segments) / 60_000))
    with timed("partition", progress, timings):
        halo = halo_m(study) if halo is None else halo
        parts = partitions(study, n, halo)
        buildings = study.osm.buildings.assign(residents=stages.residents_from_tenure(study))
        parts = [dataclasses.replace(p, buildings=buildings.loc[p.buildings.index]) for p in parts]
        lat, lon = study_latlon(study.osm.segments)
        eyes_dark = darkness_hours(
            lat,
            lon,
            int(config.eyes.reference_monday[:4]),
            timezone=config.general.timezone,
        )
    weekday = normalise_weekday(config.eyes.weekday)
    with timed(
        f"lighting + eyes on the street ({weekday}), {len(parts)} partitions", progress, timings
    ):
        futures = [
            client.submit(run_partition, client.scatter(p), config, eyes_dark, pure=False)
            for p in parts
        ]
        results: list[PartitionResult] = client.gather(futures)
    osm = study.osm
    segments = _concat([r.segments for r in results], osm.segments)
    lamps = _concat([r.lamps for r in results], osm.lamps)
    spaces = _concat([r.public_spaces for r in results], osm.public_spaces)
    dark = _rank_dark_paths([r.dark_paths for r in results], osm.segments)
    light_segments = segments
    darkness = darkness_hours(
        lat, lon, config.lighting.darkness_year, timezone=config.general.timezone
    )
    lighting = LightingResult(
        segments=light_segments,
        lamps=lamps,
        public_spaces=spaces,
        dark_paths=dark,
        darkness=darkness,
        class_shares=class_shares(light_segments),
        conflicts=conflict_counts(light_segments),
    )
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
        "task_seconds": [round(r.seconds, 2) for r in results],
        "core_segments": [len(p.core_segments) for p in parts],
        "halo_segments": [len(p.segments) for p in parts],
    }
    return lighting, eyes, info


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
    """:func:`safespaces.pipeline.run` with the per-segment stages on a dask cluster.

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
        Spatial partitions (default: 2 per worker, at least one per 60k segments).

    Returns
    -------
    RunResult
        As :func:`safespaces.pipeline.run`; ``run_metadata`` also records the
        engine, partitions and halo.
    """
    timings: dict[str, float] = {}
    if isinstance(inputs, Study):
        study = inputs
    else:
        study = load_study(inputs, config, progress=progress, timings=timings)
    engine: dict[str, Any] = {}

    def lighting_eyes(
        study: Study, out: Path, progress: Progress | None, timings: dict[str, float]
    ) -> tuple[LightingResult, stages.StageOutput, EyesResult, stages.StageOutput]:
        with client_for(scheduler, workers, processes=processes) as client:
            lighting, eyes, info = partitioned_stages(
                study, client, n_partitions=n_partitions, progress=progress, timings=timings
            )
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
        progress=progress,
        timings=timings,
        include_raw_points=include_raw_points,
        metadata={"engine": engine},
    )
