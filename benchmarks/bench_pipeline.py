"""Benchmark: the whole default analysis beside a peer pipeline that only reads OSM and
computes centrality, side by side in one run.

Three variants on the embedded Helsinki default (``safespaces/data/helsinki/helsinki.osm.pbf``,
the real OSM extract of central Helsinki):

- ``analyse``: our whole default analysis in memory, nothing written:
  ``safespaces.analyse(safespaces.load())`` (read every OSM layer, the SYNTHETIC tenure
  and incidents; lighting, eyes on the street, social mix, incidents, the score);
- ``run``: the same as ``safespaces run`` does it, writing the GeoPackage, the rasters
  and the QGIS package (``safespaces.pipeline.run``; in a fresh process the CLI itself,
  ``python -m safespaces run --out DIR``);
- ``peer``: pyrosm reads the walking network and cityseer computes closeness on it, at
  the radii of our eyes flow measure (``eyes.flow_radii_m`` = 400 and 800 m):
  ``pyrosm.OSM(pbf).get_network("walking", nodes=True)`` (edges between consecutive OSM
  nodes), ``to_crs("EPSG:3067")``, cityseer ``io.nx_from_generic_geopandas``,
  ``io.network_structure_from_nx`` and ``networks.centrality_shortest`` with closeness
  density, harmonic and gravity (beta = 4 / r), no betweenness, no cycles
  (:func:`bench_eyes.cityseer_closeness`). Each read gets an empty temp dir, so pyrosm
  reads the file rather than its cache of an earlier read
  (:func:`run.fresh_temp_dir`).

Two settings, each variant alternated with the others in every round and the median of
``repeats`` rounds reported:

- fresh process: each variant in a new interpreter, wall time of the whole process
  (start-up and imports included), as a user waits for a script or the CLI; CPU time
  (user + system of the child) beside it, which the machine's load disturbs less;
- in process: in this interpreter, after one untimed call of each variant (imports done,
  numba's compiled kernels loaded from their cache).

Run: ``python3 benchmarks/bench_pipeline.py [--repeats 3]``. Writes
``benchmarks/out/pipeline.json`` and prints a Markdown table. :func:`compare` is the same
as a function (``benchmarks/bench_app.py`` calls it).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "benchmarks"
OUT = BENCH / "out" / "pipeline.json"
PBF = ROOT / "safespaces" / "data" / "helsinki" / "helsinki.osm.pbf"
VARIANTS = ("analyse", "run", "peer")
LABELS = {
    "analyse": "ours: whole default analysis in memory (`safespaces.analyse(safespaces.load())`)",
    "run": "ours: `safespaces run` (the analysis + GeoPackage, rasters, QGIS package)",
    "peer": "peer: pyrosm walking network + cityseer closeness at 400 and 800 m",
}


# --- the variants (each returns a few counts, to show what was computed) -----------------------


def ours_analyse() -> dict[str, Any]:
    """The whole default analysis in memory."""
    import safespaces

    results = safespaces.analyse(safespaces.load())
    return {"segments": len(results.layers["street_segments"]), "layers": len(results.layers)}


def ours_run(out: Path) -> dict[str, Any]:
    """``safespaces run`` on the default, written into ``out``."""
    from safespaces import pipeline
    from safespaces.config import Config

    result = pipeline.run(pipeline.Inputs(), Config(), out)
    return {"segments": result.layers["street_segments"], "layers": len(result.layers)}


def peer(pbf: Path, temp: Path) -> dict[str, Any]:
    """pyrosm's walking network of ``pbf`` and cityseer's closeness on it (``temp``: an
    empty folder for pyrosm's cache)."""
    import logging

    sys.path.insert(0, str(BENCH))
    import bench_eyes
    import pyrosm
    from cityseer.tools import io
    from run import fresh_temp_dir

    logging.getLogger("pyrosm").setLevel(logging.WARNING)
    bench_eyes.quiet_cityseer()
    with fresh_temp_dir(temp):
        _, edges = pyrosm.OSM(str(pbf)).get_network("walking", nodes=True)
    graph = io.nx_from_generic_geopandas(edges[["geometry"]].to_crs("EPSG:3067"))
    nodes, _, structure = io.network_structure_from_nx(graph)
    out = bench_eyes.cityseer_closeness(structure, nodes)
    return {"edges": len(edges), "nodes": len(out), "columns": out.shape[1]}


# --- timing --------------------------------------------------------------------------------------


def child_env() -> dict[str, str]:
    """This checkout first on the children's path (not an installed safespaces)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def fresh_process(variant: str, scratch: Path) -> dict[str, Any]:
    """One variant in a new interpreter: wall and CPU time of the process."""
    out = scratch / f"{variant}-{time.monotonic_ns()}"
    if variant == "run":
        cmd = [sys.executable, "-m", "safespaces", "run", "--out", str(out)]
    else:
        cmd = [sys.executable, str(Path(__file__).resolve()), "--job", variant, str(out)]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(
        cmd, capture_output=True, text=True, env=child_env(), cwd=scratch, check=False
    )
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed:\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall_s": wall, "cpu_s": cpu}


def in_process(variant: str, scratch: Path) -> dict[str, Any]:
    """One variant in this interpreter: wall and CPU time (every thread)."""
    out = scratch / f"{variant}-{time.monotonic_ns()}"
    call: dict[str, Callable[[], dict[str, Any]]] = {
        "analyse": ours_analyse,
        "run": lambda: ours_run(out),
        "peer": lambda: peer(PBF, out),
    }
    start, cpu = time.perf_counter(), time.process_time()
    counts = call[variant]()
    return {"wall_s": time.perf_counter() - start, "cpu_s": time.process_time() - cpu, **counts}


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    walls, cpus = [r["wall_s"] for r in rows], [r["cpu_s"] for r in rows]
    return {
        "median_s": round(statistics.median(walls), 2),
        "median_cpu_s": round(statistics.median(cpus), 2),
        "wall_s": [round(w, 2) for w in walls],
        "cpu_s": [round(c, 2) for c in cpus],
    }


def compare(repeats: int = 3, *, fresh: bool = True, progress: bool = False) -> dict[str, Any]:
    """Time :data:`VARIANTS` side by side: alternated in every round, ``repeats`` rounds.

    Parameters
    ----------
    repeats
        Rounds per setting; the medians are reported (use 3 or more).
    fresh
        Also time each variant in a fresh process (a few seconds each).
    progress
        Print each timing to stderr.

    Returns
    -------
    dict
        ``machine``, ``load_average`` (before, after), ``repeats``, ``peer`` (what the
        peer computes), and per setting (``in_process``, ``fresh_process``) and variant the
        median wall and CPU seconds and every round's (``median_s``, ``median_cpu_s``,
        ``wall_s``, ``cpu_s``), ``counts`` (segments, peer nodes ...), and ``ratio``
        (ours / peer medians per setting; <= 1 means ours is as fast or faster).
    """
    sys.path.insert(0, str(BENCH))
    from run import machine

    def note(text: str) -> None:
        if progress:
            print(text, file=sys.stderr, flush=True)

    result: dict[str, Any] = {
        "machine": machine(),
        "load_average": [os.getloadavg()],
        "repeats": repeats,
        "peer": LABELS["peer"],
    }
    settings: list[tuple[str, Callable[[str, Path], dict[str, Any]]]] = [("in_process", in_process)]
    if fresh:
        settings.append(("fresh_process", fresh_process))
    with tempfile.TemporaryDirectory(prefix="bench-pipeline-") as tmp:
        scratch = Path(tmp)
        counts: dict[str, Any] = {}
        for variant in VARIANTS:  # imports, numba's kernels and pyc files: not timed
            row = in_process(variant, scratch)
            counts[variant] = {k: v for k, v in row.items() if k not in ("wall_s", "cpu_s")}
            note(f"warm-up {variant}: {row['wall_s']:.2f} s")
        result["counts"] = counts
        for setting, timer in settings:
            rows: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
            for i in range(repeats):
                # rotate the order, so no variant always runs first after a pause
                order = VARIANTS[i % len(VARIANTS) :] + VARIANTS[: i % len(VARIANTS)]
                for variant in order:
                    rows[variant].append(timer(variant, scratch))
                    note(f"{setting} {i + 1} {variant}: {rows[variant][-1]['wall_s']:.2f} s")
            stats = {v: summarise(r) for v, r in rows.items()}
            stats["ratio"] = {
                v: round(stats[v]["median_s"] / stats["peer"]["median_s"], 2)
                for v in ("analyse", "run")
            }
            result[setting] = stats
    result["load_average"].append(os.getloadavg())
    return result


def markdown(result: dict[str, Any]) -> str:
    """The table of :func:`compare`'s result."""
    settings = [s for s in ("fresh_process", "in_process") if s in result]
    head = {
        "fresh_process": "fresh process: wall / CPU (s)",
        "in_process": "in process: wall / CPU (s)",
    }
    lines = [
        "| variant | " + " | ".join(head[s] for s in settings) + " |",
        "| --- |" + " ---: |" * len(settings),
    ]
    for v in VARIANTS:
        cells = [
            f"{result[s][v]['median_s']:.2f} / {result[s][v]['median_cpu_s']:.2f}" for s in settings
        ]
        lines.append(f"| {LABELS[v]} | " + " | ".join(cells) + " |")
    for v in ("analyse", "run"):
        cells = [f"{result[s]['ratio'][v]:.2f}" for s in settings]
        lines.append(f"| ratio {v} / peer (wall) | " + " | ".join(cells) + " |")
    loads = ", ".join(f"{a[0]:.1f}" for a in result["load_average"])
    lines.append(
        f"\nMedians of {result['repeats']} alternated rounds; load average (1 min) "
        f"before / after: {loads}."
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="rounds per setting (median)")
    parser.add_argument("--no-fresh", action="store_true", help="time in this process only")
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--job", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:  # one variant in this fresh process (see fresh_process)
        variant, folder = args.job
        if variant == "analyse":
            ours_analyse()
        elif variant == "peer":
            peer(PBF, Path(folder))
        else:
            raise SystemExit(f"unknown job {variant}")
        return 0
    result = compare(args.repeats, fresh=not args.no_fresh, progress=True)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2) + "\n")
    print(markdown(result))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
