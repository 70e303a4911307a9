"""The Pareto front of annual cost against researcher-weighted latency (and carbon).

Objectives (see :mod:`siting.analysis.objectives`): annual cost of the chosen sites
(EUR/yr), researcher-weighted mean RTT (ms) and, with ``with_carbon``, their emissions
(t CO2/yr). A portfolio is on the front when no other is at least as good in every
objective and better in one.

Cost against latency: the two-phase search of :mod:`siting.analysis.pareto_search`,
every solve an exact p-median solve on the fast path. With ``with_carbon`` the front
comes from the epsilon-constraint MIP of :mod:`siting.analysis.pareto_carbon`.

``resolution_ms``: the search only looks for points at least ``resolution_ms`` faster
than every point found that is no dearer. Every point it returns is non-dominated
except, at worst, by a point it skipped that is faster by less than ``resolution_ms``
at no higher cost. On the packaged data 1e-9 ms returns 129 points and the default
1e-4 ms 128: the one left out is 2.9e-5 ms faster than its cheaper neighbour.

Cost. On the packaged data (203 candidates, 186 hubs, p = 5, at most one per country)
the whole front takes 7.3 s with two processes and 9.5 s with one on a 2-core Intel
Xeon (2 Dec 2026, same run; ``workers``): 11,049 solves on one process, 5,223 of
them p-median solves, the rest closed-form cheapest portfolios. The lexicographic
epsilon-constraint MIP it replaced took about 5 s per point with a latency bound,
11 min for the front: ``benchmarks/pareto.py`` measures both and checks that the
two methods' first points agree.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pandas as pd

from siting.analysis.pareto_carbon import carbon_front
from siting.analysis.pareto_search import TwoPhaseSearch
from siting.errors import InfeasibleError, InputError
from siting.output.files import csv_text, png_bytes, write_folder
from siting.output.plots import plot_front
from siting.run import Inputs
from siting.solve import check_feasible

__all__ = ["pareto_front", "write_pareto"]


def pareto_front(
    inputs: Inputs,
    *,
    with_carbon: bool = False,
    resolution_ms: float = 1e-4,
    resolution_t: float = 1.0,
    progress: Callable[[str], None] | None = None,
    workers: int = 1,
) -> pd.DataFrame:
    """The non-dominated portfolios of cost against latency (and carbon).

    Parameters
    ----------
    inputs
        From :func:`siting.run.prepare`.
    with_carbon
        Add emissions (t CO2/yr) as a third objective.
    resolution_ms
        Smallest step in mean RTT between two points (ms).
    resolution_t
        Smallest step in emissions between two carbon bounds (t CO2/yr).
    progress
        Called with a short description as each point is found.
    workers
        Processes that search the cost-latency front, this one included (>= 1): the
        gaps between its supported points are shared among them
        (:mod:`siting.analysis.pareto_gaps`); the front is the same for any number.
        Ignored with ``with_carbon``.

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
    siting.errors.InputError
        If ``workers`` is not a whole number >= 1.
    """
    report = progress or (lambda _message: None)
    if with_carbon:
        rows = carbon_front(inputs, resolution_ms, resolution_t, report)
        return _table(inputs, rows)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise InputError(f"workers must be a whole number >= 1, got {workers!r}")
    search = TwoPhaseSearch(inputs, resolution_ms, report)
    points = search.run(workers)
    if not points:
        _raise_infeasible(inputs)
    status = "optimal" if search.proven else "time_limit"
    return _table(inputs, [(p, status) for p in points])


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


def _raise_infeasible(inputs: Inputs) -> None:
    check_feasible(inputs.problem.instance)
    raise InfeasibleError(
        "the p-median has no solution: the solver proved the scenario's constraints "
        "conflict; run siting optimise for a diagnosis of which ones"
    )
