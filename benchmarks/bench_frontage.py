"""Benchmark: street frontage (``eyes.facing.sample_rays``) beside momepy's ``street_profile``.

Both cast rays at right angles to every street segment and ask whether they meet
a building, on identical inputs: the same segments, the same buildings (after
``make_valid``, as momepy needs valid polygons), momepy's tick spacing = our
sample spacing (2 m) and its ``tick_length`` = 2 x our ray length (2 x 25 m: one
tick of 25 m to each side).

The comparable measure is momepy's ``openness``: per segment, the share of ticks
that meet no building, the two sides counted separately. Ours is the same share
of our rays (:func:`ours_openness`, from ``Rays.building``). The definitions
differ only in where the rays stand (momepy 0.11, ``_street_profile``):

- momepy puts ticks at every vertex of ``streets.segmentize(distance)``: each
  original vertex, and pieces of at most ``distance`` between them (ceil), the
  tick at a vertex at right angles to the piece that leaves it;
- the ticks at a segment's first and last vertex are zero-length (a point), so
  they meet nothing unless the end point lies in a building: four "open" ticks
  per segment, which weigh heavily on short segments (the median segment here
  is 12 m long: 7 vertices, 14 ticks, 4 of them at the ends);
- ours samples the middles of round(L / 2) equal pieces of the whole segment,
  each ray at right angles to the segment's direction at the sample.

So two comparisons are reported: momepy's openness as it is (``raw``), and
momepy's openness of its interior ticks only (``interior``: the four end ticks
taken out; an end point that lies in a building, as where a footway enters a
passage, makes its two end ticks hits, and those are taken out as hits; segments
with no interior tick are left out). What remains in ``interior`` is sample
positions: momepy's and our rays stand up to 1 m apart along the segment, and
at corners momepy's ticks follow the outgoing piece.

Run::

    python3 benchmarks/bench_frontage.py [--k 1,4] [--repeat 1]

Each size prints one JSON line (the figures of :func:`job_frontage`).
"""

from __future__ import annotations

import argparse
import gc
import json
import threading
import time
import warnings
from collections.abc import Callable
from typing import Any, TypeVar

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import shapely

from safespaces.eyes.facing import Rays, sample_rays

#: Our frontage ray length (m) and sample spacing (m): ``EyesParams`` defaults.
DISTANCE = 25.0
SPACING = 2.0

T = TypeVar("T")


def ours_openness(rays: Rays, n_segments: int) -> npt.NDArray[np.float64]:
    """Share of each segment's rays (left and right counted apart) that meet no building.

    Parameters
    ----------
    rays
        From :func:`safespaces.eyes.facing.sample_rays`.
    n_segments
        Number of segments.

    Returns
    -------
    numpy.ndarray
        Openness per segment, 0..1 (momepy's ``openness`` definition).
    """
    hit = (rays.building >= 0).sum(axis=1).astype(float)
    hits = np.bincount(rays.segment, weights=hit, minlength=n_segments)
    return 1.0 - hits / (2.0 * np.maximum(rays.samples, 1))


def momepy_interior_openness(
    openness: npt.NDArray[np.float64],
    lines: npt.NDArray[np.object_],
    buildings: npt.NDArray[np.object_],
    spacing: float,
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.bool_], int]:
    """momepy's openness over its interior ticks only (its zero-length end ticks taken out).

    momepy ticks every vertex of ``segmentize(spacing)``, two ticks per vertex; the
    ticks at the first and last vertex are points, open unless the point lies in
    a building.

    Returns
    -------
    tuple
        Interior openness (NaN where a segment has no interior vertex), whether a
        segment has interior ticks, and the number of segment ends inside a building.
    """
    vertices = shapely.get_num_coordinates(shapely.segmentize(lines, spacing)).astype(float)
    ticks = 2.0 * vertices
    tree = shapely.STRtree(buildings)
    starts = shapely.get_point(lines, 0)
    ends = shapely.get_point(lines, -1)
    closed_ends = np.zeros(len(lines))
    for points in (starts, ends):
        idx, _ = tree.query(points, predicate="intersects")
        closed_ends[np.unique(idx)] += 2.0
    open_ends = 4.0 - closed_ends
    has_interior = vertices > 2
    interior = np.full(len(lines), np.nan)
    interior[has_interior] = (
        openness[has_interior] * ticks[has_interior] - open_ends[has_interior]
    ) / (ticks[has_interior] - 4.0)
    return interior, has_interior, int(closed_ends.sum() // 2)


class PeakRss:
    """Peak resident memory of this process while the block runs (sampled every 20 ms)."""

    def __init__(self, interval: float = 0.02) -> None:
        import psutil

        self._proc = psutil.Process()
        self.interval = interval
        self.base = 0
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._proc.memory_info().rss)
            time.sleep(self.interval)

    def __enter__(self) -> PeakRss:
        gc.collect()
        self.base = self.peak = self._proc.memory_info().rss
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def extra_gb(self) -> float:
        """Peak above the memory at the start of the block (GB)."""
        return round((self.peak - self.base) / 1e9, 2)


def timed(fn: Callable[[], T], repeat: int) -> tuple[T, float, float, float]:
    """Median wall and CPU time of ``repeat`` calls, the last result, and its extra peak
    memory. Neither side has first-call work left when it is called: momepy's numba
    compilation is the untimed call in :func:`job_frontage`; ours is shapely and numpy
    only (no compiled kernel)."""
    wall, cpu = [], []
    result: T | None = None
    peak = 0.0
    for _ in range(repeat):
        result = None
        with PeakRss() as mem:
            w0, c0 = time.perf_counter(), time.process_time()
            result = fn()
            wall.append(time.perf_counter() - w0)
            cpu.append(time.process_time() - c0)
        peak = max(peak, mem.extra_gb)
    assert result is not None
    return result, float(np.median(wall)), float(np.median(cpu)), peak


def job_frontage(k: int, repeat: int = 1) -> dict[str, Any]:
    """Our street frontage rays beside momepy ``street_profile`` on the k x k city.

    Parameters
    ----------
    k
        Tiles per side (:func:`safespaces.tiling.tiled_study`; 1 is the Helsinki default).
    repeat
        Timed calls of each side (the median is reported).

    Returns
    -------
    dict
        JSON-able figures: sizes, median wall / CPU seconds and extra peak memory of
        each side, their ratio, and the per-segment openness differences.
    """
    import momepy

    from safespaces.tiling import tiled_study

    study = tiled_study(k)
    crs = study.osm.segments.crs
    lines = study.osm.segments.geometry.to_numpy()
    polys = shapely.make_valid(study.osm.buildings.geometry.to_numpy())
    polys = polys[~shapely.is_empty(polys)]
    del study
    streets = gpd.GeoDataFrame(geometry=lines, crs=crs)
    buildings = gpd.GeoDataFrame(geometry=polys, crs=crs)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        # numba compiles momepy's tick generator on the first call: warm up, not timed
        momepy.street_profile(
            streets.iloc[:50], buildings, distance=SPACING, tick_length=2 * DISTANCE
        )

        def ours() -> npt.NDArray[np.float64]:
            rays = sample_rays(lines, polys, distance=DISTANCE, spacing=SPACING)
            return ours_openness(rays, len(lines))

        def theirs() -> npt.NDArray[np.float64]:
            profile = momepy.street_profile(
                streets, buildings, distance=SPACING, tick_length=2 * DISTANCE
            )
            return np.asarray(profile["openness"].to_numpy(), dtype=float)

        mine, ours_s, ours_cpu, ours_gb = timed(ours, repeat)
        gc.collect()
        open_m, momepy_s, momepy_cpu, momepy_gb = timed(theirs, repeat)
    raw = np.abs(mine - open_m)
    interior, has_interior, closed_ends = momepy_interior_openness(open_m, lines, polys, SPACING)
    inner = np.abs(mine[has_interior] - interior[has_interior])
    samples = np.maximum(1, np.round(shapely.length(lines) / SPACING)).sum()
    return {
        "job": "frontage",
        "k": k,
        "segments": len(lines),
        "buildings": len(polys),
        "samples": int(samples),
        "distance_m": DISTANCE,
        "spacing_m": SPACING,
        "ours_s": round(ours_s, 2),
        "ours_cpu_s": round(ours_cpu, 2),
        "ours_peak_extra_gb": ours_gb,
        "momepy_s": round(momepy_s, 2),
        "momepy_cpu_s": round(momepy_cpu, 2),
        "momepy_peak_extra_gb": momepy_gb,
        "ours_over_momepy": round(ours_s / momepy_s, 2),
        "median_abs_diff": float(np.median(raw)),
        "p99_abs_diff": float(np.quantile(raw, 0.99)),
        "mean_diff": float(np.mean(mine - open_m)),
        "interior_segments": int(has_interior.sum()),
        "interior_median_abs_diff": float(np.median(inner)),
        "interior_p99_abs_diff": float(np.quantile(inner, 0.99)),
        "interior_mean_diff": float(np.mean(mine[has_interior] - interior[has_interior])),
        "segment_ends_in_buildings": closed_ends,
        "openness_ours_mean": float(np.mean(mine)),
        "openness_momepy_mean": float(np.mean(open_m)),
        "notes": (
            "openness = share of rays/ticks (both sides apart) meeting no building; "
            f"momepy street_profile(distance={SPACING:g}, tick_length={2 * DISTANCE:g}) vs "
            f"sample_rays(distance={DISTANCE:g}, spacing={SPACING:g}); raw differences come "
            "mostly from momepy's 4 zero-length (open) end ticks per segment; interior_* "
            "drops them: the rest is sample positions (segmentize vertices vs middles of "
            "equal pieces, up to 1 m apart; corner ticks follow the outgoing piece)"
        ),
    }


def main() -> int:
    """Print the figures of :func:`job_frontage` for each size, one JSON line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", default="1,4", help="tiles per side, comma-separated")
    parser.add_argument("--repeat", type=int, default=1, help="timed calls per side")
    args = parser.parse_args()
    for k in (int(s) for s in args.k.split(",") if s):
        print(json.dumps(job_frontage(k, repeat=args.repeat)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
