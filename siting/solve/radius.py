"""Exact solve of a reduced p-median by HiGHS: the chained radius formulation.

Used by :mod:`siting.solve.fast` when no feasible incumbent is known (and to prove
infeasibility). The model, after Elloumi (2010) and Garcia, Labbe and Marin (2011), is
described in :mod:`siting.solve.fast`; levels are added per hub on demand, so each
truncated model is a relaxation with a valid bound and its solution is exact once no
hub is served beyond its last modelled level.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Any

import highspy
import numpy as np
from numpy.typing import NDArray

from siting.errors import SolverError
from siting.solve.quiet import quiet_highs
from siting.solve.reduced import ReducedProblem, objective_of
from siting.solve.solution import REL_GAP


@dataclass
class Levels:
    """Each hub's distinct weighted costs to the alive sites, sorted."""

    order: NDArray[Any]  # hubs x m: site positions by increasing cost
    level: NDArray[Any]  # hubs x m: level index of each sorted position
    value: NDArray[Any]  # hubs x m: cost of each level (inf past the last)
    top: NDArray[Any]  # number of levels up to the one always covered


def levels(cost: NDArray[Any], p: int, forced: NDArray[Any]) -> Levels | None:
    n, m = cost.shape
    order = np.argsort(cost, axis=1, kind="stable")
    val = np.take_along_axis(cost, order, axis=1)
    level = np.zeros((n, m), dtype=np.int64)
    np.cumsum(val[:, 1:] > val[:, :-1], axis=1, out=level[:, 1:])
    cover = np.full(n, m - p)
    if forced.any():
        cover = np.minimum(cover, np.argmax(forced[order], axis=1))
    last = np.isfinite(val).sum(axis=1) - 1
    if (last < 0).any():
        return None
    cover = np.minimum(cover, last)
    rows = np.arange(n)
    value = np.full((n, m), np.inf)
    value[rows[:, None], level] = val
    return Levels(order, level, value, level[rows, cover] + 1)


def solve_radius(
    prob: ReducedProblem,
    alive: NDArray[Any],
    forced: NDArray[Any],
    best: NDArray[Any] | None,
    deadline: float,
) -> tuple[NDArray[Any] | None, float]:
    """Solve the problem on the alive sites; return a selection and a lower bound."""
    cols = np.flatnonzero(alive)
    must = forced[cols]
    if cols.size < prob.p or must.sum() > prob.p:
        return None, math.inf
    cost = prob.cost[:, cols]
    lv = levels(cost, prob.p, must)
    if lv is None:
        return None, math.inf
    start = None
    if best is not None and alive[best].all():
        start = np.searchsorted(cols, best)
        depth = (lv.value < cost[:, start].min(axis=1)[:, None]).sum(axis=1) + 1
    else:
        depth = np.ones(cost.shape[0], dtype=np.int64)
    depth = np.minimum(depth + 1, lv.top)
    found, lower = None, -math.inf
    while time.perf_counter() < deadline:
        lp = _model(prob, cols, lv, depth)
        status, y, mip_bound = _run_highs(lp, prob, start, lv, depth, deadline)
        if status == "infeasible":
            return None, math.inf
        lower = max(lower, mip_bound)
        if y is None:
            break
        real = cost[:, y].min(axis=1)
        if found is None or objective_of(prob, cols[y]) < objective_of(
            prob, cols[found]
        ):
            found = y
        reached = (lv.value < real[:, None]).sum(axis=1)
        over = reached >= depth
        if not over.any() or status != "optimal":
            break
        depth[over] = np.minimum(lv.top[over], 2 * reached[over] + 1)
        start = y
    return (cols[found] if found is not None else None), lower


def _model(
    prob: ReducedProblem, cols: NDArray[Any], lv: Levels, depth: NDArray[Any]
) -> highspy.HighsLp:
    """The truncated chained radius model as a row-wise HighsLp."""
    n, m = lv.level.shape
    nz_per = depth - (depth == lv.top)
    row0 = np.concatenate([[0], np.cumsum(depth)[:-1]])
    n_cover = int(depth.sum())
    n_z = int(nz_per.sum())
    hub_y, pos_y = np.nonzero(lv.level < depth[:, None])
    hub_z = np.repeat(np.arange(n), nz_per)
    lvl_z = np.arange(n_z) - np.repeat(np.cumsum(nz_per) - nz_per, nz_per)
    col_z = m + np.arange(n_z)
    nxt = lvl_z + 1 < depth[hub_z]
    rows = [row0[hub_y] + lv.level[hub_y, pos_y], row0[hub_z] + lvl_z]
    idx = [lv.order[hub_y, pos_y], col_z]
    val = [np.ones(hub_y.size), np.ones(n_z)]
    rows.append(row0[hub_z[nxt]] + lvl_z[nxt] + 1)
    idx.append(col_z[nxt])
    val.append(-np.ones(int(nxt.sum())))
    lower = np.zeros(n_cover)
    lower[row0] = 1.0
    upper = np.full(n_cover, np.inf)
    side_lo, side_up = [float(prob.p)], [float(prob.p)]
    members = [np.arange(m)]
    code = prob.group[cols]
    for c in np.flatnonzero(np.bincount(code, minlength=prob.cap.size) > prob.cap):
        members.append(np.flatnonzero(code == c))
        side_lo.append(-np.inf)
        side_up.append(float(prob.cap[c]))
    where = np.full(prob.fixed.size, -1)
    where[cols] = np.arange(m)
    for a, b in where[prob.pairs]:
        if a >= 0 and b >= 0:
            members.append(np.array([a, b]))
            side_lo.append(-np.inf)
            side_up.append(1.0)
    for k, mem in enumerate(members):
        rows.append(np.full(mem.size, n_cover + k))
        idx.append(mem)
        val.append(np.ones(mem.size))
    rows_all = np.concatenate(rows)
    order = np.argsort(rows_all, kind="stable")
    n_rows = n_cover + len(members)
    lp = highspy.HighsLp()
    lp.num_col_ = m + n_z
    lp.num_row_ = n_rows
    lp.col_cost_ = np.concatenate(
        [prob.fixed[cols], lv.value[hub_z, lvl_z + 1] - lv.value[hub_z, lvl_z]]
    )
    lp.col_lower_ = np.concatenate([prob.forced[cols] * 1.0, np.zeros(n_z)])
    lp.col_upper_ = np.ones(m + n_z)
    lp.row_lower_ = np.concatenate([lower, side_lo])
    lp.row_upper_ = np.concatenate([upper, side_up])
    lp.a_matrix_.format_ = highspy.MatrixFormat.kRowwise
    lp.a_matrix_.num_col_ = m + n_z
    lp.a_matrix_.num_row_ = n_rows
    lp.a_matrix_.start_ = np.concatenate(
        [[0], np.cumsum(np.bincount(rows_all, minlength=n_rows))]
    )
    lp.a_matrix_.index_ = np.concatenate(idx)[order]
    lp.a_matrix_.value_ = np.concatenate(val)[order]
    lp.integrality_ = [highspy.HighsVarType.kInteger] * m + [
        highspy.HighsVarType.kContinuous
    ] * n_z
    lp.offset_ = float(lv.value[:, 0].sum())
    return lp


def _run_highs(
    lp: highspy.HighsLp,
    prob: ReducedProblem,
    start: NDArray[Any] | None,
    lv: Levels,
    depth: NDArray[Any],
    deadline: float,
) -> tuple[str, NDArray[Any] | None, float]:
    """Solve the model; return status, selected positions (or None) and MIP bound."""
    h = quiet_highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", max(deadline - time.perf_counter(), 0.01))
    h.setOptionValue("mip_rel_gap", 0.1 * REL_GAP)
    h.setOptionValue("mip_abs_gap", 1 - 1e-6 if prob.integral else 0.0)
    h.passModel(lp)
    m = lp.num_col_ - int((depth - (depth == lv.top)).sum())
    if start is not None:
        h.setSolution(_start_vector(start, lv, depth, m))
    h.run()
    status = h.getModelStatus()
    ms = highspy.HighsModelStatus
    if status in (ms.kInfeasible, ms.kUnboundedOrInfeasible):
        return "infeasible", None, math.inf
    if status not in (ms.kOptimal, ms.kTimeLimit, ms.kInterrupt):
        raise SolverError(f"HiGHS stopped with status {h.modelStatusToString(status)}")
    info = h.getInfo()
    bound = float(info.mip_dual_bound)
    y = None
    if info.primal_solution_status == 2:
        y = np.flatnonzero(np.asarray(h.getSolution().col_value[:m]) > 0.5)
    kind = "optimal" if status == ms.kOptimal else "time_limit"
    return kind, y, bound if math.isfinite(bound) else -math.inf


def _start_vector(
    start: NDArray[Any], lv: Levels, depth: NDArray[Any], m: int
) -> highspy.HighsSolution:
    """A full HiGHS solution (y, then z) for the selection ``start``."""
    nz_per = depth - (depth == lv.top)
    hub_z = np.repeat(np.arange(depth.size), nz_per)
    lvl_z = np.arange(int(nz_per.sum())) - np.repeat(np.cumsum(nz_per) - nz_per, nz_per)
    is_open = np.zeros(m, dtype=bool)
    is_open[start] = True
    first = np.argmax(is_open[lv.order], axis=1)
    near = lv.level[np.arange(depth.size), first]
    z = (lvl_z < near[hub_z]).astype(float)
    sol = highspy.HighsSolution()
    sol.col_value = np.concatenate([is_open.astype(float), z]).tolist()
    sol.value_valid = True
    return sol
