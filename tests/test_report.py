"""report.md and report.html, their plots, swap alternatives, map.html content."""

import base64
import itertools
import json
import re

import numpy as np
import pytest

from siting.explain import swaps as swap_alternatives
from siting.output import write_outputs
from siting.output.plots import PLOTS, latency_stats, weighted_quantile
from siting.output.webmap import RANK_CLASS, map_html
from siting.run import optimise
from siting.scenario import load_scenario
from tests.conftest import TINY

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    result = optimise(load_scenario(data__dir=str(TINY), selection__sites=3))
    out = tmp_path_factory.mktemp("report") / "out"
    write_outputs(result, out)
    return result, out


def test_weighted_quantile_by_hand():
    values = np.array([30.0, 10.0, 20.0])
    weights = np.array([1.0, 1.0, 2.0])  # shares at 10, 20, 30 ms: 25%, 75%, 100%
    assert weighted_quantile(values, weights, 0.25) == 10.0
    assert weighted_quantile(values, weights, 0.5) == 20.0
    assert weighted_quantile(values, weights, 0.75) == 20.0
    assert weighted_quantile(values, weights, 0.95) == 30.0


def test_latency_stats_weigh_researchers(run):
    result, _out = run
    stats = latency_stats(result)
    assert stats.mean_ms == pytest.approx(result.mean_rtt_ms)
    hubs = result.hubs.sort_values("rtt_ms")
    share = hubs["researchers"].cumsum() / hubs["researchers"].sum()
    assert stats.median_ms == hubs["rtt_ms"][share >= 0.5].iloc[0]
    assert stats.p95_ms == hubs["rtt_ms"][share >= 0.95].iloc[0]
    assert stats.max_ms == hubs["rtt_ms"].max()


def test_swaps_match_brute_force(run):
    """Every swap of one chosen site, re-scored from the matrices, agrees."""
    result, _out = run
    problem = result.problem
    position = {site_id: i for i, site_id in enumerate(problem.site_ids)}
    chosen = [position[s] for s in result.selection.index]
    researchers = result.hubs["researchers"].to_numpy(float)
    swaps = swap_alternatives(
        problem, chosen, researchers, per_site=len(problem.site_ids)
    )

    def objective(selected):
        latency = problem.weights @ problem.rtt_ms[:, selected].min(axis=1)
        return problem.fixed_cost[selected].sum() + latency

    now = objective(chosen)
    assert now == pytest.approx(result.solution.objective, rel=1e-9)
    clash = {frozenset(pair) for pair in problem.incompatible}
    expected = {}
    for out, j in itertools.product(chosen, range(len(problem.site_ids))):
        rest = [i for i in chosen if i != out]
        candidate = [*rest, j]
        countries = problem.groups[candidate]
        feasible = (
            j not in chosen
            and j not in problem.excluded
            and max(np.unique(countries, return_counts=True)[1])
            <= problem.max_per_group
            and not any(frozenset((i, j)) in clash for i in rest)
        )
        if feasible:
            key = (problem.site_ids[out], problem.site_ids[j])
            expected[key] = objective(candidate) - now
    found = {
        (row.site_id, row.alternative): row.delta_eur_per_year
        for row in swaps.itertuples()
    }
    assert found.keys() == expected.keys()
    for key, delta in expected.items():
        assert found[key] == pytest.approx(delta, rel=1e-9, abs=1e-3)
        assert delta >= -1e-6 * now  # the solution is optimal, so no swap improves it
    parts = swaps["delta_fixed_eur"] + swaps["delta_latency_eur"]
    assert np.allclose(parts, swaps["delta_eur_per_year"])


def test_report_files_and_plots(run):
    _result, out = run
    for name in PLOTS:
        assert (out / name).read_bytes().startswith(PNG)
    markdown = (out / "report.md").read_text()
    for name in PLOTS:
        assert f"]({name})" in markdown
    page = (out / "report.html").read_text()
    embedded = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(embedded) == len(PLOTS)
    assert sorted(base64.b64decode(data) for data in embedded) == sorted(
        (out / name).read_bytes() for name in PLOTS
    )
    assert '<img src="http' not in page and "<script" not in page


def test_report_names_sites_costs_and_latency(run):
    result, out = run
    markdown = (out / "report.md").read_text()
    page = (out / "report.html").read_text()
    stats = latency_stats(result)
    for text in (markdown, page):
        for site_id, row in result.selection.iterrows():
            assert f"{row['name']} ({site_id})" in text
            assert f"{row['annual_cost_eur'] / 1e6:,.1f}" in text
            for layer in ("energy", "grid", "cooling", "connectivity"):
                assert f"{row[f'{layer}_cost_eur_per_year'] / 1e6:,.1f}" in text
        assert f"median {stats.median_ms:.1f} ms" in text
        assert f"95th percentile {stats.p95_ms:.1f} ms" in text
        assert "next alternatives" in text
    table = [line for line in markdown.splitlines() if line.startswith("| ")]
    ranks = [line.split(" | ")[0] for line in table[1 : 1 + len(result.selection)]]
    assert ranks == ["| 1", "| 2", "| 3"]


def test_map_html_is_self_contained_with_breakdowns(run):
    result, out = run
    page = (out / "map.html").read_text()
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", page)
    # addresses in the page: Leaflet's attribution link, the SVG namespace and a
    # comment in leaflet.css; none is fetched
    addresses = set(re.findall(r"https?://[\w.-]+", page))
    assert addresses == {
        "https://leafletjs.com",
        "http://www.w3.org",
        "https://bugzilla.mozilla.org",
    }
    assert page.count(f'class=\\"{RANK_CLASS}\\"') == len(result.selection)
    for site_id, row in result.sites.iterrows():
        # the page holds the popups as JSON strings (non-ASCII as \\u escapes)
        assert json.dumps(f"{row['name']} ({site_id}")[1:-1] in page
        assert f"EUR {row['energy_cost_eur_per_year'] / 1e6:,.1f} m/yr" in page
    assert "OpenStreetMap" not in page


def test_online_tiles_are_an_unticked_option(run):
    result, _out = run
    page = map_html(result, online_tiles=True)
    assert "OpenStreetMap tiles (online)" in page
    name = re.search(r"var (tile_layer_\w+) = L\.tileLayer", page).group(1)
    assert f"{name}.addTo(" not in page
