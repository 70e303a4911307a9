"""The grid layer and site size: capacity, time to power, cost, and their laws."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.layers.facility import capital_recovery_factor
from siting.layers.grid import grid_layer, substation_capacity_mw
from siting.layers.site_size import site_size_layer
from siting.layers.table import site_table
from siting.run import load_data
from siting.scenario import load_scenario
from tests.conftest import TINY

KM_PER_DEG = 6371.0088 * np.pi / 180
NO_REGIONS = pd.DataFrame(
    columns=[
        "country",
        "lat",
        "lon",
        "radius_km",
        "connection_years",
        "reinforcement_years",
        "capacity_factor",
    ],
    dtype=float,
)


def _site(lat=50.0, country="DE"):
    return pd.DataFrame(
        {"lat": [lat], "lon": [10.0], "country": [country]},
        index=pd.Index(["s"], name="site_id"),
    )


def _substations(*rows):
    """(lat, kV) rows at lon 10."""
    return pd.DataFrame(
        {"lat": [r[0] for r in rows], "lon": 10.0, "voltage_kv": [r[1] for r in rows]},
        index=pd.Index([f"sub{k}" for k in range(len(rows))], name="substation_id"),
    )


def _plants(*rows):
    """(lat, MW) rows at lon 10."""
    return pd.DataFrame(
        {"lat": [r[0] for r in rows], "lon": 10.0, "capacity_mw": [r[1] for r in rows]},
        index=pd.Index([f"plant{k}" for k in range(len(rows))], name="asset_id"),
    )


def _grid(scenario, substations, plants, power=200.0, regions=NO_REGIONS, site=None):
    site = _site() if site is None else site
    return grid_layer(
        site, substations, plants, regions, pd.Series({"s": power}), scenario
    ).loc["s"]


def test_voltage_sets_the_nominal_capacity():
    grid = load_scenario().grid
    kv = np.array([110.0, 220.0, 225.0, 330.0, 380.0, 400.0])
    assert substation_capacity_mw(kv, grid).tolist() == [
        0.0,
        250.0,
        250.0,
        500.0,
        1000.0,
        1000.0,
    ]


def test_a_400_kv_substation_nearby_connects_in_time_by_hand():
    scenario = load_scenario()
    grid = scenario.grid
    row = _grid(scenario, _substations((50.1, 400.0)), _plants((50.05, 300.0)))
    km = 0.1 * KM_PER_DEG
    # the plant (0.5 x 300 = 150 MW) is nearer but too small: the substation covers
    assert row["grid_node"] == "sub0" and row["grid_node_kind"] == "substation"
    assert row["grid_node_km"] == pytest.approx(km, rel=1e-6)
    assert row["grid_capacity_mw"] == 1000.0
    assert row["grid_shortfall_mw"] == 0.0
    assert row["grid_ready_year"] == grid.base_year + np.ceil(grid.connection_years)
    capex = km * grid.line_eur_per_km
    assert row["grid_capex_eur"] == pytest.approx(capex)
    crf = capital_recovery_factor(scenario.facility)
    assert row["grid_eur_per_year"] == pytest.approx(capex * crf)
    assert not row["grid_excluded"]


def test_too_little_capacity_needs_reinforcement_and_time():
    scenario = load_scenario()
    grid = scenario.grid
    row = _grid(scenario, _substations((50.1, 220.0)), _plants())
    assert row["grid_capacity_mw"] == 250.0
    row = _grid(scenario, _substations((50.1, 220.0)), _plants(), power=400.0)
    assert row["grid_shortfall_mw"] == 150.0
    years = max(grid.connection_years, grid.reinforcement_years)
    assert row["grid_ready_year"] == grid.base_year + np.ceil(years)
    km = 0.1 * KM_PER_DEG
    assert row["grid_capex_eur"] == pytest.approx(
        150.0 * grid.reinforcement_eur_per_mw + km * grid.line_eur_per_km
    )


def test_a_node_beyond_the_radius_is_new_transmission():
    scenario = load_scenario(grid__substation_radius_km=20.0)
    row = _grid(scenario, _substations((50.5, 400.0)), _plants())
    assert row["grid_node_km"] == pytest.approx(0.5 * KM_PER_DEG, rel=1e-6)
    assert row["grid_capacity_mw"] == 0.0
    assert row["grid_shortfall_mw"] == 200.0


def test_a_region_s_published_constraint_applies_inside_its_circle_only():
    scenario = load_scenario()
    regions = pd.DataFrame(
        {
            "country": ["DE", "DE"],
            "lat": [50.0, np.nan],
            "lon": [10.0, np.nan],
            "radius_km": [30.0, np.nan],
            "connection_years": [np.nan, 3.0],
            "reinforcement_years": [10.0, np.nan],
            "capacity_factor": [0.0, np.nan],
        },
        index=pd.Index(["hub", "de"], name="region_id"),
    )
    subs = _substations((50.1, 400.0), (52.1, 400.0))
    inside = _grid(scenario, subs, _plants(), regions=regions)
    assert inside["grid_region"] == "hub"
    assert inside["grid_capacity_mw"] == 0.0
    # the circle sets reinforcement, the country row the connection years
    assert inside["grid_ready_year"] == scenario.grid.base_year + 10
    outside = _grid(scenario, subs, _plants(), regions=regions, site=_site(lat=52.0))
    assert outside["grid_region"] == "de"
    assert outside["grid_capacity_mw"] == 1000.0
    assert outside["grid_ready_year"] == scenario.grid.base_year + 3


def test_far_sites_are_excluded():
    scenario = load_scenario(grid__max_connection_km=50.0)
    row = _grid(scenario, _substations((51.0, 400.0)), _plants())
    assert row["grid_excluded"]


@settings(max_examples=40, deadline=None)
@given(st.floats(0.0, 3000.0), st.floats(1.0, 500.0))
def test_more_capacity_never_costs_more_or_takes_longer(capacity, extra):
    scenario = load_scenario()
    low = _grid(scenario, _substations(), _plants((50.05, 2 * capacity + 1e-6)))
    high = _grid(scenario, _substations(), _plants((50.05, 2 * (capacity + extra))))
    assert high["grid_capacity_mw"] >= low["grid_capacity_mw"]
    assert high["grid_eur_per_year"] <= low["grid_eur_per_year"] + 1e-6
    assert high["grid_ready_year"] <= low["grid_ready_year"]


def test_site_size_is_the_announced_plan_else_the_kind_rule():
    scenario = load_scenario()
    sites = pd.DataFrame(
        {
            "kind": ["aigf_bid", "dc_campus", "eurohpc_supercomputer", "castle"],
            "announced_mw": [77.0, np.nan, np.nan, np.nan],
        },
        index=pd.Index(["a", "b", "c", "d"], name="site_id"),
    )
    size = site_size_layer(sites, scenario)
    by_kind = scenario.sites.max_mw_by_kind
    assert size["site_max_mw"].tolist() == [
        77.0,
        by_kind["dc_campus"],
        by_kind["eurohpc_supercomputer"],
        scenario.sites.default_max_mw,
    ]
    assert size["site_max_basis"].tolist() == [
        "announced",
        "kind: dc_campus",
        "kind: eurohpc_supercomputer",
        "default",
    ]


def test_a_site_too_small_for_the_facility_is_excluded_and_says_why():
    scenario = load_scenario()
    table = site_table(load_data(scenario), scenario)
    row = table.loc["cz-zbraslav"]  # 77 MW announced, a ~200 MW facility
    assert row["site_max_mw"] == 77.0
    assert "site hosts at most 77 MW (announced)" in row["excluded_reason"]
    assert row["power_limit"].startswith("site size")


def test_packaged_bid_sites_have_grid_near_them():
    # issue 16: these were excluded as "no grid asset within 150 km"
    scenario = load_scenario()
    table = site_table(load_data(scenario), scenario)
    for site_id in ("fi-kajaani-aigf", "it-grottaglie", "pl-gdansk"):
        assert not table.at[site_id, "grid_excluded"], site_id
        assert table.at[site_id, "grid_node_km"] < 20, site_id


@settings(max_examples=25, deadline=None)
@given(st.integers(2027, 2045), st.integers(0, 10))
def test_a_later_deadline_never_removes_an_allowed_site(year, later):
    early = load_scenario(data__dir=str(TINY), selection__online_by_year=year)
    late = load_scenario(data__dir=str(TINY), selection__online_by_year=year + later)
    data = load_data(early)
    allowed_early = site_table(data, early)["excluded_reason"] == ""
    allowed_late = site_table(data, late)["excluded_reason"] == ""
    assert (allowed_late | ~allowed_early).all()


def test_the_deadline_excludes_exactly_the_sites_powered_too_late():
    scenario = load_scenario(data__dir=str(TINY), selection__online_by_year=2030)
    table = site_table(load_data(scenario), scenario)
    late = table["grid_ready_year"] > 2030
    assert late.any() and (~late).any()
    reason = table["excluded_reason"].str.contains("after selection.online_by_year")
    assert (reason == late).all()
