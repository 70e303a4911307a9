"""Time HiGHS against CBC in :func:`siting.solve.solve_pmedian` on the same instances.

Random instances of two shapes, each solved to optimality by both backends:

- ``siting``: the shape of the real problem: sites in 27 groups (member states) at
  most one per group, fixed costs comparable to the latency term, p = 5;
- ``pmedian``: the plain p-median on random points (every point a hub and a site, no
  fixed cost).

Prints per instance the seconds of each backend (wall time including model building),
the ratio CBC / HiGHS and whether the objectives agree. Exits with status 1 when they
do not.

Usage::

    python benchmarks/solve_backends.py
"""

from __future__ import annotations

import sys
import time

import numpy as np

from siting.solve import solve_pmedian

CASES = [
    ("siting", 150, 100, 5),
    ("siting", 300, 200, 5),
    ("pmedian", 100, 100, 5),
    ("pmedian", 100, 100, 20),
    ("pmedian", 200, 200, 10),
]


def make_case(kind: str, n_sites: int, n_hubs: int, seed: int) -> dict:
    """Return the keyword arguments of one random instance (costs in km-like units)."""
    rng = np.random.default_rng(seed)
    sites = rng.uniform(0, 3000, (n_sites, 2))
    hubs = sites[:n_hubs] if kind == "pmedian" else rng.uniform(0, 3000, (n_hubs, 2))
    cost = np.rint(np.linalg.norm(hubs[:, None] - sites[None], axis=2))
    if kind == "pmedian":
        return {"cost": cost, "weights": np.ones(n_hubs)}
    weights = rng.integers(100, 5000, n_hubs).astype(float)
    fixed = rng.uniform(0.5, 1.5, n_sites) * weights.sum() * cost.mean() / 5
    return {
        "cost": cost,
        "weights": weights,
        "fixed_cost": fixed,
        "groups": rng.integers(0, 27, n_sites),
        "max_per_group": 1,
    }


def main() -> int:
    """Run the comparison; return the process exit status."""
    status = 0
    print("kind     sites hubs  p  highs_s   cbc_s  cbc/highs  agree")
    for seed, (kind, n_sites, n_hubs, p) in enumerate(CASES):
        kwargs = make_case(kind, n_sites, n_hubs, seed)
        seconds, objectives = [], []
        for solver in ("highs", "cbc"):
            start = time.perf_counter()
            objectives.append(solve_pmedian(p=p, solver=solver, **kwargs).objective)
            seconds.append(time.perf_counter() - start)
        agree = objectives[0] == objectives[1]
        status |= not agree
        print(
            f"{kind:8s} {n_sites:5d} {n_hubs:4d} {p:2d} {seconds[0]:8.2f} "
            f"{seconds[1]:7.2f} {seconds[1] / seconds[0]:10.2f}  {agree}"
        )
    return status


if __name__ == "__main__":
    sys.exit(main())
