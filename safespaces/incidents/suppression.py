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
        self.stuck = 0

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
        for _ in range(max_repairs if audit else 0):
            bad = self.unprotected(hidden, k=k, publish_zero=publish_zero)
            self.unprotected_cells = len(bad)
            if not len(bad) or not self._repair(hidden, bad, entries):
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
        bad: npt.NDArray[np.int64],
        entries: tuple[npt.NDArray[np.int32], npt.NDArray[np.int32], npt.NDArray[np.float64]],
    ) -> bool:
        """Hide one more cell for each unprotected cell; False if there is none to hide.

        In each sum of an unprotected cell, the candidates are its published cells: a
        positive one on the other side of the equation (usually the total, which makes
        the sum two-sided) first, else a positive one on the same side; the smallest.
        """
        v = self.values()
        er, ec, es = entries
        changed = False
        for cell in np.unique(bad):
            mine = ec == cell
            for r, sign in zip(er[mine], es[mine], strict=True):
                at = slice(np.searchsorted(er, r), np.searchsorted(er, r, side="right"))
                cand = ec[at]
                signs = es[at]
                free = ~hidden[cand] & (v[cand] > 0)
                if not free.any():
                    continue
                score = np.where(signs[free] != sign, 0.0, 1e18) + v[cand][free]
                pick = int(cand[free][np.argmin(score)])
                hidden[pick] = True
                changed = True
                break
        return changed

    def unprotected(
        self, hidden: npt.NDArray[np.bool_], *, k: int, publish_zero: bool = True
    ) -> npt.NDArray[np.int64]:
        """Hidden cells a reader could pin down from the published cells and sums.

        The reader's linear system: published cells are known, hidden ones are
        unknowns ``x >= 0``, every sum an equation. A hidden cell is protected when
        its feasible interval [lo, hi] is at least 1 wide and reaches ``k`` (or,
        with ``publish_zero``, when it is provably 0: a zero identifies no one).
        Bounds come from linear programming (the LP relaxation, as in the usual
        audit of cell suppression): a few LPs give feasible points that prove most
        cells protected at once, and the rest get their exact minimum and maximum.

        To keep the LPs small, an unknown that appears in one sum only (a month
        of a unit, say) is left out of them: that sum becomes an inequality, and
        its left-out unknowns share whatever the sum leaves them (so with two or
        more of them, each can take all of it, or nothing).
        """
        from scipy.optimize import linprog

        cells = np.flatnonzero(hidden)
        if not len(cells) or self._n_sums == 0:
            return np.zeros(0, dtype=np.int64)
        c, b = self.matrix()
        v = self.values()
        a = c[:, cells].tocsc()
        rhs = b - c[:, ~hidden] @ v[~hidden]
        used = np.flatnonzero(np.diff(a.tocsr().indptr) > 0)
        a = a[used].tocsc()
        rhs = rhs[used]
        count = np.diff(a.indptr)
        first = a.indptr[:-1]
        lone_row = np.where(count == 1, a.indices[np.minimum(first, len(a.indices) - 1)], -1)
        lone_coef = np.where(count == 1, a.data[np.minimum(first, len(a.data) - 1)], 0.0)
        single = (count == 1) & (lone_coef > 0)
        free = count == 0  # hidden but in no sum: unbounded above, protected
        slack = np.zeros(a.shape[0], dtype=bool)
        slack[lone_row[single]] = True
        per_row = np.bincount(lone_row[single], minlength=a.shape[0])
        keep = ~single & ~free
        ar = a.tocsr()[:, np.flatnonzero(keep)]
        a_eq, b_eq = ar[~slack], rhs[~slack]
        a_ub, b_ub = ar[slack], rhs[slack]
        slack_rows = np.flatnonzero(slack)
        n = ar.shape[1]
        lo = np.full(len(cells), np.inf)
        hi = np.full(len(cells), -np.inf)
        lo[free], hi[free] = 0.0, np.inf
        kept = np.flatnonzero(keep)
        # position of each left-out unknown's sum among the slack rows
        slack_pos = np.searchsorted(slack_rows, lone_row[single])
        shared = per_row[lone_row[single]] >= 2

        def take(x: npt.NDArray[np.float64]) -> None:
            np.maximum.at(hi, kept, x)
            np.minimum.at(lo, kept, x)
            mass = (b_ub - a_ub @ x)[slack_pos] if len(slack_rows) else np.zeros(0)
            idx = np.flatnonzero(single)
            np.maximum.at(hi, idx, mass)
            np.minimum.at(lo, idx, np.where(shared, 0.0, mass))

        def open_cells() -> npt.NDArray[np.bool_]:
            bad = (hi - lo < 1 - 1e-6) | (hi < k - 1e-6)
            if publish_zero:
                bad &= hi > 1e-6
            return bad

        def solve(
            objective: npt.NDArray[np.float64],
            extra_ub: sparse.spmatrix | None = None,
            extra_b: npt.NDArray[np.float64] | None = None,
            extra_bounds: list[tuple[float, float]] | None = None,
        ) -> Any:
            width = len(objective)

            def pad(m: sparse.spmatrix) -> sparse.csr_matrix:
                return sparse.hstack([m, sparse.csr_matrix((m.shape[0], width - n))]).tocsr()

            ub = [pad(a_ub)] if a_ub.shape[0] else []
            bub = [b_ub] if a_ub.shape[0] else []
            if extra_ub is not None and extra_b is not None:
                ub.append(sparse.csr_matrix(extra_ub))
                bub.append(extra_b)
            return linprog(
                objective,
                A_ub=sparse.vstack(ub).tocsr() if ub else None,
                b_ub=np.concatenate(bub) if bub else None,
                A_eq=pad(a_eq) if a_eq.shape[0] else None,
                b_eq=b_eq if a_eq.shape[0] else None,
                bounds=[(0.0, None)] * n + (extra_bounds or []),
                method="highs",
            )

        if n == 0:
            take(np.zeros(0))
        else:
            low = solve(np.ones(n))
            if low.status != 0:  # cannot happen for true values; stay safe
                return cells
            take(low.x)
            for _ in range(100):
                todo = open_cells()
                own = np.flatnonzero(todo[kept])  # kept unknowns still open
                sums = np.unique(slack_pos[todo[np.flatnonzero(single)]])  # slack rows open
                nt = len(own) + len(sums)
                if nt == 0:
                    break
                # maximise sum of min(value, k) over the open items: t <= value, t <= k
                rows_x = sparse.csr_matrix(
                    (-np.ones(len(own)), (np.arange(len(own)), own)), shape=(len(own), n)
                )
                ub_x = sparse.hstack([rows_x, sparse.identity(nt, format="csr")[: len(own)]])
                ub_s = sparse.hstack([a_ub[sums], sparse.identity(nt, format="csr")[len(own) :]])
                res = solve(
                    np.r_[np.zeros(n), -np.ones(nt)],
                    sparse.vstack([ub_x, ub_s]),
                    np.r_[np.zeros(len(own)), b_ub[sums]],
                    [(0.0, float(k))] * nt,
                )
                if res.status != 0:
                    break
                before = int(open_cells().sum())
                take(res.x[:n])
                if int(open_cells().sum()) == before:
                    break
            single_idx = np.flatnonzero(single)
            for i in np.flatnonzero(open_cells()):
                if keep[i]:
                    objective = np.zeros(n)
                    objective[int(np.searchsorted(kept, i))] = 1.0
                    top, bottom = solve(-objective), solve(objective)
                    hi[i] = np.inf if top.status == 3 else -top.fun
                    lo[i] = bottom.fun
                    continue
                at = int(np.searchsorted(single_idx, i))
                row = int(slack_pos[at])
                expr = a_ub[row].toarray().ravel()  # the unknown's share: b - expr @ x
                least, most = solve(expr), solve(-expr)
                hi[i] = np.inf if least.status == 3 else b_ub[row] - least.fun
                lo[i] = 0.0 if shared[at] else b_ub[row] + most.fun
        return cells[open_cells()]


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
