"""Gigafactories of several campuses: choose ``p`` sets of sites, serve each hub from
its nearest campus. Arrays only, like the rest of this package.

A *configuration* ``c`` is one way to build a gigafactory: a set of sites (its
campuses) with a fixed annual cost ``F_c`` (its split of the facility's power already
priced, see :mod:`siting.gigafactory`) and a group (the country of its largest
campus). The model (``y_i`` = 1 when site i is a campus of a chosen gigafactory)::

    minimise   sum_c F_c z_c + sum_j sum_i w_j r_ji x_ji
    subject to sum_c z_c = p                                     (gigafactories)
               y_i = sum_{c containing i} z_c          every site (campus_i)
               sum_i x_ji = 1                          every hub  (serve_j)
               x_ji <= y_i                             every pair (link_j_i)
               sum_{c in group g} z_c <= k             a group    (group_g)
               y_i + y_k - sum_{c containing i, k} z_c <= 1
                                                       a conflict (apart_i_k)
               y_i = 1                                 forced     (forced_i)
               z_c in {0, 1}, 0 <= y_i <= 1, 0 <= x_ji <= 1

``y_i <= 1`` makes a site a campus of at most one gigafactory. A conflict (two sites
closer than the minimum separation, or drawing on one grid node) forbids the pair in
two different gigafactories; a configuration never holds a pair drawing on one node.
``x_ji`` exists only where hub j may use site i (finite RTT within ``max_cost``). The
same pulp runner as the p-median (:func:`siting.solve.mip.run`) solves it with HiGHS
or CBC, warm-started by a greedy choice of configurations, so a time limit still
returns a portfolio and the solver's proven bound. The objective is scaled by a power
of two (:func:`_scale`) so that the solvers' absolute tolerances mean the same whatever
the units: a solution is reported optimal when the solver proved it and its gap is
within :data:`~siting.solve.solution.REL_GAP` or that absolute tolerance.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pulp
from numpy.typing import NDArray

from siting.errors import InfeasibleError, InputError, SolverError
from siting.solve import mip
from siting.solve.campus_greedy import greedy_campuses
from siting.solve.instance import HubSiteCosts
from siting.solve.scaling import ABS_GAP, power_of_two_scale
from siting.solve.solution import REL_GAP, Solution, relative_gap


@dataclass(frozen=True)
class CampusInstance(HubSiteCosts):
    """A checked multi-campus problem (build it with :func:`make_campus_instance`).

    Attributes
    ----------
    cost
        (n_hubs, n_sites) cost of serving hub j from site i (RTT, ms); ``inf`` = never.
    weights
        (n_hubs,) price of one unit of cost at each hub (EUR/ms/yr).
    p
        Number of gigafactories.
    members
        Site positions of each configuration (sorted, distinct).
    config_cost
        (n_configs,) fixed annual cost of each configuration (EUR/yr).
    config_group
        (n_configs,) group code of each configuration (>= 0).
    max_per_group
        The most configurations per group.
    conflicts
        (n, 2) site pairs that may not be campuses of two different gigafactories.
    forced
        Site positions that must be campuses.
    max_cost
        No hub is served at a cost above it (None: no limit).
    """

    cost: NDArray[np.float64]
    weights: NDArray[np.float64]
    p: int
    members: tuple[NDArray[np.int64], ...]
    config_cost: NDArray[np.float64]
    config_group: NDArray[np.int64]
    max_per_group: int
    conflicts: NDArray[np.int64]
    forced: NDArray[np.int64]
    max_cost: float | None


@dataclass(frozen=True)
class CampusSolution:
    """The chosen configurations and the :class:`Solution` over their sites
    (``selected`` = every campus, ``assignment`` = each hub's nearest campus)."""

    configs: NDArray[np.int64]
    solution: Solution


def make_campus_instance(
    cost: NDArray[np.float64],
    weights: NDArray[np.float64],
    p: int,
    *,
    members: list[list[int]] | tuple[NDArray[np.int64], ...],
    config_cost: NDArray[np.float64],
    config_group: NDArray[np.int64],
    max_per_group: int,
    conflicts: list[tuple[int, int]] | None = None,
    forced: list[int] | None = None,
    max_cost: float | None = None,
) -> CampusInstance:
    """Check the arrays once into a :class:`CampusInstance`.

    Raises
    ------
    InputError
        On a shape mismatch, a negative or non-finite weight or configuration cost, an
        empty configuration or a site position out of range.
    """
    cost = np.asarray(cost, dtype=float)
    weights = np.asarray(weights, dtype=float)
    n_hubs, n_sites = cost.shape
    problems = []
    if weights.shape != (n_hubs,) or not np.all(np.isfinite(weights) & (weights >= 0)):
        problems.append("weights must be finite, >= 0, one per hub")
    if np.isnan(cost).any() or (cost < 0).any():
        problems.append("costs must be >= 0 (inf for an unusable pair)")
    sets = tuple(np.unique(np.asarray(m, dtype=np.int64)) for m in members)
    if any(s.size == 0 or s[0] < 0 or s[-1] >= n_sites for s in sets):
        problems.append("every configuration needs sites within range")
    config_cost = np.asarray(config_cost, dtype=float)
    config_group = np.asarray(config_group, dtype=np.int64)
    if config_cost.shape != (len(sets),) or not np.all(np.isfinite(config_cost)):
        problems.append("one finite cost per configuration")
    if config_group.shape != (len(sets),) or (config_group < 0).any():
        problems.append("one group code >= 0 per configuration")
    if p < 1 or max_per_group < 1:
        problems.append("p and max_per_group must be >= 1")
    if problems:
        raise InputError("invalid campus input: " + "; ".join(problems))
    pairs = np.array(sorted({tuple(sorted(c)) for c in conflicts or []}), np.int64)
    return CampusInstance(
        cost=cost,
        weights=weights,
        p=int(p),
        members=sets,
        config_cost=config_cost,
        config_group=config_group,
        max_per_group=int(max_per_group),
        conflicts=pairs.reshape(-1, 2),
        forced=np.unique(np.asarray(forced or [], dtype=np.int64)),
        max_cost=max_cost,
    )


def evaluate_campuses(
    inst: CampusInstance, configs: NDArray[np.int64] | list[int]
) -> tuple[NDArray[np.int64], float]:
    """Each hub's nearest campus of the chosen configurations and the objective
    (EUR/yr; inf when a hub has no usable campus). Side constraints are not checked."""
    chosen = np.asarray(configs, dtype=np.int64)
    sites = np.unique(np.concatenate([inst.members[c] for c in chosen]))
    sub = inst.usable_cost(sites)
    best = sub.argmin(axis=1)
    rows = np.arange(inst.n_hubs)
    served = np.isfinite(sub[rows, best])
    assignment = np.where(served, sites[best], -1).astype(np.int64)
    if not served.all():
        return assignment, np.inf
    latency = float(np.dot(inst.weights, sub[rows, best]))
    return assignment, float(inst.config_cost[chosen].sum()) + latency


def campus_violations(
    inst: CampusInstance,
    configs: NDArray[np.int64] | list[int],
    names: Sequence[str] | None = None,
) -> list[str]:
    """The side constraints a choice of configurations breaks, in words; sites are
    called by ``names`` (one per site position) when given, else by position."""

    def call(i: int) -> str:
        return str(names[i]) if names is not None else str(i)

    chosen = [int(c) for c in configs]
    out = []
    if len(chosen) != inst.p:
        out.append(f"{len(chosen)} gigafactories, not {inst.p}")
    owner: dict[int, int] = {}
    for k, c in enumerate(chosen):
        for i in inst.members[c].tolist():
            if i in owner:
                out.append(f"site {call(i)} is a campus of two gigafactories")
            owner[i] = k
    groups = np.bincount(inst.config_group[chosen], minlength=1)
    if groups.max(initial=0) > inst.max_per_group:
        out.append(f"more than {inst.max_per_group} gigafactories in one group")
    for i, k in inst.conflicts.tolist():
        if i in owner and k in owner and owner[i] != owner[k]:
            out.append(
                f"sites {call(i)} and {call(k)} may not be campuses of two "
                "gigafactories (too close, or on one grid node)"
            )
    missing = sorted(set(inst.forced.tolist()) - set(owner))
    if missing:
        out.append(f"forced site(s) {', '.join(call(i) for i in missing)} not chosen")
    return out


def solve_campuses(
    inst: CampusInstance, *, solver: str = "highs", time_limit: float | None = None
) -> CampusSolution:
    """Solve the multi-campus model exactly (``"highs"`` or ``"cbc"``).

    Raises
    ------
    InfeasibleError
        When fewer allowed gigafactories exist than ``p`` (checked before solving) or
        the solver proves that none satisfies every constraint.
    SolverError
        When the time limit ends the search before any portfolio is known.
    """
    backend = "highs" if solver in ("auto", "fast") else solver
    start = time.perf_counter()
    _precheck(inst)
    warm = greedy_campuses(inst)
    scale = _scale(inst)
    model = _build(inst, scale)
    run = mip.run(model, backend, time_limit, warm)
    if run.status == "infeasible" and warm is not None and warm.size:
        # the greedy portfolio meets every constraint: a backend stopped by a short
        # limit (CBC under load) said "infeasible" without a proof
        run = mip.Run("time_limit", None, np.nan)
    if run.status == "infeasible":
        raise InfeasibleError(
            "no choice of gigafactories satisfies every constraint together (site "
            "once, groups, conflicts, forced sites, coverage); the solver proved it"
        )
    candidates = [c for c in (run.selected, warm) if c is not None and c.size]
    if not candidates:
        raise SolverError(
            "the time limit ended the search before any portfolio of gigafactories "
            "was found; raise solver.time_limit_s"
        )
    scored = [(evaluate_campuses(inst, c)[1], c.tolist()) for c in candidates]
    objective, best = min(scored)
    configs = np.array(sorted(best), dtype=np.int64)
    assignment, objective = evaluate_campuses(inst, configs)
    solver_bound = run.bound / scale if np.isfinite(run.bound) else -np.inf
    bound = min(max(solver_bound, _trivial_bound(inst)), objective)
    gap = relative_gap(objective, bound)
    # the solver's absolute gap tolerance, back in the caller's units
    within = objective - bound <= max(REL_GAP * abs(objective), ABS_GAP / scale)
    status = "optimal" if run.status == "optimal" and within else "time_limit"
    sites = np.unique(np.concatenate([inst.members[c] for c in configs]))
    solution = Solution(
        selected=sites,
        assignment=assignment,
        objective=objective,
        bound=bound,
        gap=gap,
        status=status,  # type: ignore[arg-type]  # one of the two literals
        runtime_s=time.perf_counter() - start,
        solver=f"campus-mip-{backend}",
    )
    return CampusSolution(configs=configs, solution=solution)


def _precheck(inst: CampusInstance) -> None:
    """Refuse in plain words what counting alone shows impossible."""
    n = len(inst.members)
    groups = np.unique(inst.config_group).size
    if n < inst.p:
        raise InfeasibleError(
            f"{inst.p} gigafactories requested but only {n} allowed campus "
            "configuration(s) exist"
        )
    if groups * inst.max_per_group < inst.p:
        raise InfeasibleError(
            f"{inst.p} gigafactories with at most {inst.max_per_group} per group, but "
            f"only {groups} group(s) have an allowed configuration"
        )
    covered = np.zeros(inst.n_sites, dtype=bool)
    for m in inst.members:
        covered[m] = True
    unserved = ~(inst.usable() & covered[None, :]).any(axis=1)
    if unserved.any():
        raise InfeasibleError(
            f"{int(unserved.sum())} hub(s) have no allowed campus within reach "
            f"(first: hub {int(np.flatnonzero(unserved)[0])})"
        )


def _trivial_bound(inst: CampusInstance) -> float:
    """A bound no portfolio beats: the p cheapest configurations plus every hub at its
    nearest usable site (EUR/yr); finite whenever some portfolio is."""
    fixed = float(np.sort(inst.config_cost)[: inst.p].sum())
    nearest = inst.usable_cost().min(axis=1, initial=np.inf)
    return fixed + float(np.dot(inst.weights, nearest))


def _scale(inst: CampusInstance) -> float:
    """:func:`~siting.solve.scaling.power_of_two_scale` of the largest objective
    coefficient: the solvers' absolute tolerances then mean the same at every
    magnitude of the caller's units."""
    usable = inst.usable()
    weighted = inst.weights[:, None] * np.where(usable, inst.cost, 0.0)
    return power_of_two_scale(
        max(
            float(np.abs(inst.config_cost).max(initial=0.0)),
            float(weighted.max(initial=0.0)),
        )
    )


def _build(inst: CampusInstance, scale: float) -> mip.Model:
    prob = pulp.LpProblem("campuses", pulp.LpMinimize)
    z = {
        c: prob.add_variable(f"z_{c}", cat=pulp.LpBinary)
        for c in range(len(inst.members))
    }
    holding: dict[int, list[int]] = {}
    for c, sites in enumerate(inst.members):
        for i in sites.tolist():
            holding.setdefault(i, []).append(c)
    y = {i: prob.add_variable(f"y_{i}", lowBound=0, upBound=1) for i in holding}
    hubs, sites = np.nonzero(inst.usable() & np.isin(np.arange(inst.n_sites), list(y)))
    pairs = list(zip(hubs.tolist(), sites.tolist(), strict=True))
    x = {
        (j, i): prob.add_variable(f"x_{j}_{i}", lowBound=0, upBound=1) for j, i in pairs
    }
    weighted = scale * inst.weights[hubs] * inst.cost[hubs, sites]
    terms = [(z[c], scale * float(inst.config_cost[c])) for c in z]
    terms += [(x[pair], float(w)) for pair, w in zip(pairs, weighted, strict=True)]
    prob.setObjective(pulp.LpAffineExpression(terms))
    eq, le = pulp.LpConstraintEQ, pulp.LpConstraintLE

    def add(
        terms: Sequence[tuple[Any, float]], sense: int, name: str, rhs: float
    ) -> None:
        expr = pulp.LpAffineExpression(terms)
        prob.addConstraint(pulp.LpConstraint(expr, sense, name, rhs))

    add([(v, 1) for v in z.values()], eq, "gigafactories", inst.p)
    for i, configs in holding.items():
        add([(y[i], 1)] + [(z[c], -1) for c in configs], eq, f"campus_{i}", 0)
    by_hub: dict[int, list[object]] = {}
    for (j, i), var in x.items():
        by_hub.setdefault(j, []).append(var)
        add([(var, 1), (y[i], -1)], le, f"link_{j}_{i}", 0)
    for j, variables in by_hub.items():
        add([(v, 1) for v in variables], eq, f"serve_{j}", 1)
    for g in np.unique(inst.config_group).tolist():
        members = np.flatnonzero(inst.config_group == g)
        if members.size > inst.max_per_group:
            add([(z[int(c)], 1) for c in members], le, f"group_{g}", inst.max_per_group)
    for i, k in inst.conflicts.tolist():
        if i in y and k in y:
            both = set(holding[i]) & set(holding[k])
            terms_ik = [(y[i], 1), (y[k], 1)] + [(z[c], -1) for c in sorted(both)]
            add(terms_ik, le, f"apart_{i}_{k}", 1)
    for i in inst.forced.tolist():
        if i not in y:
            raise InfeasibleError(f"forced site {i} is in no allowed configuration")
        add([(y[i], 1)], eq, f"forced_{i}", 1)
    return mip.Model(prob, z, x)
