"""How well every backend keeps a time limit, and how fast infeasibility is explained.

Issue #20: any limit returns the best portfolio found with a finite bound, and the
deadline is kept within 10% + 0.2 s everywhere (heuristics, reductions, diagnosis);
an infeasible request on the default data is explained in under 1 s. Unit tests force
the limit in every phase (tests/test_solve_limits.py) but never time it; this script
does.

Part 1, deadlines: a seeded random instance (p = 20, 8 groups of at most 3 sites, fixed
costs; ``--size`` hubs x sites for the fast path, the smaller ``--mip-size`` for the
pulp models of HiGHS and CBC, whose build alone takes minutes at the larger size) is
solved by ``solve_pmedian`` on each backend with each ``--limits`` value; the row
prints the wall time of the whole call, the allowance (1.1 x limit + 0.2 s), status,
gap and whether the bound is finite. Baseline in the same run: the same call with
``--baseline-cap`` seconds (its time shows that the limits bind). A second instance
that only a solver shows infeasible (:func:`infeasible_instance`) measures the proof
and the diagnosis under each limit.

Part 2, infeasible requests on the packaged data: ``siting.run.optimise`` with a
scenario that cannot be met (more sites than member states at one per state; a
``selection.max_rtt_ms`` below any hub's nearest site; two forced sites in one state
at one per state), timed to the error, beside a feasible run in the same process as
the baseline (ratio printed).

Usage::

    python benchmarks/time_limits.py
    python benchmarks/time_limits.py --size 3000x1500 --limits 0.001 0.5 2
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from siting.errors import InfeasibleError, SolverError
from siting.solve import solve_pmedian

BACKENDS = ("fast", "highs", "cbc")


def allowance(limit: float) -> float:
    """Seconds a call with ``limit`` may take under issue #20 (10% + 0.2 s)."""
    return 1.1 * limit + 0.2


def random_instance(
    n_hubs: int, n_sites: int, seed: int = 7
) -> tuple[np.ndarray, np.ndarray, dict]:
    """Cost (EUR-like units), weights and the keyword arguments of the instance."""
    rng = np.random.default_rng(seed)
    hubs, sites = rng.random((n_hubs, 2)), rng.random((n_sites, 2))
    cost = 1000 * np.linalg.norm(hubs[:, None] - sites[None], axis=2)
    kwargs = {
        "fixed_cost": rng.uniform(50, 150, n_sites),
        "groups": rng.integers(0, 8, n_sites).astype(str).tolist(),
        "max_per_group": 3,
    }
    return cost, rng.uniform(1, 10, n_hubs), kwargs


def infeasible_instance(
    n_hubs: int, n_sites: int, seed: int = 7
) -> tuple[np.ndarray, np.ndarray, dict]:
    """An instance only a solver shows infeasible: each half of the hubs is within
    ``max_cost`` of its own half of group "a" only (the other sites reach no hub), at
    most one site per group, p = 5. Every hub is covered and 8 groups allow 5 sites,
    but covering both halves takes two sites of group "a"."""
    rng = np.random.default_rng(seed)
    cost = rng.uniform(1, 10, (n_hubs, n_sites))
    half, quarter = n_hubs // 2, n_sites // 4
    cost[:half, quarter // 2 :] += 100
    cost[half:, : quarter // 2] += 100
    cost[half:, quarter:] += 100
    groups = np.where(
        np.arange(n_sites) < quarter, "a", rng.choice(list("bcdefgh"), n_sites)
    )
    kwargs = {"groups": groups.tolist(), "max_per_group": 1, "max_cost": 50.0}
    return cost, rng.uniform(1, 10, n_hubs), kwargs


def _call(cost, weights, p, backend, limit, kwargs) -> tuple[str, float]:
    tic = time.perf_counter()
    try:
        sol = solve_pmedian(
            cost, weights, p, solver=backend, time_limit=limit, **kwargs
        )
    except InfeasibleError as err:
        seconds = time.perf_counter() - tic
        cut = (
            "diagnosis cut by the limit" if "ran out of time" in str(err) else "proven"
        )
        return f"infeasible ({cut})", seconds
    except SolverError:
        return "no portfolio and no proof within the limit", time.perf_counter() - tic
    seconds = time.perf_counter() - tic
    finite = "finite" if np.isfinite(sol.bound) else "NO BOUND"
    return f"{sol.status:<10} gap {sol.gap:7.2%} bound {finite}", seconds


def deadlines(
    sizes: dict[str, str], limits: list[float], cap: float
) -> tuple[int, int, float]:
    """Part 1 (``sizes``: backend -> "hubs x sites"); returns the calls beyond their
    allowance, the calls and the largest time past the limit (s)."""
    late = calls = 0
    worst = -np.inf
    for backend, size in sizes.items():
        n_hubs, n_sites = (int(v) for v in size.split("x"))
        cases = [
            ("feasible, p = 20", 20, random_instance(n_hubs, n_sites)),
            ("infeasible, p = 5", 5, infeasible_instance(n_hubs, n_sites)),
        ]
        for label, p, (cost, weights, kw) in cases:
            print(f"\n{backend}: {n_hubs} hubs x {n_sites} sites, {label}")
            print(f"{'backend':<7}{'limit s':>9}{'wall s':>9}{'allowed':>9}  outcome")
            outcome, base = _call(cost, weights, p, backend, cap, kw)
            over = base > allowance(cap)
            late, calls = late + over, calls + 1
            worst = max(worst, base - cap)
            print(
                f"{backend:<7}{cap:>9g}{base:>9.3f}{allowance(cap):>9.3f}  {outcome} "
                "(baseline)" + ("  LATE" if over else "")
            )
            for limit in limits:
                outcome, seconds = _call(cost, weights, p, backend, limit, kw)
                over = seconds > allowance(limit)
                late, calls = late + over, calls + 1
                worst = max(worst, seconds - limit)
                print(
                    f"{backend:<7}{limit:>9g}{seconds:>9.3f}{allowance(limit):>9.3f}"
                    f"  {outcome}; {seconds / base:.2f} of the baseline's time"
                    + ("  LATE" if over else ""),
                    flush=True,
                )
    return late, calls, worst


def infeasible_requests() -> tuple[int, float, float]:
    """Part 2; returns the explanations slower than 1 s, the slowest (s) and the
    feasible run (s)."""
    from siting.run import optimise
    from siting.scenario import load_scenario

    cases = {
        "28 sites, one per member state": "[selection]\nsites = 28\nper_country = 1\n",
        "selection.max_rtt_ms = 0.5": "[selection]\nmax_rtt_ms = 0.5\n",
        "two forced sites in France, one per state": (
            "[selection]\nper_country = 1\nforced = ['fr-la-maxe', 'fr-fouju']\n"
        ),
    }
    slow, longest = 0, 0.0
    with tempfile.TemporaryDirectory() as tmp:
        tic = time.perf_counter()
        optimise(load_scenario())
        base = time.perf_counter() - tic
        print("\ninfeasible requests on the packaged data (siting.run.optimise)")
        print(f"{'feasible default run (baseline)':<45}{base:>8.3f} s")
        for label, text in cases.items():
            path = Path(tmp) / "s.toml"
            path.write_text(text)
            scenario = load_scenario(path)
            tic = time.perf_counter()
            try:
                optimise(scenario)
                outcome = "FEASIBLE (the case is wrong)"
            except InfeasibleError as err:
                outcome = str(err).splitlines()[0][:70]
            seconds = time.perf_counter() - tic
            slow += seconds > 1.0
            longest = max(longest, seconds)
            print(
                f"{label:<45}{seconds:>8.3f} s  ({seconds / base:.2f} of the "
                f"feasible run)  {outcome}" + ("  SLOW" if seconds > 1.0 else "")
            )
    return slow, longest, base


def main(argv: list[str]) -> int:
    """Run both parts; exit 1 when a call is late or an explanation slow."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--size", default="2000x1000", help="hubs x sites, fast path")
    ap.add_argument("--mip-size", default="300x150", help="hubs x sites, MIP")
    ap.add_argument("--baseline-cap", type=float, default=120.0)
    ap.add_argument(
        "--limits", nargs="+", type=float, default=[0.001, 0.05, 0.3, 1.0, 3.0]
    )
    ap.add_argument("--backends", nargs="+", default=list(BACKENDS))
    args = ap.parse_args(argv)
    sizes = {b: args.size if b == "fast" else args.mip_size for b in args.backends}
    late, calls, worst = deadlines(sizes, args.limits, args.baseline_cap)
    slow, longest, base = infeasible_requests()
    print(f"\ncalls beyond 1.1 x limit + 0.2 s: {late}; explanations over 1 s: {slow}")
    from record import record

    record(
        "benchmarks/time_limits.py",
        [
            (
                f"time limits {', '.join(f'{v:g}' for v in args.limits)} s on "
                f"{', '.join(args.backends)}; random {args.size} (fast path), "
                f"{args.mip_size} (MIP); feasible and infeasible",
                f"{calls - late} of {calls} calls within 1.1 x limit + 0.2 s (worst "
                f"{worst:+.2f} s past the limit)",
            ),
            (
                "infeasible requests on the default data, explained",
                f"slowest {longest:.2f} s (target 1 s); a feasible run {base:.2f} s "
                "in the same run",
            ),
        ],
    )
    return 1 if late or slow else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
