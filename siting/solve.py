"""Exact solver of the p-median problem with fixed costs and side constraints.

Works on plain arrays and knows nothing of geography (see ``siting.problem`` for the
mapping from site and hub ids to positions).

Formulation (strong, with ``x_ji <= y_i``), for sites i, hubs j::

    minimise   sum_i F_i y_i + sum_j sum_i w_j c_ji x_ji
    subject to sum_i y_i = p                                  (p_sites)
               sum_i x_ji = 1                  for every hub  (serve_j)
               x_ji <= y_i                     for every pair (link_j_i)
               sum_{i in g} y_i <= k_g         for a group    (group_g)
               y_i + y_k <= 1                  for a pair     (incompatible_i_k)
               y_i = 1                         forced site    (forced_i)
               y_i in {0, 1}, 0 <= x_ji <= 1

Excluded sites get no ``y`` variable. A pair ``x_ji`` is created only when hub j may use
site i (finite cost, within ``max_cost``) and could be its nearest selected site: among
the m allowed sites ranked for hub j by (cost, index), the nearest of any p selected
sites ranks within the first m - p + 1, and never after a forced site.

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
import re
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pulp

from siting.errors import InfeasibleError, InputError, SolverError
from siting.heuristic import greedy_interchange
from siting.instance import PMedianInstance, check_feasible, evaluate, make_instance

__all__ = ["SOLVERS", "Solution", "Status", "heuristic_pmedian", "solve_pmedian"]

log = logging.getLogger(__name__)

Status = Literal["optimal", "time_limit", "infeasible", "heuristic"]

#: Accepted values of the ``solver`` argument of :func:`solve_pmedian`.
SOLVERS = ("auto", "highs", "cbc")

#: Relative MIP gap at which both solvers stop and call the solution optimal.
REL_GAP = 1e-9


@dataclass(frozen=True)
class Solution:
    """Result of :func:`solve_pmedian`, by array position.

    Attributes
    ----------
    selected
        Sorted indices of the chosen sites.
    assignment
        For each hub, the index of the site that serves it (-1 when infeasible).
    objective
        Objective value of the returned solution (units of the inputs; NaN if none).
    bound
        Best proven lower bound on the objective (NaN when none is known, e.g. for a
        heuristic solution).
    gap
        Relative gap ``(objective - bound) / |objective|`` (at most :data:`REL_GAP`
        when proven optimal; NaN without a bound).
    status
        ``"optimal"``, ``"time_limit"``, ``"infeasible"`` or ``"heuristic"`` (a
        heuristic solution with no proof of quality).
    runtime_s
        Wall time of the solve in seconds.
    solver
        Name of the method that produced the solution.
    """

    selected: np.ndarray
    assignment: np.ndarray
    objective: float
    bound: float
    gap: float
    status: Status
    runtime_s: float
    solver: str


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
        ``"highs"`` (HiGHS through pulp and highspy), ``"cbc"`` (pulp's bundled CBC)
        or ``"auto"``: HiGHS when available, else CBC. HiGHS is chosen because it
        solved every instance measured faster (see ``benchmarks/solve_backends.py``).
    time_limit
        Seconds given to the MIP solver (the warm-start heuristic runs before it and
        counts in ``runtime_s`` only). None for no limit.

    Returns
    -------
    Solution
        Status ``"optimal"`` or ``"time_limit"``; each hub is assigned to its
        cheapest usable selected site, ties going to the lowest site index.

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
    warm = greedy_interchange(inst)
    model = _build_model(inst, FAMILIES)
    run = _run(model, backend, time_limit, warm)
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


#: Constraint families, in the order the infeasibility diagnosis tries to drop them.
FAMILIES = ("excluded", "forced", "incompatible", "coverage", "groups", "p")


@dataclass
class _Model:
    prob: pulp.LpProblem
    y: dict[int, pulp.LpVariable]
    x: dict[tuple[int, int], pulp.LpVariable]


@dataclass
class _Run:
    status: str  # "optimal", "time_limit" or "infeasible"
    selected: np.ndarray | None
    bound: float


def _backend(solver: str) -> str:
    if solver not in SOLVERS:
        raise SolverError(
            f"unknown solver {solver!r}; choose one of {', '.join(SOLVERS)}"
        )
    highs = pulp.HiGHS(msg=False).available()
    if solver == "auto":
        return "highs" if highs else "cbc"
    if solver == "highs" and not highs:
        raise SolverError(
            "solver 'highs' needs the highspy package: pip install highspy"
        )
    return solver


def _build_model(inst: PMedianInstance, families, *, objective: bool = True) -> _Model:
    """Build the MIP with the given constraint families switched on."""
    allowed = (
        inst.allowed_sites()
        if "excluded" in families
        else np.ones(inst.n_sites, dtype=bool)
    )
    prob = pulp.LpProblem("pmedian", pulp.LpMinimize)
    y = {
        int(i): prob.add_variable(f"y_{i}", cat=pulp.LpBinary)
        for i in np.flatnonzero(allowed)
    }
    hubs, sites = np.nonzero(_assignable(inst, allowed, families))
    xs = [
        prob.add_variable(f"x_{j}_{i}", lowBound=0, upBound=1)
        for j, i in zip(hubs.tolist(), sites.tolist(), strict=True)
    ]
    x = dict(zip(zip(hubs.tolist(), sites.tolist(), strict=True), xs, strict=True))
    if objective:
        coef = inst.weights[hubs] * inst.cost[hubs, sites]
        terms = [(y[i], float(inst.fixed_cost[i])) for i in y]
        terms += list(zip(xs, coef.tolist(), strict=True))
        prob.setObjective(pulp.LpAffineExpression(terms))
    else:
        prob.setObjective(pulp.LpAffineExpression())
    _add_serve(prob, xs, hubs, inst.n_hubs)
    _add_link(prob, x, y)
    if "p" in families:
        _add_p(prob, y, inst.p)
    if "groups" in families and inst.group_codes is not None:
        _add_groups(prob, y, inst.group_codes, inst.group_limits)
    if "incompatible" in families:
        _add_incompatible(prob, y, inst.incompatible)
    if "forced" in families:
        _add_forced(prob, y, inst.forced)
    return _Model(prob, y, x)


def _assignable(inst: PMedianInstance, allowed: np.ndarray, families) -> np.ndarray:
    """Hub x site mask of the x variables worth creating."""
    keep = np.isfinite(inst.cost) & allowed[None, :]
    if "coverage" in families and inst.max_cost is not None:
        keep &= inst.cost <= inst.max_cost
    sites = np.flatnonzero(allowed)
    if sites.size == 0 or inst.n_hubs == 0:
        return keep
    order = np.argsort(inst.cost[:, sites], axis=1, kind="stable")
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(sites.size)[None, :], axis=1)
    cutoff = np.full(inst.n_hubs, sites.size - 1)
    if "p" in families:
        cutoff = np.minimum(cutoff, sites.size - inst.p)
    forced = np.flatnonzero(np.isin(sites, inst.forced))
    if "forced" in families and forced.size:
        cutoff = np.minimum(cutoff, rank[:, forced].min(axis=1))
    keep[:, sites] &= rank <= cutoff[:, None]
    return keep


def _add_serve(prob, xs, hubs, n_hubs) -> None:
    """Every hub is served exactly once: sum_i x_ji = 1."""
    bounds = np.searchsorted(hubs, np.arange(n_hubs + 1))
    for j in range(n_hubs):
        expr = pulp.LpAffineExpression([(v, 1) for v in xs[bounds[j] : bounds[j + 1]]])
        prob.addConstraint(
            pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"serve_{j}", 1)
        )


def _add_link(prob, x, y) -> None:
    """A hub is served only by a selected site: x_ji <= y_i."""
    le = pulp.LpConstraintLE
    for (j, i), var in x.items():
        expr = pulp.LpAffineExpression([(var, 1), (y[i], -1)])
        prob.addConstraint(pulp.LpConstraint(expr, le, f"link_{j}_{i}", 0))


def _add_p(prob, y, p: int) -> None:
    """Exactly p sites: sum_i y_i = p."""
    expr = pulp.LpAffineExpression([(v, 1) for v in y.values()])
    prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, "p_sites", p))


def _add_groups(prob, y, codes: np.ndarray, limits: np.ndarray) -> None:
    """At most k_g selected sites in group g (only where the limit binds)."""
    members: dict[int, list] = {}
    for i, var in y.items():
        members.setdefault(int(codes[i]), []).append(var)
    for g, vars_g in sorted(members.items()):
        if 0 <= limits[g] < len(vars_g):
            expr = pulp.LpAffineExpression([(v, 1) for v in vars_g])
            con = pulp.LpConstraint(
                expr, pulp.LpConstraintLE, f"group_{g}", int(limits[g])
            )
            prob.addConstraint(con)


def _add_incompatible(prob, y, pairs: np.ndarray) -> None:
    """Sites i and k are not both selected: y_i + y_k <= 1."""
    for i, k in pairs.tolist():
        if i in y and k in y:
            expr = pulp.LpAffineExpression([(y[i], 1), (y[k], 1)])
            con = pulp.LpConstraint(
                expr, pulp.LpConstraintLE, f"incompatible_{i}_{k}", 1
            )
            prob.addConstraint(con)


def _add_forced(prob, y, forced: np.ndarray) -> None:
    """Forced sites are selected: y_i = 1."""
    for i in forced.tolist():
        if i in y:
            expr = pulp.LpAffineExpression([(y[i], 1)])
            prob.addConstraint(
                pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"forced_{i}", 1)
            )


def _run(model: _Model, backend: str, time_limit, warm) -> _Run:
    """Solve the model; return status, selection (if any) and lower bound."""
    if warm is not None:
        _set_start(model, warm)
    if backend == "highs":
        return _run_highs(model, time_limit, warm is not None)
    return _run_cbc(model, time_limit, warm is not None)


def _set_start(model: _Model, selected: np.ndarray) -> None:
    chosen = set(selected.tolist())
    for i, var in model.y.items():
        var.setInitialValue(1 if i in chosen else 0)


class _HiGHS(pulp.HiGHS):
    """pulp's HiGHS interface plus a warm start of the y variables via setSolution."""

    def __init__(self, start: dict | None = None, **kwargs):
        super().__init__(**kwargs)
        self._start = start

    def callSolver(self, lp):
        if self._start:
            index = [var.index for var in self._start]
            value = [float(v) for v in self._start.values()]
            lp.solverModel.setSolution(
                len(index), np.array(index, np.int32), np.array(value)
            )
        lp.solverModel.run()


def _run_highs(model: _Model, time_limit, warm: bool) -> _Run:
    """Solve with HiGHS; the bound is HiGHS's ``mip_dual_bound`` from ``getInfo()``."""
    start = {v: v.varValue for v in model.y.values()} if warm else None
    solver = _HiGHS(start, msg=False, timeLimit=time_limit, gapRel=REL_GAP)
    model.prob.solve(solver)
    highs = model.prob.solverModel
    status = highs.getModelStatus()
    info = highs.getInfo()
    kind = highspy_status(status)
    if kind == "infeasible":
        return _Run("infeasible", None, np.nan)
    has_solution = info.primal_solution_status == 2
    selected = _selected(model) if has_solution else None
    bound = float(info.mip_dual_bound)
    return _Run(kind, selected, bound if np.isfinite(bound) else np.nan)


def highspy_status(status) -> str:
    import highspy

    ms = highspy.HighsModelStatus
    if status == ms.kOptimal:
        return "optimal"
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return "infeasible"
    if status in (ms.kTimeLimit, ms.kInterrupt, ms.kIterationLimit):
        return "time_limit"
    raise SolverError(f"HiGHS stopped with status {status}")


def _run_cbc(model: _Model, time_limit, warm: bool) -> _Run:
    """Solve with CBC; the bound is parsed from CBC's log ("Lower bound:")."""
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=time_limit,
            warmStart=warm,
            gapRel=REL_GAP,
            logPath=str(log_path),
        )
        model.prob.solve(solver)
        text = log_path.read_text() if log_path.exists() else ""
    sol = model.prob.sol_status
    if sol == pulp.LpSolutionInfeasible or model.prob.status == pulp.LpStatusInfeasible:
        return _Run("infeasible", None, np.nan)
    if sol == pulp.LpSolutionOptimal:
        return _Run("optimal", _selected(model), _cbc_bound(text, optimal=True))
    if sol == pulp.LpSolutionIntegerFeasible:
        return _Run("time_limit", _selected(model), _cbc_bound(text, optimal=False))
    if "Stopped on time" in text or "time limit" in text.lower():
        return _Run("time_limit", None, _cbc_bound(text, optimal=False))
    raise SolverError(f"CBC stopped with status {pulp.LpStatus[model.prob.status]}")


def _cbc_bound(text: str, *, optimal: bool) -> float:
    found = re.search(r"^Lower bound:\s*(\S+)", text, re.MULTILINE)
    if found:
        return float(found.group(1))
    if optimal:
        value = re.search(r"^Objective value:\s*(\S+)", text, re.MULTILINE)
        if value:
            return float(value.group(1))
    return np.nan


def _selected(model: _Model) -> np.ndarray:
    return np.array(
        sorted(
            i for i, v in model.y.items() if v.varValue is not None and v.varValue > 0.5
        ),
        dtype=np.int64,
    )


def _gap(objective: float, bound: float) -> float:
    if not np.isfinite(bound):
        return np.nan
    diff = max(objective - bound, 0.0)
    if diff == 0.0:
        return 0.0
    return diff / abs(objective) if objective != 0 else np.inf


def _diagnose(inst: PMedianInstance, backend: str, time_limit) -> str:
    """Name a minimal set of constraint families that conflict (deletion filter).

    Each family in :data:`FAMILIES` is dropped in turn; if the rest is still
    infeasible it stays dropped. What remains is irreducible: dropping any one of its
    families makes the problem feasible (unless a re-solve hit the time limit).
    """
    active = list(FAMILIES)
    unsure = False
    for family in FAMILIES:
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
    run = _run(_build_model(inst, families, objective=False), backend, time_limit, None)
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
