"""Multi-site gigafactories: campuses priced at their share, configurations, the exact
answer against brute force, the result's gigafactories and the 1 GW case."""

from __future__ import annotations

import itertools
import json

import numpy as np
import pytest
from click.testing import CliRunner

import siting
from siting.cli import main
from siting.errors import InfeasibleError, InputError
from siting.gigafactory import share_levels
from siting.layers.facility import capital_recovery_factor
from siting.output.webmap import CAMPUS_LAYER
from siting.run import prepare_campuses
from siting.scenario import load_scenario
from tests.conftest import TINY
from tests.test_solve_campus import brute_force

#: Half-size campuses (250,000 accelerators: ~510 MW, too large for one tiny site;
#: five tiny sites have the grid capacity for a campus of up to 55%).
TWO_CAMPUSES = {
    "selection.campuses_max": 2,
    "selection.campus_max_rtt_ms": 35.0,
    "facility.accelerators": 250000,
}


@pytest.fixture(scope="module")
def campus_run():
    scenario = load_scenario(data__dir=str(TINY), selection__sites=2)
    scenario = scenario.with_overrides(TWO_CAMPUSES)
    return scenario, prepare_campuses(scenario), siting.optimise(scenario)


def test_one_campus_per_gigafactory_is_the_single_site_model(tiny_scenario):
    single = siting.optimise(tiny_scenario, explanations=False)
    # campus_min_share 0.6 leaves no split: the campus MIP sees only single sites
    scenario = tiny_scenario.with_overrides(
        {"selection.campuses_max": 2, "selection.campus_min_share": 0.6}
    )
    campus = siting.optimise(scenario)
    assert list(campus.selection.index) == list(single.selection.index)
    assert campus.solution.objective == pytest.approx(single.solution.objective)
    assert campus.gigafactories["campuses"].map(len).eq(1).all()
    table = single.gigafactories
    assert len(table) == 3
    assert table["annual_cost_eur"].sum() == pytest.approx(
        single.selection["annual_cost_eur"].sum()
    )


def test_a_campus_is_priced_as_a_whole_facility_of_its_share(campus_run):
    scenario, (dataset, problem, _rtt), _result = campus_run
    assert share_levels(scenario)[0] == 0.25
    half = problem.share_sites[0.5]
    whole = problem.share_sites[1.0]
    assert half["power_mw"].to_numpy() == pytest.approx(0.5 * whole["power_mw"])
    assert half["capex_eur"].to_numpy() == pytest.approx(0.5 * whole["capex_eur"])
    assert half["fibre_eur_per_year"].to_numpy() == pytest.approx(
        whole["fibre_eur_per_year"]
    )
    # a 300 MW site cannot take the whole ~510 MW facility, but half of it
    assert (whole["excluded_reason"] != "").all()
    assert (half["excluded_reason"] == "").sum() == 9


def test_each_configuration_is_the_cheapest_split_by_hand(campus_run):
    """Recompute every pair's best split for each largest campus by plain loops."""
    scenario, (dataset, problem, _rtt), _result = campus_run
    selection = scenario.selection
    tables = problem.share_sites
    rtt = problem.site_rtt
    crf = capital_recovery_factor(scenario.facility)
    link = scenario.connectivity
    km_price = link.route_factor * link.fibre_eur_per_km * (crf + link.fibre_opex_share)
    expected = {}
    for a, b in itertools.combinations(problem.site_ids, 2):
        if max(rtt.at[a, b], rtt.at[b, a]) > selection.campus_max_rtt_ms:
            continue
        gap = siting.geo.haversine_km(
            *tables[1.0].loc[a, ["lat", "lon"]], *tables[1.0].loc[b, ["lat", "lon"]]
        )
        overhead = selection.campus_overhead_eur_per_year + km_price * float(gap)
        for k in range(5, 16):  # shares 0.25 .. 0.75 in steps of 0.05
            sa, sb = k / 20, (20 - k) / 20
            ra, rb = tables[sa].loc[a], tables[sb].loc[b]
            if ra["excluded_reason"] or rb["excluded_reason"]:
                continue
            if ra["grid_node"] == rb["grid_node"]:
                continue
            if ra["grid_shortfall_mw"] > 0 or rb["grid_shortfall_mw"] > 0:
                continue  # a campus of a split gigafactory fits its node
            total = ra["annual_cost_eur"] + rb["annual_cost_eur"] + overhead
            for largest in [a] * (sa >= sb) + [b] * (sb >= sa):
                key = (a, b, largest)
                expected[key] = min(expected.get(key, np.inf), total)
    listed = problem.configurations
    pairs = listed[listed["campuses"].map(len) == 2]
    found = {
        (*row["campuses"], row["largest"]): row["annual_cost_eur"]
        for _, row in pairs.iterrows()
    }
    assert found.keys() == expected.keys()
    for key, value in expected.items():
        assert found[key] == pytest.approx(value, rel=1e-12)


def test_the_answer_is_the_brute_force_optimum(campus_run):
    _scenario, (_dataset, problem, _rtt), result = campus_run
    assert result.solution.status == "optimal"
    assert result.solution.objective == pytest.approx(
        brute_force(problem.instance), rel=1e-9
    )


def test_the_result_lists_each_gigafactory_and_its_campuses(campus_run, tmp_path):
    scenario, _prepared, result = campus_run
    selection = scenario.selection
    table = result.gigafactories
    sites = result.sites
    assert len(table) == selection.sites
    assert table["campuses"].map(len).eq(2).all()
    assert table["country"].is_unique  # per_country counts a gigafactory once
    for _, row in table.iterrows():
        assert sum(row["shares"]) == pytest.approx(1.0)
        assert min(row["shares"]) >= selection.campus_min_share
        assert row["shares"][0] == max(row["shares"])  # largest first
        assert row["country"] == sites.at[row["campuses"][0], "country"]
        assert row["campus_rtt_ms"] <= selection.campus_max_rtt_ms
        campuses = sites.loc[list(row["campuses"])]
        assert (campuses["power_mw"] <= campuses["site_max_mw"]).all()
        assert (campuses["power_mw"] <= campuses["grid_capacity_mw"]).all()
        assert campuses["power_mw"].sum() == pytest.approx(row["power_mw"])
    chosen = result.selection
    assert set(chosen.index) == {s for c in table["campuses"] for s in c}
    # the objective is every gigafactory's cost plus the priced latency
    hubs = result.hubs
    latency = float(
        np.dot(hubs["researchers"], hubs["rtt_ms"])
        * scenario.objective.latency_eur_per_researcher_ms_year
    )
    assert table["annual_cost_eur"].sum() + latency == pytest.approx(
        result.solution.objective
    )
    # each hub is served by its nearest campus
    nearest = result.rtt.loc[hubs.index, list(chosen.index)].min(axis=1)
    assert hubs["rtt_ms"].to_numpy() == pytest.approx(nearest.to_numpy())


def test_result_json_has_gigafactories_and_every_campus(tmp_path):
    out = tmp_path / "out"
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        f'[data]\ndir = "{TINY}"\n[selection]\nsites = 2\ncampuses_max = 2\n'
        "campus_max_rtt_ms = 35.0\n[facility]\naccelerators = 250000\n"
    )
    result = CliRunner().invoke(
        main, ["optimise", "--scenario", str(scenario), "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Gigafactories" in result.output
    document = json.loads((out / "result.json").read_text())
    factories = document["gigafactories"]
    assert [g["rank"] for g in factories] == [1, 2]
    campuses = {c["site_id"] for g in factories for c in g["campuses"]}
    assert campuses == {s["site_id"] for s in document["selected"]}
    breakdown = document["objective_breakdown_eur_per_year"]
    assert breakdown["campus_overhead"] > 0
    assert sum(breakdown.values()) == pytest.approx(document["objective_eur_per_year"])
    for factory in factories:
        assert sum(c["power_mw"] for c in factory["campuses"]) == pytest.approx(
            factory["power_mw"]
        )
    report = (out / "report.md").read_text()
    assert "## Gigafactories and their campuses" in report
    for factory in factories:
        first = factory["campuses"][0]
        assert f"{first['site_id']} ({first['share']:.0%})" in report
    assert CAMPUS_LAYER in (out / "map.html").read_text()
    sites = json.loads((out / "sites.geojson").read_text())["features"]
    shares = {
        f["properties"]["site_id"]: f["properties"]["campus_share"]
        for f in sites
        if f["properties"]["selected"]
    }
    assert shares == {
        c["site_id"]: c["share"] for g in factories for c in g["campuses"]
    }


def test_an_impossible_campus_request_names_what_to_relax(tiny_scenario):
    scenario = tiny_scenario.with_overrides(
        TWO_CAMPUSES | {"selection.campus_max_rtt_ms": 13.0}
    )
    with pytest.raises(InfeasibleError) as caught:
        siting.optimise(scenario)
    message = str(caught.value)
    assert "selection.campus_max_rtt_ms" in message
    assert "0 site(s) can host a whole one and 5 a campus of 25% to 55%" in message


@pytest.mark.parametrize(
    ("field", "value", "hint"),
    [
        ("campus_share_step", "0.3", "whole steps"),
        ("campuses_max", "5", "less than or equal to 4"),
        ("campus_min_share", "0", "greater than 0"),
    ],
)
def test_bad_campus_fields_are_refused(tmp_path, field, value, hint):
    path = tmp_path / "s.toml"
    path.write_text(f"[selection]\n{field} = {value}\n")
    with pytest.raises(InputError, match=hint):
        load_scenario(path)


def test_one_gigawatt_over_two_campuses_within_8_ms():
    """The issue's case on the packaged data: 500,000 accelerators (~1 GW), two
    campuses, at most 8 ms apart by ``siting latency``."""
    scenario = load_scenario(
        facility__accelerators=500000,
        selection__campuses_max=2,
        selection__campus_max_rtt_ms=8.0,
    )
    result = siting.optimise(scenario)
    assert result.solution.status == "optimal"
    table = result.gigafactories
    assert len(table) == 5
    assert table["power_mw"].min() > 950
    runner = CliRunner()
    for campuses in table["campuses"]:
        for a, b in itertools.combinations(campuses, 2):
            out = runner.invoke(main, ["latency", a, b, "--json"])
            assert out.exit_code == 0, out.output
            assert json.loads(out.output)["rtt_ms"] <= 8.0


@pytest.mark.parametrize(
    "command",
    [
        ["pareto"],
        ["alternatives", "--k", "2"],
        ["robustness", "--samples", "2", "--serial"],
        ["optimise", "--robustness-samples", "2"],
    ],
)
def test_the_analyses_refuse_multi_site_gigafactories(tmp_path, command):
    scenario = tmp_path / "s.toml"
    scenario.write_text(f'[data]\ndir = "{TINY}"\n[selection]\ncampuses_max = 2\n')
    out = tmp_path / "out"
    args = [*command, "--scenario", str(scenario), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 2, result.output
    assert "campuses_max = 1" in result.output
    assert not out.exists()


@pytest.fixture(scope="module")
def campus_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("campus")
    scenario = folder / "s.toml"
    scenario.write_text(
        f'[data]\ndir = "{TINY}"\n[selection]\nsites = 2\ncampuses_max = 2\n'
        "campus_max_rtt_ms = 35.0\n[facility]\naccelerators = 250000\n"
    )
    out = folder / "out"
    args = ["optimise", "--scenario", str(scenario), "--out", str(out)]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    return out


def _edited(campus_folder, tmp_path, edit):
    import shutil

    out = tmp_path / "out"
    shutil.copytree(campus_folder, out)
    path = out / "result.json"
    document = json.loads(path.read_text())
    edit(document)
    path.write_text(json.dumps(document))
    return CliRunner().invoke(main, ["check", str(out)])


def test_siting_check_verifies_a_multi_site_result(campus_folder):
    result = CliRunner().invoke(main, ["check", str(campus_folder)])
    assert result.exit_code == 0, result.output


def test_siting_check_catches_a_changed_split(campus_folder, tmp_path):
    def edit(document):
        first = document["gigafactories"][0]["campuses"]
        first[0]["share"], first[1]["share"] = 0.9, 0.1

    result = _edited(campus_folder, tmp_path, edit)
    assert result.exit_code == 1, result.output
    assert "below selection.campus_min_share" in result.output


def test_siting_check_catches_a_wrong_country_and_cost(campus_folder, tmp_path):
    def edit(document):
        factory = document["gigafactories"][0]
        factory["country"] = "XX"
        document["gigafactories"][1]["annual_cost_eur"] *= 0.9

    result = _edited(campus_folder, tmp_path, edit)
    assert result.exit_code == 1, result.output
    assert "gigafactory 1: counted for XX" in result.output
    assert "gigafactory 2: annual_cost_eur is" in result.output


def test_siting_check_catches_a_campus_in_two_gigafactories(campus_folder, tmp_path):
    def edit(document):
        factories = document["gigafactories"]
        factories[1] = dict(factories[0], rank=2)

    result = _edited(campus_folder, tmp_path, edit)
    assert result.exit_code == 1, result.output
    first = json.loads((campus_folder / "result.json").read_text())["gigafactories"][0]
    site = first["campuses"][0]["site_id"]
    assert f"site {site} is a campus of two gigafactories" in result.output
