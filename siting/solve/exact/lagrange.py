"""Lagrangian pre-fixing of sites before the LP (Beasley 1993 style subgradient).

Relaxing each hub's assignment with multiplier ``lam_j`` gives, per site, the value
``g_i = f_i + sum_j min(0, c_ji - lam_j)`` and the bound ``L = sum lam + (the p
smallest g with the forced sites)``; caps and pairs are dropped, so ``L`` is a
valid lower bound. With ``g_p`` the largest chosen ``g``, a site not chosen is
closed when ``L + g_i - g_p > cutoff`` and a chosen one opened when
``L - g_i + g_(p+1) > cutoff``. Only the entries with ``c_ji < lam_j`` (a prefix of
each hub's sorted list) are touched, so an iteration costs far less than a pass
over all pairs when p is small. The LP of phase 1 then starts on far fewer sites.

When the construction heuristic ends without a selection (on large sparse inputs
its passes over every pair do not fit the time), :func:`lagrangian_start` runs the
same subgradient from multipliers at each hub's ``ceil(m / p)``-th cheapest cost,
with the usual target of 5% above the best bound while no incumbent exists
(Beasley 1993), and offers the sites it picks as a selection: on large p they
cover every hub within a few hundred iterations, and the interchange then
polishes them.
"""

from __future__ import annotations

import math
import time

import numpy as np

from siting.solve.exact.costs import prefix_end, ranges
from siting.solve.exact.state import State

__all__ = ["lagrangian_start", "prefix_fix"]


def prefix_fix(st: State, iterations: int = 120, patience: int = 8) -> float:
    """Run the subgradient, fix sites in ``st``; return the best Lagrangian bound.

    Starts from the best multipliers of :func:`lagrangian_start` when it ran, else
    from each hub's cost at the incumbent.
    """
    prob, rules = st.problem, st.rules
    if st.best is None:
        return -math.inf
    c = prob.costs
    hub = c.hub_of_entry()
    lam = st.served(st.best).copy() if st.lag_lam is None else st.lag_lam.copy()
    best_bound, step, stall = -math.inf, 1.0, 0
    for _ in range(iterations):
        if time.perf_counter() >= st.deadline:
            break
        idx = ranges(c.indptr[:-1], prefix_end(c, lam))
        h, s = hub[idx], c.site[idx]
        g = prob.fixed + np.bincount(
            s, weights=c.cost[idx] - lam[h], minlength=c.n_sites
        )
        g[st.closed] = np.inf
        pick, value = _cheapest(g, st.opened & ~st.closed, prob.p)
        if pick is None:
            break
        bound = float(lam.sum()) + value
        if bound > best_bound + 1e-12 * max(1.0, abs(bound)):
            best_bound, stall = bound, 0
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        cut = rules.cutoff(st.ub)
        if rules.round(bound) >= cut:
            best_bound = bound
            break
        _fix(st, g, pick, bound, cut)
        st.lag_g = g
        chosen = np.zeros(c.n_sites, dtype=bool)
        chosen[pick] = True
        slack = 1.0 - np.bincount(h[chosen[s]], minlength=c.n_hubs)
        norm = float(slack @ slack)
        if norm == 0 or step < 1e-3:
            break
        lam = lam + step * (st.ub - bound) / norm * slack
    st.stats["lagrange_bound"] = best_bound
    if math.isfinite(best_bound):
        st.lb = max(st.lb, best_bound)
    return best_bound


def lagrangian_start(st: State, until: float, patience: int = 30) -> float:
    """Search the Lagrangian dual for a first selection; return the best bound.

    Parameters
    ----------
    st
        State without an incumbent; it gets the first feasible selection the
        subgradient picks (checked every 10 iterations) and the bound.
    until
        ``time.perf_counter()`` seconds at which to give up (also ``st.deadline``).
    patience
        Iterations without a better bound before the step is halved.
    """
    prob = st.problem
    c = prob.costs
    hub = c.hub_of_entry()
    length = np.diff(c.indptr)
    free = int((~st.closed).sum())
    k = min(math.ceil(free / max(prob.p, 1)), max(int(length.max(initial=1)), 1))
    at = c.indptr[:-1] + np.minimum(k, length) - 1
    lam = np.where(length > 0, c.cost[np.maximum(at, 0)], 0.0)
    best_bound, step, stall, it = -math.inf, 2.0, 0, 0
    while st.best is None and time.perf_counter() < min(until, st.deadline):
        it += 1
        idx = ranges(c.indptr[:-1], prefix_end(c, lam))
        h, s = hub[idx], c.site[idx]
        g = prob.fixed + np.bincount(
            s, weights=c.cost[idx] - lam[h], minlength=c.n_sites
        )
        g[st.closed] = np.inf
        pick, value = _cheapest(g, st.opened & ~st.closed, prob.p)
        if pick is None:
            break
        bound = float(lam.sum()) + value
        if bound > best_bound + 1e-12 * max(1.0, abs(bound)):
            best_bound, stall, st.lag_lam = bound, 0, lam
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        if it % 10 == 0:
            st.offer(pick)
        chosen = np.zeros(c.n_sites, dtype=bool)
        chosen[pick] = True
        slack = 1.0 - np.bincount(h[chosen[s]], minlength=c.n_hubs)
        norm = float(slack @ slack)
        if norm == 0:
            st.offer(pick)
            break
        if step < 1e-6:
            break
        target = best_bound + 0.05 * max(abs(best_bound), 1.0)
        lam = lam + step * (target - bound) / norm * slack
    st.stats["lagrange_start_iterations"] = it
    if math.isfinite(best_bound):
        st.lb = max(st.lb, best_bound)
    return best_bound


def _cheapest(
    g: np.ndarray, must: np.ndarray, p: int
) -> tuple[np.ndarray | None, float]:
    """The forced sites and the p - |forced| smallest others by ``g``; their sum."""
    forced = np.flatnonzero(must)
    need = p - forced.size
    others = np.flatnonzero(~must & np.isfinite(g))
    if need < 0 or others.size < need:
        return None, math.inf
    if need > 0:
        part = others[np.argpartition(g[others], need - 1)[:need]]
        pick = np.concatenate([forced, part])
    else:
        pick = forced
    return pick, float(g[pick].sum())


def _fix(st: State, g: np.ndarray, pick: np.ndarray, bound: float, cut: float) -> None:
    """Close or open the sites whose flipped bound exceeds ``cut``."""
    chosen = np.zeros(g.size, dtype=bool)
    chosen[pick] = True
    free = chosen & ~st.opened
    keep = np.zeros(g.size, dtype=bool)
    keep[st.best] = True
    if free.any():
        worst = float(g[free].max())
        close = (
            ~chosen & ~st.closed & ~keep & np.isfinite(g) & (bound + g - worst > cut)
        )
        if close.any():
            st.closed[close] = True
            st.fixed_any = True
    rest = ~chosen & ~st.closed & np.isfinite(g)
    if rest.any() and free.any():
        nxt = float(g[rest].min())
        open_ = free & keep & (bound - g + nxt > cut)
        if open_.any():
            st.opened[open_] = True
            st.fixed_any = True
