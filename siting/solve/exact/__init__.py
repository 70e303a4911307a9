"""Exact p-median with fixed costs and side constraints (Benders, HiGHS).

Public entry point: :func:`solve` on a :class:`Problem` built from per-hub sorted
cost lists (:func:`from_dense`, :func:`from_triplets`) or from siting's
``ReducedProblem`` (:func:`from_reduced`). See ``docs/solver.md`` for the method and
its measurements.
"""

from siting.solve.exact.benders import solve
from siting.solve.exact.costs import HubCosts, from_dense, from_triplets
from siting.solve.exact.problem import (
    REL_GAP,
    Outcome,
    Problem,
    feasible,
    from_reduced,
    objective,
)

__all__ = [
    "REL_GAP",
    "HubCosts",
    "Outcome",
    "Problem",
    "feasible",
    "from_dense",
    "from_reduced",
    "from_triplets",
    "objective",
    "solve",
]
