"""Evaluating portfolios exactly, and one MIP with objectives to switch and bound.

:func:`evaluate_portfolio` prices a set of sites on every objective, each hub at its
nearest chosen site (:func:`siting.solve.evaluate`), so figures never carry a
solver's tolerances. :class:`ObjectiveModel` builds the p-median's pulp model once
with every constraint family of the solver's MIP (:func:`siting.solve.build_model`)
and then, per call, minimises one of

- ``"cost"``: annual cost of the chosen sites, ``sum_i F_i y_i`` (EUR/yr);
- ``"latency"``: researcher-weighted mean RTT, ``sum_j sum_i (r_j / R) d_ji x_ji`` (ms),
  with ``r_j`` the researchers (FTE) of hub j and ``R`` their total;
- ``"carbon"``: emissions of the chosen sites, ``sum_i E_i y_i`` (t CO2/yr);
- ``"total"``: the scenario's own objective, ``sum_i F_i y_i + sum_j w_j d_ji x_ji``
  (EUR/yr),

subject to upper bounds on any of them (``expr <= bound``, the epsilon constraints).
It serves the analyses that need a constraint the fast path does not have (a bound on
carbon); it runs the MIP backend of :func:`siting.solve.resolve_backend` for the
scenario's solver (HiGHS for ``"auto"`` and ``"fast"``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pulp
from numpy.typing import ArrayLike

from siting.run import Inputs, time_limit_of
from siting.solve import FAMILIES, build_model, evaluate, resolve_backend, run_model

__all__ = ["OBJECTIVES", "ObjectiveModel", "Outcome", "Portfolio", "evaluate_portfolio"]

#: Objectives :class:`ObjectiveModel` can minimise or bound (units in the docstring).
OBJECTIVES = ("cost", "latency", "carbon", "total")


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


def evaluate_portfolio(inputs: Inputs, selected: ArrayLike) -> Portfolio:
    """Every objective of a set of sites (positions), each hub at its nearest one."""
    inst = inputs.problem.instance
    sel = np.unique(np.asarray(selected, dtype=np.int64))
    assignment, objective = evaluate(inst, sel)
    rtt = inst.cost[np.arange(inst.n_hubs), assignment]
    return Portfolio(
        selected=tuple(sel.tolist()),
        cost_eur_per_year=float(inst.fixed_cost[sel].sum()),
        mean_rtt_ms=float(np.average(rtt, weights=inputs.researchers)),
        carbon_t_per_year=float(inputs.carbon_t[sel].sum()),
        objective_eur_per_year=objective,
    )


class ObjectiveModel:
    """The scenario's p-median as one pulp model whose objective and bounds change.

    Parameters
    ----------
    inputs
        From :func:`siting.run.prepare`.
    """

    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.instance = inputs.problem.instance
        self._researchers = inputs.researchers
        self._carbon = inputs.carbon_t
        self._model = build_model(self.instance, FAMILIES)
        self._exprs = self._expressions()
        self._loose = self._loose_bounds()
        self._bounds: dict[str, pulp.LpConstraint] = {}
        self.backend = resolve_backend(inputs.scenario.solver.name, mip_only=True)
        self._time_limit = time_limit_of(inputs.scenario)

    def evaluate(self, selected: ArrayLike) -> Portfolio:
        """Every objective of a set of sites, each hub served by its nearest one."""
        return evaluate_portfolio(self.inputs, selected)

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
        run = run_model(self._model, self.backend, self._time_limit, start)
        if run.status == "infeasible" or run.selected is None:
            return Outcome(run.status, None)
        return Outcome(run.status, self.evaluate(run.selected))

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
