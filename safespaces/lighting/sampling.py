"""Points along lines at equal steps: where the lighting family evaluates illuminance.

A line is sampled at equal steps of at most the spacing, both ends included, from its
own vertices only, so any subset of the lines (a partition of the dask engine) gives
bit-identical samples. Vectorised: one pass over all vertices with numpy, no loop
over lines in Python.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import numpy.typing as npt
import shapely

from safespaces.errors import InputError


@dataclasses.dataclass(frozen=True)
class LineSamples:
    """Equally spaced sample points along lines.

    Attributes
    ----------
    xy
        ``(n, 2)`` coordinates.
    line
        Position (0-based) of each sample's line.
    weight
        Trapezoid weight of each sample in metres (step, half at both ends); the
        weights of a line sum to its length.
    starts
        Index of the first sample of each line (every line has at least two).
    """

    xy: npt.NDArray[np.float64]
    line: npt.NDArray[np.intp]
    weight: npt.NDArray[np.float64]
    starts: npt.NDArray[np.intp]

    def __len__(self) -> int:
        return len(self.line)


def sample_lines(geoms: npt.ArrayLike, spacing: float) -> LineSamples:
    """Sample lines at equal steps of at most ``spacing``, both ends included.

    A line of length L gets n = ceil(L / spacing) steps of L / n and n + 1
    points. Interpolation is done on the vertex arrays with numpy; other than
    LineStrings (MultiLineStrings) fall back to ``shapely.line_interpolate_point``.

    Parameters
    ----------
    geoms
        Array of line geometries in a metric CRS.
    spacing
        Largest step in metres.

    Returns
    -------
    LineSamples

    Examples
    --------
    A 10 m line at steps of at most 4 m gets 3 steps of 3.33 m:

    >>> import shapely
    >>> samples = sample_lines([shapely.LineString([(0, 0), (10, 0)])], 4.0)
    >>> samples.xy[:, 0].round(2).tolist()
    [0.0, 3.33, 6.67, 10.0]
    >>> samples.weight.round(2).tolist()  # trapezoid weights: they sum to the length
    [1.67, 3.33, 3.33, 1.67]
    """
    if not spacing > 0:
        raise InputError(
            f"sample spacing must be positive, got {spacing}",
            fix="set lighting.sample_spacing_m to 2 or less",
        )
    g = np.asarray(geoms, dtype=object)
    n_lines = len(g)
    lengths = np.nan_to_num(shapely.length(g), nan=0.0)
    n_steps = np.maximum(np.ceil(lengths / spacing - 1e-9), 1).astype(np.intp)
    n_pts = n_steps + 1
    starts = (np.cumsum(n_pts) - n_pts).astype(np.intp)
    line = np.repeat(np.arange(n_lines, dtype=np.intp), n_pts)
    k = np.arange(len(line), dtype=np.intp) - starts[line]
    step = lengths / n_steps
    offset = k * step[line]
    end = (k == 0) | (k == n_steps[line])
    weight = np.where(end, 0.5, 1.0) * step[line]
    xy = np.empty((len(line), 2))
    simple = shapely.get_type_id(g) == 1  # LineString
    simple &= ~shapely.is_empty(g)
    if simple.all():
        xy[:] = _interpolate_simple(g, line, offset)
    else:
        mask = simple[line]
        sub = np.flatnonzero(simple)
        remap = np.full(n_lines, -1, dtype=np.intp)
        remap[sub] = np.arange(len(sub))
        if len(sub):
            xy[mask] = _interpolate_simple(g[sub], remap[line[mask]], offset[mask])
        other = ~mask
        if other.any():
            pts = shapely.line_interpolate_point(g[line[other]], offset[other])
            xy[other] = _point_xy(pts)
    return LineSamples(xy=xy, line=line, weight=weight, starts=starts)


def _point_xy(points: npt.NDArray[np.object_]) -> npt.NDArray[np.float64]:
    x = shapely.get_x(points)
    y = shapely.get_y(points)
    return np.column_stack([x, y])


def _interpolate_simple(
    g: npt.NDArray[np.object_], line: npt.NDArray[np.intp], offset: npt.NDArray[np.float64]
) -> npt.NDArray[np.float64]:
    """Points at ``offset`` metres along LineStrings ``g[line]``, numpy only.

    Every number a point is computed from (its line's running length at each
    vertex, the vertex pair it falls between, its fraction of that edge) depends
    on its own line only, never on the other lines of the batch, so a line gives
    bit-identical samples whichever lines it is sampled with (a spatial partition
    or the whole city).
    """
    coords, vidx = shapely.get_coordinates(g, return_index=True)
    counts = np.bincount(vidx, minlength=len(g))
    first_v = np.cumsum(counts) - counts
    last_v = first_v + counts - 1
    local = _running_length(coords, vidx, first_v)
    lo, hi = first_v[line], last_v[line]
    # the last vertex at or before the offset: a first guess from one running length
    # over the batch, then corrected on the line's own running length
    cum = np.concatenate([[0.0], np.cumsum(np.hypot(*(coords[1:] - coords[:-1]).T))])
    guess = cum[lo] + offset
    j = np.clip(np.searchsorted(cum, guess, side="right") - 1, lo, hi)
    while True:
        up = (j < hi) & (local[np.minimum(j + 1, len(local) - 1)] <= offset)
        down = (j > lo) & (local[j] > offset)
        if not (up.any() or down.any()):
            break
        j = j + up - down
    j = np.minimum(j, np.maximum(hi - 1, lo))
    span = local[j + 1] - local[j]
    t = np.divide(offset - local[j], span, out=np.zeros_like(span), where=span > 0)
    t = np.clip(t, 0.0, 1.0)
    return coords[j] + t[:, None] * (coords[j + 1] - coords[j])


def _running_length(
    coords: npt.NDArray[np.float64], vidx: npt.NDArray[np.intp], first_v: npt.NDArray[np.intp]
) -> npt.NDArray[np.float64]:
    """Length along its line up to each vertex, summed from the line's own start.

    A cumulative sum restarted at each line: vertex ``r`` of every line is done
    in one vectorised step (as many steps as the longest line has vertices), so
    each line's sums are added in the same order whatever else is in the batch.
    """
    local = np.zeros(len(coords))
    if len(coords) < 2:
        return local
    edge = np.zeros(len(coords))  # edge[i]: length from vertex i - 1 to vertex i
    edge[1:] = np.hypot(*(coords[1:] - coords[:-1]).T)
    rank = np.arange(len(coords)) - first_v[vidx]
    order = np.argsort(rank, kind="stable")
    bounds = np.cumsum(np.bincount(rank))
    for r in range(1, len(bounds)):
        i = order[bounds[r - 1] : bounds[r]]
        local[i] = local[i - 1] + edge[i]
    return local
