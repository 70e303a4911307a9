"""The solver stage: arrays in, :class:`Solution` out; no ids, no geography.

This package is the solver's one door: everything another stage may use is imported
from ``siting.solve`` and listed in ``__all__``; its modules are internal.

- :func:`solve_pmedian` solves the p-median with fixed costs and side constraints
  exactly (backends ``"fast"``, ``"highs"``, ``"cbc"``; :func:`resolve_backend`);
  :func:`heuristic_pmedian` gives a quick answer without proof;
  :func:`cheapest_portfolio` solves a weightless instance exactly by a greedy choice;
  :func:`lagrangian_bound` bounds an instance from the multipliers of a related solve.
- :func:`make_instance` checks a problem once into a :class:`PMedianInstance`, which
  every function here accepts; :func:`check_feasible` runs the cheap checks and
  :func:`evaluate` prices a selection by the assignment rule.
- :func:`check_solution` re-verifies a solution independently of the model.
- :class:`MipModel`, :func:`build_model` and :func:`run_model` expose the pulp model
  for analyses that add their own rows (objective bounds, no-good cuts).
- :func:`solve_campuses` chooses gigafactories of several campuses
  (:class:`CampusInstance` from :func:`make_campus_instance`); :func:`evaluate_campuses`
  and :func:`campus_violations` price and check a choice independently.
"""

from siting.solve.campus import (
    CampusInstance,
    CampusSolution,
    campus_violations,
    evaluate_campuses,
    make_campus_instance,
    solve_campuses,
)
from siting.solve.cheapest import cheapest_portfolio
from siting.solve.feasibility import check_feasible
from siting.solve.instance import (
    PMedianInstance,
    SideConstraints,
    evaluate,
    make_instance,
)
from siting.solve.lagrangian import lagrangian_bound
from siting.solve.mip import FAMILIES, build_model
from siting.solve.mip import Model as MipModel
from siting.solve.mip import run as run_model
from siting.solve.pmedian import (
    SOLVERS,
    Backend,
    heuristic_pmedian,
    resolve_backend,
    solve_pmedian,
)
from siting.solve.solution import REL_GAP, Solution, Status, relative_gap
from siting.solve.verify import CheckResult, check_solution

__all__ = [
    "FAMILIES",
    "REL_GAP",
    "SOLVERS",
    "Backend",
    "CampusInstance",
    "CampusSolution",
    "CheckResult",
    "MipModel",
    "PMedianInstance",
    "SideConstraints",
    "Solution",
    "Status",
    "build_model",
    "campus_violations",
    "check_feasible",
    "cheapest_portfolio",
    "check_solution",
    "evaluate",
    "evaluate_campuses",
    "heuristic_pmedian",
    "lagrangian_bound",
    "make_campus_instance",
    "make_instance",
    "relative_gap",
    "resolve_backend",
    "run_model",
    "solve_campuses",
    "solve_pmedian",
]
