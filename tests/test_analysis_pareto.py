"""The Pareto front against brute force on the tiny dataset and on subsets of the
packaged data, and its files."""

import dataclasses

import numpy as np
import pandas as pd
import pytest

from siting.analysis import pareto_front, write_pareto
from siting.analysis.dominance import without_dominated
from siting.run import Inputs, optimise, prepare
from siting.scenario import load_scenario
from siting.solve import make_instance
from tests.brute import all_portfolios, non_dominated

VARIANTS = [
    {"selection__sites": 3},
    {"selection__sites": 2, "selection__per_country": 2},
    {"selection__sites": 4, "selection__per_country": 2},
]


def _inputs(tiny_dir, **overrides):
    return prepare(load_scenario(data__dir=str(tiny_dir), **overrides))


def _positions(inputs, front):
    ids = inputs.problem.site_ids
    return {tuple(sorted(ids.index(s) for s in row.split(";"))) for row in front}


def _values(front, names):
    return front[list(names)].to_numpy()


@pytest.mark.parametrize("overrides", VARIANTS)
@pytest.mark.parametrize("with_carbon", [False, True])
def test_front_is_exactly_the_brute_force_non_dominated_set(
    tiny_dir, overrides, with_carbon
):
    inputs = _inputs(tiny_dir, **overrides)
    front = pareto_front(inputs, with_carbon=with_carbon)
    names = ("cost", "mean_rtt", "carbon")[: 3 if with_carbon else 2]
    expected = non_dominated(all_portfolios(inputs), names)
    assert _positions(inputs, front["site_ids"]) == {p.selected for p in expected}
    assert len(front) == len(
        {tuple(round(getattr(p, n), 6) for n in names) for p in expected}
    )


@pytest.mark.parametrize("with_carbon", [False, True])
def test_no_point_dominates_another(tiny_dir, with_carbon):
    front = pareto_front(_inputs(tiny_dir, selection__sites=3), with_carbon=with_carbon)
    columns = ["cost_eur_per_year", "mean_rtt_ms"]
    if with_carbon:
        columns.append("carbon_t_per_year")
    values = _values(front, columns)
    for k, row in enumerate(values):
        others = np.delete(values, k, axis=0)
        dominated = (others <= row).all(axis=1) & (others < row).any(axis=1)
        assert not dominated.any(), front.iloc[k]
    assert (front["status"] == "optimal").all()


@pytest.mark.parametrize("overrides", VARIANTS)
def test_end_points_are_the_single_objective_optima(tiny_dir, overrides):
    inputs = _inputs(tiny_dir, **overrides)
    front = pareto_front(inputs)
    everything = all_portfolios(inputs)
    cheapest = min(everything, key=lambda p: (p.cost, p.mean_rtt))
    fastest = min(everything, key=lambda p: (p.mean_rtt, p.cost))
    first, last = front.iloc[0], front.iloc[-1]
    assert first["end"] == "min_cost"
    assert first["cost_eur_per_year"] == pytest.approx(cheapest.cost, rel=1e-12)
    assert first["mean_rtt_ms"] == pytest.approx(cheapest.mean_rtt, rel=1e-12)
    assert last["end"] == "min_latency"
    assert last["mean_rtt_ms"] == pytest.approx(fastest.mean_rtt, rel=1e-12)
    assert last["cost_eur_per_year"] == pytest.approx(fastest.cost, rel=1e-12)
    assert set(front["end"].iloc[1:-1]) <= {""}
    # cheaper points are slower: the front is a staircase
    assert front["cost_eur_per_year"].is_monotonic_increasing
    assert front["mean_rtt_ms"].is_monotonic_decreasing


def test_scenario_optimum_is_the_front_point_with_the_least_objective(tiny_scenario):
    front = pareto_front(prepare(tiny_scenario))
    result = optimise(tiny_scenario)
    best = front.loc[front["objective_eur_per_year"].idxmin()]
    assert best["objective_eur_per_year"] == pytest.approx(
        result.solution.objective, rel=1e-9
    )
    assert set(best["site_ids"].split(";")) == set(result.selection.index)


def test_write_pareto_writes_csv_and_png(tmp_path, tiny_scenario):
    front = pareto_front(prepare(tiny_scenario))
    written = write_pareto(front, tmp_path / "out", force=False)
    assert [p.name for p in written] == ["pareto.csv", "pareto.png"]
    back = pd.read_csv(tmp_path / "out" / "pareto.csv", index_col="point")
    pd.testing.assert_frame_equal(back.fillna(""), front, check_dtype=False)
    assert (tmp_path / "out" / "pareto.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def packaged() -> Inputs:
    return prepare(load_scenario())


def _subset(inputs, step, p, per_country):
    """The packaged problem with every ``step``-th candidate allowed."""
    problem = inputs.problem
    kept = set(range(0, len(problem.site_ids), step))
    excluded = set(range(len(problem.site_ids))) - kept | set(problem.excluded)
    inst = problem.instance
    subset = make_instance(
        inst.cost,
        inst.weights,
        p,
        fixed_cost=inst.fixed_cost,
        groups=problem.groups,
        max_per_group=per_country,
        max_cost=inst.max_cost,
        incompatible=problem.incompatible,
        forced=problem.forced,
        excluded=sorted(excluded),
    )
    problem = dataclasses.replace(problem, instance=subset)
    return dataclasses.replace(inputs, problem=problem)


@pytest.mark.parametrize(
    ("step", "p", "per_country"), [(5, 3, 1), (6, 3, 2), (7, 4, 1)]
)
def test_front_of_packaged_subsets_is_the_brute_force_set(
    packaged, step, p, per_country
):
    # 26 to 37 real candidates: thousands of portfolios, fronts of 7 to 18 points
    # with unsupported points between the supported ones
    inputs = _subset(packaged, step, p, per_country)
    front = pareto_front(inputs)
    expected = non_dominated(all_portfolios(inputs), ("cost", "mean_rtt"))
    assert _positions(inputs, front["site_ids"]) == {p.selected for p in expected}
    assert len(front) == len(expected)
    assert (front["status"] == "optimal").all()


def test_coarse_resolution_misses_only_points_within_it(packaged):
    inputs = _subset(packaged, 6, 3, 2)
    exact = pareto_front(inputs)
    # just above the smallest latency step between two adjacent points (the fastest
    # end is always found, so the last step does not count)
    steps = -np.diff(exact["mean_rtt_ms"].to_numpy())[:-1]
    resolution = 1.01 * float(steps.min())
    front = pareto_front(inputs, resolution_ms=resolution)
    assert len(front) < len(exact)
    assert front.iloc[0]["site_ids"] == exact.iloc[0]["site_ids"]
    assert front.iloc[-1]["site_ids"] == exact.iloc[-1]["site_ids"]
    # every exact point the coarse front skipped beats a point it kept, which costs
    # no more, by less than the resolution
    kept = list(front[["cost_eur_per_year", "mean_rtt_ms"]].itertuples(index=False))
    missed = exact[~exact["site_ids"].isin(front["site_ids"])]
    assert len(missed) == len(exact) - len(front)
    for _, point in missed.iterrows():
        assert any(
            cost <= point["cost_eur_per_year"]
            and rtt - point["mean_rtt_ms"] < resolution
            for cost, rtt in kept
        ), point["site_ids"]


def test_sites_beaten_within_their_country_are_left_out_and_the_front_holds(packaged):
    # every third candidate, one per country: one site is beaten by a rival of its
    # country on cost and on every hub's RTT, so the search leaves it out
    inputs = _subset(packaged, 3, 3, 1)
    inst = inputs.problem.instance
    reduced = without_dominated(inst)
    dropped = sorted(set(reduced.excluded) - set(inst.excluded))
    assert dropped
    rtt = inst.cost
    for i in dropped:
        rivals = [
            k
            for k in inst.allowed_sites().nonzero()[0]
            if k != i
            and inst.group_codes[k] == inst.group_codes[i]
            and inst.fixed_cost[k] <= inst.fixed_cost[i]
            and (rtt[:, k] <= rtt[:, i]).all()
        ]
        assert rivals, i
    front = pareto_front(inputs)
    expected = non_dominated(all_portfolios(inputs), ("cost", "mean_rtt"))
    assert _positions(inputs, front["site_ids"]) == {p.selected for p in expected}


def test_only_a_swap_that_keeps_every_rule_makes_a_site_dominated():
    cost = np.array([[1.0, 1.0, 2.0, 5.0], [3.0, 2.0, 1.5, 5.0]])
    weights = np.ones(2)
    base = {"fixed_cost": [10.0, 9.0, 9.0, 1.0], "groups": [0, 0, 0, 1]}

    def dropped(**opts):
        inst = make_instance(cost, weights, 2, **(base | opts))
        return sorted(set(without_dominated(inst).excluded) - set(inst.excluded))

    # site 1 beats site 0 (cheaper, no slower); site 2, as cheap as 1, is slower
    # for hub 0 and faster for hub 1
    assert dropped(max_per_group=1) == [0]
    # two per country: the portfolio {0, 1} has no swap
    assert dropped(max_per_group=2) == []
    # the rival in an incompatible pair, or the site forced: left alone; the site
    # itself in a pair: the swap keeps the pair apart
    assert dropped(max_per_group=1, incompatible=[(1, 3)]) == []
    assert dropped(max_per_group=1, forced=[0]) == []
    assert dropped(max_per_group=1, incompatible=[(0, 3)]) == [0]
    # an exact twin: the lower index stays
    twin = make_instance(
        cost[:, [1, 1, 3]],
        weights,
        2,
        fixed_cost=[9.0, 9.0, 1.0],
        groups=[0, 0, 1],
        max_per_group=1,
    )
    assert without_dominated(twin).excluded.tolist() == [1]
