"""Exact solver of the p-median problem with fixed costs and side constraints.

Works on plain arrays and knows nothing of geography (see ``siting.problem`` for the
mapping from site and hub ids to positions).

The pulp model and the HiGHS / CBC backends are in :mod:`siting.mip`; the warm start
in :mod:`siting.heuristic`; input checks and the assignment rule in
:mod:`siting.instance`.

Decisions on outcomes:

- A proven infeasible instance raises :class:`~siting.errors.InfeasibleError`, whether
  the cheap checks catch it before solving or the solver proves it; the message names
  the conflicting constraint families (found by dropping one family at a time). No
  ``Solution`` is returned for it.
- A time limit returns the best solution known (the solver's incumbent or the warm
  start, whichever is better) with status ``"time_limit"``, the solver's bound and gap.
  If neither the solver nor the warm start found a feasible solution and infeasibility
  is not proven, :class:`~siting.errors.SolverError` is raised: nothing is known.
- Status ``"infeasible"`` is therefore never returned by :func:`solve_pmedian`; it stays
  in :data:`Status` for reports that record an :class:`InfeasibleError`.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import pulp

from siting import mip
from siting.errors import InfeasibleError, InputError, SolverError
from siting.fast import solve_fast
from siting.heuristic import greedy_interchange
from siting.instance import PMedianInstance, check_feasible, evaluate, make_instance
from siting.solution import Solution, Status

__all__ = ["SOLVERS", "Solution", "Status", "heuristic_pmedian", "solve_pmedian"]

#: Accepted values of the ``solver`` argument of :func:`solve_pmedian`.
SOLVERS = ("auto", "fast", "highs", "cbc")

log = logging.getLogger(__name__)


def solve_pmedian(
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
    solver: str = "auto",
    time_limit: float | None = None,
) -> Solution:
    """Choose exactly ``p`` sites minimising fixed plus weighted assignment costs.

    Parameters
    ----------
    cost
        Array (n_hubs, n_sites): cost of serving hub j from site i, e.g. round-trip
        time in ms. ``+inf`` marks a pair that can never be used.
    weights
        Array (n_hubs,): objective weight of each hub (>= 0), in objective units per
        cost unit (e.g. EUR per ms-year, any price of latency already included).
    p
        Number of sites to select (>= 1).
    fixed_cost
        Array (n_sites,): fixed cost of each site in objective units (e.g. EUR/yr).
    groups
        Array (n_sites,) of group labels (int or str), e.g. member states.
    max_per_group
        At most this many selected sites per group: an int for every group or a
        mapping label -> int (groups not in the mapping are unlimited).
    max_cost
        Coverage limit in cost units: hub j may be served by site i only when
        ``cost[j, i] <= max_cost``.
    incompatible
        Pairs (i, k) of sites that must not both be selected.
    forced, excluded
        Site indices that must / must not be selected.
    solver
        ``"fast"`` (:func:`siting.fast.solve_fast`: Lagrangian reduction, branch and
        bound and a radius formulation in HiGHS; exact and much faster on large
        instances, see ``benchmarks/``), ``"highs"`` (the strong formulation in
        pulp, solved by HiGHS), ``"cbc"`` (the same in pulp's bundled CBC) or
        ``"auto"``: ``"fast"`` when highspy is available, else ``"cbc"``. All return
        the same objective. Of the two pulp backends HiGHS was faster on 4 of the 5
        instances of ``benchmarks/solve_backends.py`` (CBC took 1.1-1.5x as long).
    time_limit
        Seconds given to the MIP solver, and again to each re-solve of the
        infeasibility diagnosis. Model building and the warm-start heuristic run
        before it and count in ``runtime_s`` only. None for no limit.

    Returns
    -------
    Solution
        Status ``"optimal"`` or ``"time_limit"``; each hub is assigned to its
        cheapest usable selected site, ties going to the lowest site index. Among
        selections of equal objective the one the solver returns is kept, so the
        two backends may return different sites with the same objective.

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
    backend = _backend(solver)
    if time_limit is not None and not time_limit > 0:
        raise InputError(f"time_limit must be > 0 seconds or None, got {time_limit!r}")
    options = {
        "fixed_cost": fixed_cost,
        "groups": groups,
        "max_per_group": max_per_group,
        "max_cost": max_cost,
        "incompatible": incompatible,
        "forced": forced,
        "excluded": excluded,
    }
    inst = make_instance(cost, weights, p, **options)
    check_feasible(inst)
    if backend == "fast":
        try:
            return solve_fast(cost, weights, p, **options, time_limit=time_limit)
        except InfeasibleError:
            # the fast path proves infeasibility; the MIP says which rules conflict
            raise InfeasibleError(_diagnose(inst, "highs", time_limit)) from None
    warm = greedy_interchange(inst)
    model = mip.build_model(inst, mip.FAMILIES)
    log.debug(
        "p-median model: %d y and %d x variables (of %d hub-site pairs)",
        len(model.y),
        len(model.x),
        inst.n_hubs * inst.n_sites,
    )
    run = mip.run(model, backend, time_limit, warm)
    if run.status == "infeasible":
        raise InfeasibleError(_diagnose(inst, backend, time_limit))
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
        gap=_gap(objective, run.bound),
        status=run.status,
        runtime_s=time.perf_counter() - start,
        solver=backend,
    )


def heuristic_pmedian(
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
) -> Solution:
    """Greedy plus vertex-substitution heuristic, without a proof of quality.

    Same inputs and assignment rule as :func:`solve_pmedian`; see
    :mod:`siting.heuristic` for the method. The result has status ``"heuristic"``,
    bound and gap NaN.

    Raises
    ------
    InputError, InfeasibleError
        As :func:`solve_pmedian`, for the checks made before solving.
    SolverError
        When the heuristic finds no feasible selection (which does not prove that
        none exists: use :func:`solve_pmedian`).
    """
    start = time.perf_counter()
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
    selected = greedy_interchange(inst)
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


def _backend(solver: str) -> str:
    if solver not in SOLVERS:
        raise SolverError(
            f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}"
        )
    highs = pulp.HiGHS(msg=False).available()
    if solver == "auto":
        return "fast" if highs else "cbc"
    if solver == "fast" and not highs:
        raise SolverError(
            "solver 'fast' needs the highspy package: pip install highspy"
        )
    if solver == "highs" and not highs:
        raise SolverError(
            "solver 'highs' needs the highspy package: pip install highspy"
        )
    return solver


def _gap(objective: float, bound: float) -> float:
    if not np.isfinite(bound):
        return np.nan
    diff = max(objective - bound, 0.0)
    if diff == 0.0:
        return 0.0
    return diff / abs(objective) if objective != 0 else np.inf


def _diagnose(inst: PMedianInstance, backend: str, time_limit) -> str:
    """Name a minimal set of constraint families that conflict (deletion filter).

    Each family in :data:`siting.mip.FAMILIES` is dropped in turn; if the rest is still
    infeasible it stays dropped. What remains is irreducible: dropping any one of its
    families makes the problem feasible (unless a re-solve hit the time limit).
    """
    active = list(mip.FAMILIES)
    unsure = False
    for family in mip.FAMILIES:
        trial = [f for f in active if f != family]
        if _present(inst, family):
            outcome = _feasibility(inst, trial, backend, time_limit)
            unsure |= outcome == "unknown"
            if outcome != "infeasible":
                continue
        active = trial
    words = "; ".join(_describe(inst, f) for f in active) or "the assignment rows"
    tail = (
        "a re-solve hit the time limit, so the set may not be minimal"
        if unsure
        else "dropping any one of them makes the problem feasible"
    )
    return (
        f"the p-median has no solution: the solver proved that these constraints "
        f"conflict: {words} ({tail})"
    )


def _present(inst: PMedianInstance, family: str) -> bool:
    return {
        "excluded": inst.excluded.size > 0,
        "forced": inst.forced.size > 0,
        "incompatible": inst.incompatible.size > 0,
        "coverage": inst.max_cost is not None,
        "groups": inst.group_codes is not None and bool((inst.group_limits >= 0).any()),
        "p": True,
    }[family]


def _feasibility(inst: PMedianInstance, families, backend: str, time_limit) -> str:
    """'feasible', 'infeasible' or 'unknown' for the model with these families."""
    model = mip.build_model(inst, families, objective=False)
    run = mip.run(model, backend, time_limit, None)
    if run.status == "infeasible":
        return "infeasible"
    return "feasible" if run.selected is not None else "unknown"


def _describe(inst: PMedianInstance, family: str) -> str:
    if family == "p":
        return f"exactly p={inst.p} sites"
    if family == "groups":
        limits = sorted({int(v) for v in inst.group_limits if v >= 0})
        return f"at most {'/'.join(map(str, limits))} site(s) per group"
    if family == "coverage":
        return f"every hub within max_cost={inst.max_cost:g} of a selected site"
    if family == "incompatible":
        return f"{len(inst.incompatible)} incompatible pair(s) not both selected"
    if family == "forced":
        return f"forced sites {_short(inst.forced)} selected"
    return f"excluded sites {_short(inst.excluded)} not selected"


def _short(values: np.ndarray, limit: int = 10) -> str:
    items = values.tolist()
    if len(items) <= limit:
        return str(items)
    return f"{items[:limit]} and {len(items) - limit} more"
