"""The exact solver on sparse costs (siting.solve.exact.from_triplets): the triplets'
rules, brute force on small cases, and the dense door on a larger one with every
missing pair infinite (the route of the sparse case in benchmarks/scale.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial import cKDTree

from siting.solve import solve_pmedian
from siting.solve.exact import Problem, from_dense, from_triplets, objective, solve
from tests.exact_cases import brute_force


def _nearest(n_sites: int, n_hubs: int, k: int, seed: int):
    """Hubs and sites in a square; each hub keeps its k nearest sites."""
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, 1000, size=(n_sites, 2))
    hubs = rng.uniform(0, 1000, size=(n_hubs, 2))
    weights = rng.integers(1, 10, size=n_hubs).astype(float)
    dist, site = cKDTree(sites).query(hubs, k=k)
    hub = np.repeat(np.arange(n_hubs), k)
    dense = np.full((n_hubs, n_sites), np.inf)
    dense[hub, site.ravel()] = dist.ravel()
    return hub, site.ravel(), dist.ravel(), weights, dense


def test_triplets_keep_the_lowest_repeat_and_drop_non_finite():
    costs = from_triplets(
        np.array([0, 0, 0, 1, 1]),
        np.array([2, 2, 0, 1, 0]),
        np.array([5.0, 3.0, 4.0, np.inf, 1.0]),
        n_hubs=3,
        n_sites=3,
    )
    np.testing.assert_array_equal(costs.indptr, [0, 2, 3, 3])
    np.testing.assert_array_equal(costs.site, [2, 0, 0])
    np.testing.assert_array_equal(costs.cost, [3.0, 4.0, 1.0])


@pytest.mark.parametrize(("hub", "site"), [(3, 0), (-1, 0), (0, 3)])
def test_triplets_out_of_range_are_refused(hub, site):
    with pytest.raises(ValueError, match="out of range"):
        from_triplets(np.array([hub]), np.array([site]), np.array([1.0]), 3, 3)


def test_triplets_match_the_dense_lists():
    hub, site, dist, weights, dense = _nearest(9, 30, 4, seed=3)
    sparse = from_triplets(hub, site, dist * weights[hub], 30, 9)
    full = from_dense(dense, weights)
    for name in ("indptr", "site", "cost"):
        np.testing.assert_array_equal(getattr(sparse, name), getattr(full, name))


@pytest.mark.parametrize("seed", range(12))
def test_sparse_equals_brute_force(seed):
    rng = np.random.default_rng(seed)
    m, n, k = int(rng.integers(5, 10)), int(rng.integers(5, 25)), 3
    hub, site, dist, weights, _ = _nearest(m, n, k, seed=100 + seed)
    p = int(rng.integers(1, m))
    problem = Problem.build(from_triplets(hub, site, dist * weights[hub], n, m), p)
    opt, _ = brute_force(problem)
    out = solve(problem)
    if not np.isfinite(opt):
        assert out.status == "infeasible"
        return
    assert out.status == "optimal"
    assert out.objective == pytest.approx(opt, rel=1e-9)
    assert objective(problem, out.selection) == pytest.approx(opt, rel=1e-9)
    assert out.bound <= opt + 1e-9 * abs(opt)


def test_sparse_equals_the_dense_door_with_highs():
    hub, site, dist, weights, dense = _nearest(60, 300, 10, seed=7)
    problem = Problem.build(from_triplets(hub, site, dist * weights[hub], 300, 60), 12)
    out = solve(problem)
    ref = solve_pmedian(dense, weights, 12, solver="highs")
    assert out.status == ref.status == "optimal"
    assert out.objective == pytest.approx(ref.objective, rel=1e-9)
