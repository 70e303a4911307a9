"""The two-phase search of cost against latency behind
:func:`siting.analysis.pareto_front`.

A two-phase method (Ulungu and Teghem 1995; Przybylski, Gandibleux and Ehrgott 2008)
whose every solve is an exact p-median solve through the solver's door
(:func:`siting.solve.solve_pmedian` with the scenario's backend; the default fast path
takes milliseconds on the packaged data) instead of a MIP.

0. Reduction. A site that another site of its country (at most one per country)
   equals or beats on annual cost and on every hub's RTT is left out
   (:func:`siting.analysis.dominance.without_dominated`): swapping it for that
   site keeps every limit and makes no objective worse, so every portfolio holding
   it is weakly dominated.
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
   1972): child k excludes the optimum's k-th free site and keeps the ones before,
   dearest first, so the later, smaller children hold the dear sites and their cost
   bound drops them early (on the packaged data this order needs two thirds of the
   solves of the index order; benchmarks/README.md has held-out figures). Each
   optimum found is evaluated exactly and kept when no point found so far dominates
   it. A node is dropped when its bounds prove that none of its portfolios lies in the
   region no point found so far dominates (the boxes ``C_k <= C < C_k+1, L < L_k``
   between adjacent points k and k+1). Before its own solve, a
   child is tested on bounds that need none: the closed-form cheapest portfolio,
   every hub at its nearest allowed site, and the Lagrangian bound at its parent's
   multipliers (:func:`siting.solve.lagrangian_bound`, one pass over the matrix);
   those multipliers also start its solve's subgradient (about a sixth fewer
   iterations on the packaged data than a start from the incumbent).
   A bound on latency too (a third solve) pruned too few nodes to pay for itself on
   the packaged data. Each gap is searched on its own, from the supported points
   alone, and the front is the union of the gaps' points thinned by the resolution
   (:mod:`siting.analysis.pareto_gaps`, which also shares them among processes).

Every bound is a proven lower bound (the solver's, not its incumbent), so a dropped
node holds no point of the front. A solve that hits the scenario's time limit weakens
its bound or, when it found no portfolio, leaves its node unexplored; every point is
then marked ``"time_limit"``. Two values closer than 1e-8 (relative) count as equal,
as in the MIP's gap.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Callable, Sequence

import numpy as np

from siting.analysis.dominance import without_dominated
from siting.analysis.objectives import Portfolio, evaluate_portfolio
from siting.analysis.pareto_gaps import (
    HOLD,
    Gap,
    GapPool,
    GapResult,
    gaps_between,
    thin,
)
from siting.errors import InfeasibleError, SolverError
from siting.run import Inputs, time_limit_of
from siting.solve import (
    PMedianInstance,
    cheapest_portfolio,
    lagrangian_bound,
    solve_pmedian,
)

__all__ = ["TwoPhaseSearch"]

#: In place of a queued node's parent: the node's own solve is done.
_SOLVED = "solved"


def _silent(_message: str) -> None:
    """The report of a search in a worker process."""


class TwoPhaseSearch:
    """The two-phase search of cost against latency (see the module docstring).

    Parameters
    ----------
    inputs
        From :func:`siting.run.prepare`.
    resolution_ms
        Smallest step in mean RTT between two points (ms).
    report
        Called with a short description of the progress.

    Attributes
    ----------
    proven
        Whether every solve behind the points was proven optimal (after :meth:`run`).
    solves
        Number of solves made, closed-form cheapest portfolios included.
    """

    def __init__(
        self, inputs: Inputs, resolution_ms: float, report: Callable[[str], None]
    ) -> None:
        self.inputs = inputs
        self.report = report
        self.resolution_ms = resolution_ms
        self.instance = without_dominated(inputs.problem.instance)
        researchers = inputs.researchers
        self.share = researchers / researchers.sum()
        self.solver = inputs.scenario.solver.name
        self.time_limit = time_limit_of(inputs.scenario)
        self.proven = True
        self.solves = 0
        self.found: dict[tuple[int, ...], Portfolio] = {}
        self._front: list[Portfolio] = []
        self._cache: dict[tuple, tuple[tuple[int, ...] | None, float]] = {}
        inst = self.instance
        weighted = self.share > 0  # hubs whose latency counts
        self._rtt = inst.usable_cost()[weighted]
        self._rtt_share = self.share[weighted]
        self._allowed = inst.allowed_sites()
        self._multipliers: dict[tuple, np.ndarray] = {}
        # the instances of each kind of solve, and the last one built
        self._costs: dict[tuple[str, float], PMedianInstance] = {}
        self._last: tuple[tuple | None, PMedianInstance] = (None, self.instance)

    def run(self, workers: int = 1) -> list[Portfolio]:
        """Every point of the front, cheapest first (empty when none is feasible);
        the gaps between supported points searched by ``workers`` processes in all
        (:class:`siting.analysis.pareto_gaps.GapPool`)."""
        with GapPool(workers) as pool:
            supported = self.supported_points(pool.tick)
            if not supported:
                return []
            self.report(
                f"{len(supported)} supported points in {self.solves} solves; "
                "searching between them"
            )
            gaps = gaps_between(supported)
            done: list[int] = []

            def report(k: int, result: GapResult) -> None:
                done.append(k)
                self.report(
                    f"gap {k + 1} of {len(gaps)} searched ({len(done)} done): "
                    f"{len(result.points)} points, {result.solves} solves"
                )

            results = pool.search(self, supported, gaps, report)
        points = [q for result in results for q in result.points]
        self._front = thin([*self._front, *points], self.resolution_ms)
        self.solves += sum(result.solves for result in results)
        self.proven &= all(result.proven for result in results)
        self.report(f"{len(self._front)} points in {self.solves} solves")
        return list(self._front)

    def supported_points(
        self, tick: Callable[[], object] = lambda: None
    ) -> list[Portfolio]:
        """The two end points and the supported points between them, cheapest
        first (empty when no portfolio is feasible); ``tick`` is called after each
        solve between the ends."""
        cheapest, bound = self.solve("cost", 0.0, (), ())
        if cheapest is None and bound == math.inf:
            return []
        if cheapest is None:
            raise SolverError(
                f"no portfolio found within the time limit of {self.time_limit} s per "
                "solve; raise --time-limit"
            )
        self.solve("latency", 0.0, (), ())
        return self._dichotomic(tick)

    @property
    def front(self) -> list[Portfolio]:
        """The points found so far, cheapest first (the front after :meth:`run`)."""
        return list(self._front)

    def search_gap(self, supported: Sequence[Portfolio], gap: Gap) -> GapResult:
        """Search one gap from the supported points alone (:meth:`_tree`); the
        search's counts and front are left as they were."""
        front, solves, proven = self._front, self.solves, self.proven
        self._front, self.proven = list(supported), True
        try:
            self._tree(gap)
            return GapResult(tuple(self._front), self.solves - solves, self.proven)
        finally:
            self._front, self.solves, self.proven = front, solves, proven

    def __getstate__(self) -> dict:
        """The search for a worker: without its report (a caller's callable) and
        the instances it keeps (each would carry a copy of the cost matrix)."""
        state = self.__dict__.copy()
        state.update(report=_silent, _costs={}, _last=(None, self.instance))
        return state

    def solve(self, kind: str, lam: float, forced, excluded, parent=None, *, full=True):
        """Minimise cost (``"cost"``), latency (``"latency"``) or cost + lam *
        latency (``"sum"``) with these sites forced and excluded; offer the optimum
        to the front. ``parent``: the cache key of a solve whose multipliers start
        this one's Lagrangian. With ``full=False`` only the closed-form cheapest
        portfolio is tried: when it proves nothing the answer is ``(None, -inf)``,
        not cached.

        Returns the optimum's sites (None when the node is empty or none was found)
        and a proven lower bound (inf when empty, -inf when unknown).
        """
        key = (kind, lam, forced, excluded)
        if key in self._cache:
            return self._cache[key]
        inst = self._instance(kind, lam, forced, excluded)
        cheapest = cheapest_portfolio(inst) if kind == "cost" else None
        if cheapest is not None:
            self.solves += 1
            self._closed_form(key, cheapest)
            return self._cache[key]
        if not full:
            return None, -math.inf
        self.solves += 1
        try:
            solution = solve_pmedian(
                inst,
                solver=self.solver,
                time_limit=self.time_limit,
                diagnose_infeasible=False,
                multipliers=self._multipliers.get(parent),
            )
        except InfeasibleError:
            answer = (None, math.inf)
        except SolverError:
            self.proven = False
            answer = (None, -math.inf)
        else:
            self.proven &= solution.status == "optimal"
            if solution.multipliers is not None:
                self._multipliers[key] = solution.multipliers
            selected = tuple(int(i) for i in solution.selected)
            self._offer(selected)
            answer = (selected, float(solution.bound))
        self._cache[key] = answer
        return answer

    def _instance(self, kind: str, lam: float, forced, excluded) -> PMedianInstance:
        """The p-median of a solve of :meth:`solve` (the last one is kept: a child's
        bound before its solve and the solve itself use the same)."""
        key = (kind, lam, forced, excluded)
        if self._last[0] != key:
            costs = self._costs.get((kind, lam))
            if costs is None:
                weights = {"cost": 0.0, "latency": 1.0, "sum": lam}[kind] * self.share
                fixed = self.instance.fixed_cost
                costs = self._costs[kind, lam] = self.instance.with_costs(
                    weights=weights,
                    fixed_cost=fixed if kind != "latency" else 0 * fixed,
                )
            self._last = (key, costs.with_sites(forced=forced, excluded=excluded))
        return self._last[1]

    def _closed_form(self, key: tuple, cheapest) -> None:
        """Cache and offer the closed-form cheapest portfolio of a node (empty: the
        node holds no portfolio)."""
        if not cheapest.size:
            self._cache[key] = (None, math.inf)
            return
        selected = tuple(int(i) for i in cheapest)
        self._offer(selected)
        self._cache[key] = (selected, float(self.instance.fixed_cost[cheapest].sum()))

    def _offer(self, selected: tuple[int, ...]) -> None:
        """Add a portfolio to the front if nothing found dominates it and it lies in
        the region searched (or dominates a point found); drop what it dominates.
        Each portfolio is evaluated once (:attr:`found`) but offered to the front of
        every gap whose search finds it."""
        z = self.found.get(selected)
        if z is None:
            z = self.found[selected] = evaluate_portfolio(self.inputs, selected)
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

    def _dichotomic(self, tick: Callable[[], object]) -> list[Portfolio]:
        """The supported points between the two end points, cheapest first;
        ``tick`` is called after each solve."""
        points = {q.selected: q for q in (self._front[0], self._front[-1])}
        pairs = [(self._front[0], self._front[-1])]
        while pairs:
            a, b = pairs.pop()
            drop = a.mean_rtt_ms - b.mean_rtt_ms
            if drop <= 0 or b.cost_eur_per_year <= a.cost_eur_per_year:
                continue
            lam = (b.cost_eur_per_year - a.cost_eur_per_year) / drop
            selected, _ = self.solve("sum", lam, (), ())
            tick()
            if selected is None:
                continue
            z = self.found[selected]
            line = a.cost_eur_per_year + lam * a.mean_rtt_ms
            below = z.cost_eur_per_year + lam * z.mean_rtt_ms < line - HOLD * line
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

    def _tree(self, gap: Gap) -> None:
        """Branch and bound for every point of ``gap`` (costs in ``[low, high)``).

        A node is queued with its parent's bounds and the key of its parent's
        solve, whose multipliers bound it before its own solve (:meth:`_floor`) and
        start that solve's Lagrangian. It is solved when it is taken and queued
        again under its own bound (in place of the parent, :data:`_SOLVED`), so a
        node that the points found meanwhile rule out costs no solve.
        """
        lam = gap.lam
        heap = [(-math.inf, 0, (), (), -math.inf, None)]
        pushed = 0
        while heap:
            node = heapq.heappop(heap)
            bound, _, forced, excluded, cost_lb, parent = node
            solved = parent == _SOLVED
            if not gap.may_hold(self._front, cost_lb, bound, self.resolution_ms):
                continue
            if not solved:
                cost_lb, floor = self._floor(lam, forced, excluded, cost_lb, parent)
                bound = max(bound, floor)
                if not gap.may_hold(self._front, cost_lb, bound, self.resolution_ms):
                    continue
            selected, own = self.solve("sum", lam, forced, excluded, parent)
            if selected is None:
                continue
            if not solved:
                pushed += 1
                heapq.heappush(
                    heap,
                    (max(bound, own), pushed, forced, excluded, cost_lb, _SOLVED),
                )
                continue
            cost_lb = max(cost_lb, self.solve("cost", 0.0, forced, excluded)[1])
            if not gap.may_hold(self._front, cost_lb, bound, self.resolution_ms):
                continue
            base = set(self.instance.forced.tolist())
            free = sorted(
                (i for i in selected if i not in forced and i not in base),
                key=lambda i: (-self.instance.fixed_cost[i], i),
            )
            for k, site in enumerate(free):
                pushed += 1
                child = (
                    tuple(sorted(forced + tuple(free[:k]))),
                    tuple(sorted((*excluded, site))),
                )
                parent = ("sum", lam, forced, excluded)
                heapq.heappush(heap, (bound, pushed, *child, cost_lb, parent))

    def _floor(
        self, lam: float, forced, excluded, cost_lb: float, parent
    ) -> tuple[float, float]:
        """Bounds on a node's cost and on its cost + lam * latency found without a
        p-median solve: the closed-form cheapest portfolio (when the greedy choice
        proves one), every hub at its nearest allowed site, and the Lagrangian bound
        at the multipliers of the parent's solve (``parent``, its key in the cache).
        """
        cost_lb = max(cost_lb, self.solve("cost", 0.0, forced, excluded, full=False)[1])
        allowed = self._allowed.copy()
        allowed[list(excluded)] = False
        nearest = self._rtt[:, allowed].min(axis=1, initial=math.inf)
        floor = cost_lb + lam * float(self._rtt_share @ nearest)
        multipliers = self._multipliers.get(parent)
        if multipliers is not None:
            inst = self._instance("sum", lam, forced, excluded)
            floor = max(floor, lagrangian_bound(inst, multipliers))
        return cost_lb, floor
