"""The Benders master problem as a HiGHS (highspy) LP.

Columns: ``y_i`` (site i chosen, 0..1, integer in phase 2) and ``theta_j`` (hub j's
weighted cost, between its cheapest and dearest usable cost). Rows:

- ``sum_i y_i = p``; ``sum_{i in g} y_i <= cap_g`` for each group that could exceed
  its cap; ``y_i + y_k <= 1`` for each incompatible pair;
- coverage ``sum_{i usable by j} y_i >= 1`` for each hub that cannot use every
  open-able site (only with limited coverage or +inf pairs);
- Benders cuts (:mod:`siting.solve.exact.cuts`).

One HiGHS LP instance (presolve off, dual simplex, warm-started after every added
row and bound change) serves the phase-1 loop and every node of the tree.

Objective ``sum_i f_i y_i + sum_j theta_j``. Every row is valid for every feasible
selection (theta at its true cost), so the LP value and the MIP dual bound are lower
bounds. :meth:`Master.safe_bound` recomputes the LP bound from the row duals alone
(weak duality on the bounded box, reduced costs recomputed in float64), so it is a
valid bound whatever the solver's tolerances did.
"""

from __future__ import annotations

import math
import time
from typing import Any

import highspy
import numpy as np

from siting.solve.exact.costs import HubCosts, ranges
from siting.solve.exact.cuts import Cuts
from siting.solve.quiet import quiet_highs

__all__ = ["Master"]

INF = highspy.kHighsInf
_MS = highspy.HighsModelStatus


class Master:
    """The master model and a copy of its rows (for the safe dual bound).

    Parameters
    ----------
    costs
        Scaled per-hub lists (objective units times the internal scale).
    fixed
        Scaled fixed costs per site.
    p, group, cap, pairs
        As in :class:`siting.solve.exact.problem.Problem`.
    lower, upper
        float arrays (n_sites,): bounds of each ``y`` (0/1; 0/0 for closed sites,
        1/1 for forced ones).
    """

    def __init__(
        self,
        costs: HubCosts,
        fixed: np.ndarray,
        p: int,
        group: np.ndarray,
        cap: np.ndarray,
        pairs: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        m, n = costs.n_sites, costs.n_hubs
        self.m, self.n = m, n
        has = np.diff(costs.indptr) > 0
        lo_t = np.where(
            has,
            costs.cost[np.minimum(costs.indptr[:-1], costs.nnz - 1)]
            if costs.nnz
            else 0.0,
            0.0,
        )
        hi_t = np.where(
            has,
            costs.cost[np.maximum(costs.indptr[1:] - 1, 0)] if costs.nnz else 0.0,
            0.0,
        )
        self.dead = np.asarray(upper, dtype=float) <= 0  # closed for good
        self.col_lo = np.concatenate([lower, lo_t]).astype(float)
        self.col_hi = np.concatenate([upper, hi_t]).astype(float)
        self.col_cost = np.concatenate([fixed, np.ones(n)]).astype(float)
        self.h = self._columns_only()
        self.lo = np.zeros(0)
        self.up = np.zeros(0)
        self.start = np.zeros(1, dtype=np.int64)
        self.index = np.zeros(0, dtype=np.int32)
        self.value = np.zeros(0)
        self.is_cut = np.zeros(0, dtype=bool)
        self._side(costs, p, group, cap, pairs, lower, upper)

    # --- rows ---------------------------------------------------------------------

    def _side(
        self,
        costs: HubCosts,
        p: int,
        group: np.ndarray,
        cap: np.ndarray,
        pairs: np.ndarray,
        lower: np.ndarray,
        upper: np.ndarray,
    ) -> None:
        m = self.m
        openable = upper > 0
        blocks = [(float(p), float(p), np.arange(m))]
        code = group
        counts = np.bincount(code[openable], minlength=cap.size)
        for g in np.flatnonzero(counts > cap):
            blocks.append((-INF, float(cap[g]), np.flatnonzero(openable & (code == g))))
        for a, b in pairs:
            if openable[a] and openable[b]:
                blocks.append((-INF, 1.0, np.array([a, b])))
        usable = np.bincount(
            np.repeat(np.arange(costs.n_hubs), np.diff(costs.indptr)),
            weights=openable[costs.site],
            minlength=costs.n_hubs,
        )
        forced_hit = np.bincount(
            np.repeat(np.arange(costs.n_hubs), np.diff(costs.indptr)),
            weights=(lower[costs.site] > 0),
            minlength=costs.n_hubs,
        )
        # every hub whose list misses an open-able site: once sites are fixed
        # closed, a p-selection of the rest might otherwise leave it unserved
        need = (usable < openable.sum()) & (forced_hit == 0)
        for j in np.flatnonzero(need):
            seg = costs.site[costs.indptr[j] : costs.indptr[j + 1]]
            blocks.append((1.0, INF, seg[openable[seg]]))
        lo = np.array([b[0] for b in blocks])
        up = np.array([b[1] for b in blocks])
        idx = [np.asarray(b[2], dtype=np.int32) for b in blocks]
        start = np.concatenate([[0], np.cumsum([i.size for i in idx])])
        self._append(
            lo, up, start, np.concatenate(idx), np.ones(int(start[-1])), cut=False
        )

    def _append(
        self,
        lo: np.ndarray,
        up: np.ndarray,
        start: np.ndarray,
        index: np.ndarray,
        value: np.ndarray,
        *,
        cut: bool,
    ) -> None:
        k = lo.size
        if k == 0:
            return
        self.h.addRows(
            k,
            lo,
            up,
            int(start[-1]),
            start.astype(np.int32),
            index.astype(np.int32),
            value.astype(float),
        )
        self.start = np.concatenate([self.start, self.start[-1] + start[1:]])
        self.lo = np.concatenate([self.lo, lo])
        self.up = np.concatenate([self.up, up])
        self.index = np.concatenate([self.index, index.astype(np.int32)])
        self.value = np.concatenate([self.value, value.astype(float)])
        self.is_cut = np.concatenate([self.is_cut, np.full(k, cut)])

    def add_cuts(self, cuts: Cuts) -> None:
        """Append ``theta_hub + sum coef y >= rhs`` rows."""
        if cuts.size == 0:
            return
        counts = np.diff(cuts.indptr) + 1
        start = np.concatenate([[0], np.cumsum(counts)])
        index = np.empty(int(start[-1]), dtype=np.int32)
        value = np.empty(int(start[-1]))
        head = start[:-1]
        index[head] = self.m + cuts.hub
        value[head] = 1.0
        body = np.ones(index.size, dtype=bool)
        body[head] = False
        index[body] = cuts.site
        value[body] = cuts.coef
        self._append(
            cuts.rhs.astype(float),
            np.full(cuts.size, INF),
            start,
            index,
            value,
            cut=True,
        )

    def delete_cuts(self, drop: np.ndarray) -> None:
        """Delete the rows where ``drop`` (bool, one per row) is True (cuts only)."""
        drop = drop & self.is_cut
        if not drop.any():
            return
        rows = np.flatnonzero(drop).astype(np.int32)
        self.h.deleteRows(rows.size, rows)
        keep = np.flatnonzero(~drop)
        idx = ranges(self.start[keep], self.start[keep + 1])
        counts = self.start[keep + 1] - self.start[keep]
        self.start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.index, self.value = self.index[idx], self.value[idx]
        self.lo, self.up, self.is_cut = self.lo[keep], self.up[keep], self.is_cut[keep]

    def rebuild(self, drop: np.ndarray | None = None) -> None:
        """A fresh HiGHS model without the rows where ``drop`` is True (cuts only)
        and without the entries of the sites closed for good (``self.dead``)."""
        keep_row = np.ones(self.n_rows, dtype=bool)
        if drop is not None:
            keep_row &= ~(drop & self.is_cut)
        dead = np.zeros(self.m + self.n, dtype=bool)
        dead[: self.m] = self.dead
        owner = np.repeat(np.arange(self.n_rows), np.diff(self.start))
        keep = keep_row[owner] & ~dead[self.index]
        rows = np.flatnonzero(keep_row)
        new_id = np.full(self.n_rows, -1)
        new_id[rows] = np.arange(rows.size)
        counts = np.bincount(new_id[owner[keep]], minlength=rows.size)
        self.start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.index, self.value = self.index[keep], self.value[keep]
        self.lo, self.up = self.lo[rows], self.up[rows]
        self.is_cut = self.is_cut[rows]
        h = self._columns_only()
        if rows.size:
            h.addRows(
                rows.size,
                self.lo,
                self.up,
                int(self.start[-1]),
                self.start.astype(np.int32),
                self.index,
                self.value,
            )
        self.h = h

    def _columns_only(self) -> Any:
        """A quiet HiGHS model (no presolve, fixed seed) with the columns, their
        bounds and costs, and no rows."""
        h = quiet_highs()
        for key, val in (
            ("output_flag", False),
            ("presolve", "off"),
            ("random_seed", 0),
        ):
            h.setOptionValue(key, val)
        k = self.m + self.n
        h.addVars(k, self.col_lo, self.col_hi)
        h.changeColsCost(k, np.arange(k, dtype=np.int32), self.col_cost)
        return h

    def add_entries(self, rows: np.ndarray, cols: np.ndarray, vals: np.ndarray) -> None:
        """Add coefficients to existing rows (kept after the existing ones of each
        row) and rebuild the HiGHS model."""
        if rows.size:
            owner = np.repeat(np.arange(self.n_rows), np.diff(self.start))
            allrows = np.concatenate([owner, rows])
            order = np.argsort(allrows, kind="stable")
            self.index = np.concatenate([self.index, cols.astype(np.int32)])[order]
            self.value = np.concatenate([self.value, vals])[order]
            counts = np.bincount(allrows, minlength=self.n_rows)
            self.start = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
        self.rebuild()

    def set_bounds(self, sites: np.ndarray, lower: float, upper: float) -> None:
        """Fix the ``y`` of ``sites`` to the interval [lower, upper]."""
        if sites.size == 0:
            return
        self.col_lo[sites], self.col_hi[sites] = lower, upper
        self.h.changeColsBounds(
            sites.size,
            sites.astype(np.int32),
            np.full(sites.size, lower),
            np.full(sites.size, upper),
        )

    @property
    def n_rows(self) -> int:
        """Number of rows in the model."""
        return self.lo.size

    # --- solves -------------------------------------------------------------------

    def solve_lp(self, deadline: float) -> tuple[str, np.ndarray | None, float]:
        """Solve the LP; return status ('optimal', 'time_limit', 'infeasible'),
        column values and objective."""
        h = self.h
        left = deadline - time.perf_counter()
        if left <= 0:
            return "time_limit", None, -math.inf
        # HiGHS's time limit is on the instance's cumulative run time
        h.setOptionValue("time_limit", float(h.getRunTime() + min(left, 1e7)))
        h.run()
        st = h.getModelStatus()
        if st in (_MS.kInfeasible, _MS.kUnboundedOrInfeasible):
            return "infeasible", None, math.inf
        if st != _MS.kOptimal:
            return "time_limit", None, -math.inf
        x = np.asarray(h.getSolution().col_value)
        return "optimal", x, float(h.getInfo().objective_function_value)

    def row_duals(self) -> np.ndarray:
        """Row duals of the last LP solve."""
        return np.asarray(self.h.getSolution().row_dual)

    def row_values(self) -> np.ndarray:
        """Row activities of the last solve."""
        return np.asarray(self.h.getSolution().row_value)

    def safe_bound(self, dual: np.ndarray) -> tuple[float, np.ndarray]:
        """Weak-duality bound from row duals ``dual`` and the recomputed reduced costs.

        Signs are forced to be dual feasible (>= rows: u >= 0, <= rows: u <= 0), the
        reduced costs ``c - A^T u`` recomputed, and each column taken at the bound
        that minimises its term. Returns the bound and the reduced costs.
        """
        u = dual.copy()
        eq = self.lo == self.up
        u[~eq & ~np.isfinite(self.lo)] = np.minimum(u[~eq & ~np.isfinite(self.lo)], 0)
        u[~eq & ~np.isfinite(self.up)] = np.maximum(u[~eq & ~np.isfinite(self.up)], 0)
        owner = np.repeat(np.arange(self.n_rows), np.diff(self.start))
        atu = np.bincount(
            self.index, weights=self.value * u[owner], minlength=self.m + self.n
        )
        rc = self.col_cost - atu
        rows = np.where(
            u > 0,
            u * np.where(np.isfinite(self.lo), self.lo, 0.0),
            u * np.where(np.isfinite(self.up), self.up, 0.0),
        )
        cols = np.where(rc > 0, rc * self.col_lo, rc * self.col_hi)
        return float(np.sum(rows) + np.sum(cols)), rc
