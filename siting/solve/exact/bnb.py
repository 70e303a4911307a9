"""Phase 2: branch-and-Benders-cut on the phase-1 LP master (HiGHS dual simplex).

HiGHS (1.16) has no lazy-constraint or user-cut callback, so the branch and bound of
the paper's phase 2 is driven here: every node changes the bounds of some ``y`` in
the one LP master of phase 1, re-solves it warm (dual simplex), separates the Benders
cuts of :mod:`siting.solve.exact.cuts` at the node's LP optimum and re-solves until
none is violated (or the bound stalls), so each node's bound is its LP relaxation. Then:

- the node is pruned when its safe dual bound (:meth:`Master.safe_bound`) reaches the
  cut-off of the incumbent, or its LP is infeasible;
- an integral node optimum with no violated cut is a selection priced exactly (it may
  become the incumbent) and closes the node;
- reduced-cost fixing with the node's bound fixes sites in its subtree;
- otherwise it branches by reliability branching
  (:mod:`siting.solve.exact.branching`); the child on the side ``y`` leans to is
  processed next (a plunge: one bound change, so the warm dual simplex is cheap)
  and the other is queued; when a plunge ends, the open node of lowest bound is
  taken.

The lowest bound among open nodes (and the cut-off once the tree is empty) is a
proven bound on the problem restricted to the sites left by the root fixing.
"""

from __future__ import annotations

import heapq
import math
import time
from typing import Any

import numpy as np

from siting.solve.exact.branching import Pseudocosts, choose
from siting.solve.exact.cuts import cut_values, separate, take
from siting.solve.exact.heuristic import greedy
from siting.solve.exact.master import Master
from siting.solve.exact.problem import feasible
from siting.solve.exact.state import State

__all__ = ["run_tree"]

MAX_CUT_ROUNDS = 30
PLUNGE = True  # process the child ``y`` leans to next
REDUCE = True  # drop the cuts slack at the root LP before the tree
HEUR_EVERY = 20


def run_tree(st: State) -> str:
    """Run the tree; return 'proven', 'infeasible' or 'time_limit'."""
    prob, master, rules = st.problem, st.lp, st.rules
    m = prob.n_sites
    act = master.row_values()
    if REDUCE and act.size == master.n_rows:
        slack = act - master.lo
        master.rebuild(slack > 1e-6 * np.maximum(1.0, np.abs(master.lo)))
    elif REDUCE:
        master.rebuild()
    root_lo, root_hi = master.col_lo[:m].copy(), master.col_hi[:m].copy()
    heap: list[tuple[Any, ...]] = []
    count = 0
    heapq.heappush(heap, (st.lb, 0, count, (), (), None))
    pc = Pseudocosts(m)
    nodes = 0
    dive = None
    while heap or dive is not None:
        if time.perf_counter() >= st.deadline:
            if dive is not None:
                heapq.heappush(heap, dive)
            break
        if dive is not None:
            item, dive = dive, None
        else:
            item = heapq.heappop(heap)
        bound, neg_depth, _, ones, zeros, origin = item
        if rules.round(bound) >= rules.cutoff(st.ub):
            continue
        nodes += 1
        lo, hi = root_lo.copy(), root_hi.copy()
        lo[list(ones)], hi[list(ones)] = 1.0, 1.0
        hi[list(zeros)] = 0.0
        if (lo > hi).any():
            continue
        _apply(master, lo, hi)
        result = _node(st, lo, hi, nodes)
        if result is None:  # deadline inside the node: keep it open
            heapq.heappush(heap, item)
            break
        node_bound, y, fix0, fix1 = result
        if origin is not None:
            j0, up0, fr0, parent = origin
            gain = math.inf if node_bound is None else node_bound - parent
            pc.update(j0, up0, gain if math.isfinite(gain) else abs(parent) + 1, fr0)
        if node_bound is None or rules.round(node_bound) >= rules.cutoff(st.ub):
            continue
        node_bound = max(node_bound, bound)
        if not (lo < hi).any():
            continue  # every y fixed: the node's LP was its only selection
        for s in fix0:
            lo[s], hi[s] = lo[s], 0.0
        for s in fix1:
            lo[s], hi[s] = 1.0, hi[s]
        if fix0.size or fix1.size:
            _apply(master, lo, hi)
        j, no_down, no_up = choose(st, pc, y, node_bound, lo, hi)
        if time.perf_counter() >= st.deadline:
            heapq.heappush(heap, item)
            break
        z = tuple(sorted(set(zeros) | set(fix0.tolist())))
        o = tuple(sorted(set(ones) | set(fix1.tolist())))
        down = (
            node_bound,
            neg_depth - 1,
            count + 1,
            o,
            z + (j,),
            (j, 0, float(y[j]), node_bound),
        )
        up = (
            node_bound,
            neg_depth - 1,
            count + 2,
            o + (j,),
            z,
            (j, 1, float(1 - y[j]), node_bound),
        )
        count += 2
        kids = [k for k, gone in ((down, no_down), (up, no_up)) if not gone]
        if len(kids) == 2 and PLUNGE:
            near, far = (up, down) if y[j] >= 0.5 else (down, up)
            heapq.heappush(heap, far)
            dive = near
        elif kids and PLUNGE:
            dive = kids[0]
        else:
            for k in kids:
                heapq.heappush(heap, k)
    _apply(master, root_lo, root_hi)
    st.stats["tree_nodes"] = nodes
    st.stats["tree_open"] = len(heap)
    if heap:
        st.lb = max(st.lb, min(b for b, *_ in heap))
        return "time_limit"
    if not math.isfinite(st.ub):
        return "infeasible" if not st.fixed_any else "time_limit"
    st.lb = max(st.lb, rules.excluded_bound(st.ub))
    return "proven"


def _apply(master: Master, lo: np.ndarray, hi: np.ndarray) -> None:
    m = lo.size
    cur_lo, cur_hi = master.col_lo[:m], master.col_hi[:m]
    diff = np.flatnonzero((cur_lo != lo) | (cur_hi != hi))
    if diff.size:
        master.col_lo[diff], master.col_hi[diff] = lo[diff], hi[diff]
        master.h.changeColsBounds(diff.size, diff.astype(np.int32), lo[diff], hi[diff])


def _node(st: State, lo: np.ndarray, hi: np.ndarray, nodes: int) -> Any:
    """Solve one node; None at the deadline, else (bound or None if pruned, y,
    sites to fix to 0, sites to fix to 1)."""
    prob, master, rules = st.problem, st.lp, st.rules
    m = prob.n_sites
    alive = st.refresh_alive()
    empty = np.zeros(0, dtype=np.int64)
    last = -math.inf
    y = np.zeros(m)
    for rnd in range(MAX_CUT_ROUNDS):
        kind, x, obj = master.solve_lp(st.deadline)
        if kind == "time_limit" and time.perf_counter() < st.deadline:
            master.rebuild()  # a solver failure: retry once on a fresh model
            kind, x, obj = master.solve_lp(st.deadline)
        if kind == "infeasible":
            return None, None, empty, empty
        if kind != "optimal":
            return None
        assert x is not None  # an optimal LP has column values
        y, theta = x[:m], x[m:]
        if obj >= rules.cutoff(st.ub) - 1e-6 * max(1.0, abs(obj)):
            bound, _ = master.safe_bound(master.row_duals())
            if rules.round(bound) >= rules.cutoff(st.ub):
                return None, None, empty, empty
        cuts = separate(alive, y)
        viol = cut_values(cuts, y) - theta[cuts.hub]
        rows = np.flatnonzero(
            viol > 1e-9 * np.maximum(1, np.abs(cuts.rhs)) + rules.floor
        )
        integral = bool(np.all(np.minimum(y, 1 - y) <= 1e-6))
        if integral:
            sel = np.flatnonzero(y > 0.5)
            if sel.size != prob.p or not feasible(prob, sel):
                integral = False  # never closed on a selection that is not valid
            else:
                st.offer(sel)
        if rows.size == 0:
            break
        master.add_cuts(take(cuts, rows))
        stalled = rnd >= 3 and obj - last <= 1e-4 * max(1.0, rules.tol(st.ub))
        if stalled and not integral:
            break
        last = obj
    bound, rc = master.safe_bound(master.row_duals())
    rc = rc[:m]
    if rules.round(bound) >= rules.cutoff(st.ub):
        return None, None, empty, empty
    if nodes % HEUR_EVERY == 1:
        order = np.flatnonzero(hi > 0)
        order = order[np.argsort(-y[order], kind="stable")]
        opened = lo > 0
        st.offer(
            greedy(prob, st.deadline, closed=hi == 0, opened=opened, order=order),
            polish=0.05,
        )
    if integral and rows.size == 0:  # a valid selection, priced exactly
        return None, None, empty, empty
    cut = rules.cutoff(st.ub)
    free = lo < hi
    fix0 = np.flatnonzero(free & (rc > 0) & (bound + rc > cut))
    fix1 = np.flatnonzero(free & (rc < 0) & (bound - rc > cut))
    return bound, y, fix0, fix1
