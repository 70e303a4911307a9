"""The pulp model of the p-median and the two solver backends that run it.

Formulation (strong, with ``x_ji <= y_i``), for sites i, hubs j; each constraint is
named after the indices it holds (``serve_3``, ``link_3_17``, ...)::

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
sites ranks within the first m - p + 1, and never after a forced site. Expressions are
built from lists of (variable, coefficient) pairs, never by repeated ``+=``.

Backends and how each reports its bound:

- ``"highs"``: pulp's HiGHS interface (highspy), subclassed to pass the warm start with
  ``Highs.setSolution`` (pulp's own class has no warm start). Status from
  ``getModelStatus()``; bound from ``getInfo().mip_dual_bound`` (NaN when HiGHS stopped
  before it had one, e.g. inside the root LP).
- ``"cbc"``: pulp's bundled CBC binary (``PULP_CBC_CMD``, deprecated by pulp for 4.0 in
  favour of ``COIN_CMD`` with a separately installed CBC), warm start through pulp's
  ``warmStart`` (an mst file of the y values). pulp does not expose the bound, so CBC's
  log is written to a temporary file and its ``Lower bound:`` line parsed (printed
  with 3 decimals); a proven optimum has no such line and its ``Objective value:`` is
  the bound.
"""

from __future__ import annotations

import re
import tempfile
import time
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pulp
from numpy.typing import NDArray

from siting.errors import SolverError
from siting.solve.instance import PMedianInstance
from siting.solve.quiet import banner_to_devnull
from siting.solve.solution import REL_GAP

#: Constraint families, in the order the infeasibility diagnosis tries to drop them.
FAMILIES = ("excluded", "forced", "incompatible", "coverage", "groups", "p")


@dataclass
class Model:
    """A built pulp problem with its site (y) and hub-site pair (x) variables."""

    prob: pulp.LpProblem
    y: dict[int, pulp.LpVariable]
    x: dict[tuple[int, int], pulp.LpVariable]


@dataclass
class Run:
    """Outcome of :func:`run`: status, selected site indices (None when the solver
    has no feasible solution) and the solver's lower bound (NaN when unknown)."""

    status: str  # "optimal", "time_limit" or "infeasible"
    selected: NDArray[np.int64] | None
    bound: float


def build_model(
    inst: PMedianInstance, families: Collection[str], *, objective: bool = True
) -> Model:
    """Build the MIP with the given constraint families switched on.

    Parameters
    ----------
    inst
        The checked instance.
    families
        Names from :data:`FAMILIES` to include; the serve and link rows are always in.
    objective
        False for a pure feasibility model (zero objective).
    """
    allowed = _allowed(inst, families)
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
    return Model(prob, y, x)


def _allowed(inst: PMedianInstance, families: Collection[str]) -> NDArray[np.bool_]:
    """Sites the model may open: the allowed ones when ``excluded`` is in force."""
    if "excluded" in families:
        return inst.allowed_sites()
    return np.ones(inst.n_sites, dtype=bool)


def _assignable(
    inst: PMedianInstance, allowed: NDArray[np.bool_], families: Collection[str]
) -> NDArray[np.bool_]:
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


def _add_serve(
    prob: Any, xs: Sequence[Any], hubs: NDArray[np.int64], n_hubs: int
) -> None:
    """Every hub is served exactly once: sum_i x_ji = 1."""
    bounds = np.searchsorted(hubs, np.arange(n_hubs + 1))
    for j in range(n_hubs):
        expr = pulp.LpAffineExpression([(v, 1) for v in xs[bounds[j] : bounds[j + 1]]])
        prob.addConstraint(
            pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"serve_{j}", 1)
        )


def _add_link(prob: Any, x: dict[tuple[int, int], Any], y: dict[int, Any]) -> None:
    """A hub is served only by a selected site: x_ji <= y_i."""
    le = pulp.LpConstraintLE
    for (j, i), var in x.items():
        expr = pulp.LpAffineExpression([(var, 1), (y[i], -1)])
        prob.addConstraint(pulp.LpConstraint(expr, le, f"link_{j}_{i}", 0))


def _add_p(prob: Any, y: dict[int, Any], p: int) -> None:
    """Exactly p sites: sum_i y_i = p."""
    expr = pulp.LpAffineExpression([(v, 1) for v in y.values()])
    prob.addConstraint(pulp.LpConstraint(expr, pulp.LpConstraintEQ, "p_sites", p))


def _add_groups(
    prob: Any, y: dict[int, Any], codes: NDArray[np.int64], limits: NDArray[np.int64]
) -> None:
    """At most k_g selected sites in group g (only where the limit binds)."""
    members: dict[int, list[Any]] = {}
    for i, var in y.items():
        members.setdefault(int(codes[i]), []).append(var)
    for g, vars_g in sorted(members.items()):
        if 0 <= limits[g] < len(vars_g):
            expr = pulp.LpAffineExpression([(v, 1) for v in vars_g])
            con = pulp.LpConstraint(
                expr, pulp.LpConstraintLE, f"group_{g}", int(limits[g])
            )
            prob.addConstraint(con)


def _add_incompatible(prob: Any, y: dict[int, Any], pairs: NDArray[np.int64]) -> None:
    """Sites i and k are not both selected: y_i + y_k <= 1."""
    for i, k in pairs.tolist():
        if i in y and k in y:
            expr = pulp.LpAffineExpression([(y[i], 1), (y[k], 1)])
            con = pulp.LpConstraint(
                expr, pulp.LpConstraintLE, f"incompatible_{i}_{k}", 1
            )
            prob.addConstraint(con)


def _add_forced(prob: Any, y: dict[int, Any], forced: NDArray[np.int64]) -> None:
    """Forced sites are selected: y_i = 1."""
    for i in forced.tolist():
        if i in y:
            expr = pulp.LpAffineExpression([(y[i], 1)])
            prob.addConstraint(
                pulp.LpConstraint(expr, pulp.LpConstraintEQ, f"forced_{i}", 1)
            )


#: Seconds per usable hub-site pair to build the pulp model and hand it to each
#: backend before the solver's own clock starts (measured on the project's machine:
#: build 10 us, HiGHS 11-12 us, CBC 38-66 us per pair with its files written and
#: read; rounded up). Under a time limit a model is built only when this fits in the
#: time left, and the solver gets the rest (benchmarks/time_limits.py).
HANDOVER_S_PER_PAIR = {"highs": 3e-5, "cbc": 9e-5}


def handover_s(
    backend: str, inst: PMedianInstance, families: Collection[str] = FAMILIES
) -> float:
    """Estimated seconds to build the model of ``inst`` with ``families`` and hand it
    to ``backend``: :data:`HANDOVER_S_PER_PAIR` times its x variables."""
    pairs = int(_assignable(inst, _allowed(inst, families), families).sum())
    return HANDOVER_S_PER_PAIR[backend] * pairs


def run(
    model: Model,
    backend: str,
    time_limit: float | None,
    warm: NDArray[np.int64] | None,
    gap_abs: float | None = None,
) -> Run:
    """Solve the model with ``"highs"`` or ``"cbc"``.

    Parameters
    ----------
    model
        From :func:`build_model`.
    backend
        ``"highs"`` or ``"cbc"``.
    time_limit
        Seconds for the solver, or None.
    warm
        Selected site indices to start from, or None.
    gap_abs
        Absolute gap at which the solver may stop (objective units of the model),
        beside the relative :data:`~siting.solve.solution.REL_GAP`; None keeps the
        solver's default (HiGHS 1e-6, CBC 1e-10).
    """
    if backend not in ("highs", "cbc"):
        raise SolverError(f"the MIP runs on 'highs' or 'cbc', not {backend!r}")
    if warm is not None:
        _set_start(model, warm)
    if backend == "cbc":
        return _run_cbc(model, time_limit, warm is not None, gap_abs)
    start = time.perf_counter()
    result = _run_highs(model, time_limit, warm is not None, gap_abs)
    if warm is not None and not _highs_solution_matches_objective(model):
        # Seen with HiGHS 1.16: after a warm start it can report the optimum's
        # objective with the start's columns. Solve again without the start.
        left = (
            None if time_limit is None else time_limit - (time.perf_counter() - start)
        )
        if left is None or left > 0:
            result = _run_highs(model, left, False, gap_abs)
    return result


def _highs_solution_matches_objective(model: Model) -> bool:
    """Whether the columns HiGHS returned price at the objective value it reports
    (relative 1e-6; the models are scaled to order 2^20, see
    :mod:`siting.solve.scaling`)."""
    reported = float(model.prob.solverModel.getInfo().objective_function_value)
    if not np.isfinite(reported):
        return True
    priced = float(pulp.value(model.prob.objective) or 0.0)
    return abs(priced - reported) <= 1e-6 * max(1.0, abs(reported))


def _set_start(model: Model, selected: NDArray[np.int64]) -> None:
    chosen = set(selected.tolist())
    for i, var in model.y.items():
        var.setInitialValue(1 if i in chosen else 0)


class _HiGHS(pulp.HiGHS):  # type: ignore[misc]  # pulp publishes no types
    """pulp's HiGHS interface plus a warm start of the y variables via setSolution."""

    def __init__(self, start: dict[Any, float] | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._start = start

    def callSolver(self, lp: Any) -> None:
        if self._start:
            index = [var.index for var in self._start]
            value = [float(v) for v in self._start.values()]
            lp.solverModel.setSolution(
                len(index), np.array(index, np.int32), np.array(value)
            )
        lp.solverModel.run()


def _run_highs(
    model: Model, time_limit: float | None, warm: bool, gap_abs: float | None
) -> Run:
    """Solve with HiGHS; the bound is HiGHS's ``mip_dual_bound`` from ``getInfo()``."""
    start = {v: v.varValue for v in model.y.values()} if warm else None
    solver = _HiGHS(
        start, msg=False, timeLimit=time_limit, gapRel=REL_GAP, gapAbs=gap_abs
    )
    with banner_to_devnull():
        model.prob.solve(solver)
    import highspy

    highs = model.prob.solverModel
    kind = _highs_status(highs.getModelStatus())
    if kind == "infeasible":
        return Run("infeasible", None, np.nan)
    info = highs.getInfo()
    feasible = highspy.SolutionStatus.kSolutionStatusFeasible
    selected = _selected(model) if info.primal_solution_status == feasible else None
    bound = float(info.mip_dual_bound)
    return Run(kind, selected, bound if np.isfinite(bound) else np.nan)


def _highs_status(status: Any) -> str:
    import highspy

    ms = highspy.HighsModelStatus
    if status == ms.kOptimal:
        return "optimal"
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return "infeasible"
    if status in (ms.kTimeLimit, ms.kInterrupt, ms.kIterationLimit):
        return "time_limit"
    raise SolverError(f"HiGHS stopped with status {status}")


def _run_cbc(
    model: Model, time_limit: float | None, warm: bool, gap_abs: float | None
) -> Run:
    """Solve with CBC; the bound is parsed from CBC's log ("Lower bound:")."""
    with tempfile.TemporaryDirectory() as tmp:
        log_path = Path(tmp) / "cbc.log"
        solver = pulp.PULP_CBC_CMD(
            msg=False,
            timeLimit=time_limit,
            warmStart=warm,
            gapRel=REL_GAP,
            gapAbs=gap_abs,
            logPath=str(log_path),
        )
        model.prob.solve(solver)
        text = log_path.read_text() if log_path.exists() else ""
    sol = model.prob.sol_status
    stopped = "Stopped on time" in text or "time limit" in text.lower()
    infeasible = (
        sol == pulp.LpSolutionInfeasible or model.prob.status == pulp.LpStatusInfeasible
    )
    if infeasible and not stopped:  # a search stopped on time proves nothing
        return Run("infeasible", None, np.nan)
    if sol == pulp.LpSolutionOptimal:
        return Run("optimal", _selected(model), _cbc_bound(text, optimal=True))
    if sol == pulp.LpSolutionIntegerFeasible:
        return Run("time_limit", _selected(model), _cbc_bound(text, optimal=False))
    if stopped:
        return Run("time_limit", None, _cbc_bound(text, optimal=False))
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


def _selected(model: Model) -> NDArray[np.int64]:
    return np.array(
        sorted(
            i for i, v in model.y.items() if v.varValue is not None and v.varValue > 0.5
        ),
        dtype=np.int64,
    )
