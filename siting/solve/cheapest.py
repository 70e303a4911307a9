"""The cheapest portfolio when no hub carries a weight: an exact greedy choice.

With every hub weight zero and no coverage limit, the p-median is: choose ``p``
allowed sites of least total fixed cost, the forced ones included, at most ``k_g`` in
group g. Those limits form a partition matroid, so taking the cheapest sites that
still fit, in order of cost, is optimal (Edmonds 1971). Incompatible pairs break
the matroid: when the greedy choice holds one, there is no answer here and the
caller solves the instance in full.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from siting.solve.instance import PMedianInstance


def cheapest_portfolio(inst: PMedianInstance) -> NDArray[np.int64] | None:
    """The optimum of a weightless instance, or None when the greedy choice cannot
    prove one (weights, a coverage limit, an incompatible pair in it or a hub it
    cannot serve).

    Returns an empty array when the limits admit no ``p`` sites (infeasible).
    """
    if inst.max_cost is not None or np.any(inst.weights > 0):
        return None
    allowed = inst.allowed_sites()
    codes = (
        inst.group_codes
        if inst.group_codes is not None
        else np.zeros(inst.n_sites, dtype=np.int64)
    )
    room = (
        inst.group_limits.astype(np.int64).copy()
        if inst.group_codes is not None
        else np.array([inst.p], dtype=np.int64)
    )
    room[room < 0] = inst.p
    chosen = [int(i) for i in inst.forced.tolist()]
    if not allowed[chosen].all() or len(chosen) > inst.p:
        return np.zeros(0, dtype=np.int64)
    np.subtract.at(room, codes[chosen], 1)
    if (room < 0).any():
        return np.zeros(0, dtype=np.int64)
    taken = set(chosen)
    for i in np.argsort(inst.fixed_cost, kind="stable").tolist():
        if len(chosen) == inst.p:
            break
        if allowed[i] and i not in taken and room[codes[i]] > 0:
            chosen.append(i)
            taken.add(i)
            room[codes[i]] -= 1
    if len(chosen) < inst.p:
        return np.zeros(0, dtype=np.int64)
    if any(a in taken and b in taken for a, b in inst.incompatible.tolist()):
        return None
    if not inst.usable(np.array(chosen)).any(axis=1).all():
        return None  # a hub no chosen site can serve: the full solver decides
    return np.array(sorted(chosen), dtype=np.int64)
