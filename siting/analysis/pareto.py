"""The Pareto front of annual cost against researcher-weighted latency (and carbon).

Objectives (see :mod:`siting.analysis.model`): annual cost of the chosen sites
(EUR/yr), researcher-weighted mean RTT (ms) and, with ``with_carbon``, their emissions
(t CO2/yr). A portfolio is on the front when no other is at least as good in every
objective and better in one.

Cost against latency: a two-phase method (Ulungu and Teghem 1995; Przybylski,
Gandibleux and Ehrgott 2008) whose every solve is the fast exact p-median solver
:func:`siting.fast.solve_fast` (milliseconds on the packaged data) instead of a MIP.

1. End points and supported points. Minimise cost alone (hub weights 0) and latency
   alone (fixed costs 0); then, for two adjacent points a and b, minimise
   ``cost + lambda * latency`` with ``lambda = (C_b - C_a) / (L_a - L_b)`` (hub weights
   ``lambda * r_j / R``, fixed costs ``F_i``) and recurse on each side of a point below
   the line through a and b (the dichotomic method of Aneja and Nair 1979). With
   ``lambda > 0`` each such optimum is non-dominated.
2. Unsupported points. Between two adjacent supported points a and b, a best-first
   branch and bound over sets of sites finds every non-dominated point with cost in
   ``[C_a, C_b)`` (they lie in the triangle a, b, ``(C_b, L_a)``). A node is a set of
   forced and excluded sites; two exact solves bound it, on ``cost + lambda *
   latency`` (the lambda of a and b) and on cost. Its portfolios are split into ``p``
   or fewer children that each exclude its weighted optimum (the partition of Lawler
   1972). Each optimum found is evaluated exactly and kept when no point found so far
   dominates it. A node is dropped when its bounds prove that none of its portfolios
   lies in the region no point found so far dominates (the boxes ``C_k <= C <
   C_k+1, L < L_k`` between adjacent points k and k+1). A bound on latency too (a
   third solve) pruned too few nodes to pay for itself on the packaged data.

The scenario's ``solver`` choice applies to the carbon MIP below only: the
cost-latency front always uses the fast solver, whose answers equal the MIP's.

Every bound is a proven lower bound (the solver's, not its incumbent), so a dropped
node holds no point of the front. A solve that hits the scenario's time limit weakens
its bound or, when it found no portfolio, leaves its node unexplored; every point is
then marked ``"time_limit"``. Two values closer than 1e-8 (relative) count as equal,
as in the MIP's gap.

``resolution_ms``: the search only looks for points at least ``resolution_ms`` faster
than every point found that is no dearer. Every point it returns is non-dominated
except, at worst, by a point it skipped that is faster by less than ``resolution_ms``
at no higher cost. On the packaged data the default 1e-4 ms returns the same 98 points
as 1e-9 ms; 0.1 ms returns 29 points in about 21 s and 1 ms 9 points in about 4 s.

Cost. On the packaged data (181 candidates, 338 hubs, p = 5, at most one per country)
the whole front, 98 points, takes about 26 s on a 2-core machine (about 8 900 solves
of a few milliseconds). The lexicographic epsilon-constraint MIP it replaced took 22
to 25 s per point in the same run, about 38 min for the front (a busier machine saw
about 60 s per point): ``benchmarks/pareto.py`` measures both and checks that the
two methods' first points agree.

With carbon: lexicographic epsilon-constraint over the MIP of
:class:`~siting.analysis.model.ObjectiveModel` (Haimes, Lasdon and Wismer 1971;
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

import heapq
import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from siting.analysis.files import csv_text, png_bytes, write_folder
from siting.analysis.model import Inputs, ObjectiveModel, Outcome, Portfolio
from siting.errors import InfeasibleError, SolverError
from siting.fast import solve_fast
from siting.instance import check_feasible

if TYPE_CHECKING:
    from matplotlib.figure import Figure

__all__ = ["pareto_front", "plot_front", "write_pareto"]


#: Relative slack on a bound that holds an objective at its optimum (above the MIP
#: gap of 1e-9, far below any difference between two portfolios); also the relative
#: difference below which the two-phase search counts two values as equal.
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
    if not with_carbon:
        search = _Search(model, resolution_ms, report)
        points = search.run()
        if not points:
            _raise_infeasible(model)
        status = "optimal" if search.proven else "time_limit"
        return _table(inputs, [(p, status) for p in points])
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


class _Search:
    """The two-phase search of cost against latency (see the module docstring)."""

    def __init__(self, model: ObjectiveModel, resolution_ms: float, report) -> None:
        problem = model.inputs.problem
        self.model = model
        self.report = report
        self.resolution_ms = resolution_ms
        self.cost, _, self.p = problem.arrays()
        self.options = problem.constraints()
        self.fixed = np.asarray(self.options.pop("fixed_cost"), dtype=float)
        self.forced = tuple(int(i) for i in self.options.pop("forced"))
        self.excluded = tuple(int(i) for i in self.options.pop("excluded"))
        researchers = model.inputs.researchers
        self.share = researchers / researchers.sum()
        limit = model.inputs.scenario.solver.time_limit_s
        self.time_limit = None if np.isinf(limit) else limit
        self.proven = True
        self.solves = 0
        self.found: dict[tuple[int, ...], Portfolio] = {}
        self._front: list[Portfolio] = []
        self._cache: dict[tuple, tuple[tuple[int, ...] | None, float]] = {}

    def run(self) -> list[Portfolio]:
        """Every point of the front, cheapest first (empty when none is feasible)."""
        cheapest, bound = self.solve("cost", 0.0, (), ())
        if cheapest is None and bound == math.inf:
            return []
        if cheapest is None:
            raise SolverError(
                f"no portfolio found within the time limit of {self.time_limit} s per "
                "solve; raise --time-limit"
            )
        self.solve("latency", 0.0, (), ())
        supported = self._dichotomic()
        self.report(
            f"{len(supported)} supported points in {self.solves} solves; "
            "searching between them"
        )
        edges = [-math.inf, *(q.cost_eur_per_year for q in supported[1:-1]), math.inf]
        for k, (a, b) in enumerate(zip(supported, supported[1:], strict=False)):
            lam = (b.cost_eur_per_year - a.cost_eur_per_year) / (
                a.mean_rtt_ms - b.mean_rtt_ms
            )
            self._tree(lam, edges[k], edges[k + 1])
            self.report(
                f"gap {k + 1}/{len(supported) - 1} searched: {len(self._front)} "
                f"points, {self.solves} solves"
            )
        return list(self._front)

    def solve(self, kind: str, lam: float, forced, excluded):
        """Minimise cost (``"cost"``), latency (``"latency"``) or cost + lam *
        latency (``"sum"``) with these sites forced and excluded; offer the optimum
        to the front.

        Returns the optimum's sites (None when the node is empty or none was found)
        and a proven lower bound (inf when empty, -inf when unknown).
        """
        key = (kind, lam, forced, excluded)
        if key in self._cache:
            return self._cache[key]
        weights = {"cost": 0.0, "latency": 1.0, "sum": lam}[kind] * self.share
        fixed = self.fixed if kind != "latency" else np.zeros_like(self.fixed)
        self.solves += 1
        try:
            solution = solve_fast(
                self.cost,
                weights,
                self.p,
                fixed_cost=fixed,
                forced=self.forced + forced,
                excluded=self.excluded + excluded,
                time_limit=self.time_limit,
                **self.options,
            )
        except InfeasibleError:
            answer = (None, math.inf)
        except SolverError:
            self.proven = False
            answer = (None, -math.inf)
        else:
            self.proven &= solution.status == "optimal"
            selected = tuple(int(i) for i in solution.selected)
            self._offer(selected)
            answer = (selected, float(solution.bound))
        self._cache[key] = answer
        return answer

    def _offer(self, selected: tuple[int, ...]) -> None:
        """Add a portfolio to the front if nothing found dominates it and it lies in
        the region searched (or dominates a point found); drop what it dominates."""
        if selected in self.found:
            return
        z = self.model.evaluate(selected)
        self.found[selected] = z
        cost, rtt = z.cost_eur_per_year, z.mean_rtt_ms
        if any(
            q.cost_eur_per_year <= cost and q.mean_rtt_ms <= rtt for q in self._front
        ):
            return
        beaten = [
            q
            for q in self._front
            if cost <= q.cost_eur_per_year and rtt <= q.mean_rtt_ms
        ]
        searched = not any(
            q.cost_eur_per_year <= cost and q.mean_rtt_ms - self.resolution_ms <= rtt
            for q in self._front
        )
        if beaten or searched:
            self._front = sorted(
                [q for q in self._front if q not in beaten] + [z],
                key=lambda q: (q.cost_eur_per_year, q.mean_rtt_ms),
            )

    def _dichotomic(self) -> list[Portfolio]:
        """The supported points between the two end points, cheapest first."""
        points = {q.selected: q for q in (self._front[0], self._front[-1])}
        pairs = [(self._front[0], self._front[-1])]
        while pairs:
            a, b = pairs.pop()
            drop = a.mean_rtt_ms - b.mean_rtt_ms
            if drop <= 0 or b.cost_eur_per_year <= a.cost_eur_per_year:
                continue
            lam = (b.cost_eur_per_year - a.cost_eur_per_year) / drop
            selected, _ = self.solve("sum", lam, (), ())
            if selected is None:
                continue
            z = self.found[selected]
            line = a.cost_eur_per_year + lam * a.mean_rtt_ms
            below = z.cost_eur_per_year + lam * z.mean_rtt_ms < line - _HOLD * line
            if below and selected not in points:
                points[selected] = z
                pairs += [(a, z), (z, b)]
        supported = []
        for q in sorted(
            points.values(), key=lambda q: (q.cost_eur_per_year, q.mean_rtt_ms)
        ):
            if not supported or q.mean_rtt_ms < supported[-1].mean_rtt_ms:
                supported.append(q)
        return supported

    def _tree(self, lam: float, low: float, high: float) -> None:
        """Branch and bound for every point with cost in ``[low, high)``.

        A node is queued with its parent's bounds and solved when it is taken
        (then queued again under its own bound), so a node that the points found
        meanwhile rule out costs no solve.
        """
        heap = [(-math.inf, 0, (), (), -math.inf, False)]
        pushed = 0
        while heap:
            node = heapq.heappop(heap)
            bound, _, forced, excluded, cost_lb, solved = node
            if not self._open(cost_lb, bound, lam, low, high):
                continue
            selected, own = self.solve("sum", lam, forced, excluded)
            if selected is None:
                continue
            if not solved:
                pushed += 1
                heapq.heappush(heap, (max(bound, own), pushed, *node[2:5], True))
                continue
            cost_lb = max(cost_lb, self.solve("cost", 0.0, forced, excluded)[1])
            if not self._open(cost_lb, bound, lam, low, high):
                continue
            free = [i for i in selected if i not in forced and i not in self.forced]
            for k, site in enumerate(free):
                pushed += 1
                child = (
                    tuple(sorted(forced + tuple(free[:k]))),
                    tuple(sorted((*excluded, site))),
                )
                heapq.heappush(heap, (bound, pushed, *child, cost_lb, False))

    def _open(
        self, cost_lb: float, sum_lb: float, lam: float, low: float, high: float
    ) -> bool:
        """Whether a node with these lower bounds on cost and on cost + lam *
        latency may hold an undominated point with cost in ``[low, high)``.

        The undominated region is the union of the boxes ``C_k <= C < C_k+1, L <
        L_k - resolution_ms`` between adjacent points k and k+1 found so far. No
        point is cheaper than the cheapest end or faster than the fastest end (both
        are solved exactly first), so the two unbounded boxes are empty.
        """
        front = self._front
        for left, right in zip(front, front[1:], strict=False):
            start, end = left.cost_eur_per_year, min(right.cost_eur_per_year, high)
            if end <= low or start >= high:
                continue
            rtt = left.mean_rtt_ms - self.resolution_ms
            corner = end + lam * rtt
            if cost_lb < end - _HOLD * abs(end) and sum_lb < corner - _HOLD * abs(
                corner
            ):
                return True
        return False


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
