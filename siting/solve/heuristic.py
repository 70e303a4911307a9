"""Greedy construction plus best-improvement interchange for the constrained p-median.

The one heuristic of the solver package: the incumbent of the exact fast path, the warm
start of the MIP backends and :func:`siting.solve.heuristic_pmedian`.

1. Greedy (as in Resende and Werneck 2004): start from the forced sites and add, one at
   a time, the site that lowers the objective most among those that keep the selection
   feasible (not excluded, group limit not reached, not incompatible with a selected
   site).
2. Interchange (Teitz and Bart 1968 vertex substitution, with the swap evaluation of
   Resende and Werneck 2004: one matrix pass prices every swap): repeatedly apply the
   best swap of a selected, non-forced site for an unselected one that keeps the
   selection feasible and strictly lowers the objective; stop at a local optimum.

Pairs a hub may not use count at a penalty above any total of finite costs, so covering
every hub comes before the objective. Ties go to the lowest site position (``argmin``),
so the result is deterministic.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import NDArray

from siting.solve.reduced import ReducedProblem, objective_of

IntArray = NDArray[np.int64]


def greedy_interchange(
    prob: ReducedProblem, *, deadline: float = math.inf
) -> IntArray | None:
    """A good feasible selection (sorted allowed positions), or None if none found.

    Parameters
    ----------
    prob
        The reduced problem.
    deadline
        ``time.perf_counter()`` value after which the interchange stops and returns
        the best selection so far.
    """
    return local_search(prob, _greedy(prob), deadline=deadline)


def local_search(
    prob: ReducedProblem, sel: IntArray | None, *, deadline: float = math.inf
) -> IntArray | None:
    """Best-improvement swaps from ``sel`` until none helps (or the deadline).

    Returns the sorted selection, or None when ``sel`` is None or the result leaves a
    hub without a usable site.
    """
    if sel is None:
        return None
    cost = _penalised(prob)
    sel = np.sort(sel)
    rows = np.arange(cost.shape[0])
    while sel.size > 1 and time.perf_counter() < deadline:
        sub = cost[:, sel]
        two = np.argpartition(sub, 1, axis=1)[:, :2]
        d = np.take_along_axis(sub, two, axis=1)
        first = np.where(d[:, 0] <= d[:, 1], two[:, 0], two[:, 1])
        d1, d2 = d.min(axis=1), d.max(axis=1)
        gain = np.maximum(d1[:, None] - cost, 0).sum(axis=0)
        member = np.zeros((cost.shape[0], sel.size))
        member[rows, first] = 1.0
        extra = member.T @ (np.clip(cost, d1[:, None], d2[:, None]) - d1[:, None])
        delta = extra - gain + prob.fixed - prob.fixed[sel][:, None]
        delta[~_swappable(prob, sel)] = np.inf
        r, i = np.unravel_index(np.argmin(delta), delta.shape)
        total = d1.sum() + prob.fixed[sel].sum()
        if not delta[r, i] < -1e-12 * max(1.0, abs(total)):
            break
        sel = np.sort(np.append(np.delete(sel, r), i))
    return sel if np.isfinite(objective_of(prob, sel)) else None


def _penalised(prob: ReducedProblem) -> NDArray[np.float64]:
    """Costs with unusable pairs at a penalty above any total finite cost."""
    finite = np.isfinite(prob.cost)
    if finite.all():
        return prob.cost
    values = np.abs(prob.cost[finite])
    big = ((values.max() if values.size else 0.0) + 1.0) * (prob.cost.shape[0] + 1)
    return np.where(finite, prob.cost, big)


def _addable(prob: ReducedProblem, is_open: NDArray[np.bool_]) -> NDArray[np.bool_]:
    """Sites that may be opened next to the open set without breaking a limit."""
    counts = np.bincount(prob.group[is_open], minlength=prob.cap.size)
    ok = ~is_open & (counts[prob.group] < prob.cap[prob.group])
    if not prob.pairs.size:
        return ok
    a, b = prob.pairs[:, 0], prob.pairs[:, 1]
    ok[b[is_open[a]]] = False
    ok[a[is_open[b]]] = False
    return ok


def _greedy(prob: ReducedProblem) -> IntArray | None:
    cost = _penalised(prob)
    is_open = prob.forced.copy()
    near = cost[:, is_open].min(axis=1) if is_open.any() else None
    while is_open.sum() < prob.p:
        ok = _addable(prob, is_open)
        if not ok.any():
            return None
        served = cost if near is None else np.minimum(cost, near[:, None])
        score = served.sum(axis=0) + prob.fixed
        i = int(np.flatnonzero(ok)[np.argmin(score[ok])])
        is_open[i] = True
        near = cost[:, i].copy() if near is None else np.minimum(near, cost[:, i])
    return np.flatnonzero(is_open).astype(np.int64)


def _swappable(prob: ReducedProblem, sel: IntArray) -> NDArray[np.bool_]:
    """Boolean (open site r, site i): closing r and opening i keeps all limits."""
    m = prob.fixed.size
    is_open = np.zeros(m, dtype=bool)
    is_open[sel] = True
    counts = np.bincount(prob.group[sel], minlength=prob.cap.size)
    room = counts[prob.group] < prob.cap[prob.group]
    ok: NDArray[np.bool_] = ~is_open[None, :] & (
        room[None, :] | (prob.group[sel][:, None] == prob.group)
    )
    ok[prob.forced[sel]] = False
    if not prob.pairs.size:
        return ok
    conflicts = np.zeros((sel.size, m), dtype=np.int64)
    where = np.full(m, -1)
    where[sel] = np.arange(sel.size)
    clash = np.zeros(m, dtype=np.int64)
    for a, b in (
        (prob.pairs[:, 0], prob.pairs[:, 1]),
        (prob.pairs[:, 1], prob.pairs[:, 0]),
    ):
        hit = is_open[a]
        np.add.at(clash, b[hit], 1)
        np.add.at(conflicts, (where[a[hit]], b[hit]), 1)
    ok &= clash[None, :] == conflicts
    return ok
