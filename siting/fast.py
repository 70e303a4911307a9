"""Fast exact p-median solver for large cost matrices.

Same problem and inputs as :func:`siting.solve.solve_pmedian` (exactly ``p`` sites,
fixed costs, group limits, coverage limit, incompatible pairs, forced and excluded
sites), solved in three phases that never give up exactness:

1. Incumbent: greedy construction and best-improvement interchange (Resende and
   Werneck 2004 style swap evaluation, one matrix pass per swap).
2. Lagrangian relaxation of the assignment constraints with subgradient optimisation
   (Beasley 1993). The subproblem keeps ``sum y = p``, forced sites and group limits
   (a matroid, solved greedily) and drops the other side constraints, so every value
   is a valid lower bound. Sites whose bound with ``y_i`` flipped cannot beat the
   incumbent are fixed closed (or open), which removes most sites when ``p`` is small.
3. Depth-first branch and bound on the sites of the Lagrangian solution, with the
   same bound and fixing at every node, warm-started from the parent's multipliers.

Without a feasible incumbent (tight incompatible pairs or coverage limit) the Lagrangian
has no target, and HiGHS solves a radius (covering) formulation instead, in the chained
form of Elloumi (2010) and Garcia, Labbe and Marin (2011)::

    min  sum_i F_i y_i + sum_j (D_j1 + sum_k (D_j,k+1 - D_jk) z_jk)
    s.t. z_j1 + sum_{i: c_ji = D_j1} y_i >= 1
         z_jk - z_j,k-1 + sum_{i: c_ji = D_jk} y_i >= 0     (k >= 2)

where ``D_j1 < D_j2 < ...`` are hub j's distinct weighted costs to the open-able sites,
cut at the level that is always covered (the (m - p + 1)-th nearest site, the nearest
forced site, the coverage limit). Levels are added per hub on demand: a truncated model
is a relaxation, so its bound is valid, and its solution is exact once no hub is served
beyond its last modelled level. HiGHS also proves infeasibility there.

The returned bound is a proven lower bound. With integer data (all weighted costs and
fixed costs integral) a bound ``b`` proves ``ceil(b)``.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from siting.errors import InfeasibleError, InputError, SolverError
from siting.instance import check_feasible, evaluate, make_instance
from siting.radius import solve_radius
from siting.reduced import REL_GAP, ReducedProblem, objective_of
from siting.solution import Solution

__all__ = ["SOLVER_NAME", "solve_fast", "supports"]

#: Value of :attr:`Solution.solver` for solutions of :func:`solve_fast`.
SOLVER_NAME = "lagrangian-radius-highs"


NODE = (1.0, 5, 60)

_OPTIONS = frozenset(
    {
        "fixed_cost",
        "groups",
        "max_per_group",
        "max_cost",
        "incompatible",
        "forced",
        "excluded",
        "time_limit",
    }
)


def supports(**options) -> bool:
    """Tell whether :func:`solve_fast` handles these keyword options.

    Parameters
    ----------
    **options
        Keyword arguments a caller would pass to :func:`siting.solve.solve_pmedian`
        (values are ignored; ``solver`` is not an option of the fast path).

    Returns
    -------
    bool
        True when every option is one :func:`solve_fast` supports. All side
        constraints of ``solve_pmedian`` are supported.
    """
    return set(options) <= _OPTIONS


def solve_fast(
    cost,
    weights,
    p: int,
    *,
    fixed_cost=None,
    groups=None,
    max_per_group=None,
    max_cost: float | None = None,
    incompatible=(),
    forced=(),
    excluded=(),
    time_limit: float | None = None,
) -> Solution:
    """Solve the p-median with side constraints exactly, fast on large matrices.

    Parameters are those of :func:`siting.solve.solve_pmedian` (``cost`` is hubs x
    sites, e.g. ms; ``weights`` in objective units per cost unit; ``fixed_cost`` in
    objective units), without ``solver``.

    Parameters
    ----------
    time_limit
        Wall-clock seconds for the whole solve, None for no limit.

    Returns
    -------
    Solution
        Status ``"optimal"`` (bound within :data:`REL_GAP` of the objective) or
        ``"time_limit"`` (best solution found, proven bound and gap).

    Raises
    ------
    InputError
        Malformed inputs or a time limit that is not positive.
    InfeasibleError
        The cheap feasibility checks of :mod:`siting.instance` fail, or HiGHS proves
        that no selection meets the side constraints.
    SolverError
        No feasible selection was found, either within the time limit or because the
        constraints admit none.
    """
    start = time.perf_counter()
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"time_limit must be > 0 seconds or None, got {time_limit!r}")
    inst = make_instance(
        cost,
        weights,
        p,
        fixed_cost=fixed_cost,
        groups=groups,
        max_per_group=max_per_group,
        max_cost=max_cost,
        incompatible=incompatible,
        forced=forced,
        excluded=excluded,
    )
    check_feasible(inst)
    deadline = start + (time_limit if time_limit is not None else math.inf)
    prob = ReducedProblem.from_instance(inst)
    best, bound = _solve(prob, deadline)
    if best is None and bound == math.inf:
        raise InfeasibleError(
            "the p-median has no solution: HiGHS proved that no selection of p sites "
            "meets the group limits, incompatible pairs and coverage limit together"
        )
    if best is None:
        raise SolverError(
            "the fast p-median solver found no feasible selection"
            + (f" within the time limit of {time_limit} s" if time_limit else "")
            + "; raise time_limit, relax the constraints or use solve_pmedian"
        )
    selected = np.sort(prob.sites[best])
    assignment, objective = evaluate(inst, selected)
    bound = min(bound, objective)
    gap = (objective - bound) / abs(objective) if objective != 0 else objective - bound
    return Solution(
        selected=selected,
        assignment=assignment,
        objective=objective,
        bound=bound,
        gap=gap,
        status="optimal" if gap <= REL_GAP else "time_limit",
        runtime_s=time.perf_counter() - start,
        solver=SOLVER_NAME,
    )


def _solve(prob: ReducedProblem, deadline: float) -> tuple[np.ndarray | None, float]:
    """Return the best selection (allowed positions) and a proven lower bound."""
    best = _local_search(prob, _greedy(prob))
    ub = objective_of(prob, best) if best is not None else math.inf
    alive = np.ones(prob.fixed.size, dtype=bool)
    forced = prob.forced.copy()
    lower = -math.inf
    if math.isfinite(ub):
        lag = _lagrangian(prob, best, ub, alive, forced, deadline)
        best, ub, lower = lag.best, lag.ub, lag.bound
        if lower <= _cut(prob, ub):
            best, ub, lower = _branch(prob, lag, alive, forced, deadline)
    elif time.perf_counter() < deadline:
        found, mip_lower = solve_radius(prob, alive, forced, best, deadline)
        lower = max(lower, mip_lower)
        if found is not None and objective_of(prob, found) < ub:
            best, ub = found, objective_of(prob, found)
    if prob.integral and math.isfinite(lower):
        lower = math.ceil(lower - 1e-6)
    # a solution cut off by the reductions is worth more than _cut(ub): at least ub
    # with integer data, at least _cut(ub) otherwise
    excluded = ub if prob.integral else _cut(prob, ub)
    return best, min(lower, excluded)


def _cut(prob: ReducedProblem, ub: float) -> float:
    """Value above which a solution cannot improve on the incumbent ``ub``.

    With integer data a better solution is worth at most ``ub - 1``; otherwise the
    reductions keep every solution better than ``ub`` by more than a tenth of
    :data:`REL_GAP` (relative).
    """
    if prob.integral or not math.isfinite(ub):
        return ub - 1 + 1e-6
    return ub - 0.1 * REL_GAP * max(1.0, abs(ub))


# --- incumbent: greedy and interchange ---------------------------------------------


def _penalised(prob: ReducedProblem) -> np.ndarray:
    """Costs with unusable pairs at a penalty above any total finite cost."""
    finite = np.isfinite(prob.cost)
    if finite.all():
        return prob.cost
    big = (np.abs(prob.cost[finite]).max() + 1.0) * (prob.cost.shape[0] + 1)
    return np.where(finite, prob.cost, big)


def _addable(prob: ReducedProblem, is_open: np.ndarray) -> np.ndarray:
    """Sites that may be opened next to the open set without breaking a limit."""
    counts = np.bincount(prob.group[is_open], minlength=prob.cap.size)
    ok = ~is_open & (counts[prob.group] < prob.cap[prob.group])
    a, b = prob.pairs[:, 0], prob.pairs[:, 1]
    ok[b[is_open[a]]] = False
    ok[a[is_open[b]]] = False
    return ok


def _greedy(prob: ReducedProblem) -> np.ndarray | None:
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
    return np.flatnonzero(is_open)


def _local_search(prob: ReducedProblem, sel: np.ndarray | None) -> np.ndarray | None:
    """Best-improvement swaps (close one open site, open another) until none helps."""
    if sel is None:
        return None
    cost = _penalised(prob)
    sel = np.sort(sel)
    rows = np.arange(cost.shape[0])
    while sel.size > 1:
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


def _swappable(prob: ReducedProblem, sel: np.ndarray) -> np.ndarray:
    """Boolean (open site r, site i): closing r and opening i keeps all limits."""
    m = prob.fixed.size
    is_open = np.zeros(m, dtype=bool)
    is_open[sel] = True
    counts = np.bincount(prob.group[sel], minlength=prob.cap.size)
    room = counts[prob.group] < prob.cap[prob.group]
    ok = ~is_open[None, :] & (room[None, :] | (prob.group[sel][:, None] == prob.group))
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
    ok[prob.forced[sel]] = False
    return ok


# --- Lagrangian relaxation, subgradient and reduction ------------------------------


@dataclass
class _Lagrange:
    best: np.ndarray  # best selection found (allowed positions)
    ub: float
    bound: float  # lower bound on the restricted problem (sites alive, forced open)
    lam: np.ndarray | None = None  # multipliers of the best bound (hub order)
    pick: np.ndarray | None = None  # sites of the last Lagrangian selection


def _lagrangian(
    prob: ReducedProblem,
    best: np.ndarray,
    ub: float,
    alive: np.ndarray,
    forced: np.ndarray,
    deadline: float,
    lam: np.ndarray | None = None,
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
    buf = np.empty_like(work)
    bound, stop, stall = -math.inf, step / 400, 0
    for it in range(limit):
        if step <= stop or time.perf_counter() >= deadline:
            break
        np.minimum(work, lam[:, None], out=buf)
        g = prob.fixed[cols] + buf.sum(axis=0) - lam.sum()
        live = alive[cols]
        pick = _cheapest(prob, g, cols, live, forced)
        if pick is None:  # no selection within the reductions: incumbent optimal
            return _Lagrange(best, ub, math.inf)
        value = lam.sum() + g[pick].sum()
        sites = cols[pick]
        improved = value > bound + 1e-12 * max(1.0, abs(value))
        if improved:
            bound, stall, best_lam = value, 0, lam
        else:
            stall += 1
            if stall >= patience:
                step, stall = step / 2, 0
        cut = _cut(prob, ub)
        if bound > cut:
            break
        _fix(prob, g, pick, cols, live, value, cut, alive, forced)
        sel = cols[pick]
        if (improved or it % 10 == 0) and _pairs_ok(prob, sel):
            found = objective_of(prob, sel)
            if found < ub:
                sel = _local_search(prob, sel)
                if sel is not None and objective_of(prob, sel) < ub:
                    best, ub = sel, objective_of(prob, sel)
        slack = 1 - (work[:, pick] < lam[:, None]).sum(axis=1)
        norm = float(slack @ slack)
        if norm == 0:
            break
        lam = lam + step * (ub - value) / norm * slack
        if alive.sum() < 0.7 * cols.size:
            cols = np.flatnonzero(alive)
            work = prob.cost[:, cols]
            buf = np.empty_like(work)
    return _Lagrange(best, ub, bound, best_lam, sites)


def _branch(
    prob: ReducedProblem, root: _Lagrange, alive, forced, deadline: float
) -> tuple[np.ndarray, float, float]:
    """Depth-first branch and bound on sites with Lagrangian bounds at each node.

    Returns the best selection, its value and a lower bound on the problem restricted
    to ``alive`` and ``forced``: +inf when the search completed (no selection beats
    the incumbent), else the lowest bound of the unexplored nodes.
    """
    best, ub = root.best, root.ub
    stack = [(alive.copy(), forced.copy(), root.lam, root.bound, root.pick)]
    while stack:
        live, must, lam, parent, pick = stack.pop()
        if parent > _cut(prob, ub):
            continue
        if time.perf_counter() >= deadline:
            return best, ub, min(parent, *(node[3] for node in stack))
        node = _lagrangian(prob, best, ub, live, must, deadline, lam, *NODE)
        best, ub = node.best, node.ub
        if node.bound > _cut(prob, ub):
            continue
        if time.perf_counter() >= deadline:
            return best, ub, min(node.bound, *(n[3] for n in stack))
        free = [int(s) for s in (node.pick if node.pick is not None else pick)]
        free = [s for s in free if not must[s]]
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


def _cheapest(
    prob: ReducedProblem,
    g: np.ndarray,
    cols: np.ndarray,
    live: np.ndarray,
    forced: np.ndarray,
) -> np.ndarray | None:
    """Positions in ``cols`` of the p cheapest sites by ``g`` that respect the limits.

    Forced sites first, then by increasing ``g`` within the group limits (a matroid,
    so this greedy choice is optimal). None when no such selection exists.
    """
    must = live & forced[cols]
    chosen = np.flatnonzero(must)
    need = prob.p - chosen.size
    cand = np.flatnonzero(live & ~must)
    if need < 0 or cand.size < need:
        return None
    if prob.cap.size == 1 and prob.cap[0] >= prob.p:
        if need == 0:
            return chosen
        part = cand[np.argpartition(g[cand], need - 1)[:need]]
        return np.concatenate([chosen, part])
    counts = np.bincount(prob.group[cols[chosen]], minlength=prob.cap.size)
    picked = list(chosen)
    for c in cand[np.argsort(g[cand], kind="stable")]:
        if len(picked) == prob.p:
            break
        code = prob.group[cols[c]]
        if counts[code] < prob.cap[code]:
            counts[code] += 1
            picked.append(c)
    return np.array(picked) if len(picked) == prob.p else None


def _fix(prob, g, pick, cols, live, value, cut, alive, forced) -> None:
    """Close or open sites whose flipped Lagrangian bound exceeds ``cut``."""
    chosen = np.zeros(cols.size, dtype=bool)
    chosen[pick] = True
    free = chosen & ~forced[cols]
    if free.any():
        close = live & ~chosen & ~forced[cols] & (value + g - g[free].max() > cut)
        alive[cols[close]] = False
    others = live & ~chosen
    if others.any():
        keep = free & (value - g + g[others].min() > cut)
        forced[cols[keep]] = True


def _pairs_ok(prob: ReducedProblem, sel: np.ndarray) -> bool:
    is_open = np.zeros(prob.fixed.size, dtype=bool)
    is_open[sel] = True
    return not (is_open[prob.pairs[:, 0]] & is_open[prob.pairs[:, 1]]).any()
