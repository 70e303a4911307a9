"""siting.problem: the array problem of a scenario, shared grid nodes and the plain
words of a scenario that admits too few sites."""

import numpy as np
import pandas as pd
import pytest

from siting.errors import InfeasibleError
from siting.problem import build_problem, shared_node_pairs
from siting.scenario import load_scenario
from siting.solve import solve_pmedian


def _sites(nodes, capacity, power=200.0, cost=(10.0, 11.0, 50.0)):
    ids = ["a", "b", "c"]
    return pd.DataFrame(
        {
            "country": ["FI", "SE", "DE"],
            "lat": [60.0, 60.1, 50.0],
            "lon": [25.0, 25.1, 10.0],
            "grid_node": nodes,
            "grid_capacity_mw": capacity,
            "power_mw": power,
            "annual_cost_eur": list(cost),
            "excluded_reason": "",
        },
        index=pd.Index(ids, name="site_id"),
    )


def _problem(sites, p=2, **selection):
    """The problem of ``sites`` and one hub at 1 ms from each; ``selection`` fields
    (``forced=[...]``, ``per_country=2``) override the default scenario's."""
    hubs = pd.DataFrame({"researchers": [1.0]}, index=pd.Index(["h"], name="hub_id"))
    rtt = pd.DataFrame([[1.0] * len(sites)], index=hubs.index, columns=sites.index)
    fields = {f"selection__{name}": value for name, value in selection.items()}
    scenario = load_scenario(selection__sites=p, **fields)
    return build_problem(sites, hubs, rtt, scenario)


def test_two_sites_on_a_node_too_small_for_both_are_never_chosen_together():
    sites = _sites(["n1", "n1", "n2"], [300.0, 300.0, 1000.0])
    assert shared_node_pairs(sites, np.zeros(3, bool)) == [(0, 1)]
    problem = _problem(sites)
    assert problem.incompatible == ((0, 1),)
    # alone, the two cheapest (a, b) would win; sharing n1 they cannot both be built
    solution = solve_pmedian(problem.instance)
    assert solution.selected.tolist() == [0, 2]


def test_a_node_large_enough_for_both_lets_both_be_chosen():
    sites = _sites(["n1", "n1", "n2"], [450.0, 450.0, 1000.0])  # 2 x 200 MW fit
    assert shared_node_pairs(sites, np.zeros(3, bool)) == []
    assert solve_pmedian(_problem(sites).instance).selected.tolist() == [0, 1]


def test_excluded_sites_do_not_count_on_a_shared_node():
    sites = _sites(["n1", "n1", "n2"], [300.0, 300.0, 1000.0])
    sites.loc["b", "excluded_reason"] = "excluded by the scenario"
    assert shared_node_pairs(sites, sites["excluded_reason"].to_numpy() != "") == []


def test_too_few_sites_names_the_limit_and_the_fix():
    sites = _sites(["n1", "n2", "n3"], [1000.0] * 3, power=1000.0)
    sites["excluded_reason"] = [
        "site hosts at most 300 MW (kind: dc_campus), the facility needs 1,000 MW",
        "site hosts at most 100 MW (announced), the facility needs 1,000 MW",
        "",
    ]
    with pytest.raises(InfeasibleError) as info:
        _problem(sites, p=2)
    message = str(info.value)
    assert "2 sites requested (--sites, selection.sites) but only 1 of 3" in message
    assert "2 too small for the facility" in message
    assert "facility.accelerators" in message


def test_too_few_countries_names_per_country():
    sites = _sites(["n1", "n2", "n3"], [1000.0] * 3)
    sites["country"] = ["FI", "FI", "FI"]
    with pytest.raises(InfeasibleError, match="--per-country"):
        _problem(sites, p=2)


def test_a_1_gw_class_facility_fits_almost_no_single_site():
    from siting.run import prepare

    with pytest.raises(InfeasibleError) as info:
        prepare(load_scenario(facility__accelerators=500000))
    message = str(info.value)
    assert "too small for the facility" in message
    assert "sites.max_mw_by_kind" in message
