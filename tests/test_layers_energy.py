import pandas as pd
import pytest

from siting.layers.energy import energy_layer
from siting.layers.facility import capital_recovery_factor, it_power_mw
from siting.scenario import load_scenario


def _frames(price=100.0, carbon=200.0):
    candidates = pd.DataFrame(
        {"country": ["AA"]}, index=pd.Index(["s"], name="site_id")
    )
    countries = pd.DataFrame(
        {"price_eur_per_mwh": [price], "carbon_g_per_kwh": [carbon]},
        index=pd.Index(["AA"], name="country"),
    )
    return candidates, countries


def test_hand_computed_site():
    scenario = load_scenario(energy__carbon_price_eur_per_t=80.0)
    candidates, countries = _frames()
    row = energy_layer(candidates, countries, pd.Series({"s": 1.1}), scenario).loc["s"]
    # 100,000 x 1,667 W x 1.12 = 186.704 MW IT; x 1.1 PUE = 205.3744 MW
    assert it_power_mw(scenario.facility) == pytest.approx(186.704)
    assert row["power_mw"] == pytest.approx(205.3744)
    energy = 205.3744 * 8760 * 0.8
    assert row["energy_mwh_per_year"] == pytest.approx(energy)
    assert row["electricity_eur_per_year"] == pytest.approx(energy * 100)
    assert row["carbon_t_per_year"] == pytest.approx(energy * 200 / 1000)
    assert row["carbon_eur_per_year"] == pytest.approx(energy * 0.2 * 80)


@pytest.mark.parametrize("price", [0.5, 50.0, 120.0, 300.0])
def test_a_higher_price_never_lowers_energy_cost(price):
    scenario = load_scenario()
    pue = pd.Series({"s": 1.2})
    low = energy_layer(*_frames(price=price), pue, scenario)
    high = energy_layer(*_frames(price=price * 1.01), pue, scenario)
    assert (high["electricity_eur_per_year"] >= low["electricity_eur_per_year"]).all()


def test_capital_recovery_factor():
    scenario = load_scenario(facility__discount_rate=0.0, facility__lifetime_years=20)
    assert capital_recovery_factor(scenario.facility) == pytest.approx(0.05)
    scenario = load_scenario(facility__discount_rate=0.06, facility__lifetime_years=25)
    assert capital_recovery_factor(scenario.facility) == pytest.approx(
        0.0782267, rel=1e-5
    )
