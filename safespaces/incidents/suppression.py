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
published cells and totals, and each could be ``k`` or more. The same audit
(:mod:`safespaces.incidents.audit`) runs after the greedy and has it hide more
cells until it passes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import numpy.typing as npt
from scipy import sparse

from safespaces.incidents.audit import Reader, Relations

__all__ = ["CellSystem", "Relations", "table_system"]

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
            reader = Reader(self, hidden)
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
        reader: Reader,
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

        See :class:`Reader`: a hidden cell is protected when its feasible interval
        [lo, hi] is at least 1 wide and reaches ``k`` (or, with ``publish_zero``, when it
        is provably 0: a zero identifies no one). ``extra``: further published relations.
        """
        return Reader(self, hidden, extra).unprotected(k, publish_zero=publish_zero)


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
