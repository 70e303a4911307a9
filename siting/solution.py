"""The answer of a p-median solver, by array position (no ids, no geography)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Status = Literal["optimal", "time_limit", "infeasible", "heuristic"]


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
        Relative gap ``(objective - bound) / |objective|`` (at most
        :data:`siting.mip.REL_GAP` when proven optimal; NaN without a bound).
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
