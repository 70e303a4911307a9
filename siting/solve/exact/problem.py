"""The problem the exact solver takes, its outcome, and the rules shared by all phases.

Problem: choose exactly ``p`` sites minimising the fixed costs of the chosen sites plus,
for every hub, the weighted cost of its cheapest usable chosen site, subject to forced
and excluded sites, at most ``cap[g]`` chosen sites in group ``g``, incompatible pairs
(not both chosen) and coverage (a hub may only use the sites in its list).

Tolerances (:func:`tolerance`): with integer data (all weighted costs and fixed costs
integral) a lower bound ``b`` proves ``ceil(b)`` and a gap below 1 proves optimality;
otherwise a gap of at most ``REL_GAP * |objective|`` (plus an absolute floor of
``REL_GAP`` times the smallest positive cost, so nothing depends on the unit) does.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from siting.solve.exact.costs import HubCosts, from_dense

__all__ = [
    "REL_GAP",
    "Outcome",
    "all_integral",
    "Problem",
    "from_reduced",
    "objective",
]

#: Relative gap at or below which a selection is reported optimal.
REL_GAP = 1e-9

Status = Literal["optimal", "time_limit", "infeasible"]


@dataclass(frozen=True)
class Problem:
    """A p-median with fixed costs and side constraints, in per-hub sorted form.

    Attributes
    ----------
    costs
        Usable sites and weighted costs (objective units) of each hub, sorted.
    fixed
        float array (n_sites,): fixed cost of each site, objective units.
    p
        Number of sites to choose.
    forced
        bool array (n_sites,): sites that must be chosen.
    excluded
        bool array (n_sites,): sites that must not be chosen.
    group
        int array (n_sites,): group code of each site (0..n_groups-1).
    cap
        int array (n_groups,): most sites that may be chosen per group.
    pairs
        int array (k, 2): incompatible site pairs (not both chosen).
    """

    costs: HubCosts
    fixed: np.ndarray
    p: int
    forced: np.ndarray
    excluded: np.ndarray
    group: np.ndarray
    cap: np.ndarray
    pairs: np.ndarray

    @property
    def n_sites(self) -> int:
        """Number of candidate sites."""
        return self.costs.n_sites

    @classmethod
    def build(
        cls,
        costs: HubCosts,
        p: int,
        *,
        fixed: np.ndarray | None = None,
        forced: np.ndarray | None = None,
        excluded: np.ndarray | None = None,
        group: np.ndarray | None = None,
        cap: np.ndarray | None = None,
        pairs: np.ndarray | None = None,
    ) -> Problem:
        """A :class:`Problem` with defaults for the side constraints left out.

        ``forced`` and ``excluded`` are bool masks (n_sites,); ``group`` codes with
        ``cap`` per code (no limit when None); ``pairs`` an (k, 2) int array.
        """
        m = costs.n_sites
        mask = np.zeros(m, dtype=bool)
        return cls(
            costs=costs,
            fixed=np.zeros(m) if fixed is None else np.asarray(fixed, dtype=float),
            p=int(p),
            forced=mask.copy() if forced is None else np.asarray(forced, dtype=bool),
            excluded=mask.copy()
            if excluded is None
            else np.asarray(excluded, dtype=bool),
            group=np.zeros(m, np.int64) if group is None else np.asarray(group),
            cap=np.array([p]) if cap is None else np.asarray(cap, dtype=np.int64),
            pairs=np.zeros((0, 2), np.int64)
            if pairs is None
            else np.asarray(pairs, dtype=np.int64).reshape(-1, 2),
        )


@dataclass(frozen=True)
class Outcome:
    """Result of :func:`siting.solve.exact.solve`.

    Attributes
    ----------
    selection
        Sorted site indices of the best selection found, None if none was found.
    objective
        Its objective (objective units), inf without a selection.
    bound
        Proven lower bound on the optimum (objective units); inf when infeasible.
    status
        ``"optimal"`` (gap within tolerance), ``"time_limit"`` (deadline reached
        first) or ``"infeasible"`` (proven: no selection meets the constraints).
    gap
        ``(objective - bound) / |objective|`` (0 when both are 0), inf without a
        selection.
    stats
        Counters and timings per phase (seconds), for benchmarks and logs.
    """

    selection: np.ndarray | None
    objective: float
    bound: float
    status: Status
    gap: float
    stats: dict[str, Any] = field(default_factory=dict)


def from_reduced(prob: Any) -> Problem:
    """Build a :class:`Problem` from :class:`siting.reduced.ReducedProblem`.

    The ReducedProblem's columns are the allowed sites (excluded sites are already
    gone), its ``cost`` is weighted with inf for unusable pairs; site positions of
    the result are positions in ``prob.sites`` (map back with ``prob.sites[sel]``).
    """
    costs = from_dense(prob.cost)
    return Problem.build(
        costs,
        prob.p,
        fixed=prob.fixed,
        forced=prob.forced,
        group=prob.group,
        cap=prob.cap,
        pairs=prob.pairs,
    )


def objective(problem: Problem, selection: np.ndarray) -> float:
    """Objective of ``selection`` (site indices): fixed plus served costs, or inf."""
    is_open = np.zeros(problem.n_sites, dtype=bool)
    is_open[selection] = True
    served = problem.costs.served_cost(is_open)
    return float(problem.fixed[selection].sum() + served.sum())


def feasible(problem: Problem, selection: np.ndarray) -> bool:
    """True when ``selection`` meets p, forced, excluded, caps, pairs and coverage."""
    sel = np.unique(selection)
    if sel.size != problem.p or sel.size != len(selection):
        return False
    is_open = np.zeros(problem.n_sites, dtype=bool)
    is_open[sel] = True
    if (problem.forced & ~is_open).any() or (problem.excluded & is_open).any():
        return False
    counts = np.bincount(problem.group[sel], minlength=problem.cap.size)
    if (counts > problem.cap).any():
        return False
    pairs = problem.pairs
    if pairs.size and (is_open[pairs[:, 0]] & is_open[pairs[:, 1]]).any():
        return False
    return bool(np.isfinite(problem.costs.served_cost(is_open)).all())


def all_integral(*arrays: np.ndarray) -> bool:
    """True when every finite value of the arrays is an integer (infinite entries
    mark unusable pairs and are ignored). The smallest array is tested first, so a
    fractional fixed cost answers before a whole matrix is rounded."""
    for values in sorted(arrays, key=np.size):
        finite = values[np.isfinite(values)]
        if not np.all(finite == np.round(finite)):
            return False
    return True


def is_integral(problem: Problem) -> bool:
    """True when every weighted cost and fixed cost is an integer."""
    return all_integral(problem.costs.cost, problem.fixed)


def tolerance(problem: Problem, integral: bool, value: float) -> float:
    """Largest gap (objective units) that still proves ``value`` optimal."""
    if integral:
        return max(1.0 - 1e-6, REL_GAP * abs(value))
    pos = problem.costs.cost[problem.costs.cost > 0]
    floor = REL_GAP * (float(pos.min()) if pos.size else 1.0)
    return max(REL_GAP * abs(value), floor)


def round_bound(bound: float, integral: bool) -> float:
    """A bound proves ``ceil`` of itself with integer data (allowing float noise)."""
    if not integral or not math.isfinite(bound):
        return bound
    return float(math.ceil(bound - min(0.5, 1e-6 + 1e-12 * abs(bound))))


def trivial_bound(problem: Problem) -> float:
    """Every hub at its cheapest usable site, plus the cheapest admissible fixed costs.

    Valid for every feasible selection (it drops caps, pairs and exclusivity);
    inf when a hub has no usable site or fewer than p sites are allowed.
    """
    c = problem.costs
    lengths = np.diff(c.indptr)
    if (lengths == 0).any():
        return math.inf
    served = float(c.cost[c.indptr[:-1]].sum())
    allowed = ~problem.excluded
    must = problem.forced & allowed
    free = problem.fixed[allowed & ~must]
    need = problem.p - int(must.sum())
    if need < 0 or free.size < need:
        return math.inf
    rest = float(np.sort(free)[:need].sum()) if need else 0.0
    return served + float(problem.fixed[must].sum()) + rest
