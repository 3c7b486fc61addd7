"""The audit of a cell suppression: what a reader can infer from the published cells.

The reader knows every published cell and every published sum; each hidden cell
is an unknown ``x >= 0``. A hidden cell is protected when its feasible interval
[lo, hi] is at least 1 wide and reaches ``k`` (or, with ``publish_zero``, when
it is provably 0: a zero identifies no one). :class:`Reader` finds those
intervals by linear programming; :class:`Relations` adds further published
relations (e.g. the score equations of a fitted count model).
:meth:`safespaces.incidents.suppression.CellSystem.suppress` repairs the cells
this audit finds unprotected.
"""

from __future__ import annotations

import dataclasses
import hashlib
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

if TYPE_CHECKING:
    from safespaces.incidents.suppression import CellSystem


@dataclasses.dataclass(frozen=True)
class Relations:
    """Further published relations between cells: ``rows @ cells = values`` up to
    ``tolerance`` (e.g. the score equations of a fitted count model)."""

    rows: sparse.spmatrix
    values: npt.NDArray[np.float64]
    tolerance: npt.NDArray[np.float64]


class Reader:
    """The reader's linear system: published cells known, hidden ones unknowns ``x >= 0``.

    Bounds come from linear programming (the LP relaxation, as in the usual audit of
    cell suppression): a few LPs give feasible points that prove most cells protected at
    once, and the rest get their exact minimum and maximum. The LPs are kept small:

    * an unknown that appears in one sum only (a month of a unit, say) is left out: that
      sum becomes an inequality, and its left-out unknowns share whatever the sum leaves
      them (with two or more of them, each can take all of it, or nothing); an
      inequality that holds for every ``x >= 0`` (a hidden unit's breakdown) is dropped;
    * unknowns whose columns are identical in the remaining constraints (the hidden
      totals of street segments in the same environment groups) become one variable,
      their sum, which any one of them can take whole (or leave to the others).
    """

    def __init__(
        self,
        system: CellSystem,
        hidden: npt.NDArray[np.bool_],
        extra: Relations | None = None,
    ) -> None:
        a_eq, a_near = self._leave_out_lone_unknowns(system, hidden, extra)
        self._merge_alike(a_eq, a_near)
        self._share_bounds()
        self._memo: dict[bytes, Any] = {}

    def _leave_out_lone_unknowns(
        self,
        system: CellSystem,
        hidden: npt.NDArray[np.bool_],
        extra: Relations | None,
    ) -> tuple[sparse.csr_matrix, sparse.csr_matrix]:
        """The reader's equations over the hidden cells; an unknown in one sum only is
        left out, and its sum becomes an inequality. Returns the equalities' and the
        tolerance relations' matrices over the kept unknowns."""
        self.cells = np.flatnonzero(hidden)
        c, b = system.matrix()
        n_sums = c.shape[0]
        tol = np.zeros(n_sums)
        if extra is not None:  # published relations with any coefficients, up to a tolerance
            c = sparse.vstack([c, sparse.csr_matrix(extra.rows)]).tocsr()
            b = np.r_[b, extra.values]
            tol = np.r_[tol, extra.tolerance]
        v = system.values()
        a = c[:, self.cells].tocsc()
        rhs = b - c[:, ~hidden] @ v[~hidden]
        self.used = np.flatnonzero(np.diff(a.tocsr().indptr) > 0)
        a = a[self.used].tocsc()
        rhs = rhs[self.used]
        is_extra = self.used >= n_sums
        count = np.diff(a.indptr)
        first = np.minimum(a.indptr[:-1], max(len(a.indices) - 1, 0))
        lone_row = np.where(count == 1, a.indices[first] if len(a.indices) else 0, -1)
        lone_coef = np.where(count == 1, a.data[first] if len(a.data) else 0.0, 0.0)
        self.single = (count == 1) & (lone_coef > 0) & ~is_extra[np.maximum(lone_row, 0)]
        self.free = count == 0  # hidden but in no sum: nothing bounds it
        slack = np.zeros(a.shape[0], dtype=bool)
        slack[lone_row[self.single]] = True
        self.keep = ~self.single & ~self.free
        self.kept = np.flatnonzero(self.keep)
        self.single_idx = np.flatnonzero(self.single)
        ar = a.tocsr()[:, self.kept]
        self.eq_rows = np.flatnonzero(~slack & ~is_extra)
        self.ub_rows = np.flatnonzero(slack)
        a_eq, self.b_eq = ar[self.eq_rows], rhs[self.eq_rows]
        self.a_ub, self.b_ub = ar[self.ub_rows], rhs[self.ub_rows]
        # relations known up to a tolerance: b - tol <= a x <= b + tol
        near = np.flatnonzero(is_extra)
        a_near = ar[near]
        self.a_near = sparse.vstack([a_near, -a_near]).tocsr()
        self.b_near = np.r_[rhs[near] + tol[self.used[near]], -(rhs[near] - tol[self.used[near]])]
        # an inequality with no positive coefficient and b >= 0 holds for every x >= 0
        positive = np.diff((self.a_ub > 0).tocsr().indptr) > 0
        self.binding_ub = np.flatnonzero(positive | (self.b_ub < 0))
        per_row = np.bincount(lone_row[self.single], minlength=a.shape[0])
        self.slack_pos = np.searchsorted(self.ub_rows, lone_row[self.single])
        self.shared = per_row[lone_row[self.single]] >= 2
        return a_eq, a_near

    def _merge_alike(self, a_eq: sparse.csr_matrix, a_near: sparse.csr_matrix) -> None:
        """One LP variable per class of kept unknowns with identical columns."""
        lp = sparse.vstack([a_eq, self.a_ub[self.binding_ub], a_near]).tocsc()
        lp.sort_indices()
        # a digest, not hash(): the same classes, in the same order, in every process
        keys = [
            hashlib.blake2b(
                lp.indices[i:j].tobytes() + lp.data[i:j].tobytes(), digest_size=8
            ).digest()
            for i, j in zip(lp.indptr[:-1], lp.indptr[1:], strict=True)
        ]
        digests = np.frombuffer(b"".join(keys), dtype=np.int64)
        _, self.cls = np.unique(digests, return_inverse=True)
        self.n = int(self.cls.max()) + 1 if len(self.cls) else 0
        self.size = np.bincount(self.cls, minlength=self.n)
        agg = sparse.csr_matrix(
            (np.ones(len(self.cls)), (np.arange(len(self.cls)), self.cls)),
            shape=(len(self.cls), self.n),
        )
        first_member = np.zeros(self.n, dtype=np.int64)
        first_member[self.cls[::-1]] = np.arange(len(self.cls))[::-1]
        self.a_eq = a_eq[:, first_member] if self.n else a_eq @ agg
        self.lp_ub = self.a_ub[self.binding_ub][:, first_member] if self.n else None
        self.lp_near = self.a_near[:, first_member] if self.n else None

    def _share_bounds(self) -> None:
        """Per slack row and class: the least and the most its members can contribute."""
        ub = self.a_ub.tocoo()
        key = ub.row.astype(np.int64) * max(self.n, 1) + self.cls[ub.col]
        ukey, inv = np.unique(key, return_inverse=True)
        lo_c = np.full(len(ukey), np.inf)
        hi_c = np.full(len(ukey), -np.inf)
        np.minimum.at(lo_c, inv, ub.data)
        np.maximum.at(hi_c, inv, ub.data)
        members = np.bincount(inv, minlength=len(ukey))
        rows, klass = ukey // max(self.n, 1), ukey % max(self.n, 1)
        partial = members < self.size[klass]  # other members can hold the mass instead
        lo_c = np.where(partial, np.minimum(lo_c, 0.0), lo_c)
        hi_c = np.where(partial, np.maximum(hi_c, 0.0), hi_c)
        shape = (self.a_ub.shape[0], self.n)
        self.ub_least = sparse.csr_matrix((lo_c, (rows, klass)), shape=shape)
        self.ub_most = sparse.csr_matrix((hi_c, (rows, klass)), shape=shape)

    def solve(
        self,
        objective: npt.NDArray[np.float64],
        extra_ub: sparse.spmatrix | None = None,
        extra_b: npt.NDArray[np.float64] | None = None,
        extra_bounds: list[tuple[float, float]] | None = None,
    ) -> Any:
        """``linprog`` (HiGHS) over the class variables, plus optional extra variables."""
        from scipy.optimize import linprog

        width = len(objective)

        def pad(m: sparse.spmatrix) -> sparse.csr_matrix:
            return sparse.hstack([m, sparse.csr_matrix((m.shape[0], width - self.n))]).tocsr()

        ub = [pad(self.lp_ub)] if self.lp_ub is not None and self.lp_ub.shape[0] else []
        bub = [self.b_ub[self.binding_ub]] if ub else []
        if self.lp_near is not None and self.lp_near.shape[0]:
            ub.append(pad(self.lp_near))
            bub.append(self.b_near)
        if extra_ub is not None and extra_b is not None:
            ub.append(sparse.csr_matrix(extra_ub))
            bub.append(extra_b)
        return linprog(
            objective,
            A_ub=sparse.vstack(ub).tocsr() if ub else None,
            b_ub=np.concatenate(bub) if bub else None,
            A_eq=pad(self.a_eq) if self.a_eq.shape[0] else None,
            b_eq=self.b_eq if self.a_eq.shape[0] else None,
            bounds=[(0.0, None)] * self.n + (extra_bounds or []),
            method="highs",
        )

    def solve_once(self, objective: npt.NDArray[np.float64]) -> Any:
        """:meth:`solve` without extra variables, remembered: cells of one class, or
        shares of alike sums, have one answer."""
        key = objective.tobytes()
        if key not in self._memo:
            self._memo[key] = self.solve(objective)
        return self._memo[key]

    def _share_row(self, i: int) -> tuple[int, bool]:
        at = int(np.searchsorted(self.single_idx, i))
        return int(self.slack_pos[at]), bool(self.shared[at])

    def _maximise(self, i: int) -> tuple[Any, npt.NDArray[np.float64], float]:
        """The LP maximising hidden cell number ``i`` (its class sum, or its sum's share
        ``offset - objective @ X``): (result, objective, offset)."""
        if self.keep[i]:
            objective = np.zeros(self.n)
            objective[self.cls[int(np.searchsorted(self.kept, i))]] = -1.0
            return self.solve_once(objective), objective, 0.0
        row, _ = self._share_row(i)
        least = self.ub_least[row].toarray().ravel()
        return self.solve_once(least), least, float(self.b_ub[row])

    def binding(self, cell: int) -> npt.NDArray[np.int64]:
        """Sums (original numbering) that bound hidden ``cell`` from above."""
        i = int(np.searchsorted(self.cells, cell))
        if self.n == 0 or self.free[i]:
            return np.zeros(0, dtype=np.int64)
        res, _, _ = self._maximise(i)
        if res.status != 0:
            return np.zeros(0, dtype=np.int64)
        out = []
        if self.a_eq.shape[0] and getattr(res, "eqlin", None) is not None:
            out.append(self.used[self.eq_rows[np.abs(res.eqlin.marginals) > 1e-9]])
        rows = self.binding_ub
        if len(rows) and self.lp_ub is not None and getattr(res, "ineqlin", None) is not None:
            duals = np.abs(res.ineqlin.marginals[: len(rows)]) > 1e-9
            out.append(self.used[self.ub_rows[rows[duals]]])
        if not self.keep[i]:
            out.append(self.used[[self.ub_rows[self._share_row(i)[0]]]])
        return np.unique(np.concatenate(out)) if out else np.zeros(0, dtype=np.int64)

    def unprotected(self, k: int, *, publish_zero: bool = True) -> npt.NDArray[np.int64]:
        """Cell ids of the hidden cells that are not protected."""
        if not len(self.cells):
            return np.zeros(0, dtype=np.int64)
        bounds = _Bounds.start(self, k, publish_zero)
        if self.n == 0:
            bounds.take(np.zeros(0))
            return self.cells[bounds.open_cells()]
        low = self.solve(np.ones(self.n))
        if low.status != 0:  # true values are feasible: cannot happen; stay safe
            return self.cells
        bounds.take(low.x)
        self._widen(bounds)
        self._settle(bounds)
        return self.cells[bounds.open_cells()]

    def _widen(self, bounds: _Bounds) -> None:
        """Widen the open cells' intervals with a few LPs over all of them at once."""
        k, hi = bounds.k, bounds.hi
        for _ in range(100):
            todo = bounds.open_cells()
            before = int(todo.sum())
            own = np.unique(self.cls[todo[self.kept]])
            at = np.flatnonzero(todo[self.single_idx])
            sums = np.unique(self.slack_pos[at])
            nt = len(own) + len(sums)
            if nt == 0:
                break
            # maximise the sum of min(value, cap) over the open items: t <= value, t <= cap,
            # cap = k, or one more than seen for an item already at k or more
            cap_own = np.full(len(own), float(k))
            np.maximum.at(
                cap_own,
                np.searchsorted(own, self.cls[todo[self.kept]]),
                hi[self.kept[todo[self.kept]]] + 1.0,
            )
            cap_sum = np.full(len(sums), float(k))
            np.maximum.at(
                cap_sum, np.searchsorted(sums, self.slack_pos[at]), hi[self.single_idx[at]] + 1.0
            )
            eye = sparse.identity(nt, format="csr")
            pick = sparse.csr_matrix(
                (-np.ones(len(own)), (np.arange(len(own)), own)), shape=(len(own), self.n)
            )
            caps = np.minimum(np.r_[cap_own, cap_sum], 1e12)
            res = self.solve(
                np.r_[np.zeros(self.n), -np.ones(nt)],
                sparse.vstack(
                    [
                        sparse.hstack([pick, eye[: len(own)]]),
                        sparse.hstack([self.ub_least[sums], eye[len(own) :]]),
                    ]
                ),
                np.r_[np.zeros(len(own)), self.b_ub[sums]],
                [(0.0, float(c)) for c in caps],
            )
            if res.status != 0:
                break
            bounds.take(res.x[: self.n])
            # and the other way: minimise the open items (their shares, for left-out ones)
            objective = np.zeros(self.n)
            objective[own] = 1.0
            if len(sums):
                objective -= np.asarray(self.ub_most[sums].sum(axis=0)).ravel()
            low = self.solve(objective)
            if low.status == 0:
                bounds.take(low.x)
            after = int(bounds.open_cells().sum())
            if after <= 20 or after > 0.75 * before:  # few left, or slow: exact LPs now
                break

    def _settle(self, bounds: _Bounds) -> None:
        """The exact minimum and maximum of each cell still open.

        Each LP's optimum is also a feasible point: a cell that the optima found so far
        prove protected (an interval at least 1 wide reaching ``k``, which its exact one
        holds) needs no LPs of its own. The optima widen a copy of the intervals, so the
        cells not open here keep the intervals of the points before.
        """
        lo, hi = bounds.lo, bounds.hi
        seen = dataclasses.replace(bounds, lo=lo.copy(), hi=hi.copy())
        for i in np.flatnonzero(bounds.open_cells()):
            if seen.protected(int(i)):
                lo[i], hi[i] = seen.lo[i], seen.hi[i]
                continue
            if self.keep[i]:
                objective = np.zeros(self.n)
                c = self.cls[int(np.searchsorted(self.kept, i))]
                objective[c] = 1.0
                top, bottom = self.solve_once(-objective), self.solve_once(objective)
                hi[i] = np.inf if top.status == 3 else -top.fun
                lo[i] = 0.0 if self.size[c] >= 2 else bottom.fun
            else:
                row, shared = self._share_row(int(i))
                offset = float(self.b_ub[row])
                top = self.solve_once(self.ub_least[row].toarray().ravel())
                bottom = self.solve_once(-self.ub_most[row].toarray().ravel())
                hi[i] = np.inf if top.status == 3 else offset - top.fun
                lo[i] = 0.0 if shared else offset + bottom.fun
            for res in (top, bottom):
                if res.status == 0:
                    seen.take(res.x)


@dataclasses.dataclass
class _Bounds:
    """What the reader has proved so far: each hidden cell's feasible interval [lo, hi].

    A feasible point of the reader's LP widens every interval (:meth:`take`); a cell
    is open while its interval is narrower than 1 or stays below ``k``.
    """

    reader: Reader
    k: int
    publish_zero: bool
    lo: npt.NDArray[np.float64]
    hi: npt.NDArray[np.float64]
    kept_shared: npt.NDArray[np.bool_]

    @classmethod
    def start(cls, reader: Reader, k: int, publish_zero: bool) -> _Bounds:
        """Empty intervals, except [0, inf) for cells in no sum."""
        m = len(reader.cells)
        lo, hi = np.full(m, np.inf), np.full(m, -np.inf)
        lo[reader.free], hi[reader.free] = 0.0, np.inf
        return cls(reader, k, publish_zero, lo, hi, reader.size[reader.cls] >= 2)

    def take(self, x: npt.NDArray[np.float64]) -> None:
        """Widen the intervals to hold the feasible point ``x`` (class variables)."""
        r, lo, hi = self.reader, self.lo, self.hi
        mine = x[r.cls] if r.n else np.zeros(0)
        np.maximum.at(hi, r.kept, mine)
        np.minimum.at(lo, r.kept, np.where(self.kept_shared, 0.0, mine))
        if len(r.single_idx):
            most = (r.b_ub - r.ub_least @ x)[r.slack_pos]
            least = (r.b_ub - r.ub_most @ x)[r.slack_pos]
            np.maximum.at(hi, r.single_idx, most)
            np.minimum.at(lo, r.single_idx, np.where(r.shared, 0.0, least))

    def protected(self, i: int) -> bool:
        """Whether cell ``i``'s interval is at least 1 wide and reaches ``k``."""
        lo, hi = self.lo[i], self.hi[i]
        return bool(hi - lo >= 1 - 1e-6 and hi >= self.k - 1e-6)

    def open_cells(self) -> npt.NDArray[np.bool_]:
        """The cells not (yet) proved protected."""
        lo, hi, k = self.lo, self.hi, self.k
        bad = (hi - lo < 1 - 1e-6) | (hi < k - 1e-6)
        return bad & (hi > 1e-6) if self.publish_zero else bad
