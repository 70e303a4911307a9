"""The answer of a p-median solver, by array position (no ids, no geography)."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import NDArray

Status = Literal["optimal", "time_limit", "infeasible", "heuristic"]

#: Relative gap at or below which every backend reports a solution optimal.
REL_GAP = 1e-9


@dataclass(frozen=True)
class Solution:
    """Result of :func:`siting.solve.solve_pmedian`, by array position.

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
    multipliers
        The fast path's Lagrangian multipliers of its root bound, one per hub, in
        objective units (None from the other backends and when no Lagrangian ran):
        a start for the bound of a related instance
        (:func:`siting.solve.lagrangian_bound`).
    """

    selected: NDArray[np.int64]
    assignment: NDArray[np.int64]
    objective: float
    bound: float
    gap: float
    status: Status
    runtime_s: float
    solver: str
    multipliers: NDArray[np.float64] | None = None


def relative_gap(objective: float, bound: float) -> float:
    """``(objective - bound) / |objective|``, 0 when they meet, NaN without a bound.

    A zero objective with a lower bound below it gives ``inf``.
    """
    if not math.isfinite(bound):
        return math.nan
    diff = max(objective - bound, 0.0)
    if diff == 0.0:
        return 0.0
    return diff / abs(objective) if objective != 0 else math.inf
