"""Tests of siting.solve.fast: OR-Library optima and agreement with exhaustive
search and with the MIP backends."""

from __future__ import annotations

import csv
import importlib.util
import itertools
from pathlib import Path

import numpy as np
import pytest

from siting.errors import InfeasibleError
from siting.solve import evaluate, make_instance, solve_pmedian
from siting.solve.fast import SOLVER_NAME, solve_fast

ROOT = Path(__file__).resolve().parents[1]
ORLIB = ROOT.parent / "shared" / "benchmarks" / "orlib"


def _orlib_reader():
    spec = importlib.util.spec_from_file_location("orlib", ROOT / "benchmarks/orlib.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.read_instance


@pytest.mark.skipif(not ORLIB.is_dir(), reason=f"OR-Library files absent: {ORLIB}")
@pytest.mark.parametrize("k", [1, 2, 3, 4, 5])
def test_orlib_published_optimum(k):
    with (ORLIB / "optima.csv").open() as handle:
        optima = {r["instance"]: float(r["optimum"]) for r in csv.DictReader(handle)}
    dist, p = _orlib_reader()(ORLIB / f"pmed{k}.txt")
    sol = solve_fast(make_instance(dist, np.ones(dist.shape[0]), p))
    assert sol.status == "optimal"
    assert sol.objective == optima[f"pmed{k}"]
    assert sol.bound == sol.objective
    assert sol.selected.size == p
    assert sol.solver == SOLVER_NAME


def _random_case(seed: int) -> tuple[np.ndarray, np.ndarray, int, dict]:
    """A small instance with a random mix of side constraints."""
    rng = np.random.default_rng(seed)
    n_sites, n_hubs = int(rng.integers(5, 10)), int(rng.integers(3, 16))
    integer = rng.random() < 0.5
    cost = rng.integers(0, 20, size=(n_hubs, n_sites)).astype(float)
    if not integer:
        cost = cost + rng.random((n_hubs, n_sites))
    weights = rng.integers(0, 5, size=n_hubs).astype(float)
    p = int(rng.integers(1, min(4, n_sites - 1) + 1))
    opts: dict = {}
    if rng.random() < 0.5:
        opts["fixed_cost"] = rng.integers(0, 30, size=n_sites).astype(float)
    if rng.random() < 0.5:
        opts["groups"] = rng.integers(0, 3, size=n_sites)
        opts["max_per_group"] = int(rng.integers(1, 3))
    if rng.random() < 0.3:
        opts["max_cost"] = float(np.quantile(cost, 0.6))
    if rng.random() < 0.4:
        opts["incompatible"] = [tuple(rng.choice(n_sites, 2, replace=False))]
    if rng.random() < 0.3:
        opts["forced"] = [int(rng.integers(n_sites))]
    if rng.random() < 0.3:
        opts["excluded"] = [int(rng.integers(n_sites))]
    return cost, weights, p, opts


def _brute_force(cost, weights, p, opts) -> float:
    """Lowest objective over every feasible selection (inf when none)."""
    inst = make_instance(cost, weights, p, **opts)
    forced, excluded = set(inst.forced.tolist()), set(inst.excluded.tolist())
    best = np.inf
    for sel in itertools.combinations(range(inst.n_sites), p):
        if not forced <= set(sel) or excluded & set(sel):
            continue
        if any(a in sel and b in sel for a, b in inst.incompatible.tolist()):
            continue
        if inst.group_codes is not None:
            counts = np.bincount(inst.group_codes[list(sel)])
            limits = inst.group_limits[: counts.size]
            if ((limits >= 0) & (counts > limits)).any():
                continue
        best = min(best, evaluate(inst, sel)[1])
    return best


@pytest.mark.parametrize("seed", range(200))
def test_equals_brute_force_with_side_constraints(seed):
    cost, weights, p, opts = _random_case(seed)
    expected = _brute_force(cost, weights, p, opts)
    if not np.isfinite(expected):
        with pytest.raises(InfeasibleError):
            solve_fast(make_instance(cost, weights, p, **opts))
        return
    sol = solve_fast(make_instance(cost, weights, p, **opts))
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(expected, rel=1e-12, abs=1e-9)
    assert sol.bound <= sol.objective
    inst = make_instance(cost, weights, p, **opts)
    assignment, objective = evaluate(inst, sol.selected)
    assert objective == sol.objective
    np.testing.assert_array_equal(assignment, sol.assignment)


@pytest.mark.parametrize("seed", range(4))
def test_equals_the_highs_mip(seed):
    rng = np.random.default_rng(100 + seed)
    pts_s, pts_h = rng.uniform(0, 100, (40, 2)), rng.uniform(0, 100, (120, 2))
    cost = np.sqrt(((pts_h[:, None] - pts_s[None]) ** 2).sum(axis=2))
    weights = rng.integers(1, 10, size=120).astype(float)
    opts = {"groups": rng.integers(0, 8, size=40), "max_per_group": 1}
    if seed % 2:
        opts |= {"fixed_cost": rng.uniform(0, 200, 40), "incompatible": [(0, 1)]}
    ref = solve_pmedian(cost, weights, 5, solver="highs", **opts)
    sol = solve_fast(make_instance(cost, weights, 5, **opts))
    assert ref.solver == "highs" and sol.solver == SOLVER_NAME
    assert ref.status == sol.status == "optimal"
    assert sol.objective == pytest.approx(ref.objective, rel=1e-9)


def test_lagrangian_proof_on_fractional_data_is_final(monkeypatch):
    """A tree that proves the optimum of non-integral data hands nothing over: the
    Benders decomposition is not started (each Pareto solve paid for it once)."""
    import siting.solve.fast as fast

    def no_handover(*args, **kwargs):
        raise AssertionError("the decomposition ran after the tree proved the optimum")

    monkeypatch.setattr(fast, "_benders", no_handover)
    rng = np.random.default_rng(7)
    pts_s, pts_h = rng.uniform(0, 100, (30, 2)), rng.uniform(0, 100, (90, 2))
    cost = np.sqrt(((pts_h[:, None] - pts_s[None]) ** 2).sum(axis=2))
    inst = make_instance(cost, rng.uniform(0.5, 3.0, 90), 3)
    sol = solve_fast(inst)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(_brute_force(cost, inst.weights, 3, {}))
