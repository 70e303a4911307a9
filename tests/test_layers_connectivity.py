import pandas as pd
import pytest

from siting.layers.connectivity import connectivity_layer
from siting.layers.facility import capital_recovery_factor
from siting.scenario import load_scenario


def test_nearest_pop_ixp_and_fibre_cost():
    sites = pd.DataFrame(
        {"lat": [50.0], "lon": [10.0]}, index=pd.Index(["s"], name="site_id")
    )
    nodes = pd.DataFrame(
        {"lat": [50.2, 51.0], "lon": [10.0, 10.0], "kind": ["geant_pop", "ixp"]},
        index=pd.Index(["pop", "ix"], name="node_id"),
    )
    scenario = load_scenario()
    row = connectivity_layer(sites, nodes, scenario).loc["s"]
    degree_km = 6371.0088 * 3.141592653589793 / 180
    assert row["pop"] == "pop"
    assert row["pop_km"] == pytest.approx(0.2 * degree_km, rel=1e-6)
    assert row["ixp_km"] == pytest.approx(1.0 * degree_km, rel=1e-6)
    settings = scenario.connectivity
    fibre = 0.2 * degree_km * settings.route_factor
    assert row["fibre_km"] == pytest.approx(fibre, rel=1e-6)
    share = capital_recovery_factor(scenario.facility) + settings.fibre_opex_share
    assert row["fibre_eur_per_year"] == pytest.approx(
        fibre * settings.fibre_eur_per_km * share, rel=1e-6
    )
