"""The plots of a run (cost breakdown, latency distribution, static map) and of a
Pareto front, drawn with matplotlib's object API (Agg, no pyplot state).

Each part of the cost has its own colour and hatch (:data:`PART_STYLES`, in the order
of :data:`~siting.layers.table.COST_PARTS`, so a part added later gets the next
style). Maps are framed on the run's countries (:func:`frame_bounds`).

matplotlib is imported inside the drawing functions, so modules that import this one
pay nothing until a plot is drawn.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from siting.data import data_dir
from siting.data.outlines import OUTLINES_FILE
from siting.layers.table import COST_PARTS
from siting.output.figures import short_name
from siting.result import Result

if TYPE_CHECKING:
    from matplotlib.figure import Figure

#: Plot files written beside ``report.md``.
PLOTS = {
    "cost_breakdown.png": "Annual cost of each chosen site by part",
    "latency.png": "Round-trip time from the research hubs to their sites",
    "map.png": "Chosen sites and candidates",
}
#: Tolerance for simplifying the country outlines for drawing, degrees.
OUTLINE_TOLERANCE_DEG = 0.01
#: Colour and hatch of each cost part, in the order of COST_PARTS (Okabe-Ito colours,
#: told apart by colour-blind readers and, through the hatches, in grey print).
PART_STYLES = (
    ("#E69F00", ""),
    ("#0072B2", "//"),
    ("#56B4E9", ".."),
    ("#009E73", "xx"),
    ("#CC79A7", "\\\\"),
    ("#D55E00", "++"),
    ("#F0E442", "--"),
    ("#999999", "oo"),
)
#: A polygon of a country smaller than this share of the country's area is left out
#: of the map's frame (far islands such as the Canaries and the Azores).
FRAME_MIN_SHARE = 0.01
#: Margin around the frame, degrees.
FRAME_MARGIN_DEG = 0.5


@dataclass(frozen=True)
class LatencyStats:
    """Researcher-weighted round-trip times from the hubs to their sites, ms."""

    mean_ms: float
    median_ms: float
    p95_ms: float
    max_ms: float


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


def frame_bounds(result: Result) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` in degrees framing the run's countries.

    The countries are those of the candidates and hubs (the EU-27 with the packaged
    data), framed by :func:`country_frame` with every chosen site inside.
    """
    countries = set(result.sites["country"]) | set(result.hubs["country"])
    chosen = result.selection
    return country_frame(
        simplified_outlines(outlines_path(result)),
        countries,
        points=list(zip(chosen["lon"], chosen["lat"], strict=True)),
        fallback=list(zip(result.sites["lon"], result.sites["lat"], strict=True)),
    )


def country_frame(
    outlines: tuple[tuple[dict[str, Any], Any], ...],
    countries: set[str],
    *,
    points: list[tuple[float, float]],
    fallback: list[tuple[float, float]],
) -> tuple[float, float, float, float]:
    """``(west, south, east, north)`` (degrees) around the outlines of ``countries``.

    Of each country only the polygons of at least :data:`FRAME_MIN_SHARE` of its area
    count (so far islands do not stretch the frame), and every ``(lon, lat)`` of
    ``points`` is inside too; :data:`FRAME_MARGIN_DEG` is added around. Without an
    outline of those countries, the frame holds ``fallback`` instead.
    """
    boxes = [
        polygon.bounds
        for properties, geometry in outlines
        if properties.get("country") in countries
        for polygon in getattr(geometry, "geoms", [geometry])
        if polygon.area >= FRAME_MIN_SHARE * geometry.area
    ]
    boxes += [(x, y, x, y) for x, y in (points if boxes else fallback + points)]
    box = np.asarray(boxes, dtype=float)
    margin = FRAME_MARGIN_DEG
    return (
        float(box[:, 0].min() - margin),
        float(box[:, 1].min() - margin),
        float(box[:, 2].max() + margin),
        float(box[:, 3].max() + margin),
    )


def part_style(position: int) -> tuple[str, str]:
    """Colour and hatch of the cost part at ``position`` of COST_PARTS."""
    return PART_STYLES[position % len(PART_STYLES)]


def plots(result: Result) -> dict[str, bytes]:
    """The PNG plots by file name (matplotlib, Agg, no pyplot state)."""
    from matplotlib.figure import Figure

    images = {}
    for name, draw in (
        ("cost_breakdown.png", _draw_costs),
        ("latency.png", _draw_latency),
        ("map.png", _draw_map),
    ):
        height = {"map.png": 6.0, "cost_breakdown.png": 4.5}.get(name, 4.0)
        figure = Figure(figsize=(8, height), dpi=100, layout="constrained")
        draw(figure, result)
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        images[name] = buffer.getvalue()
    return images


def _draw_costs(figure: Any, result: Result) -> None:
    """Stacked bars of each chosen site's cost by part; beside them the same bars
    without the largest part, so that the small parts can be read too."""
    selection = result.selection
    labels = [
        f"{row['rank']}. {short_name(str(row['name']), 24)}"
        for _, row in selection.iterrows()
    ]
    parts = {
        layer: selection[f"{layer}_cost_eur_per_year"].to_numpy(float) / 1e6
        for layer in COST_PARTS
    }
    largest = max(parts, key=lambda layer: float(parts[layer].sum()))
    panels = [(None, "all parts")]
    if len(parts) > 1:
        panels.append((largest, f"without {largest} (own scale)"))
    axes = figure.subplots(1, len(panels), sharey=True, squeeze=False)[0]
    for ax, (left_out, title) in zip(axes, panels, strict=True):
        left = np.zeros(len(selection))
        for position, (layer, values) in enumerate(parts.items()):
            colour, hatch = part_style(position)
            ax.barh(
                labels,
                0 * values if layer == left_out else values,
                left=left,
                label=layer,
                color=colour,
                hatch=hatch,
                edgecolor="white",
                linewidth=0.8,
            )
            left += 0 if layer == left_out else values
        ax.set_xlabel("annual cost (EUR m/yr)")
        ax.set_title(title, fontsize="medium")
    axes[0].invert_yaxis()
    handles, names = axes[0].get_legend_handles_labels()
    figure.legend(
        handles,
        names,
        title="cost part",
        loc="outside lower center",
        ncols=min(len(parts), 5),
        fontsize="small",
    )
    figure.suptitle(PLOTS["cost_breakdown.png"])


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
    for line in result.campus_links.geometry:
        lon, lat = np.asarray(line.coords).T
        ax.plot(lon, lat, color="darkred", linewidth=2, zorder=2)
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
    west, south, east, north = frame_bounds(result)
    ax.set_xlim(west, east)
    ax.set_ylim(south, north)
    ax.set_aspect(1 / np.cos(np.radians((south + north) / 2)))
    ax.set_xlabel("longitude (deg)")
    ax.set_ylabel("latitude (deg)")
    ax.set_title(
        "Chosen sites (red stars, by rank; lines join the campuses of one "
        "gigafactory) and candidates (x: excluded)"
        if len(result.campus_links)
        else "Chosen sites (red stars, by rank) and candidates (x: excluded)"
    )


def plot_front(front: pd.DataFrame, *, by_carbon: bool = False) -> Figure:
    """Cost (EUR m/yr) against mean RTT (ms) with the end points and the scenario's
    optimum marked; with ``by_carbon`` the points are coloured by emissions
    (kt CO2/yr)."""
    from matplotlib.figure import Figure

    figure = Figure(figsize=(7.0, 4.8))
    axes = figure.add_subplot()
    cost = front["cost_eur_per_year"] / 1e6
    rtt = front["mean_rtt_ms"]
    carbon = front["carbon_t_per_year"] / 1e3
    if by_carbon:
        points = axes.scatter(rtt, cost, c=carbon, cmap="viridis", s=28, zorder=3)
        figure.colorbar(points, ax=axes, label="emissions (kt CO2/yr)")
    else:
        ordered = front.sort_values("mean_rtt_ms")
        axes.step(
            ordered["mean_rtt_ms"],
            ordered["cost_eur_per_year"] / 1e6,
            where="post",
            color="0.6",
            linewidth=1,
        )
        axes.scatter(rtt, cost, s=28, color="tab:blue", zorder=3)
    best = front["objective_eur_per_year"].idxmin()
    axes.scatter(
        [rtt[best]],
        [cost[best]],
        s=120,
        facecolors="none",
        edgecolors="tab:red",
        zorder=4,
        label="optimum at the scenario's price of latency",
    )
    for _, row in front[front["end"] != ""].iterrows():
        axes.annotate(
            row["end"].replace(";", ", ").replace("_", " "),
            (row["mean_rtt_ms"], row["cost_eur_per_year"] / 1e6),
            textcoords="offset points",
            xytext=(6, 6),
            fontsize=8,
        )
    axes.set_xlabel("researcher-weighted mean RTT (ms)")
    axes.set_ylabel("annual cost of the sites (EUR m/yr)")
    axes.set_title(f"Pareto front: {len(front)} non-dominated portfolios")
    axes.grid(True, alpha=0.3)
    axes.legend(loc="upper right", fontsize=8)
    return figure
