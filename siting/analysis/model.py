"""The inputs every analysis starts from, and one MIP with three objectives to switch.

:func:`prepare` runs the pipeline up to the array :class:`~siting.problem.Problem`
without solving it. :class:`ObjectiveModel` builds the p-median's pulp model once with
every constraint family of :mod:`siting.mip` and then, per call, minimises one of

- ``"cost"``: annual cost of the chosen sites, ``sum_i F_i y_i`` (EUR/yr);
- ``"latency"``: researcher-weighted mean RTT, ``sum_j sum_i (r_j / R) d_ji x_ji`` (ms),
  with ``r_j`` the researchers (FTE) of hub j and ``R`` their total;
- ``"carbon"``: emissions of the chosen sites, ``sum_i E_i y_i`` (t CO2/yr);
- ``"total"``: the scenario's own objective, ``sum_i F_i y_i + sum_j w_j d_ji x_ji``
  (EUR/yr),

subject to upper bounds on any of them (``expr <= bound``, the epsilon constraints) and
to no-good cuts ``sum_{i in S} y_i <= p - 1`` that forbid a set S of exactly p sites.
Every answer is re-evaluated with :func:`siting.instance.evaluate` (each hub to its
nearest chosen site), so figures never carry the solver's tolerances.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pulp

from siting import mip
from siting.data import Dataset
from siting.instance import PMedianInstance, evaluate, make_instance
from siting.pipeline import latency_matrix, load_data
from siting.problem import Problem, build_problem, site_table
from siting.scenario import Scenario

__all__ = [
    "OBJECTIVES",
    "Inputs",
    "ObjectiveModel",
    "Outcome",
    "Portfolio",
    "instance_of",
    "prepare",
]

#: Objectives :class:`ObjectiveModel` can minimise or bound (units in the docstring).
OBJECTIVES = ("cost", "latency", "carbon", "total")


@dataclass(frozen=True)
class Inputs:
    """One scenario ready to optimise, labelled by id.

    Attributes
    ----------
    scenario
        The resolved scenario.
    dataset
        The data tables it reads.
    sites
        :func:`siting.problem.site_table` (every candidate, costs in EUR/yr).
    rtt
        RTT matrix in ms, index ``hub_id``, columns ``site_id``.
    problem
        The array problem in the order of ``problem.site_ids`` and ``problem.hub_ids``.
    """

    scenario: Scenario
    dataset: Dataset
    sites: pd.DataFrame
    rtt: pd.DataFrame
    problem: Problem

    @property
    def researchers(self) -> np.ndarray:
        """Researchers (FTE) of each hub, in ``problem.hub_ids`` order."""
        hubs = self.dataset.hubs["researchers"]
        return hubs.loc[list(self.problem.hub_ids)].to_numpy(float)

    @property
    def carbon_t(self) -> np.ndarray:
        """Emissions of a gigafactory at each site (t CO2/yr), ``site_ids`` order."""
        column = self.sites["carbon_t_per_year"]
        return column.loc[list(self.problem.site_ids)].to_numpy(float)


@dataclass(frozen=True)
class Portfolio:
    """A set of chosen sites with every objective evaluated exactly.

    Attributes
    ----------
    selected
        Sorted site positions.
    cost_eur_per_year
        Sum of the sites' annual costs (EUR/yr).
    mean_rtt_ms
        Researcher-weighted mean RTT from every hub to its nearest chosen site (ms).
    carbon_t_per_year
        Sum of the sites' emissions (t CO2/yr).
    objective_eur_per_year
        The scenario's objective: cost plus the priced latency (EUR/yr).
    """

    selected: tuple[int, ...]
    cost_eur_per_year: float
    mean_rtt_ms: float
    carbon_t_per_year: float
    objective_eur_per_year: float

    def value(self, objective: str) -> float:
        """The value of one of :data:`OBJECTIVES` (units as in the attributes)."""
        return {
            "cost": self.cost_eur_per_year,
            "latency": self.mean_rtt_ms,
            "carbon": self.carbon_t_per_year,
            "total": self.objective_eur_per_year,
        }[objective]


@dataclass(frozen=True)
class Outcome:
    """One solve of :class:`ObjectiveModel`: the solver's status (``"optimal"``,
    ``"time_limit"`` or ``"infeasible"``) and the portfolio (None when none known)."""

    status: str
    portfolio: Portfolio | None


def prepare(scenario: Scenario) -> Inputs:
    """Load the data, compute the layers and the RTT matrix, and build the problem.

    Raises
    ------
    siting.errors.InputError
        If the data or scenario is invalid.
    """
    dataset = load_data(scenario)
    sites = site_table(dataset, scenario)
    rtt = latency_matrix(dataset, scenario)
    problem = build_problem(sites, dataset.hubs, rtt, scenario)
    return Inputs(scenario, dataset, sites, rtt, problem)


def instance_of(problem: Problem) -> PMedianInstance:
    """The checked p-median instance of an array problem."""
    return make_instance(*problem.arrays(), **problem.constraints())


class ObjectiveModel:
    """The scenario's p-median as one pulp model whose objective and bounds change.

    Parameters
    ----------
    inputs
        From :func:`prepare`.
    """

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.instance = instance_of(inputs.problem)
        self._researchers = inputs.researchers
        self._carbon = inputs.carbon_t
        self._model = mip.build_model(self.instance, mip.FAMILIES)
        self._exprs = self._expressions()
        self._loose = self._loose_bounds()
        self._bounds: dict[str, pulp.LpConstraint] = {}
        self._cuts = 0
        solver = inputs.scenario.solver
        self._backend = _backend(solver.name)
        limit = solver.time_limit_s
        self._time_limit = None if np.isinf(limit) else limit

    def evaluate(self, selected) -> Portfolio:
        """Every objective of a set of sites, each hub served by its nearest one."""
        sel = np.unique(np.asarray(selected, dtype=np.int64))
        assignment, objective = evaluate(self.instance, sel)
        rows = np.arange(self.instance.n_hubs)
        rtt = self.instance.cost[rows, assignment]
        return Portfolio(
            selected=tuple(sel.tolist()),
            cost_eur_per_year=float(self.instance.fixed_cost[sel].sum()),
            mean_rtt_ms=float(np.average(rtt, weights=self._researchers)),
            carbon_t_per_year=float(self._carbon[sel].sum()),
            objective_eur_per_year=objective,
        )

    def solve(
        self, minimise: str, *, bounds: dict[str, float] | None = None, warm=None
    ) -> Outcome:
        """Minimise one objective under upper bounds on others and the cuts so far.

        Parameters
        ----------
        minimise
            One of :data:`OBJECTIVES`.
        bounds
            Upper bound of each bounded objective, in its units; ``inf`` or absent
            for none.
        warm
            Site positions of a feasible start, or None.
        """
        prob = self._model.prob
        bounds = bounds or {}
        for name in OBJECTIVES:
            limit = bounds.get(name, np.inf)
            if np.isfinite(limit) or name in self._bounds:
                self._bound(name, limit if np.isfinite(limit) else self._loose[name])
        prob.setObjective(self._exprs[minimise].copy())
        start = None if warm is None else np.asarray(warm, dtype=np.int64)
        run = mip.run(self._model, self._backend, self._time_limit, start)
        if run.status == "infeasible" or run.selected is None:
            return Outcome(run.status, None)
        return Outcome(run.status, self.evaluate(run.selected))

    def forbid(self, selected) -> None:
        """Add a no-good cut: this exact set of p sites may not be chosen again."""
        y = self._model.y
        terms = [(y[int(i)], 1) for i in selected if int(i) in y]
        expr = pulp.LpAffineExpression(terms)
        self._cuts += 1
        self._model.prob.addConstraint(
            pulp.LpConstraint(
                expr, pulp.LpConstraintLE, f"nogood_{self._cuts}", len(terms) - 1
            )
        )

    def _bound(self, name: str, limit: float) -> None:
        """Set ``expr <= limit`` for one objective (pulp cannot delete a row, so an
        unbounded objective keeps its row with a limit no portfolio reaches)."""
        con = self._bounds.get(name)
        if con is None:
            con = pulp.LpConstraint(
                self._exprs[name], pulp.LpConstraintLE, f"bound_{name}", limit
            )
            self._model.prob.addConstraint(con)
            self._bounds[name] = con
        else:
            con.changeRHS(limit)

    def _loose_bounds(self) -> dict[str, float]:
        """For each objective, a value above that of any portfolio."""
        inst = self.instance
        finite = inst.cost[np.isfinite(inst.cost)]
        worst_rtt = float(finite.max()) if finite.size else 0.0
        cost = float(np.abs(inst.fixed_cost).sum())
        return {
            "cost": cost + 1.0,
            "latency": worst_rtt + 1.0,
            "carbon": float(np.abs(self._carbon).sum()) + 1.0,
            "total": cost + float(inst.weights.sum()) * worst_rtt + 1.0,
        }

    def _expressions(self) -> dict[str, pulp.LpAffineExpression]:
        inst, model = self.instance, self._model
        pairs = list(model.x)
        hubs = np.array([j for j, _ in pairs], dtype=np.int64)
        sites = np.array([i for _, i in pairs], dtype=np.int64)
        xs = list(model.x.values())
        rtt = inst.cost[hubs, sites] if pairs else np.zeros(0)
        share = self._researchers / self._researchers.sum()
        fixed = [(v, float(inst.fixed_cost[i])) for i, v in model.y.items()]
        weighted = (inst.weights[hubs] * rtt).tolist()
        return {
            "cost": pulp.LpAffineExpression(fixed),
            "latency": pulp.LpAffineExpression(
                list(zip(xs, (share[hubs] * rtt).tolist(), strict=True))
            ),
            "carbon": pulp.LpAffineExpression(
                [(v, float(self._carbon[i])) for i, v in model.y.items()]
            ),
            "total": pulp.LpAffineExpression(
                fixed + list(zip(xs, weighted, strict=True))
            ),
        }


def _backend(name: str) -> str:
    """The backend of a validated solver name (``"auto"``: HiGHS when installed)."""
    if name != "auto":
        return name
    return "highs" if pulp.HiGHS(msg=False).available() else "cbc"
