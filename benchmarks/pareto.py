"""Time `siting pareto` on the packaged default data against the method it replaced.

Traces the whole cost-latency front with :func:`siting.analysis.pareto_front` (the
two-phase method on the fast p-median solver) with ``--workers`` processes (the
command line's default, 2) and prints its time, number of points and solves; then
with one process, checks that the two fronts are the same and prints the ratio.
Then, in the same run, traces the first ``--old-points`` points of the
same front with the lexicographic epsilon-constraint MIP it replaced (per point:
minimise cost subject to ``latency <= previous - resolution``, then latency holding
that cost, on :class:`siting.analysis.objectives.ObjectiveModel`), checks that they
are the front's first points, and prints the old time per point, the old method's
projected time for the whole front and the ratio. The old method's first point has no
latency bound and solves much faster than the others, so the time per point is the mean
over points 1 onwards. Run from the repository root:

    python benchmarks/pareto.py [--workers 2] [--old-points 3] [--resolution-ms 1e-4]
"""

from __future__ import annotations

import argparse
import math
import time

from siting.analysis import pareto_front
from siting.analysis.objectives import ObjectiveModel
from siting.run import prepare
from siting.scenario import load_scenario

#: Relative slack that holds an objective at its optimum (as in the old method).
HOLD = 1e-8
#: Issue #21: the whole front in at most this many seconds.
TARGET_S = 10.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--old-points", type=int, default=3)
    parser.add_argument("--resolution-ms", type=float, default=1e-4)
    args = parser.parse_args()
    inputs = prepare(load_scenario())
    problem = inputs.problem
    print(
        f"packaged data: {len(problem.site_ids)} candidates x {len(problem.hub_ids)} "
        f"hubs, p = {problem.p}, at most {problem.max_per_group} per country"
    )
    messages: list[str] = []
    start = time.perf_counter()
    front = pareto_front(
        inputs,
        resolution_ms=args.resolution_ms,
        progress=messages.append,
        workers=args.workers,
    )
    new_s = time.perf_counter() - start
    print(
        f"two-phase front, {args.workers} workers: {len(front)} points in {new_s:.1f} s"
    )
    print(f"  {messages[-1]}")
    print(f"  all proven optimal: {bool((front['status'] == 'optimal').all())}")
    start = time.perf_counter()
    serial = pareto_front(inputs, resolution_ms=args.resolution_ms, workers=1)
    serial_s = time.perf_counter() - start
    print(
        f"two-phase front, 1 worker: {len(serial)} points in {serial_s:.1f} s, the "
        f"same front: {serial.equals(front)}; ratio {serial_s / new_s:.2f}x"
    )

    model = ObjectiveModel(inputs)
    site_ids = problem.site_ids
    bound = math.inf
    old_times = []
    for k in range(args.old_points):
        start = time.perf_counter()
        first = model.solve("cost", bounds={"latency": bound})
        cost = first.portfolio.cost_eur_per_year
        second = model.solve(
            "latency",
            bounds={"latency": bound, "cost": cost + HOLD * abs(cost)},
            warm=first.portfolio.selected,
        )
        point = min(
            (first.portfolio, second.portfolio),
            key=lambda q: (q.cost_eur_per_year, q.mean_rtt_ms),
        )
        old_times.append(time.perf_counter() - start)
        same = ";".join(site_ids[i] for i in point.selected) == front.iloc[k][
            "site_ids"
        ] and math.isclose(point.mean_rtt_ms, front.iloc[k]["mean_rtt_ms"])
        print(
            f"  old method, point {k}: {old_times[-1]:.1f} s "
            f"({first.status}/{second.status}), EUR {cost / 1e6:,.2f} m/yr, "
            f"{point.mean_rtt_ms:.4f} ms, same as the front's point {k}: {same}"
        )
        bound = point.mean_rtt_ms - args.resolution_ms
    bounded = old_times[1:] or old_times
    per_point = sum(bounded) / len(bounded)
    print(
        f"old method: {per_point:.1f} s per point with a latency bound, so about "
        f"{per_point * len(front) / 60:.0f} min for {len(front)} points"
    )
    print(
        f"new time per point {new_s / len(front):.2f} s; ratio old/new for the "
        f"whole front about {per_point * len(front) / new_s:.0f}x"
    )
    from record import record

    verdict = "met" if new_s <= TARGET_S else "not met"
    record(
        "benchmarks/pareto.py",
        [
            (
                "exact cost-latency front, default data",
                f"{len(front)} points in {new_s:.1f} s on {args.workers} processes "
                f"(target {TARGET_S:g} s: {verdict}), {serial_s:.1f} s on one; the "
                f"older MIP epsilon-constraint {per_point:.1f} s per point in the "
                f"same run (about {per_point * len(front) / new_s:.0f}x)",
            )
        ],
    )


if __name__ == "__main__":
    main()
