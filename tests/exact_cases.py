"""Cases for tests/test_solve_exact.py: random problems, brute force, outcome checks.

Two families: :class:`siting.solve.exact.Problem` instances for the decomposition
itself (:func:`random_problem`, :func:`brute_force`, :func:`check_outcome`), and arrays
for the door ``siting.solve.solve_pmedian`` (:func:`door_case`,
:func:`door_brute_force`), which enumerates only the sites that are neither forced nor
excluded, so instances with p above 50 stay cheap when few sites are left closed.
"""

from __future__ import annotations

import importlib.util
import itertools
import math
import sys
from pathlib import Path
from types import ModuleType

import numpy as np

from siting.solve.exact import Outcome, Problem, feasible, from_dense, objective

ROOT = Path(__file__).resolve().parents[1]


def brute_force(problem: Problem) -> tuple[float, np.ndarray | None]:
    """Optimum and an optimal selection by enumeration (inf, None if infeasible)."""
    best, arg = math.inf, None
    for sel in itertools.combinations(range(problem.n_sites), problem.p):
        s = np.array(sel)
        if feasible(problem, s):
            v = objective(problem, s)
            if v < best:
                best, arg = v, s
    return best, arg


def random_problem(
    rng: np.random.Generator,
    *,
    n_hubs: int | None = None,
    n_sites: int | None = None,
    scale: float = 1.0,
    integral: bool = True,
    sides: bool = True,
) -> Problem:
    """A small random instance; with ``sides`` every side constraint may appear."""
    n = int(n_hubs or rng.integers(1, 9))
    m = int(n_sites or rng.integers(2, 9))
    p = int(rng.integers(1, m + 1))
    cost = rng.integers(0, 30, size=(n, m)).astype(float)
    if not integral:
        cost = cost + rng.random((n, m))
    if rng.random() < 0.3:  # ties
        cost = np.round(cost / 5) * 5
    if sides and rng.random() < 0.5:
        cost[rng.random((n, m)) < 0.3] = np.inf
    cost *= scale
    fixed = None
    if sides and rng.random() < 0.5:
        fixed = rng.integers(0, 40, size=m).astype(float) * scale
        if not integral:
            fixed = fixed + rng.random(m) * scale
    forced = excluded = group = cap = pairs = None
    if sides:
        if rng.random() < 0.3:
            forced = rng.random(m) < 0.15
        if rng.random() < 0.3:
            excluded = rng.random(m) < 0.2
            if forced is not None:
                excluded &= ~forced
        if rng.random() < 0.4:
            k = int(rng.integers(1, 4))
            group = rng.integers(0, k, size=m)
            cap = rng.integers(1, p + 1, size=k)
        if rng.random() < 0.4 and m >= 2:
            q = int(rng.integers(1, m + 1))
            a = rng.integers(0, m, size=q)
            b = rng.integers(0, m, size=q)
            pairs = np.stack([a, b], axis=1)[a != b]
    return Problem.build(
        from_dense(cost),
        p,
        fixed=fixed,
        forced=forced,
        excluded=excluded,
        group=group,
        cap=cap,
        pairs=pairs,
    )


def check_outcome(problem: Problem, out: Outcome, opt: float) -> None:
    """Every outcome's invariants against the brute-force optimum ``opt``: a finite
    bound no higher than it, a feasible selection priced exactly, ``optimal`` only at
    the optimum, no selection when there is none."""
    if not math.isfinite(opt):
        assert out.status in ("infeasible", "time_limit")
        assert out.selection is None
        return
    tol = 1e-9 * max(1.0, abs(opt))
    assert out.status != "infeasible"
    assert math.isfinite(out.bound)
    assert out.bound <= opt + tol, (out.bound, opt)
    if out.selection is not None:
        assert feasible(problem, out.selection)
        assert out.objective == objective(problem, out.selection)
        assert out.objective >= opt - tol
    if out.status == "optimal":
        assert out.selection is not None
        assert abs(out.objective - opt) <= tol, (out.objective, opt)


def door_case(
    rng: np.random.Generator,
    *,
    p: int,
    n_sites: int,
    n_hubs: int,
    scale: float = 1.0,
    integral: bool = True,
) -> tuple[np.ndarray, np.ndarray, int, dict]:
    """Arrays for ``solve_pmedian`` with every side constraint at once.

    Costs 0..39 (plus a fraction unless ``integral``) times ``scale``, a quarter of
    the pairs ``+inf``, two hubs that may use only two sites each, weights 0..5, fixed
    costs, a group of three sites of which at most two may open, one forced and one
    excluded site, two incompatible pairs and a coverage limit ``max_cost`` at the
    90% quantile of the finite costs.
    """
    cost = rng.integers(0, 40, size=(n_hubs, n_sites)).astype(float)
    fixed = rng.integers(0, 60, size=n_sites).astype(float)
    if not integral:
        cost += rng.random(cost.shape)
        fixed += rng.random(n_sites)
    cost[rng.random(cost.shape) < 0.25] = np.inf
    for hub in (0, 1):
        keep = rng.choice(n_sites, 2, replace=False)
        row = np.full(n_sites, np.inf)
        row[keep] = rng.integers(0, 40, size=2)
        cost[hub] = row
    limit = float(np.quantile(cost[np.isfinite(cost)], 0.9))
    order = [int(i) for i in rng.permutation(n_sites)]
    groups = [f"s{i}" for i in range(n_sites)]
    for i in order[:3]:
        groups[i] = "a"
    kw = {
        "fixed_cost": fixed * scale,
        "groups": groups,
        "max_per_group": {"a": 2},
        "forced": [order[3]],
        "excluded": [order[4]],
        "incompatible": [(order[5], order[6]), (order[0], order[7])],
        "max_cost": limit * scale,
    }
    weights = rng.integers(0, 6, size=n_hubs).astype(float)
    return cost * scale, weights, p, kw


def door_brute_force(cost, weights, p, **kw) -> float:
    """Best objective of every selection meeting the constraints of
    :func:`door_case` (inf when none does), by plain numpy."""
    cost = np.asarray(cost, dtype=float)
    n_sites = cost.shape[1]
    forced = sorted(set(kw.get("forced", ())))
    excluded = set(kw.get("excluded", ()))
    free = [i for i in range(n_sites) if i not in excluded and i not in forced]
    need = p - len(forced)
    if need < 0 or need > len(free):
        return math.inf
    # enumerate the smaller side: the free sites opened, or those left closed
    if need <= len(free) - need:
        picks = [list(c) for c in itertools.combinations(free, need)]
        is_open = np.zeros((len(picks), n_sites), dtype=bool)
        for row, chosen in enumerate(picks):
            is_open[row, chosen] = True
    else:
        shut = list(itertools.combinations(free, len(free) - need))
        is_open = np.zeros((len(shut), n_sites), dtype=bool)
        is_open[:, free] = True
        for row, closed in enumerate(shut):
            is_open[row, list(closed)] = False
    is_open[:, forced] = True
    ok = np.ones(len(is_open), dtype=bool)
    groups, limits = kw.get("groups"), kw.get("max_per_group") or {}
    for label, most in limits.items():
        members = [i for i in range(n_sites) if groups[i] == label]
        ok &= is_open[:, members].sum(axis=1) <= most
    for i, k in kw.get("incompatible", ()):
        ok &= ~(is_open[:, i] & is_open[:, k])
    limit = kw.get("max_cost")
    usable = np.isfinite(cost) & (cost <= (np.inf if limit is None else limit))
    served = np.full((len(is_open), cost.shape[0]), np.inf)
    for i in range(n_sites):
        site = np.where(usable[:, i], cost[:, i], np.inf)
        np.minimum(served, np.where(is_open[:, i : i + 1], site, np.inf), out=served)
    ok &= np.isfinite(served).all(axis=1)
    if not ok.any():
        return math.inf
    fixed = np.asarray(kw.get("fixed_cost", np.zeros(n_sites)), dtype=float)
    value = is_open[ok] @ fixed + served[ok] @ weights
    return float(value.min())


def benchmark_module(name: str) -> ModuleType:
    """A script of ``benchmarks/`` as a module (e.g. its instance readers)."""
    key = f"benchmarks_{name}"
    if key not in sys.modules:
        path = ROOT / "benchmarks" / f"{name}.py"
        spec = importlib.util.spec_from_file_location(key, path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        sys.modules[key] = module  # dataclasses look their module up there
        spec.loader.exec_module(module)
    return sys.modules[key]
