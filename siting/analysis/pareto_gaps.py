"""The gaps of the two-phase search (:mod:`siting.analysis.pareto_search`), searched
one after another or side by side in worker processes.

Each gap between two adjacent supported points is searched on its own: its tree starts
from the supported points alone and keeps the points it finds to itself, so what a gap
returns does not depend on which gaps ran before it or where. The front is then the
union of every gap's points thinned by :func:`thin`.

With ``workers`` above one (:class:`GapPool`), this process takes the gaps from the
dearest end and, once the search has lasted 0.2 s, ``workers - 1`` spawned
processes take them from the cheapest end; a gap that no worker has begun when this
process reaches it is taken back, so no process waits while work is left and a
front found within 0.2 s starts no process. A worker takes about a second to import
the package; it unpickles the search's state once. Spawned processes rather than
forked ones: a fork copies a multi-threaded parent's locks (HiGHS, BLAS) and may
hang. The standard library's pool rather than Dask (as
:mod:`siting.analysis.robustness` uses): a local cluster takes seconds to start,
about what a second process saves on the packaged data's front (9.5 s on one, 7.3 s
on two).
"""

from __future__ import annotations

import math
import multiprocessing
import pickle
import time
import uuid
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import TYPE_CHECKING

from siting.analysis.objectives import Portfolio

if TYPE_CHECKING:
    from siting.analysis.pareto_search import TwoPhaseSearch

__all__ = [
    "HOLD",
    "START_AFTER_S",
    "Gap",
    "GapPool",
    "GapResult",
    "gaps_between",
    "thin",
]

#: Relative difference below which the two-phase search counts two values as equal
#: (above the solvers' gap of 1e-9, far below any difference between portfolios).
HOLD = 1e-8

#: Seconds a search lasts before its workers start: a front found sooner (the tiny
#: data's take milliseconds) pays nothing for them.
START_AFTER_S = 0.2


@dataclass(frozen=True)
class Gap:
    """The region between two adjacent supported points: costs in ``[low, high)``
    (EUR/yr), searched on ``cost + lam * latency`` (``lam`` in EUR/yr per ms)."""

    lam: float
    low: float
    high: float

    def may_hold(
        self,
        front: Sequence[Portfolio],
        cost_lb: float,
        sum_lb: float,
        resolution_ms: float,
    ) -> bool:
        """Whether a node with these lower bounds on cost and on cost + lam *
        latency may hold a point of this gap that ``front`` (the points found so
        far, cheapest first) does not dominate.

        The undominated region is the union of the boxes ``C_k <= C < C_k+1, L <
        L_k - resolution_ms`` between adjacent points k and k+1. No point is cheaper
        than the cheapest end or faster than the fastest end (both are solved
        exactly first), so the two unbounded boxes are empty.
        """
        for left, right in zip(front, front[1:], strict=False):
            start = left.cost_eur_per_year
            end = min(right.cost_eur_per_year, self.high)
            if end <= self.low or start >= self.high:
                continue
            corner = end + self.lam * (left.mean_rtt_ms - resolution_ms)
            if cost_lb < end - HOLD * abs(end) and sum_lb < corner - HOLD * abs(corner):
                return True
        return False


@dataclass(frozen=True)
class GapResult:
    """What the search of one gap found: its points (supported ones included), the
    solves it made and whether every one of them was proven optimal."""

    points: tuple[Portfolio, ...]
    solves: int
    proven: bool


class GapPool:
    """Search the gaps of a two-phase search with ``workers`` processes in all.

    This process searches the gaps from the dearest end; ``workers - 1`` worker
    processes take them from the cheapest end, this process taking back any gap a
    worker has not yet begun. The workers start once the search has lasted
    ``start_after_s`` seconds (:meth:`tick`, called between the solves of the
    supported points and between gaps), so a front found within that time starts no
    process. A worker that dies costs time, not the answer: its gaps are searched
    here (a script that starts a search outside an ``if __name__ == "__main__":``
    guard makes every spawned worker fail). Use as a context manager around the
    whole search: leaving it stops the workers.

    Parameters
    ----------
    workers
        Processes in all, this one included (>= 1; 1 searches every gap here).
    start_after_s
        Seconds of search before the workers start (None: :data:`START_AFTER_S`).
    """

    def __init__(self, workers: int, start_after_s: float | None = None) -> None:
        self.workers = workers
        self.start_after_s = START_AFTER_S if start_after_s is None else start_after_s
        self._began = time.perf_counter()
        self._pool: ProcessPoolExecutor | None = None

    def __enter__(self) -> GapPool:
        self._began = time.perf_counter()
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)

    def tick(self) -> bool:
        """Start the workers if the search has lasted long enough; whether they
        are running."""
        waited = time.perf_counter() - self._began
        if self._pool is None and self.workers > 1 and waited > self.start_after_s:
            self._pool = ProcessPoolExecutor(
                self.workers - 1, mp_context=multiprocessing.get_context("spawn")
            )
            for _ in range(self.workers - 1):  # spawn and import now
                self._pool.submit(_warm)
        return self._pool is not None

    def search(
        self,
        search: TwoPhaseSearch,
        supported: Sequence[Portfolio],
        gaps: Sequence[Gap],
        report: Callable[[int, GapResult], None],
    ) -> list[GapResult]:
        """Every gap's result, in the order of ``gaps``; ``report`` is called here
        with the index and the result of each gap as it is collected."""
        results: dict[int, GapResult] = {}
        futures: dict[int, Future[GapResult]] = {}

        def collect(wait: bool) -> None:
            for k, future in futures.items():
                if k not in results and (wait or future.done()):
                    try:
                        results[k] = future.result()
                    except BrokenProcessPool:  # a worker died: search it here
                        results[k] = search.search_gap(supported, gaps[k])
                    report(k, results[k])

        for k in reversed(range(len(gaps))):
            if k in futures:
                if not futures[k].cancel():
                    continue  # a worker has it
                del futures[k]
            elif not futures and k > 0 and self.tick() and self._pool is not None:
                futures = _submit(self._pool, search, supported, gaps[:k])
            results[k] = search.search_gap(supported, gaps[k])
            report(k, results[k])
            collect(wait=False)
        collect(wait=True)
        return [results[k] for k in range(len(gaps))]


def gaps_between(supported: Sequence[Portfolio]) -> list[Gap]:
    """The gap after each supported point but the last (``supported`` cheapest
    first): the lambda of its two ends and the costs between them, open at both ends
    of the front."""
    edges = [-math.inf, *(q.cost_eur_per_year for q in supported[1:-1]), math.inf]
    return [
        Gap(
            (b.cost_eur_per_year - a.cost_eur_per_year)
            / (a.mean_rtt_ms - b.mean_rtt_ms),
            edges[k],
            edges[k + 1],
        )
        for k, (a, b) in enumerate(zip(supported, supported[1:], strict=False))
    ]


def thin(points: Sequence[Portfolio], resolution_ms: float) -> list[Portfolio]:
    """The front of ``points``, cheapest first: each point kept is more than
    ``resolution_ms`` faster than every cheaper (or equally dear) point kept, so a
    point beaten or matched on both objectives goes, and of two points whose mean RTT
    differs by no more than the resolution the cheaper stays."""
    kept: list[Portfolio] = []
    for q in sorted(points, key=lambda q: (q.cost_eur_per_year, q.mean_rtt_ms)):
        if not kept or q.mean_rtt_ms < kept[-1].mean_rtt_ms - resolution_ms:
            kept.append(q)
    return kept


#: A worker's search and supported points, by the token of the state they came from
#: (unpickled once per search, not once per gap).
_WORKER: dict[str, tuple[TwoPhaseSearch, tuple[Portfolio, ...]]] = {}


def _submit(
    pool: ProcessPoolExecutor,
    search: TwoPhaseSearch,
    supported: Sequence[Portfolio],
    gaps: Sequence[Gap],
) -> dict[int, Future[GapResult]]:
    """Give the workers ``gaps`` (the first ones); their futures by index."""
    state = (uuid.uuid4().hex, pickle.dumps((search, tuple(supported))))
    return {k: pool.submit(_search_in_worker, state, g) for k, g in enumerate(gaps)}


def _warm() -> None:
    """Import in a new worker what its searches need."""
    import siting.analysis.pareto_search  # noqa: F401


def _search_in_worker(state: tuple[str, bytes], gap: Gap) -> GapResult:
    token, blob = state
    if token not in _WORKER:
        _WORKER.clear()
        _WORKER[token] = pickle.loads(blob)
    search, supported = _WORKER[token]
    return search.search_gap(supported, gap)
