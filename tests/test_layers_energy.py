"""The energy layer: the zonal price of a very large buyer, its parts, the PPA and band
bases, carbon counted once, zone overrides and zone assignment (issue 15)."""

import shutil

import numpy as np
import pandas as pd
import pytest

from siting.errors import InputError
from siting.layers.energy import energy_layer
from siting.layers.facility import capital_recovery_factor, it_power_mw
from siting.layers.table import site_table
from siting.run import load_data
from siting.scenario import load_scenario
from tests.conftest import TINY

ZONES = pd.DataFrame(
    {"wholesale_eur_per_mwh": [15.0, 60.0], "country": ["SE", "SE"]},
    index=pd.Index(["SE1", "SE4"], name="zone"),
)
COUNTRIES = pd.DataFrame(
    {
        "price_eur_per_mwh": [85.0],
        "transmission_eur_per_mwh": [8.0],
        "levies_eur_per_mwh": [2.0],
        "taxes_eur_per_mwh": [40.0],
    },
    index=pd.Index(["SE"], name="country"),
)
CARBON = pd.DataFrame(
    {"carbon_g_per_kwh": [15.0, 37.0, 21.0], "country": ["SE", "SE", "SE"]},
    index=pd.Index(["SE1", "SE4", "SE"], name="area"),
)
PPA = pd.DataFrame(
    {
        "country": ["EU", "SE"],
        "technology": ["composite", "wind"],
        "price_eur_per_mwh": [45.0, 30.0],
    }
)
SITES = pd.DataFrame(
    {"country": ["SE", "SE"], "bidding_zone": ["SE1", "SE4"]},
    index=pd.Index(["north", "south"], name="site_id"),
)
PUE = pd.Series({"north": 1.1, "south": 1.1})


def _layer(scenario, zones=ZONES):
    return energy_layer(SITES, COUNTRIES, zones, CARBON, PPA, PUE, scenario)


def test_the_zonal_price_is_wholesale_plus_network_levies_and_taxes_by_hand():
    scenario = load_scenario()
    table = _layer(scenario)
    north = table.loc["north"]
    assert north["price_eur_per_mwh"] == pytest.approx(15 + 8 + 2 + 40)
    assert table.loc["south", "price_eur_per_mwh"] == pytest.approx(60 + 8 + 2 + 40)
    # 100,000 x 1,667 W x 1.12 = 186.704 MW IT; x 1.1 PUE = 205.3744 MW
    assert it_power_mw(scenario.facility) == pytest.approx(186.704)
    assert north["power_mw"] == pytest.approx(205.3744)
    energy = 205.3744 * 8760 * 0.8
    assert north["energy_mwh_per_year"] == pytest.approx(energy)
    assert north["electricity_eur_per_year"] == pytest.approx(energy * 65)
    assert north["band_price_eur_per_mwh"] == 85.0
    assert np.isnan(north["ppa_eur_per_mwh"])


def test_carbon_is_counted_once_through_the_ets_and_an_explicit_adder():
    scenario = load_scenario()
    north = _layer(scenario).loc["north"]
    assert north["carbon_g_per_kwh"] == 15.0  # the zone's, not the country's 21
    energy = north["energy_mwh_per_year"]
    assert north["carbon_t_per_year"] == pytest.approx(energy * 15 / 1000)
    assert scenario.energy.carbon_adder_eur_per_t == 0.0
    assert north["carbon_eur_per_year"] == 0.0
    ets = scenario.energy.ets_price_eur_per_t
    assert north["ets_in_price_eur_per_mwh"] == pytest.approx(ets * 15 / 1000)
    priced = _layer(load_scenario(energy__carbon_adder_eur_per_t=50.0)).loc["north"]
    assert priced["carbon_eur_per_year"] == pytest.approx(energy * 15 / 1000 * 50)
    assert priced["price_eur_per_mwh"] == north["price_eur_per_mwh"]


def test_a_ppa_share_replaces_that_share_of_the_wholesale():
    scenario = load_scenario(energy__price_basis="ppa", energy__ppa_share=0.6)
    north = _layer(scenario).loc["north"]
    assert north["ppa_eur_per_mwh"] == 45.0  # no Swedish composite row: the EU one
    assert north["price_eur_per_mwh"] == pytest.approx(0.6 * 45 + 0.4 * 15 + 50)
    wind = load_scenario(energy__price_basis="ppa", energy__ppa_technology="wind")
    assert _layer(wind).loc["north", "ppa_eur_per_mwh"] == 30.0


def test_the_band_basis_takes_the_eurostat_price_whose_parts_are_unknown():
    table = _layer(load_scenario(energy__price_basis="band"))
    assert (table["price_eur_per_mwh"] == 85.0).all()
    assert table["wholesale_eur_per_mwh"].isna().all()


@pytest.mark.parametrize("factor", [0.5, 1.01, 3.0])
def test_energy_cost_follows_the_wholesale_price(factor):
    scenario = load_scenario()
    low = _layer(scenario)
    dearer = ZONES.assign(wholesale_eur_per_mwh=ZONES["wholesale_eur_per_mwh"] * factor)
    other = _layer(scenario, zones=dearer)["electricity_eur_per_year"]
    base = low["electricity_eur_per_year"]
    assert ((other >= base) if factor >= 1 else (other <= base)).all()


def test_a_site_moved_across_a_zone_border_changes_price(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / "candidates.csv"
    table = pd.read_csv(path, keep_default_na=False)
    scenario = load_scenario(data__dir=str(folder))
    before = site_table(load_data(scenario), scenario).loc["se-stockholm"]
    # the tiny fixture splits Sweden at 62 N: Stockholm (59.3 N) is in SE3
    assert before["bidding_zone"] == "SE3"
    table.loc[table["site_id"] == "se-stockholm", "lat"] = 63.0
    table.to_csv(path, index=False)
    after = site_table(load_data(scenario), scenario).loc["se-stockholm"]
    assert after["bidding_zone"] == "SE1"
    assert after["price_eur_per_mwh"] == pytest.approx(
        before["price_eur_per_mwh"] - (46 - 15)
    )


def test_a_zone_override_reaches_only_that_zone():
    base = load_scenario()
    moved = load_scenario(zone_overrides={"SE4": {"wholesale_eur_per_mwh": 200.0}})
    data = load_data(base)
    before, after = site_table(data, base), site_table(data, moved)
    changed = before["price_eur_per_mwh"] != after["price_eur_per_mwh"]
    assert set(before.index[changed]) == set(
        before.index[before["bidding_zone"] == "SE4"]
    )
    assert changed.sum() >= 1
    row = after[after["bidding_zone"] == "SE4"].iloc[0]
    assert row["wholesale_eur_per_mwh"] == 200.0


def test_an_unknown_zone_override_is_refused_with_the_fix():
    scenario = load_scenario(zone_overrides={"SE5": {"wholesale_eur_per_mwh": 10.0}})
    with pytest.raises(InputError, match=r"zone_overrides.*SE5.*bidding_zones\.csv"):
        site_table(load_data(scenario), scenario)


def test_a_point_outside_every_zone_of_its_country_is_refused():
    from shapely.geometry import box

    from siting.data.zones import assign_zones

    outlines = {"SE1": ("SE", box(15, 63, 25, 70)), "SE4": ("SE", box(12, 55, 16, 57))}
    zones = pd.DataFrame(
        {"countries": ["SE", "SE", "FI"]}, index=pd.Index(["SE1", "SE4", "FI"])
    )
    points = pd.DataFrame(
        {
            "country": ["SE", "SE", "FI"],
            "lat": [65.0, 55.05, 61.0],
            "lon": [20, 15, 25],
        },
        index=["lulea", "coast", "helsinki"],
    )
    got = assign_zones(points, zones, outlines, tolerance_km=10.0, path="mine.csv")
    assert got.tolist() == ["SE1", "SE4", "FI"]
    coast = points.assign(lat=[65.0, 54.8, 61.0])  # 22 km south of SE4
    assert (
        assign_zones(coast, zones, outlines, tolerance_km=30.0, path="x")["coast"]
        == "SE4"
    )
    lost = points.assign(lat=[65.0, 60.0, 61.0])  # between the two zones
    with pytest.raises(InputError) as info:
        assign_zones(lost, zones, outlines, tolerance_km=10.0, path="mine.csv")
    message = str(info.value)
    assert "mine.csv: coast" in message
    assert "outside every bidding zone of SE" in message
    assert "correct the coordinates or the country" in message
    strange = points.assign(country=["SE", "SE", "NO"])
    with pytest.raises(InputError, match="no bidding zone covers 'NO'"):
        assign_zones(strange, zones, outlines, tolerance_km=10.0, path="mine.csv")


def test_every_packaged_candidate_has_a_zone_of_the_table():
    scenario = load_scenario()
    data = load_data(scenario)
    zones = data.candidates["bidding_zone"]
    assert zones.isin(data.bidding_zones.index).all()
    assert zones[data.candidates["country"] == "LU"].eq("DE-LU").all()
    assert zones[data.candidates["country"] == "IE"].eq("IE-SEM").all()


def test_capital_recovery_factor():
    scenario = load_scenario(facility__discount_rate=0.0, facility__lifetime_years=20)
    assert capital_recovery_factor(scenario.facility) == pytest.approx(0.05)
    scenario = load_scenario(facility__discount_rate=0.06, facility__lifetime_years=25)
    assert capital_recovery_factor(scenario.facility) == pytest.approx(
        0.0782267, rel=1e-5
    )
