"""Campus configurations: every set of campuses that can form one gigafactory, with
the cheapest split of its power for each campus that can be the largest.

Arrays by share level ``k`` (rows, ascending shares ending at 1) and site ``i``
(columns): ``allowed[k, i]`` (the site may host that share), ``cost[k, i]`` (its annual
cost then, EUR/yr) and ``node[k, i]`` (the grid node it draws on).
"""

from __future__ import annotations

import itertools

import numpy as np
from numpy.typing import NDArray

from siting.errors import InputError
from siting.layers.facility import capital_recovery_factor
from siting.scenario import Scenario

#: More configurations than this make the model too large to solve in minutes.
MAX_CONFIGURATIONS = 200_000

Row = tuple[tuple[int, ...], tuple[float, ...], int, float, float, float]


def configurations(
    shares: list[float],
    allowed: NDArray[np.bool_],
    cost: NDArray[np.float64],
    node: NDArray[np.str_],
    close: NDArray[np.float64],
    km: NDArray[np.float64],
    scenario: Scenario,
) -> list[Row]:
    """Every configuration as (members, shares, largest, cost, overhead, rtt).

    Parameters
    ----------
    shares
        The share of each level, ascending, ending at 1.
    allowed, cost, node
        By level and site (module docstring).
    close
        Symmetric modelled RTT between sites, ms.
    km
        Great-circle distance between sites, km.
    scenario
        The resolved scenario (``selection`` campus fields, ``connectivity``).

    Returns
    -------
    list of tuples
        Site positions, their shares (same order), the largest campus's position, the
        annual cost (EUR/yr, overhead included), the overhead (EUR/yr) and the largest
        RTT between two campuses (ms). Single sites come first, in site order.

    Raises
    ------
    InputError
        When more than :data:`MAX_CONFIGURATIONS` would be listed.
    """
    selection = scenario.selection
    steps = round(1 / selection.campus_share_step)
    level = {round(s * steps): k for k, s in enumerate(shares)}
    top = level[steps]
    rows: list[Row] = [
        ((i,), (1.0,), i, float(cost[top, i]), 0.0, 0.0)
        for i in np.flatnonzero(allowed[top]).tolist()
    ]
    smallest = min(level)
    partial = allowed[[k for n, k in level.items() if n <= steps - smallest]]
    can_share = partial.any(axis=0)
    near = (close <= selection.campus_max_rtt_ms) & np.outer(can_share, can_share)
    np.fill_diagonal(near, False)
    fibre = _fibre_eur_per_km_year(scenario)
    for size in range(2, selection.campuses_max + 1):
        splits = np.array(_compositions(steps, size, smallest), dtype=np.int64)
        if not splits.size:
            continue
        index = np.vectorize(level.__getitem__)(splits)
        for clique in _cliques(near, size):
            members = np.array(clique)
            ok = allowed[index, members[None, :]].all(axis=1)
            for a, b in itertools.combinations(range(size), 2):
                ok &= node[index[:, a], members[a]] != node[index[:, b], members[b]]
            if not ok.any():
                continue
            total = cost[index, members[None, :]].sum(axis=1)
            overhead = (size - 1) * selection.campus_overhead_eur_per_year
            overhead += fibre * _tree_km(km[np.ix_(members, members)])
            rtt = float(close[np.ix_(members, members)].max())
            rows += _best_per_largest(members, splits, ok, total, overhead, rtt, steps)
            if len(rows) > MAX_CONFIGURATIONS:
                raise InputError(
                    f"{scenario.origin}: more than {MAX_CONFIGURATIONS:,} campus "
                    "configurations; lower selection.campuses_max or "
                    "selection.campus_max_rtt_ms, or raise selection.campus_share_step "
                    "or selection.campus_min_share"
                )
    return rows


def conflicts(
    used: NDArray[np.int64],
    node: NDArray[np.str_],
    allowed: NDArray[np.bool_],
    km: NDArray[np.float64],
    separation_km: float,
) -> list[tuple[int, int]]:
    """Site pairs that may not be campuses of two different gigafactories: closer
    than ``separation_km`` (km), or drawing on one grid node at some allowed share."""
    nodes = {int(i): set(node[allowed[:, i], i].tolist()) for i in used.tolist()}
    pairs = []
    for a, b in itertools.combinations(used.tolist(), 2):
        if km[a, b] < separation_km or nodes[a] & nodes[b]:
            pairs.append((a, b))
    return pairs


def _best_per_largest(
    members: NDArray[np.int64],
    splits: NDArray[np.int64],
    ok: NDArray[np.bool_],
    total: NDArray[np.float64],
    overhead: float,
    rtt: float,
    steps: int,
) -> list[Row]:
    """The cheapest allowed split for each member that can be the largest campus."""
    rows: list[Row] = []
    biggest = splits.max(axis=1)
    for k, site in enumerate(members.tolist()):
        largest = ok & (splits[:, k] == biggest)
        if not largest.any():
            continue
        best = int(np.flatnonzero(largest)[np.argmin(total[largest])])
        split = tuple(float(n) / steps for n in splits[best].tolist())
        rows.append(
            (
                tuple(members.tolist()),
                split,
                site,
                float(total[best]) + overhead,
                overhead,
                rtt,
            )
        )
    return rows


def _compositions(total: int, parts: int, smallest: int) -> list[tuple[int, ...]]:
    """Ordered ways to write ``total`` as ``parts`` integers of at least
    ``smallest``."""
    if parts == 1:
        return [(total,)] if total >= smallest else []
    out = []
    for first in range(smallest, total - smallest * (parts - 1) + 1):
        rest = _compositions(total - first, parts - 1, smallest)
        out += [(first, *tail) for tail in rest]
    return out


def _cliques(near: NDArray[np.bool_], size: int) -> list[tuple[int, ...]]:
    """Sets of ``size`` positions, ascending, every pair of them ``near``."""
    found: list[tuple[int, ...]] = [(i,) for i in range(len(near))]
    for _ in range(size - 1):
        grown = []
        for clique in found:
            common = near[list(clique)].all(axis=0)
            common[: clique[-1] + 1] = False
            grown += [(*clique, int(k)) for k in np.flatnonzero(common)]
        found = grown
    return found


def _tree_km(km: NDArray[np.float64]) -> float:
    """Length of the shortest tree linking the points (Prim's algorithm), km."""
    inside = [0]
    total = 0.0
    while len(inside) < len(km):
        rest = [k for k in range(len(km)) if k not in inside]
        sub = km[np.ix_(inside, rest)]
        a, b = np.unravel_index(int(sub.argmin()), sub.shape)
        total += float(sub[a, b])
        inside.append(rest[int(b)])
    return total


def _fibre_eur_per_km_year(scenario: Scenario) -> float:
    """Annual cost of one great-circle km of new fibre between campuses, EUR/km/yr:
    route factor x price per km x (capital recovery factor + upkeep share)."""
    fibre = scenario.connectivity
    crf = capital_recovery_factor(scenario.facility)
    return fibre.route_factor * fibre.fibre_eur_per_km * (crf + fibre.fibre_opex_share)
