"""A finished output folder of the tiled k x k city, as an analyst's ``safespaces run`` writes.

``safespaces run --out DIR`` with the study replaced by :func:`safespaces.tiling.tiled_study`
(the embedded default repeated k x k and joined into one network, as ``benchmarks/run.py``
builds it): the folder then opens in the app as any finished run
(``safespaces app --open DIR``; ``python benchmarks/bench_app.py --open DIR``).

Run: python3 benchmarks/make_city.py 10 /tmp/city10 [--engine dask]
(the 10 x 10 city: 508,840 segments, 2.5-8 minutes on 2 cores, a 452 MB GeoPackage).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from unittest import mock

REPO = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO)]


def main() -> int:
    from safespaces import distributed, pipeline
    from safespaces.cli import main as cli
    from safespaces.tiling import tiled_study

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("k", type=int, help="tiles per side")
    parser.add_argument("out", type=Path, help="the output folder")
    parser.add_argument("--engine", choices=("local", "dask"), default="local")
    args = parser.parse_args()
    start = time.perf_counter()
    study = tiled_study(args.k)
    print(f"built the {args.k} x {args.k} city in {time.perf_counter() - start:.1f} s")
    with (
        mock.patch.object(pipeline, "load_study", return_value=study),
        mock.patch.object(distributed, "load_study", return_value=study),
    ):
        code = cli(["run", "--engine", args.engine, "--out", str(args.out)])
    print(f"{time.perf_counter() - start:.0f} s in all")
    return int(code)


if __name__ == "__main__":
    raise SystemExit(main())
