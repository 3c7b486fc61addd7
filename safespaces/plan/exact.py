"""The best placement of K lamps as a mixed-integer programme, and the bound it proves.

Length lifted to P6 is not submodular (a segment may need two lamps), so the greedy
has no constant-factor guarantee. But the lighting model is linear in the lamps: a
new lamp adds its lux to the grid points it reaches, E_avg is a fixed weighted sum of
the points' lux and E_min the smallest of them. Whether a set of candidates lifts a
segment to P6 is therefore a set of linear inequalities, and the best set of K is the
mixed-integer linear programme (MILP)

    maximise    sum_s  w_s y_s
    subject to  sum_c  x_c <= K
                sum_c  A_cs x_c >= D_s y_s          (E_avg reaches 2 lx)
                sum_c  e_cp x_c >= d_p y_s          (E_min: every point p reaches 0.4 lx)
                x_c, y_s in {0, 1}

with x_c = 1 for a chosen candidate, y_s = 1 for a segment lifted, w_s the segment's
worth (its length times the objective's weight), e_cp the raw lux of candidate c at
grid point p, A_cs the sum of e_cp over the segment's points weighted as in its
E_avg, and d_p, D_s the raw lux each point and segment still lacks (the thresholds
divided by the maintenance factor, minus what the existing lamps give). Only dark
segments that K candidates could lift at all are in the model (the K largest
contributions at each point and to each average reach the deficit), and only the
candidates that reach them.

HiGHS (through :func:`scipy.optimize.milp`) solves it by branch and bound. Whether or
not it finishes within the time limit, its dual bound is a proven upper bound on the
best placement of K lamps among the candidates: the plan's value divided by it is a
certified share of the optimum for this instance (1 when HiGHS proves optimality).
The chosen set is always checked on the lux model itself (:class:`LuxState`), never
taken from the solver's arithmetic.
"""

from __future__ import annotations

import dataclasses
import math
import time

import numpy as np
import numpy.typing as npt
from scipy import optimize, sparse

from safespaces.lighting.illuminance import illuminance_pairs
from safespaces.lighting.lamps import LampOptics
from safespaces.lighting.vocabulary import P_CLASSES
from safespaces.plan.greedy import Singles
from safespaces.plan.lux import LuxState

_P6_AVG, _P6_MIN = P_CLASSES[-1][1], P_CLASSES[-1][2]
#: Default time limit of the exact step (s).
DEFAULT_EXACT_SECONDS = 60.0
#: Candidates above this number are not modelled (the pair table grows with them).
MAX_EXACT_CANDIDATES = 100_000


@dataclasses.dataclass(frozen=True)
class ExactSolution:
    """What the exact step found and proved.

    Attributes
    ----------
    chosen
        Positions of the candidates with x = 1 (ascending; empty if none or not run).
    status
        ``optimal``, ``time limit`` (the best found and the bound so far),
        ``not run`` (time limit 0) or ``too large`` (more than
        :data:`MAX_EXACT_CANDIDATES` candidates).
    upper_bound
        Proven upper bound of the worth any ``budget`` candidates can lift (NaN when
        not run).
    seconds
        Time to build and solve.
    candidates, segments, constraints
        Size of the model after the reductions.
    trivial
        HiGHS proved no bound in time: ``upper_bound`` is the worth of every segment
        ``budget`` lamps could lift at all (true, but loose).
    """

    chosen: npt.NDArray[np.intp]
    status: str
    upper_bound: float
    seconds: float
    candidates: int = 0
    segments: int = 0
    constraints: int = 0
    trivial: bool = False

    def summary(self) -> dict[str, object]:
        """JSON-ready figures."""
        return {
            "status": self.status,
            "seconds": round(self.seconds, 2),
            "candidates_modelled": self.candidates,
            "segments_modelled": self.segments,
            "constraints": self.constraints,
            "bound": "every liftable segment (HiGHS proved none in time)"
            if self.trivial
            else "HiGHS's dual bound",
        }


def _top_k_sum(
    group: npt.NDArray[np.intp], values: npt.NDArray[np.float64], k: int, size: int
) -> npt.NDArray[np.float64]:
    """Per group, the sum of its ``k`` largest values."""
    order = np.lexsort((-values, group))
    g = group[order]
    start = np.searchsorted(g, g, side="left")
    rank = np.arange(len(g)) - start
    keep = rank < k
    return np.bincount(g[keep], weights=values[order][keep], minlength=size).astype(float)


def exact_lamps(
    state: LuxState,
    optics: LampOptics,
    value: npt.NDArray[np.float64],
    budget: int,
    *,
    time_limit_s: float = DEFAULT_EXACT_SECONDS,
) -> ExactSolution:
    """Solve the placement of ``budget`` candidates as a MILP (module docstring).

    Parameters
    ----------
    state
        The lux on every segment's grid with the existing lamps (not changed).
    optics
        The candidates.
    value
        Worth of a metre of each segment (1 for plain length).
    budget
        Number of lamps.
    time_limit_s
        HiGHS's time limit; 0 skips the step.

    Returns
    -------
    ExactSolution
    """
    started = time.perf_counter()
    n_cand = len(optics)
    none = np.zeros(0, dtype=np.intp)
    if not time_limit_s > 0:
        return ExactSolution(none, "not run", math.nan, 0.0)
    if n_cand > MAX_EXACT_CANDIDATES:
        return ExactSolution(none, "too large", math.nan, 0.0, candidates=n_cand)
    mf = state.params.maintenance_factor
    worth = state.length * value
    wanted = ~state.p6 & (worth > 0)
    pts = np.flatnonzero(wanted[state.seg_of_point])
    if n_cand == 0 or len(pts) == 0:
        return ExactSolution(none, "optimal", 0.0, time.perf_counter() - started)
    p_local, cand, lux = illuminance_pairs(state.xy[pts], optics, state.params.cutoff_m)
    keep = lux > 0
    p_local, cand, lux = p_local[keep], cand[keep], lux[keep]
    point = pts[p_local]
    seg = state.seg_of_point[point]
    n_seg = len(state.length)
    # what each point and each segment still lacks, in raw lux (before the MF)
    need_min = _P6_MIN / mf - state.raw
    need_avg = (_P6_AVG - state.avg) / mf
    # average coefficients A_cs: pairs grouped by (candidate, segment)
    a = state.avg_weights()[point] * lux
    key = cand.astype(np.int64) * n_seg + seg
    ukey, inverse = np.unique(key, return_inverse=True)
    a_val = np.bincount(inverse, weights=a).astype(float)
    a_cand, a_seg = ukey // n_seg, ukey % n_seg
    # liftable by ``budget`` lamps: the largest contributions reach every deficit
    ok = wanted.copy()
    low_avg = need_avg > 0
    avg_reach = _top_k_sum(a_seg.astype(np.intp), a_val, budget, n_seg)
    ok &= ~low_avg | (avg_reach >= need_avg * (1 - 1e-9))
    short = need_min[pts] > 0
    min_reach = _top_k_sum(p_local.astype(np.intp), lux, budget, len(pts))
    bad_pts = pts[short & (min_reach < need_min[pts] * (1 - 1e-9))]
    ok[state.seg_of_point[bad_pts]] = False
    segs = np.flatnonzero(ok)
    if len(segs) == 0:
        return ExactSolution(none, "optimal", 0.0, time.perf_counter() - started)
    # the model: candidates reaching a liftable segment; variables x (cand) then y (segs)
    model = _Model(state, budget, worth, ok, a_cand, a_seg, a_val, need_avg, need_min)
    short_pts = pts[short & ok[state.seg_of_point[pts]]]
    short_seg = state.seg_of_point[short_pts]
    # start with each segment's neediest point; add the others of a segment when a
    # solution lifts it in the programme but not on the lux model (row generation)
    order = np.lexsort((-need_min[short_pts], short_seg))
    first = np.r_[True, short_seg[order][1:] != short_seg[order][:-1]]
    rows = np.zeros(len(short_pts), dtype=bool)
    rows[order[first]] = True
    bound, status, chosen = math.inf, "time limit", none
    point_pairs = (p_local, cand, lux, pts)
    one = Singles(optics)
    # the linear relaxation first: a bound in seconds, before branch and bound may run
    # out of time in its presolve on a large model
    elapsed = time.perf_counter() - started
    relaxed = model.solve(short_pts[rows], point_pairs, time_limit_s - elapsed, relax=True)
    if relaxed.status == 0:
        bound = -float(relaxed.fun)
    while True:
        remaining = time_limit_s - (time.perf_counter() - started)
        if remaining <= 0:
            break
        res = model.solve(short_pts[rows], point_pairs, remaining)
        if res.status not in (0, 1):  # x = y = 0 is feasible: cannot happen; say so
            raise RuntimeError(f"HiGHS could not solve the lamp placement: {res.message}")
        dual = getattr(res, "mip_dual_bound", None)
        if dual is not None and np.isfinite(dual):
            bound = min(bound, -float(dual))
        if res.x is None:
            break
        x = res.x[: model.nx] > 0.5
        lifted = model.segs[res.x[model.nx :] > 0.5]
        chosen = model.cands[x].astype(np.intp)
        trial = state.copy()
        for k in chosen:
            trial.add(one[int(k)])
        false = lifted[~trial.p6[lifted]]
        if len(false) == 0:
            if res.status == 0:
                status = "optimal"
                bound = min(bound, -float(res.fun))
            break
        more = rows | np.isin(short_seg, false)
        if np.array_equal(more, rows):  # the solver's tolerance, not a missing row
            break
        rows = more
    trivial = not np.isfinite(bound)
    if trivial:  # no bound yet: every liftable segment
        bound = float(worth[ok].sum())
    return ExactSolution(
        chosen,
        status,
        bound,
        time.perf_counter() - started,
        candidates=model.nx,
        segments=len(model.segs),
        constraints=model.rows,
        trivial=trivial,
    )


_Pairs = tuple[
    npt.NDArray[np.intp], npt.NDArray[np.intp], npt.NDArray[np.float64], npt.NDArray[np.intp]
]


class _Model:
    """The programme's fixed part (variables, budget, E_avg rows) and its solver call."""

    def __init__(
        self,
        state: LuxState,
        budget: int,
        worth: npt.NDArray[np.float64],
        ok: npt.NDArray[np.bool_],
        a_cand: npt.NDArray[np.int64],
        a_seg: npt.NDArray[np.int64],
        a_val: npt.NDArray[np.float64],
        need_avg: npt.NDArray[np.float64],
        need_min: npt.NDArray[np.float64],
    ) -> None:
        n_seg = len(state.length)
        self.state, self.budget, self.need_min = state, budget, need_min
        self.segs = np.flatnonzero(ok)
        self.seg_col = np.full(n_seg, -1, dtype=np.intp)
        self.seg_col[self.segs] = np.arange(len(self.segs))
        useful = ok[a_seg]
        self.cands = np.unique(a_cand[useful])
        self.cand_col = np.full(int(a_cand.max()) + 1 if len(a_cand) else 0, -1, dtype=np.intp)
        self.cand_col[self.cands] = np.arange(len(self.cands))
        self.nx = len(self.cands)
        self.objective = np.r_[np.zeros(self.nx), -worth[self.segs]]
        low = need_avg > 0
        avg_segs = self.segs[low[self.segs]]
        avg_row = np.full(n_seg, -1, dtype=np.intp)
        avg_row[avg_segs] = 1 + np.arange(len(avg_segs))
        sel = useful & low[a_seg]
        # row 0: the budget; then sum A_cs / D_s x_c - y_s >= 0 (scaled by the deficit)
        self.fixed = (
            np.r_[np.zeros(self.nx, dtype=np.intp), avg_row[a_seg[sel]], avg_row[avg_segs]],
            np.r_[np.arange(self.nx), self.cand_col[a_cand[sel]], self.nx + self.seg_col[avg_segs]],
            np.r_[np.ones(self.nx), a_val[sel] / need_avg[a_seg[sel]], -np.ones(len(avg_segs))],
        )
        self.rows = 1 + len(avg_segs)

    def solve(
        self,
        points: npt.NDArray[np.intp],
        pairs: _Pairs,
        seconds: float,
        *,
        relax: bool = False,
    ) -> optimize.OptimizeResult:
        """Solve with the E_min rows of grid points ``points``: sum e_cp / d_p x_c - y_s >= 0
        (``relax``: the linear relaxation, 0 <= x, y <= 1)."""
        p_local, cand, lux, pts = pairs
        first = 1 + int(self.fixed[0].max(initial=0))
        row_of = np.full(len(self.state.raw), -1, dtype=np.intp)
        row_of[points] = first + np.arange(len(points))
        point = pts[p_local]
        sel = (row_of[point] >= 0) & (self.cand_col[cand] >= 0)
        seg = self.state.seg_of_point[points]
        r = np.r_[self.fixed[0], row_of[point[sel]], row_of[points]]
        c = np.r_[self.fixed[1], self.cand_col[cand[sel]], self.nx + self.seg_col[seg]]
        v = np.r_[self.fixed[2], lux[sel] / self.need_min[point[sel]], -np.ones(len(points))]
        n_rows = first + len(points)
        self.rows = n_rows
        coo = sparse.csr_array((v, (r, c)), shape=(n_rows, len(self.objective)))
        # 32-bit indices: HiGHS's wrapper takes nothing else at scipy 1.14 (the floor)
        matrix = sparse.csr_array(
            (coo.data, coo.indices.astype(np.int32), coo.indptr.astype(np.int32)),
            shape=coo.shape,
        )
        lower = np.r_[-np.inf, np.zeros(n_rows - 1)]
        upper = np.r_[float(self.budget), np.full(n_rows - 1, np.inf)]
        return optimize.milp(
            self.objective,
            integrality=np.zeros(len(self.objective)) if relax else np.ones(len(self.objective)),
            bounds=optimize.Bounds(0, 1),
            constraints=optimize.LinearConstraint(matrix, lower, upper),
            options={"time_limit": max(seconds, 0.1), "disp": False, "mip_rel_gap": 1e-9},
        )


__all__ = ["DEFAULT_EXACT_SECONDS", "MAX_EXACT_CANDIDATES", "ExactSolution", "exact_lamps"]
