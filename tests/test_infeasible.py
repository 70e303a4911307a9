"""siting.infeasible: every way a scenario admits no portfolio is refused naming the
option or scenario field to relax, with the numbers."""

import pandas as pd
import pytest

from siting.errors import InfeasibleError
from siting.run import optimise, prepare
from siting.scenario import load_scenario
from tests.conftest import TINY
from tests.test_problem import _problem, _sites


def _refused(**overrides):
    scenario = load_scenario(data__dir=str(TINY), **overrides)
    with pytest.raises(InfeasibleError) as info:
        prepare(scenario)
    return str(info.value)


def test_more_sites_than_countries_allow_names_per_country():
    message = _refused(selection__sites=4, selection__countries=["FI", "SE", "DE"])
    assert "4 sites (--sites, selection.sites) with at most 1 per country" in message
    assert "(--per-country, selection.per_country)" in message
    assert "make only 3: 3 member state(s) have one (DE 2, FI 1, SE 2)" in message
    assert "4 outside selection.countries (relax: selection.countries)" in message


def test_per_country_counts_each_countrys_allowed_sites():
    # 2 countries x 2 per country = 4 sites, but SE has one site: only 3 fit (the
    # solver used to be the one to find it, in words of "group limits")
    sites = pd.concat([_sites(["n1", "n2", "n3"], [1000.0] * 3)] * 2).iloc[:4]
    sites.index = pd.Index(["a", "b", "c", "d"], name="site_id")
    sites["country"] = ["FI", "FI", "FI", "SE"]
    with pytest.raises(InfeasibleError) as info:
        _problem(sites, p=4, per_country=2)
    message = str(info.value)
    assert "4 sites (--sites, selection.sites) with at most 2 per country" in message
    assert "make only 3: 2 member state(s) have one (FI 3, SE 1)" in message


def test_too_few_allowed_sites_names_sites_and_each_exclusion():
    message = _refused(selection__sites=3, selection__online_by_year=2027)
    assert "3 sites requested (--sites, selection.sites) but only 0 of 10" in message
    assert "10 not powered in time (relax: a later selection.online_by_year)" in message
    message = _refused(selection__sites=3, facility__accelerators=2_000_000)
    assert "10 too small for the facility" in message
    assert "sites.max_mw_by_kind" in message


def test_forced_and_excluded_names_both_fields():
    message = _refused(
        selection__sites=3,
        selection__forced=["fi-kajaani"],
        selection__excluded=["fi-kajaani"],
    )
    assert "field 'selection.forced' names excluded site(s): fi-kajaani" in message
    assert "(excluded by the scenario)" in message


def test_more_forced_sites_than_sites():
    message = _refused(
        selection__sites=2, selection__forced=["fi-kajaani", "se-lulea", "fr-paris"]
    )
    assert "'selection.forced' names 3 sites but selection.sites (--sites) is 2" in (
        message
    )


def test_forced_sites_over_per_country():
    message = _refused(
        selection__sites=3, selection__forced=["fr-paris", "fr-marseille"]
    )
    assert "names 2 sites in FR (fr-paris, fr-marseille)" in message
    assert "selection.per_country (--per-country) is 1" in message


def test_forced_sites_closer_than_the_separation():
    message = _refused(
        selection__sites=3,
        selection__forced=["fi-kajaani", "se-lulea"],
        selection__min_separation_km=500.0,
    )
    assert "names fi-kajaani and se-lulea, 303 km apart" in message
    assert "closer than selection.min_separation_km = 500" in message


def test_forced_sites_on_one_grid_node_too_small_for_both():
    sites = _sites(["n1", "n1", "n2"], [300.0, 300.0, 1000.0])
    with pytest.raises(InfeasibleError) as info:
        _problem(sites, forced=["a", "b"])
    message = str(info.value)
    assert "names a and b, which draw on one grid node (n1, 300 MW)" in message


def test_a_coverage_limit_no_site_meets_names_max_rtt_and_the_least_limit():
    message = _refused(selection__sites=3, selection__max_rtt_ms=14.0)
    assert "field 'selection.max_rtt_ms' is 14 ms but 2 of 10 hubs" in message
    assert "(nearest: oulu 16.11 ms, lund 14.02 ms)" in message
    assert "raise selection.max_rtt_ms to at least 16.2 ms" in message


def test_what_only_the_solver_proves_is_named_in_the_scenarios_words():
    scenario = load_scenario(
        data__dir=str(TINY), selection__sites=3, selection__min_separation_km=2000.0
    )
    with pytest.raises(InfeasibleError) as info:
        optimise(scenario, explanations=False)
    message = str(info.value)
    assert "selection.sites (--sites) = 3" in message
    assert "selection.per_country (--per-country) = 1" in message
    assert "closer than selection.min_separation_km = 2000 km" in message
    assert "1 of 10 candidates excluded" in message
