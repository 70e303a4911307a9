"""Phase 1: the LP relaxation of the Benders master by a stabilised cutting-plane loop.

Following Duran-Mateluna, Ales and Elloumi (EJOR 2023, Algorithm 3) with the in-out
stabilisation of Ben-Ameur and Neto (2007) as used by Fischetti, Ljubic and Sinnl
(2017): cuts are separated at ``y_sep = a * y_lp + (1 - a) * y_core``, a point between
the LP optimum and a core point that follows the separation points; when that yields
no cut violated at the LP optimum, the LP optimum itself is separated (``a = 1``).
The loop stops when the LP value and the true LP objective at ``y_lp`` (fixed costs
plus every hub's subproblem value) agree to 1e-7 relative, or at the deadline.

After each LP solve the safe dual bound of
:meth:`siting.solve.exact.master.Master.safe_bound` gives reduced costs ``rc``; a
site with ``bound + rc_i > cutoff(ub)`` cannot be in an improving selection and is
closed, one with ``bound - rc_i > cutoff(ub)`` must be in every improving selection
and is opened (reduced-cost fixing). The rounding heuristic (open the sites of
largest ``y_lp``, then interchange) feeds the incumbent.
"""

from __future__ import annotations

import math
import time

import numpy as np

from siting.solve.exact.costs import HubCosts
from siting.solve.exact.cuts import cut_values, level, separate, take
from siting.solve.exact.heuristic import greedy
from siting.solve.exact.pricing import extension, outside_rc
from siting.solve.exact.state import State

__all__ = ["run_phase1"]

ALPHA = 0.4
CORE_STEP = 0.5
MAX_ITER = 400
WORK_MIN = 3000  # open-able sites above which the LP starts on a working set


def run_phase1(st: State) -> str:
    """Run the loop; return 'converged', 'time_limit', 'infeasible' or 'proven'."""
    prob, master = st.problem, st.lp
    m = prob.n_sites
    full = prob.costs.restrict(~st.closed)
    _start_work(st)
    alive = st.refresh_alive()
    core = _interior(st)
    if st.best is not None:
        ind = np.zeros(m)
        ind[st.best] = 1.0
        master.add_cuts(separate(alive, ind))
        core = 0.5 * core + 0.5 * ind
    master.add_cuts(separate(alive, core))
    alpha, it, tic = ALPHA, 0, time.perf_counter()
    closed_built = int(st.closed.sum())
    status = "time_limit"
    while it < MAX_ITER:
        it += 1
        kind, x, obj = master.solve_lp(st.deadline)
        if kind == "infeasible" and st.work is None:
            status = "infeasible" if not st.fixed_any else "proven"
            break
        if kind == "infeasible":  # infeasible on the working set: widen it
            _widen(st, full, np.ones(m, dtype=bool))
            continue
        if kind != "optimal":
            break
        assert x is not None  # an optimal LP has column values
        y, theta = x[:m], x[m:]
        dual = master.row_duals()
        bound, rc = master.safe_bound(dual)
        rc = rc[:m]
        outside = None
        if st.work is not None:
            outside = ~st.work & ~st.closed
            rc = np.where(outside, outside_rc(master, full, dual, rc, outside), rc)
            bound += float(np.minimum(rc[outside], 0.0).sum())
        st.lb = max(st.lb, bound)
        _fix(st, bound, rc)
        if st.rules.proven(st.lb, st.ub):
            status = "proven"
            break
        alive = st.refresh_alive()
        closed_now = int(st.closed.sum())
        if closed_now - closed_built > 0.2 * (m - closed_built):
            master.rebuild()
            closed_built = closed_now
            st.stats["rebuilds"] = st.stats.get("rebuilds", 0) + 1
        at = level(alive, y)
        true_lp = float(prob.fixed @ y) + float(
            cut_values(separate(alive, y, at=at), y).sum()
        )
        if it % 3 == 1 or it < 4:
            order = np.flatnonzero(~st.closed)
            order = order[np.argsort(-y[order], kind="stable")]
            spent = time.perf_counter() - tic
            sel = greedy(
                prob, st.deadline, closed=st.closed, opened=st.opened, order=order
            )
            st.offer(sel, polish=min(0.05 + 0.2 * spent, 2.0))
        if time.perf_counter() >= st.deadline:
            break
        done = true_lp - obj <= 1e-7 * max(1.0, abs(obj)) + st.rules.floor
        added = 0
        if not done:
            added = _add(st, alive, alpha * y + (1 - alpha) * core, y, theta)
            if added == 0:
                added = _add(st, alive, y, y, theta, at=at)
                alpha = min(1.0, alpha + 0.3)
        if added == 0:
            if st.work is None:
                status = "converged"
                break
            outside = ~st.work & ~st.closed
            neg = np.flatnonzero(outside & (rc < -1e-9 * max(1.0, abs(obj))))
            if neg.size == 0:  # the working-set LP is the full LP: include the rest
                _widen(st, full, outside)
            else:
                take_ = neg[np.argsort(rc[neg])[: max(2 * prob.p, 100)]]
                grow = np.zeros(m, dtype=bool)
                grow[take_] = True
                _widen(st, full, grow)
            alive = st.refresh_alive()
            closed_built = int(st.closed.sum())
        core = CORE_STEP * core + (1 - CORE_STEP) * (alpha * y + (1 - alpha) * core)
    if st.work is not None:  # deadline: keep the master valid for what follows
        _widen(st, full, ~st.work & ~st.closed)
    st.stats["lp_iterations"] = it
    st.stats["lp_rows"] = master.n_rows
    st.stats["lp_nnz"] = int(master.index.size)
    return status


def _start_work(st: State) -> None:
    """Choose the working set when the open-able sites are many for p."""
    prob = st.problem
    alive = ~st.closed
    k = max(10 * prob.p + 100, 300)
    if alive.sum() <= max(3 * k, WORK_MIN) or st.lag_g is None or st.best is None:
        st.set_work(None)
        return
    g = np.where(alive, st.lag_g, np.inf)
    work = np.zeros(prob.n_sites, dtype=bool)
    work[np.argsort(g, kind="stable")[:k]] = True
    work[st.best] = True
    work |= st.opened
    work &= alive
    st.lp.set_bounds(np.flatnonzero(alive & ~work), 0.0, 0.0)
    st.set_work(work)
    st.stats["work_start"] = int(work.sum())


def _widen(st: State, full: HubCosts, new: np.ndarray) -> None:
    """Add the sites ``new`` to the working set (and to every cut)."""
    work = st.work if st.work is not None else np.ones_like(new)
    new = new & ~work & ~st.closed
    if new.any():
        rows, cols, vals = extension(st.lp, full, new)
        st.lp.add_entries(rows, cols, vals)
        sites = np.flatnonzero(new)
        st.lp.set_bounds(sites, 0.0, 1.0)
        st.lp.set_bounds(np.flatnonzero(new & st.opened), 1.0, 1.0)
    work = st.work | new
    st.set_work(None if (work | st.closed).all() else work)
    st.stats["work_added"] = st.stats.get("work_added", 0) + int(new.sum())


def _interior(st: State) -> np.ndarray:
    """A point with sum p spread over the open-able sites (forced at 1)."""
    prob = st.problem
    y = np.zeros(prob.n_sites)
    free = ~st.closed & ~st.opened
    y[st.opened] = 1.0
    left = prob.p - int(st.opened.sum())
    if free.any() and left > 0:
        y[free] = left / free.sum()
    return y


def _add(
    st: State,
    alive: HubCosts,
    y_sep: np.ndarray,
    y: np.ndarray,
    theta: np.ndarray,
    *,
    at: np.ndarray | None = None,
) -> int:
    """Add the cuts at ``y_sep`` violated at the LP point; return how many."""
    cuts = separate(alive, y_sep, at=at)
    viol = cut_values(cuts, y) - theta[cuts.hub]
    scale = np.maximum(1.0, np.abs(theta[cuts.hub]))
    rows = np.flatnonzero(viol > 1e-9 * scale + st.rules.floor)
    if rows.size:
        st.lp.add_cuts(take(cuts, rows))
    return int(rows.size)


def _fix(st: State, bound: float, rc: np.ndarray) -> None:
    """Reduced-cost fixing against the incumbent's cut-off."""
    if not math.isfinite(st.ub):
        return
    cut = st.rules.cutoff(st.ub)
    keep = np.zeros(st.problem.n_sites, dtype=bool)
    keep[st.best] = True
    close = ~st.closed & ~keep & (rc > 0) & (bound + rc > cut)
    open_ = ~st.opened & keep & (rc < 0) & (bound - rc > cut)
    if close.any():
        sites = np.flatnonzero(close)
        st.closed[sites] = True
        st.lp.dead[sites] = True
        st.lp.set_bounds(sites, 0.0, 0.0)
        st.fixed_any = True
    if open_.any():
        sites = np.flatnonzero(open_)
        st.opened[sites] = True
        st.lp.set_bounds(sites, 1.0, 1.0)
        st.fixed_any = True
