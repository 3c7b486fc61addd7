"""The EN 13201-3 calculation grid across a way.

EN 13201-3 (section 7) puts calculation points along the way at a spacing D <= 3 m
(D = s / N with N = 10 points between two lamps for a spacing s <= 30 m) and across it
at three points per lane, the outer ones half a spacing inside the edges; areas of
the P classes take points across at most 1.5 m apart. Here the points along the
way are the centre-line samples (:func:`~safespaces.lighting.illuminance.sample_lines`,
2 m or finer: as fine as D for s <= 20 m, finer for longer spacings; the lamp
spacing of a street is not known from the map). Across it, the way's width W is
cut into n = max(``min_rows``, ceil(W / ``transverse_spacing_m``)) strips with a point
in the middle of each. W is the OSM ``width`` of the way, else a documented
default per ``highway`` (``docs/lighting.md``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import numpy.typing as npt
import pandas as pd

from safespaces.lighting.params import LightingParams

if TYPE_CHECKING:
    from safespaces.lighting.illuminance import LineSamples


def segment_widths(segments: gpd.GeoDataFrame, params: LightingParams) -> npt.NDArray[np.float64]:
    """Width of each way (m): OSM ``width`` (column ``width_m``) where positive, else
    ``path_width_m[highway]``, else ``default_width_m``."""
    n = len(segments)
    given = (
        pd.to_numeric(segments["width_m"], errors="coerce").to_numpy(dtype=float)
        if "width_m" in segments.columns
        else np.full(n, np.nan)
    )
    hw = (
        segments["highway"].astype("string").str.strip().str.lower()
        if "highway" in segments.columns
        else pd.Series([None] * n, dtype="string")
    )
    table = {str(k): float(v) for k, v in params.path_width_m.items()}
    by_type = hw.map(table).to_numpy(dtype=float, na_value=np.nan)
    width = np.where(np.isfinite(given) & (given > 0), given, by_type)
    return np.where(np.isfinite(width), width, params.default_width_m)


def grid_rows(widths: npt.ArrayLike, params: LightingParams) -> npt.NDArray[np.intp]:
    """Rows of the grid across each way: n = max(min_rows, ceil(W / transverse_spacing_m))."""
    w = np.asarray(widths, dtype=float)
    n = np.ceil(w / params.transverse_spacing_m - 1e-9)
    return np.maximum(n, params.min_rows).astype(np.intp)


def grid_points(
    samples: LineSamples, widths: npt.ArrayLike, params: LightingParams
) -> tuple[npt.NDArray[np.float64], npt.NDArray[np.intp]]:
    """The EN 13201-3 calculation grid: ``rows`` points across the way at each station.

    At each centre-line sample the way's width W is cut into n equal strips
    (:func:`grid_rows`) and a point is put at the middle of each, offsets
    -W/2 + (k + 1/2) W/n along the normal to the line (the outer points lie d/2 from
    the edges, as in EN 13201-3). The normal comes from the neighbouring samples of
    the same line (central differences; one-sided at the ends).

    Returns
    -------
    xy
        ``(N, 2)`` grid points, station after station.
    station
        The station (sample index) of each point.
    """
    n = len(samples)
    rows = grid_rows(widths, params)
    if n == 0:
        return np.zeros((0, 2)), np.zeros(0, dtype=np.intp)
    line = samples.line
    ends = np.append(samples.starts[1:], n) - 1
    k = np.arange(n)
    prev = np.maximum(k - 1, samples.starts[line])
    nxt = np.minimum(k + 1, ends[line])
    t = samples.xy[nxt] - samples.xy[prev]
    norm = np.hypot(t[:, 0], t[:, 1])
    t = np.where(norm[:, None] > 0, t / np.where(norm > 0, norm, 1.0)[:, None], [1.0, 0.0])
    normal = np.column_stack([-t[:, 1], t[:, 0]])
    r = rows[line]
    station = np.repeat(k, r)
    first = np.cumsum(r) - r
    idx = np.arange(len(station)) - first[station]
    w = np.asarray(widths, dtype=float)[line][station]
    offset = -w / 2 + (idx + 0.5) * w / r[station]
    xy = samples.xy[station] + offset[:, None] * normal[station]
    return xy, station


__all__ = ["grid_points", "grid_rows", "segment_widths"]
