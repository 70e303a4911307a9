"""docs/model.md works es-barcelona through every formula; the code must agree."""

import re

import pytest

from siting.data import MONTH_COLUMNS
from siting.layers.cooling import free_cooling_share
from siting.layers.facility import (
    capital_recovery_factor,
    it_energy_mwh_per_year,
    it_power_mw,
)
from siting.layers.table import site_table
from siting.run import load_data
from siting.scenario import load_scenario
from tests.conftest import ROOT

DOC = ROOT / "docs" / "model.md"


def _doc_values() -> dict[str, float]:
    values = {}
    for line in DOC.read_text().splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[\d,.]+", cells[2]):
            values[cells[0]] = float(cells[2].replace(",", ""))
    return values


@pytest.fixture(scope="module")
def barcelona():
    scenario = load_scenario()
    return scenario, site_table(load_data(scenario), scenario).loc["es-barcelona"]


def test_the_code_gives_the_numbers_of_the_worked_example(barcelona):
    scenario, row = barcelona
    doc = _doc_values()
    expected = {
        "IT power (MW)": it_power_mw(scenario.facility),
        "IT energy (MWh/yr)": it_energy_mwh_per_year(scenario.facility),
        "capital recovery factor": capital_recovery_factor(scenario.facility),
        "PUE": row["pue"],
        "water (m3/yr)": row["water_m3_per_year"],
        "water cost (EUR/yr)": row["water_eur_per_year"],
        "facility power (MW)": row["power_mw"],
        "energy (MWh/yr)": row["energy_mwh_per_year"],
        "electricity (EUR/yr)": row["electricity_eur_per_year"],
        "emissions (tCO2/yr)": row["carbon_t_per_year"],
        "carbon cost (EUR/yr)": row["carbon_eur_per_year"],
        "grid capacity (MW)": row["grid_capacity_mw"],
        "shortfall (MW)": row["grid_shortfall_mw"],
        "ready year": row["grid_ready_year"],
        "connection capex (EUR)": row["grid_capex_eur"],
        "grid cost (EUR/yr)": row["grid_eur_per_year"],
        "fibre (km)": row["fibre_km"],
        "fibre cost (EUR/yr)": row["fibre_eur_per_year"],
        "construction capex (EUR)": row["construction_capex_eur"],
        "capex cost (EUR/yr)": row["capex_eur_per_year"],
        "annual cost (EUR/yr)": row["annual_cost_eur"],
    }
    assert set(expected) <= set(doc), sorted(set(expected) - set(doc))
    for name, value in expected.items():
        assert doc[name] == pytest.approx(value, rel=1e-5, abs=1e-6), name


def test_the_air_loop_share_of_the_worked_example(barcelona):
    scenario, row = barcelona
    station = load_data(scenario).climate.loc[row["climate_station"]]
    monthly = station[list(MONTH_COLUMNS)].to_numpy(float)
    cooling = scenario.cooling
    share = free_cooling_share(
        monthly, cooling.air.free_cooling_max_c, cooling.daily_swing_c
    )
    assert _doc_values()["air free-cooling share"] == pytest.approx(share[0], abs=1e-6)
    assert row["free_cooling_hours"] == pytest.approx(8760.0)  # liquid loop always free
