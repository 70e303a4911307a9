"""The p-median reduced to its allowed sites, with weighted costs.

The working form of the fast exact solver (:mod:`siting.fast`) and of its HiGHS model
(:mod:`siting.radius`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.instance import PMedianInstance

#: Relative gap at or below which a solution is reported optimal.
REL_GAP = 1e-9


@dataclass
class ReducedProblem:
    """The instance restricted to allowed sites, with weighted costs (inf: unusable)."""

    cost: np.ndarray  # hubs x allowed sites, w_j * c_ji
    fixed: np.ndarray
    p: int
    sites: np.ndarray  # original index of each allowed site
    forced: np.ndarray  # bool per allowed site
    group: np.ndarray  # group code per allowed site (0 without groups)
    cap: np.ndarray  # limit per group code (p when unlimited)
    pairs: np.ndarray  # (k, 2) incompatible pairs of allowed positions
    integral: bool

    @classmethod
    def from_instance(cls, inst: PMedianInstance) -> ReducedProblem:
        sites = np.flatnonzero(inst.allowed_sites())
        usable = inst.usable()[:, sites]
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
            cap = np.array([inst.p])
        else:
            group = inst.group_codes[sites]
            cap = np.where(inst.group_limits < 0, inst.p, inst.group_limits)
        finite = cost[np.isfinite(cost)]
        integral = bool(
            np.all(finite == np.round(finite)) and np.all(fixed == np.round(fixed))
        )
        return cls(cost, fixed, inst.p, sites, forced, group, cap, pairs, integral)


def objective_of(prob: ReducedProblem, sel: np.ndarray) -> float:
    """Objective of the selection ``sel`` (allowed positions)."""
    return float(prob.fixed[sel].sum() + prob.cost[:, sel].min(axis=1).sum())
