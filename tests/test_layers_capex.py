"""The capital-cost layer: construction by country, land where known, annualised."""

import numpy as np
import pandas as pd
import pytest

from siting.layers.capex import capex_layer
from siting.layers.facility import capital_recovery_factor, it_power_mw
from siting.layers.table import COST_PARTS, site_table
from siting.run import load_data
from siting.scenario import load_scenario

COUNTRIES = pd.DataFrame(
    {"capex_eur_per_mw_it": [8.88e6, 1.022e7], "land_eur_per_ha": [290000.0, np.nan]},
    index=pd.Index(["ES", "DE"], name="country"),
)
SITES = pd.DataFrame(
    {"country": ["ES", "DE"]}, index=pd.Index(["es-a", "de-b"], name="site_id")
)
POWER = pd.Series([205.0, 210.0], index=SITES.index)


def test_construction_is_it_power_times_the_country_cost():
    scenario = load_scenario()
    table = capex_layer(SITES, COUNTRIES, POWER, scenario)
    it_mw = it_power_mw(scenario.facility)
    assert table.loc["es-a", "construction_capex_eur"] == pytest.approx(it_mw * 8.88e6)
    assert table.loc["de-b", "construction_capex_eur"] == pytest.approx(it_mw * 1.022e7)
    crf = capital_recovery_factor(scenario.facility)
    assert table["capex_eur_per_year"].to_numpy() == pytest.approx(
        table["capex_eur"].to_numpy() * crf
    )
    # land is off by default: the capex is the construction alone
    assert (table["land_capex_eur"] == 0).all()
    assert table["capex_eur"].tolist() == table["construction_capex_eur"].tolist()


def test_land_counts_only_where_its_price_is_known():
    scenario = load_scenario(capex__include_land=True, capex__land_ha_per_mw=0.2)
    table = capex_layer(SITES, COUNTRIES, POWER, scenario)
    assert table.loc["es-a", "land_ha"] == pytest.approx(41.0)
    assert table.loc["es-a", "land_capex_eur"] == pytest.approx(41.0 * 290000.0)
    assert table.loc["de-b", "land_capex_eur"] == 0.0
    assert np.isnan(table.loc["de-b", "land_eur_per_ha"])


def test_capex_is_a_part_of_every_site_s_annual_cost():
    scenario = load_scenario()
    table = site_table(load_data(scenario), scenario)
    assert "capex" in COST_PARTS
    parts = table[[f"{layer}_cost_eur_per_year" for layer in COST_PARTS]].sum(axis=1)
    np.testing.assert_allclose(parts, table["annual_cost_eur"], rtol=1e-12)
    # the dearest and cheapest construction markets differ by a large factor
    per_mw = table.groupby("country")["capex_eur_per_mw_it"].first()
    assert per_mw.max() / per_mw.min() > 1.5
    assert per_mw["GR"] == per_mw.min()
