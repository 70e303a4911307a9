"""The K best distinct portfolios of the scenario's objective (Lawler's partition).

Solve the scenario; then split the portfolios not yet listed into disjoint subsets by
forcing and excluding sites (Lawler 1972, as in Murty's ranking of assignments): for
the listed optimum S of a subset with free sites s_1..s_q, child k forces s_1..s_k-1
and excludes s_k. Every child is solved exactly through the solver's door with the
scenario's backend; the best child optimum is the next portfolio. Each solve is exact,
so the k-th portfolio is the k-th best of all feasible portfolios (ties in any order).
Every portfolio is re-evaluated with each hub at its nearest chosen site.
"""

from __future__ import annotations

import heapq
from pathlib import Path

import pandas as pd

from siting.analysis.objectives import Portfolio, evaluate_portfolio
from siting.errors import InfeasibleError, InputError
from siting.output.files import csv_text, write_folder
from siting.run import Inputs, time_limit_of
from siting.solve import PMedianInstance, Solution, solve_pmedian

__all__ = ["alternatives", "write_alternatives"]


def alternatives(inputs: Inputs, k: int) -> pd.DataFrame:
    """The ``k`` best distinct portfolios, best first.

    Parameters
    ----------
    inputs
        From :func:`siting.run.prepare`.
    k
        Number of portfolios (>= 1); fewer are returned when fewer exist.

    Returns
    -------
    DataFrame indexed by ``rank`` (1 = the optimum) with ``objective_eur_per_year``,
    ``gap_eur_per_year`` and ``gap_fraction`` (how far above the optimum, EUR/yr and
    as a share of it), ``cost_eur_per_year``, ``mean_rtt_ms``, ``carbon_t_per_year``,
    ``site_ids`` (";"-joined), ``added`` and ``removed`` (sites in and out against
    the optimum) and ``status`` ("optimal" or "time_limit").

    Raises
    ------
    siting.errors.InputError
        If ``k < 1``.
    siting.errors.InfeasibleError
        If the scenario's constraints admit no portfolio.
    """
    if k < 1:
        raise InputError(f"alternatives: k must be at least 1, got {k}")
    base = inputs.problem.instance
    scenario = inputs.scenario

    def solve(inst: PMedianInstance) -> Solution | None:
        try:
            return solve_pmedian(
                inst,
                solver=scenario.solver.name,
                time_limit=time_limit_of(scenario),
                diagnose_infeasible=False,
            )
        except InfeasibleError:
            return None

    first = solve(base)
    if first is None:
        raise InfeasibleError(
            "the p-median has no solution: the scenario's constraints conflict; run "
            "siting optimise for a diagnosis"
        )
    heap = [(first.objective, 0, first, base)]
    pushed = 0
    found: list[tuple[Portfolio, str]] = []
    while heap and len(found) < k:
        _, _, solution, inst = heapq.heappop(heap)
        found.append((evaluate_portfolio(inputs, solution.selected), solution.status))
        free = [int(i) for i in solution.selected if int(i) not in set(inst.forced)]
        for j, site in enumerate(free):
            child = inst.with_sites(forced=free[:j], excluded=[site])
            answer = solve(child)
            if answer is not None:
                pushed += 1
                heapq.heappush(heap, (answer.objective, pushed, answer, child))
    return _table(inputs, found)


def write_alternatives(
    table: pd.DataFrame, out_dir: Path, *, force: bool
) -> list[Path]:
    """Write ``alternatives.csv`` into ``out_dir``."""
    return write_folder(
        out_dir, {"alternatives.csv": csv_text(table, index=True)}, force=force
    )


def _table(inputs: Inputs, found: list[tuple[Portfolio, str]]) -> pd.DataFrame:
    ids = inputs.problem.site_ids
    best = found[0][0]
    optimum = best.objective_eur_per_year
    rows = []
    for portfolio, status in found:
        chosen = set(portfolio.selected)
        gap = portfolio.objective_eur_per_year - optimum
        rows.append(
            {
                "objective_eur_per_year": portfolio.objective_eur_per_year,
                "gap_eur_per_year": gap,
                "gap_fraction": gap / abs(optimum) if optimum else 0.0,
                "cost_eur_per_year": portfolio.cost_eur_per_year,
                "mean_rtt_ms": portfolio.mean_rtt_ms,
                "carbon_t_per_year": portfolio.carbon_t_per_year,
                "site_ids": ";".join(ids[i] for i in portfolio.selected),
                "added": ";".join(ids[i] for i in sorted(chosen - set(best.selected))),
                "removed": ";".join(
                    ids[i] for i in sorted(set(best.selected) - chosen)
                ),
                "status": status,
            }
        )
    table = pd.DataFrame(rows)
    table.index = pd.RangeIndex(1, len(table) + 1, name="rank")
    return table
