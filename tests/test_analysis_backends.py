"""Every analysis solves with the backend the scenario names (one resolver for all)."""

from __future__ import annotations

import pytest

from siting.analysis import alternatives, objectives, pareto_front, robustness
from siting.run import optimise, prepare
from siting.scenario import load_scenario
from siting.solve import mip, pmedian, resolve_backend
from tests.conftest import TINY

ANALYSES = {
    "optimise with explanations": lambda inputs: optimise(inputs.scenario),
    "pareto": lambda inputs: pareto_front(inputs, resolution_ms=0.5),
    "pareto with carbon": lambda inputs: pareto_front(
        inputs, with_carbon=True, resolution_ms=2.0, resolution_t=1e5
    ),
    "alternatives": lambda inputs: alternatives(inputs, 3),
    "robustness": lambda inputs: robustness(inputs, 2, serial=True),
}


@pytest.fixture
def calls(monkeypatch):
    """Record which backend each solve ran: the fast path or the MIP (and which)."""
    seen: list[str] = []
    real_fast, real_run = pmedian.solve_fast_checked, mip.run

    def fast(*args, **kwargs):
        seen.append("fast")
        return real_fast(*args, **kwargs)

    def run(model, backend, *args, **kwargs):
        seen.append(backend)
        return real_run(model, backend, *args, **kwargs)

    monkeypatch.setattr(pmedian, "solve_fast_checked", fast)
    monkeypatch.setattr(mip, "run", run)
    monkeypatch.setattr(objectives, "run_model", run)
    return seen


@pytest.mark.parametrize("solver", ["fast", "highs", "cbc"])
@pytest.mark.parametrize("name", sorted(ANALYSES))
def test_each_analysis_runs_the_named_backend(name, solver, calls):
    scenario = load_scenario(
        data__dir=str(TINY), selection__sites=2, solver__name=solver
    )
    inputs = prepare(scenario)
    ANALYSES[name](inputs)
    assert calls, "the analysis solved nothing"
    if name == "pareto with carbon":
        # a bound on carbon needs the MIP: 'fast' means HiGHS's MIP there
        expected = {resolve_backend(solver, mip_only=True)}
    else:
        expected = {solver}
    assert set(calls) == expected


def test_fast_and_auto_mean_highs_for_mip_only_work():
    assert resolve_backend("fast", mip_only=True) == "highs"
    assert resolve_backend("auto", mip_only=True) == "highs"
    assert resolve_backend("cbc", mip_only=True) == "cbc"
    assert resolve_backend("auto") == "fast"


def test_the_mip_refuses_a_backend_it_does_not_have():
    from siting.errors import SolverError
    from siting.solve import FAMILIES, build_model, make_instance

    model = build_model(make_instance([[1.0, 2.0]], [1.0], 1), FAMILIES)
    with pytest.raises(SolverError, match="'highs' or 'cbc'"):
        mip.run(model, "fast", None, None)
