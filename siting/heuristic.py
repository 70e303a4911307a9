"""Greedy plus vertex-substitution heuristic for the constrained p-median.

Used as the warm start of :func:`siting.solve.solve_pmedian` and exposed through
:func:`siting.solve.heuristic_pmedian`.

1. Greedy (as in Resende and Werneck 2004): start from the forced sites and add, one at
   a time, the site that lowers the objective most among those that keep the selection
   feasible (not excluded, group limit not reached, not incompatible with a selected
   site). A partial selection is scored by (number of hubs it cannot serve, objective
   of the rest), compared lexicographically, so coverage comes first.
2. Interchange (Teitz and Bart 1968 vertex substitution): repeatedly apply the best swap
   of a selected, non-forced site for an unselected one that keeps the selection
   feasible and strictly lowers that score; stop at a local optimum. Each pass costs
   O(p * n_hubs * n_sites) with numpy.

Ties are broken by the lowest site index (``argmin``), so the result is deterministic.
"""

from __future__ import annotations

import numpy as np

from siting.instance import PMedianInstance

#: Relative improvement below which a swap is not taken (guards against cycling).
_TOL = 1e-12


def greedy_interchange(inst: PMedianInstance) -> np.ndarray | None:
    """Return sorted selected site indices, or None when no feasible one was found."""
    dist = np.where(inst.usable(), inst.cost, np.inf)
    state = _State(inst, dist)
    for i in inst.forced.tolist():
        if not state.can_add(i):
            return None
        state.add(i)
    while len(state.selected) < inst.p:
        free = state.addable()
        if not free.any():
            return None
        uncovered, value = _scores(dist, inst.weights, state.best)
        value = value + inst.fixed_cost
        state.add(_argbest(uncovered, value, free))
    _interchange(state)
    if np.isinf(state.best).any():
        return None
    return np.array(sorted(state.selected), dtype=np.int64)


class _State:
    """A selection with its group counts, conflict counts and nearest costs."""

    def __init__(self, inst: PMedianInstance, dist: np.ndarray):
        self.inst = inst
        self.dist = dist
        self.selected: list[int] = []
        self.best = np.full(inst.n_hubs, np.inf)
        n_groups = len(inst.group_labels)
        self.group_count = np.zeros(n_groups, dtype=np.int64)
        self.conflicts = np.zeros(inst.n_sites, dtype=np.int64)
        self.blocked = ~inst.allowed_sites()
        pairs = inst.incompatible
        self.neighbours = [[] for _ in range(inst.n_sites)]
        for i, k in pairs.tolist():
            self.neighbours[i].append(k)
            self.neighbours[k].append(i)

    def group_open(self) -> np.ndarray:
        """Per-site flag: adding it keeps its group within the limit."""
        if self.inst.group_codes is None:
            return np.ones(self.inst.n_sites, dtype=bool)
        limits = self.inst.group_limits
        room = (limits < 0) | (self.group_count < limits)
        return room[self.inst.group_codes]

    def addable(self) -> np.ndarray:
        ok = ~self.blocked & (self.conflicts == 0) & self.group_open()
        ok[self.selected] = False
        return ok

    def can_add(self, i: int) -> bool:
        return bool(self.addable()[i])

    def add(self, i: int) -> None:
        self.selected.append(i)
        self._count(i, +1)
        self.best = np.minimum(self.best, self.dist[:, i])

    def remove(self, i: int) -> None:
        self.selected.remove(i)
        self._count(i, -1)
        self.best = self._nearest(self.selected)

    def _count(self, i: int, step: int) -> None:
        if self.inst.group_codes is not None:
            self.group_count[self.inst.group_codes[i]] += step
        for k in self.neighbours[i]:
            self.conflicts[k] += step

    def _nearest(self, sites: list[int]) -> np.ndarray:
        if not sites:
            return np.full(self.inst.n_hubs, np.inf)
        return self.dist[:, sites].min(axis=1)


def _interchange(state: _State) -> None:
    inst = state.inst
    forced = set(inst.forced.tolist())
    current = _score_of(state)
    while True:
        best_move = None
        best_score = current
        for r in sorted(set(state.selected) - forced):
            state.remove(r)
            free = state.addable()
            free[r] = False
            if free.any():
                uncovered, value = _scores(state.dist, inst.weights, state.best)
                value = value + inst.fixed_cost + inst.fixed_cost[state.selected].sum()
                a = _argbest(uncovered, value, free)
                score = (int(uncovered[a]), float(value[a]))
                if _better(score, best_score):
                    best_move, best_score = (r, a), score
            state.add(r)
        if best_move is None:
            return
        state.remove(best_move[0])
        state.add(best_move[1])
        current = best_score


def _scores(dist, weights, best):
    """Score of adding each site: (uncovered hub count, weighted cost of the rest)."""
    reach = np.minimum(dist, best[:, None])
    finite = np.isfinite(reach)
    uncovered = (~finite).sum(axis=0)
    value = weights @ np.where(finite, reach, 0.0)
    return uncovered, value


def _argbest(uncovered, value, free) -> int:
    """Index of the free site with the lowest (uncovered, value); lowest index wins."""
    u = np.where(free, uncovered, np.iinfo(np.int64).max)
    v = np.where(free & (u == u.min()), value, np.inf)
    return int(np.argmin(v))


def _score_of(state: _State) -> tuple[int, float]:
    finite = np.isfinite(state.best)
    value = float(state.inst.weights @ np.where(finite, state.best, 0.0))
    value += float(state.inst.fixed_cost[state.selected].sum())
    return int((~finite).sum()), value


def _better(a: tuple[int, float], b: tuple[int, float]) -> bool:
    if a[0] != b[0]:
        return a[0] < b[0]
    return a[1] < b[1] - _TOL * max(abs(b[1]), 1.0)
