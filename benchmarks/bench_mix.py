"""Benchmark: safespaces.mix global indices against PySAL ``segregation``, side by side.

Run ``python3 benchmarks/bench_mix.py [--sizes 10000 100000] [--groups 5]``. Random
areas (Poisson dwellings, Dirichlet mixes, some empty areas); each index is timed on
both implementations the same way: one untimed call (first-call work: PySAL's Gini
compiles numba code; ours has none), then the median of ``--repeat`` calls. Prints a
Markdown table and writes ``benchmarks/out/mix.json``.

PySAL's MultiGini builds dense n x n matrices (three of 8 n^2 bytes: 240 GB at
100,000 areas) and its single-group Gini loops over all pairs (O(n^2)); where the
estimated memory or time exceeds the limits below, the PySAL side is reported as
skipped with the reason, never silently dropped.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
import warnings
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from safespaces.mix import indices  # noqa: E402

OUT = ROOT / "benchmarks" / "out" / "mix.json"
MAX_DENSE_BYTES = 6e9  # PySAL MultiGini: skip above this estimated memory
MAX_PYSAL_SECONDS = 300.0  # PySAL Gini: skip when the O(n^2) estimate exceeds this


def random_areas(n: int, k: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    base = rng.dirichlet(np.ones(k) * 2)
    mixes = rng.dirichlet(base * 4 + 0.1, size=n)
    dwellings = rng.poisson(120, n)
    dwellings[rng.random(n) < 0.03] = 0
    counts = np.vstack([rng.multinomial(d, p) for d, p in zip(dwellings, mixes, strict=True)])
    return counts


def median_time(fn: Callable[[], Any], repeat: int, *, warm: bool = True) -> tuple[float, Any]:
    """Median wall seconds of ``repeat`` calls after one untimed call (none when not
    ``warm``), and the result."""
    value = fn() if warm else None
    walls = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        value = fn()
        walls.append(time.perf_counter() - t0)
    return float(np.median(walls)), value


def ours_values(fn: Callable[..., float], counts: np.ndarray, t: np.ndarray, single: bool) -> list:
    if single:
        return [fn(counts[:, j], t) for j in range(counts.shape[1])]
    return [fn(counts)]


def pysal_values(cls: Any, df: pd.DataFrame, groups: list[str], single: bool, kwargs: dict) -> list:
    if single:
        return [cls(df, g, "total").statistic for g in groups]
    return [cls(df, groups, **kwargs).statistic]


def pysal_classes() -> dict[str, tuple[Any, dict[str, Any]]]:
    from segregation.multigroup import (
        MultiDissim,
        MultiDiversity,
        MultiGini,
        MultiInfoTheory,
        SimpsonsInteraction,
    )
    from segregation.singlegroup import Dissim, Gini, Interaction, Isolation

    return {
        "dissimilarity": (Dissim, {}),
        "isolation": (Isolation, {}),
        "exposure": (Interaction, {}),
        "gini": (Gini, {}),
        "multigroup_dissimilarity": (MultiDissim, {}),
        "multigroup_gini": (MultiGini, {}),
        "theil_h": (MultiInfoTheory, {}),
        "simpsons_interaction": (SimpsonsInteraction, {}),
        "multigroup_entropy": (MultiDiversity, {"normalized": False}),
    }


OURS: dict[str, Callable[..., float]] = {
    "dissimilarity": indices.dissimilarity,
    "isolation": indices.isolation,
    "exposure": indices.exposure,
    "gini": indices.gini,
    "multigroup_dissimilarity": indices.multigroup_dissimilarity,
    "multigroup_gini": indices.multigroup_gini,
    "theil_h": indices.theil_h,
    "simpsons_interaction": indices.simpsons_interaction,
    "multigroup_entropy": indices.multigroup_entropy,
}


def run(sizes: list[int], k: int, repeat: int) -> dict[str, Any]:
    classes = pysal_classes()
    groups = [f"g{i}" for i in range(k)]
    # warm-up: numba compilation of PySAL's Gini
    small = pd.DataFrame(random_areas(50, k), columns=groups)
    small["total"] = small[groups].sum(axis=1)
    classes["gini"][0](small, "g0", "total")
    rows: list[dict[str, Any]] = []
    gini_per_pair: float | None = None
    for n in sizes:
        counts = random_areas(n, k)
        t = counts.sum(axis=1)
        df = pd.DataFrame(counts, columns=groups)
        df["total"] = t
        for name, ours in OURS.items():
            single = name in indices.SINGLE_GROUP_INDICES
            t_ours, mine = median_time(partial(ours_values, ours, counts, t, single), repeat)
            cls, kwargs = classes[name]
            skip = None
            if name == "multigroup_gini" and 3 * 8.0 * n * n > MAX_DENSE_BYTES:
                skip = f"dense n x n matrices need ~{3 * 8 * n * n / 1e9:.0f} GB"
            if name == "gini" and gini_per_pair is not None:
                estimate = gini_per_pair * n * n * k
                if estimate > MAX_PYSAL_SECONDS:
                    skip = f"O(n^2) loop, estimated {estimate:.0f} s"
            row: dict[str, Any] = {"areas": n, "groups": k, "index": name, "ours_s": t_ours}
            if skip:
                row.update(pysal_s=None, ratio=None, max_abs_diff=None, pysal_note=skip)
            else:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    fn = partial(pysal_values, cls, df, groups, single, kwargs)
                    # above 20,000 areas one call (seconds to minutes), not warmed again:
                    # numba's compilation was the Gini warm-up above
                    big = n > 20000
                    t_ref, ref = median_time(fn, 1 if big else repeat, warm=not big)
                if name == "gini":
                    gini_per_pair = t_ref / (n * n * k)
                diff = float(np.max(np.abs(np.array(mine) - np.array(ref))))
                row.update(pysal_s=t_ref, ratio=t_ref / t_ours, max_abs_diff=diff, pysal_note="")
            rows.append(row)
            print(f"  {n:>7} {name:<26} done", flush=True)
    return {
        "machine": {
            "python": platform.python_version(),
            "processor": platform.processor() or platform.machine(),
            "numpy": np.__version__,
            "pandas": pd.__version__,
        },
        "rows": rows,
    }


def markdown(result: dict[str, Any]) -> str:
    lines = [
        "| areas | index | ours (s) | PySAL (s) | PySAL / ours | max abs diff |",
        "| ---: | --- | ---: | ---: | ---: | ---: |",
    ]
    for r in result["rows"]:
        if r["pysal_s"] is None:
            ref, ratio, diff = f"skipped: {r['pysal_note']}", "-", "-"
        else:
            ref, ratio, diff = (
                f"{r['pysal_s']:.4f}",
                f"{r['ratio']:.1f}x",
                f"{r['max_abs_diff']:.1e}",
            )
        lines.append(
            f"| {r['areas']:,} | {r['index']} | {r['ours_s']:.4f} | {ref} | {ratio} | {diff} |"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--groups", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    result = run(args.sizes, args.groups, args.repeat)
    table = markdown(result)
    print(table)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
