"""The run explained: ``report.md`` and ``report.html`` with their plots.

The report says which sites were chosen and why: the cost of each by layer, the
researcher-weighted round-trip times, the regret of each chosen site and its best
single replacement (computed by the run, :mod:`siting.explain`). Plots
(:mod:`siting.output.plots`) are written as PNG files beside ``report.md`` and
embedded (base64) in ``report.html``, which therefore stands alone.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

import pandas as pd

from siting.layers.table import COST_PARTS
from siting.output.plots import PLOTS, latency_stats, plots
from siting.result import Result


def write_report(result: Result, folder: Path) -> list[str]:
    """Write ``report.md``, ``report.html`` and the PNG plots into ``folder``.

    Returns the names of the files written.
    """
    folder = Path(folder)
    images = plots(result)
    for name, data in images.items():
        (folder / name).write_bytes(data)
    blocks = report_blocks(result)
    (folder / "report.md").write_text(_markdown(blocks), encoding="utf-8")
    (folder / "report.html").write_text(_html(blocks, images), encoding="utf-8")
    return ["report.md", "report.html", *images]


def report_blocks(result: Result) -> list[tuple[Any, ...]]:
    """The report as blocks: ``("h1"|"h2"|"p", text)``, ``("table", header, rows)``
    and ``("img", file name, caption)``; rendered to Markdown and HTML."""
    sites, selection, solution = result.sites, result.selection, result.solution
    allowed = sites[sites["excluded_reason"] == ""]
    fixed = float(selection["annual_cost_eur"].sum())
    lam = result.scenario.objective.latency_eur_per_researcher_ms_year
    stats = latency_stats(result)
    cost_rank = allowed["annual_cost_eur"].rank(method="min")
    blocks: list[tuple[Any, ...]] = [
        ("h1", "Where to build the AI gigafactories: siting report"),
        (
            "p",
            f"Status **{solution.status}** (gap {solution.gap:.2%}, {solution.solver}, "
            f"{solution.runtime_s:.1f} s). {len(selection)} sites chosen from "
            f"{len(sites)} candidates ({len(allowed)} allowed). Objective "
            f"EUR {solution.objective / 1e6:,.1f} m/yr: running the sites "
            f"EUR {fixed / 1e6:,.1f} m/yr plus latency "
            f"EUR {(solution.objective - fixed) / 1e6:,.1f} m/yr at "
            f"EUR {lam:g} per researcher-ms-year.",
        ),
        ("h2", "Chosen sites"),
        (
            "p",
            "Annual cost by layer in EUR m/yr; 'cost rank' is the site's place among "
            "the allowed candidates ordered by annual cost (1 = cheapest).",
        ),
        (
            "table",
            [
                "rank",
                "site",
                "country",
                "annual cost",
                *COST_PARTS,
                "cost rank",
                "PUE",
                "researchers served (FTE)",
                "mean RTT (ms)",
            ],
            [
                [
                    row["rank"],
                    f"{row['name']} ({site_id})",
                    row["country"],
                    _m(row["annual_cost_eur"]),
                    *(_m(row[f"{layer}_cost_eur_per_year"]) for layer in COST_PARTS),
                    f"{cost_rank[site_id]:.0f} of {len(allowed)}",
                    f"{row['pue']:.2f}",
                    f"{row['researchers_served']:,.0f}",
                    _ms(row["mean_rtt_ms"]),
                ]
                for site_id, row in selection.iterrows()
            ],
        ),
        ("img", "cost_breakdown.png", PLOTS["cost_breakdown.png"]),
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


def _regret_blocks(result: Result) -> list[tuple[Any, ...]]:
    explanations = result.explanations
    if explanations is None or explanations.empty:
        return []
    names = result.sites["name"]

    def replacement(site_ids: str) -> str:
        return ", ".join(f"{names[s]} ({s})" for s in site_ids.split(";") if s) or "-"

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
                    f"{names[site_id]} ({site_id})",
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
    names = result.sites["name"]
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
                    f"{names[row.site_id]} ({row.site_id})",
                    f"{names[row.alternative]} ({row.alternative})",
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


def _markdown(blocks: list[tuple[Any, ...]]) -> str:
    lines = []
    for kind, *content in blocks:
        if kind == "h1":
            lines += [f"# {content[0]}", ""]
        elif kind == "h2":
            lines += [f"## {content[0]}", ""]
        elif kind == "p":
            lines += [content[0], ""]
        elif kind == "img":
            lines += [f"![{content[1]}]({content[0]})", ""]
        else:
            header, rows = content
            lines.append("| " + " | ".join(header) + " |")
            lines.append("|" + "---|" * len(header))
            lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
            lines.append("")
    return "\n".join(lines)


def _html(blocks: list[tuple[Any, ...]], images: dict[str, bytes]) -> str:
    body = []
    for kind, *content in blocks:
        if kind in ("h1", "h2"):
            body.append(f"<{kind}>{html.escape(content[0])}</{kind}>")
        elif kind == "p":
            body.append(f"<p>{_inline(content[0])}</p>")
        elif kind == "img":
            data = base64.b64encode(images[content[0]]).decode("ascii")
            body.append(
                f'<figure><img src="data:image/png;base64,{data}" '
                f'alt="{html.escape(content[1])}"><figcaption>'
                f"{html.escape(content[1])}</figcaption></figure>"
            )
        else:
            header, rows = content
            head = "".join(f"<th>{html.escape(str(c))}</th>" for c in header)
            cells = "".join(
                "<tr>"
                + "".join(f"<td>{html.escape(str(c))}</td>" for c in row)
                + "</tr>"
                for row in rows
            )
            body.append(f"<table><tr>{head}</tr>{cells}</table>")
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        "<title>siting report</title><style>body{font-family:sans-serif;max-width:"
        "64em;margin:auto;padding:1em}table{border-collapse:collapse}td,th{border:1px"
        " solid #ccc;padding:.2em .5em;text-align:right}img{max-width:100%}</style>"
        "</head><body>\n" + "\n".join(body) + "\n</body></html>\n"
    )


def _inline(text: str) -> str:
    """Markdown's ``**bold**`` and ```code``` as HTML, the rest escaped."""
    parts = html.escape(text).split("**")
    text = "".join(p if i % 2 == 0 else f"<b>{p}</b>" for i, p in enumerate(parts))
    parts = text.split("`")
    return "".join(
        p if i % 2 == 0 else f"<code>{p}</code>" for i, p in enumerate(parts)
    )
