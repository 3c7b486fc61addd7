"""Benchmark: the dask engine's partitions reading their own inputs from a store.

A k x k tiled copy of the embedded Helsinki default (:func:`safespaces.tiling.tiled_study`)
is written into a store (:mod:`safespaces.store`) by a *staging* process; then a
separate *client* process plans the partitions from the store's index alone and runs
lighting, eyes on the street and the walking neighbourhoods
(:func:`safespaces.distributed.partitioned_stages_from_store`) on a LocalCluster of
``--workers`` single-threaded worker processes, each limited to ``--memory-limit``.
The area-level and global stages (areas, incidents, the score) and writing the
GeoPackage are not part of this bench: they still run on the whole study
(``docs/scale.md``).

Measured, per process: wall time, peak resident memory (the client's own
``ru_maxrss``; each worker's, read in the worker after the run), worker restarts
(the nanny restarts a worker that passes 95 % of its limit), and the cost per segment.

Run: ``python3 benchmarks/bench_scale.py --k 10 --workers 2 --memory-limit 4GB``
(``--local`` also runs the local engine's stages on the whole study, in its own
process, for the same figures; ``--check`` compares the results, which needs both).
Writes ``benchmarks/out/scale-k<k>.json`` and prints one Markdown row.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


#: The workers' memory policy (dask settings): no spilling, no pausing, restart at 95 %.
MEMORY_POLICY = {
    "distributed.worker.memory.target": False,
    "distributed.worker.memory.spill": False,
    "distributed.worker.memory.pause": False,
    "distributed.worker.memory.terminate": 0.95,
}


def peak_mb() -> float:
    """This process's peak resident memory (MB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def stage(k: int, folder: Path) -> dict[str, Any]:
    """Write the k x k city into a store (this process holds the whole study)."""
    from safespaces.store import write_store
    from safespaces.tiling import tiled_study

    start = time.perf_counter()
    study = tiled_study(k)
    loaded = time.perf_counter() - start
    index = write_store(study, folder)
    size = sum(p.stat().st_size for p in folder.iterdir())
    return {
        "segments": int(index.layers["segments"]["rows"]),
        "tile_s": round(loaded, 2),
        "store_s": round(time.perf_counter() - start - loaded, 2),
        "store_mb": round(size / 2**20, 1),
        "peak_mb": round(peak_mb()),
    }


def local(k: int, results: Path | None) -> dict[str, Any]:
    """The local engine's lighting, eyes and walking neighbourhoods on the whole study."""
    from safespaces import pipeline, stages
    from safespaces.tiling import tiled_study

    study = tiled_study(k)
    start = time.perf_counter()
    lighting, _, eyes, _ = pipeline.local_lighting_eyes(study, None, None, {})
    walks = stages.walking_neighbourhoods(study)
    seconds = time.perf_counter() - start
    if results is not None:
        results.write_bytes(pickle.dumps((lighting, eyes, walks)))
    return {"seconds": round(seconds, 2), "peak_mb": round(peak_mb())}


def _worker_peak() -> tuple[int, float]:
    return os.getpid(), resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def client(folder: Path, workers: int, memory_limit: str, results: Path | None) -> dict[str, Any]:
    """Run the partitioned stages from the store; the client reads only its index."""
    import dask
    from distributed import Client, LocalCluster

    from safespaces.distributed import partitioned_stages_from_store

    start = time.perf_counter()
    with (
        # a task's memory is not dask's to spill, and a worker paused at 80 % of its limit
        # whose allocator keeps freed memory never resumes (the run then hangs): only the
        # nanny's restart at 95 % stays, which the figures count
        dask.config.set(MEMORY_POLICY),
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            memory_limit=memory_limit,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": ":0"},
        ) as cluster,
        Client(cluster) as dask_client,
    ):
        started = time.perf_counter() - start
        pids = {w: p for w, (p, _) in dask_client.run(_worker_peak).items()}
        lighting, eyes, walks, info = partitioned_stages_from_store(folder, dask_client)
        peaks = dask_client.run(_worker_peak)
        limit = min(
            float(w["memory_limit"]) for w in dask_client.scheduler_info()["workers"].values()
        )
    seconds = time.perf_counter() - start
    restarted = sum(1 for w, (p, _) in peaks.items() if pids.get(w) != p) + max(
        0, len(pids) - len(peaks)
    )
    if results is not None:
        results.write_bytes(pickle.dumps((lighting, eyes, walks)))
    return {
        "seconds": round(seconds, 2),
        "cluster_start_s": round(started, 2),
        "partitions": info["partitions"],
        "halo_m": round(float(info["halo_m"]), 1),
        "task_seconds": info["task_seconds"],
        "client_peak_mb": round(peak_mb()),
        "worker_peak_mb": [round(mb) for _, mb in peaks.values()],
        "worker_limit_mb": round(limit / 2**20),
        "worker_restarts": restarted,
    }


def _in_child(*args: str) -> dict[str, Any]:
    """Run one phase in a fresh interpreter (its own peak memory); its JSON result."""
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    start = time.perf_counter()
    out = subprocess.run(
        [sys.executable, __file__, "--phase", *args], capture_output=True, text=True, env=env
    )
    if out.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{out.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    result["process_s"] = round(time.perf_counter() - start, 2)
    return result


def same_results(a: Path, b: Path) -> list[str]:
    """Layers that differ between two pickled (lighting, eyes, walks) results (empty: equal).

    Compared as the tests compare GeoPackage layers (``tests/scale``): exact, floats 1e-9.
    """
    sys.path.insert(0, str(ROOT / "tests" / "scale"))
    from test_scale_dask import assert_same_layer

    ours, theirs = pickle.loads(a.read_bytes()), pickle.loads(b.read_bytes())
    differ = []
    for x, y in zip(ours, theirs, strict=True):
        for name, layer in x.layers().items():
            other = y.layers()[name]
            try:
                # the partitioned lighting carries the eyes columns too: compare the local ones
                assert_same_layer(name, layer, other[list(layer.columns)])
            except AssertionError as exc:
                differ.append(f"{name}: {exc}")
    return differ


def bench(
    k: int, workers: int, memory_limit: str, *, with_local: bool, check: bool
) -> dict[str, Any]:
    """Stage, run from the store (and locally); every phase in its own process."""
    with tempfile.TemporaryDirectory(prefix="safespaces-scale-") as tmp:
        folder = Path(tmp) / f"store-k{k}"
        out: dict[str, Any] = {"k": k, "workers": workers, "memory_limit": memory_limit}
        out["stage"] = _in_child("stage", str(k), str(folder))
        ours = Path(tmp) / "ours.pkl" if check else None
        out["dask_store"] = _in_child(
            "client", str(folder), str(workers), memory_limit, str(ours or "")
        )
        if with_local or check:
            theirs = Path(tmp) / "local.pkl" if check else None
            out["local"] = _in_child("local", str(k), str(theirs or ""))
            if ours is not None and theirs is not None:
                out["differ"] = same_results(theirs, ours)
    segments = out["stage"]["segments"]
    out["dask_store"]["us_per_segment"] = round(1e6 * out["dask_store"]["seconds"] / segments, 1)
    if "local" in out:
        out["local"]["us_per_segment"] = round(1e6 * out["local"]["seconds"] / segments, 1)
    return out


def markdown_row(r: dict[str, Any]) -> str:
    """One row: k, segments, partitions, times, peaks, cost per segment."""
    d = r["dask_store"]
    loc = r.get("local", {})
    return (
        f"| {r['k']}x{r['k']} | {r['stage']['segments']:,} "
        f"| {r['workers']} x {d['worker_limit_mb']} MB "
        f"| {d['partitions']} | {d['seconds']} s | {d['client_peak_mb']} MB "
        f"| {max(d['worker_peak_mb'])} MB | {d['worker_restarts']} | {d['us_per_segment']} us "
        f"| {loc.get('seconds', '-')} s | {loc.get('peak_mb', '-')} MB "
        f"| {r['stage']['store_s']} s, {r['stage']['peak_mb']} MB |"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phase", nargs="+", help=argparse.SUPPRESS)
    parser.add_argument("--k", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--memory-limit", default="2GB")
    parser.add_argument("--local", action="store_true", help="also the local engine")
    parser.add_argument("--check", action="store_true", help="compare with the local engine")
    parser.add_argument("--json", type=Path, help="write the figures here (default benchmarks/out)")
    args = parser.parse_args(argv)
    if args.phase:
        phase, *rest = args.phase
        if phase == "stage":
            result = stage(int(rest[0]), Path(rest[1]))
        elif phase == "local":
            result = local(int(rest[0]), Path(rest[1]) if rest[1] else None)
        else:
            result = client(
                Path(rest[0]), int(rest[1]), rest[2], Path(rest[3]) if rest[3] else None
            )
        print(json.dumps(result))
        return 0
    result = bench(args.k, args.workers, args.memory_limit, with_local=args.local, check=args.check)
    path = args.json or OUT / f"scale-k{args.k}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(result, indent=1))
    print(markdown_row(result))
    if result.get("differ"):
        print("DIFFER:", *result["differ"], sep="\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
