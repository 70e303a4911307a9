"""The multi-campus MIP against brute force, on both pulp backends."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from siting.errors import InfeasibleError, InputError
from siting.solve import (
    campus_violations,
    evaluate_campuses,
    make_campus_instance,
    solve_campuses,
)

BACKENDS = ("highs", "cbc")


def brute_force(inst):
    """Best objective over every choice of p configurations that breaks no rule."""
    best = np.inf
    for chosen in itertools.combinations(range(len(inst.members)), inst.p):
        if campus_violations(inst, chosen):
            continue
        best = min(best, evaluate_campuses(inst, chosen)[1])
    return best


def _hand_instance(**kw):
    # sites 0..3; hubs sit at sites 0 and 3. Pair {0, 1} is cheap, {2, 3} dear.
    cost = np.array([[0.0, 1.0, 5.0, 9.0], [9.0, 5.0, 1.0, 0.0]])
    members = [[0], [1], [2], [3], [0, 1], [2, 3]]
    config_cost = np.array([10.0, 10.0, 10.0, 10.0, 4.0, 30.0])
    args = {
        "members": members,
        "config_cost": config_cost,
        "config_group": np.array([0, 0, 1, 1, 0, 1]),
        "max_per_group": 1,
    }
    args |= kw
    return make_campus_instance(cost, np.array([1.0, 1.0]), 2, **args)


@pytest.mark.parametrize("solver", BACKENDS)
def test_by_hand_a_cheap_pair_and_one_site_beat_the_rest(solver):
    inst = _hand_instance()
    # {0,1} (4) + {3} (10): hub 0 at 0 ms, hub 1 at 0 ms -> 14
    answer = solve_campuses(inst, solver=solver)
    assert answer.configs.tolist() == [3, 4]
    assert answer.solution.selected.tolist() == [0, 1, 3]
    assert answer.solution.assignment.tolist() == [0, 3]
    assert answer.solution.objective == pytest.approx(14.0)
    assert answer.solution.status == "optimal"
    assert answer.solution.bound == pytest.approx(14.0)


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_site_is_a_campus_of_one_gigafactory_only(solver):
    # forbid {3} and {2}: the only partner of {0,1} is {2,3}, or two singles
    inst = _hand_instance(
        config_cost=np.array([10.0, 10.0, 99.0, 99.0, 4.0, 30.0]),
        config_group=np.array([0, 1, 1, 1, 0, 1]),
    )
    answer = solve_campuses(inst, solver=solver)
    chosen = set(answer.configs.tolist())
    assert not ({0, 4} <= chosen or {1, 4} <= chosen)  # site 0 or 1 twice
    assert answer.solution.objective == pytest.approx(brute_force(inst))


@pytest.mark.parametrize("solver", BACKENDS)
def test_conflicting_sites_are_not_in_two_gigafactories(solver):
    free = solve_campuses(_hand_instance(), solver=solver)
    apart = _hand_instance(conflicts=[(1, 3)])
    answer = solve_campuses(apart, solver=solver)
    assert free.configs.tolist() == [3, 4]
    assert answer.solution.objective > free.solution.objective
    assert answer.solution.objective == pytest.approx(brute_force(apart))
    assert campus_violations(apart, answer.configs) == []


@pytest.mark.parametrize("solver", BACKENDS)
def test_forced_site_and_coverage(solver):
    inst = _hand_instance(forced=[2], max_cost=4.0)
    answer = solve_campuses(inst, solver=solver)
    assert 2 in answer.solution.selected.tolist()
    assert answer.solution.objective == pytest.approx(brute_force(inst))


def test_counting_refuses_too_few_groups_in_plain_words():
    inst = _hand_instance(config_group=np.zeros(6, dtype=np.int64))
    with pytest.raises(InfeasibleError, match="at most 1 per group.*only 1 group"):
        solve_campuses(inst)


def test_bad_arrays_are_refused():
    with pytest.raises(InputError, match="one finite cost per configuration"):
        _hand_instance(config_cost=np.array([1.0, np.nan, 1, 1, 1, 1]))
    with pytest.raises(InputError, match="sites within range"):
        _hand_instance(members=[[0], [1], [2], [3], [0, 7], [2, 3]])


@st.composite
def instances(draw):
    n_sites = draw(st.integers(3, 6))
    n_hubs = draw(st.integers(1, 4))
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
    singles = [[i] for i in range(n_sites)]
    pairs = draw(
        st.lists(
            st.tuples(st.integers(0, n_sites - 1), st.integers(0, n_sites - 1)).filter(
                lambda t: t[0] != t[1]
            ),
            max_size=5,
        )
    )
    members = singles + [list(pair) for pair in pairs]
    scale = draw(st.sampled_from([1e-6, 1.0, 1e6]))
    config_cost = scale * np.array(
        draw(st.lists(st.floats(0, 100), min_size=len(members), max_size=len(members)))
    )
    groups = draw(
        st.lists(st.integers(0, 2), min_size=len(members), max_size=len(members))
    )
    conflicts = draw(
        st.lists(
            st.tuples(st.integers(0, n_sites - 1), st.integers(0, n_sites - 1)).filter(
                lambda t: t[0] != t[1]
            ),
            max_size=3,
        )
    )
    weights = scale * np.array(
        draw(st.lists(st.floats(0, 10), min_size=n_hubs, max_size=n_hubs))
    )
    return make_campus_instance(
        cost,
        weights,
        draw(st.integers(1, 3)),
        members=members,
        config_cost=config_cost,
        config_group=np.array(groups),
        max_per_group=draw(st.integers(1, 2)),
        conflicts=conflicts,
        forced=draw(st.lists(st.integers(0, n_sites - 1), max_size=1)),
    )


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(instances(), st.sampled_from(BACKENDS))
def test_the_mip_equals_brute_force(inst, solver):
    best = brute_force(inst)
    if not np.isfinite(best):
        with pytest.raises(InfeasibleError):
            solve_campuses(inst, solver=solver)
        return
    answer = solve_campuses(inst, solver=solver)
    assert campus_violations(inst, answer.configs) == []
    assert answer.solution.objective == pytest.approx(best, rel=1e-6, abs=1e-9)
    assert answer.solution.status == "optimal"
    assert answer.solution.bound <= answer.solution.objective + 1e-9 * abs(best)


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_time_limit_returns_a_portfolio_and_a_bound_below_it(solver):
    rng = np.random.default_rng(7)
    n_sites, n_hubs = 40, 60
    cost = rng.uniform(1, 50, (n_hubs, n_sites))
    members = [[i] for i in range(n_sites)]
    members += [
        sorted(rng.choice(n_sites, 2, replace=False).tolist()) for _ in range(300)
    ]
    inst = make_campus_instance(
        cost,
        rng.uniform(0, 5, n_hubs),
        6,
        members=members,
        config_cost=rng.uniform(100, 200, len(members)),
        config_group=rng.integers(0, 10, len(members)),
        max_per_group=1,
    )
    answer = solve_campuses(inst, solver=solver, time_limit=0.05)
    solution = answer.solution
    assert solution.status in ("optimal", "time_limit")
    assert campus_violations(inst, answer.configs) == []
    assert np.isfinite(solution.bound)
    assert solution.bound <= solution.objective
    if solution.status == "time_limit":
        assert solution.gap >= 0


@pytest.mark.parametrize("solver", BACKENDS)
def test_a_backend_saying_infeasible_beside_a_feasible_greedy_is_not_believed(
    solver, monkeypatch
):
    """CBC under load with a 0.05 s limit once said "infeasible" on a feasible
    instance; the greedy portfolio proves it feasible, so the answer is that
    portfolio, marked time_limit, with the trivial bound."""
    from siting.solve import mip

    cost = np.array([[1.0, 4.0, 9.0], [4.0, 1.0, 9.0]])
    inst = make_campus_instance(
        cost,
        np.ones(2),
        1,
        members=[[0], [1], [2], [0, 1]],
        config_cost=np.array([0.0, 0.0, 0.0, 1.0]),
        config_group=np.arange(4),
        max_per_group=1,
    )
    monkeypatch.setattr(mip, "run", lambda *a, **k: mip.Run("infeasible", None, np.nan))
    answer = solve_campuses(inst, solver=solver)
    assert answer.solution.status == "time_limit"
    assert campus_violations(inst, answer.configs) == []
    assert answer.solution.bound <= answer.solution.objective
