"""Benchmark of ``safespaces plan lamps --budget 50`` on a tiled city.

Run: ``python3 benchmarks/bench_plan.py [--k 10] [--budget 50] [--full-evals 3]``.
Prints a Markdown table and writes ``benchmarks/out/plan_k<k>.json``. The city is the
embedded default's study (segments, lamps, public spaces as ``load_study`` gives them)
tiled k x k as in ``bench_lighting.py``.

Measured: the lighting analysis of the tiled city (setup), then the planner: candidates,
the incremental state (grid lux from the existing lamps), and the greedy with lazy
evaluation and incremental updates, counting the gain evaluations. The alternative,
recomputing everything per evaluation (every lamp summed at every grid point of every
segment, then all segments aggregated: :func:`safespaces.plan.lux.full_state` with the
candidate added), is timed on ``--full-evals`` evaluations and extrapolated to the
same number of evaluations (and to the plain greedy's budget x candidates).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_lighting import tile  # noqa: E402

from safespaces.config import load_config  # noqa: E402
from safespaces.lighting import analyse_lighting  # noqa: E402
from safespaces.lighting.lamps import lamp_optics  # noqa: E402
from safespaces.plan import LuxState, candidate_lamps  # noqa: E402
from safespaces.plan.lamps import greedy  # noqa: E402
from safespaces.plan.lux import full_state  # noqa: E402
from safespaces.stages import study_darkness  # noqa: E402
from safespaces.study import Inputs, load_study  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, default=10, help="tiles per side")
    parser.add_argument("--budget", type=int, default=50)
    parser.add_argument("--full-evals", type=int, default=3, help="full recomputations timed")
    args = parser.parse_args()

    config = load_config(None, [])
    study = load_study(Inputs(), config)
    osm = study.osm
    minx, miny, maxx, maxy = osm.segments.total_bounds
    dx, dy = maxx - minx, maxy - miny
    k = args.k
    segs = tile(osm.segments, k, dx, dy, "segment_id")
    lamps = tile(osm.lamps, k, dx, dy, "lamp_id")
    spaces = tile(osm.public_spaces, k, dx, dy, "space_id")
    darkness = study_darkness(study)
    t0 = time.perf_counter()
    lit = analyse_lighting(segs, lamps, spaces, config.lighting, darkness=darkness)
    t_lighting = time.perf_counter() - t0

    t0 = time.perf_counter()
    cand = candidate_lamps(lit)
    t_cand = time.perf_counter() - t0
    t0 = time.perf_counter()
    state = LuxState(lit.segments, lit.lamps, lit.params)
    t_state = time.perf_counter() - t0
    before = state.p6_length()

    calls = 0
    real_gain = LuxState.gain

    def counted(self: LuxState, *a: object, **kw: object) -> object:
        nonlocal calls
        calls += 1
        return real_gain(self, *a, **kw)  # type: ignore[arg-type]

    LuxState.gain = counted  # type: ignore[assignment,method-assign]
    optics = lamp_optics(cand)
    value = np.ones(len(lit.segments))
    t0 = time.perf_counter()
    chosen, gains = greedy(state, optics, value, args.budget)
    t_greedy = time.perf_counter() - t0
    LuxState.gain = real_gain  # type: ignore[method-assign]
    gain_m = sum(g.metres for g in gains)
    incr_per_eval = t_greedy / max(calls, 1)

    # recomputing everything per evaluation: the existing lamps plus one candidate, from scratch
    full_times = []
    rng = np.random.default_rng(1)
    for c in rng.choice(len(cand), args.full_evals, replace=False):
        every = gpd.GeoDataFrame(
            pd.concat([lit.lamps, cand.iloc[[int(c)]]], ignore_index=True), crs=lit.lamps.crs
        )
        t0 = time.perf_counter()
        full_state(lit.segments, every, lit.params)
        full_times.append(time.perf_counter() - t0)
    t_full = float(np.median(full_times))
    row = {
        "city": f"tiled {k}x{k}",
        "segments": len(segs),
        "lamps": len(lamps),
        "grid_points": len(state.xy),
        "candidates": len(cand),
        "budget": args.budget,
        "proposed": len(chosen),
        "lighting_s": round(t_lighting, 1),
        "candidates_s": round(t_cand, 2),
        "state_s": round(t_state, 2),
        "greedy_s": round(t_greedy, 1),
        "gain_evaluations": calls,
        "incremental_ms_per_evaluation": round(incr_per_eval * 1000, 3),
        "full_s_per_evaluation": round(t_full, 2),
        "full_same_evaluations_h": round(t_full * calls / 3600, 1),
        "full_plain_greedy_h": round(t_full * len(cand) * args.budget / 3600, 1),
        "p6_km_before": round(before / 1000, 2),
        "p6_km_gain": round(gain_m / 1000, 2),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "cpus": os.cpu_count(),
        "python": platform.python_version(),
    }
    print(
        "| city | segments | candidates | lighting s | planner s (cand + state + greedy) "
        "| evaluations | incremental ms/eval | full s/eval | full, same evals | peak RSS |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    print(
        f"| {row['city']} | {row['segments']:,} | {row['candidates']:,} | {row['lighting_s']} "
        f"| {t_cand + t_state + t_greedy:.1f} | {calls:,} | {row['incremental_ms_per_evaluation']}"
        f" | {row['full_s_per_evaluation']} | {row['full_same_evaluations_h']} h "
        f"| {row['peak_rss_mb']:,} MB |"
    )
    print(json.dumps(row, indent=2))
    out = ROOT / "benchmarks" / "out" / f"plan_k{k}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(row, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
