import pandas as pd
import pytest

from siting.layers.facility import capital_recovery_factor
from siting.layers.grid import grid_layer
from siting.scenario import load_scenario


def _site():
    return pd.DataFrame(
        {"lat": [50.0], "lon": [10.0]}, index=pd.Index(["s"], name="site_id")
    )


def _assets(capacity, lat=50.1):
    return pd.DataFrame(
        {"lat": [lat], "lon": [10.0], "capacity_mw": [capacity]},
        index=pd.Index(["a"], name="asset_id"),
    )


def test_hand_computed_connection():
    scenario = load_scenario(grid__headroom_share=0.1)
    row = grid_layer(_site(), _assets(1000.0), pd.Series({"s": 200.0}), scenario).loc[
        "s"
    ]
    km = 0.1 * 6371.0088 * 3.141592653589793 / 180  # 0.1 degree of latitude
    assert row["grid_asset_km"] == pytest.approx(km, rel=1e-6)
    assert row["grid_headroom_mw"] == pytest.approx(100.0)
    assert row["grid_shortfall_mw"] == pytest.approx(100.0)
    capex = (
        100.0 * scenario.grid.reinforcement_eur_per_mw
        + km * scenario.grid.line_eur_per_km
    )
    assert row["grid_capex_eur"] == pytest.approx(capex)
    crf = capital_recovery_factor(scenario.facility)
    assert row["grid_eur_per_year"] == pytest.approx(capex * crf)
    assert not row["grid_excluded"]


@pytest.mark.parametrize("capacity", [0.0, 500.0, 1500.0, 2000.0, 5000.0])
def test_more_headroom_never_raises_grid_cost(capacity):
    scenario = load_scenario()
    power = pd.Series({"s": 200.0})
    low = grid_layer(_site(), _assets(capacity + 1e-9), power, scenario)
    high = grid_layer(_site(), _assets(capacity + 100.0), power, scenario)
    assert high.at["s", "grid_headroom_mw"] > low.at["s", "grid_headroom_mw"]
    assert high.at["s", "grid_eur_per_year"] <= low.at["s", "grid_eur_per_year"]


def test_far_sites_are_excluded():
    scenario = load_scenario(grid__max_connection_km=50.0)
    table = grid_layer(
        _site(), _assets(1000.0, lat=51.0), pd.Series({"s": 200.0}), scenario
    )
    assert table.at["s", "grid_excluded"]
