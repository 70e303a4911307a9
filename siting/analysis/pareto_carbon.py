"""The Pareto front of cost, latency and carbon, by the epsilon-constraint method.

Lexicographic epsilon-constraint over the MIP of
:class:`~siting.analysis.objectives.ObjectiveModel` (Haimes, Lasdon and Wismer 1971;
Mavrotas 2009 for the lexicographic step that keeps out weakly dominated points). Step
2 below runs under ``carbon <= E``, first with no bound, then with ``E`` the largest
carbon of the last front minus ``resolution_t``, until infeasible. A non-dominated
point is beaten in (cost, latency) only by points of higher carbon, so some bound keeps
it in a front; the union is filtered for non-domination.

1. End points. Minimise cost, then latency, then carbon, each holding the previous at
   its optimum: the cheapest end; latency first: the fastest end.
2. From the cheapest end, repeatedly minimise cost subject to
   ``latency <= previous latency - resolution_ms`` (then latency, then carbon), until
   the bound passes the fastest end. Each solve is exact (MIP gap 1e-9). On the
   packaged data each point takes about a minute: use a small ``--data-dir`` or a large
   ``resolution_ms``.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from siting.analysis.objectives import ObjectiveModel, Outcome, Portfolio
from siting.errors import InfeasibleError
from siting.run import Inputs
from siting.solve import check_feasible

__all__ = ["carbon_front"]

#: Relative slack on a bound that holds an objective at its optimum (above the MIP
#: gap of 1e-9, far below any difference between two portfolios).
_HOLD = 1e-8


def carbon_front(
    inputs: Inputs,
    resolution_ms: float,
    resolution_t: float,
    report: Callable[[str], None],
) -> list[tuple[Portfolio, str]]:
    """The non-dominated (cost, latency, carbon) portfolios with their status.

    Parameters
    ----------
    inputs
        From :func:`siting.run.prepare`.
    resolution_ms
        Smallest step in mean RTT between two points (ms).
    resolution_t
        Smallest step in emissions between two carbon bounds (t CO2/yr).
    report
        Called with a short description as each point is found.

    Raises
    ------
    siting.errors.InfeasibleError
        If the scenario's constraints admit no portfolio.
    """
    model = ObjectiveModel(inputs)
    order = ("cost", "latency", "carbon")
    found: dict[tuple[int, ...], tuple[Portfolio, str]] = {}
    carbon_bound = np.inf
    while True:
        front = _front(model, {"carbon": carbon_bound}, order, resolution_ms, report)
        if not front:
            break
        for portfolio, status in front:
            found.setdefault(portfolio.selected, (portfolio, status))
        carbon_bound = max(p.carbon_t_per_year for p, _ in front) - resolution_t
    if not found:
        check_feasible(inputs.problem.instance)
        raise InfeasibleError(
            "the p-median has no solution: the solver proved the scenario's "
            "constraints conflict; run siting optimise for a diagnosis of which ones"
        )
    keep = _non_dominated([p for p, _ in found.values()], order)
    return [found[p.selected] for p in keep]


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
