"""The dask engine: ``safespaces run --engine dask``.

The per-segment stages (lighting and eyes on the street) and the per-building
walking neighbourhoods of the social mix run on spatial partitions of the
study (:mod:`safespaces.partition`: grid, halo, cores), in parallel on a
``dask.distributed`` cluster; the area-level and global stages (tenure counts
into areas, global segregation indices and their permutation p-values,
incidents with Gi*, empirical-Bayes rates, FDR and the count model, the
composite score) need the whole city and run on the client, exactly as in
:func:`safespaces.pipeline.run`.

A task calls the families' ``analyse_*`` on its partition (core + halo) and
keeps the result's core rows; the client combines the partitions' results with
each family's ``Result.merge``. This module holds no family logic: the merged
results equal the single-process ones bit for bit (lighting samples each line
on its own and adds each point's lamps in lamp order, whatever else is in the
batch, :mod:`safespaces.lighting.illuminance`; dark paths are re-ranked in the
single-process order; the neighbourhood scores use the whole city's
composition). The darkness table is computed once, on the client, for the
whole study (a partition's own centre would give slightly different dawn and
dusk).

dask-geopandas
--------------
The partitioned study (:class:`PartitionedStudy`) is one
``dask_geopandas.GeoDataFrame`` per layer, partition k of each being core k
plus its halo (scattered to the cluster once). Lighting + eyes run on the k-th
partitions of six layers together, the walking neighbourhoods on the k-th
partitions of the segments and tenure layers (``to_delayed``); the tasks'
results are gathered on the client and merged.

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
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from safespaces import stages
from safespaces.config import Config
from safespaces.errors import ConfigError
from safespaces.eyes import EyesResult, normalise_weekday
from safespaces.eyes.analysis import analyse_eyes
from safespaces.lighting.analysis import LightingResult, analyse_lighting
from safespaces.lighting.lamps import study_register_cover
from safespaces.mix.analysis import MixResult
from safespaces.mix.buildings import analyse_neighbourhoods, city_counts
from safespaces.mix.params import MixParams
from safespaces.partition import (
    ACCESS,
    CORE,
    NODE,
    Cut,
    Partition,
    default_partitions,
    halo_m,
    partition_frames,
    partitions,
    regions,
)
from safespaces.pipeline import RunResult, default_out_dir, run_study
from safespaces.shortest_paths import limit_threads
from safespaces.store import (
    StoreIndex,
    read_index,
    read_partition,
    store_cuts,
    store_darkness,
    study_store,
)
from safespaces.study import Inputs, Study, load_study
from safespaces.timing import Progress, timed

#: Layers :func:`run_partition` takes, in order.
LIGHTING_EYES_LAYERS = ("segments", "lamps", "public_spaces", "buildings", "pois", "entrances")

#: dask settings of the partitioned stages: frames keep their pandas dtypes.
DASK_CONFIG = {"dataframe.convert-string": False}

#: Seconds to wait for a given scheduler before giving up with a clear error.
SCHEDULER_TIMEOUT_S = 10

#: Import names of the ``distributed`` extra (pyproject.toml) that the dask engine needs.
DASK_MODULES = ("dask", "distributed", "dask_geopandas", "pyarrow")


def require_dask() -> None:
    """Refuse the dask engine before any work when the ``distributed`` extra is missing."""
    missing = [name for name in DASK_MODULES if importlib.util.find_spec(name) is None]
    if missing:
        raise ConfigError(
            f"--engine dask needs the distributed extra ({', '.join(missing)} not installed). "
            "Fix: pip install 'safespaces[distributed]', or leave out --engine dask"
        )


@dataclasses.dataclass
class PartitionResult:
    """A task's results, cut to its core rows."""

    lighting: LightingResult
    eyes: EyesResult
    seconds: float
    #: The partition's number in the grid (:attr:`safespaces.partition.Cut.index`).
    index: int = 0


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
    darkness: pd.DataFrame,
    register_cover: shapely.Geometry | None = None,
) -> PartitionResult:
    """Lighting and eyes on one partition (core + halo); the core rows of each result.

    The frames are one partition of each layer of a :class:`PartitionedStudy`;
    ``segments``, ``lamps`` and ``public_spaces`` flag their core rows in
    :data:`~safespaces.partition.CORE`. ``darkness`` is the study's darkness
    table (:func:`safespaces.stages.study_darkness`), ``register_cover`` the
    study's lamp-register coverage (:func:`study_register_cover`; the partition's
    own register lamps span less). In a dask worker, the network kernel runs on
    the worker's threads (:func:`_kernel_threads`).
    """
    with _kernel_threads():
        start = time.perf_counter()
        core_seg = segments[CORE].to_numpy(dtype=bool)
        core_spaces = public_spaces[CORE].to_numpy(dtype=bool)
        lighting = analyse_lighting(
            segments.drop(columns=CORE),
            lamps.drop(columns=CORE),
            public_spaces.drop(columns=CORE),
            config.lighting,
            timezone=config.general.timezone,
            darkness=darkness,
            register_cover=register_cover,
        )
        # the modelled lamps leave out OSM lamps inside the register's coverage: own by index
        core_lamps = lighting.lamps.index.isin(lamps.index[lamps[CORE].to_numpy(dtype=bool)])
        eyes = analyse_eyes(
            lighting.segments,
            buildings,
            pois,
            entrances,
            config.eyes,
            lighting=lighting.segments,
            darkness=darkness,
        ).core(core_seg)
        # eyes adds its columns to the lit segments: the core segments travel once
        lit = lighting.core(core_seg, core_lamps, core_spaces, lit_segments=eyes.segments)
        return PartitionResult(lit, eyes, time.perf_counter() - start)


def partition_neighbourhoods(
    segments: gpd.GeoDataFrame,
    tenure: gpd.GeoDataFrame,
    groups: list[str],
    params: MixParams,
    city: np.ndarray,
) -> MixResult:
    """Walking-neighbourhood mix scores of one partition's core tenure buildings.

    ``tenure`` carries each building's node (:data:`~safespaces.partition.NODE`)
    and the distance to it (:data:`~safespaces.partition.ACCESS`), snapped on
    the whole network by the client, and its core flag; ``city`` is the whole
    city's dwellings per group. The scores of the core rows equal the
    single-process ones: every walk within the largest radius from a core
    building stays within that radius of its representative point, so inside
    the halo (see :func:`safespaces.partition.halo_m`).
    """
    with _kernel_threads():
        return analyse_neighbourhoods(
            segments,
            tenure,
            groups,
            params,
            nodes=tenure[NODE].to_numpy(),
            access_m=tenure[ACCESS].to_numpy(),
            city=city,
            core=tenure[CORE].to_numpy(dtype=bool),
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
            # the scheduler's HTTP routes (/health, /metrics) still listen: on a free port,
            # not dask's default 8787, which another cluster on the machine may hold
            scheduler_kwargs={"dashboard_address": ":0"},
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
        layer.spatial_partitions = gpd.GeoSeries(regions(parts, parted), crs=study.crs)
        layers[name] = layer
    cores = gpd.GeoSeries([shapely.box(*p.box) for p in parts], crs=study.crs)
    return PartitionedStudy(layers, cores, parts)


def partitioned_stages(
    study: Study,
    client: Any,
    *,
    n_partitions: int | None = None,
    halo: float | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[LightingResult, EyesResult, MixResult | None, dict[str, Any]]:
    """Lighting, eyes and walking neighbourhoods over spatial partitions on ``client``.

    Returns
    -------
    lighting, eyes
        The partitions' results merged (``LightingResult.merge``,
        ``EyesResult.merge``), equal to the local stages'.
    neighbourhoods
        The tenure buildings' walking neighbourhoods (``MixResult.merge`` of
        the partitions'), or None without building tenure.
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
) -> tuple[LightingResult, EyesResult, MixResult | None, dict[str, Any]]:
    import dask

    timings = {} if timings is None else timings
    config = study.config
    threads, memory_limit = cluster_size(client)
    with timed("partition", progress, timings):
        halo = halo_m(study) if halo is None else halo
        n = n_partitions or default_partitions(study, threads, memory_limit, halo)
        parts = partitions(study, n, halo)
        # largest first (the scheduler usually starts them first): the last round is the shortest
        parts.sort(key=lambda p: -len(p.segments))
        buildings = study.osm.buildings.assign(residents=stages.residents_from_tenure(study))
        parted = partitioned_study(study, parts, client, buildings=buildings)
        darkness = stages.study_darkness(study)
        cover = study_register_cover(study.osm.lamps, config.lighting)
    weekday = normalise_weekday(config.eyes.weekday)
    layers = parted.layers
    mix = "tenure" in layers
    label = f"lighting + eyes on the street ({weekday})"
    label += ", walking neighbourhoods" if mix else ""
    with timed(f"{label}, {len(parts)} partitions", progress, timings):
        run = dask.delayed(run_partition, pure=True)
        inputs = zip(*(layers[name].to_delayed() for name in LIGHTING_EYES_LAYERS), strict=True)
        tasks = client.compute([run(*frames, config, darkness, cover) for frames in inputs])
        walks = []
        if mix:
            assert study.tenure is not None
            groups = stages.tenure_groups(study)
            city = city_counts(study.tenure, groups)
            walk = dask.delayed(partition_neighbourhoods, pure=True)
            pairs = zip(layers["segments"].to_delayed(), layers["tenure"].to_delayed(), strict=True)
            walks = client.compute([walk(s, t, groups, config.mix, city) for s, t in pairs])
        results: list[PartitionResult] = client.gather(tasks)
        neighbourhoods = None
        if mix:
            assert study.tenure is not None
            neighbourhoods = MixResult.merge(client.gather(walks), study.tenure.index)
        del tasks, walks
    lighting = LightingResult.merge(
        [r.lighting for r in results], study.osm.segments, config.lighting.sample_spacing_m
    )
    # the lighting parts carry the eyes columns (``lit_segments``), and the merged lighting
    # result set the study-wide lamp-data classes and coverage: its segments are the study's
    eyes = EyesResult.merge(
        [r.eyes for r in results], study.osm.pois, config.eyes, segments=lighting.segments
    )
    info = {
        "partitions": len(parts),
        "halo_m": halo,
        "task_seconds": [round(float(r.seconds), 2) for r in results],
        "core_segments": [len(p.core_segments) for p in parts],
        "halo_segments": [len(p.segments) for p in parts],
    }
    if mix:
        info["core_tenure_buildings"] = [
            len(p.core_tenure) for p in parts if p.core_tenure is not None
        ]
        info["halo_tenure_buildings"] = [len(p.tenure) for p in parts if p.tenure is not None]
    return lighting, eyes, neighbourhoods, info


def store_partition(index: StoreIndex, cut: Cut, darkness: pd.DataFrame) -> PartitionResult:
    """Lighting and eyes on one partition that the task reads itself from the store."""
    seg, lamps, spaces, buildings, pois, doors = read_partition(index, cut, LIGHTING_EYES_LAYERS)
    result = run_partition(
        seg, lamps, spaces, buildings, pois, doors, index.config, darkness, index.register_cover
    )
    return dataclasses.replace(result, index=cut.index)


def store_neighbourhoods(index: StoreIndex, cut: Cut) -> MixResult:
    """Walking neighbourhoods of one partition's core tenure buildings, read from the store."""
    segments, tenure = read_partition(index, cut, ("segments", "tenure"))
    return partition_neighbourhoods(segments, tenure, index.groups, index.config.mix, index.city)


def cluster_size(client: Any) -> tuple[int, float | None]:
    """Worker threads of the cluster, and the smallest worker memory limit (None: unlimited)."""
    info_workers = client.scheduler_info().get("workers", {}).values()
    threads = max(1, sum(int(w.get("nthreads", 1) or 1) for w in info_workers))
    limits = [float(w.get("memory_limit") or 0) for w in info_workers]
    return threads, (min(limits) if limits and all(limits) else None)


def partitioned_stages_from_store(
    store: Path | StoreIndex,
    client: Any,
    *,
    n_partitions: int | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[LightingResult, EyesResult, MixResult | None, dict[str, Any]]:
    """:func:`partitioned_stages` with tasks that read their own partitions from a store.

    The client reads only the store's index (:class:`safespaces.store.StoreIndex`:
    figures and the segments' midpoints) to plan the partitions; each task reads
    its core + halo from the store's GeoParquet files by its reach box
    (:func:`safespaces.store.read_partition`), so neither the client nor any
    worker holds the whole study. The store's folder must be readable by every
    worker at the same path (shared or object storage on a real cluster:
    ``docs/scale.md``). Returns as :func:`partitioned_stages`; the results
    equal the local engine's on the study the store was written from.
    """
    from distributed import as_completed

    timings = {} if timings is None else timings
    index = store if isinstance(store, StoreIndex) else read_index(store)
    threads, memory_limit = cluster_size(client)
    with timed("partition (from the store's index)", progress, timings):
        cuts, halo = store_cuts(index, threads, memory_limit, n_partitions)
        darkness = store_darkness(index)
    label = f"lighting + eyes on the street ({normalise_weekday(index.config.eyes.weekday)})"
    label += ", walking neighbourhoods" if index.walking else ""
    with timed(f"{label}, {len(cuts)} partitions read by their tasks", progress, timings):
        tasks = [client.submit(store_partition, index, cut, darkness, pure=False) for cut in cuts]
        if index.walking:
            tasks += [client.submit(store_neighbourhoods, index, cut, pure=False) for cut in cuts]
        results: list[PartitionResult] = []
        walks: list[MixResult] = []
        # fetch each result as it is done: a worker keeps a result until it is fetched, and
        # a worker at 80 % of its memory limit pauses (runs no task) until it has less
        for future in as_completed(tasks):
            part = future.result()
            (results if isinstance(part, PartitionResult) else walks).append(part)
            future.release()
        del tasks
        neighbourhoods = None
        if walks:
            rows = int(index.layers["tenure"]["rows"])
            neighbourhoods = MixResult.merge(walks, pd.RangeIndex(rows))
        # the merges put rows back in study order; the task list in the partitions' order
        results.sort(key=lambda r: r.index)
    lighting = LightingResult.merge(
        [r.lighting for r in results],
        results[0].lighting.segments.iloc[:0],
        index.config.lighting.sample_spacing_m,
    )
    # the premises table is study-wide: three attribute columns of the POIs, no geometry
    pois = index.table("pois", ["poi_key", "category", "opening_hours"])
    eyes = EyesResult.merge(
        [r.eyes for r in results], pois, index.config.eyes, segments=lighting.segments
    )
    info = {
        "partitions": len(cuts),
        "halo_m": halo,
        "store": str(index.folder),
        "task_seconds": [round(float(r.seconds), 2) for r in results],
    }
    return lighting, eyes, neighbourhoods, info


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
    store: Path | None = None,
    formats: Sequence[str] = (),
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
    store
        A store folder (:mod:`safespaces.store`): the tasks read their own
        partitions from it (:func:`partitioned_stages_from_store`) instead of
        receiving them from the client. Written from the study when the folder
        is missing or empty; an existing store must be of this study
        (:func:`same_study`). On a cluster every worker must read it at the same path.
    formats
        Formats written beside the GeoPackage (as :func:`safespaces.pipeline.run`).

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
    computed: dict[str, MixResult | None] = {}

    def neighbourhoods(study: Study) -> MixResult:
        walks = computed.get("neighbourhoods")
        return stages.walking_neighbourhoods(study) if walks is None else walks

    def lighting_eyes(
        study: Study, out: Path | None, progress: Progress | None, timings: dict[str, float]
    ) -> tuple[LightingResult, stages.StageOutput, EyesResult, stages.StageOutput]:
        index = None if store is None else study_store(study, store, progress, timings)
        with client_for(scheduler, workers, processes=processes) as client:
            if index is not None:
                lighting, eyes, walks, info = partitioned_stages_from_store(
                    index, client, n_partitions=n_partitions, progress=progress, timings=timings
                )
            else:
                lighting, eyes, walks, info = partitioned_stages(
                    study, client, n_partitions=n_partitions, progress=progress, timings=timings
                )
        computed["neighbourhoods"] = walks
        engine.update({"name": "dask", "scheduler": scheduler or "LocalCluster", **info})
        files = stages.write_lighting_raster(
            study, lighting, out, progress=progress, timings=timings
        )
        return lighting, stages.StageOutput.of(lighting, files), eyes, stages.StageOutput.of(eyes)

    return run_study(
        study,
        out_dir or default_out_dir(study.config),
        lighting_eyes=lighting_eyes,
        neighbourhoods=neighbourhoods,
        progress=progress,
        timings=timings,
        include_raw_points=include_raw_points,
        metadata={"engine": engine},
        formats=formats,
    )
