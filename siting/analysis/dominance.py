"""Sites that no portfolio on the cost-latency front needs: those that another site of
their country beats or equals on annual cost and on every hub's RTT."""

from __future__ import annotations

import numpy as np

from siting.solve import PMedianInstance

__all__ = ["without_dominated"]


def without_dominated(inst: PMedianInstance) -> PMedianInstance:
    """The instance with every site excluded that another site of its group (at
    most one per group) beats or equals on fixed cost and on every hub's cost.

    Swapping such a site for the other keeps every limit and costs no more on either
    objective, so each portfolio holding it is weakly dominated. Forced sites and
    sites without a group limit of one stay, and a site in an incompatible pair
    beats no other (the swap could break its pair); of two exact twins the lower
    index stays.
    """
    if inst.group_codes is None:
        return inst
    rtt = inst.usable_cost()
    allowed = inst.allowed_sites()
    paired = np.zeros(inst.n_sites, dtype=bool)
    paired[inst.incompatible.ravel()] = True
    forced = np.zeros(inst.n_sites, dtype=bool)
    forced[inst.forced] = True
    single = allowed & (inst.group_limits[inst.group_codes] == 1)
    drop = []
    for i in np.flatnonzero(single & ~forced):
        same_group = inst.group_codes == inst.group_codes[i]
        rivals = np.flatnonzero(single & ~paired & same_group)
        rivals = rivals[rivals != i]
        rivals = rivals[inst.fixed_cost[rivals] <= inst.fixed_cost[i]]
        for k in rivals:
            if (rtt[:, k] <= rtt[:, i]).all():
                same = (
                    inst.fixed_cost[k] == inst.fixed_cost[i]
                    and (rtt[:, k] == rtt[:, i]).all()
                )
                if not same or k < i:
                    drop.append(int(i))
                    break
    return inst.with_sites(excluded=drop)
