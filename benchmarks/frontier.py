"""The fast path on the TSPLIB frontier of issue #21, beside the published times.

Instances from ``../shared/benchmarks/tsplib`` (``benchmarks/tsplib.py``: clients =
sites = every node, unit weights, distance floor(Euclidean)): rl1304 and vm1748 at
p = 5, 10, 20, 50, 100, 200, 300, 400, 500 and fl1400 at p = 5 .. 200, 24 instances;
``--extra`` adds d2103 and pcb3038 at every p. Each is solved through the door,
``solve_pmedian(dist, ones, p, solver="fast", time_limit=CAP)``, and the row prints the
published optimum, ours, the proven bound, the status, our seconds (the whole call,
instance checks and cost lists included) and the paper's seconds (Duran-Mateluna, Ales
and Elloumi, EJOR 2023, Tables 2-3: CPLEX 20.1, 1 thread, Xeon W-2145 3.7 GHz). The
totals are printed beside the paper's total for the same rows.

Baseline, measured in the same run on ``--baseline`` instances (default 3): the plain
strong formulation in HiGHS (``solver="highs"``, pulp model, greedy warm start) with
``--baseline-cap`` seconds for HiGHS (the model build comes on top), against ours on
the same instances.

``--decomposition-alone`` runs the fast path with ``LAGRANGIAN_MAX_P`` at 0 (the Benders
decomposition at every p, no Lagrangian tree first), to see what the hand-over costs.

Exits 1 when an objective differs from a published optimum (or from a best-known
value that we claim to have proven).

Usage::

    python benchmarks/frontier.py                      # the 24, baseline on 3
    python benchmarks/frontier.py --extra --cap 300
    python benchmarks/frontier.py --only rl1304:10 fl1400:200 --baseline
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Iterator

import numpy as np
from numpy.typing import NDArray
from tsplib import TSPLIB, Published, distance_matrix, published

import siting.solve.fast as fast_path
from siting.solve import Solution, solve_pmedian

PS = (5, 10, 20, 50, 100, 200, 300, 400, 500)
FRONTIER = (
    [("rl1304", p) for p in PS]
    + [("vm1748", p) for p in PS]
    + [("fl1400", p) for p in PS[:6]]
)
EXTRA = [("d2103", p) for p in PS] + [("pcb3038", p) for p in PS]
BASELINE = ["rl1304:500", "rl1304:400", "rl1304:300"]


def _item(text: str) -> tuple[str, int]:
    name, _, p = text.partition(":")
    return name, int(p)


def _matrices(items: list[tuple[str, int]]) -> Iterator[tuple[str, int, np.ndarray]]:
    """Each item with its distance matrix, read once per instance in a row."""
    name_now, dist = "", np.zeros((0, 0))
    for name, p in items:
        if name != name_now:
            name_now, dist = name, distance_matrix(TSPLIB / f"{name}.tsp")
        yield name, p, dist


def _solve(dist: NDArray[np.float64], p: int, solver: str, cap: float) -> Solution:
    return solve_pmedian(dist, np.ones(len(dist)), p, solver=solver, time_limit=cap)


def _paper(value: float) -> str:
    return "TL" if math.isnan(value) else f"{value:.1f}"


def main(argv: list[str]) -> int:
    """Run the benchmark; return 1 when an objective differs from the published one."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--cap", type=float, default=120.0, help="seconds per instance")
    ap.add_argument("--extra", action="store_true", help="add d2103 and pcb3038")
    ap.add_argument("--only", nargs="+", metavar="NAME:P", help="just these")
    ap.add_argument(
        "--baseline",
        nargs="*",
        metavar="NAME:P",
        default=BASELINE,
        help="baseline instances (none: skip it; default %(default)s)",
    )
    ap.add_argument("--baseline-cap", type=float, default=120.0)
    ap.add_argument("--decomposition-alone", action="store_true")
    args = ap.parse_args(argv)
    if args.decomposition_alone:
        fast_path.LAGRANGIAN_MAX_P = 0
    if not TSPLIB.is_dir():
        print(f"skipped: TSPLIB instances not found at {TSPLIB}")
        return 0
    optima = published()
    items = FRONTIER + (EXTRA if args.extra else [])
    if args.only:
        items = [_item(s) for s in args.only]
    items = [it for it in items if (TSPLIB / f"{it[0]}.tsp").is_file()]
    route = "decomposition alone" if args.decomposition_alone else "fast path"
    print(f"load average at start: {_load()}; {route}, cap {args.cap:g} s each")
    print(
        f"{'instance':<9}{'p':>4}{'published':>11}{'ours':>11}{'bound':>11}"
        f"  {'status':<11}{'seconds':>8}{'paper s':>8}"
    )
    times: dict[tuple[str, int], float] = {}
    bad: list[str] = []
    proven = 0
    for name, p, dist in _matrices(items):
        pub = optima[(name, p)]
        tic = time.perf_counter()
        sol = _solve(dist, p, "fast", args.cap)
        times[(name, p)] = seconds = time.perf_counter() - tic
        proven += sol.status == "optimal"
        wrong = _differs(sol, pub)
        if wrong:
            bad.append(f"{name} p={p}")
        print(
            f"{name:<9}{p:>4}{pub.optimum:>11}{sol.objective:>11.0f}{sol.bound:>11.0f}"
            f"  {sol.status:<11}{seconds:>8.2f}{_paper(pub.paper_s):>8}"
            + ("  DIFFERS" if wrong else "")
            + ("" if pub.proven else "  (best known)"),
            flush=True,
        )
    summary = _totals(items, times, optima, proven)
    print(f"objective differs from the published value: {', '.join(bad) or 'none'}")
    if args.baseline:
        summary += "; " + _baseline([_item(s) for s in args.baseline], times, args)
    print(f"load average at end: {_load()}")
    if not args.only and not args.decomposition_alone:
        from record import record

        what = "TSPLIB frontier: rl1304, vm1748 (p 5-500), fl1400 (p 5-200)"
        record("benchmarks/frontier.py", [(what + f", cap {args.cap:g} s", summary)])
    return 1 if bad else 0


def _differs(sol: Solution, pub: Published) -> bool:
    if round(sol.objective) == pub.optimum:
        return False
    return pub.proven or sol.status == "optimal"


def _totals(
    items: list[tuple[str, int]],
    times: dict[tuple[str, int], float],
    optima: dict[tuple[str, int], Published],
    proven: int,
) -> str:
    groups = (
        ("the frontier", [it for it in items if it in FRONTIER]),
        ("the extra rows", [it for it in items if it not in FRONTIER]),
    )
    parts = [f"{proven} of {len(items)} proven optimal"]
    for label, done in groups:
        if not done:
            continue
        ours = sum(times[it] for it in done)
        timed = [it for it in done if not math.isnan(optima[it].paper_s)]
        paper = sum(optima[it].paper_s for it in timed)
        print(
            f"total over {label} ({len(done)} instances): ours {ours:.1f} s; the "
            f"paper {paper:.1f} s for the {len(timed)} it timed (ratio "
            f"{ours / paper:.2f})"
        )
        parts.append(
            f"{label}: {ours:.0f} s against the paper's {paper:.0f} s "
            f"({ours / paper:.2f}x)"
        )
    print(f"proven optimal: {proven} of {len(items)}")
    return "; ".join(parts)


def _baseline(
    items: list[tuple[str, int]],
    times: dict[tuple[str, int], float],
    args: argparse.Namespace,
) -> str:
    print(
        f"\nbaseline: strong formulation in HiGHS (solver='highs'), HiGHS cap "
        f"{args.baseline_cap:g} s, model build and warm start on top"
    )
    ours_sum = base_sum = 0.0
    for name, p, dist in _matrices(items):
        tic = time.perf_counter()
        base = _solve(dist, p, "highs", args.baseline_cap)
        base_s = time.perf_counter() - tic
        if (name, p) not in times:
            tic = time.perf_counter()
            _solve(dist, p, "fast", args.cap)
            times[(name, p)] = time.perf_counter() - tic
        ours = times[(name, p)]
        ours_sum += ours
        base_sum += base_s
        print(
            f"{name:<9}{p:>4}  highs {base.status:<10} obj {base.objective:>9.0f} "
            f"bound {base.bound:>9.0f} {base_s:>7.1f} s   fast {ours:>6.2f} s   "
            f"ratio {base_s / ours:>6.1f}x",
            flush=True,
        )
    print(
        f"baseline total {base_sum:.1f} s against ours {ours_sum:.1f} s on the same "
        f"{len(items)} (ratio {base_sum / ours_sum:.1f}x; a baseline stopped by its "
        "cap makes the ratio a lower estimate)"
    )
    return (
        f"plain HiGHS formulation on {len(items)} of them {base_sum:.0f} s against "
        f"{ours_sum:.0f} s ({base_sum / ours_sum:.1f}x, cap {args.baseline_cap:g} s)"
    )


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
