"""The greedy choice of lamps on the lux model, lazily and incrementally evaluated.

See :mod:`safespaces.plan.lamps` for the objective and the guarantee.
"""

from __future__ import annotations

import dataclasses
import heapq

import numpy as np
import numpy.typing as npt

from safespaces.lighting.lamps import LampOptics
from safespaces.plan.lux import Gain, LuxState


class Singles:
    """One lamp of a :class:`LampOptics` at a time (views, no copy)."""

    def __init__(self, optics: LampOptics) -> None:
        self.optics = optics

    def __getitem__(self, k: int) -> LampOptics:
        o = self.optics
        return dataclasses.replace(
            o,
            xyh=o.xyh[k : k + 1],
            scale=o.scale[k : k + 1],
            azimuth_deg=o.azimuth_deg[k : k + 1],
            kind=o.kind[k : k + 1],
        )


def greedy(
    state: LuxState,
    optics: LampOptics | None,
    value: npt.NDArray[np.float64],
    budget: int,
    *,
    lazy: bool = True,
) -> tuple[list[int], list[Gain]]:
    """Pick up to ``budget`` candidates greedily, adding each to ``state``.

    Each step takes the candidate with the largest (weighted gain, progress), the
    smaller position first among ties. ``lazy``: candidates sit in a max-heap keyed by
    their last computed gain (CELF). A candidate's gain depends only on the segments
    its light reaches, so after a lamp is added only the candidates that reach one of
    the segments it changed are computed again (their heap entries are replaced);
    every other entry is still exact. CELF proper would keep the stale entries as
    upper bounds, but with a non-submodular objective a gain can grow (a segment that
    the new lamp brought near P6), so they are recomputed instead: the choice is the
    plain greedy's, at a fraction of its cost. Without ``lazy`` every candidate is
    computed again at every step (the plain greedy, for tests and benchmarks). Stops
    early when no candidate gains or progresses.

    Returns
    -------
    chosen, gains
        Candidate positions in order of choice and the gain of each when chosen.
    """
    if optics is None or len(optics) == 0:
        return [], []
    n = len(optics)
    one = Singles(optics)
    if not lazy:
        return _plain_greedy(state, one, n, value, budget)
    chosen: list[int] = []
    gains: list[Gain] = []
    version = np.zeros(n, dtype=np.int64)
    taken = np.zeros(n, dtype=bool)
    heap: list[tuple[float, float, int, int]] = []
    reach: list[npt.NDArray[np.intp]] = []
    for k in range(n):
        g, segs, _, _ = state.gain(one[k], value)
        reach.append(segs)
        heap.append((-g.weighted, -g.progress, k, 0))
    heapq.heapify(heap)
    # segment -> candidates reaching it (CSR)
    sizes = np.array([len(r) for r in reach], dtype=np.intp)
    owners = np.repeat(np.arange(n, dtype=np.intp), sizes)
    flat = np.concatenate(reach) if n else np.zeros(0, dtype=np.intp)
    order = np.argsort(flat, kind="stable")
    by_seg = owners[order]
    seg_ptr = np.searchsorted(flat[order], np.arange(len(state.length) + 1))
    while heap and len(chosen) < budget:
        neg_w, neg_p, k, stamp = heapq.heappop(heap)
        if taken[k] or stamp != version[k]:
            continue  # an entry replaced by a later computation
        if -neg_w <= 0 and -neg_p <= 0:
            break
        metres = state.add(one[k])
        taken[k] = True
        chosen.append(k)
        gains.append(Gain(metres, -neg_w, -neg_p))
        changed = reach[k]
        dirty = np.unique(
            np.concatenate([by_seg[seg_ptr[s] : seg_ptr[s + 1]] for s in changed])
            if len(changed)
            else np.zeros(0, dtype=np.intp)
        )
        for d in map(int, dirty[~taken[dirty]]):
            version[d] += 1
            g = state.gain(one[d], value)[0]
            heapq.heappush(heap, (-g.weighted, -g.progress, d, int(version[d])))
    return chosen, gains


def _plain_greedy(
    state: LuxState, one: Singles, n: int, value: npt.NDArray[np.float64], budget: int
) -> tuple[list[int], list[Gain]]:
    """Every candidate computed again at every step."""
    chosen: list[int] = []
    gains: list[Gain] = []
    taken = np.zeros(n, dtype=bool)
    while len(chosen) < budget:
        best: tuple[float, float, int] | None = None
        for k in map(int, np.flatnonzero(~taken)):
            g = state.gain(one[k], value)[0]
            key = (g.weighted, g.progress, -k)
            if best is None or key > best:
                best = key
        if best is None or (best[0] <= 0 and best[1] <= 0):
            break
        k = -best[2]
        metres = state.add(one[k])
        taken[k] = True
        chosen.append(k)
        gains.append(Gain(metres, best[0], best[1]))
    return chosen, gains


__all__ = ["Singles", "greedy"]
