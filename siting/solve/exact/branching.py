"""Branching variable choice: pseudocosts made reliable by strong branching.

Reliability branching (Achterberg, Koch and Martin 2005): each site keeps the average
bound gain per unit change of its ``y`` observed when it was branched down (to 0)
and up (to 1). Candidates (fractional free ``y``) are ranked by the product of their
estimated down and up gains (unknown pseudocosts take the average); the best few
whose pseudocosts are not yet reliable are strong-branched: the node LP (current
cuts, no separation) is re-solved with that ``y`` fixed each way from the node's
basis. A strong-branch child whose safe bound reaches the cut-off is dropped.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from siting.solve.exact.state import State

__all__ = ["Pseudocosts", "choose"]

LOOK = 10  # candidates ranked by score that are considered
STRONG = 6  # of these, at most this many unreliable ones are strong-branched
RELIABLE = 1  # observations per direction for a pseudocost to count as reliable


class Pseudocosts:
    """Per-site sums and counts of unit gains, down and up."""

    def __init__(self, m: int) -> None:
        self.sum = np.zeros((2, m))
        self.cnt = np.zeros((2, m), dtype=np.int64)

    def update(self, j: int, up: int, gain: float, frac: float) -> None:
        """Record a bound gain ``gain`` for moving ``y_j`` by ``frac`` (> 0)."""
        if frac > 1e-9 and math.isfinite(gain):
            self.sum[up, j] += max(gain, 0.0) / frac
            self.cnt[up, j] += 1

    def estimate(self) -> np.ndarray:
        """(2, m) unit gains, the mean over known sites where unknown."""
        known = self.cnt > 0
        est = np.where(known, self.sum / np.maximum(self.cnt, 1), 0.0)
        for d in (0, 1):
            mean = est[d][known[d]].mean() if known[d].any() else 1.0
            est[d][~known[d]] = mean
        return est


def score(down: np.ndarray, up: np.ndarray, eps: float) -> np.ndarray:
    """Product rule of the two gains."""
    return np.asarray(np.maximum(down, eps) * np.maximum(up, eps))


def choose(
    st: State,
    pc: Pseudocosts,
    y: np.ndarray,
    obj: float,
    lo: np.ndarray,
    hi: np.ndarray,
) -> tuple[int, bool, bool]:
    """Pick the branching site; returns (j, drop_down, drop_up) where ``drop_*``
    says that child is proven not to hold an improving selection."""
    master, rules = st.lp, st.rules
    free = lo < hi
    frac = np.where(free, np.minimum(y, 1 - y), 0.0)
    cand = np.flatnonzero(frac > 1e-6)
    if cand.size == 0:
        return int(np.argmax(np.where(free, y, -1.0))), False, False
    if STRONG < 0:
        return int(cand[np.argmax(frac[cand])]), False, False
    est = pc.estimate()
    eps = 1e-9 * max(1.0, abs(obj))
    sc = score(est[0, cand] * y[cand], est[1, cand] * (1 - y[cand]), eps)
    top = cand[np.argsort(-sc, kind="stable")[:LOOK]]
    weak = [int(j) for j in top if min(pc.cnt[0, j], pc.cnt[1, j]) < RELIABLE][:STRONG]
    drops: dict[int, tuple[bool, bool]] = {}
    if weak:
        basis = master.h.getBasis()
        cut = rules.cutoff(st.ub)
        for j in weak:
            dropped = []
            for up in (0, 1):
                v = float(up)
                master.h.changeColsBounds(
                    1, np.array([j], np.int32), np.array([v]), np.array([v])
                )
                kind, _, o = master.solve_lp(st.deadline)
                if kind == "optimal":
                    b, _ = master.safe_bound(master.row_duals())
                    gone = rules.round(b) >= cut
                elif kind == "infeasible":
                    o, gone = math.inf, True
                else:
                    o, gone = obj, False
                fr = y[j] if up == 0 else 1 - y[j]
                pc.update(
                    j,
                    up,
                    (o if math.isfinite(o) else obj + 10 * abs(obj) + 1) - obj,
                    fr,
                )
                dropped.append(gone)
                master.h.changeColsBounds(
                    1, np.array([j], np.int32), np.array([lo[j]]), np.array([hi[j]])
                )
                master.h.setBasis(basis)
            drops[j] = (dropped[0], dropped[1])
            if dropped[0] or dropped[1]:
                return j, dropped[0], dropped[1]
        est = pc.estimate()
    sc = score(est[0, top] * y[top], est[1, top] * (1 - y[top]), eps)
    j = int(top[int(np.argmax(sc))])
    d = drops.get(j, (False, False))
    return j, d[0], d[1]
