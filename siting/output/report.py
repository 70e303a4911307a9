"""The run explained: ``report.md`` and ``report.html`` with their plots.

The report says which sites were chosen and why: each by its short name with its
description, its cost by part and what it needs and emits (the declared columns of
:mod:`siting.output.figures`, those present), the researcher-weighted round-trip
times, the regret of each chosen site and its best single replacement (computed by
the run, :mod:`siting.explain`) and, when a sweep was run, the robustness headline
(:mod:`siting.output.headline`). Plots (:mod:`siting.output.plots`) are written as
PNG files beside ``report.md`` and embedded (base64) in ``report.html``, which
therefore stands alone.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd

from siting.output.figures import (
    SITE_FIGURES,
    cost_figures,
    description,
    figure_rows,
    label,
    present,
)
from siting.output.headline import robustness_blocks
from siting.output.plots import PLOTS, latency_stats, plots
from siting.output.render import html_page, markdown
from siting.result import Result

#: What "rank" means, said wherever the report shows it.
RANK_MEANING = (
    "'rank' numbers the chosen sites by the researchers (FTE) they serve, 1 = the "
    "most; every chosen site belongs to the one optimal portfolio, so the rank is "
    "not an order of preference."
)


def write_report(
    result: Result, folder: Path, *, robustness: dict[str, Any] | None = None
) -> list[str]:
    """Write ``report.md``, ``report.html`` and the PNG plots into ``folder``.

    ``robustness`` is the summary of a sweep of the same scenario
    (:attr:`siting.analysis.Robustness.summary`); its headline is reported when
    given. Returns the names of the files written.
    """
    folder = Path(folder)
    images = plots(result)
    for name, data in images.items():
        (folder / name).write_bytes(data)
    blocks = report_blocks(result, robustness=robustness)
    (folder / "report.md").write_text(markdown(blocks), encoding="utf-8")
    (folder / "report.html").write_text(html_page(blocks, images), encoding="utf-8")
    return ["report.md", "report.html", *images]


def report_blocks(
    result: Result, *, robustness: dict[str, Any] | None = None
) -> list[tuple[Any, ...]]:
    """The report as blocks: ``("h1"|"h2"|"p", text)``, ``("table", header, rows)``
    and ``("img", file name, caption)``; rendered to Markdown and HTML."""
    sites, selection, solution = result.sites, result.selection, result.solution
    allowed = sites[sites["excluded_reason"] == ""]
    fixed = float(selection["annual_cost_eur"].sum())
    overhead = result.campus_overhead_eur_per_year
    lam = result.scenario.objective.latency_eur_per_researcher_ms_year
    stats = latency_stats(result)
    cost_rank = allowed["annual_cost_eur"].rank(method="min")
    named = {s: [row["rank"], label(s, row)] for s, row in selection.iterrows()}
    costs = present(selection, cost_figures())
    needs = present(selection, SITE_FIGURES)
    blocks: list[tuple[Any, ...]] = [
        ("h1", "Where to build the AI gigafactories: siting report"),
        (
            "p",
            f"Status **{solution.status}** (gap {solution.gap:.2%}, {solution.solver}, "
            f"{solution.runtime_s:.1f} s). {len(selection)} sites chosen from "
            f"{len(sites)} candidates ({len(allowed)} allowed). Objective "
            f"EUR {solution.objective / 1e6:,.1f} m/yr: running the sites "
            f"EUR {fixed / 1e6:,.1f} m/yr"
            + (f", extra campuses EUR {overhead / 1e6:,.1f} m/yr" if overhead else "")
            + " plus latency "
            f"EUR {(solution.objective - fixed - overhead) / 1e6:,.1f} m/yr at "
            f"EUR {lam:g} per researcher-ms-year.",
        ),
        *(("p", f"Note: {note}") for note in result.notes),
        *robustness_blocks(robustness),
        ("h2", "Chosen sites"),
        ("p", RANK_MEANING),
        (
            "table",
            ["rank", "site", "country", "description"],
            [
                [*named[site_id], row["country"], description(row) or "-"]
                for site_id, row in selection.iterrows()
            ],
        ),
        *_gigafactory_blocks(result),
        ("h2", "Annual cost"),
        (
            "p",
            "EUR m/yr by part; 'cost rank' is the site's place among the allowed "
            "candidates ordered by annual cost (1 = cheapest).",
        ),
        (
            "table",
            ["rank", "site", *(f.heading for f in costs), "cost rank"],
            [
                [*named[site_id], *cells, f"{cost_rank[site_id]:.0f} of {len(allowed)}"]
                for site_id, cells in zip(
                    selection.index, figure_rows(selection, costs), strict=True
                )
            ],
        ),
        ("img", "cost_breakdown.png", PLOTS["cost_breakdown.png"]),
        ("h2", "What each chosen site needs and serves"),
        (
            "table",
            [
                "rank",
                "site",
                *(f.heading for f in needs),
                "researchers served (FTE)",
                "mean RTT (ms)",
            ],
            [
                [
                    *named[site_id],
                    *cells,
                    f"{row['researchers_served']:,.0f}",
                    _ms(row["mean_rtt_ms"]),
                ]
                for (site_id, row), cells in zip(
                    selection.iterrows(), figure_rows(selection, needs), strict=True
                )
            ],
        ),
        ("h2", "Latency"),
        (
            "p",
            f"Over all {result.hubs['researchers'].sum():,.0f} researchers (FTE) at "
            f"{len(result.hubs)} hubs, each served by its nearest chosen site: mean "
            f"{stats.mean_ms:.1f} ms, median {stats.median_ms:.1f} ms, 95th "
            f"percentile {stats.p95_ms:.1f} ms, worst hub {stats.max_ms:.1f} ms "
            "round trip (researcher-weighted). Each hub's RTT is the network model's "
            "median round-trip time (docs/network.md), not a tail value.",
        ),
        ("img", "latency.png", PLOTS["latency.png"]),
        *_regret_blocks(result),
        *_alternative_blocks(result),
        ("h2", "Map"),
        ("img", "map.png", PLOTS["map.png"]),
        *_exclusion_blocks(sites),
        ("h2", "Reproduce"),
        (
            "p",
            f"Scenario SHA-256 `{result.scenario.sha256}`; data SHA-256 "
            f"`{result.data_sha256}`. The same run's `result.json` holds the resolved "
            "scenario; `siting check` re-verifies it.",
        ),
    ]
    return blocks


def _gigafactory_blocks(result: Result) -> list[tuple[Any, ...]]:
    """The gigafactories and their campuses, when one has several."""
    table = result.gigafactories
    if table is None or table["campuses"].map(len).max() <= 1:
        return []
    scenario = result.scenario.selection
    return [
        ("h2", "Gigafactories and their campuses"),
        (
            "p",
            f"Each gigafactory is 1 to {scenario.campuses_max} campuses at most "
            f"{scenario.campus_max_rtt_ms:g} ms apart (modelled median RTT), each "
            f"hosting at least {scenario.campus_min_share:.0%} of its power; it "
            "counts for the member state of its largest campus. The annual cost "
            "includes the overhead of the extra campuses and the fibre between them. "
            "The map draws each gigafactory's campuses joined by a line.",
        ),
        (
            "table",
            [
                "gigafactory",
                "campuses (share)",
                "country",
                "power (MW)",
                "annual cost (EUR m/yr)",
                "of which extra campuses (EUR m/yr)",
                "campus RTT (ms)",
                "researchers served (FTE)",
                "mean RTT (ms)",
            ],
            [
                [
                    str(rank),
                    ", ".join(
                        f"{site} ({share:.0%})"
                        for site, share in zip(
                            row["campuses"], row["shares"], strict=True
                        )
                    ),
                    row["country"],
                    f"{row['power_mw']:,.0f}",
                    _m(row["annual_cost_eur"]),
                    _m(row["overhead_eur_per_year"]),
                    f"{row['campus_rtt_ms']:.1f}",
                    f"{row['researchers_served']:,.0f}",
                    _ms(row["mean_rtt_ms"]),
                ]
                for rank, row in table.iterrows()
            ],
        ),
    ]


def _regret_blocks(result: Result) -> list[tuple[Any, ...]]:
    explanations = result.explanations
    if explanations is None or explanations.empty:
        return []
    sites = result.sites

    def replacement(site_ids: str) -> str:
        chosen = [s for s in site_ids.split(";") if s]
        return ", ".join(label(s, sites.loc[s]) for s in chosen) or "-"

    return [
        ("h2", "Why these sites: what each one is worth"),
        (
            "p",
            "The regret of a chosen site is how much the objective rises, EUR m/yr, "
            "when that site is forbidden and the whole portfolio is optimised again; "
            "the replacement is the site that enters instead. The latency column is "
            "the priced round-trip time of the researchers the site serves.",
        ),
        (
            "table",
            ["chosen site", "annual cost", "latency", "regret", "replaced by"],
            [
                [
                    label(site_id, sites.loc[site_id]),
                    _m(row["annual_cost_eur"]),
                    _m(row["latency_eur_per_year"]),
                    _m(row["regret_eur_per_year"], sign=True),
                    replacement(row["replacement_site_id"]),
                ]
                for site_id, row in explanations.iterrows()
            ],
        ),
    ]


def _alternative_blocks(result: Result) -> list[tuple[Any, ...]]:
    swaps = result.swaps
    if swaps is None or swaps.empty:
        return []
    sites = result.sites
    return [
        ("h2", "The next alternatives, one site at a time"),
        (
            "p",
            "The best replacement of each chosen site by one other allowed candidate "
            "(keeping the other chosen sites and the constraints) and what it would "
            "change, EUR m/yr; a positive change means the chosen site is better. "
            "`siting alternatives` re-optimises whole portfolios and `siting pareto` "
            "traces the cost-latency trade-off.",
        ),
        (
            "table",
            [
                "chosen site",
                "best replacement",
                "change in objective",
                "of which running cost",
                "of which latency",
                "mean RTT after (ms)",
            ],
            [
                [
                    label(row.site_id, sites.loc[row.site_id]),
                    label(row.alternative, sites.loc[row.alternative]),
                    _m(row.delta_eur_per_year, sign=True),
                    _m(row.delta_fixed_eur, sign=True),
                    _m(row.delta_latency_eur, sign=True),
                    _ms(row.mean_rtt_ms),
                ]
                for row in swaps.itertuples()
            ],
        ),
    ]


def _exclusion_blocks(sites: pd.DataFrame) -> list[tuple[Any, ...]]:
    reasons = sites.loc[sites["excluded_reason"] != "", "excluded_reason"]
    if reasons.empty:
        return []
    counts = reasons.str.split("; ").explode().value_counts()
    return [
        ("h2", "Excluded candidates"),
        ("table", ["reason", "candidates"], [[r, n] for r, n in counts.items()]),
    ]


def _m(eur: float, *, sign: bool = False) -> str:
    return f"{eur / 1e6:+,.1f}" if sign else f"{eur / 1e6:,.1f}"


def _ms(value: float) -> str:
    return "-" if pd.isna(value) else f"{value:.1f}"
