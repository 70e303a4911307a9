"""The K best distinct portfolios of the scenario's objective, by no-good cuts.

Solve the scenario's MIP; add the cut ``sum_{i in S} y_i <= p - 1`` that forbids
exactly the set S just found; solve again; repeat. Each solve is exact, so the k-th
portfolio is the k-th best of all feasible portfolios (ties in any order). Every
portfolio is re-evaluated with each hub at its nearest chosen site.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from siting.analysis.files import csv_text, write_folder
from siting.analysis.model import Inputs, ObjectiveModel
from siting.errors import InfeasibleError, InputError
from siting.instance import check_feasible

__all__ = ["alternatives", "write_alternatives"]


def alternatives(inputs: Inputs, k: int) -> pd.DataFrame:
    """The ``k`` best distinct portfolios, best first.

    Parameters
    ----------
    inputs
        From :func:`siting.analysis.model.prepare`.
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
    model = ObjectiveModel(inputs)
    found = []
    for _ in range(k):
        outcome = model.solve("total")
        if outcome.portfolio is None:
            break
        found.append((outcome.portfolio, outcome.status))
        model.forbid(outcome.portfolio.selected)
    if not found:
        check_feasible(model.instance)
        raise InfeasibleError(
            "the p-median has no solution: the solver proved the scenario's "
            "constraints conflict; run siting optimise for a diagnosis"
        )
    return _table(inputs, found)


def write_alternatives(
    table: pd.DataFrame, out_dir: Path, *, force: bool
) -> list[Path]:
    """Write ``alternatives.csv`` into ``out_dir``."""
    return write_folder(
        out_dir, {"alternatives.csv": csv_text(table, index=True)}, force=force
    )


def _table(inputs: Inputs, found) -> pd.DataFrame:
    ids = inputs.problem.site_ids
    best = found[0][0]
    optimum = best.objective_eur_per_year
    rows = []
    for portfolio, status in found:
        chosen = set(portfolio.selected)
        rows.append(
            {
                "objective_eur_per_year": portfolio.objective_eur_per_year,
                "gap_eur_per_year": portfolio.objective_eur_per_year - optimum,
                "gap_fraction": (portfolio.objective_eur_per_year - optimum)
                / abs(optimum)
                if optimum
                else 0.0,
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
