"""The greedy warm start of the multi-campus MIP: a portfolio, not a proof."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import NDArray

if TYPE_CHECKING:
    from siting.solve.campus import CampusInstance


def greedy_campuses(inst: CampusInstance) -> NDArray[np.int64] | None:
    """Add, p times, the allowed configuration that lowers the objective most (forced
    sites first); None when the greedy choice gets stuck."""
    usable = inst.usable()
    cost = np.where(usable, inst.cost, np.inf)
    best = np.full(inst.n_hubs, np.inf)
    taken: set[int] = set()
    chosen: list[int] = []
    groups: dict[int, int] = {}
    conflict = {(int(i), int(k)) for i, k in inst.conflicts.tolist()}
    for _ in range(inst.p):
        must = set(inst.forced.tolist()) - taken
        pick, pick_value = -1, np.inf
        for c, sites in enumerate(inst.members):
            members = set(sites.tolist())
            if members & taken or groups.get(int(inst.config_group[c]), 0) >= (
                inst.max_per_group
            ):
                continue
            if any((min(a, b), max(a, b)) in conflict for a in members for b in taken):
                continue
            if must and not members & must:
                continue
            near = np.minimum(best, cost[:, sites].min(axis=1))
            value = inst.config_cost[c] + float(
                np.dot(inst.weights, np.where(np.isfinite(near), near, 1e30))
            )
            if value < pick_value:
                pick, pick_value = c, value
        if pick < 0:
            return None
        chosen.append(pick)
        taken |= set(inst.members[pick].tolist())
        group = int(inst.config_group[pick])
        groups[group] = groups.get(group, 0) + 1
        best = np.minimum(best, cost[:, inst.members[pick]].min(axis=1))
    if not np.isfinite(best).all() or set(inst.forced.tolist()) - taken:
        return None
    return np.array(chosen, dtype=np.int64)
