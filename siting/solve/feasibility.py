"""Cheap necessary conditions for a p-median to have a solution, checked before any
solver runs; each failure is reported with the numbers involved."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from siting.errors import InfeasibleError
from siting.solve.instance import IntArray, PMedianInstance


def check_feasible(inst: PMedianInstance) -> None:
    """Run cheap necessary conditions for feasibility before any solver.

    Raises
    ------
    InfeasibleError
        Listing every violated condition, with the numbers involved.
    """
    problems: list[str] = []
    allowed = inst.allowed_sites()
    n_allowed = int(allowed.sum())
    if inst.p > n_allowed:
        problems.append(
            f"p={inst.p} sites requested but only {n_allowed} of {inst.n_sites} "
            "sites are allowed (not excluded)"
        )
    if inst.forced.size > inst.p:
        problems.append(f"{inst.forced.size} forced sites but p={inst.p}")
    both = np.intersect1d(inst.forced, inst.excluded)
    if both.size:
        problems.append(f"sites {both.tolist()} are both forced and excluded")
    forced_set = set(inst.forced.tolist())
    clash = [
        (int(i), int(k))
        for i, k in inst.incompatible
        if int(i) in forced_set and int(k) in forced_set
    ]
    if clash:
        problems.append(f"forced sites form incompatible pairs {clash}")
    if inst.group_codes is not None:
        _check_groups(inst, inst.group_codes, allowed, problems)
    usable = inst.usable(allowed)
    lonely = np.flatnonzero(~usable.any(axis=1))
    if lonely.size:
        limit = "" if inst.max_cost is None else f" within max_cost={inst.max_cost:g}"
        row = inst.cost[int(lonely[0]), allowed]
        nearest = float(row.min()) if row.size else np.inf
        problems.append(
            f"{lonely.size} hubs have no allowed site{limit} (first: hub "
            f"{int(lonely[0])}, nearest allowed site at cost {nearest:g})"
        )
    if problems:
        raise InfeasibleError("the p-median has no solution: " + "; ".join(problems))


def _check_groups(
    inst: PMedianInstance,
    codes: IntArray,
    allowed: NDArray[np.bool_],
    problems: list[str],
) -> None:
    n_groups = len(inst.group_labels)
    per_group = np.bincount(codes[allowed], minlength=n_groups)
    cap = np.where(inst.group_limits < 0, per_group, inst.group_limits)
    capacity = int(np.minimum(cap, per_group).sum())
    if capacity < inst.p:
        with_site = int((per_group > 0).sum())
        limits = sorted({int(v) for v in inst.group_limits if v >= 0})
        problems.append(
            f"p={inst.p} sites requested but the group limits (at most "
            f"{'/'.join(map(str, limits))} per group) allow only {capacity}: "
            f"{with_site} of {n_groups} groups have an allowed candidate"
        )
    forced_count = np.bincount(codes[inst.forced], minlength=n_groups)
    over = np.flatnonzero((inst.group_limits >= 0) & (forced_count > inst.group_limits))
    for code in over:
        problems.append(
            f"{forced_count[code]} forced sites in group {inst.group_labels[code]!r} "
            f"but at most {inst.group_limits[code]} allowed"
        )
