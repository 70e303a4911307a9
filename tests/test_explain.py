"""Each chosen site's cost breakdown and regret (computed by the run), against
brute force."""

import numpy as np
import pytest

from siting.explain import EXPLAIN_COLUMNS
from siting.run import optimise, prepare
from siting.scenario import load_scenario
from tests.brute import all_portfolios


@pytest.mark.parametrize(
    "overrides",
    [{"selection__sites": 3}, {"selection__sites": 2, "selection__per_country": 2}],
)
def test_regret_is_the_rise_of_the_optimum_without_the_site(tiny_dir, overrides):
    scenario = load_scenario(data__dir=str(tiny_dir), **overrides)
    result = optimise(scenario)
    table = result.explanations
    inputs = prepare(scenario)
    ids = inputs.problem.site_ids
    assert list(table.columns) == list(EXPLAIN_COLUMNS)
    assert list(table.index) == list(result.selection.index)
    for site_id, row in table.iterrows():
        without = min(
            all_portfolios(inputs, excluded=[ids.index(site_id)]),
            key=lambda p: p.objective,
        )
        assert row["objective_without_eur_per_year"] == pytest.approx(
            without.objective, rel=1e-9
        )
        assert row["regret_eur_per_year"] == pytest.approx(
            without.objective - result.solution.objective, rel=1e-6, abs=1e-3
        )
        assert row["regret_eur_per_year"] >= 0
        entering = {ids[i] for i in without.selected} - set(result.selection.index)
        assert set(row["replacement_site_id"].split(";")) == entering


def test_cost_parts_and_latency_add_up_to_the_objective(tiny_scenario):
    result = optimise(tiny_scenario)
    table = result.explanations
    parts = [
        "electricity_eur_per_year",
        "carbon_eur_per_year",
        "grid_eur_per_year",
        "water_eur_per_year",
        "fibre_eur_per_year",
        "capex_eur_per_year",
    ]
    assert table[parts].sum(axis=1).to_numpy() == pytest.approx(
        table["annual_cost_eur"].to_numpy(), rel=1e-12
    )
    total = table["annual_cost_eur"].sum() + table["latency_eur_per_year"].sum()
    assert total == pytest.approx(result.solution.objective, rel=1e-12)
    assert table["researchers_served"].sum() == pytest.approx(
        result.hubs["researchers"].sum(), rel=1e-12
    )


def test_a_forced_site_has_no_regret(tiny_dir):
    scenario = load_scenario(
        data__dir=str(tiny_dir), selection__sites=3, selection__forced=["de-julich"]
    )
    table = optimise(scenario).explanations
    assert np.isnan(table.loc["de-julich", "regret_eur_per_year"])
    assert table.loc["de-julich", "replacement_site_id"] == ""
    others = table.drop(index="de-julich")
    assert np.isfinite(others["regret_eur_per_year"]).all()


def test_a_run_without_explanations_has_none(tiny_scenario):
    result = optimise(tiny_scenario, explanations=False)
    assert result.explanations is None and result.swaps is None
    assert "explain" not in result.timings_s
