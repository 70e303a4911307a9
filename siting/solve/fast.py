"""Fast exact p-median solver for large cost matrices.

Same problem as :func:`siting.solve.solve_pmedian`, on a checked
:class:`~siting.solve.instance.PMedianInstance` (exactly ``p`` sites,
fixed costs, group limits, coverage limit, incompatible pairs, forced and excluded
sites), solved in three phases that never give up exactness:

1. Incumbent: the greedy construction and best-improvement interchange of
   :mod:`siting.solve.heuristic`.
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

4. When the tree has not proved the optimum within :func:`lagrangian_budget` (half
   the time left, at most ``max(5 s, 1e-6 s per hub-site pair)``), or straight away
   when ``p`` exceeds :data:`LAGRANGIAN_MAX_P`, the Benders decomposition of
   :mod:`siting.solve.exact` (Duran-Mateluna, Ales and Elloumi 2023, on Elloumi's
   radius formulation) takes over from the incumbent and keeps the better bound.
   The Lagrangian tree is fastest at small p; the decomposition holds at every p
   (docs/solver.md has the measurements behind both thresholds).

The returned bound is a proven lower bound. With integer data (all weighted costs and
fixed costs integral) a bound ``b`` proves ``ceil(b)``.
"""

from __future__ import annotations

import math
import time

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.errors import InfeasibleError, InputError, SolverError
from siting.solve.exact import from_reduced
from siting.solve.exact import solve as solve_exact
from siting.solve.feasibility import check_feasible
from siting.solve.instance import PMedianInstance, evaluate
from siting.solve.lagrangian import as_multipliers, cut_value, lagrangian_search
from siting.solve.reduced import ReducedProblem, objective_of
from siting.solve.solution import REL_GAP, Solution

__all__ = ["SOLVER_NAME", "solve_fast", "solve_fast_checked"]

#: Value of :attr:`Solution.solver` for solutions of :func:`solve_fast`.
SOLVER_NAME = "lagrangian-benders-highs"

#: Above this many sites the Benders decomposition alone solves (measured on
#: OR-Library: the Lagrangian tree wins up to p = 50, the decomposition beyond).
LAGRANGIAN_MAX_P = 50


IntArray = NDArray[np.int64]
BoolArray = NDArray[np.bool_]
FloatArray = NDArray[np.float64]


def solve_fast(
    inst: PMedianInstance,
    *,
    time_limit: float | None = None,
    multipliers: ArrayLike | None = None,
) -> Solution:
    """Solve the p-median with side constraints exactly, fast on large matrices.

    Parameters
    ----------
    inst
        The checked instance (``cost`` hubs x sites, e.g. ms; ``weights`` in objective
        units per cost unit; ``fixed_cost`` in objective units).
    time_limit
        Wall-clock seconds for the whole solve, None for no limit.
    multipliers
        Start of the root Lagrangian's multipliers (one per hub, objective units),
        e.g. :attr:`Solution.multipliers` of the same costs with fewer sites forced or
        excluded; None to start from the incumbent. Any start gives the same answer.

    Returns
    -------
    Solution
        Status ``"optimal"`` (bound within :data:`REL_GAP` of the objective) or
        ``"time_limit"`` (best solution found, proven bound and gap).

    Raises
    ------
    InputError
        A time limit that is not positive, or malformed ``multipliers``.
    InfeasibleError
        The cheap feasibility checks of :mod:`siting.solve.instance` fail, or HiGHS
        proves that no selection meets the side constraints.
    SolverError
        No feasible selection was found within the time limit.
    """
    start = time.perf_counter()
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"time_limit must be > 0 seconds or None, got {time_limit!r}")
    lam = None if multipliers is None else as_multipliers(multipliers, inst.n_hubs)
    check_feasible(inst)
    return solve_fast_checked(inst, start, time_limit, lam)


def solve_fast_checked(
    inst: PMedianInstance,
    start: float,
    time_limit: float | None,
    lam: FloatArray | None,
) -> Solution:
    """:func:`solve_fast` of an instance that passed :func:`check_feasible`, with a
    checked time limit (from ``start``, a ``time.perf_counter()`` value) and
    multipliers; the same answer and errors otherwise."""
    deadline = start + (time_limit if time_limit is not None else math.inf)
    prob = ReducedProblem.from_instance(inst)
    best, bound, root = _solve(prob, deadline, lam)
    if best is None and bound == math.inf:
        raise InfeasibleError(
            "the p-median has no solution: HiGHS proved that no selection of p sites "
            "meets the group limits, incompatible pairs and coverage limit together"
        )
    if best is None:
        raise SolverError(
            "the fast p-median solver found no feasible selection"
            + (f" within the time limit of {time_limit} s" if time_limit else "")
            + "; raise time_limit or relax the constraints"
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
        multipliers=root,
    )


def _solve(
    prob: ReducedProblem, deadline: float, lam_start: FloatArray | None
) -> tuple[IntArray | None, float, FloatArray | None]:
    """Return the best selection (allowed positions), a proven lower bound and the
    root Lagrangian multipliers (None without them): the Lagrangian branch and bound
    first, for at most :func:`lagrangian_budget` seconds, then, unless it proved the
    optimum, the Benders decomposition of :mod:`siting.solve.exact` from its
    incumbent; above :data:`LAGRANGIAN_MAX_P` the Benders decomposition alone.
    ``lam_start``: the root multipliers' start (None for the incumbent's costs)."""
    if prob.p > LAGRANGIAN_MAX_P:
        return (*_benders(prob, deadline, None, -math.inf), None)
    start = time.perf_counter()
    budget = min(deadline, start + lagrangian_budget(prob, deadline - start))
    best, bound, multipliers = lagrangian_search(prob, budget, lam_start)
    ub = objective_of(prob, best) if best is not None else math.inf
    # lagrangian_search caps a proof at cut_value(ub) (non-integral data), so reaching
    # it is a proof: the optimum is within a tenth of REL_GAP of the incumbent
    if (
        bound >= cut_value(prob, ub)
        or bound == math.inf
        or time.perf_counter() >= deadline
    ):
        return best, bound, multipliers
    return (*_benders(prob, deadline, best, bound), multipliers)


def lagrangian_budget(prob: ReducedProblem, left: float) -> float:
    """Seconds the Lagrangian branch and bound may take before the Benders
    decomposition takes over: half the time left, at most ``max(5 s, 1e-6 s per
    hub-site pair)`` (it proves most instances of small p in that time and its tree
    grows without end on the others; docs/solver.md)."""
    pairs = prob.cost.shape[0] * prob.cost.shape[1]
    return float(min(0.5 * left, max(5.0, 1e-6 * pairs)))


def _benders(
    prob: ReducedProblem, deadline: float, best: IntArray | None, bound: float
) -> tuple[IntArray | None, float]:
    """Finish with :func:`siting.solve.exact.solve` (positions as in ``prob``)."""
    out = solve_exact(from_reduced(prob), deadline=deadline, incumbent=best)
    if out.status == "infeasible":
        return None, math.inf
    found = out.selection
    if found is not None and (
        best is None or objective_of(prob, found) <= objective_of(prob, best)
    ):
        best = found
    return best, max(bound, float(out.bound))
