"""Benchmark of the lighting analysis: the Helsinki default and a 100x tiled city.

Run: ``python3 benchmarks/bench_lighting.py [--k 10] [--repeat 3]``. Prints a
Markdown table and writes ``benchmarks/out/lighting.json``. The large city is
the default extract tiled k x k (segments, lamps and public spaces translated by
multiples of the extract's bounding-box size in EPSG:3067); lit tags and lamp
attributes are copied as they are.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import time
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import rasterio

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from safespaces.config import Config  # noqa: E402
from safespaces.lighting import LightingParams, analyse_lighting, write_illuminance_raster  # noqa: E402
from safespaces.lighting.illuminance import sample_segments  # noqa: E402
from safespaces.network import split_long_segments  # noqa: E402
from safespaces.sources.osm import load_osm  # noqa: E402

OSM = ROOT / "safespaces" / "data" / "helsinki" / "helsinki.osm.pbf"
OUT = ROOT / "benchmarks" / "out" / "lighting.json"


def tile(frame: gpd.GeoDataFrame, k: int, dx: float, dy: float, id_col: str) -> gpd.GeoDataFrame:
    """k x k translated copies of ``frame`` (one translation per tile, not per feature)."""
    parts = []
    for i in range(k):
        for j in range(k):
            part = frame.copy()
            part["geometry"] = part.geometry.translate(i * dx, j * dy)
            parts.append(part)
    out = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=frame.crs)
    if id_col in out.columns:
        out[id_col] = np.arange(len(out))
    return out


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--k", type=int, default=10, help="tiles per side of the large city")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the default (best kept)")
    args = parser.parse_args()

    config = Config()
    params: LightingParams = config.lighting
    osm = load_osm(OSM)
    segments = split_long_segments(osm.segments, config.network.max_segment_m)
    lamps, spaces = osm.lamps, osm.public_spaces
    minx, miny, maxx, maxy = osm.bounds
    dx, dy = maxx - minx, maxy - miny

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, k in (("Helsinki default", 1), (f"tiled {args.k}x{args.k}", args.k)):
            segs = tile(segments, k, dx, dy, "segment_id") if k > 1 else segments
            lps = tile(lamps, k, dx, dy, "lamp_id") if k > 1 else lamps
            sps = tile(spaces, k, dx, dy, "space_id") if k > 1 else spaces
            n_samples = len(sample_segments(segs, params))
            repeat = args.repeat if k == 1 else 1
            result = None

            def analyse(segs=segs, lps=lps, sps=sps):
                nonlocal result
                result = analyse_lighting(segs, lps, sps, params)

            t_analyse = best_of(analyse, repeat)
            assert result is not None
            bx0, by0, bx1, by1 = segs.total_bounds
            tif = Path(tmp) / f"illuminance_{k}.tif"

            def raster(tif=tif, bounds=(bx0, by0, bx1, by1), res=result, crs=segs.crs):
                write_illuminance_raster(
                    tif,
                    res.lamps,
                    bounds,
                    crs,
                    cell=params.raster_cell_m,
                    cutoff=params.cutoff_m,
                )

            t_raster = best_of(raster, repeat)
            with rasterio.open(tif) as src:
                cells = src.width * src.height
            rows.append(
                {
                    "workload": name,
                    "segments": len(segs),
                    "walking_km": round(float(segs.geometry.length.sum()) / 1000, 1),
                    "lamps": len(lps),
                    "public_spaces": len(sps),
                    "samples": n_samples,
                    "analyse_s": round(t_analyse, 3),
                    "raster_cells": cells,
                    "raster_s": round(t_raster, 3),
                    "dark_paths": len(result.dark_paths),
                }
            )
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    header = (
        "| workload | segments | walking km | lamps | samples | analyse_lighting s "
        "| raster cells (5 m) | raster s |"
    )
    print(header)
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in rows:
        print(
            f"| {r['workload']} | {r['segments']:,} | {r['walking_km']:,} | {r['lamps']:,} "
            f"| {r['samples']:,} | {r['analyse_s']:.2f} | {r['raster_cells']:,} "
            f"| {r['raster_s']:.2f} |"
        )
    print(f"\npeak RSS {peak_mb:.0f} MB; {os.cpu_count()} CPUs; Python {platform.python_version()}")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(
        json.dumps(
            {
                "rows": rows,
                "peak_rss_mb": round(peak_mb),
                "cpus": os.cpu_count(),
                "python": platform.python_version(),
                "params": {
                    "cutoff_m": params.cutoff_m,
                    "sample_spacing_m": params.sample_spacing_m,
                },
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
