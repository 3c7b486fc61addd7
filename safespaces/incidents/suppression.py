"""Small-count suppression over every published incident table at once.

Every count the incident analysis publishes is a *cell* of one linear system:
a unit's breakdown (light windows, week part, months, categories) sums to the
unit's total, the units' totals sum to the study total in the summary, the
summary's light windows sum to the study total, the environment groups sum the
street segments' totals, and so on. :class:`CellSystem` holds the cells (true
values) and those sums, and :meth:`CellSystem.suppress` decides which cells are
published:

1. **Primary**: a count from 1 to ``k - 1`` is hidden (0 too when
   ``publish_zero`` is False).
2. **Follow**: declared "leader" cells hide their "followers" (a unit whose
   total is hidden hides every breakdown cell of that unit, so a reader
   learns nothing about when or what).
3. **Complementary (secondary)**: every sum with a hidden cell must have at
   least two hidden cells, and when all its hidden cells are on one side of
   the equation (e.g. parts hidden, total published) they must hide together at
   least ``k`` incidents. Otherwise more cells are hidden, the smallest
   positive first (a published zero is never chosen where another published
   total of zero would pin it), else the sum's total. Repeated over all sums of
   all tables until nothing changes.

Rule 3 is a greedy heuristic (in the family of the "hypercube" method), not an
optimal cell-suppression solver; ``tests/reliability/test_rel_privacy.py``
checks its result by linear programming: no hidden cell is determined by the
published cells and totals, and each could be ``k`` or more.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy import sparse

IntArray = npt.NDArray[np.int64]


class CellSystem:
    """Published cells of several tables and the sums that link them.

    Examples
    --------
    >>> system = CellSystem()
    >>> total = system.add_cells([10])
    >>> parts = system.add_cells([9, 1])
    >>> system.add_sums(parts[None, :], total)
    >>> system.suppress(k=5).tolist()
    [False, True, True]
    """

    def __init__(self) -> None:
        self._values: list[npt.NDArray[np.float64]] = []
        self._size = 0
        self._rows: list[IntArray] = []
        self._cols: list[IntArray] = []
        self._signs: list[npt.NDArray[np.float64]] = []
        self._constants: list[npt.NDArray[np.float64]] = []
        self._n_sums = 0
        self._lead: list[IntArray] = []
        self._follow: list[IntArray] = []
        self._last_resort = np.zeros(0, dtype=np.int64)
        self.stuck = 0
        self.unprotected_cells = 0

    @property
    def size(self) -> int:
        """Number of cells."""
        return self._size

    def add_cells(self, values: npt.ArrayLike) -> IntArray:
        """Add cells with their true (non-negative) values; returns their ids, same shape."""
        arr = np.asarray(values, dtype=float)
        if (arr < 0).any() or not np.isfinite(arr).all():
            raise ValueError("cell values must be finite and non-negative")
        ids = np.arange(self._size, self._size + arr.size, dtype=np.int64).reshape(arr.shape)
        self._values.append(arr.ravel())
        self._size += arr.size
        return ids

    def add_sums(
        self,
        parts: npt.ArrayLike,
        totals: npt.ArrayLike | None = None,
        constant: float | npt.ArrayLike = 0.0,
    ) -> None:
        """Add sums ``parts[i].sum() - totals[i] = constant[i]`` (one per row of ``parts``).

        Parameters
        ----------
        parts
            Cell ids, one row per sum (``-1`` pads ragged rows).
        totals
            The cell each row sums to (``-1`` or None: a published ``constant``
            instead, e.g. a total that is always published).
        constant
            Published value of ``sum(parts) - total``.
        """
        p = np.atleast_2d(np.asarray(parts, dtype=np.int64))
        m = p.shape[0]
        if m == 0:
            return
        t = np.full(m, -1, dtype=np.int64) if totals is None else np.asarray(totals, np.int64)
        t = np.broadcast_to(t, (m,))
        rows = np.repeat(np.arange(m), p.shape[1]).reshape(p.shape)
        ok = p >= 0
        cols = [p[ok]]
        rr = [rows[ok]]
        signs = [np.ones(int(ok.sum()))]
        has_total = t >= 0
        cols.append(t[has_total])
        rr.append(np.flatnonzero(has_total))
        signs.append(-np.ones(int(has_total.sum())))
        self._cols.append(np.concatenate(cols))
        self._rows.append(np.concatenate(rr) + self._n_sums)
        self._signs.append(np.concatenate(signs))
        self._constants.append(np.broadcast_to(np.asarray(constant, dtype=float), (m,)).copy())
        self._n_sums += m

    def add_follow(self, leaders: npt.ArrayLike, followers: npt.ArrayLike) -> None:
        """Hide ``followers[i]`` (a row of ids, ``-1`` pads) whenever ``leaders[i]`` is hidden."""
        lead = np.asarray(leaders, dtype=np.int64).ravel()
        fol = np.asarray(followers, dtype=np.int64).reshape(len(lead), -1)
        pairs_lead = np.repeat(lead, fol.shape[1])
        pairs_fol = fol.ravel()
        ok = (pairs_fol >= 0) & (pairs_lead >= 0)
        self._lead.append(pairs_lead[ok])
        self._follow.append(pairs_fol[ok])

    def keep_published(self, ids: npt.ArrayLike) -> None:
        """Hide these cells (e.g. the study total) in a repair only when nothing else can.

        A reader expects the headline figures; hiding a total of 24 to protect a cell
        of 4 is the costliest choice when a smaller published cell would do.
        """
        self._last_resort = np.union1d(self._last_resort, np.asarray(ids, dtype=np.int64))

    def values(self) -> npt.NDArray[np.float64]:
        """True values of all cells."""
        return np.concatenate(self._values) if self._values else np.zeros(0)

    def matrix(self) -> tuple[sparse.csr_matrix, npt.NDArray[np.float64]]:
        """The sums as ``C @ values = b``: C (sums x cells, entries +1 / -1) and b."""
        if not self._rows:
            return sparse.csr_matrix((0, self._size)), np.zeros(0)
        c = sparse.csr_matrix(
            (np.concatenate(self._signs), (np.concatenate(self._rows), np.concatenate(self._cols))),
            shape=(self._n_sums, self._size),
        )
        return c, np.concatenate(self._constants)

    def _spread(self, hidden: npt.NDArray[np.bool_]) -> None:
        if not self._lead:
            return
        lead, fol = np.concatenate(self._lead), np.concatenate(self._follow)
        while True:
            new = hidden[lead] & ~hidden[fol]
            if not new.any():
                return
            hidden[fol[new]] = True

    def suppress(
        self,
        *,
        k: int,
        publish_zero: bool = True,
        secondary: bool = True,
        audit: bool = True,
        max_repairs: int = 50,
    ) -> npt.NDArray[np.bool_]:
        """Which cells to hide (True), by the rules in the module docstring.

        With ``audit`` (and ``secondary``), the greedy result is then checked by
        linear programming (:meth:`unprotected`); each cell found unprotected has
        one more cell of its sums hidden (a published total first), the greedy runs
        again, and so on until the audit passes. Afterwards ``stuck`` counts the
        sums the greedy could not serve and ``unprotected_cells`` the cells the
        audit still found (both 0 unless a published total is below k).
        """
        v = self.values()
        hidden = (v >= 1) & (v < k)
        if not publish_zero:
            hidden |= v == 0
        self._spread(hidden)
        self.stuck = 0
        self.unprotected_cells = 0
        if not secondary or self._n_sums == 0:
            return hidden
        c, _ = self.matrix()
        c = c.tocoo()
        c.sum_duplicates()
        order = np.lexsort((c.col, c.row))
        entries = (c.row[order], c.col[order], c.data[order])
        self._greedy(hidden, entries, k)
        for attempt in range(max_repairs + 1 if audit else 0):
            reader = _Reader(self, hidden)
            bad = reader.unprotected(k, publish_zero=publish_zero)
            self.unprotected_cells = len(bad)
            if not len(bad) or attempt == max_repairs:
                break
            if not self._repair(hidden, reader, bad, entries):
                break
            self._spread(hidden)
            self._greedy(hidden, entries, k)
        return hidden

    def _greedy(
        self,
        hidden: npt.NDArray[np.bool_],
        entries: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64]],
        k: int,
    ) -> None:
        """Rule 3 (in place) until every sum is served or stuck."""
        v = self.values()
        er, ec, es = entries
        m = self._n_sums
        pos_mat = sparse.csr_matrix(((es > 0).astype(float), (er, ec)), shape=(m, self._size))
        neg_mat = sparse.csr_matrix(((es < 0).astype(float), (er, ec)), shape=(m, self._size))
        stuck = np.zeros(m, dtype=bool)
        for _ in range(self._size + m + 1):
            h = hidden.astype(float)
            n_pos, n_neg = pos_mat @ h, neg_mat @ h
            s_pos, s_neg = pos_mat @ (h * v), neg_mat @ (h * v)
            n_h = n_pos + n_neg
            one_side = (n_pos == 0) | (n_neg == 0)
            side = np.where(n_neg == 0, 1.0, -1.0)
            hidden_sum = np.where(n_neg == 0, s_pos, s_neg)
            need = (n_h >= 1) & ((n_h < 2) | (one_side & (hidden_sum < k))) & ~stuck
            if not need.any():
                break
            # A published zero is pinned to 0 by a sum whose other side is published and
            # whose hidden cells on its own side add up to 0: never hide it as a complement.
            own_sum = np.where(es > 0, s_pos[er], s_neg[er])
            other_open = np.where(es > 0, n_neg[er], n_pos[er]) > 0
            pinned_entry = ~hidden[ec] & (v[ec] == 0) & ~other_open & (own_sum == 0)
            pinned = np.zeros(self._size, dtype=bool)
            pinned[ec[pinned_entry]] = True
            sel = need[er] & ~hidden[ec]
            r, cell, s = er[sel], ec[sel], es[sel]
            val = v[cell]
            same = s == side[r]
            cls = np.full(len(r), np.inf)
            cls[~same] = 2.0  # the other side (usually the total): the sum becomes two-sided
            cls[same & (val == 0) & (n_h[r] < 2) & ~pinned[cell]] = 1.0
            cls[same & (val > 0)] = 0.0
            ok = np.isfinite(cls)
            rank = np.lexsort((cell[ok], val[ok], cls[ok], r[ok]))
            rr = r[ok][rank]
            first = np.r_[True, rr[1:] != rr[:-1]] if len(rr) else np.zeros(0, dtype=bool)
            served = np.zeros(m, dtype=bool)
            served[rr[first]] = True
            stuck |= need & ~served
            if not first.any():
                continue
            hidden[cell[ok][rank][first]] = True
            self._spread(hidden)
        self.stuck = int(stuck.sum())

    def _repair(
        self,
        hidden: npt.NDArray[np.bool_],
        reader: _Reader,
        bad: npt.NDArray[np.int64],
        entries: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64]],
    ) -> bool:
        """Hide one more cell for each unprotected cell; False if none could be hidden.

        The sums that bound the cell from above are those with a non-zero dual value in
        the LP that maximises it (and the cell's own sums); the smallest published
        positive cell among them is hidden (cells marked with :meth:`keep_published`
        last), which puts a new unknown into that bound. A cell whose bound already got
        a new unknown in this round waits for the next audit: one new unknown often
        protects several cells, and hiding one per cell would hide far more than needed.
        """
        v = self.values()
        er, ec, _ = entries
        last = np.zeros(self._size, dtype=bool)
        last[self._last_resort] = True
        picked = np.zeros(self._size, dtype=bool)
        changed = False
        for cell in np.unique(bad):
            sums = np.union1d(reader.binding(int(cell)), er[ec == cell])
            at = np.isin(er, sums)
            cand = ec[at]
            if picked[cand].any():  # this round already put a new unknown into its bound
                continue
            free = cand[~hidden[cand] & (v[cand] > 0)]
            if not len(free):
                continue
            pick = int(free[np.lexsort((free, v[free], last[free]))[0]])
            hidden[pick] = picked[pick] = True
            changed = True
        return changed

    def unprotected(
        self,
        hidden: npt.NDArray[np.bool_],
        *,
        k: int,
        publish_zero: bool = True,
        extra: Relations | None = None,
    ) -> npt.NDArray[np.int64]:
        """Hidden cells a reader could pin down from the published cells and sums.

        See :class:`_Reader`: a hidden cell is protected when its feasible interval
        [lo, hi] is at least 1 wide and reaches ``k`` (or, with ``publish_zero``, when it
        is provably 0: a zero identifies no one). ``extra``: further published relations.
        """
        return _Reader(self, hidden, extra).unprotected(k, publish_zero=publish_zero)


@dataclasses.dataclass(frozen=True)
class Relations:
    """Further published relations between cells: ``rows @ cells = values`` up to
    ``tolerance`` (e.g. the score equations of a fitted count model)."""

    rows: sparse.spmatrix
    values: npt.NDArray[np.float64]
    tolerance: npt.NDArray[np.float64]


class _Reader:
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
        # classes of kept unknowns with identical columns in the LP constraints
        lp = sparse.vstack([a_eq, self.a_ub[self.binding_ub], a_near]).tocsc()
        lp.sort_indices()
        keys = [
            hash((lp.indices[i:j].tobytes(), lp.data[i:j].tobytes()))
            for i, j in zip(lp.indptr[:-1], lp.indptr[1:], strict=True)
        ]
        _, self.cls = np.unique(np.array(keys, dtype=np.int64), return_inverse=True)
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
        # per slack row and class: the least and the most its members can contribute
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
        self._memo: dict[bytes, Any] = {}

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
        m = len(self.cells)
        if not m:
            return np.zeros(0, dtype=np.int64)
        lo, hi = np.full(m, np.inf), np.full(m, -np.inf)
        lo[self.free], hi[self.free] = 0.0, np.inf
        kept_shared = self.size[self.cls] >= 2

        def take(x: npt.NDArray[np.float64]) -> None:
            mine = x[self.cls] if self.n else np.zeros(0)
            np.maximum.at(hi, self.kept, mine)
            np.minimum.at(lo, self.kept, np.where(kept_shared, 0.0, mine))
            if len(self.single_idx):
                most = (self.b_ub - self.ub_least @ x)[self.slack_pos]
                least = (self.b_ub - self.ub_most @ x)[self.slack_pos]
                np.maximum.at(hi, self.single_idx, most)
                np.minimum.at(lo, self.single_idx, np.where(self.shared, 0.0, least))

        def open_cells() -> npt.NDArray[np.bool_]:
            bad = (hi - lo < 1 - 1e-6) | (hi < k - 1e-6)
            return bad & (hi > 1e-6) if publish_zero else bad

        if self.n == 0:
            take(np.zeros(0))
            return self.cells[open_cells()]
        low = self.solve(np.ones(self.n))
        if low.status != 0:  # true values are feasible: cannot happen; stay safe
            return self.cells
        take(low.x)
        for _ in range(100):
            todo = open_cells()
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
            take(res.x[: self.n])
            # and the other way: minimise the open items (their shares, for left-out ones)
            objective = np.zeros(self.n)
            objective[own] = 1.0
            if len(sums):
                objective -= np.asarray(self.ub_most[sums].sum(axis=0)).ravel()
            low = self.solve(objective)
            if low.status == 0:
                take(low.x)
            after = int(open_cells().sum())
            if after <= 20 or after > 0.75 * before:  # few left, or slow: exact LPs now
                break
        for i in np.flatnonzero(open_cells()):
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
        return self.cells[open_cells()]


def table_system(
    counts: npt.ArrayLike,
    groups: Sequence[Sequence[int]],
    *,
    total: int = 0,
    column_sums: bool = True,
) -> tuple[CellSystem, IntArray]:
    """A units x columns table as a :class:`CellSystem`.

    Parameters
    ----------
    counts
        Units x columns; column ``total`` is the unit total.
    groups
        Column positions of each breakdown (each sums to the total column).
    column_sums
        Treat every column's sum over the units as published.

    Returns
    -------
    system, ids
        The system and the cell ids of ``counts`` (same shape).
    """
    values = np.asarray(counts, dtype=float)
    system = CellSystem()
    ids = system.add_cells(values)
    for members in groups:
        cols = [c for c in members if c != total]
        if cols:
            system.add_sums(ids[:, cols], ids[:, total])
    others = np.delete(ids, total, axis=1)
    system.add_follow(ids[:, total], others)
    if column_sums and len(values):
        system.add_sums(ids.T, None, values.sum(axis=0))
    return system, ids
