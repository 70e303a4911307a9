"""Exact solver of the p-median problem with fixed costs and side constraints.

Works on plain arrays and knows nothing of geography (``siting.problem`` maps site and
hub ids to positions). :func:`solve_pmedian` takes either the arrays or a prebuilt
:class:`~siting.solve.instance.PMedianInstance`, so a caller that solves many variants
of one problem validates it once.

Backends (one resolver, :func:`resolve_backend`, serves every entry point):

- ``"fast"``: :func:`siting.solve.fast.solve_fast`, Lagrangian reduction, branch and
  bound and a radius formulation in HiGHS; exact and much faster on large instances;
- ``"highs"`` / ``"cbc"``: the strong formulation in pulp (:mod:`siting.solve.mip`),
  warm-started by :mod:`siting.solve.heuristic`;
- ``"auto"``: ``"fast"`` when highspy is installed, else ``"cbc"``.

Decisions on outcomes:

- A proven infeasible instance raises :class:`~siting.errors.InfeasibleError`, whether
  the cheap checks catch it before solving or the solver proves it; the message names
  the conflicting constraint families (:mod:`siting.solve.diagnose`). No ``Solution``
  is returned for it.
- A time limit returns the best solution known (the solver's incumbent or the warm
  start, whichever is better) with status ``"time_limit"``, the solver's bound and gap.
  If neither found a feasible solution and infeasibility is not proven,
  :class:`~siting.errors.SolverError` is raised: nothing is known.
- Status ``"infeasible"`` is therefore never returned by :func:`solve_pmedian`; it stays
  in :data:`~siting.solve.solution.Status` for reports that record an
  :class:`InfeasibleError`.
"""

from __future__ import annotations

import logging
import math
import time
from typing import Literal, Unpack

import numpy as np
from numpy.typing import ArrayLike

from siting.errors import InfeasibleError, InputError, SolverError
from siting.solve import mip
from siting.solve.diagnose import diagnose
from siting.solve.fast import solve_fast_checked
from siting.solve.feasibility import check_feasible
from siting.solve.heuristic import greedy_interchange
from siting.solve.instance import (
    PMedianInstance,
    SideConstraints,
    evaluate,
    make_instance,
)
from siting.solve.lagrangian import as_multipliers
from siting.solve.reduced import ReducedProblem
from siting.solve.scaling import ABS_GAP, instance_scale, scaled, trivial_bound
from siting.solve.solution import REL_GAP, Solution, relative_gap

#: Accepted values of the ``solver`` argument of :func:`solve_pmedian`.
SOLVERS = ("auto", "fast", "highs", "cbc")

Backend = Literal["fast", "highs", "cbc"]

#: Seconds an infeasibility diagnosis may take when the solve had no time limit.
DIAGNOSIS_S = 10.0

log = logging.getLogger(__name__)


def solve_pmedian(
    cost: ArrayLike | PMedianInstance,
    weights: ArrayLike | None = None,
    p: int | None = None,
    *,
    solver: str = "auto",
    time_limit: float | None = None,
    diagnose_infeasible: bool = True,
    multipliers: ArrayLike | None = None,
    **constraints: Unpack[SideConstraints],
) -> Solution:
    """Choose exactly ``p`` sites minimising fixed plus weighted assignment costs.

    Parameters
    ----------
    cost
        Array (n_hubs, n_sites): cost of serving hub j from site i, e.g. round-trip
        time in ms; ``+inf`` marks a pair that can never be used. Or a prebuilt
        :class:`~siting.solve.instance.PMedianInstance`, with no ``weights``, ``p``
        or side constraints.
    weights
        Array (n_hubs,): objective weight of each hub (>= 0), in objective units per
        cost unit (e.g. EUR per ms-year, any price of latency already included).
    p
        Number of sites to select (>= 1).
    solver
        ``"auto"``, ``"fast"``, ``"highs"`` or ``"cbc"`` (see the module docstring);
        all return the same objective.
    time_limit
        Seconds given to the solver, and again to each re-solve of the infeasibility
        diagnosis. None for no limit.
    diagnose_infeasible
        When the solver proves the instance infeasible, find which constraint
        families conflict (re-solves of the MIP) for the error message; False for
        callers that only need to know (a short message, no re-solves).
    multipliers
        The fast path's start for its Lagrangian multipliers (one per hub, objective
        units), e.g. :attr:`Solution.multipliers` of a solve of the same costs with
        fewer sites forced or excluded; the other backends ignore it. The answer is
        the same; a good start saves iterations.
    **constraints
        ``fixed_cost``, ``groups``, ``max_per_group``, ``max_cost``,
        ``incompatible``, ``forced``, ``excluded``: see
        :class:`~siting.solve.instance.SideConstraints`.

    Returns
    -------
    Solution
        Status ``"optimal"`` or ``"time_limit"``; each hub is assigned to its
        cheapest usable selected site, ties going to the lowest site index. Among
        selections of equal objective the one the solver returns is kept, so the
        backends may return different sites with the same objective.

    Raises
    ------
    InputError
        Malformed inputs (shapes, NaN, negative weights, p < 1, bad indices).
    InfeasibleError
        The constraints admit no solution (message says which ones conflict).
    SolverError
        Unknown solver name, a solver failure, or a time limit hit before any
        feasible solution was found.
    """
    start = time.perf_counter()
    backend = resolve_backend(solver)
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"time_limit must be > 0 seconds or None, got {time_limit!r}")
    inst = as_instance(cost, weights, p, **constraints)
    check_feasible(inst)
    scale = instance_scale(inst)
    work = scaled(inst, scale)
    if backend == "fast":
        try:
            start_lam = (
                None
                if multipliers is None
                else as_multipliers(multipliers, inst.n_hubs) * scale
            )
            # check_feasible(inst) above holds for the scaled copy too
            solution = solve_fast_checked(work, start, time_limit, start_lam)
        except InfeasibleError:
            if not diagnose_infeasible:
                raise
            # the fast path proves infeasibility; the MIP says which rules conflict
            message = diagnose(work, "highs", _left(start, time_limit))
            raise InfeasibleError(message) from None
    else:
        solution = _solve_mip(work, backend, time_limit, start, diagnose_infeasible)
    return _in_caller_units(inst, solution, scale, start)


def _left(start: float, time_limit: float | None) -> float:
    """Seconds left of the time limit for a diagnosis (at most
    :data:`DIAGNOSIS_S` without a limit), at least 0.1 s."""
    limit = DIAGNOSIS_S if time_limit is None else time_limit
    return max(0.1, limit - (time.perf_counter() - start))


def _in_caller_units(
    inst: PMedianInstance, solution: Solution, scale: float, start: float
) -> Solution:
    """The solution of the scaled instance in the caller's units: objective priced
    again on ``inst``, bound scaled back and never below :func:`trivial_bound`."""
    assignment, objective = evaluate(inst, solution.selected)
    bound = solution.bound / scale if np.isfinite(solution.bound) else -np.inf
    bound = min(max(bound, trivial_bound(inst)), objective)
    gap = relative_gap(objective, bound)
    proven = (
        solution.status == "optimal"
        or gap <= REL_GAP
        or (objective - bound) * scale <= ABS_GAP
    )
    return Solution(
        selected=solution.selected,
        assignment=assignment,
        objective=objective,
        bound=bound,
        gap=gap,
        status="optimal" if proven else "time_limit",
        runtime_s=time.perf_counter() - start,
        solver=solution.solver,
        multipliers=None
        if solution.multipliers is None
        else solution.multipliers / scale,
    )


def heuristic_pmedian(
    cost: ArrayLike | PMedianInstance,
    weights: ArrayLike | None = None,
    p: int | None = None,
    **constraints: Unpack[SideConstraints],
) -> Solution:
    """Greedy plus interchange heuristic, without a proof of quality.

    Same inputs and assignment rule as :func:`solve_pmedian`; see
    :mod:`siting.solve.heuristic` for the method. The result has status
    ``"heuristic"``, bound and gap NaN.

    Raises
    ------
    InputError, InfeasibleError
        As :func:`solve_pmedian`, for the checks made before solving.
    SolverError
        When the heuristic finds no feasible selection (which does not prove that
        none exists: use :func:`solve_pmedian`).
    """
    start = time.perf_counter()
    inst = as_instance(cost, weights, p, **constraints)
    check_feasible(inst)
    selected = warm_start(inst)
    if selected is None:
        raise SolverError(
            "the greedy heuristic found no feasible selection; "
            "use solve_pmedian to search exactly"
        )
    assignment, objective = evaluate(inst, selected)
    return Solution(
        selected=selected,
        assignment=assignment,
        objective=objective,
        bound=np.nan,
        gap=np.nan,
        status="heuristic",
        runtime_s=time.perf_counter() - start,
        solver="heuristic",
    )


def as_instance(
    cost: ArrayLike | PMedianInstance,
    weights: ArrayLike | None,
    p: int | None,
    **constraints: Unpack[SideConstraints],
) -> PMedianInstance:
    """The checked instance of a solver call: ``cost`` itself when it is one.

    Raises
    ------
    InputError
        When an instance comes with further problem arguments, or when arrays come
        without ``weights`` and ``p``, or fail :func:`make_instance`.
    """
    if isinstance(cost, PMedianInstance):
        given = [name for name, v in (("weights", weights), ("p", p)) if v is not None]
        if given or constraints:
            raise InputError(
                "a PMedianInstance already holds the problem; pass no "
                f"{', '.join([*given, *constraints])} with it"
            )
        return cost
    if weights is None or p is None:
        raise InputError("weights and p are required with a cost matrix")
    return make_instance(cost, weights, p, **constraints)


def resolve_backend(solver: str, *, mip_only: bool = False) -> Backend:
    """The backend that runs for a ``solver`` name.

    Parameters
    ----------
    solver
        One of :data:`SOLVERS`.
    mip_only
        For work that needs the MIP model itself (e.g. a constraint the fast path
        does not have): ``"auto"`` and ``"fast"`` then mean HiGHS's MIP.

    Raises
    ------
    SolverError
        For an unknown name, or a backend whose package is not installed.
    """
    if solver not in SOLVERS:
        raise SolverError(
            f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}"
        )
    highs = _highs_available()
    if solver == "auto":
        if not highs:
            return "cbc"
        return "highs" if mip_only else "fast"
    if solver in ("fast", "highs") and not highs:
        raise SolverError(
            f"solver '{solver}' needs the highspy package: pip install highspy"
        )
    if solver == "fast":
        return "highs" if mip_only else "fast"
    return "highs" if solver == "highs" else "cbc"


def warm_start(inst: PMedianInstance, deadline: float = math.inf) -> np.ndarray | None:
    """The heuristic's selection (sorted site indices), None when it finds none; its
    interchange stops at ``deadline`` (a ``time.perf_counter()`` value)."""
    prob = ReducedProblem.from_instance(inst)
    found = greedy_interchange(prob, deadline=deadline)
    return None if found is None else np.sort(prob.sites[found])


def _solve_mip(
    inst: PMedianInstance,
    backend: Backend,
    time_limit: float | None,
    start: float,
    explain: bool,
) -> Solution:
    deadline = math.inf if time_limit is None else start + time_limit
    warm = warm_start(inst, deadline)
    if deadline - time.perf_counter() < mip.handover_s(backend, inst):
        log.debug("%s not started: its model would outlast the time limit", backend)
        if warm is None:
            raise SolverError(
                f"the heuristic found no feasible selection and the time limit of "
                f"{time_limit} s leaves no time to build the {backend} model; raise "
                "time_limit or relax the constraints"
            )
        return _heuristic_answer(inst, warm, backend, start)
    model = mip.build_model(inst, mip.FAMILIES)
    log.debug(
        "p-median model: %d y and %d x variables (of %d hub-site pairs)",
        len(model.y),
        len(model.x),
        inst.n_hubs * inst.n_sites,
    )
    gap_abs = None
    if warm is not None:  # an absolute gap consistent with the relative one
        gap_abs = max(REL_GAP * abs(evaluate(inst, warm)[1]), 1e-12)
    left = deadline - time.perf_counter() - mip.handover_s(backend, inst)
    run = mip.run(
        model, backend, None if time_limit is None else max(left, 0.01), warm, gap_abs
    )
    if run.status == "infeasible" and warm is not None:
        # The heuristic's portfolio meets every constraint, so the instance is
        # feasible: CBC stopped by a short limit can still report "infeasible".
        log.debug("%s said infeasible beside a feasible warm start", backend)
        run = mip.Run("time_limit", None, np.nan)
    if run.status == "infeasible":
        # HiGHS re-solves for the diagnosis where it is installed: CBC overran a
        # 5 s limit threefold on such zero-objective models (benchmarks/time_limits.py)
        again = "highs" if _highs_available() else backend
        raise InfeasibleError(
            diagnose(inst, again, _left(start, time_limit))
            if explain
            else "the p-median has no solution: the solver proved it"
        )
    candidates = [s for s in (run.selected, warm) if s is not None]
    if not candidates:
        raise SolverError(
            f"{backend} reached the time limit of {time_limit} s before finding any "
            "feasible selection; raise time_limit or relax the constraints"
        )
    scored = [(evaluate(inst, s), s) for s in candidates]
    (assignment, objective), selected = min(scored, key=lambda t: t[0][1])
    if not np.isfinite(objective):
        raise SolverError(f"{backend} returned a selection that leaves a hub unserved")
    return Solution(
        selected=np.sort(selected),
        assignment=assignment,
        objective=objective,
        bound=run.bound,
        gap=relative_gap(objective, run.bound),
        status="optimal" if run.status == "optimal" else "time_limit",
        runtime_s=time.perf_counter() - start,
        solver=backend,
    )


def _highs_available() -> bool:
    try:
        import highspy  # noqa: F401
    except ImportError:
        return False
    return True


def _heuristic_answer(
    inst: PMedianInstance, warm: np.ndarray, backend: Backend, start: float
) -> Solution:
    """The heuristic's portfolio when the time limit leaves no room for the MIP: status
    ``time_limit``, bound NaN (the caller puts the trivial bound in)."""
    assignment, objective = evaluate(inst, warm)
    return Solution(
        selected=np.sort(warm),
        assignment=assignment,
        objective=objective,
        bound=np.nan,
        gap=np.nan,
        status="time_limit",
        runtime_s=time.perf_counter() - start,
        solver=backend,
    )
