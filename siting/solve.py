"""Exact solver of the p-median problem with fixed costs and side constraints.

Works on plain arrays and knows nothing of geography (see ``siting.problem`` for the
mapping from site and hub ids to positions).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

import numpy as np

Status = Literal["optimal", "time_limit", "infeasible"]


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
        Best proven lower bound on the objective.
    gap
        Relative gap ``(objective - bound) / |objective|`` (0 when proven optimal).
    status
        ``"optimal"``, ``"time_limit"`` or ``"infeasible"``.
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
