"""Validated inputs of the p-median problem with fixed costs and side constraints.

One place turns the user's arrays into a checked :class:`PMedianInstance`, runs the
cheap feasibility checks and evaluates a set of selected sites (assignment and
objective). :mod:`siting.solve`, :mod:`siting.heuristic` and :mod:`siting.verify` all
go through it, so they agree on every rule.

Assignment rule (deterministic tie-breaking): each hub is served by the selected site
with the lowest cost among those it may use (finite cost, within ``max_cost``); among
sites of equal cost the lowest site index wins.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from siting.errors import InfeasibleError, InputError


@dataclass(frozen=True)
class PMedianInstance:
    """Checked, normalised inputs of :func:`siting.solve.solve_pmedian`.

    Attributes
    ----------
    cost
        Hub x site cost matrix (units of the caller, e.g. ms), float, no NaN.
    weights
        Objective weight of each hub (>= 0; objective units per cost unit).
    p
        Number of sites to select.
    fixed_cost
        Fixed cost of each site (objective units); zeros when not given.
    group_codes
        Group index of each site (0..n_groups-1), or None without groups.
    group_labels
        Label of each group index, in code order.
    group_limits
        Maximum number of selected sites per group index (-1 means no limit).
    max_cost
        Coverage limit: a hub may only be served by a site with cost <= max_cost.
    incompatible
        Array of shape (n_pairs, 2), sorted pairs ``i < k`` of sites not both chosen.
    forced
        Sorted indices of sites that must be selected.
    excluded
        Sorted indices of sites that must not be selected.
    """

    cost: np.ndarray
    weights: np.ndarray
    p: int
    fixed_cost: np.ndarray
    group_codes: np.ndarray | None
    group_labels: tuple
    group_limits: np.ndarray
    max_cost: float | None
    incompatible: np.ndarray
    forced: np.ndarray
    excluded: np.ndarray

    @property
    def n_hubs(self) -> int:
        """Number of hubs (rows of ``cost``)."""
        return self.cost.shape[0]

    @property
    def n_sites(self) -> int:
        """Number of candidate sites (columns of ``cost``)."""
        return self.cost.shape[1]

    def usable(self) -> np.ndarray:
        """Boolean hub x site mask of the pairs a hub may be served by.

        A pair is usable when its cost is finite and within ``max_cost``.
        """
        ok = np.isfinite(self.cost)
        if self.max_cost is not None:
            ok &= self.cost <= self.max_cost
        return ok

    def allowed_sites(self) -> np.ndarray:
        """Boolean mask of the sites that are not excluded."""
        mask = np.ones(self.n_sites, dtype=bool)
        mask[self.excluded] = False
        return mask


def make_instance(
    cost,
    weights,
    p,
    *,
    fixed_cost=None,
    groups=None,
    max_per_group=None,
    max_cost=None,
    incompatible: Iterable = (),
    forced: Iterable = (),
    excluded: Iterable = (),
) -> PMedianInstance:
    """Check the inputs of the p-median and return them normalised.

    Parameters are those of :func:`siting.solve.solve_pmedian`. Every problem found is
    reported in one :class:`~siting.errors.InputError`.

    Raises
    ------
    InputError
        When shapes, values or indices are invalid.
    """
    problems: list[str] = []
    cost_arr = np.asarray(cost, dtype=float)
    if cost_arr.ndim != 2:
        raise InputError(
            f"cost must be a 2-D array (hubs x sites), got {cost_arr.ndim} dimensions"
        )
    n_hubs, n_sites = cost_arr.shape
    if np.isnan(cost_arr).any():
        rows, cols = np.nonzero(np.isnan(cost_arr))
        problems.append(
            f"cost has {rows.size} NaN entries (first at hub {rows[0]}, site "
            f"{cols[0]}); use +inf for a hub that cannot reach a site"
        )
    if np.isneginf(cost_arr).any():
        problems.append("cost has -inf entries; costs must be finite or +inf")

    w = np.asarray(weights, dtype=float)
    if w.shape != (n_hubs,):
        problems.append(
            f"weights must have length n_hubs={n_hubs}, got shape {w.shape}"
        )
    elif not np.isfinite(w).all() or (w < 0).any():
        problems.append("weights must be finite and >= 0")

    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 1:
        problems.append(f"p must be an integer >= 1, got {p!r}")

    if fixed_cost is None:
        fixed = np.zeros(n_sites)
    else:
        fixed = np.asarray(fixed_cost, dtype=float)
        if fixed.shape != (n_sites,):
            problems.append(
                f"fixed_cost must have length n_sites={n_sites}, "
                f"got shape {fixed.shape}"
            )
        elif not np.isfinite(fixed).all():
            problems.append("fixed_cost must be finite (no NaN or inf)")

    codes, labels, limits = _groups(groups, max_per_group, n_sites, problems)

    if max_cost is not None:
        max_cost = float(max_cost)
        if np.isnan(max_cost):
            problems.append("max_cost must be a number or None, got NaN")

    pairs = _pairs(incompatible, n_sites, problems)
    forced_idx = _indices(forced, "forced", n_sites, problems)
    excluded_idx = _indices(excluded, "excluded", n_sites, problems)

    if problems:
        raise InputError("invalid p-median input: " + "; ".join(problems))
    return PMedianInstance(
        cost=cost_arr,
        weights=w,
        p=int(p),
        fixed_cost=fixed,
        group_codes=codes,
        group_labels=labels,
        group_limits=limits,
        max_cost=max_cost,
        incompatible=pairs,
        forced=forced_idx,
        excluded=excluded_idx,
    )


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
        _check_groups(inst, allowed, problems)
    usable = inst.usable()[:, allowed]
    lonely = np.flatnonzero(~usable.any(axis=1))
    if lonely.size:
        limit = "" if inst.max_cost is None else f" within max_cost={inst.max_cost:g}"
        problems.append(
            f"{lonely.size} hubs have no allowed site{limit} (first: hub "
            f"{int(lonely[0])}, nearest allowed site at cost "
            f"{_nearest(inst, int(lonely[0]), allowed):g})"
        )
    if problems:
        raise InfeasibleError("the p-median has no solution: " + "; ".join(problems))


def evaluate(inst: PMedianInstance, selected) -> tuple[np.ndarray, float]:
    """Assign every hub to a selected site and return the objective.

    Parameters
    ----------
    inst
        The instance.
    selected
        Indices of the selected sites.

    Returns
    -------
    assignment, objective
        The site index serving each hub by the assignment rule of this module (-1
        when a hub has no usable selected site) and the objective (fixed costs plus
        weighted costs; +inf when some hub is unassigned).
    """
    sel = np.unique(np.asarray(selected, dtype=np.int64))
    if sel.size == 0:
        return np.full(inst.n_hubs, -1, dtype=np.int64), np.inf
    sub = np.where(inst.usable()[:, sel], inst.cost[:, sel], np.inf)
    best = np.argmin(sub, axis=1) if inst.n_hubs else np.zeros(0, dtype=np.int64)
    rows = np.arange(inst.n_hubs)
    served = np.isfinite(sub[rows, best])
    assignment = np.where(served, sel[best], -1).astype(np.int64)
    if not served.all():
        return assignment, np.inf
    objective = float(inst.fixed_cost[sel].sum())
    objective += float(np.dot(inst.weights, sub[rows, best]))
    return assignment, objective


def _groups(groups, max_per_group, n_sites, problems):
    if groups is None:
        if max_per_group is not None:
            problems.append("max_per_group is given but groups is not")
        return None, (), np.zeros(0, dtype=np.int64)
    labels_in = np.asarray(groups)
    if labels_in.shape != (n_sites,):
        problems.append(
            f"groups must have length n_sites={n_sites}, got shape {labels_in.shape}"
        )
        return None, (), np.zeros(0, dtype=np.int64)
    uniques, codes = np.unique(labels_in, return_inverse=True)
    labels = tuple(u.item() if hasattr(u, "item") else u for u in uniques)
    limits = np.full(len(labels), -1, dtype=np.int64)
    if isinstance(max_per_group, Mapping):
        for code, label in enumerate(labels):
            if label in max_per_group:
                limits[code] = _limit(max_per_group[label], f"[{label!r}]", problems)
    elif max_per_group is not None:
        limits[:] = _limit(max_per_group, "", problems)
    return codes.astype(np.int64), labels, limits


def _limit(value, where, problems) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        problems.append(f"max_per_group{where} must be an integer >= 0, got {value!r}")
        return -1
    return int(value)


def _pairs(incompatible, n_sites, problems) -> np.ndarray:
    arr = np.asarray(list(incompatible), dtype=np.int64).reshape(-1, 2)
    bad = (arr < 0) | (arr >= n_sites)
    if bad.any():
        problems.append(
            f"incompatible pairs must hold site indices in 0..{n_sites - 1}, got "
            f"{arr[bad.any(axis=1)][0].tolist()}"
        )
        return np.zeros((0, 2), dtype=np.int64)
    if (arr[:, 0] == arr[:, 1]).any():
        problems.append("an incompatible pair names the same site twice")
    return np.unique(np.sort(arr, axis=1), axis=0)


def _indices(values, name, n_sites, problems) -> np.ndarray:
    arr = np.unique(np.asarray(list(values), dtype=np.int64))
    if arr.size and (arr[0] < 0 or arr[-1] >= n_sites):
        problems.append(
            f"{name} must hold site indices in 0..{n_sites - 1}, got {arr.tolist()}"
        )
    return arr


def _check_groups(inst: PMedianInstance, allowed: np.ndarray, problems) -> None:
    codes = inst.group_codes
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


def _nearest(inst: PMedianInstance, hub: int, allowed: np.ndarray) -> float:
    row = inst.cost[hub, allowed]
    return float(row.min()) if row.size else np.inf
