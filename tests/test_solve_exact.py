"""The Benders decomposition of siting.solve.exact against brute force, with deadlines
forced to bind in every phase, and the fast path through the door on both of its
routes (p above 50: the decomposition alone; the Lagrangian tree handing over).

No test here asserts a duration: deadlines are checked by their outcomes (a finite
bound no higher than the optimum, a feasible selection priced exactly, ``optimal``
only at the optimum). How closely they are honoured is measured by
``benchmarks/time_limits.py``.
"""

from __future__ import annotations

import math
import time

import numpy as np
import pytest

import siting.solve.exact.benders as benders
import siting.solve.exact.bnb as bnb
import siting.solve.exact.lagrange as lagrange
import siting.solve.exact.phase1 as phase1
import siting.solve.exact.rules as rules
import siting.solve.exact.state as state
import siting.solve.fast as fast
from siting.errors import InfeasibleError
from siting.solve import solve_pmedian
from siting.solve.exact import Problem, feasible, from_dense, solve
from tests.exact_cases import (
    benchmark_module,
    brute_force,
    check_outcome,
    door_brute_force,
    door_case,
    random_problem,
)
from tests.test_solve import assert_valid

SCALES = [1e-9, 1e-6, 1e-3, 1.0, 1e3, 1e6, 1e9, 1e12]
#: The published optimum of rl1304 at p = 10 (Duran-Mateluna et al. 2023, Table 2).
RL1304_P10 = 2134295


def _solve(problem, limit=300.0):
    return solve(problem, deadline=time.perf_counter() + limit)


# --- the decomposition against brute force ----------------------------------------


@pytest.mark.parametrize("seed", range(60))
def test_random_with_side_constraints(seed):
    rng = np.random.default_rng(seed)
    prob = random_problem(rng)
    opt, _ = brute_force(prob)
    out = _solve(prob)
    check_outcome(prob, out, opt)
    assert out.status == ("optimal" if math.isfinite(opt) else "infeasible")


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("integral", [True, False])
def test_magnitudes(scale, integral):
    for seed in range(6):
        rng = np.random.default_rng([seed, int(math.log10(scale) + 20)])
        prob = random_problem(rng, scale=scale, integral=integral, sides=seed % 2 == 0)
        opt, _ = brute_force(prob)
        out = _solve(prob)
        check_outcome(prob, out, opt)
        assert out.status == ("optimal" if math.isfinite(opt) else "infeasible")


def _planar(rng, n, m):
    hubs, sites = rng.random((n, 2)), rng.random((m, 2))
    return np.floor(1000 * np.linalg.norm(hubs[:, None] - sites[None], axis=2))


@pytest.mark.parametrize("seed", range(8))
def test_larger_against_brute_force(seed):
    """Instances big enough to reach the LP loop and the tree (12 sites, p 3-5)."""
    rng = np.random.default_rng(100 + seed)
    cost = _planar(rng, 40, 12)
    p = int(rng.integers(3, 6))
    grouped = seed % 2 == 1
    prob = Problem.build(
        from_dense(cost),
        p,
        group=rng.integers(0, 3, size=12) if grouped else None,
        cap=np.array([2, 2, 2]) if grouped else None,
        fixed=rng.integers(0, 300, size=12) * (seed % 3 == 0),
    )
    opt, _ = brute_force(prob)
    out = _solve(prob)
    check_outcome(prob, out, opt)
    assert out.status == "optimal"


def _coverage_limited(rng, n_hubs, n_sites, nearest):
    """Planar costs where each hub may use only its ``nearest`` sites."""
    cost = _planar(rng, n_hubs, n_sites)
    far = np.argsort(cost, axis=1)[:, nearest:]
    np.put_along_axis(cost, far, np.inf, axis=1)
    return cost


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_start_when_the_construction_finds_nothing(monkeypatch, seed):
    """Without the greedy's selection the dual's picks start the search, and the
    result is still the brute-force optimum with a bound below it."""
    rng = np.random.default_rng(900 + seed)
    prob = Problem.build(from_dense(_coverage_limited(rng, 40, 12, 4)), 4)
    opt, _ = brute_force(prob)
    assert math.isfinite(opt)
    monkeypatch.setattr(benders, "greedy", lambda *a, **k: None)
    out = _solve(prob)
    check_outcome(prob, out, opt)
    assert out.status == "optimal"
    assert out.stats["lagrange_start_iterations"] > 0


@pytest.mark.parametrize("seed", range(6))
def test_lagrangian_start_gives_a_selection_and_a_valid_bound(seed):
    rng = np.random.default_rng(950 + seed)
    prob = Problem.build(from_dense(_coverage_limited(rng, 60, 20, 5)), 5)
    opt, _ = brute_force(prob)
    st = state.State(
        prob,
        rules.Rules(True, 1.0, 0.0),
        math.inf,
        closed=prob.excluded.copy(),
        opened=prob.forced.copy(),
    )
    bound = lagrange.lagrangian_start(st, time.perf_counter() + 30.0)
    assert st.best is not None and feasible(prob, st.best)
    assert bound <= opt + 1e-9 * abs(opt)
    assert st.ub >= opt - 1e-9 * abs(opt)


@pytest.mark.parametrize("seed", range(10))
def test_coverage_limit_with_fixing_and_tree(seed):
    """Coverage-limited instances that reach the LP loop, fixing and the tree."""
    rng = np.random.default_rng(500 + seed)
    cost = _planar(rng, 45, 13)
    cost[cost > 450] = np.inf  # coverage radius
    p = int(rng.integers(3, 6))
    pairs = np.array([[0, 1], [2, 3]]) if seed % 2 else None
    prob = Problem.build(from_dense(cost), p, pairs=pairs)
    opt, _ = brute_force(prob)
    out = _solve(prob)
    check_outcome(prob, out, opt)
    assert out.status == ("optimal" if math.isfinite(opt) else "infeasible")


def test_infeasible_cases():
    cost = np.array([[1.0, np.inf, 3.0], [np.inf, 2.0, np.inf]])
    # hub 1 can only use site 1, which is excluded
    prob = Problem.build(from_dense(cost), 1, excluded=np.array([False, True, False]))
    assert _solve(prob).status == "infeasible"
    # p = 1 cannot cover both hubs (no common usable site)
    out = _solve(Problem.build(from_dense(cost), 1))
    assert out.status == "infeasible" and out.selection is None
    assert out.bound == math.inf
    # the pairs forbid the only covering selection
    prob = Problem.build(from_dense(cost), 2, pairs=np.array([[0, 1], [1, 2]]))
    assert _solve(prob).status == "infeasible"
    # caps admit fewer than p sites
    ones = from_dense(np.ones((2, 3)))
    prob = Problem.build(ones, 3, group=np.array([0, 0, 1]), cap=np.array([1, 1]))
    assert _solve(prob).status == "infeasible"
    # forced sites incompatible
    prob = Problem.build(
        ones, 2, forced=np.array([True, True, False]), pairs=np.array([[0, 1]])
    )
    assert _solve(prob).status == "infeasible"


def test_an_optimal_incumbent_is_kept_and_proven():
    rng = np.random.default_rng(7)
    prob = random_problem(rng, n_hubs=8, n_sites=8, sides=False)
    opt, arg = brute_force(prob)
    out = solve(prob, deadline=time.perf_counter() + 300, incumbent=arg)
    check_outcome(prob, out, opt)
    assert out.status == "optimal"


def test_ties_everywhere():
    prob = Problem.build(from_dense(np.zeros((6, 6))), 3)
    out = _solve(prob)
    assert out.status == "optimal" and out.objective == 0.0 and out.bound == 0.0


# --- deadlines that bind in every phase -------------------------------------------


def _grouped_instance(seed=4, n=200, m=200, p=12):
    rng = np.random.default_rng(seed)
    cost = _planar(rng, n, m) * 10
    w = rng.integers(1, 10, size=n)
    group = rng.integers(0, 6, size=m)
    return Problem.build(
        from_dense(cost * w[:, None]), p, group=group, cap=np.full(6, 2)
    )


@pytest.fixture(scope="module")
def known():
    """A 200 x 200 instance (p = 12, six groups of at most two) and its optimum."""
    prob = _grouped_instance()
    out = _solve(prob)
    assert out.status == "optimal"
    return prob, out.objective


@pytest.mark.parametrize("limit", [0.0, 1e-4, 0.01, 0.05, 0.2, 0.5, 1.0])
def test_short_limits_give_a_valid_outcome(known, limit):
    prob, opt = known
    out = solve(prob, deadline=time.perf_counter() + limit)
    check_outcome(prob, out, opt)
    assert out.status in ("optimal", "time_limit")


def _expire_on_entry(monkeypatch, module, name, after=0):
    """Make the deadline pass when ``module.name`` is called the ``after``-th time."""
    original = getattr(module, name)
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > after:
            for a in args:
                if hasattr(a, "deadline"):
                    a.deadline = time.perf_counter()
            if "deadline" in kwargs:
                kwargs["deadline"] = time.perf_counter()
            elif len(args) >= 2 and isinstance(args[1], float):
                args = (args[0], time.perf_counter(), *args[2:])
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return calls


@pytest.mark.parametrize(
    ("module", "name", "after"),
    [
        (benders, "greedy", 0),  # construction
        (benders, "interchange", 0),  # interchange
        (benders, "prefix_fix", 0),  # Lagrangian pre-fixing
        (benders, "run_phase1", 0),  # LP loop, at its start
        (phase1, "_add", 2),  # LP loop, after a few rounds
        (benders, "run_tree", 0),  # tree, at its start
        (bnb, "_node", 1),  # tree, a node in
        (bnb, "choose", 0),  # tree, in branching
        (state, "interchange", 1),  # a polish inside the LP loop
        (lagrange, "_fix", 3),  # inside the subgradient
    ],
    ids=lambda v: getattr(v, "__name__", str(v)).rsplit(".", 1)[-1],
)
def test_deadline_binds_in_each_phase(known, monkeypatch, module, name, after):
    prob, opt = known
    calls = _expire_on_entry(monkeypatch, module, name, after)
    out = _solve(prob)
    assert calls["n"] > after, "the patched phase was not reached"
    check_outcome(prob, out, opt)
    assert out.status in ("optimal", "time_limit")


def test_limit_without_incumbent_keeps_finite_bound():
    cost = np.full((3, 4), np.inf)
    cost[0, 0] = cost[1, 1] = cost[2, 2] = 1.0
    cost[:, 3] = 50.0
    prob = Problem.build(from_dense(cost), 2, pairs=np.array([[0, 1], [1, 2]]))
    opt, _ = brute_force(prob)
    out = solve(prob, deadline=time.perf_counter())
    check_outcome(prob, out, opt)


@pytest.fixture(scope="module")
def rl1304():
    """rl1304 (1,304 clients = sites, floor Euclidean) as a Problem with p = 10."""
    reader = benchmark_module("tsplib")
    path = reader.TSPLIB / "rl1304.tsp"
    if not path.is_file():
        pytest.skip(f"TSPLIB instance absent: {path} (../shared is not in this clone)")
    return Problem.build(from_dense(reader.distance_matrix(path)), 10)


@pytest.mark.parametrize("limit", [0.3, 1.0, 3.0])
def test_deadline_on_rl1304(rl1304, limit):
    """rl1304 p = 10 takes tens of seconds: 0.3 s stops it in the heuristics (bound
    still the trivial 0), 1 s and 3 s in the LP loop; each with a valid bound and a
    feasible selection priced exactly."""
    out = solve(rl1304, deadline=time.perf_counter() + limit)
    check_outcome(rl1304, out, RL1304_P10)


# --- the fast path through the door -----------------------------------------------


@pytest.fixture
def routes(monkeypatch):
    """Record which phases of the fast path run: the Lagrangian tree and the
    decomposition (with the incumbent it is handed)."""
    seen = {"lagrangian": 0, "exact": []}
    tree, exact = fast.lagrangian_search, fast.solve_exact

    def lagrangian_search(*args, **kwargs):
        seen["lagrangian"] += 1
        return tree(*args, **kwargs)

    def solve_exact(*args, **kwargs):
        seen["exact"].append(kwargs.get("incumbent"))
        return exact(*args, **kwargs)

    monkeypatch.setattr(fast, "lagrangian_search", lagrangian_search)
    monkeypatch.setattr(fast, "solve_exact", solve_exact)
    return seen


def _door_matches_brute_force(cost, weights, p, kw) -> bool:
    """Solve through the door; True when the instance is feasible (then optimal at
    the brute-force value), False when both say it is infeasible."""
    expected = door_brute_force(cost, weights, p, **kw)
    if not math.isfinite(expected):
        with pytest.raises(InfeasibleError):
            solve_pmedian(
                cost, weights, p, solver="fast", diagnose_infeasible=False, **kw
            )
        return False
    sol = solve_pmedian(cost, weights, p, solver="fast", **kw)
    assert sol.status == "optimal"
    assert sol.objective == pytest.approx(expected, rel=1e-12, abs=0.0)
    assert sol.bound <= sol.objective
    assert sol.bound >= expected - 1e-9 * abs(expected)
    assert_valid(sol, cost, weights, p, **kw)
    return True


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("integral", [True, False])
def test_door_above_p50_is_the_decomposition_alone(routes, scale, integral):
    """p = 51..57 of p + 4 sites: the Benders decomposition runs without the tree."""
    feasible_cases = 0
    for seed in range(3):
        rng = np.random.default_rng([seed, int(math.log10(scale) + 20), int(integral)])
        p = int(rng.integers(fast.LAGRANGIAN_MAX_P + 1, fast.LAGRANGIAN_MAX_P + 8))
        case = door_case(
            rng, p=p, n_sites=p + 4, n_hubs=30, scale=scale, integral=integral
        )
        feasible_cases += _door_matches_brute_force(*case)
    assert feasible_cases >= 1
    assert routes["lagrangian"] == 0
    assert len(routes["exact"]) >= feasible_cases  # and infeasible ones it proved
    assert all(inc is None for inc in routes["exact"])


@pytest.mark.parametrize("scale", SCALES)
@pytest.mark.parametrize("integral", [True, False])
def test_door_hand_over_when_the_tree_budget_ends(routes, monkeypatch, scale, integral):
    """The Lagrangian tree gets no time: the decomposition finishes from its state."""
    monkeypatch.setattr(fast, "lagrangian_budget", lambda prob, left: 0.0)
    feasible_cases = 0
    for seed in range(3):
        rng = np.random.default_rng([seed, int(math.log10(scale) + 40), int(integral)])
        p = int(rng.integers(2, 6))
        n_sites = int(rng.integers(10, 15))
        case = door_case(
            rng, p=p, n_sites=n_sites, n_hubs=40, scale=scale, integral=integral
        )
        feasible_cases += _door_matches_brute_force(*case)
    assert feasible_cases >= 1
    # every solve that passed the cheap checks ran the tree, then the decomposition
    assert routes["lagrangian"] == len(routes["exact"]) >= feasible_cases
    assert any(inc is not None for inc in routes["exact"])  # the greedy's selection


@pytest.mark.parametrize("route", ["above_p50", "hand_over"])
@pytest.mark.parametrize("seed", range(2))
def test_door_agrees_with_the_highs_mip(routes, monkeypatch, route, seed):
    """Beyond brute force: every side constraint, both routes of the fast path
    (40 sites x 120 hubs at p = 8 handed over; 60 x 150 at p = 54) against the strong
    formulation in HiGHS."""
    rng = np.random.default_rng([seed, 77])
    if route == "hand_over":
        monkeypatch.setattr(fast, "lagrangian_budget", lambda prob, left: 0.0)
        size = {"p": 8, "n_sites": 40, "n_hubs": 120}
    else:
        size = {"p": 54, "n_sites": 60, "n_hubs": 150}
    cost, weights, p, kw = door_case(rng, scale=1e3, **size)
    ref = solve_pmedian(cost, weights, p, solver="highs", **kw)
    sol = solve_pmedian(cost, weights, p, solver="fast", **kw)
    assert ref.status == sol.status == "optimal"
    assert sol.objective == pytest.approx(ref.objective, rel=1e-9)
    assert_valid(sol, cost, weights, p, **kw)
    assert len(routes["exact"]) == 1
    assert routes["lagrangian"] == (1 if route == "hand_over" else 0)
