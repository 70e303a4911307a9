"""Exact p-median with side constraints: Benders decomposition of the radius model.

Follows Duran-Mateluna, Ales and Elloumi, "An efficient Benders decomposition for the
p-median problem", EJOR 308 (2023) 84-96 (arXiv 2111.13405): the master keeps the
site variables ``y`` and one ``theta`` per hub; the subproblems of Elloumi's (2010)
radius formulation (also the basis of Garcia, Labbe and Marin's 2011 "zebra") are
solved in closed form and give one cut per hub in time linear in its list
(:mod:`siting.solve.exact.cuts`). Phases:

0. incumbent: greedy construction and interchange
   (:mod:`siting.solve.exact.heuristic`), the Lagrangian dual's picks when the
   construction finds none in its time, and Lagrangian pre-fixing of sites
   (:mod:`siting.solve.exact.lagrange`);
1. the LP relaxation by a stabilised cutting-plane loop, with the rounding heuristic
   and reduced-cost fixing of sites from a dual bound that is valid whatever the LP
   tolerances (:mod:`siting.solve.exact.phase1`);
2. branch-and-Benders-cut on the phase-1 LP master (:mod:`siting.solve.exact.bnb`),
   driven here since HiGHS has no lazy-constraint callback.

Side constraints (fixed costs, exactly p, group caps, forced/excluded sites,
incompatible pairs, coverage) are rows or bounds of the master, so every phase is
exact with them. HiGHS (highspy) is the only LP/MIP engine. Its ``threads`` option is
left alone: HiGHS shares one thread scheduler per process, and a Highs object asking
for another thread count than the pulp backends' fails to run. The deadline
(``time.perf_counter`` seconds) is checked by every
loop and passed to HiGHS as a time limit and an interrupt callback.
"""

from __future__ import annotations

import math
import time
from typing import Any

import numpy as np

from siting.solve.exact.bnb import run_tree
from siting.solve.exact.heuristic import greedy, interchange
from siting.solve.exact.lagrange import lagrangian_start, prefix_fix
from siting.solve.exact.master import Master
from siting.solve.exact.phase1 import run_phase1
from siting.solve.exact.problem import (
    Outcome,
    Problem,
    feasible,
    is_integral,
    trivial_bound,
)
from siting.solve.exact.rules import infeasible_reason, scaled
from siting.solve.exact.state import State

__all__ = ["solve"]


def solve(
    problem: Problem,
    *,
    deadline: float = math.inf,
    incumbent: np.ndarray | None = None,
) -> Outcome:
    """Solve the p-median with side constraints exactly, or to the deadline.

    Parameters
    ----------
    problem
        The instance (:class:`siting.solve.exact.problem.Problem`); costs in
        objective units.
    deadline
        Absolute ``time.perf_counter()`` value (seconds) at which to stop; the
        result is returned within about 10% + 0.2 s of it.
    incumbent
        Optional feasible selection (site indices) to start from.

    Returns
    -------
    Outcome
        ``"optimal"`` with ``objective - bound`` within the tolerance of
        :func:`siting.solve.exact.problem.tolerance`; ``"time_limit"`` with the best
        selection found (or None) and a finite proven lower bound; ``"infeasible"``
        when no selection meets the constraints (bound inf).
    """
    t0 = time.perf_counter()
    stats: dict[str, Any] = {}
    reason = infeasible_reason(problem)
    if reason is not None:
        return Outcome(
            None, math.inf, math.inf, "infeasible", math.inf, {"reason": reason}
        )
    integral = is_integral(problem)
    sp, rules = scaled(problem, integral)
    st = State(
        sp,
        rules,
        deadline,
        closed=sp.excluded.copy(),
        opened=sp.forced.copy(),
        stats=stats,
    )
    st.lb = trivial_bound(sp)
    if incumbent is not None:
        st.offer(np.asarray(incumbent, dtype=np.int64))
    status = _run(st, t0)
    return _outcome(problem, st, status, t0)


def _run(st: State, t0: float) -> str:
    sp, stats = st.problem, st.stats
    left = st.deadline - time.perf_counter()
    hdl = min(st.deadline, time.perf_counter() + min(max(0.5, 0.15 * left), 10.0))
    first = greedy(sp, hdl, closed=st.closed)
    st.offer(first)
    start = st.best if st.best is not None else first  # an uncovered start is
    if start is not None:  # repaired by the interchange's penalty
        st.offer(interchange(sp, start, hdl, closed=st.closed))
    if st.best is None:  # large sparse inputs: the construction ran out of time
        left = st.deadline - time.perf_counter()
        lagrangian_start(st, time.perf_counter() + 0.25 * left)
        if st.best is not None:
            polish = time.perf_counter() + 0.25 * (st.deadline - time.perf_counter())
            st.offer(interchange(sp, st.best, polish, closed=st.closed))
    stats["t_heuristic"] = time.perf_counter() - t0
    stats["ub_heuristic"] = st.ub
    if st.rules.proven(st.lb, st.ub):
        return "proven"
    if time.perf_counter() >= st.deadline:
        return "time_limit"
    t1 = time.perf_counter()
    prefix_fix(st)
    stats["t_lagrange"] = time.perf_counter() - t1
    stats["lagrange_closed"] = int(st.closed.sum() - sp.excluded.sum())
    if st.rules.proven(st.lb, st.ub):
        st.lb = max(st.lb, st.rules.excluded_bound(st.ub))
        return "proven"
    upper = (~st.closed).astype(float)
    st.master = Master(
        sp.costs,
        sp.fixed,
        sp.p,
        sp.group,
        sp.cap,
        sp.pairs,
        st.opened.astype(float),
        upper,
    )
    t1 = time.perf_counter()
    status = run_phase1(st)
    stats["t_phase1"] = time.perf_counter() - t1
    stats["lb_phase1"] = st.lb
    stats["ub_phase1"] = st.ub
    stats["sites_closed"] = int(st.closed.sum() - sp.excluded.sum())
    stats["sites_opened"] = int(st.opened.sum() - sp.forced.sum())
    if status in ("infeasible", "proven"):
        if status == "proven" and math.isfinite(st.ub):
            st.lb = max(st.lb, st.rules.excluded_bound(st.ub))
        return status
    if time.perf_counter() >= st.deadline:
        return "time_limit"
    t2 = time.perf_counter()
    status = run_tree(st)
    stats["t_phase2"] = time.perf_counter() - t2
    return status


def _outcome(problem: Problem, st: State, status: str, t0: float) -> Outcome:
    s = st.rules.scale
    stats = {k: v for k, v in st.stats.items() if not k.startswith("_")}
    stats["seconds"] = time.perf_counter() - t0
    if status == "infeasible":
        return Outcome(None, math.inf, math.inf, "infeasible", math.inf, stats)
    ub = st.ub
    lb = st.rules.round(st.lb)
    if st.fixed_any and math.isfinite(ub):
        lb = min(lb, st.rules.excluded_bound(ub))
    if math.isfinite(ub):
        lb = min(lb, ub)
    proven = math.isfinite(ub) and ub - lb <= st.rules.tol(ub)
    sel = None if st.best is None else np.sort(st.best)
    if sel is not None and not feasible(problem, sel):  # never expected
        sel, ub, proven = None, math.inf, False
    obj = ub / s
    bound = lb / s if math.isfinite(lb) else -math.inf
    if sel is None:
        gap = math.inf
    elif obj == bound:
        gap = 0.0
    else:
        gap = (obj - bound) / abs(obj) if obj != 0 else math.inf
    if not math.isfinite(bound):
        bound = st.rules.round(trivial_bound(st.problem)) / s
    return Outcome(sel, obj, bound, "optimal" if proven else "time_limit", gap, stats)
