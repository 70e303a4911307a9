"""Incumbents: greedy construction and best-improvement interchange on sorted lists.

Both work on :class:`~siting.solve.exact.costs.HubCosts` and only touch, per hub, the
prefix of its list that can change (sites cheaper than its current or second-cheapest
open site), so they run on sparse inputs without a dense matrix.

The interchange is the swap evaluation of Whitaker (1983) as organised by Resende and
Werneck (2004, "A fast swap-based local search procedure for location problems"): with
``d1``/``d2`` each hub's cheapest and second-cheapest open costs, the change of closing
``r`` and opening ``j`` is ``loss[r] - gain[j] - extra[r, j] + f[j] - f[r]`` where
``gain[j]`` sums ``d1 - c_ij`` over hubs with ``c_ij < d1``, ``loss[r]`` sums
``d2 - d1`` over the hubs served by ``r`` and ``extra[r, j]`` sums
``d2 - max(c_ij, d1)`` over the hubs served by ``r`` with ``c_ij < d2``. A hub with
no usable open site costs a penalty above any finite total, so the heuristics also
search for coverage. Every step checks the deadline (seconds of
``time.perf_counter``).
"""

from __future__ import annotations

import time

import numpy as np

from siting.solve.exact.costs import prefix_end, ranges
from siting.solve.exact.problem import Problem

__all__ = ["greedy", "interchange", "addable"]

#: Largest (open sites x candidate sites) table of one interchange pass.
_TABLE = 30_000_000


def _penalty(problem: Problem) -> float:
    c = problem.costs.cost
    top = float(np.abs(c).max()) if c.size else 1.0
    return (top + 1.0) * (problem.costs.n_hubs + 1) * 4.0 + float(
        np.abs(problem.fixed).sum()
    )


def addable(problem: Problem, is_open: np.ndarray, closed: np.ndarray) -> np.ndarray:
    """Sites that may be opened next to ``is_open`` without breaking a rule.

    ``closed`` (bool, n_sites) marks sites that may not open (excluded or fixed).
    """
    counts = np.bincount(problem.group[is_open], minlength=problem.cap.size)
    ok = ~is_open & ~closed & (counts[problem.group] < problem.cap[problem.group])
    a, b = problem.pairs[:, 0], problem.pairs[:, 1]
    ok[b[is_open[a]]] = False
    ok[a[is_open[b]]] = False
    return np.asarray(ok, dtype=bool)


def greedy(
    problem: Problem,
    deadline: float,
    *,
    closed: np.ndarray | None = None,
    opened: np.ndarray | None = None,
    order: np.ndarray | None = None,
) -> np.ndarray | None:
    """Open sites one at a time; None if no full selection is reached.

    Forced sites first. Without ``order``, each step opens the addable site with the
    largest saving (penalised unserved hubs included) net of its fixed cost (the
    ``p // 100`` largest at once when p >= 200 and no cap or pair binds); with
    ``order`` (site indices, best first, e.g. by LP value) the first addable site
    of that order is opened instead. ``closed``/``opened`` (bool, n_sites) are
    sites fixed to 0/1 on top of the problem's excluded/forced sites.
    """
    c = problem.costs
    closed = problem.excluded if closed is None else closed | problem.excluded
    is_open = problem.forced | (False if opened is None else opened)
    if order is not None:
        return _by_order(problem, is_open, closed, order)
    big = _penalty(problem)
    served = c.served_cost(is_open)
    cur = np.where(np.isfinite(served), served, big)
    hub = c.hub_of_entry()
    simple = problem.pairs.size == 0 and (problem.cap >= problem.p).all()
    while is_open.sum() < problem.p:
        if time.perf_counter() >= deadline:
            return None
        ok = addable(problem, is_open, closed)
        if not ok.any():
            return None
        idx = ranges(c.indptr[:-1], prefix_end(c, cur))
        h = hub[idx]
        save = np.bincount(
            c.site[idx], weights=cur[h] - c.cost[idx], minlength=c.n_sites
        )
        score = np.where(ok, save - problem.fixed, -np.inf)
        left = problem.p - int(is_open.sum())
        k = min(left, max(1, problem.p // 100)) if simple else 1
        if k > 1:  # large p: the k best savings at once (about 100 steps in all)
            pick = np.argpartition(-score, k - 1)[:k]
            pick = pick[np.isfinite(score[pick])]
        else:
            pick = np.array([int(np.argmax(score))])
        is_open[pick] = True
        newly = np.zeros(c.n_sites, dtype=bool)
        newly[pick] = True
        hit = newly[c.site[idx]]
        np.minimum.at(cur, h[hit], c.cost[idx[hit]])
    return np.flatnonzero(is_open)


def _by_order(
    problem: Problem, is_open: np.ndarray, closed: np.ndarray, order: np.ndarray
) -> np.ndarray | None:
    """Open the first addable sites of ``order`` until p are open."""
    need = problem.p - int(is_open.sum())
    if need < 0:
        return None
    cand = order[~is_open[order] & ~closed[order]]
    simple = problem.pairs.size == 0 and (problem.cap >= problem.p).all()
    if simple:
        if cand.size < need:
            return None
        is_open[cand[:need]] = True
        return np.flatnonzero(is_open)
    for i in cand:
        if need == 0:
            break
        if addable(problem, is_open, closed)[i]:
            is_open[i] = True
            need -= 1
    return np.flatnonzero(is_open) if need == 0 else None


def interchange(
    problem: Problem,
    selection: np.ndarray | None,
    deadline: float,
    *,
    closed: np.ndarray | None = None,
    opened: np.ndarray | None = None,
    max_passes: int = 100_000,
) -> np.ndarray | None:
    """Best-improvement swaps until none improves or the deadline passes.

    Returns the improved selection (same rules as the input), or None when the input
    is None or still leaves a hub unserved.
    """
    if selection is None:
        return None
    c = problem.costs
    closed = problem.excluded if closed is None else closed | problem.excluded
    big = _penalty(problem)
    hub = c.hub_of_entry()
    sel = np.sort(np.asarray(selection))
    for _ in range(max_passes):
        if time.perf_counter() >= deadline or sel.size == 0:
            break
        is_open = np.zeros(c.n_sites, dtype=bool)
        is_open[sel] = True
        where = np.full(c.n_sites, -1)
        where[sel] = np.arange(sel.size)
        d1, near, d2 = _two_nearest(problem, is_open, big)
        idx = ranges(c.indptr[:-1], prefix_end(c, d2))
        h, s, v = hub[idx], c.site[idx], c.cost[idx]
        cheaper = v < d1[h]
        gain = np.bincount(
            s[cheaper], weights=d1[h[cheaper]] - v[cheaper], minlength=c.n_sites
        )
        served = near >= 0
        loss = np.bincount(
            where[near[served]], weights=(d2 - d1)[served], minlength=sel.size
        )
        cand = np.flatnonzero(~is_open & ~closed)
        if cand.size == 0:
            break
        if sel.size * cand.size > _TABLE:
            keep = max(1, _TABLE // sel.size)
            cand = cand[np.argsort(problem.fixed[cand] - gain[cand])[:keep]]
        col = np.full(c.n_sites, -1)
        col[cand] = np.arange(cand.size)
        mine = (near[h] >= 0) & (col[s] >= 0)
        key = where[near[h[mine]]] * cand.size + col[s[mine]]
        extra = np.bincount(
            key,
            weights=d2[h[mine]] - np.maximum(v[mine], d1[h[mine]]),
            minlength=sel.size * cand.size,
        ).reshape(sel.size, cand.size)
        delta = (
            (loss - problem.fixed[sel])[:, None]
            + (problem.fixed[cand] - gain[cand])[None, :]
            - extra
        )
        delta[~_swappable(problem, sel, cand, is_open, opened)] = np.inf
        r, k = np.unravel_index(int(np.argmin(delta)), delta.shape)
        total = float(d1.sum() + problem.fixed[sel].sum())
        if not delta[r, k] < -1e-12 * max(1.0, abs(total)):
            break
        sel = np.sort(np.append(np.delete(sel, r), cand[k]))
    is_open = np.zeros(c.n_sites, dtype=bool)
    is_open[sel] = True
    return sel if np.isfinite(c.served_cost(is_open)).all() else None


def _two_nearest(
    problem: Problem, is_open: np.ndarray, big: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cheapest and second-cheapest open cost per hub (``big`` if missing) and the
    site of the cheapest (-1 if none)."""
    c = problem.costs
    first, second = c.open_entries(is_open, 2)
    d1 = np.full(c.n_hubs, big)
    near = np.full(c.n_hubs, -1)
    ok = first >= 0
    d1[ok] = c.cost[first[ok]]
    near[ok] = c.site[first[ok]]
    d2 = np.full(c.n_hubs, big)
    ok2 = second >= 0
    d2[ok2] = c.cost[second[ok2]]
    return d1, near, d2


def _swappable(
    problem: Problem,
    sel: np.ndarray,
    cand: np.ndarray,
    is_open: np.ndarray,
    opened: np.ndarray | None,
) -> np.ndarray:
    """Boolean (open r, candidate j): closing r and opening j keeps every rule."""
    counts = np.bincount(problem.group[sel], minlength=problem.cap.size)
    gj = problem.group[cand]
    room = counts[gj] < problem.cap[gj]
    ok = room[None, :] | (problem.group[sel][:, None] == gj[None, :])
    if problem.pairs.size:
        col = np.full(problem.n_sites, -1)
        col[cand] = np.arange(cand.size)
        where = np.full(problem.n_sites, -1)
        where[sel] = np.arange(sel.size)
        clash = np.zeros(cand.size, dtype=np.int64)
        conflicts = np.zeros((sel.size, cand.size), dtype=np.int64)
        pr = problem.pairs
        for a, b in ((pr[:, 0], pr[:, 1]), (pr[:, 1], pr[:, 0])):
            hit = is_open[a] & (col[b] >= 0)
            np.add.at(clash, col[b[hit]], 1)
            np.add.at(conflicts, (where[a[hit]], col[b[hit]]), 1)
        ok &= clash[None, :] == conflicts
    ok[problem.forced[sel]] = False
    if opened is not None:
        ok[opened[sel]] = False
    return np.asarray(ok, dtype=bool)
