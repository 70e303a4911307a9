"""The Lagrangian branch and bound of the fast path (phases 1 to 3 of
:mod:`siting.solve.fast`): incumbent, subgradient bound with site fixing, and a
depth-first tree warm-started from the parent's multipliers."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.errors import InputError
from siting.solve.heuristic import greedy_interchange, local_search
from siting.solve.instance import PMedianInstance
from siting.solve.radius import solve_radius
from siting.solve.reduced import ReducedProblem, objective_of
from siting.solve.solution import REL_GAP

IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]

#: Subgradient settings at a branch-and-bound node: start step, patience, iterations.
#: The start step is the root's (Beasley 1993 starts at 2); 1.0 with patience 5, as
#: before 2 Dec 2026, made the tree of OR-Library pmed36 take 12.95 s against 3.92 s
#: (docs/solver.md has the same-run figures on OR-Library and TSPLIB).
NODE = (2.0, 10, 60)

#: The reductions of the subgradient loop, called as ufuncs: the same sums and extrema
#: as ``ndarray.sum``, ``max`` and ``min`` without their Python wrappers (a tenth of
#: an iteration on the packaged data's small working matrices).
_add, _max, _min = np.add.reduce, np.maximum.reduce, np.minimum.reduce


def lagrangian_search(
    prob: ReducedProblem, deadline: float, start: FloatArray | None = None
) -> tuple[IntArray | None, float, FloatArray | None]:
    """The Lagrangian branch and bound: best selection, a proven lower bound and the
    multipliers of the root's best bound (hub order; None when no Lagrangian ran).
    The root's subgradient starts at ``start`` when given, else at the incumbent's
    assignment costs."""
    best = greedy_interchange(prob, deadline=deadline)
    ub = objective_of(prob, best) if best is not None else math.inf
    alive = np.ones(prob.fixed.size, dtype=bool)
    forced = prob.forced.copy()
    lower = -math.inf
    multipliers = None
    if best is not None:
        lam = None if start is None else start.copy()
        lag = _lagrangian(prob, best, ub, alive, forced, deadline, lam)
        best, ub, lower, multipliers = lag.best, lag.ub, lag.bound, lag.lam
        if lower <= cut_value(prob, ub):
            best, ub, lower = _branch(prob, lag, alive, forced, deadline)
    elif time.perf_counter() < deadline:
        found, mip_lower = solve_radius(prob, alive, forced, best, deadline)
        lower = max(lower, mip_lower)
        if found is not None and objective_of(prob, found) < ub:
            best, ub = found, objective_of(prob, found)
    if prob.integral and math.isfinite(lower):
        lower = math.ceil(lower - 1e-6)
    # a solution cut off by the reductions is worth more than cut_value(ub): at least ub
    # with integer data, at least cut_value(ub) otherwise
    excluded = ub if prob.integral else cut_value(prob, ub)
    return best, min(lower, excluded), multipliers


def lagrangian_bound(inst: PMedianInstance, multipliers: ArrayLike) -> float:
    """A lower bound on the p-median ``inst``: its Lagrangian value at ``multipliers``.

    The assignment constraints are relaxed with ``multipliers`` (one per hub, in
    objective units); ``sum y = p``, forced and excluded sites and group limits are
    kept and the other side constraints dropped, so every finite vector gives a valid
    bound, and a good one when it comes from a related solve
    (:attr:`siting.solve.Solution.multipliers` of the same costs with fewer sites
    forced or excluded) and costs one pass over the matrix instead of a solve.

    Returns
    -------
    float
        The bound (objective units); inf when more than ``p`` sites are forced or
        too few fit the group limits.

    Raises
    ------
    InputError
        ``multipliers`` not a finite vector of one value per hub.
    """
    lam = as_multipliers(multipliers, inst.n_hubs)
    prob = ReducedProblem.from_instance(inst)
    cols = np.arange(prob.fixed.size)
    g = prob.fixed + np.minimum(prob.cost - lam[:, None], 0.0).sum(axis=0)
    live = np.ones(cols.size, dtype=bool)
    pick = _cheapest(prob, g, live, prob.forced, _Groups(prob, cols))
    if pick is None:
        return math.inf
    return float(lam.sum() + g[pick].sum())


def as_multipliers(values: ArrayLike, n_hubs: int) -> FloatArray:
    """``values`` as Lagrangian multipliers of ``n_hubs`` hubs.

    Raises
    ------
    InputError
        Not a finite vector of one value per hub.
    """
    try:
        lam = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError):
        raise InputError(
            f"multipliers must be {n_hubs} finite values, one per hub; got values "
            "that are not numbers"
        ) from None
    if lam.shape != (n_hubs,) or not np.isfinite(lam).all():
        raise InputError(
            f"multipliers must be {n_hubs} finite values, one per hub; got shape "
            f"{lam.shape}"
            + ("" if np.isfinite(lam).all() else " with non-finite values")
        )
    return lam


def cut_value(prob: ReducedProblem, ub: float) -> float:
    """Value above which a solution cannot improve on the incumbent ``ub``.

    With integer data a better solution is worth at most ``ub - 1``; otherwise the
    reductions keep every solution better than ``ub`` by more than a tenth of
    :data:`REL_GAP` (relative).
    """
    if prob.integral or not math.isfinite(ub):
        return ub - 1 + 1e-6
    return ub - 0.1 * REL_GAP * max(1.0, abs(ub))


# --- Lagrangian relaxation, subgradient and reduction ------------------------------


@dataclass
class _Lagrange:
    best: IntArray  # best selection found (allowed positions)
    ub: float
    bound: float  # lower bound on the restricted problem (sites alive, forced open)
    lam: FloatArray | None = None  # multipliers of the best bound (hub order)
    pick: IntArray | None = None  # sites of the last Lagrangian selection


def _lagrangian(
    prob: ReducedProblem,
    best: IntArray,
    ub: float,
    alive: BoolArray,
    forced: BoolArray,
    deadline: float,
    lam: FloatArray | None = None,
    step: float = 2.0,
    patience: int = 30,
    limit: int = 100_000,
) -> _Lagrange:
    """Subgradient optimisation of the Lagrangian dual; fixes sites in place.

    ``alive`` (sites that may still open) and ``forced`` (sites that must open) are
    updated: a site is closed (opened) when the Lagrangian bound of every solution
    with it open (closed) exceeds :func:`_cut` of the incumbent. The step factor
    starts at ``step`` and halves after ``patience`` iterations without a better
    bound; the search stops below 1/400 of the start.
    """
    lam = prob.cost[:, best].min(axis=1) if lam is None else lam
    best_lam, sites = lam, None
    cols = np.flatnonzero(alive)
    work = prob.cost[:, cols]
    fixed = prob.fixed[cols]
    groups = _Groups(prob, cols)
    buf = np.empty_like(work)
    n_alive = cols.size
    bound, stop, stall = -math.inf, step / 400, 0
    cut = cut_value(prob, ub)
    for it in range(limit):
        if step <= stop or time.perf_counter() >= deadline:
            break
        np.minimum(work, lam[:, None], out=buf)
        total = float(_add(lam))
        g = fixed + _add(buf, axis=0) - total
        live = alive[cols]
        pick = _cheapest(prob, g, live, forced[cols], groups)
        if pick is None:  # no selection within the reductions: incumbent optimal
            return _Lagrange(best, ub, math.inf)
        value = total + float(_add(g[pick]))
        sites = cols[pick]
        improved = value > bound + 1e-12 * max(1.0, abs(value))
        if improved:
            bound, stall, best_lam = value, 0, lam
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        if bound > cut:
            break
        n_alive -= _fix(g, pick, cols, live, value, cut, alive, forced)
        if (improved or it % 10 == 0) and _pairs_ok(prob, sites):
            found = objective_of(prob, sites)
            if found < ub:
                better = local_search(prob, sites, deadline=deadline)
                if better is not None and objective_of(prob, better) < ub:
                    best, ub = better, objective_of(prob, better)
                    cut = cut_value(prob, ub)
        slack = 1 - _add(work[:, pick] < lam[:, None], axis=1, dtype=np.int64)
        norm = float(slack @ slack)
        if norm == 0:
            break
        lam = lam + step * (ub - value) / norm * slack
        if n_alive < 0.7 * cols.size:
            cols = np.flatnonzero(alive)
            work = prob.cost[:, cols]
            fixed = prob.fixed[cols]
            groups = _Groups(prob, cols)
            buf = np.empty_like(work)
            n_alive = cols.size
    return _Lagrange(best, ub, bound, best_lam, sites)


def _branch(
    prob: ReducedProblem,
    root: _Lagrange,
    alive: BoolArray,
    forced: BoolArray,
    deadline: float,
) -> tuple[IntArray, float, float]:
    """Depth-first branch and bound on sites with Lagrangian bounds at each node.

    Returns the best selection, its value and a lower bound on the problem restricted
    to ``alive`` and ``forced``: +inf when the search completed (no selection beats
    the incumbent), else the lowest bound of the unexplored nodes.
    """
    best, ub = root.best, root.ub
    stack = [(alive.copy(), forced.copy(), root.lam, root.bound, root.pick)]
    while stack:
        live, must, lam, parent, pick = stack.pop()
        if parent > cut_value(prob, ub):
            continue
        if time.perf_counter() >= deadline:
            return best, ub, min([parent, *(node[3] for node in stack)])
        node = _lagrangian(prob, best, ub, live, must, deadline, lam, *NODE)
        best, ub = node.best, node.ub
        if node.bound > cut_value(prob, ub):
            continue
        if time.perf_counter() >= deadline:
            return best, ub, min([node.bound, *(n[3] for n in stack)])
        picked = node.pick if node.pick is not None else pick
        if picked is None or node.lam is None:
            continue
        free = [int(s) for s in picked if not must[s]]
        if not free:
            continue
        cover = (prob.cost[:, free] < node.lam[:, None]).sum(axis=0)
        site = free[int(np.argmax(cover))]
        closed, opened = live.copy(), must.copy()
        closed[site] = False
        opened[site] = True
        stack.append((closed, must.copy(), node.lam, node.bound, node.pick))
        stack.append((live.copy(), opened, node.lam, node.bound, node.pick))
    return best, ub, math.inf


class _Groups:
    """The group limits of the sites ``cols`` as Python lists, for the greedy choice
    of :func:`_cheapest` (None when no limit binds below ``p``)."""

    def __init__(self, prob: ReducedProblem, cols: IntArray) -> None:
        unlimited = prob.cap.size == 1 and prob.cap[0] >= prob.p
        self.code: list[int] | None = None if unlimited else prob.group[cols].tolist()
        self.cap: list[int] = prob.cap.tolist()


def _cheapest(
    prob: ReducedProblem,
    g: FloatArray,
    live: BoolArray,
    forced: BoolArray,
    groups: _Groups,
) -> IntArray | None:
    """Positions of the p cheapest sites by ``g`` that respect the limits (``g``,
    ``live`` and ``forced``: one value per site of the working columns).

    Forced sites first, then by increasing ``g`` within the group limits (a matroid,
    so this greedy choice is optimal). None when no such selection exists.
    """
    must = live & forced
    chosen = np.flatnonzero(must)
    need = prob.p - chosen.size
    cand = np.flatnonzero(live ^ must)
    if need < 0 or cand.size < need:
        return None
    if groups.code is None:
        if need == 0:
            return chosen
        part = cand[np.argpartition(g[cand], need - 1)[:need]]
        return np.concatenate([chosen, part])
    code, room = groups.code, groups.cap.copy()
    picked = chosen.tolist()
    for c in picked:
        room[code[c]] -= 1
    if need > 0:
        for c in cand[np.argsort(g[cand], kind="stable")].tolist():
            k = code[c]
            if room[k] > 0:
                room[k] -= 1
                picked.append(c)
                if len(picked) == prob.p:
                    break
    return np.array(picked, dtype=np.int64) if len(picked) == prob.p else None


def _fix(
    g: FloatArray,
    pick: IntArray,
    cols: IntArray,
    live: BoolArray,
    value: float,
    cut: float,
    alive: BoolArray,
    forced: BoolArray,
) -> int:
    """Close or open sites whose flipped Lagrangian bound exceeds ``cut``; return
    the number closed."""
    must = forced[cols]
    chosen = np.zeros(cols.size, dtype=bool)
    chosen[pick] = True
    free = chosen & ~must
    others = live & ~chosen
    closed = 0
    swap_out = g[free]
    if swap_out.size:
        # opening a site in place of the dearest free pick: value + g - max > cut
        close = others & ~must & (g > cut - value + _max(swap_out))
        closed = int(np.count_nonzero(close))
        if closed:
            alive[cols[close]] = False
    swap_in = g[others]
    if swap_in.size:
        # closing a pick for the cheapest other: value - g + min > cut
        keep = free & (g < value - cut + _min(swap_in))
        if np.count_nonzero(keep):
            forced[cols[keep]] = True
    return closed


def _pairs_ok(prob: ReducedProblem, sel: IntArray) -> bool:
    if not prob.pairs.size:
        return True
    is_open = np.zeros(prob.fixed.size, dtype=bool)
    is_open[sel] = True
    return not (is_open[prob.pairs[:, 0]] & is_open[prob.pairs[:, 1]]).any()
