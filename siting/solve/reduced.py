"""The p-median reduced to its allowed sites, with weighted costs.

The working form of the exact fast path (:mod:`siting.solve.fast`), of its HiGHS radius
model (:mod:`siting.solve.radius`) and of the heuristic (:mod:`siting.solve.heuristic`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from siting.solve.exact.problem import all_integral
from siting.solve.instance import PMedianInstance


@dataclass
class ReducedProblem:
    """The instance restricted to allowed sites, with weighted costs.

    Attributes
    ----------
    cost
        Hubs x allowed sites, ``w_j * c_ji`` in objective units; ``inf`` marks a pair
        a hub may not use (infinite cost or beyond the coverage limit).
    fixed
        Fixed cost of each allowed site, objective units.
    p
        Number of sites to select.
    sites
        Original index of each allowed site.
    forced
        Whether each allowed site must be selected.
    group, cap
        Group code of each allowed site (0 without groups) and the limit of each
        group code (``p`` when unlimited).
    pairs
        (k, 2) incompatible pairs, as allowed positions.
    integral
        Whether every finite weighted cost and fixed cost is an integer (then any
        objective is an integer and a bound ``b`` proves ``ceil(b)``).
    """

    cost: NDArray[np.float64]
    fixed: NDArray[np.float64]
    p: int
    sites: NDArray[np.int64]
    forced: NDArray[np.bool_]
    group: NDArray[np.int64]
    cap: NDArray[np.int64]
    pairs: NDArray[np.int64]
    integral: bool

    @classmethod
    def from_instance(cls, inst: PMedianInstance) -> ReducedProblem:
        """Restrict ``inst`` to its allowed sites and weigh its costs."""
        sites = np.flatnonzero(inst.allowed_sites()).astype(np.int64)
        usable = inst.usable(sites)
        raw = inst.cost[:, sites]
        cost = np.full(raw.shape, np.inf)
        np.multiply(inst.weights[:, None], raw, out=cost, where=usable)
        fixed = inst.fixed_cost[sites]
        position = np.full(inst.n_sites, -1)
        position[sites] = np.arange(sites.size)
        pairs = position[inst.incompatible]
        pairs = pairs[(pairs >= 0).all(axis=1)].reshape(-1, 2)
        forced = np.zeros(sites.size, dtype=bool)
        forced[position[inst.forced]] = True
        if inst.group_codes is None:
            group = np.zeros(sites.size, dtype=np.int64)
            cap = np.array([inst.p], dtype=np.int64)
        else:
            group = inst.group_codes[sites]
            cap = np.where(inst.group_limits < 0, inst.p, inst.group_limits)
        integral = all_integral(cost, fixed)
        return cls(cost, fixed, inst.p, sites, forced, group, cap, pairs, integral)


def objective_of(prob: ReducedProblem, sel: NDArray[np.int64]) -> float:
    """Objective of the selection ``sel`` (allowed positions), objective units."""
    return float(prob.fixed[sel].sum() + prob.cost[:, sel].min(axis=1).sum())
