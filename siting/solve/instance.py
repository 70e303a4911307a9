"""Validated inputs of the p-median problem with fixed costs and side constraints.

One place turns a caller's arrays into a checked :class:`PMedianInstance`
(:func:`make_instance`) and evaluates a set of selected sites (:func:`evaluate`); the
cheap feasibility checks are in :mod:`siting.solve.feasibility`. Every solver, the
heuristic and the independent checker take an instance, so validation runs once and
they all agree on every rule.

Assignment rule (deterministic tie-breaking): each hub is served by the selected site
with the lowest cost among those it may use (finite cost, within ``max_cost``); among
sites of equal cost the lowest site index wins.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any, TypedDict, Unpack

import numpy as np
from numpy.typing import ArrayLike, NDArray

from siting.errors import InputError

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
#: Some of a matrix's site columns: indices, a boolean mask, or None for all.
Columns = IntArray | NDArray[np.bool_] | None


class SideConstraints(TypedDict, total=False):
    """Keyword inputs of :func:`make_instance` besides cost, weights and p.

    fixed_cost
        (n_sites,) fixed cost of opening each site, objective units.
    groups
        (n_sites,) group label of each site (int or str), e.g. member states.
    max_per_group
        At most this many selected sites per group: an int for every group or a
        mapping label -> int (groups not in the mapping are unlimited).
    max_cost
        Coverage limit in cost units: hub j may use site i only when
        ``cost[j, i] <= max_cost``.
    incompatible
        Pairs (i, k) of sites that must not both be selected.
    forced, excluded
        Site indices that must / must not be selected.
    """

    fixed_cost: ArrayLike | None
    groups: ArrayLike | None
    max_per_group: int | Mapping[Hashable, int] | None
    max_cost: float | None
    incompatible: Iterable[tuple[int, int]]
    forced: Iterable[int]
    excluded: Iterable[int]


class HubSiteCosts:
    """What every hub x site problem derives from its ``cost`` matrix (hubs x sites)
    and coverage limit ``max_cost``: its size and the pairs a hub may be served by.
    Shared by :class:`PMedianInstance` and the multi-campus instance."""

    cost: FloatArray
    max_cost: float | None

    @property
    def n_hubs(self) -> int:
        """Number of hubs (rows of ``cost``)."""
        return int(self.cost.shape[0])

    @property
    def n_sites(self) -> int:
        """Number of candidate sites (columns of ``cost``)."""
        return int(self.cost.shape[1])

    def usable(self, sites: Columns = None) -> NDArray[np.bool_]:
        """Boolean hub x site mask of the pairs a hub may be served by (only the
        columns ``sites``, indices or a boolean mask, when given).

        A pair is usable when its cost is finite and within ``max_cost``.
        """
        cost = self.cost if sites is None else self.cost[:, sites]
        ok = np.isfinite(cost)
        if self.max_cost is not None:
            ok &= cost <= self.max_cost
        return ok

    def usable_cost(self, sites: Columns = None) -> FloatArray:
        """The cost matrix (only the columns ``sites`` when given) with ``inf`` for
        every pair a hub may not be served by (:meth:`usable`)."""
        cost = self.cost if sites is None else self.cost[:, sites]
        return np.where(self.usable(sites), cost, np.inf)


@dataclass(frozen=True)
class PMedianInstance(HubSiteCosts):
    """Checked, normalised inputs of :func:`siting.solve.solve_pmedian`.

    Build it with :func:`make_instance`; derive variants with :meth:`with_sites` and
    :meth:`with_costs`, which check only what they change.

    Attributes
    ----------
    cost
        Hub x site cost matrix (units of the caller, e.g. ms), float, no NaN;
        ``+inf`` marks a pair that can never be used.
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

    cost: FloatArray
    weights: FloatArray
    p: int
    fixed_cost: FloatArray
    group_codes: IntArray | None
    group_labels: tuple[Any, ...]
    group_limits: IntArray
    max_cost: float | None
    incompatible: IntArray
    forced: IntArray
    excluded: IntArray

    def allowed_sites(self) -> NDArray[np.bool_]:
        """Boolean mask of the sites that are not excluded."""
        mask = np.ones(self.n_sites, dtype=bool)
        mask[self.excluded] = False
        return mask

    def with_sites(
        self, *, forced: Iterable[int] = (), excluded: Iterable[int] = ()
    ) -> PMedianInstance:
        """The instance with more sites forced and excluded (indices are checked).

        Raises
        ------
        InputError
            If an index lies outside ``0..n_sites-1``.
        """
        problems: list[str] = []
        more_forced = _indices(forced, "forced", self.n_sites, problems)
        more_excluded = _indices(excluded, "excluded", self.n_sites, problems)
        _raise(problems)
        return replace(
            self,
            forced=np.union1d(self.forced, more_forced).astype(np.int64),
            excluded=np.union1d(self.excluded, more_excluded).astype(np.int64),
        )

    def with_costs(
        self,
        *,
        weights: ArrayLike | None = None,
        fixed_cost: ArrayLike | None = None,
    ) -> PMedianInstance:
        """The instance with other hub weights or fixed costs (both are checked).

        Raises
        ------
        InputError
            If a new array has the wrong shape or bad values.
        """
        problems: list[str] = []
        w = (
            self.weights
            if weights is None
            else _weights(weights, self.n_hubs, problems)
        )
        fixed = (
            self.fixed_cost
            if fixed_cost is None
            else _fixed(fixed_cost, self.n_sites, problems)
        )
        _raise(problems)
        return replace(self, weights=w, fixed_cost=fixed)


def make_instance(
    cost: ArrayLike,
    weights: ArrayLike,
    p: int,
    **constraints: Unpack[SideConstraints],
) -> PMedianInstance:
    """Check the inputs of the p-median and return them normalised.

    Parameters
    ----------
    cost
        (n_hubs, n_sites) cost of serving hub j from site i, e.g. round-trip time in
        ms; ``+inf`` marks a pair that can never be used.
    weights
        (n_hubs,) objective weight of each hub (>= 0), objective units per cost unit.
    p
        Number of sites to select (>= 1).
    **constraints
        The side constraints, see :class:`SideConstraints`.

    Raises
    ------
    InputError
        When shapes, values or indices are invalid; every problem found is reported
        in one error.
    TypeError
        For a keyword that is not a side constraint.
    """
    unknown = sorted(set(constraints) - set(SideConstraints.__annotations__))
    if unknown:
        raise TypeError(f"unknown p-median option(s): {', '.join(unknown)}")
    fixed_cost = constraints.get("fixed_cost")
    max_cost = constraints.get("max_cost")
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
    w = _weights(weights, n_hubs, problems)
    if isinstance(p, bool) or not isinstance(p, int | np.integer) or p < 1:
        problems.append(f"p must be an integer >= 1, got {p!r}")
    fixed = (
        np.zeros(n_sites)
        if fixed_cost is None
        else _fixed(fixed_cost, n_sites, problems)
    )
    codes, labels, limits = _groups(
        constraints.get("groups"), constraints.get("max_per_group"), n_sites, problems
    )
    limit = None
    if max_cost is not None:
        limit = float(max_cost)
        if np.isnan(limit):
            problems.append("max_cost must be a number or None, got NaN")
    pairs = _pairs(constraints.get("incompatible", ()), n_sites, problems)
    forced_idx = _indices(constraints.get("forced", ()), "forced", n_sites, problems)
    excluded_idx = _indices(
        constraints.get("excluded", ()), "excluded", n_sites, problems
    )
    _raise(problems)
    return PMedianInstance(
        cost=cost_arr,
        weights=w,
        p=int(p),
        fixed_cost=fixed,
        group_codes=codes,
        group_labels=labels,
        group_limits=limits,
        max_cost=limit,
        incompatible=pairs,
        forced=forced_idx,
        excluded=excluded_idx,
    )


def evaluate(inst: PMedianInstance, selected: ArrayLike) -> tuple[IntArray, float]:
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
        weighted costs, objective units; +inf when some hub is unassigned).
    """
    sel = np.unique(np.asarray(selected, dtype=np.int64))
    if sel.size == 0:
        return np.full(inst.n_hubs, -1, dtype=np.int64), np.inf
    sub = inst.usable_cost(sel)
    best = np.argmin(sub, axis=1) if inst.n_hubs else np.zeros(0, dtype=np.int64)
    rows = np.arange(inst.n_hubs)
    served = np.isfinite(sub[rows, best])
    assignment = np.where(served, sel[best], -1).astype(np.int64)
    if not served.all():
        return assignment, np.inf
    objective = float(inst.fixed_cost[sel].sum())
    objective += float(np.dot(inst.weights, sub[rows, best]))
    return assignment, objective


def _raise(problems: list[str]) -> None:
    if problems:
        raise InputError("invalid p-median input: " + "; ".join(problems))


def _weights(weights: ArrayLike, n_hubs: int, problems: list[str]) -> FloatArray:
    w = np.asarray(weights, dtype=float)
    if w.shape != (n_hubs,):
        problems.append(
            f"weights must have length n_hubs={n_hubs}, got shape {w.shape}"
        )
    elif not np.isfinite(w).all() or (w < 0).any():
        problems.append("weights must be finite and >= 0")
    return w


def _fixed(fixed_cost: ArrayLike, n_sites: int, problems: list[str]) -> FloatArray:
    fixed = np.asarray(fixed_cost, dtype=float)
    if fixed.shape != (n_sites,):
        problems.append(
            f"fixed_cost must have length n_sites={n_sites}, got shape {fixed.shape}"
        )
    elif not np.isfinite(fixed).all():
        problems.append("fixed_cost must be finite (no NaN or inf)")
    return fixed


def _groups(
    groups: ArrayLike | None,
    max_per_group: int | Mapping[Hashable, int] | None,
    n_sites: int,
    problems: list[str],
) -> tuple[IntArray | None, tuple[Any, ...], IntArray]:
    none = np.zeros(0, dtype=np.int64)
    if groups is None:
        if max_per_group is not None:
            problems.append("max_per_group is given but groups is not")
        return None, (), none
    labels_in = np.asarray(groups)
    if labels_in.shape != (n_sites,):
        problems.append(
            f"groups must have length n_sites={n_sites}, got shape {labels_in.shape}"
        )
        return None, (), none
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


def _limit(value: object, where: str, problems: list[str]) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < 0:
        problems.append(f"max_per_group{where} must be an integer >= 0, got {value!r}")
        return -1
    return int(value)


def _pairs(
    incompatible: Iterable[tuple[int, int]], n_sites: int, problems: list[str]
) -> IntArray:
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


def _indices(
    values: Iterable[int], name: str, n_sites: int, problems: list[str]
) -> IntArray:
    arr = np.unique(np.asarray(list(values), dtype=np.int64))
    if arr.size and (arr[0] < 0 or arr[-1] >= n_sites):
        problems.append(
            f"{name} must hold site indices in 0..{n_sites - 1}, got {arr.tolist()}"
        )
    return arr
