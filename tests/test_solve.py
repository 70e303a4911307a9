"""Tests of the solver's door: solve_pmedian on every backend, the heuristic, the
infeasibility diagnosis and the independent checker."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from siting.errors import InfeasibleError, InputError, SolverError
from siting.solve import (
    SOLVERS,
    check_solution,
    heuristic_pmedian,
    make_instance,
    mip,
    solve_pmedian,
)
from siting.solve import pmedian as pmedian_module
from siting.solve.fast import SOLVER_NAME
from siting.solve.scaling import instance_scale

BOTH = ("fast", "highs", "cbc")


def brute_force(cost, weights, p, **kw):
    """Best objective by enumeration of every p-subset (inf when none is feasible)."""
    cost = np.asarray(cost, dtype=float)
    n_sites = cost.shape[1]
    fixed = np.zeros(n_sites) if kw.get("fixed_cost") is None else kw["fixed_cost"]
    groups, limit = kw.get("groups"), kw.get("max_per_group")
    max_cost = kw.get("max_cost")
    usable = np.isfinite(cost) & (cost <= (np.inf if max_cost is None else max_cost))
    best = np.inf
    for subset in itertools.combinations(range(n_sites), p):
        chosen = set(subset)
        if chosen & set(kw.get("excluded", ())):
            continue
        if not set(kw.get("forced", ())) <= chosen:
            continue
        if any(i in chosen and k in chosen for i, k in kw.get("incompatible", ())):
            continue
        if groups is not None and limit is not None:
            labels = [groups[i] for i in subset]
            if any(labels.count(g) > limit for g in set(labels)):
                continue
        cols = list(subset)
        served = np.where(usable[:, cols], cost[:, cols], np.inf).min(axis=1)
        if np.isinf(served).any():
            continue
        best = min(best, float(fixed[cols].sum() + np.dot(weights, served)))
    return best


def assert_valid(sol, cost, weights, p, **kw):
    result = check_solution(
        make_instance(cost, weights, p, **kw),
        sol.selected,
        sol.assignment,
        objective=sol.objective,
    )
    assert result.violations == ()
    assert result.objective == sol.objective


# --- hand-solvable instances -------------------------------------------------------


@pytest.mark.parametrize("solver", BOTH)
def test_weights_pick_the_site_near_the_heavy_hub(solver):
    # site 0: 1*1 + 3*4 = 13; site 1: 1*4 + 3*1 = 7
    sol = solve_pmedian([[1, 4], [4, 1]], [1, 3], 1, solver=solver)
    assert sol.selected.tolist() == [1]
    assert sol.assignment.tolist() == [1, 1]
    assert sol.objective == 7.0
    assert sol.status == "optimal"
    assert sol.gap == pytest.approx(0.0, abs=1e-9)
    assert sol.bound == pytest.approx(7.0, rel=1e-9)
    assert sol.solver == (SOLVER_NAME if solver == "fast" else solver)


@pytest.mark.parametrize("solver", BOTH)
def test_fixed_cost_outweighs_latency(solver):
    # site 0: 13 + 0 = 13; site 1: 7 + 10 = 17
    sol = solve_pmedian([[1, 4], [4, 1]], [1, 3], 1, fixed_cost=[0, 10], solver=solver)
    assert sol.selected.tolist() == [0]
    assert sol.objective == 13.0


def test_equal_costs_go_to_the_lowest_site_index():
    sol = solve_pmedian([[2, 2, 2], [5, 1, 1]], [1, 1], 3)
    assert sol.selected.tolist() == [0, 1, 2]
    assert sol.assignment.tolist() == [0, 1]
    assert sol.objective == 3.0


@pytest.mark.parametrize("solver", BOTH)
def test_group_limit_splits_the_best_pair(solver):
    cost = [[0, 9, 9], [9, 0, 9], [9, 9, 1]]
    # unconstrained best is {0, 1} (objective 9); with one per group {0, 2} or {1, 2}
    free = solve_pmedian(cost, [1, 1, 1], 2, solver=solver)
    assert free.objective == 9.0
    kw = {"groups": ["a", "a", "b"], "max_per_group": {"a": 1}}
    sol = solve_pmedian(cost, [1, 1, 1], 2, solver=solver, **kw)
    assert sol.objective == 10.0
    assert 2 in sol.selected.tolist()
    assert_valid(sol, cost, [1, 1, 1], 2, **kw)


@pytest.mark.parametrize("solver", BOTH)
def test_forced_excluded_incompatible_and_coverage(solver):
    cost = [[1, 2, 3, 30], [30, 3, 2, 1]]
    kw = {
        "forced": [3],
        "excluded": [0],
        "incompatible": [(1, 3)],
        "max_cost": 10,
    }
    # site 3 serves hub 1 (cost 1); hub 0 needs a site within 10: 1 is incompatible
    # with 3 and 0 is excluded, so site 2 (cost 3)
    sol = solve_pmedian(cost, [1, 1], 2, solver=solver, **kw)
    assert sol.selected.tolist() == [2, 3]
    assert sol.assignment.tolist() == [2, 3]
    assert sol.objective == 4.0
    assert_valid(sol, cost, [1, 1], 2, **kw)


def test_infinite_cost_is_never_used():
    sol = solve_pmedian([[np.inf, 5], [1, np.inf]], [1, 1], 2)
    assert sol.assignment.tolist() == [1, 0]
    assert sol.objective == 6.0


def test_heuristic_on_a_hand_instance():
    sol = heuristic_pmedian([[1, 4], [4, 1]], [1, 3], 1, fixed_cost=[0, 10])
    assert sol.selected.tolist() == [0]
    assert sol.status == "heuristic"
    assert np.isnan(sol.bound) and np.isnan(sol.gap)


# --- input validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "words"),
    [
        (([1, 2], [1], 1), {}, "2-D"),
        (([[np.nan, 1]], [1], 1), {}, "NaN"),
        (([[1, 2]], [-1], 1), {}, ">= 0"),
        (([[1, 2]], [1, 1], 1), {}, "n_hubs=1"),
        (([[1, 2]], [1], 0), {}, "p must be an integer >= 1"),
        (([[1, 2]], [1], 1), {"fixed_cost": [1]}, "n_sites=2"),
        (([[1, 2]], [1], 1), {"forced": [5]}, "forced must hold site indices"),
        (([[1, 2]], [1], 1), {"incompatible": [(0, 0)]}, "same site twice"),
        (([[1, 2]], [1], 1), {"max_per_group": 1}, "groups is not"),
        (([[1, 2]], [1], 1), {"groups": [0, 1], "max_per_group": -1}, ">= 0"),
        (([[1, 2]], [1], 1), {"time_limit": 0}, "time_limit"),
    ],
)
def test_bad_input_raises_input_error(args, kwargs, words):
    with pytest.raises(InputError, match=words):
        solve_pmedian(*args, **kwargs)


def test_input_error_lists_every_problem():
    with pytest.raises(InputError) as info:
        solve_pmedian([[np.nan, 1]], [-1], 0)
    assert "NaN" in str(info.value) and "weights" in str(info.value)
    assert "p must be" in str(info.value)


def test_unknown_solver_names_the_options():
    with pytest.raises(SolverError, match="auto, fast, highs, cbc"):
        solve_pmedian([[1, 2]], [1], 1, solver="gurobi")
    assert SOLVERS == ("auto", "fast", "highs", "cbc")


# --- feasibility checks before solving ------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "words"),
    [
        ({"p": 4, "excluded": [0, 1]}, "p=4 sites requested but only 3 of 5"),
        (
            {"p": 3, "groups": ["a", "a", "b", "b", "b"], "max_per_group": 1},
            "allow only 2: 2 of 2 groups have an allowed candidate",
        ),
        (
            {"p": 3, "groups": [0, 0, 1, 1, 2], "max_per_group": 1, "excluded": [4]},
            "allow only 2",
        ),
        ({"p": 1, "forced": [0, 1]}, "2 forced sites but p=1"),
        ({"p": 2, "forced": [1], "excluded": [1]}, r"sites \[1\] are both forced"),
        ({"p": 2, "forced": [0, 1], "incompatible": [(1, 0)]}, r"pairs \[\(0, 1\)\]"),
        (
            {"p": 3, "forced": [0, 1], "groups": list("aabbc"), "max_per_group": 1},
            "2 forced sites in group 'a' but at most 1",
        ),
        ({"p": 1, "max_cost": 0.5}, "1 hubs have no allowed site within max_cost=0.5"),
    ],
)
def test_cheap_checks_name_the_numbers(kwargs, words):
    cost = np.arange(1.0, 6.0)[None, :]
    with pytest.raises(InfeasibleError, match=words):
        solve_pmedian(cost, [1.0], **kwargs)


# --- infeasibility proven by the solver and its diagnosis -----------------------

CRAFTED = {
    "groups and incompatible pairs": (
        {
            "cost": np.ones((1, 4)),
            "weights": [1],
            "p": 2,
            "groups": ["a", "a", "b", "b"],
            "max_per_group": 1,
            "incompatible": [(0, 2), (0, 3), (1, 2), (1, 3)],
        },
        ["incompatible", "per group", "exactly p=2"],
        ["max_cost", "forced", "excluded"],
    ),
    "coverage and groups": (
        {
            "cost": [[1, 50, 50], [50, 1, 50]],
            "weights": [1, 1],
            "p": 2,
            "groups": ["a", "a", "b"],
            "max_per_group": 1,
            "max_cost": 10,
        },
        ["max_cost=10", "per group"],
        ["exactly p", "incompatible"],
    ),
    "forced site out of reach": (
        {"cost": [[50, 1, 1]], "weights": [1], "p": 1, "forced": [0], "max_cost": 10},
        ["forced sites [0]", "max_cost=10", "exactly p=1"],
        ["group", "excluded"],
    ),
    "excluded and incompatible": (
        {
            "cost": np.ones((2, 3)),
            "weights": [1, 1],
            "p": 2,
            "excluded": [2],
            "incompatible": [(0, 1)],
        },
        ["excluded sites [2]", "1 incompatible pair", "exactly p=2"],
        ["max_cost", "forced"],
    ),
}


@pytest.mark.parametrize("solver", BOTH)
@pytest.mark.parametrize("case", sorted(CRAFTED))
def test_diagnosis_names_the_conflicting_families(case, solver):
    kwargs, named, absent = CRAFTED[case]
    with pytest.raises(InfeasibleError) as info:
        solve_pmedian(solver=solver, **kwargs)
    message = str(info.value)
    assert "dropping any one of them makes the problem feasible" in message
    for words in named:
        assert words in message
    for words in absent:
        assert words not in message


# --- time limits -----------------------------------------------------------------


def _euclidean(seed, n_sites, n_hubs):
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, 100, (n_sites, 2))
    hubs = rng.uniform(0, 100, (n_hubs, 2))
    cost = np.rint(np.linalg.norm(hubs[:, None] - sites[None], axis=2))
    return cost, rng.integers(1, 10, n_hubs).astype(float)


@pytest.mark.parametrize("solver", BOTH)
def test_time_limit_returns_a_feasible_solution(solver):
    cost, weights = _euclidean(3, 120, 120)
    sol = solve_pmedian(cost, weights, 10, solver=solver, time_limit=0.05)
    assert sol.status in ("time_limit", "optimal")
    assert_valid(sol, cost, weights, 10)
    if np.isfinite(sol.bound):
        assert sol.bound <= sol.objective + 1e-6
        assert sol.gap == pytest.approx((sol.objective - sol.bound) / sol.objective)
    else:
        assert np.isnan(sol.gap)


def test_time_limit_without_incumbent_falls_back_to_the_warm_start(monkeypatch):
    cost, weights = [[1, 4], [4, 1]], [1, 3]
    scale = instance_scale(make_instance(cost, weights, 1))

    def no_solution(model, backend, time_limit, warm, gap_abs=None):
        return mip.Run("time_limit", None, 6.5 * scale)  # the model's units

    monkeypatch.setattr(mip, "run", no_solution)
    sol = solve_pmedian(cost, weights, 1, solver="highs", time_limit=1)
    assert sol.status == "time_limit"
    assert sol.selected.tolist() == [1]
    assert sol.bound == 6.5  # scaled back to the caller's units
    assert sol.gap == pytest.approx(0.5 / 7)


def test_a_solver_without_a_bound_still_gives_a_finite_one(monkeypatch):
    cost, weights = [[1, 4], [4, 1]], [1, 3]

    def no_bound(model, backend, time_limit, warm, gap_abs=None):
        return mip.Run("time_limit", None, np.nan)  # stopped inside the root LP

    monkeypatch.setattr(mip, "run", no_bound)
    sol = solve_pmedian(cost, weights, 1, solver="highs", time_limit=1)
    assert sol.status == "time_limit"
    assert sol.bound == 4.0  # each hub at its nearest site: 1 x 1 + 3 x 1
    assert sol.gap == pytest.approx(3 / 7)


def test_time_limit_with_nothing_found_raises_solver_error(monkeypatch):
    def no_solution(model, backend, time_limit, warm, gap_abs=None):
        return mip.Run("time_limit", None, np.nan)

    monkeypatch.setattr(mip, "run", no_solution)
    monkeypatch.setattr(pmedian_module, "warm_start", lambda inst, deadline=None: None)
    with pytest.raises(SolverError, match="before finding any feasible selection"):
        solve_pmedian([[1, 4], [4, 1]], [1, 3], 1, solver="highs", time_limit=1)


# --- a published optimum --------------------------------------------------------


def read_orlib(path):
    """Distance matrix and p of an OR-Library pmed file (last repeated edge counts)."""
    tokens = np.array(path.read_text().split(), dtype=np.int64)
    n, m, p = (int(v) for v in tokens[:3])
    dist = np.full((n, n), np.inf)
    for i, j, c in tokens[3 : 3 + 3 * m].reshape(m, 3).tolist():
        dist[i - 1, j - 1] = dist[j - 1, i - 1] = c
    np.fill_diagonal(dist, 0.0)
    for k in range(n):
        np.minimum(dist, dist[:, k : k + 1] + dist[k : k + 1, :], out=dist)
    return dist, p


def test_orlib_pmed1_reaches_the_published_optimum(shared_dir):
    dist, p = read_orlib(shared_dir / "benchmarks" / "orlib" / "pmed1.txt")
    sol = solve_pmedian(dist, np.ones(len(dist)), p)
    assert (len(dist), p) == (100, 5)
    assert sol.objective == 5819.0  # Beasley (1985), OR-Library pmedopt
    assert sol.status == "optimal"
    heur = heuristic_pmedian(dist, np.ones(len(dist)), p)
    assert heur.objective >= 5819.0


# --- properties: brute force, solver agreement, checker -------------------------


@st.composite
def instances(draw, max_sites=12, max_hubs=30):
    n_sites = draw(st.integers(1, max_sites))
    n_hubs = draw(st.integers(1, max_hubs))
    p = draw(st.integers(1, min(n_sites, 5)))
    size = n_sites * n_hubs
    values = st.integers(0, 100)
    cost = np.array(draw(st.lists(values, min_size=size, max_size=size)), float)
    cost = cost.reshape(n_hubs, n_sites)
    weights = draw(st.lists(st.integers(0, 10), min_size=n_hubs, max_size=n_hubs))
    flags = draw(st.integers(0, 63))  # one bit per option, all 64 mixes alike
    site = st.integers(0, n_sites - 1)
    kw = {}
    if flags & 1:
        fixed = draw(st.lists(st.integers(0, 300), min_size=n_sites, max_size=n_sites))
        kw["fixed_cost"] = np.array(fixed, dtype=float)
    if flags & 2:
        labels = st.sampled_from("abcd")
        kw["groups"] = draw(st.lists(labels, min_size=n_sites, max_size=n_sites))
        kw["max_per_group"] = draw(st.integers(1, 3))
    if flags & 4:
        kw["max_cost"] = draw(st.integers(30, 100))
    if flags & 8:
        pairs = draw(st.lists(st.tuples(site, site), max_size=4))
        kw["incompatible"] = [(i, k) for i, k in pairs if i != k]
    if flags & 16:
        kw["forced"] = sorted(draw(st.sets(site, max_size=2)))
    if flags & 32:
        kw["excluded"] = sorted(draw(st.sets(site, max_size=3)))
    return cost, np.array(weights, dtype=float), p, kw


FAST = settings(
    max_examples=100,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@FAST
@given(instances())
def test_optimum_equals_brute_force(instance):
    cost, weights, p, kw = instance
    best = brute_force(cost, weights, p, **kw)
    if np.isinf(best):
        with pytest.raises(InfeasibleError) as info:
            solve_pmedian(cost, weights, p, solver="highs", **kw)
        proven = "solver proved" in str(info.value)
        event("infeasible, proven by the solver" if proven else "infeasible, precheck")
        return
    event(f"feasible, {len(kw)} options")
    sol = solve_pmedian(cost, weights, p, solver="highs", **kw)
    assert sol.objective == best
    assert sol.status == "optimal"
    assert_valid(sol, cost, weights, p, **kw)
    try:
        heur = heuristic_pmedian(cost, weights, p, **kw)
    except SolverError:
        return
    assert heur.objective >= best
    assert_valid(heur, cost, weights, p, **kw)


@settings(FAST, max_examples=30)
@given(instances(max_sites=10, max_hubs=20))
def test_cbc_and_highs_agree(instance):
    """Every backend, CBC included, reaches the brute-force optimum or proves that
    there is none."""
    cost, weights, p, kw = instance
    best = brute_force(cost, weights, p, **kw)
    for solver in BOTH:
        if np.isinf(best):
            with pytest.raises(InfeasibleError):
                solve_pmedian(cost, weights, p, solver=solver, **kw)
            continue
        sol = solve_pmedian(cost, weights, p, solver=solver, **kw)
        assert sol.objective == pytest.approx(best, rel=1e-9, abs=0.0), solver
        assert_valid(sol, cost, weights, p, **kw)


def test_checker_lists_each_violation():
    cost = [[1, 2, 3], [3, 2, 1]]
    kw = {
        "groups": ["a", "a", "b"],
        "max_per_group": 1,
        "incompatible": [(0, 1)],
        "forced": [2],
        "excluded": [1],
        "max_cost": 2.5,
    }
    inst = make_instance(cost, [1, 1], 2, **kw)
    result = check_solution(inst, [0, 1], [1, 0], objective=99.0)
    text = "\n".join(result.violations)
    assert not result.ok
    assert "excluded sites [1] are selected" in text
    assert "forced sites [2] are not selected" in text
    assert "group 'a' has 2 selected sites, limit 1" in text
    assert "incompatible sites 0 and 1 are both selected" in text
    assert "1 hubs are served beyond max_cost" in text
    assert "break the assignment rule" in text
    assert "reported objective 99.0 but recomputed 5.0" in text
    assert result.objective == 5.0


def test_checker_rejects_wrong_count_and_unserved_hubs():
    result = check_solution(make_instance([[1, 2], [2, 1]], [1, 1], 2), [0], [1, 0])
    assert result.violations[0] == "1 sites selected but p=2"
    assert "1 hubs are not served by a selected site" in result.violations[1]
    assert np.isnan(result.objective)
