"""docs/model.md works three sites through every formula; the code must agree.

es-barcelona walks through the cooling model, se-lulea (SE1) and it-grottaglie
(IT-SUD) through the price a very large buyer pays in its bidding zone (issue 15).
"""

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
SITES = ("es-barcelona", "se-lulea", "it-grottaglie")

#: A quantity of the doc's tables -> the site-table column it must equal.
COLUMNS = {
    "PUE": "pue",
    "water (m3/yr)": "water_m3_per_year",
    "water cost (EUR/yr)": "water_eur_per_year",
    "wholesale (EUR/MWh)": "wholesale_eur_per_mwh",
    "network (EUR/MWh)": "network_eur_per_mwh",
    "levies (EUR/MWh)": "levies_eur_per_mwh",
    "taxes (EUR/MWh)": "taxes_eur_per_mwh",
    "price (EUR/MWh)": "price_eur_per_mwh",
    "ETS cost inside the price (EUR/MWh)": "ets_in_price_eur_per_mwh",
    "facility power (MW)": "power_mw",
    "energy (MWh/yr)": "energy_mwh_per_year",
    "electricity (EUR/yr)": "electricity_eur_per_year",
    "emissions (tCO2/yr)": "carbon_t_per_year",
    "carbon cost (EUR/yr)": "carbon_eur_per_year",
    "grid capacity (MW)": "grid_capacity_mw",
    "shortfall (MW)": "grid_shortfall_mw",
    "connection capex (EUR)": "grid_capex_eur",
    "grid cost (EUR/yr)": "grid_eur_per_year",
    "ready year": "grid_ready_year",
    "site size (MW)": "site_max_mw",
    "fibre (km)": "fibre_km",
    "fibre cost (EUR/yr)": "fibre_eur_per_year",
    "construction capex (EUR)": "construction_capex_eur",
    "capex cost (EUR/yr)": "capex_eur_per_year",
    "annual cost (EUR/yr)": "annual_cost_eur",
}


def _doc_values() -> dict[str, dict[str, float]]:
    """The value column of every table, by section ("" before the first site)."""
    values: dict[str, dict[str, float]] = {"": {}}
    section = ""
    for line in DOC.read_text().splitlines():
        heading = re.match(r"## Worked example: `([\w-]+)`", line)
        if heading:
            section = heading.group(1)
            values[section] = {}
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[\d,.]+", cells[2]):
            values[section][cells[0]] = float(cells[2].replace(",", ""))
    return values


@pytest.fixture(scope="module")
def table():
    scenario = load_scenario()
    return scenario, site_table(load_data(scenario), scenario)


def test_the_facility_table(table):
    scenario, _ = table
    doc = _doc_values()[""]
    assert doc["IT power (MW)"] == pytest.approx(it_power_mw(scenario.facility))
    assert doc["IT energy (MWh/yr)"] == pytest.approx(
        it_energy_mwh_per_year(scenario.facility)
    )
    assert doc["capital recovery factor"] == pytest.approx(
        capital_recovery_factor(scenario.facility), rel=1e-6
    )


@pytest.mark.parametrize("site_id", SITES)
def test_the_code_gives_the_numbers_of_each_worked_example(table, site_id):
    _, sites = table
    row = sites.loc[site_id]
    doc = _doc_values()[site_id]
    checked = [name for name in doc if name in COLUMNS]
    assert "annual cost (EUR/yr)" in checked and "price (EUR/MWh)" in checked
    unknown = set(doc) - set(COLUMNS) - {"air free-cooling share", "liquid loop PUE"}
    assert not unknown - {"air loop PUE"}, sorted(unknown)
    for name in checked:
        assert doc[name] == pytest.approx(
            float(row[COLUMNS[name]]), rel=1e-5, abs=1e-6
        ), (site_id, name)


def test_the_two_price_examples_are_in_their_bidding_zones(table):
    _, sites = table
    assert sites.at["se-lulea", "bidding_zone"] == "SE1"
    assert sites.at["it-grottaglie", "bidding_zone"] == "IT-SUD"
    # the same country, another zone, another price: SE1 against SE4
    assert sites.at["se-barseback-nuclear", "bidding_zone"] == "SE4"
    assert (
        sites.at["se-barseback-nuclear", "price_eur_per_mwh"]
        > sites.at["se-lulea", "price_eur_per_mwh"] + 40
    )


def test_the_air_loop_share_of_the_worked_example(table):
    scenario, sites = table
    row = sites.loc["es-barcelona"]
    station = load_data(scenario).climate.loc[row["climate_station"]]
    monthly = station[list(MONTH_COLUMNS)].to_numpy(float)
    cooling = scenario.cooling
    share = free_cooling_share(
        monthly, cooling.air.free_cooling_max_c, cooling.daily_swing_c
    )
    doc = _doc_values()["es-barcelona"]
    assert doc["air free-cooling share"] == pytest.approx(share[0], abs=1e-6)
    assert row["free_cooling_hours"] == pytest.approx(8760.0)  # liquid loop always free
