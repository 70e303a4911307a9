"""report.md and report.html, their plots, swap alternatives, map.html content."""

import base64
import dataclasses
import itertools
import json
import re

import numpy as np
import pytest

from siting.data import data_dir
from siting.explain import swaps as swap_alternatives
from siting.output import write_outputs
from siting.output.plots import (
    PART_STYLES,
    PLOTS,
    country_frame,
    frame_bounds,
    latency_stats,
    simplified_outlines,
    weighted_quantile,
)
from siting.output.report import RANK_MEANING, write_report
from siting.output.webmap import LINKS_LAYER, RANK_CLASS, map_html
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


#: A robustness summary as siting.analysis.robustness gives (figures in EUR/yr).
SUMMARY = {
    "samples": 40,
    "seed": 7,
    "solved": 40,
    "lost": [],
    "nominal": {
        "site_ids": ["fi-kajaani", "de-frankfurt", "fr-paris"],
        "share_optimal": 0.625,
        "regret_eur_per_year": {"mean": 1.5e6, "p50": 0.0, "p95": 6.25e6, "max": 9e6},
    },
    "least_worst_regret": {
        "site_ids": ["fi-kajaani", "de-julich", "fr-paris"],
        "max_regret_eur_per_year": 7e6,
        "mean_regret_eur_per_year": 2e6,
        "times_optimal": 1,
    },
    "portfolios_found": 4,
}


def test_report_explains_rank_and_prints_the_robustness_headline(run, tmp_path):
    result, out = run
    assert "'rank'" in (out / "report.md").read_text()
    assert "Robustness" not in (out / "report.md").read_text()
    write_report(result, tmp_path, robustness=SUMMARY)
    markdown = (tmp_path / "report.md").read_text()
    assert RANK_MEANING in markdown
    assert "nominal portfolio (fi-kajaani, de-frankfurt, fr-paris) is optimal in " in (
        markdown
    )
    assert "**62%** of samples" in markdown  # 0.625 as Python rounds it
    assert "**EUR 6.2 m/yr at the 95th percentile**" in markdown
    assert "de-julich" in markdown and "optimal in 1 sample)" in markdown


def test_columns_added_to_the_sites_appear_in_the_report(run, tmp_path):
    result, _out = run
    sites = result.sites.copy()
    sites["description"] = "a long description of " + sites["name"]
    sites["grid_ready_year"] = 2031.0
    sites["announced_mw"] = 400.0
    sites["capex_cost_eur_per_year"] = 321.5e6
    write_report(dataclasses.replace(result, sites=sites), tmp_path)
    markdown = (tmp_path / "report.md").read_text()
    for site_id, row in result.selection.iterrows():
        assert f"| {row['name']} ({site_id}) | {row['country']} | a long " in markdown
    for heading in (
        "grid ready (year)",
        "announced or bid (MW)",
        "power (MW)",
        "energy (TWh/yr)",
        "emissions (tCO2/yr)",
        "water (m3/yr)",
    ):
        assert f"| {heading} |" in markdown
    assert "| 2031 |" in markdown and "| 400 |" in markdown
    assert "321.5" in markdown


def test_the_map_is_framed_on_the_countries_and_links_start_hidden(run):
    result, out = run
    west, south, east, north = frame_bounds(result)
    chosen = result.selection
    assert west < chosen["lon"].min() and east > chosen["lon"].max()
    assert south < chosen["lat"].min() and north > chosen["lat"].max()
    page = (out / "map.html").read_text()
    assert re.search(
        rf"\.fitBounds\(\s*\[\[{south}, {west}\], \[{north}, {east}\]\]", page
    )
    links = re.search(rf'"{re.escape(LINKS_LAYER)}" : (geo_json_\w+)', page).group(1)
    assert f"{links}.addTo(" not in page
    assert re.search(r'"research hubs \(size: researchers\)" : (geo_json_\w+)', page)


def test_far_islands_do_not_stretch_the_frame():
    outlines = simplified_outlines(data_dir() / "countries.geojson")
    west, south, east, north = country_frame(
        outlines, {"ES", "PT"}, points=[], fallback=[]
    )
    # mainland Spain and Portugal: 9.5 W to 3.3 E, 36.0 to 43.8 N, with 0.5 deg
    # around; the Canaries (18.2 W, 27.6 N) and the Azores (31.3 W) are left out
    assert (west, south, east, north) == pytest.approx(
        (-10.0, 35.5, 3.8, 44.3), abs=0.1
    )
    assert country_frame(outlines, {"ES"}, points=[(-15.4, 28.1)], fallback=[])[
        :2
    ] == pytest.approx((-15.9, 27.6))
    assert country_frame(outlines, {"XX"}, points=[], fallback=[(1.0, 2.0)]) == (
        0.5,
        1.5,
        1.5,
        2.5,
    )


def test_cost_parts_have_distinct_styles():
    assert len(set(PART_STYLES)) == len(PART_STYLES)
    assert len({colour for colour, _ in PART_STYLES}) == len(PART_STYLES)
    assert len({hatch for _, hatch in PART_STYLES}) == len(PART_STYLES)
