"""Why each chosen site won: its cost breakdown and its regret.

The regret of a chosen site is how much the scenario's objective rises when that site
is forbidden and the problem is solved again (EUR/yr): the price of doing without it.
The replacement is the site (or sites) that enter the portfolio in its place.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from siting.errors import InfeasibleError
from siting.pipeline import Result, solve_problem
from siting.problem import COST_PARTS

__all__ = ["EXPLAIN_COLUMNS", "explain"]

#: Parts of a site's annual cost, EUR/yr (columns of the site table).
_PARTS = tuple(column for columns in COST_PARTS.values() for column in columns)

#: Columns of :func:`explain`, units in the names.
EXPLAIN_COLUMNS = (
    "rank",
    "country",
    *_PARTS,
    "annual_cost_eur",
    "researchers_served",
    "mean_rtt_ms",
    "latency_eur_per_year",
    "regret_eur_per_year",
    "objective_without_eur_per_year",
    "replacement_site_id",
)


def explain(result: Result) -> pd.DataFrame:
    """Cost breakdown and regret of every chosen site, in rank order.

    Parameters
    ----------
    result
        A run from :func:`siting.optimise`.

    Returns
    -------
    DataFrame indexed by ``site_id`` with the columns of :data:`EXPLAIN_COLUMNS`:
    the site's cost parts and ``annual_cost_eur`` (EUR/yr), the researchers (FTE) it
    serves and their mean RTT (ms), ``latency_eur_per_year`` (the priced latency of
    its hubs, EUR/yr), ``regret_eur_per_year`` (rise of the objective when the site
    is forbidden; ``inf`` when no portfolio exists without it; NaN for a site the
    scenario forces), ``objective_without_eur_per_year`` and
    ``replacement_site_id`` (the sites that enter instead, ";"-joined, "" when none).
    One re-solve per chosen site, with the scenario's solver settings.
    """
    problem, solution = result.problem, result.solution
    selection = result.selection
    rows = np.arange(len(problem.hub_ids))
    assigned = solution.assignment
    priced = problem.weights * problem.rtt_ms[rows, assigned]
    latency = np.bincount(assigned, weights=priced, minlength=len(problem.site_ids))
    table = selection[["rank", "country", *_PARTS, "annual_cost_eur"]].copy()
    table["researchers_served"] = selection["researchers_served"]
    table["mean_rtt_ms"] = selection["mean_rtt_ms"]
    position = {site_id: i for i, site_id in enumerate(problem.site_ids)}
    table["latency_eur_per_year"] = [latency[position[s]] for s in table.index]
    without = [_without(result, position[s]) for s in table.index]
    table["objective_without_eur_per_year"] = [value for value, _ in without]
    table["regret_eur_per_year"] = (
        table["objective_without_eur_per_year"] - solution.objective
    )
    table["replacement_site_id"] = [entering for _, entering in without]
    return table.loc[:, list(EXPLAIN_COLUMNS)]


def _without(result: Result, site: int) -> tuple[float, str]:
    """Objective (EUR/yr) of the best portfolio without ``site`` and who enters."""
    problem = result.problem
    if site in problem.forced:
        return np.nan, ""
    excluded = tuple(sorted({*problem.excluded, site}))
    try:
        solution = solve_problem(
            dataclasses.replace(problem, excluded=excluded), result.scenario
        )
    except InfeasibleError:
        return np.inf, ""
    before = set(result.solution.selected.tolist())
    entering = [i for i in solution.selected.tolist() if i not in before]
    served = _served_from(result, site, solution.assignment)
    entering.sort(key=lambda i: (-served.get(i, 0.0), problem.site_ids[i]))
    return solution.objective, ";".join(problem.site_ids[i] for i in entering)


def _served_from(result: Result, site: int, assignment: np.ndarray) -> dict[int, float]:
    """Researchers (FTE) of the hubs ``site`` served, by the site serving them now."""
    researchers = result.hubs["researchers"].to_numpy(float)
    moved = result.solution.assignment == site
    totals = np.bincount(assignment[moved], weights=researchers[moved])
    return {int(i): float(v) for i, v in enumerate(totals) if v > 0}
