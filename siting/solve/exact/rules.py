"""Internal scaling, tolerances, cut-offs and quick infeasibility checks.

Scaling: all costs are multiplied by one power of two (exact in binary floating
point) so that the largest magnitude lies in [2^9, 2^20]; HiGHS's absolute
tolerances (1e-7 .. 1e-9) are then negligible against every cost whatever the unit
(1e-9 or 1e12 per pair). Results are scaled back exactly.

Cut-off: a site may be fixed, or a branch dropped, when every selection using it is
worth more than ``cutoff(ub)``: ``ub - unit`` (plus a hair) with integer data (unit
= the scaled 1), since such a selection is then worth at least ``ub``; otherwise
``ub - tol/2`` with ``tol`` of :func:`siting.solve.exact.problem.tolerance`. A bound
proves the incumbent when it reaches the cut-off.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from siting.solve.exact.costs import HubCosts
from siting.solve.exact.problem import REL_GAP, Problem

__all__ = ["Rules", "infeasible_reason", "scaled"]


@dataclass(frozen=True)
class Rules:
    """Tolerances in scaled objective units."""

    integral: bool
    scale: float  # internal = original * scale
    floor: float  # absolute tolerance floor (scaled), non-integer data

    def tol(self, value: float) -> float:
        """Largest gap that proves ``value`` optimal (scaled units)."""
        if self.integral:
            return max(self.scale * (1 - 1e-6), REL_GAP * abs(value))
        return max(REL_GAP * abs(value), self.floor)

    def cutoff(self, ub: float) -> float:
        """Value above which no selection is of interest given incumbent ``ub``."""
        if not math.isfinite(ub):
            return math.inf
        if self.integral:
            return ub - max(self.scale * (1 - 1e-6), 0.5 * REL_GAP * abs(ub))
        return ub - 0.5 * self.tol(ub)

    def excluded_bound(self, ub: float) -> float:
        """Proven bound on every selection worth more than ``cutoff(ub)``."""
        if self.integral and self.scale * (1 - 1e-6) >= 0.5 * REL_GAP * abs(ub):
            return ub
        return self.cutoff(ub)

    def round(self, bound: float) -> float:
        """With integer data a bound proves the next multiple of the unit."""
        if not self.integral or not math.isfinite(bound):
            return bound
        k = bound / self.scale
        return math.ceil(k - min(0.5, 1e-6 + 1e-12 * abs(k))) * self.scale

    def proven(self, lb: float, ub: float) -> bool:
        """True when bound ``lb`` proves incumbent ``ub`` optimal."""
        return math.isfinite(ub) and self.round(lb) >= self.cutoff(ub)


def scaled(problem: Problem, integral: bool) -> tuple[Problem, Rules]:
    """The problem with costs multiplied by a power of two, and its rules."""
    c = problem.costs.cost
    mags = np.abs(np.concatenate([c, problem.fixed]))
    mags = mags[mags > 0]
    top = float(mags.max()) if mags.size else 1.0
    k = 0
    if top > 2.0**20:
        k = -math.ceil(math.log2(top / 2.0**20))
    elif top < 2.0**9:
        k = math.ceil(math.log2(2.0**9 / top))
    s = 2.0**k
    pos = c[c > 0]
    floor = REL_GAP * float(pos.min()) * s if pos.size else REL_GAP * s
    if k == 0:
        return problem, Rules(integral, 1.0, floor)
    costs = HubCosts(problem.costs.indptr, problem.costs.site, c * s, problem.n_sites)
    out = Problem(
        costs,
        problem.fixed * s,
        problem.p,
        problem.forced,
        problem.excluded,
        problem.group,
        problem.cap,
        problem.pairs,
    )
    return out, Rules(integral, s, floor)


def infeasible_reason(problem: Problem) -> str | None:
    """A reason no selection can exist, found by cheap counting, or None."""
    p, m = problem.p, problem.n_sites
    allowed = ~problem.excluded
    forced = problem.forced
    if p < 1:
        return f"p must be >= 1, got {p}"
    if (forced & ~allowed).any():
        return "a forced site is excluded"
    if forced.sum() > p:
        return f"{int(forced.sum())} forced sites but p = {p}"
    if allowed.sum() < p:
        return f"only {int(allowed.sum())} allowed sites for p = {p}"
    if problem.group.size != m:
        return "group codes must have one entry per site"
    if (
        np.bincount(problem.group[forced], minlength=problem.cap.size) > problem.cap
    ).any():
        return "forced sites exceed a group cap"
    per = np.bincount(problem.group[allowed], minlength=problem.cap.size)
    if np.minimum(per, np.maximum(problem.cap, 0)).sum() < p:
        return "the group caps admit fewer than p sites"
    pr = problem.pairs
    if pr.size and (forced[pr[:, 0]] & forced[pr[:, 1]]).any():
        return "two forced sites are incompatible"
    c = problem.costs
    usable = np.bincount(c.hub_of_entry(), weights=allowed[c.site], minlength=c.n_hubs)
    if (usable == 0).any():
        return f"hub {int(np.flatnonzero(usable == 0)[0])} has no usable allowed site"
    return None
