"""One command for the scale benchmarks: workloads, stage times, peak memory, peers.

Run::

    python3 benchmarks/run.py [--sizes 1,4,10] [--peers] [--quick] [--dask-sizes 10]

Workloads are the embedded Helsinki default (k = 1) and synthetic cities made by
tiling it k x k with the tiles joined into one network
(:func:`safespaces.tiling.tiled_study`). Every measurement runs in its own
subprocess (``--job``), so peak memory is that job's alone: a sampler thread reads
the resident memory of the job's process tree (dask workers included) every
50 ms and keeps the peak of each stage; ``ru_maxrss`` gives the job's overall peak.

Rows:

- ``ours k``: ``safespaces run`` stages on the k x k city (``pipeline.run`` with
  the tiled study in place of the files);
- ``dask k``: the same with ``--engine dask`` on a LocalCluster of ``--workers``
  processes;
- peers on identical inputs (``--peers``): loading (pyrosm, osmnx; the real
  PBF only), network measures (cityseer, pandana) beside our flow kernel on the
  same node graph, tenure indices (PySAL ``segregation``) on the same area
  counts, Gi* (esda) with the same weights, street frontage openness (momepy
  ``street_profile``, ``benchmarks/bench_frontage.py``). With ``--quick`` cityseer
  is not run above k1 and its time is extrapolated (marked so).

Every tool is timed the same way (issue 21): imports and first-call work (numba
compilation or cache loads, lazy imports) are outside every stopwatch, ours and the
peers' alike, and shown apart where they exist (``*_first_s``); timings under a
second are repeated and their median reported; loading is also timed in fresh
processes, imports included, for every loader. Each job's docstring states what
each peer does more or less than ours.

Prints Markdown tables and writes ``benchmarks/out/results.json``. Timings on a
shared 2-core machine are noisy: compare ratios, not single seconds; the peer
jobs also report CPU time (all threads of the process), which load disturbs less.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out" / "results.json"
#: The embedded Helsinki default's OSM extract (``safespaces.synthetic.DEFAULT_OSM``).
PBF = ROOT / "safespaces" / "data" / "helsinki" / "helsinki.osm.pbf"
RADII = (400, 800)


# --- memory -----------------------------------------------------------------------------------


def tree_rss() -> int:
    """Resident bytes of this process and all its descendants."""
    import psutil

    proc = psutil.Process()
    total = 0
    for p in [proc, *proc.children(recursive=True)]:
        with suppress(psutil.Error):
            total += p.memory_info().rss
    return total


class Sampler:
    """Peak resident memory of the process tree, per named stage."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval = interval
        self.stage = "start"
        self.peaks: dict[str, int] = {}
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            rss = tree_rss()
            self.peak = max(self.peak, rss)
            self.peaks[self.stage] = max(self.peaks.get(self.stage, 0), rss)
            time.sleep(self.interval)

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def progress(self, message: str) -> None:
        """A pipeline progress callback: ``name ...`` opens a stage."""
        if message.endswith(" ..."):
            self.stage = message[:-4]


@contextmanager
def stopwatch(into: dict[str, float], name: str) -> Iterator[None]:
    """Wall time into ``into[name]``, CPU time of the process (all threads) into ``name_cpu``."""
    start = time.perf_counter()
    cpu = time.process_time()
    yield
    into[name] = time.perf_counter() - start
    into[f"{name}_cpu"] = time.process_time() - cpu


#: Calls per side for the millisecond jobs (mix, gistar): the median is reported.
SHORT_REPEATS = 25


def median_time(call: Callable[[], Any], repeats: int = SHORT_REPEATS) -> tuple[float, Any]:
    """Median wall seconds of ``repeats`` calls after one untimed call (first-call work:
    lazy imports, numba's compilation or cache load), and the last result."""
    import statistics

    result = call()
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        result = call()
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), result


@contextmanager
def fresh_temp_dir(folder: Path) -> Iterator[Path]:
    """The temp dir is the new, empty ``folder`` for the block.

    pyrosm caches each read's result under the temp dir (with pyarrow installed), so a
    second read of the same file would time its cache, not its reader.
    """
    import tempfile

    folder.mkdir(parents=True)
    saved, tempfile.tempdir = tempfile.tempdir, str(folder)
    try:
        yield folder
    finally:
        tempfile.tempdir = saved


def gb(n: float) -> float:
    return round(n / 1e9, 2)


# --- jobs (each in its own subprocess) -----------------------------------------------------------


def job_ours(k: int, engine: str, workers: int) -> dict[str, Any]:
    """Every ``safespaces run`` stage on the k x k city."""
    import tempfile
    from unittest import mock

    from safespaces import pipeline
    from safespaces.config import Config
    from safespaces.tiling import tiled_study

    timings: dict[str, float] = {}
    with Sampler() as sampler, tempfile.TemporaryDirectory() as tmp:
        sampler.stage = "build city"
        with stopwatch(timings, "build city"):
            # k = 1 reads the files like `safespaces run`; its read time is in "read OSM" etc.
            study = tiled_study(k) if k > 1 else None
        sampler.stage = "run"
        start = time.perf_counter()
        if engine == "dask":
            from safespaces.distributed import run_dask

            target = study if study is not None else pipeline.Inputs()
            result = run_dask(
                target, Config(), Path(tmp), workers=workers, progress=sampler.progress
            )
        elif study is not None:
            with mock.patch.object(pipeline, "load_study", return_value=study):
                result = pipeline.run(
                    pipeline.Inputs(), Config(), Path(tmp), progress=sampler.progress
                )
        else:
            result = pipeline.run(pipeline.Inputs(), Config(), Path(tmp), progress=sampler.progress)
        run_s = time.perf_counter() - start
    stages = {**timings, **result.timings}
    return {
        "job": engine,
        "k": k,
        "segments": result.summary["street segments"],
        "buildings": result.summary["buildings"],
        "lamps": result.summary["lamps"],
        "areas": result.summary["areas"],
        "run_s": round(run_s, 2),
        "stage_s": {name: round(v, 2) for name, v in stages.items()},
        "stage_peak_gb": {name: gb(v) for name, v in sampler.peaks.items()},
        "peak_gb": gb(max(sampler.peak, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024)),
    }


def _city_segments(k: int) -> Any:
    from safespaces.tiling import tiled_study

    return tiled_study(k)


def job_network(k: int, quick: bool, repeats: int | None = None) -> dict[str, Any]:
    """Our flow kernel beside pandana and cityseer on the same node graph.

    Every tool is timed the same way: its imports done beforehand (cityseer's
    ``metrics.networks`` included, which :func:`bench_eyes.cityseer_closeness` imports
    inside its call), then its first call in the process (``*_first_s``: ours includes
    numba loading the compiled kernel from its cache, the only first-call cost among the
    three; pandana and cityseer have none left), then, at k1 where a call is under a
    second, the median of ``repeats`` further calls (``*_s``; at k > 1 one call, so
    ``*_s`` is the first call). Extra or missing work per tool: ours computes density,
    harmonic and gravity sums at both radii in one pass; pandana only the density
    (flat sum) and builds its contraction hierarchy in the timing; cityseer's "build"
    includes our ``node_graph`` and a networkx graph (its own input route). cityseer is
    skipped only with ``--quick`` above k1, and then its time is extrapolated from its
    k1 run in this job (centrality as N^1.5, build as N; marked ``extrapolated``).
    """
    import statistics

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import pandana
    import pandas as pd

    from safespaces.eyes.flow import node_graph
    from safespaces.shortest_paths import radius_sums

    reps = repeats if repeats is not None else (5 if k == 1 else 0)
    study = _city_segments(k)
    segments = study.osm.segments

    def ours() -> tuple[Any, dict[str, Any]]:
        graph = node_graph(segments)
        return graph, radius_sums(graph.matrix, RADII, weights=graph.length, xy=graph.xy)

    def pandana_sums() -> dict[int, Any]:
        # contraction hierarchies; sum of node weights within r (flat), source included
        nodes = pd.DataFrame({"x": graph.xy[:, 0], "y": graph.xy[:, 1]})
        edges = pd.DataFrame(
            {"from": graph.u, "to": graph.v, "w": segments["length_m"].to_numpy(float)}
        )
        edges = edges[edges["from"] != edges["to"]]
        net = pandana.Network(
            nodes["x"], nodes["y"], edges["from"], edges["to"], edges[["w"]], twoway=True
        )
        net.precompute(max(RADII))
        net.set(pd.Series(np.arange(len(nodes))), variable=graph.length, name="w")
        return {r: net.aggregate(r, type="sum", decay="flat", name="w").to_numpy() for r in RADII}

    def timed_calls(name: str, call: Callable[[], Any]) -> Any:
        """First call, then ``reps`` more: medians into ``out``; the first call's result."""
        first: dict[str, float] = {}
        with stopwatch(first, name):
            result = call()
        walls, cpus = [first[name]], [first[f"{name}_cpu"]]
        for _ in range(reps):
            again: dict[str, float] = {}
            with stopwatch(again, name):
                call()
            walls.append(again[name])
            cpus.append(again[f"{name}_cpu"])
        warm_w, warm_c = (walls[1:], cpus[1:]) if reps else (walls, cpus)
        out[f"{name}_first_s"] = round(walls[0], 3)
        out[f"{name}_s"] = round(statistics.median(warm_w), 3)
        out[f"{name}_cpu_s"] = round(statistics.median(warm_c), 3)
        out[f"{name}_all_s"] = [round(w, 3) for w in walls]
        return result

    out: dict[str, Any] = {"job": "network", "k": k, "edges": len(segments), "repeats": reps}
    graph, mine = timed_calls("ours", ours)
    out["nodes"] = len(graph.xy)
    theirs = timed_calls("pandana", pandana_sums)
    cmp = {}
    for r in RADII:
        ours_r = mine[f"density_{r}"] + graph.length  # pandana counts the source itself
        rel = np.abs(ours_r - theirs[r]) / np.maximum(np.abs(theirs[r]), 1e-12)
        cmp[f"density_{r}"] = {
            "median_rel_diff": float(np.median(rel)),
            "p99_rel_diff": float(np.quantile(rel, 0.99)),
            "share_rel_diff_gt_1e-3": float((rel > 1e-3).mean()),
        }
    out["pandana_vs_ours"] = cmp
    import bench_eyes  # the eyes engineer's cityseer wrapper (same graph)
    import cityseer.metrics.networks  # noqa: F401  (imported inside cityseer_closeness)

    if quick and k > 1:
        small = _city_segments(1).osm.segments
        n1 = len(node_graph(small).xy)
        _, t_build, t_cs = bench_eyes.cityseer_run(small, True)
        ratio = len(graph.xy) / n1
        out["cityseer_extrapolated"] = True
        out["cityseer_s"] = round(t_cs * ratio**1.5, 1)
        out["cityseer_build_s"] = round(t_build * ratio, 1)
        out["cityseer_note"] = (
            f"--quick: not run; extrapolated from its k1 run in this job ({n1} nodes: "
            f"{t_cs:.2f} s centrality as N^1.5, {t_build:.2f} s build as N)"
        )
        return out
    runs = [bench_eyes.cityseer_run(segments, True) for _ in range(1 + reps)]
    theirs_cs = runs[0][0]
    warm = runs[1:] or runs
    out["cityseer_first_s"] = round(runs[0][2], 3)
    out["cityseer_build_s"] = round(statistics.median(r[1] for r in warm), 3)
    out["cityseer_s"] = round(statistics.median(r[2] for r in warm), 3)
    table = bench_eyes.compare(mine, theirs_cs)
    out["cityseer_vs_ours"] = table.to_dict(orient="records")
    return out


def job_mix(k: int) -> dict[str, Any]:
    """Global tenure indices: ours beside PySAL segregation on the same area counts."""
    import pandas as pd

    from safespaces.mix import indices
    from safespaces.mix.buildings import aggregate_buildings
    from safespaces.stages import tenure_groups

    study = _city_segments(k)
    groups = tenure_groups(study)
    assert study.tenure is not None
    counts = aggregate_buildings(study.tenure, study.areas, groups)[groups]
    counts = counts[counts.sum(axis=1) > 0].reset_index(drop=True)
    arr = counts.to_numpy(float)
    from segregation import multigroup as mg

    def ours_indices() -> dict[str, float]:
        return {
            "multigroup_dissimilarity": indices.multigroup_dissimilarity(arr),
            "theil_h": indices.theil_h(arr),
            "multigroup_gini": indices.multigroup_gini(arr),
            "simpsons_interaction": indices.simpsons_interaction(arr),
        }

    df = pd.DataFrame(arr, columns=groups)

    def pysal_indices() -> dict[str, float]:
        return {
            "multigroup_dissimilarity": mg.MultiDissim(df, groups).statistic,
            "theil_h": mg.MultiInfoTheory(df, groups).statistic,
            "multigroup_gini": mg.MultiGini(df, groups).statistic,
            "simpsons_interaction": mg.SimpsonsInteraction(df, groups).statistic,
        }

    times: dict[str, float] = {}
    times["ours"], ours = median_time(ours_indices)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        times["pysal"], theirs = median_time(pysal_indices)
    return {
        "job": "mix",
        "k": k,
        "areas": len(df),
        "repeats": SHORT_REPEATS,
        "ours_s": round(times["ours"], 6),
        "pysal_s": round(times["pysal"], 6),
        "max_abs_diff": float(max(abs(ours[i] - theirs[i]) for i in ours)),
        "values": {i: [float(ours[i]), float(theirs[i])] for i in ours},
    }


def job_gistar(k: int) -> dict[str, Any]:
    """Gi* z-scores: ours beside esda G_Local on the same weights and counts."""
    from safespaces.incidents.hotspots import contiguity_weights, gi_star_z

    study = _city_segments(k)
    assert study.incidents is not None
    areas = study.areas
    joined = study.incidents.points.sjoin(areas[["geometry"]], predicate="within")
    y = np.bincount(joined["index_right"].to_numpy(), minlength=len(areas)).astype(float)
    w = contiguity_weights(areas)
    from esda.getisord import G_Local
    from libpysal.weights import WSP

    wsp = WSP(w).to_W(silence_warnings=True)
    times: dict[str, float] = {}
    times["ours"], z = median_time(lambda: gi_star_z(y, w))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # esda's first call compiles numba code: the untimed call of median_time
        times["esda"], g = median_time(
            lambda: G_Local(y, wsp, star=True, permutations=0, transform="B")
        )
    return {
        "job": "gistar",
        "k": k,
        "areas": len(areas),
        "repeats": SHORT_REPEATS,
        "ours_s": round(times["ours"], 6),
        "esda_s": round(times["esda"], 6),
        "max_abs_diff_z": float(np.nanmax(np.abs(z - g.Zs))),
    }


#: The loaders compared on the real PBF (:func:`job_load`): what each call does.
LOADERS = {
    "ours": "safespaces `load_osm`: every layer (walking segments split at intersections, "
    "buildings, POIs, entrances, lamps, spaces, cameras, places), the metric CRS chosen from "
    "the data (a time-zone lookup), reprojected",
    "pyrosm_network": "pyrosm `OSM(pbf).get_network('walking')`: walking ways (not split at "
    "intersections), EPSG:4326, no other layer",
    "pyrosm_all": "pyrosm network + `get_buildings()` + `get_pois()` on one reader (the later "
    "calls reuse the parsed blocks), EPSG:4326, no lamps, entrances, spaces or cameras",
}


def load_call(tool: str, temp: Path) -> Any:
    """One loader of :data:`LOADERS` on the real PBF (``temp``: an empty folder, made
    here, for pyrosm's cache); its imports happen inside the call."""
    if tool == "ours":
        from safespaces.sources.osm import load_osm

        return len(load_osm(PBF).segments)
    import pyrosm

    with fresh_temp_dir(temp):
        reader = pyrosm.OSM(str(PBF))
        net = reader.get_network("walking")
        if tool == "pyrosm_all":
            reader.get_buildings()
            reader.get_pois()
    return len(net)


def job_load_once(tool: str) -> dict[str, Any]:
    """One loader in this (fresh) process, imports included: see :func:`job_load`."""
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        start = time.perf_counter()
        count = load_call(tool, Path(tmp) / "cache")
        took = time.perf_counter() - start
    return {"job": "load-once", "tool": tool, "s": round(took, 3), "count": count}


def job_load(repeats: int = 5) -> dict[str, Any]:
    """Reading the real PBF: ours (everything) beside pyrosm and osmnx (network only),
    every tool timed the same way, in two settings (the median of ``repeats`` each):

    - ``fresh``: each loader in a new interpreter, alternated; the wall time of the
      whole process (interpreter start, every import, first-call costs such as numba's
      cache loads, pyproj's database, the time-zone lookup's polygons), as a script would
      wait for it;
    - ``warm``: in this process after one untimed call of each loader (imports and
      first-call costs paid), alternated rounds.

    Before issue 21 ours was timed after its imports and first in the process, while
    pyrosm's first call in the process paid its lazy work inside its stopwatch; the
    ``warm`` rows are the like-for-like measure now.
    """
    import statistics
    import tempfile

    import osmium

    from safespaces.synthetic import DEFAULT_OSM

    assert DEFAULT_OSM.resolve() == PBF.resolve()
    tools = list(LOADERS)
    fresh: dict[str, list[float]] = {t: [] for t in tools}
    for i in range(repeats):
        for tool in tools[i % len(tools) :] + tools[: i % len(tools)]:
            row = spawn(["load-once", tool], timeout=600)
            if "error" in row:
                raise RuntimeError(f"load-once {tool}: {row['error']}")
            fresh[tool].append(row["process_wall_s"])
    warm: dict[str, list[float]] = {t: [] for t in tools}
    counts: dict[str, int] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for tool in tools:  # imports and first-call costs, not timed
            counts[tool] = load_call(tool, Path(tmp) / f"warm-{tool}")
        for i in range(repeats):
            for tool in tools[i % len(tools) :] + tools[: i % len(tools)]:
                start = time.perf_counter()
                load_call(tool, Path(tmp) / f"{tool}-{i}")
                warm[tool].append(time.perf_counter() - start)
        xml = Path(tmp) / "helsinki.osm"
        with osmium.SimpleWriter(str(xml)) as writer:
            for obj in osmium.FileProcessor(str(DEFAULT_OSM)):
                writer.add(obj)
        import osmnx as ox

        start_ox = time.perf_counter()
        osmnx: dict[str, Any] = {}
        try:
            g = ox.graph_from_xml(xml, simplify=False, retain_all=True)
            osmnx = {
                "osmnx_network_s": round(time.perf_counter() - start_ox, 3),
                "osmnx_edges": g.number_of_edges(),
            }
        except ValueError as exc:  # osmnx refuses ways clipped at the extract's edge
            osmnx = {"osmnx_error": f"{exc} (after {time.perf_counter() - start_ox:.2f} s)"}
        # the same extract with only the highway ways whose nodes are all in it (osmnx's
        # own input rule), written beforehand and not timed
        present = {n.id for n in osmium.FileProcessor(str(DEFAULT_OSM), osmium.osm.NODE)}
        complete = Path(tmp) / "helsinki_complete_ways.osm"
        kept = dropped = 0
        with osmium.SimpleWriter(str(complete)) as writer:
            for obj in osmium.FileProcessor(str(DEFAULT_OSM)):
                if isinstance(obj, osmium.osm.Node):
                    writer.add(obj)
                elif isinstance(obj, osmium.osm.Way) and "highway" in obj.tags:
                    if all(ref.ref in present for ref in obj.nodes):
                        writer.add(obj)
                        kept += 1
                    else:
                        dropped += 1
        # osmnx warmed like the others (its first call above), then the median of 3
        ox_times = []
        for _ in range(3):
            start = time.perf_counter()
            g = ox.graph_from_xml(complete, simplify=True, retain_all=True)
            ox_times.append(time.perf_counter() - start)
        osmnx.update(
            osmnx_complete_s=round(statistics.median(ox_times), 3),
            osmnx_complete_edges=g.number_of_edges(),
            osmnx_complete_ways=kept,
            osmnx_clipped_ways_dropped=dropped,
        )
    return {
        "job": "load",
        "k": 1,
        "repeats": repeats,
        "what": LOADERS,
        "fresh_s": {t: round(statistics.median(v), 3) for t, v in fresh.items()},
        "fresh_all_s": {t: [round(x, 3) for x in v] for t, v in fresh.items()},
        "warm_s": {t: round(statistics.median(v), 3) for t, v in warm.items()},
        "warm_all_s": {t: [round(x, 3) for x in v] for t, v in warm.items()},
        "ours_segments": counts["ours"],
        "pyrosm_edges": counts["pyrosm_network"],
        **osmnx,
    }


# --- driver -------------------------------------------------------------------------------------


def spawn(args: list[str], timeout: float) -> dict[str, Any]:
    """Run one job in a fresh interpreter; its JSON is the last line of stdout."""
    cmd = [sys.executable, str(Path(__file__).resolve()), "--job", *args]
    start = time.perf_counter()
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"job": args[0], "error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - start
    # progress bars (cityseer) may share the line: take the JSON from its first brace
    lines = [line[line.index('{"job"') :] for line in proc.stdout.splitlines() if '{"job"' in line]
    if proc.returncode != 0 or not lines:
        return {"job": args[0], "error": proc.stderr.strip().splitlines()[-5:]}
    result: dict[str, Any] = json.loads(lines[-1])
    result["process_wall_s"] = round(wall, 2)
    return result


def machine() -> dict[str, Any]:
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    mem = 0
    meminfo = Path("/proc/meminfo")
    if meminfo.exists():
        mem = int(meminfo.read_text().split()[1]) * 1024
    versions: dict[str, str | None] = {}
    for name in (
        "safespaces",
        "numpy",
        "scipy",
        "pandas",
        "geopandas",
        "shapely",
        "dask",
        "distributed",
        "dask-geopandas",
        "cityseer",
        "pandana",
        "segregation",
        "esda",
        "pyrosm",
        "osmnx",
        "osmium",
    ):
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gb": gb(mem),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": versions,
    }


def markdown(results: dict[str, Any]) -> str:
    lines = []
    runs = [r for r in results["runs"] if "error" not in r]
    if runs:
        stages = list(
            dict.fromkeys(s for r in runs for s in r["stage_s"] if not s.endswith("_cpu"))
        )
        head = ["stage"] + [f"{r['job']} k{r['k']}" for r in runs]
        lines += ["| " + " | ".join(head) + " |", "|" + " --- |" + " ---: |" * len(runs)]
        for s in stages:
            cells = []
            for r in runs:
                t = r["stage_s"].get(s)
                m = r["stage_peak_gb"].get(s)
                cells.append("" if t is None else f"{t:.1f} s" + (f" / {m:.1f} GB" if m else ""))
            lines.append(f"| {s} | " + " | ".join(cells) + " |")
        lines.append(
            "| **run (end to end)** | " + " | ".join(f"**{r['run_s']:.0f} s**" for r in runs) + " |"
        )
        lines.append(
            "| **peak memory** | " + " | ".join(f"**{r['peak_gb']:.1f} GB**" for r in runs) + " |"
        )
        lines.append(
            "| segments / buildings / lamps | "
            + " | ".join(f"{r['segments']} / {r['buildings']} / {r['lamps']}" for r in runs)
            + " |"
        )
    peers = [p for p in results["peers"] if "error" not in p]
    net = [p for p in peers if p["job"] == "network"]
    if net:
        lines += [
            "",
            "| network (400 + 800 m) | nodes | ours (wall / CPU; first call) |"
            " pandana (wall / CPU; first call) | cityseer (centrality + build) |"
            " ours vs pandana density, p99 rel. diff | ours vs cityseer, max rel. diff |",
            "| --- | ---: | ---: | ---: | ---: | ---: | ---: |",
        ]
        for p in net:
            cs = (
                f"{p['cityseer_s']:.1f} + {p['cityseer_build_s']:.1f} s"
                + (" (extrapolated)" if p.get("cityseer_extrapolated") else "")
                if "cityseer_s" in p
                else "skipped"
            )
            cs_diff = (
                f"{max(r['max_rel_diff'] for r in p['cityseer_vs_ours']):.1e}"
                if "cityseer_vs_ours" in p
                else ""
            )
            pd_diff = max(v["p99_rel_diff"] for v in p["pandana_vs_ours"].values())
            lines.append(
                f"| k{p['k']} | {p['nodes']} | "
                f"{p['ours_s']:.2f} / {p.get('ours_cpu_s', 0):.2f} s; "
                f"{p.get('ours_first_s', p['ours_s']):.2f} s | "
                f"{p['pandana_s']:.2f} / {p.get('pandana_cpu_s', 0):.2f} s; "
                f"{p.get('pandana_first_s', p['pandana_s']):.2f} s | "
                f"{cs} | {pd_diff:.1e} | {cs_diff} |"
            )
        reps = sorted({p.get("repeats", 0) for p in net})
        lines.append(
            f"\nEvery tool's imports done beforehand; at sizes with repeats ({reps}) the "
            "median of the calls after the first; the first call (ours: numba's kernel load "
            "included) beside it."
        )
    for job, peer, label in (("mix", "pysal", "segregation"), ("gistar", "esda", "esda G_Local")):
        rows = [p for p in peers if p["job"] == job]
        if rows:
            diff = "max_abs_diff" if job == "mix" else "max_abs_diff_z"
            lines += [
                "",
                f"| {job} (median of {rows[0].get('repeats', 1)} calls after a warm-up) | areas |"
                f" ours | {label} | max abs. diff |",
                "| --- | ---: | ---: | ---: | ---: |",
            ]
            for p in rows:
                lines.append(
                    f"| k{p['k']} | {p['areas']} | {p['ours_s'] * 1000:.2f} ms | "
                    f"{p[f'{peer}_s'] * 1000:.2f} ms | {p[diff]:.1e} |"
                )
    front = [p for p in peers if p["job"] == "frontage"]
    if front:
        lines += [
            "",
            "| frontage openness | segments / samples | ours (wall / CPU) | momepy (wall / CPU) |"
            " abs. diff median / p99 | same, momepy's end ticks removed |",
            "| --- | ---: | ---: | ---: | ---: | ---: |",
        ]
        for p in front:
            lines.append(
                f"| k{p['k']} | {p['segments']} / {p['samples']} | "
                f"{p['ours_s']:.1f} / {p['ours_cpu_s']:.1f} s | "
                f"{p['momepy_s']:.1f} / {p['momepy_cpu_s']:.1f} s | "
                f"{p['median_abs_diff']:.3f} / {p['p99_abs_diff']:.3f} | "
                f"{p['interior_median_abs_diff']:.3f} / {p['interior_p99_abs_diff']:.3f} |"
            )
    load = [p for p in peers if p["job"] == "load"]
    for p in load:
        if "warm_s" not in p:  # a results.json from before issue 21
            continue
        fresh, warm = p["fresh_s"], p["warm_s"]
        lines += [
            "",
            f"| loading the real PBF (k1), median of {p['repeats']} | fresh process (s) |"
            " warm, in process (s) | what |",
            "| --- | ---: | ---: | --- |",
            f"| ours (pyosmium) | {fresh['ours']:.2f} | {warm['ours']:.2f} | all layers, "
            f"{p['ours_segments']} segments |",
            f"| pyrosm | {fresh['pyrosm_network']:.2f} | {warm['pyrosm_network']:.2f} | "
            f"walking network ({p['pyrosm_edges']} ways) |",
            f"| pyrosm | {fresh['pyrosm_all']:.2f} | {warm['pyrosm_all']:.2f} | "
            "network + buildings + POIs |",
            f"| osmnx (XML) | | {p['osmnx_network_s']:.2f} (first call) | all-highway graph "
            f"({p['osmnx_edges']} edges) |"
            if "osmnx_edges" in p
            else f"| osmnx (XML) | | failed | {p['osmnx_error']} |",
        ]
        if "osmnx_complete_s" in p:
            lines.append(
                f"| osmnx (XML, complete highway ways) | | {p['osmnx_complete_s']:.2f} | "
                f"simplified graph of {p['osmnx_complete_ways']} highway ways "
                f"({p['osmnx_complete_edges']} directed edges; "
                f"{p['osmnx_clipped_ways_dropped']} clipped ways left out beforehand) |"
            )
    errors = [r for r in results["runs"] + results["peers"] if "error" in r]
    for e in errors:
        lines.append(f"\nerror in {e['job']}: {e['error']}")
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,4,10", help="tiles per side, comma-separated")
    parser.add_argument("--dask-sizes", default="10", help="sizes also run with --engine dask")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--peers", action="store_true", help="run the peers side by side")
    parser.add_argument("--quick", action="store_true", help="skip slow peers above k1")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--job", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument(
        "--render", action="store_true", help="print the tables of an earlier --out and stop"
    )
    args = parser.parse_args()
    if args.render:
        print(markdown(json.loads(args.out.read_text())))
        return 0
    if args.job:
        name, *rest = args.job
        if name in ("local", "dask"):
            result = job_ours(int(rest[0]), name, args.workers)
        elif name == "network":
            result = job_network(int(rest[0]), args.quick)
        elif name == "mix":
            result = job_mix(int(rest[0]))
        elif name == "gistar":
            result = job_gistar(int(rest[0]))
        elif name == "load":
            result = job_load(int(rest[0]) if rest else 5)
        elif name == "load-once":
            result = job_load_once(rest[0])
        elif name == "frontage":
            sys.path.insert(0, str(ROOT / "benchmarks"))
            import bench_frontage

            result = bench_frontage.job_frontage(int(rest[0]))
        else:
            raise SystemExit(f"unknown job {name}")
        print(json.dumps(result))
        return 0
    sizes = [int(s) for s in args.sizes.split(",") if s]
    dask_sizes = [int(s) for s in args.dask_sizes.split(",") if s]
    results: dict[str, Any] = {"machine": machine(), "runs": [], "peers": []}
    jobs: list[tuple[str, list[str], Callable[[], None] | None]] = []
    for k in sizes:
        jobs.append(("runs", ["local", str(k)], None))
    for k in dask_sizes:
        jobs.append(("runs", ["dask", str(k), "--workers", str(args.workers)], None))
    if args.peers:
        jobs.append(("peers", ["load"], None))
        for k in sizes:
            for peer_job in ("network", "mix", "gistar", "frontage"):
                extra = ["--quick"] if args.quick else []
                jobs.append(("peers", [peer_job, str(k), *extra], None))
    for bucket, job, _ in jobs:
        print(f"running {' '.join(job)} ...", file=sys.stderr, flush=True)
        # options after the job's own arguments are parsed by argparse as ours
        job_args = [a for a in job if not a.startswith("--")]
        opts = [a for a in job if a.startswith("--")]
        if "--workers" in job:
            opts = ["--workers", job[job.index("--workers") + 1]]
            job_args = job[: job.index("--workers")]
        result = spawn([*job_args, *opts], timeout=3600)
        results[bucket].append(result)
        print(json.dumps(result), file=sys.stderr, flush=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2))
    print(markdown(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
