"""The run explained: ``report.md`` and ``report.html`` with their plots.

The report says which sites were chosen and why: the cost of each by layer, the
researcher-weighted round-trip times, and what the best single replacement of each
chosen site would cost. Plots (cost breakdown, latency distribution, a static map) are
written as PNG files beside ``report.md`` and embedded (base64) in ``report.html``,
which therefore stands alone. matplotlib is imported only when a report is written.
"""

from __future__ import annotations

import base64
import html
import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.data import data_dir
from siting.outlines import OUTLINES_FILE
from siting.pipeline import Result
from siting.problem import COST_PARTS

#: Plot files written beside ``report.md``.
PLOTS = {
    "cost_breakdown.png": "Annual cost of each chosen site by layer",
    "latency.png": "Round-trip time from the research hubs to their sites",
    "map.png": "Chosen sites and candidates",
}
#: Tolerance for simplifying the country outlines for drawing, degrees.
OUTLINE_TOLERANCE_DEG = 0.01
_LAYER_COLOURS = {
    "energy": "#e0a030",
    "grid": "#6a5acd",
    "cooling": "#3a9ad9",
    "connectivity": "#5aaa5a",
}


@dataclass(frozen=True)
class LatencyStats:
    """Researcher-weighted round-trip times from the hubs to their sites, ms."""

    mean_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float


def write_report(
    result: Result, folder: Path, explanations: pd.DataFrame | None = None
) -> list[str]:
    """Write ``report.md``, ``report.html`` and the PNG plots into ``folder``.

    ``explanations`` is the table of :func:`siting.analysis.explain` (regret of each
    chosen site); the report shows it when given. Returns the names of the files
    written.
    """
    folder = Path(folder)
    images = _plots(result)
    for name, data in images.items():
        (folder / name).write_bytes(data)
    blocks = report_blocks(result, explanations)
    (folder / "report.md").write_text(_markdown(blocks), encoding="utf-8")
    (folder / "report.html").write_text(_html(blocks, images), encoding="utf-8")
    return ["report.md", "report.html", *images]


def latency_stats(result: Result) -> LatencyStats:
    """Mean, median, 95th percentile and maximum RTT over researchers (not hubs)."""
    rtt = result.hubs["rtt_ms"].to_numpy(float)
    weights = result.hubs["researchers"].to_numpy(float)
    return LatencyStats(
        mean_ms=float(np.average(rtt, weights=weights)),
        median_ms=weighted_quantile(rtt, weights, 0.5),
        p95_ms=weighted_quantile(rtt, weights, 0.95),
        max_ms=float(rtt.max()),
    )


def weighted_quantile(values: np.ndarray, weights: np.ndarray, q: float) -> float:
    """The smallest value such that at least a share ``q`` of the weight lies at or
    below it (the inverse of the weighted empirical distribution function)."""
    order = np.argsort(values, kind="stable")
    share = np.cumsum(np.asarray(weights, float)[order])
    share /= share[-1]
    position = int(np.searchsorted(share, q - 1e-12, side="left"))
    return float(np.asarray(values, float)[order][position])


def outlines_path(result: Result) -> Path:
    """``countries.geojson`` of the run's data folder, else the packaged one."""
    folder = result.scenario.data_path("dir")
    if folder is not None and (folder / OUTLINES_FILE).is_file():
        return folder / OUTLINES_FILE
    return data_dir() / OUTLINES_FILE


@lru_cache(maxsize=4)
def simplified_outlines(
    path: Path, tolerance_deg: float = OUTLINE_TOLERANCE_DEG
) -> tuple[tuple[dict[str, Any], Any], ...]:
    """The features of a ``countries.geojson`` as (properties, shapely geometry),
    simplified to ``tolerance_deg`` degrees for drawing; read once per path."""
    from shapely.geometry import shape

    document = json.loads(Path(path).read_text(encoding="utf-8"))
    return tuple(
        (feature["properties"], shape(feature["geometry"]).simplify(tolerance_deg))
        for feature in document["features"]
    )


def swap_alternatives(result: Result, per_site: int = 1) -> pd.DataFrame:
    """The best replacements of each chosen site by one other candidate.

    Each chosen site in turn is swapped for every candidate that keeps the selection
    feasible (not excluded, country limit, minimum separation, coverage), every hub
    going to its nearest chosen site; forced sites are not swapped.

    Returns
    -------
    DataFrame with ``site_id``, ``alternative``, ``delta_eur_per_year`` (change in the
    objective, EUR/yr; positive means the chosen site is better), ``delta_fixed_eur``
    and ``delta_latency_eur`` (its parts) and ``mean_rtt_ms`` after the swap, the
    ``per_site`` cheapest swaps of each chosen site, chosen sites in rank order.
    """
    problem = result.problem
    fixed, rtt, weights = problem.fixed_cost, problem.rtt_ms, problem.weights
    researchers = result.hubs["researchers"].reindex(problem.hub_ids).to_numpy(float)
    n_sites = len(problem.site_ids)
    position = {site_id: i for i, site_id in enumerate(problem.site_ids)}
    chosen = [position[site_id] for site_id in result.selection.index]
    clash = np.zeros((n_sites, n_sites), dtype=bool)
    for a, b in problem.incompatible:
        clash[a, b] = clash[b, a] = True
    allowed = np.ones(n_sites, dtype=bool)
    allowed[list(problem.excluded)] = False
    allowed[chosen] = False
    latency_now = weights @ rtt[:, chosen].min(axis=1)
    rows = []
    for out in chosen:
        if out in problem.forced:
            continue
        rest = [i for i in chosen if i != out]
        nearest = rtt[:, rest].min(axis=1)
        swapped = np.minimum(nearest[:, None], rtt)
        ok = allowed & ~clash[rest].any(axis=0)
        groups, counts = np.unique(problem.groups[rest], return_counts=True)
        full = groups[counts >= problem.max_per_group]
        ok &= ~np.isin(problem.groups, full)
        if problem.max_rtt_ms is not None:
            ok &= swapped.max(axis=0) <= problem.max_rtt_ms
        delta_fixed = fixed - fixed[out]
        delta_latency = weights @ swapped - latency_now
        delta = np.where(ok, delta_fixed + delta_latency, np.inf)
        for j in np.argsort(delta, kind="stable")[:per_site]:
            if not np.isfinite(delta[j]):
                break
            rows.append(
                {
                    "site_id": problem.site_ids[out],
                    "alternative": problem.site_ids[j],
                    "delta_eur_per_year": float(delta[j]),
                    "delta_fixed_eur": float(delta_fixed[j]),
                    "delta_latency_eur": float(delta_latency[j]),
                    "mean_rtt_ms": float(
                        np.average(swapped[:, j], weights=researchers)
                    ),
                }
            )
    return pd.DataFrame(rows)


def report_blocks(
    result: Result, explanations: pd.DataFrame | None = None
) -> list[tuple[Any, ...]]:
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
            "round trip (researcher-weighted).",
        ),
        ("img", "latency.png", PLOTS["latency.png"]),
        *_regret_blocks(result, explanations),
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


def _regret_blocks(
    result: Result, explanations: pd.DataFrame | None
) -> list[tuple[Any, ...]]:
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
    swaps = swap_alternatives(result)
    if swaps.empty:
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


def _plots(result: Result) -> dict[str, bytes]:
    """The PNG plots by file name (matplotlib, Agg, no pyplot state)."""
    from matplotlib.figure import Figure

    images = {}
    for name, draw in (
        ("cost_breakdown.png", _draw_costs),
        ("latency.png", _draw_latency),
        ("map.png", _draw_map),
    ):
        figure = Figure(figsize=(8, 6 if name == "map.png" else 4), dpi=100)
        draw(figure, result)
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        images[name] = buffer.getvalue()
    return images


def _draw_costs(figure: Any, result: Result) -> None:
    selection = result.selection
    ax = figure.add_subplot()
    labels = [f"{rank}. {site}" for site, rank in selection["rank"].items()]
    left = np.zeros(len(selection))
    for layer in COST_PARTS:
        values = selection[f"{layer}_cost_eur_per_year"].to_numpy(float) / 1e6
        ax.barh(labels, values, left=left, label=layer, color=_LAYER_COLOURS[layer])
        left += values
    ax.invert_yaxis()
    ax.set_xlabel("annual cost (EUR m/yr)")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncols=4, fontsize="small")
    ax.set_title(PLOTS["cost_breakdown.png"])


def _draw_latency(figure: Any, result: Result) -> None:
    stats = latency_stats(result)
    rtt = result.hubs["rtt_ms"].to_numpy(float)
    ax = figure.add_subplot()
    ax.hist(rtt, bins=20, weights=result.hubs["researchers"].to_numpy(float) / 1e3)
    for value, label, style in (
        (stats.median_ms, "median", "--"),
        (stats.p95_ms, "95th percentile", ":"),
    ):
        ax.axvline(
            value, color="black", linestyle=style, label=f"{label} {value:.1f} ms"
        )
    ax.set_xlabel("round-trip time to the assigned site (ms)")
    ax.set_ylabel("researchers (thousand FTE)")
    ax.legend(fontsize="small")
    ax.set_title(PLOTS["latency.png"])


def _draw_map(figure: Any, result: Result) -> None:
    from matplotlib.collections import PolyCollection

    rings = []
    for _properties, geometry in simplified_outlines(outlines_path(result)):
        for polygon in getattr(geometry, "geoms", [geometry]):
            rings.append(np.asarray(polygon.exterior.coords))
    ax = figure.add_subplot()
    ax.add_collection(
        PolyCollection(rings, facecolor="#eeeeee", edgecolor="#999999", linewidth=0.5)
    )
    sites = result.sites
    allowed = sites[sites["excluded_reason"] == ""]
    excluded = sites[sites["excluded_reason"] != ""]
    ax.scatter(excluded["lon"], excluded["lat"], marker="x", s=12, color="#aaaaaa")
    points = ax.scatter(
        allowed["lon"],
        allowed["lat"],
        c=allowed["annual_cost_eur"] / 1e6,
        s=14,
        cmap="viridis",
    )
    figure.colorbar(points, ax=ax, label="annual cost (EUR m/yr)", shrink=0.7)
    chosen = result.selection
    ax.scatter(chosen["lon"], chosen["lat"], marker="*", s=260, color="red", zorder=3)
    for _site_id, row in chosen.iterrows():
        ax.annotate(
            str(row["rank"]),
            (row["lon"], row["lat"]),
            xytext=(6, 6),
            textcoords="offset points",
            fontweight="bold",
            color="darkred",
        )
    ax.set_aspect(1 / np.cos(np.radians(sites["lat"].mean())))
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title("Chosen sites (red stars, by rank) and candidates (x: excluded)")


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
