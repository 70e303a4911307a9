"""Exact at every magnitude: costs from 1e-9 to 1e12, with unusable pairs, give the
brute-force optimum and status optimal on every backend (issue 20)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siting.errors import InfeasibleError
from siting.solve import make_instance, solve_pmedian
from tests.test_solve import brute_force

BACKENDS = ("fast", "highs", "cbc")
MAGNITUDES = (1e-9, 1e-5, 1.0, 1e6, 1e12)


@st.composite
def instances(draw):
    n_sites = draw(st.integers(2, 7))
    n_hubs = draw(st.integers(1, 6))
    scale = draw(st.sampled_from(MAGNITUDES))
    cost = np.array(
        draw(
            st.lists(
                st.lists(
                    st.one_of(st.floats(0, 100), st.just(np.inf)),
                    min_size=n_sites,
                    max_size=n_sites,
                ),
                min_size=n_hubs,
                max_size=n_hubs,
            )
        )
    )
    weights = np.array(
        draw(st.lists(st.floats(0, 10), min_size=n_hubs, max_size=n_hubs))
    )
    fixed = scale * np.array(
        draw(st.lists(st.floats(0, 1000), min_size=n_sites, max_size=n_sites))
    )
    kw = {"fixed_cost": fixed}
    if draw(st.booleans()):
        kw["groups"] = draw(
            st.lists(st.sampled_from("ab"), min_size=n_sites, max_size=n_sites)
        )
        kw["max_per_group"] = 1
    return cost, scale * weights, draw(st.integers(1, min(3, n_sites))), kw


@settings(
    max_examples=120,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(instances(), st.sampled_from(BACKENDS))
def test_every_backend_is_exact_at_every_magnitude(case, solver):
    cost, weights, p, kw = case
    best = brute_force(cost, weights, p, **kw)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError):
            solve_pmedian(cost, weights, p, solver=solver, **kw)
        return
    sol = solve_pmedian(cost, weights, p, solver=solver, **kw)
    assert sol.status == "optimal", (solver, sol)
    assert sol.objective == pytest.approx(best, rel=1e-9, abs=0)
    assert np.isfinite(sol.bound)
    assert sol.bound <= sol.objective


@pytest.mark.parametrize("solver", BACKENDS)
@pytest.mark.parametrize("scale", MAGNITUDES)
def test_a_known_optimum_at_each_magnitude(solver, scale):
    # site 0: 1*1 + 3*4 = 13; site 1: 1*4 + 3*1 = 7 (+ fixed 0.5): the optimum 7.5
    cost = np.array([[1.0, 4.0], [4.0, 1.0]])
    weights = scale * np.array([1.0, 3.0])
    inst = make_instance(cost, weights, 1, fixed_cost=scale * np.array([0.0, 0.5]))
    sol = solve_pmedian(inst, solver=solver)
    assert sol.selected.tolist() == [1]
    assert sol.objective == pytest.approx(7.5 * scale, rel=1e-12)
    assert sol.status == "optimal"
    assert sol.bound == pytest.approx(7.5 * scale, rel=1e-9)


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_gap_below_float_noise_of_the_largest_cost_is_proven(solver):
    """Found by the property test: the fast path's LP bound was 3.6e-7 (relative)
    below an objective of 1e-18, in an instance whose largest cost is 2e-9; the
    difference is float noise against that cost, so the answer is optimal."""
    cost = np.array([[0.0, 0.0, 0.0], [2.0, 0.0, 2.0], [0.0, 0.0, 0.0]])
    weights, fixed = np.array([0.0, 1e-9, 0.0]), np.array([0.0, 1e-18, 0.0])
    sol = solve_pmedian(cost, weights, 1, fixed_cost=fixed, solver=solver)
    assert sol.status == "optimal"
    assert sol.selected.tolist() == [1]
    assert sol.objective == pytest.approx(1e-18, rel=1e-12)
    assert sol.bound <= sol.objective


def test_integral_data_keep_their_unit_and_others_are_scaled_by_a_power_of_two():
    """Integral data are not scaled: the exact solvers round a bound b up to ceil(b),
    which a scale of 2^k would weaken to a 2^-k step (OR-Library pmed20 went from
    0.2 s to beyond two minutes that way)."""
    from siting.solve.scaling import instance_scale

    cost = np.array([[3.0, 7.0], [5.0, 2.0]])
    assert instance_scale(make_instance(cost, np.array([1.0, 2.0]), 1)) == 1.0
    scale = instance_scale(make_instance(cost, np.array([0.5, 2.0]), 1))
    assert scale != 1.0 and np.log2(scale) == round(np.log2(scale))
    assert 2**19 <= scale * 14.0 <= 2**20  # the largest weighted cost, 2 x 7
