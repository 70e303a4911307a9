"""Monte Carlo robustness on the tiny dataset: laws that must hold for any draw."""

import numpy as np
import pandas as pd
import pytest

from siting.analysis import robustness, write_robustness
from siting.analysis.robustness import draw_factors, perturb_scenario
from siting.errors import InputError
from siting.run import optimise, prepare
from siting.scenario import load_scenario

FIXED = {"distribution": "normal", "spread": 0.0}


@pytest.fixture
def inputs(tiny_scenario):
    return prepare(tiny_scenario)


def test_zero_uncertainty_gives_the_nominal_portfolio_every_time(tiny_dir):
    scenario = load_scenario(
        data__dir=str(tiny_dir),
        selection__sites=3,
        uncertainty__electricity_price=FIXED,
        uncertainty__carbon_adder={"distribution": "triangular", "spread": 0.0},
        uncertainty__pue_overhead={"distribution": "uniform", "spread": 0.0},
        uncertainty__researchers=FIXED,
    )
    result = robustness(prepare(scenario), 4, serial=True)
    nominal = set(optimise(scenario).selection.index)
    assert (result.factors == 1.0).all().all()
    assert set(result.samples["site_ids"].str.split(";").map(frozenset)) == {
        frozenset(nominal)
    }
    share = result.frequency["selected_share"]
    assert set(share[share > 0].index) == nominal
    assert (share[list(nominal)] == 1.0).all()
    assert result.summary["nominal"]["share_optimal"] == 1.0
    assert result.summary["nominal"]["regret_eur_per_year"]["max"] == 0.0
    assert len(result.portfolios) == 1


def test_seeded_runs_repeat_and_other_seeds_differ(inputs):
    first = robustness(inputs, 6, serial=True)
    again = robustness(inputs, 6, serial=True)
    other = robustness(inputs, 6, seed=7, serial=True)
    pd.testing.assert_frame_equal(first.factors, again.factors)
    pd.testing.assert_frame_equal(first.samples, again.samples)
    pd.testing.assert_frame_equal(first.portfolios, again.portfolios)
    assert not np.allclose(first.factors.to_numpy(), other.factors.to_numpy())
    assert first.summary["seed"] == inputs.scenario.uncertainty.seed
    assert other.summary["seed"] == 7


def test_factors_follow_the_declared_distributions(inputs):
    factors = draw_factors(inputs, 2000, seed=1)
    spec = inputs.scenario.uncertainty
    price = factors.filter(like="price_").to_numpy()
    low, high = 1 - spec.electricity_price.spread, 1 + spec.electricity_price.spread
    assert price.min() >= low and price.max() <= high
    assert price.mean() == pytest.approx(1.0, abs=0.01)
    pue = factors["pue_overhead"]
    assert pue.min() >= 1 - spec.pue_overhead.spread
    assert pue.max() <= 1 + spec.pue_overhead.spread
    researchers = factors.filter(like="researchers_").to_numpy()
    assert researchers.min() > 0
    assert researchers.std() == pytest.approx(spec.researchers.spread, rel=0.05)
    assert list(factors.filter(like="price_").columns) == [
        "price_DE",
        "price_ES",
        "price_FI",
        "price_FR",
        "price_SE",
    ]


def test_a_sample_changes_exactly_the_declared_inputs(inputs):
    scenario = inputs.scenario.with_overrides({"energy.carbon_adder_eur_per_t": 20.0})
    factors = {"carbon_adder": 1.5, "pue_overhead": 0.5, "price_SE": 2.0}
    varied = perturb_scenario(scenario, inputs.dataset, factors)
    assert varied.energy.carbon_adder_eur_per_t == pytest.approx(30.0)
    liquid = scenario.cooling.liquid
    assert scenario.cooling.technology == "liquid"
    assert varied.cooling.liquid.pue_free == pytest.approx(
        1 + (liquid.pue_free - 1) * 0.5
    )
    assert varied.cooling.liquid.pue_mechanical == pytest.approx(
        1 + (liquid.pue_mechanical - 1) * 0.5
    )
    assert varied.cooling.air == scenario.cooling.air
    assert varied.country_overrides == {}  # the band price is not used: untouched
    # every bidding zone of Sweden, and no other, has its wholesale price doubled
    zones = inputs.dataset.bidding_zones
    assert set(varied.zone_overrides) == set(zones.index[zones["country"] == "SE"])
    for zone, override in varied.zone_overrides.items():
        nominal = zones.at[zone, "wholesale_eur_per_mwh"]
        assert override.wholesale_eur_per_mwh == pytest.approx(2 * nominal)


def test_with_the_band_basis_a_sample_scales_the_band_price_too(inputs):
    scenario = inputs.scenario.with_overrides({"energy.price_basis": "band"})
    varied = perturb_scenario(
        scenario, inputs.dataset, {"carbon_adder": 1, "pue_overhead": 1, "price_SE": 2}
    )
    price = inputs.dataset.countries.loc["SE", "price_eur_per_mwh"]
    assert varied.country_overrides["SE"].price_eur_per_mwh == pytest.approx(2 * price)
    assert set(varied.country_overrides) == {"SE"}


def test_regrets_and_the_least_worst_regret_portfolio(inputs):
    result = robustness(inputs, 12, serial=True)
    portfolios = result.portfolios
    assert (portfolios["max_regret_eur_per_year"] >= 0).all()
    assert portfolios["times_optimal"].sum() == 12
    best = portfolios.iloc[0]
    assert best["least_worst_regret"] and portfolios["least_worst_regret"].sum() == 1
    assert (
        best["max_regret_eur_per_year"] == portfolios["max_regret_eur_per_year"].min()
    )
    nominal = portfolios[portfolios["nominal"]].iloc[0]
    regret = result.samples["nominal_regret_eur_per_year"]
    assert regret.max() == pytest.approx(nominal["max_regret_eur_per_year"])
    # the nominal portfolio has no regret exactly in the samples where it is optimal,
    # and elsewhere none below zero (a tie with the sample's optimum is ~0)
    optimal_here = result.samples["site_ids"] == nominal["site_ids"]
    assert (regret[optimal_here] == 0).all()
    scale = 1e-9 * result.samples["objective_eur_per_year"].abs()
    assert (regret[~optimal_here] >= -scale[~optimal_here]).all()
    share = result.frequency["selected_share"]
    assert share.sum() == pytest.approx(3.0)


def test_dask_equals_serial(inputs):
    serial = robustness(inputs, 6, serial=True)
    on_dask = robustness(inputs, 6, workers=2)
    for name in ("factors", "samples", "frequency", "portfolios"):
        pd.testing.assert_frame_equal(getattr(serial, name), getattr(on_dask, name))
    assert serial.summary == on_dask.summary


def test_outputs_are_written(tmp_path, inputs):
    result = robustness(inputs, 3, serial=True)
    written = write_robustness(result, tmp_path / "out", force=False)
    assert sorted(p.name for p in written) == [
        "factors.csv",
        "portfolios.csv",
        "report.md",
        "robustness.json",
        "samples.csv",
        "site_frequency.csv",
    ]
    samples = pd.read_csv(tmp_path / "out" / "samples.csv", index_col="sample")
    assert list(samples.index) == [0, 1, 2]
    report = (tmp_path / "out" / "report.md").read_text()
    assert ", ".join(result.summary["nominal"]["site_ids"]) in report
    for site_id in result.frequency.index[result.frequency["selected_share"] > 0]:
        assert f"| {site_id} |" in report


def test_no_samples_is_refused(inputs):
    with pytest.raises(InputError, match="samples must be at least 1"):
        robustness(inputs, 0, serial=True)
