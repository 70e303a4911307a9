"""Honest under time limits (issue 20): any limit, on any backend and in any phase
of the fast path, returns the best portfolio found, a finite proven bound at most
the optimum and the gap. No test here asserts a duration; the overshoot of the
deadline is measured by benchmarks/time_limits.py."""

from __future__ import annotations

import time

import numpy as np
import pytest

from siting.solve import check_solution, make_instance, solve_pmedian
from siting.solve import fast as fast_module
from siting.solve import heuristic as heuristic_module
from siting.solve import lagrangian as lagrangian_module


def _instance():
    rng = np.random.default_rng(3)
    hubs, sites = rng.random((160, 2)), rng.random((120, 2))
    cost = 1000 * np.linalg.norm(hubs[:, None] - sites[None], axis=2)
    return make_instance(
        cost,
        rng.uniform(1, 10, 160),
        12,
        fixed_cost=rng.uniform(50, 150, 120),
        groups=rng.integers(0, 8, 120).astype(str).tolist(),
        max_per_group=2,
    )


@pytest.fixture(scope="module")
def known():
    inst = _instance()
    exact = solve_pmedian(inst, solver="highs")
    assert exact.status == "optimal"
    return inst, exact.objective


def _honest(inst, sol, optimum):
    assert sol.status in ("optimal", "time_limit")
    assert np.isfinite(sol.bound)
    assert sol.bound <= optimum * (1 + 1e-9)
    assert sol.objective >= optimum * (1 - 1e-9)
    assert check_solution(inst, sol.selected, sol.assignment).violations == ()
    if sol.status == "optimal":
        assert sol.objective == pytest.approx(optimum, rel=1e-9)
    else:
        assert sol.gap == pytest.approx((sol.objective - sol.bound) / sol.objective)


@pytest.mark.parametrize("solver", ["fast", "highs", "cbc"])
@pytest.mark.parametrize("limit", [1e-4, 1e-3, 0.02, 0.2])
def test_any_limit_on_any_backend_gives_a_portfolio_and_a_bound(known, solver, limit):
    inst, optimum = known
    _honest(inst, solve_pmedian(inst, solver=solver, time_limit=limit), optimum)


class _Clock:
    """A module's ``time``: real until :meth:`stop`, then a day later, so every
    deadline that module checks has passed (the rest of the solver keeps time)."""

    def __init__(self) -> None:
        self.offset = 0.0

    def perf_counter(self) -> float:
        return time.perf_counter() + self.offset

    def stop(self) -> None:
        self.offset = 86400.0


def _expire(monkeypatch, module, name, clocks):
    """Stop the clocks of the Lagrangian search when ``module.name`` is entered."""
    original = getattr(module, name)
    calls = {"n": 0}

    def wrapped(*args, **kwargs):
        calls["n"] += 1
        for clock in clocks:
            clock.stop()
        return original(*args, **kwargs)

    monkeypatch.setattr(module, name, wrapped)
    return calls


@pytest.mark.parametrize(
    "name",
    [
        "greedy_interchange",  # the incumbent
        "_lagrangian",  # the subgradient
        "_branch",  # the tree
    ],
)
def test_the_limit_binding_in_each_phase_of_the_lagrangian_search(
    known, monkeypatch, name
):
    """The Lagrangian search runs out of its time in one phase; the fast path goes
    on to the Benders decomposition and proves the optimum from what it found."""
    inst, optimum = known
    clocks = [_Clock(), _Clock()]
    monkeypatch.setattr(lagrangian_module, "time", clocks[0])
    monkeypatch.setattr(heuristic_module, "time", clocks[1])
    calls = _expire(monkeypatch, lagrangian_module, name, clocks)
    sol = solve_pmedian(inst, solver="fast", time_limit=60)
    assert calls["n"] >= 1, "the patched phase was not reached"
    _honest(inst, sol, optimum)
    assert sol.status == "optimal", sol


def test_a_limit_that_ends_the_lagrangian_search_and_the_rest(known, monkeypatch):
    inst, optimum = known
    monkeypatch.setattr(fast_module, "lagrangian_budget", lambda prob, left: left)
    sol = solve_pmedian(inst, solver="fast", time_limit=0.05)
    _honest(inst, sol, optimum)


def test_the_benders_path_runs_after_a_pulp_highs_solve_in_the_same_process(
    known, monkeypatch
):
    """HiGHS shares one thread scheduler per process: a Highs object asking for a
    different thread count than an earlier pulp run (the fixture's) did not run at
    all (model status 'not set'), which the decomposition took for a time limit."""
    inst, optimum = known
    monkeypatch.setattr(fast_module, "lagrangian_budget", lambda prob, left: 0.0)
    sol = solve_pmedian(inst, solver="fast")
    assert sol.status == "optimal", sol
    assert sol.objective == pytest.approx(optimum, rel=1e-9)


def test_highs_columns_that_do_not_price_at_its_objective_are_solved_again(
    monkeypatch,
):
    """HiGHS 1.16 once returned a warm start's columns beside the optimum's objective
    (seen in the campus property test); the runner then solves again without the
    start, and the answer is the optimum."""
    from siting.solve import mip

    inst = make_instance(np.array([[0.0, 5.0, 9.0], [7.0, 0.0, 9.0]]), np.ones(2), 2)
    model = mip.build_model(inst, mip.FAMILIES)
    real = mip._highs_solution_matches_objective
    calls = []

    def first_call_mismatched(m):
        calls.append(real(m))
        return len(calls) > 1 and calls[-1]

    monkeypatch.setattr(mip, "_highs_solution_matches_objective", first_call_mismatched)
    run = mip.run(model, "highs", None, np.array([1, 2]))
    assert calls == [True]  # the check ran once, on the warm-started solve
    assert run.status == "optimal"
    assert sorted(run.selected.tolist()) == [0, 1]


def test_the_price_check_sees_columns_that_disagree_with_the_objective():
    from siting.solve import mip

    inst = make_instance(np.array([[0.0, 5.0, 9.0], [7.0, 0.0, 9.0]]), np.ones(2), 2)
    model = mip.build_model(inst, mip.FAMILIES)
    mip.run(model, "highs", None, None)
    assert mip._highs_solution_matches_objective(model)
    model.x[0, 0].varValue, model.x[0, 1].varValue = 0.0, 1.0  # hub 0 from site 1
    assert not mip._highs_solution_matches_objective(model)


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_backend_saying_infeasible_beside_a_feasible_start_is_not_believed(
    known, solver, monkeypatch
):
    """CBC stopped by a 0.2 s limit once reported "infeasible" on this feasible
    instance, and the diagnosis then named a conflict that does not exist."""
    from siting.solve import mip

    inst, optimum = known
    monkeypatch.setattr(mip, "run", lambda *a, **k: mip.Run("infeasible", None, np.nan))
    sol = solve_pmedian(inst, solver=solver)
    assert sol.status == "time_limit"
    _honest(inst, sol, optimum)


def _no_build(*args, **kwargs):
    raise AssertionError("the model was built although it could not be solved in time")


@pytest.mark.parametrize("solver", ["highs", "cbc"])
def test_a_limit_shorter_than_the_model_build_returns_the_heuristic(
    known, solver, monkeypatch
):
    from siting.solve import mip

    inst, optimum = known
    monkeypatch.setitem(mip.HANDOVER_S_PER_PAIR, solver, 1.0)  # a day per model
    monkeypatch.setattr(mip, "build_model", _no_build)
    sol = solve_pmedian(inst, solver=solver, time_limit=5.0)
    assert sol.status == "time_limit"
    _honest(inst, sol, optimum)


def test_no_heuristic_portfolio_and_no_time_for_the_model_is_a_solver_error(
    known, monkeypatch
):
    from siting.errors import SolverError
    from siting.solve import mip
    from siting.solve import pmedian as pmedian_module

    inst, _ = known
    monkeypatch.setitem(mip.HANDOVER_S_PER_PAIR, "highs", 1.0)
    monkeypatch.setattr(mip, "build_model", _no_build)
    monkeypatch.setattr(pmedian_module, "warm_start", lambda inst, deadline=None: None)
    with pytest.raises(SolverError, match="leaves no time to build the highs model"):
        solve_pmedian(inst, solver="highs", time_limit=5.0)


def test_the_diagnosis_starts_no_re_solve_it_cannot_finish(monkeypatch):
    from siting.solve import mip
    from siting.solve.diagnose import diagnose

    inst = make_instance(
        np.ones((2, 3)), np.ones(2), 2, groups=["a", "a", "a"], max_per_group=1
    )
    monkeypatch.setitem(mip.HANDOVER_S_PER_PAIR, "highs", 1.0)
    monkeypatch.setattr(mip, "build_model", _no_build)
    message = diagnose(inst, "highs", budget_s=2.0)
    assert "ran out of time" in message
    assert "at most 1 site(s) per group" in message and "exactly p=2" in message
