"""Units the solvers see: one power-of-two scale, and a bound that is always there.

A solver's absolute tolerances (HiGHS's ``mip_abs_gap`` and feasibility tolerances,
CBC's allowable gap, the fast path's cut-off) mean something only against the size
of the objective. :func:`power_of_two_scale` brings the largest objective
coefficient into [2^19, 2^20]; multiplying by a power of two is exact in binary
floating point, so the answer scaled back is the answer of the caller's units, at
1e-9 as at 1e12. :func:`trivial_bound` is a lower bound every portfolio respects,
for a solver stopped before it proved one. A portfolio is proven optimal when the
solver says so, when its relative gap is at most ``REL_GAP`` (1e-9), or when its
absolute gap is at most :data:`ABS_GAP` in scaled units.
"""

from __future__ import annotations

import math

import numpy as np

from siting.solve.exact.problem import all_integral
from siting.solve.instance import PMedianInstance

#: The largest objective coefficient after scaling lies in [2^(TOP-1), 2^TOP].
TOP = 20

#: Absolute gap, in scaled units, below which a portfolio counts as proven optimal:
#: HiGHS's default ``mip_abs_gap``, about 1e-12 of the largest objective coefficient
#: (float noise in an LP bound is larger than that; a real difference is not).
ABS_GAP = 1e-6


def power_of_two_scale(largest: float) -> float:
    """The power of two that brings ``largest`` (> 0, finite) into [2^19, 2^20]; 1
    for 0 or a non-finite value."""
    if largest <= 0 or not math.isfinite(largest):
        return 1.0
    exponent = TOP - math.ceil(math.log2(largest))
    return float(2.0 ** max(-1000, min(1000, exponent)))


def instance_scale(inst: PMedianInstance) -> float:
    """:func:`power_of_two_scale` of the largest fixed cost or weighted usable cost;
    1 for integral data, whose unit the exact solvers use to round their bounds up
    (a bound b proves ceil(b): scaling by 2^k would weaken that to 2^-k)."""
    weighted = inst.weights[:, None] * np.where(inst.usable(), inst.cost, 0.0)
    if all_integral(weighted, inst.fixed_cost):
        return 1.0
    largest = max(
        float(np.abs(inst.fixed_cost).max(initial=0.0)),
        float(weighted.max(initial=0.0)),
    )
    return power_of_two_scale(largest)


def scaled(inst: PMedianInstance, scale: float) -> PMedianInstance:
    """The instance with fixed costs and hub weights multiplied by ``scale``."""
    if scale == 1.0:
        return inst
    return inst.with_costs(
        weights=inst.weights * scale, fixed_cost=inst.fixed_cost * scale
    )


def trivial_bound(inst: PMedianInstance) -> float:
    """A lower bound on every feasible portfolio: its forced sites' fixed costs plus
    the cheapest others to make ``p``, plus every hub at its nearest usable allowed
    site (objective units; inf when some hub has none)."""
    allowed = inst.allowed_sites()
    forced = np.zeros(inst.n_sites, dtype=bool)
    forced[inst.forced] = True
    free = np.sort(inst.fixed_cost[allowed & ~forced])
    need = max(0, inst.p - int(forced.sum()))
    fixed = float(inst.fixed_cost[forced].sum() + free[:need].sum())
    nearest = inst.usable_cost(allowed).min(axis=1, initial=np.inf)
    served = inst.weights > 0
    return fixed + float(np.dot(inst.weights[served], nearest[served]))
