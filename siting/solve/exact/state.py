"""Search state shared by the phases: incumbent, bounds, fixed sites, the master."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from siting.solve.exact.costs import HubCosts
from siting.solve.exact.heuristic import interchange
from siting.solve.exact.master import Master
from siting.solve.exact.problem import Problem, feasible, objective
from siting.solve.exact.rules import Rules


@dataclass
class State:
    """Mutable state of one solve, in scaled units.

    ``closed``/``opened`` are sites fixed to 0/1 (excluded and forced included);
    ``lb`` is a proven bound on the selections that respect them, valid once
    combined with ``rules.excluded_bound(ub)`` for the others.
    """

    problem: Problem
    rules: Rules
    deadline: float
    closed: np.ndarray
    opened: np.ndarray
    best: np.ndarray | None = None
    ub: float = math.inf
    lb: float = -math.inf
    fixed_any: bool = False
    master: Master | None = None
    alive: HubCosts | None = None
    work: np.ndarray | None = None  # working set of the phase-1 LP (None: all)
    lag_g: np.ndarray | None = None  # last Lagrangian site values
    lag_lam: np.ndarray | None = None  # best multipliers of the Lagrangian start
    stats: dict[str, Any] = field(default_factory=dict)

    @property
    def lp(self) -> Master:
        """The master LP (built by phase 1 before any phase reads it)."""
        if self.master is None:
            raise RuntimeError("the master LP is read before phase 1 built it")
        return self.master

    def offer(self, sel: np.ndarray | None, polish: float = 0.0) -> bool:
        """Take ``sel`` as incumbent if it is feasible and better; optionally polish
        it by interchange for up to ``polish`` seconds first. True if improved."""
        if sel is None:
            return False
        if polish > 0:
            until = min(self.deadline, time.perf_counter() + polish)
            polished = interchange(
                self.problem, sel, until, closed=self.closed, opened=self.opened
            )
            sel = sel if polished is None else polished
        if not feasible(self.problem, sel):
            return False
        if self.closed[sel].any() or self.opened.sum() > self.opened[sel].sum():
            return False
        value = objective(self.problem, sel)
        if value < self.ub:
            self.best, self.ub = np.sort(sel), value
            return True
        return False

    def served(self, sel: np.ndarray) -> np.ndarray:
        """True served cost of every hub under ``sel`` (scaled)."""
        is_open = np.zeros(self.problem.n_sites, dtype=bool)
        is_open[sel] = True
        return self.problem.costs.served_cost(is_open)

    def refresh_alive(self) -> HubCosts:
        """Per-hub lists without the closed sites (rebuilt when 20% more closed)."""
        keep = ~self.closed if self.work is None else ~self.closed & self.work
        count = int(keep.sum())
        if self.alive is None or count < 0.8 * self.stats.get("_alive_at", 1 << 62):
            self.alive = self.problem.costs.restrict(keep)
            self.stats["_alive_at"] = count
        return self.alive

    def set_work(self, work: np.ndarray | None) -> None:
        """Change the working set and drop the cached lists."""
        self.work = work
        self.alive = None
        self.stats["_alive_at"] = 1 << 62

    def time_left(self) -> float:
        """Seconds to the deadline."""
        return self.deadline - time.perf_counter()
