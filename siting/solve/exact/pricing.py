"""A working set of sites for the phase-1 LP, with exact pricing of the others.

With small p every cut has a coefficient for each site nearer than the hub's level
(about m / p of them), so an LP over all open-able sites is dense. The LP is
therefore solved over a working set ``S`` (the incumbent, the forced sites and the
sites of lowest Lagrangian value), with cuts built on ``S`` only. A cut
``theta_j + sum_{i: c_ji < D} (D - c_ji) y_i >= D`` stays valid with the
coefficients of every site, so for a site ``i`` outside ``S`` its exact LP reduced
cost is ``rc_i = (f_i - side-row duals) - sum_c u_c (D_c - c_ji)^+`` over the cuts
``c`` (hub ``j``, level ``D_c``, dual ``u_c``). Weak duality then gives the global
bound ``safe bound on S + sum_{i outside S} min(0, rc_i)``, valid whatever ``S``;
sites outside ``S`` are fixed with it like the others, and the most negative ones
join ``S`` (their coefficients are added to every existing cut) until none is left.
"""

from __future__ import annotations

import numpy as np

from siting.solve.exact.costs import HubCosts, ranges
from siting.solve.exact.master import Master

__all__ = ["extension", "outside_rc", "row_ends"]


def row_ends(costs: HubCosts, hub: np.ndarray, limit: np.ndarray) -> np.ndarray:
    """For each (hub, limit) pair, the end of the hub's entries cheaper than limit."""
    lo = costs.indptr[hub].copy()
    hi = costs.indptr[hub + 1].copy()
    c = costs.cost
    while True:
        active = lo < hi
        if not active.any():
            return np.asarray(lo)
        idx = np.flatnonzero(active)
        mid = (lo[idx] + hi[idx]) // 2
        below = c[mid] < limit[idx]
        lo[idx[below]] = mid[below] + 1
        hi[idx[~below]] = mid[~below]


def _cut_rows(master: Master) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Row index, hub and level of every cut row."""
    rows = np.flatnonzero(master.is_cut)
    heads = master.start[rows]  # the theta entry is first in each cut row
    hub = master.index[heads].astype(np.int64) - master.m
    return rows, hub, master.lo[rows]


def outside_rc(
    master: Master,
    full: HubCosts,
    dual: np.ndarray,
    rc: np.ndarray,
    outside: np.ndarray,
) -> np.ndarray:
    """Exact reduced costs of the sites in ``outside`` (bool, n_sites).

    ``rc`` is from :meth:`Master.safe_bound` (side rows only for these columns);
    ``full`` the lists of every open-able site.
    """
    rows, hub, level = _cut_rows(master)
    u = np.maximum(dual[rows], 0.0)
    act = u > 0
    rows, hub, level, u = rows[act], hub[act], level[act], u[act]
    ends = row_ends(full, hub, level)
    idx = ranges(full.indptr[hub], ends)
    owner = np.repeat(np.arange(rows.size), ends - full.indptr[hub])
    site = full.site[idx]
    keep = outside[site]
    ext = np.bincount(
        site[keep],
        weights=u[owner[keep]] * (level[owner[keep]] - full.cost[idx[keep]]),
        minlength=master.m,
    )
    return np.where(outside, rc[: master.m] - ext, 0.0)


def extension(
    master: Master, full: HubCosts, new: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Entries (row, column, value) that add the sites ``new`` (bool) to every cut."""
    rows, hub, level = _cut_rows(master)
    ends = row_ends(full, hub, level)
    idx = ranges(full.indptr[hub], ends)
    owner = np.repeat(np.arange(rows.size), ends - full.indptr[hub])
    site = full.site[idx]
    keep = new[site]
    val = level[owner[keep]] - full.cost[idx[keep]]
    pos = val > 0
    return rows[owner[keep]][pos], site[keep][pos], val[pos]
