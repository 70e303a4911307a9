"""Why each chosen site won: its regret, and its best single replacement.

Computed by the run (:func:`siting.run.optimise`) once the problem is solved, and
stored in the :class:`~siting.result.Result`, so writing outputs never solves.

- :func:`regrets`: how much the objective rises when a chosen site is forbidden and
  the whole portfolio is optimised again (EUR/yr), and which sites enter instead: the
  price of doing without it. One exact re-solve per chosen site.
- :func:`swaps`: the best replacement of each chosen site by one other candidate,
  keeping the other chosen sites (no re-solve: every swap is priced directly).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.errors import InfeasibleError
from siting.layers.table import COST_PARTS
from siting.problem import Problem
from siting.solve import Solution, solve_pmedian

#: Parts of a site's annual cost, EUR/yr (columns of the site table).
_PARTS = tuple(column for columns in COST_PARTS.values() for column in columns)

#: Columns of :func:`regrets`, units in the names.
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


def regrets(
    problem: Problem,
    solution: Solution,
    selection: pd.DataFrame,
    researchers: NDArray[np.float64],
    *,
    solver: str,
    time_limit: float | None,
) -> pd.DataFrame:
    """Cost breakdown and regret of every chosen site, in rank order.

    Parameters
    ----------
    problem, solution
        The solved problem.
    selection
        The chosen sites in rank order (labelled site table with ``rank``,
        ``researchers_served`` and ``mean_rtt_ms``).
    researchers
        Researchers (FTE) of each hub, in ``problem.hub_ids`` order.
    solver, time_limit
        Backend and seconds per re-solve (the scenario's).

    Returns
    -------
    DataFrame indexed by ``site_id`` with the columns of :data:`EXPLAIN_COLUMNS`:
    the site's cost parts and ``annual_cost_eur`` (EUR/yr), the researchers (FTE) it
    serves and their mean RTT (ms), ``latency_eur_per_year`` (the priced latency of
    its hubs, EUR/yr), ``regret_eur_per_year`` (rise of the objective when the site
    is forbidden; ``inf`` when no portfolio exists without it; NaN for a site the
    scenario forces), ``objective_without_eur_per_year`` and
    ``replacement_site_id`` (the sites that enter instead, ";"-joined, "" when none).
    """
    rows = np.arange(len(problem.hub_ids))
    assigned = solution.assignment
    priced = problem.weights * problem.rtt_ms[rows, assigned]
    latency = np.bincount(assigned, weights=priced, minlength=len(problem.site_ids))
    table = selection[["rank", "country", *_PARTS, "annual_cost_eur"]].copy()
    table["researchers_served"] = selection["researchers_served"]
    table["mean_rtt_ms"] = selection["mean_rtt_ms"]
    positions = problem.positions(list(table.index))
    table["latency_eur_per_year"] = latency[positions]
    without = [
        _without(problem, solution, researchers, site, solver, time_limit)
        for site in positions
    ]
    table["objective_without_eur_per_year"] = [value for value, _ in without]
    table["regret_eur_per_year"] = (
        table["objective_without_eur_per_year"] - solution.objective
    )
    table["replacement_site_id"] = [entering for _, entering in without]
    return table.loc[:, list(EXPLAIN_COLUMNS)]


def swaps(
    problem: Problem,
    ranked: list[int],
    researchers: NDArray[np.float64],
    *,
    per_site: int = 1,
) -> pd.DataFrame:
    """The best replacements of each chosen site by one other candidate.

    Each chosen site in turn is swapped for every candidate that keeps the selection
    feasible (not excluded, country limit, minimum separation, coverage), every hub
    going to its nearest chosen site; forced sites are not swapped.

    Returns
    -------
    DataFrame with ``site_id``, ``alternative``, ``delta_eur_per_year`` (change in the
    objective, EUR/yr; positive means the chosen site is better), ``delta_fixed_eur``
    and ``delta_latency_eur`` (its parts) and ``mean_rtt_ms`` after the swap, the
    ``per_site`` cheapest swaps of each chosen site, in the order of ``ranked`` (the
    positions of the chosen sites, in rank order).
    """
    fixed, rtt, weights = problem.fixed_cost, problem.rtt_ms, problem.weights
    n_sites = len(problem.site_ids)
    chosen = list(ranked)
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
        nearest = rtt[:, rest].min(axis=1) if rest else np.full(len(rtt), np.inf)
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


def _without(
    problem: Problem,
    solution: Solution,
    researchers: NDArray[np.float64],
    site: int,
    solver: str,
    time_limit: float | None,
) -> tuple[float, str]:
    """Objective (EUR/yr) of the best portfolio without ``site`` and who enters."""
    if site in problem.forced:
        return np.nan, ""
    try:
        other = solve_pmedian(
            problem.instance.with_sites(excluded=[site]),
            solver=solver,
            time_limit=time_limit,
        )
    except InfeasibleError:
        return np.inf, ""
    before = set(solution.selected.tolist())
    entering = [i for i in other.selected.tolist() if i not in before]
    moved = solution.assignment == site
    totals = np.bincount(other.assignment[moved], weights=researchers[moved])
    served = {int(i): float(v) for i, v in enumerate(totals) if v > 0}
    entering.sort(key=lambda i: (-served.get(i, 0.0), problem.site_ids[i]))
    return other.objective, ";".join(problem.site_ids[i] for i in entering)
