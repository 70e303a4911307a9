"""Time the fast exact solver against pulp/CBC and spopt on seeded random instances.

Instances: sites and hubs uniform in a 3,000 km square, cost = straight-line
distance / 100 (a stand-in for round-trip milliseconds), hub weights uniform integers
1..100, p = 5; each size with and without 27 country groups (Voronoi cells of 27
random seed points, at most 1 site per group). Each solve runs in its own child
process, so a capped run can be killed and its peak memory (ru_maxrss) measured.

Sparse case (issue #21): 10,000 sites x 50,000 hubs, each hub with only its 200
nearest sites (10 million pairs), p = 500, solved by the exact decomposition
(:func:`siting.solve.exact.solve` on :func:`siting.solve.exact.from_triplets`; the
dense door would need the full matrix). It prints status, objective, bound, time and
peak memory against the memory of the dense float64 matrix it avoids (computed, not
run: 4 GB).

Usage::

    python benchmarks/scale.py                 # all sizes, caps of 120 s
    python benchmarks/scale.py --sizes 200x1000 --cap 60
    python benchmarks/scale.py --sizes --sparse 10000x50000 --cap 600

Methods: ``fast`` = :func:`siting.solve.solve_pmedian` with ``solver="fast"``;
``pulp`` = :func:`siting.solve.solve_pmedian` with CBC (strong formulation built in
pulp); ``spopt`` = ``spopt.locate.PMedian.from_cost_matrix`` solved with CBC (no group
limits in spopt, so only without groups). pulp and spopt are skipped above
``--max-pairs`` hub-site pairs, where building the model alone exceeds the cap.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import subprocess
import sys
import time

import numpy as np

SIZES = ("200x1000", "1000x5000", "2000x20000")
N_GROUPS = 27
P = 5
#: The sparse case: sites x hubs, nearest sites kept per hub, sites to choose.
SPARSE, NEAREST, SPARSE_P = "10000x50000", 200, 500


def _points(n_sites: int, n_hubs: int, seed: int = 1):
    """Site and hub coordinates (km), hub weights and the generator that drew them."""
    rng = np.random.default_rng([seed, n_sites, n_hubs])
    sites = rng.uniform(0, 3000, size=(n_sites, 2))
    hubs = rng.uniform(0, 3000, size=(n_hubs, 2))
    weights = rng.integers(1, 101, size=n_hubs).astype(float)
    return sites, hubs, weights, rng


def make_instance(n_sites: int, n_hubs: int, grouped: bool, seed: int = 1):
    """Return cost (hubs x sites), weights, groups (or None) of a random instance."""
    sites, hubs, weights, rng = _points(n_sites, n_hubs, seed)
    cost = np.sqrt(((hubs[:, None, :] - sites[None, :, :]) ** 2).sum(axis=2)) / 100
    groups = None
    if grouped:
        seeds = rng.uniform(0, 3000, size=(N_GROUPS, 2))
        groups = ((sites[:, None, :] - seeds[None]) ** 2).sum(axis=2).argmin(axis=1)
    return cost, weights, groups


def worker(method: str, size: str, grouped: bool, cap: float) -> dict:
    """Solve one instance with one method; return its result as a dict."""
    n_sites, n_hubs = (int(v) for v in size.split("x"))
    cost, weights, groups = make_instance(n_sites, n_hubs, grouped)
    limit = {"max_per_group": 1, "groups": groups} if grouped else {}
    tic = time.perf_counter()
    if method == "fast":
        from siting.solve import solve_pmedian

        sol = solve_pmedian(cost, weights, P, solver="fast", time_limit=cap, **limit)
        out = {"objective": sol.objective, "status": sol.status, "bound": sol.bound}
    elif method == "pulp":
        from siting.solve import solve_pmedian

        sol = solve_pmedian(cost, weights, P, solver="cbc", time_limit=cap, **limit)
        out = {"objective": sol.objective, "status": sol.status, "bound": sol.bound}
    else:
        import pulp
        from spopt.locate import PMedian

        model = PMedian.from_cost_matrix(cost, weights, P)
        model.solve(pulp.PULP_CBC_CMD(msg=False, timeLimit=cap))
        status = pulp.LpStatus[model.problem.status].lower()
        out = {"objective": pulp.value(model.problem.objective), "status": status}
    out["seconds"] = time.perf_counter() - tic
    out["peak_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return out


def sparse_worker(size: str, p: int, cap: float) -> dict:
    """Solve the sparse case exactly (each hub with its NEAREST sites only)."""
    from scipy.spatial import cKDTree

    from siting.solve.exact import Problem, from_triplets, solve

    n_sites, n_hubs = (int(v) for v in size.split("x"))
    sites, hubs, weights, _ = _points(n_sites, n_hubs)
    tic = time.perf_counter()
    dist, nearest = cKDTree(sites).query(hubs, k=NEAREST)
    costs = from_triplets(
        np.repeat(np.arange(n_hubs), NEAREST),
        nearest.ravel(),
        (dist / 100 * weights[:, None]).ravel(),
        n_hubs,
        n_sites,
    )
    del dist, nearest
    built = time.perf_counter() - tic
    out = solve(Problem.build(costs, p), deadline=time.perf_counter() + cap)
    return {
        "objective": out.objective,
        "bound": out.bound,
        "status": out.status,
        "build_s": built,
        "seconds": time.perf_counter() - tic,
        "pairs": costs.nnz,
        "peak_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    }


def run(method: str, size: str, option: int, cap: float) -> dict:
    """Run :func:`worker` (``option``: 1 with groups, 0 without) or, for method
    ``"sparse"``, :func:`sparse_worker` (``option``: p) in a child process, killed
    after ``cap`` + 60 s."""
    cmd = [sys.executable, __file__, "--worker", method, size, str(option)]
    try:
        done = subprocess.run(
            cmd + ["--cap", str(cap)],
            capture_output=True,
            text=True,
            timeout=cap + 60,
        )
    except subprocess.TimeoutExpired:
        return {"note": f"killed after {cap + 60:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        return {"note": "failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(lines[-1])


def _cell(res: dict | None) -> str:
    if res is None:
        return "skipped"
    if "note" in res:
        return res["note"]
    return f"{res['seconds']:.2f} s {res['status']} obj {res['objective']:.1f}"


def main() -> None:
    """Parse arguments and print the comparison table."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", nargs=3, metavar=("METHOD", "SIZE", "OPTION"))
    ap.add_argument("--sizes", nargs="*", default=list(SIZES))
    ap.add_argument("--cap", type=float, default=120.0, help="seconds per solve")
    ap.add_argument("--max-pairs", type=int, default=2_000_000)
    ap.add_argument(
        "--sparse", nargs="*", default=[SPARSE], help="sparse sizes (sites x hubs)"
    )
    ap.add_argument("--sparse-p", type=int, default=SPARSE_P)
    args = ap.parse_args()
    if args.worker:
        method, size, option = args.worker
        if method == "sparse":
            print(json.dumps(sparse_worker(size, int(option), args.cap)))
        else:
            print(json.dumps(worker(method, size, option == "1", args.cap)))
        return
    for size in args.sizes:
        n_sites, n_hubs = (int(v) for v in size.split("x"))
        for grouped in (False, True):
            label = f"{size} sites x hubs, p={P}" + (
                f", {N_GROUPS} groups max 1" if grouped else ""
            )
            fast = run("fast", size, int(grouped), args.cap)
            small = n_sites * n_hubs <= args.max_pairs
            ref = run("pulp", size, int(grouped), args.cap) if small else None
            spo = run("spopt", size, 0, args.cap) if small and not grouped else None
            print(label)
            print(f"  fast : {_cell(fast)}" + _peak(fast))
            for name, res in (("pulp ", ref), ("spopt", spo)):
                cell = "n/a (no group limits)" if name == "spopt" and grouped else None
                print(f"  {name}: {cell or _cell(res)}{_ratio(res, fast)}")
    for size in args.sparse:
        _print_sparse(size, args.sparse_p, run("sparse", size, args.sparse_p, args.cap))


def _print_sparse(size: str, p: int, res: dict) -> None:
    n_sites, n_hubs = (int(v) for v in size.split("x"))
    dense_mib = 8 * n_sites * n_hubs / 2**20
    print(
        f"{size} sites x hubs, each hub its {NEAREST} nearest sites, p={p} "
        "(exact decomposition on sparse costs)"
    )
    if "seconds" not in res:
        print(f"  sparse: {res.get('note', '?')}")
        return
    found = math.isfinite(res["objective"])
    answer = (
        f"objective {res['objective']:.1f}, gap "
        f"{(res['objective'] - res['bound']) / abs(res['objective']):.2e}"
        if found
        else "no selection found"
    )
    print(
        f"  sparse: {res['status']} in {res['seconds']:.1f} s (building "
        f"{res['build_s']:.1f} s), {answer}, bound {res['bound']:.1f}, "
        f"{res['pairs']:,} pairs"
    )
    print(
        f"  peak {res['peak_mib']:.0f} MiB against {dense_mib:,.0f} MiB for the dense "
        f"float64 matrix alone (computed; ratio {res['peak_mib'] / dense_mib:.2f})"
    )


def _peak(res: dict) -> str:
    return f", peak {res['peak_mib']:.0f} MiB" if "peak_mib" in res else ""


def _ratio(res: dict | None, fast: dict) -> str:
    if not res or "seconds" not in res or "seconds" not in fast:
        return ""
    same = abs(res["objective"] - fast["objective"]) <= 1e-6 * abs(fast["objective"])
    return (
        f"  ({res['seconds'] / fast['seconds']:.0f}x fast's time; objective "
        f"{'equal' if same else 'DIFFERENT'})"
    )


if __name__ == "__main__":
    main()
