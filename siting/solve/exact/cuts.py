"""Benders cuts of the radius formulation, separated in linear time without an LP.

For a point ``y`` (0 <= y <= 1) and hub ``j`` with sorted usable entries
``(c_1, s_1), (c_2, s_2), ...`` let ``k`` be the first entry where the cumulative
``y[s_1] + ... + y[s_k]`` reaches 1 and ``D = c_k``. The subproblem of hub ``j`` in
Elloumi's radius formulation (F3) has the closed-form value and dual of
Duran-Mateluna, Ales and Elloumi (EJOR 2023, eqs. 17-20), and the cut is

    theta_j + sum_{i: c_ji < D} (D - c_ji) y_i >= D.

The cut is valid for every ``D`` (any selection serving j at cost ``d``: the left side
without theta is at least ``D - d`` when ``d < D``, and 0 otherwise), so rounding
choices in the search for ``k`` never cost validity, only strength. A hub whose
cumulative ``y`` never reaches 1 (only when coverage is limited) gets the cut at its
dearest usable site; its coverage row (:mod:`siting.solve.exact.master`) keeps it
served.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from siting.solve.exact.costs import HubCosts, ranges

__all__ = ["Cuts", "separate"]


@dataclass
class Cuts:
    """Rows ``theta_hub + sum coef * y_site >= rhs`` in CSR form, one per hub."""

    hub: np.ndarray  # int64 (k,)
    rhs: np.ndarray  # float (k,)
    indptr: np.ndarray  # int64 (k + 1,)
    site: np.ndarray  # int32 (nnz,)
    coef: np.ndarray  # float (nnz,)

    @property
    def size(self) -> int:
        """Number of cuts."""
        return self.hub.size


def level(costs: HubCosts, y: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    """Per hub, the entry index at which its cumulative ``y`` first reaches 1.

    Hubs whose cumulative never reaches ``1 - eps`` get their last entry; hubs with
    no entry get -1.
    """
    start, end = costs.indptr[:-1], costs.indptr[1:]
    out = np.where(end > start, end - 1, -1)
    todo = np.flatnonzero(end > start)
    width = 8
    while todo.size and width <= 512:
        s0 = start[todo]
        cols = s0[:, None] + np.arange(width)[None, :]
        inside = cols < end[todo][:, None]
        vals = np.where(inside, y[costs.site[np.minimum(cols, costs.nnz - 1)]], 0.0)
        csum = np.cumsum(np.clip(vals, 0.0, 1.0), axis=1)
        reach = csum >= 1.0 - eps
        done = reach[:, -1] | ~inside[:, -1]
        pos = np.argmax(reach, axis=1)
        got = done & reach[:, -1]
        out[todo[got]] = s0[got] + pos[got]
        todo = todo[~done]
        width *= 4
    if todo.size:
        sub = np.zeros(costs.n_hubs, dtype=bool)
        sub[todo] = True
        vals = np.where(sub[costs.hub_of_entry()], np.clip(y[costs.site], 0, 1), 0.0)
        total = np.concatenate([[0.0], np.cumsum(vals)])
        target = total[start[todo]] + (1.0 - eps)
        pos = np.searchsorted(total, target, side="left") - 1
        out[todo] = np.clip(pos, start[todo], end[todo] - 1)
    return out


def separate(
    costs: HubCosts,
    y: np.ndarray,
    hubs: np.ndarray | None = None,
    *,
    at: np.ndarray | None = None,
) -> Cuts:
    """The cuts of ``hubs`` (all when None) at their levels for the point ``y``.

    ``at`` may give precomputed levels (from :func:`level`) for all hubs.
    """
    if at is None:
        at = level(costs, y)
    if hubs is None:
        hubs = np.flatnonzero(at >= 0)
    hubs = hubs[at[hubs] >= 0]
    start = costs.indptr[hubs]
    stop = at[hubs]
    idx = ranges(start, stop)
    owner = np.repeat(np.arange(hubs.size), stop - start)
    rhs = costs.cost[stop]
    coef = rhs[owner] - costs.cost[idx]
    keep = coef > 0
    counts = np.bincount(owner[keep], minlength=hubs.size)
    return Cuts(
        hub=hubs.astype(np.int64),
        rhs=rhs,
        indptr=np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        site=costs.site[idx[keep]],
        coef=coef[keep],
    )


def take(cuts: Cuts, rows: np.ndarray) -> Cuts:
    """The cuts at positions ``rows``."""
    idx = ranges(cuts.indptr[rows], cuts.indptr[rows + 1])
    counts = cuts.indptr[rows + 1] - cuts.indptr[rows]
    return Cuts(
        cuts.hub[rows],
        cuts.rhs[rows],
        np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
        cuts.site[idx],
        cuts.coef[idx],
    )


def cut_values(cuts: Cuts, y: np.ndarray) -> np.ndarray:
    """Right side minus the y part of each cut at ``y`` (the theta it demands)."""
    owner = np.repeat(np.arange(cuts.size), np.diff(cuts.indptr))
    drop = np.bincount(owner, weights=cuts.coef * y[cuts.site], minlength=cuts.size)
    return cuts.rhs - drop
