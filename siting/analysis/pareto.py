"""The Pareto front of annual cost against researcher-weighted latency (and carbon).

Objectives (see :mod:`siting.analysis.model`): annual cost of the chosen sites
(EUR/yr), researcher-weighted mean RTT (ms) and, with ``with_carbon``, their emissions
(t CO2/yr). A portfolio is on the front when no other is at least as good in every
objective and better in one.

Method: lexicographic epsilon-constraint (Haimes, Lasdon and Wismer 1971; Mavrotas 2009
for the lexicographic step that keeps out weakly dominated points).

1. End points. Minimise cost, then latency with cost held at its minimum: the
   cheapest end. Minimise latency, then cost with latency held at its minimum: the
   fastest end.
2. From the cheapest end, repeatedly minimise cost subject to
   ``latency <= previous latency - resolution_ms``, then latency with that cost held,
   until the bound passes the fastest end. Each solve is exact (MIP gap 1e-9), so
   every non-dominated point whose mean RTT differs from its neighbours' by more than
   ``resolution_ms`` is found, and nothing else.
3. With carbon, step 2 runs under ``carbon <= E`` (ending each point's lexicographic
   order with carbon), first with no bound, then with ``E`` the largest carbon of the
   last front minus ``resolution_t``, until infeasible. A non-dominated point is
   beaten in (cost, latency) only by points of higher carbon, so some bound keeps it
   in a front; the union is filtered for non-domination.

Every point is re-evaluated exactly (each hub to its nearest site) before filtering.
Solves per point: 2 (3 with carbon); a time limit marks the point ``"time_limit"``.

Cost. The packaged data (182 candidates, 338 hubs) has a dense front: its first points
are 0.01 ms apart, and each took 20 to 160 s on a busy 2-core machine. A larger
``resolution_ms`` (say 0.1) traces a coarser front in far fewer solves; every point it
returns is still non-dominated, it only skips those within ``resolution_ms`` of a
point found.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from siting.analysis.files import csv_text, png_bytes, write_folder
from siting.analysis.model import Inputs, ObjectiveModel, Outcome, Portfolio
from siting.errors import InfeasibleError
from siting.instance import check_feasible

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["pareto_front", "plot_front", "write_pareto"]


#: Relative slack on a bound that holds an objective at its optimum (above the MIP
#: gap of 1e-9, far below any difference between two portfolios).
_HOLD = 1e-8


def pareto_front(
    inputs: Inputs,
    *,
    with_carbon: bool = False,
    resolution_ms: float = 1e-4,
    resolution_t: float = 1.0,
    progress: Callable[[str], None] | None = None,
) -> pd.DataFrame:
    """The non-dominated portfolios of cost against latency (and carbon).

    Parameters
    ----------
    inputs
        From :func:`siting.analysis.model.prepare`.
    with_carbon
        Add emissions (t CO2/yr) as a third objective.
    resolution_ms
        Smallest step in mean RTT between two points (ms).
    resolution_t
        Smallest step in emissions between two carbon bounds (t CO2/yr).
    progress
        Called with a short description as each point is found.

    Returns
    -------
    DataFrame, one row per point, cheapest first: ``cost_eur_per_year``,
    ``mean_rtt_ms``, ``carbon_t_per_year``, ``objective_eur_per_year`` (the scenario's
    objective at its price of latency), ``n_sites``, ``site_ids`` (";"-joined, in
    ``site_ids`` order), ``end`` ("min_cost", "min_latency", "min_cost;min_latency"
    when one portfolio is both, else "") and ``status`` ("optimal" when every solve
    behind it was proven optimal).

    Raises
    ------
    siting.errors.InfeasibleError
        If the scenario's constraints admit no portfolio.
    """
    model = ObjectiveModel(inputs)
    report = progress or (lambda _message: None)
    found: dict[tuple[int, ...], tuple[Portfolio, str]] = {}
    carbon_bound = np.inf
    order = ("cost", "latency", "carbon") if with_carbon else ("cost", "latency")
    while True:
        bounds = {"carbon": carbon_bound}
        front = _front(model, bounds, order, resolution_ms, report)
        if not front:
            break
        for portfolio, status in front:
            found.setdefault(portfolio.selected, (portfolio, status))
        if not with_carbon:
            break
        carbon_bound = max(p.carbon_t_per_year for p, _ in front) - resolution_t
    if not found:
        _raise_infeasible(model)
    keep = _non_dominated(
        [p for p, _ in found.values()], ("cost", "latency", "carbon")[: len(order)]
    )
    return _table(inputs, [found[p.selected] for p in keep])


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


def write_pareto(
    front: pd.DataFrame, out_dir: Path, *, by_carbon: bool = False, force: bool
) -> list[Path]:
    """Write ``pareto.csv`` and ``pareto.png`` (see :func:`plot_front`) into
    ``out_dir``."""
    return write_folder(
        out_dir,
        {
            "pareto.csv": csv_text(front, index=True),
            "pareto.png": png_bytes(plot_front(front, by_carbon=by_carbon)),
        },
        force=force,
    )


def _front(model: ObjectiveModel, bounds, order, resolution_ms, report):
    """Non-dominated (cost, latency) points under ``bounds``, cheapest first."""
    fastest = _lexicographic(model, bounds, ("latency", "cost", *order[2:]))
    if fastest is None:
        return []
    report(f"fastest end: mean RTT {fastest[0].mean_rtt_ms:.2f} ms")
    points = []
    eps = np.inf
    while True:
        point = _lexicographic(model, {**bounds, "latency": eps}, order)
        if point is None:
            break
        if (
            point[0].selected == fastest[0].selected
            or point[0].mean_rtt_ms <= fastest[0].mean_rtt_ms
        ):
            break
        points.append(point)
        report(
            f"point {len(points)}: EUR {point[0].cost_eur_per_year / 1e6:,.1f} m/yr, "
            f"mean RTT {point[0].mean_rtt_ms:.2f} ms (down to "
            f"{fastest[0].mean_rtt_ms:.2f} ms)"
        )
        eps = point[0].mean_rtt_ms - resolution_ms
    points.append(fastest)
    return points


def _lexicographic(model: ObjectiveModel, bounds, order):
    """Minimise the objectives in ``order``, each holding the previous at its optimum.

    Returns (portfolio, status) or None when the bounds admit no portfolio.
    """
    bounds = dict(bounds)
    best: Portfolio | None = None
    status = "optimal"
    for name in order:
        outcome: Outcome = model.solve(
            name, bounds=bounds, warm=None if best is None else best.selected
        )
        if outcome.portfolio is None:
            if best is None and outcome.status == "infeasible":
                return None
            status = "time_limit"
            break
        if outcome.status != "optimal":
            status = "time_limit"
        if best is None or outcome.portfolio.value(name) <= best.value(name):
            best = outcome.portfolio
        value = best.value(name)
        bounds[name] = value + _HOLD * max(abs(value), 1.0)
    return best, status


def _non_dominated(points: list[Portfolio], names) -> list[Portfolio]:
    values = np.array([[p.value(n) for n in names] for p in points])
    keep = []
    for k, row in enumerate(values):
        no_worse = (values <= row).all(axis=1)
        better = (values < row).any(axis=1)
        same = (values == row).all(axis=1)
        if not (no_worse & better).any() and not same[:k].any():
            keep.append(points[k])
    return keep


def _table(inputs: Inputs, rows) -> pd.DataFrame:
    site_ids = inputs.problem.site_ids
    table = pd.DataFrame(
        {
            "cost_eur_per_year": [p.cost_eur_per_year for p, _ in rows],
            "mean_rtt_ms": [p.mean_rtt_ms for p, _ in rows],
            "carbon_t_per_year": [p.carbon_t_per_year for p, _ in rows],
            "objective_eur_per_year": [p.objective_eur_per_year for p, _ in rows],
            "n_sites": [len(p.selected) for p, _ in rows],
            "site_ids": [";".join(site_ids[i] for i in p.selected) for p, _ in rows],
            "status": [status for _, status in rows],
        }
    )
    table = table.sort_values(
        ["cost_eur_per_year", "mean_rtt_ms", "carbon_t_per_year"], kind="stable"
    ).reset_index(drop=True)
    table.index.name = "point"
    ends = [""] * len(table)
    cheapest = table.index[0]
    fastest = table.sort_values(["mean_rtt_ms", "cost_eur_per_year"]).index[0]
    ends[cheapest] = "min_cost"
    ends[fastest] = "min_latency" if not ends[fastest] else "min_cost;min_latency"
    table.insert(len(table.columns) - 1, "end", ends)
    return table


def _raise_infeasible(model: ObjectiveModel):
    check_feasible(model.instance)
    raise InfeasibleError(
        "the p-median has no solution: the solver proved the scenario's constraints "
        "conflict; run siting optimise for a diagnosis of which ones"
    )
