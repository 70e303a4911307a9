"""The Pareto front of annual cost against researcher-weighted latency (and carbon).

Objectives (see :mod:`siting.analysis.model`): annual cost of the chosen sites
(EUR/yr), researcher-weighted mean RTT (ms) and, with ``with_carbon``, their emissions
(t CO2/yr). A portfolio is on the front when no other is at least as good in every
objective and better in one.

Cost against latency: a two-phase method (Ulungu and Teghem 1995; Przybylski,
Gandibleux and Ehrgott 2008) whose every solve is an exact p-median solve through the
solver's door (:func:`siting.solve.solve_pmedian` with the scenario's backend; the
default fast path takes milliseconds on the packaged data) instead of a MIP.

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

With ``with_carbon`` the front comes from :mod:`siting.analysis.pareto_carbon`.

Every bound is a proven lower bound (the solver's, not its incumbent), so a dropped
node holds no point of the front. A solve that hits the scenario's time limit weakens
its bound or, when it found no portfolio, leaves its node unexplored; every point is
then marked ``"time_limit"``. Two values closer than 1e-8 (relative) count as equal,
as in the MIP's gap.

``resolution_ms``: the search only looks for points at least ``resolution_ms`` faster
than every point found that is no dearer. Every point it returns is non-dominated
except, at worst, by a point it skipped that is faster by less than ``resolution_ms``
at no higher cost. On the packaged data (2 Dec 2026) the default 1e-4 ms returns the
same 129 points as 1e-9 ms (38.5 s against 46.7 s); 0.1 ms returns 66 points in
29.4 s and 1 ms 26 points in 18.6 s.

Cost. On the packaged data (203 candidates, 186 hubs, p = 5, at most one per country)
the whole front, 129 points, takes about 35 s on a 2-core machine (about 19,400
solves, 11,800 of them p-median solves of about 3 ms; the rest closed-form cheapest
portfolios). The lexicographic epsilon-constraint MIP it replaced took 4.9 s per point
with a latency bound in the same run, about 10 min for the front:
``benchmarks/pareto.py`` measures both and checks that the two methods' first points
agree.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from siting.analysis.objectives import Portfolio, evaluate_portfolio
from siting.analysis.pareto_carbon import carbon_front
from siting.errors import InfeasibleError, SolverError
from siting.output.files import csv_text, png_bytes, write_folder
from siting.output.plots import plot_front
from siting.run import Inputs, time_limit_of
from siting.solve import cheapest_portfolio, check_feasible, solve_pmedian

__all__ = ["pareto_front", "write_pareto"]


#: Relative difference below which the two-phase search counts two values as equal
#: (above the solvers' gap of 1e-9, far below any difference between portfolios).
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
        From :func:`siting.run.prepare`.
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
    report = progress or (lambda _message: None)
    if with_carbon:
        rows = carbon_front(inputs, resolution_ms, resolution_t, report)
        return _table(inputs, rows)
    search = _Search(inputs, resolution_ms, report)
    points = search.run()
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


class _Search:
    """The two-phase search of cost against latency (see the module docstring)."""

    def __init__(
        self, inputs: Inputs, resolution_ms: float, report: Callable[[str], None]
    ) -> None:
        self.inputs = inputs
        self.report = report
        self.resolution_ms = resolution_ms
        self.instance = inputs.problem.instance
        researchers = inputs.researchers
        self.share = researchers / researchers.sum()
        self.solver = inputs.scenario.solver.name
        self.time_limit = time_limit_of(inputs.scenario)
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
        fixed = self.instance.fixed_cost
        inst = self.instance.with_costs(
            weights=weights, fixed_cost=fixed if kind != "latency" else 0 * fixed
        ).with_sites(forced=forced, excluded=excluded)
        self.solves += 1
        cheapest = cheapest_portfolio(inst) if kind == "cost" else None
        if cheapest is not None:
            if not cheapest.size:
                answer = (None, math.inf)
            else:
                selected = tuple(int(i) for i in cheapest)
                self._offer(selected)
                answer = (selected, float(fixed[cheapest].sum()))
            self._cache[key] = answer
            return answer
        try:
            solution = solve_pmedian(
                inst,
                solver=self.solver,
                time_limit=self.time_limit,
                diagnose_infeasible=False,
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
        z = evaluate_portfolio(self.inputs, selected)
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
            base = set(self.instance.forced.tolist())
            free = [i for i in selected if i not in forced and i not in base]
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
