"""Solve the 40 OR-Library p-median instances with the fast exact path
(:func:`siting.solve.solve_pmedian`, ``solver="fast"``).

Reads ``../shared/benchmarks/orlib`` relative to the repository root (see its README:
the last occurrence of a repeated edge counts, then Floyd-Warshall), and prints one
row per instance: n, p, published optimum, our objective, whether it is proven
optimal, seconds. Exits with status 1 when an instance does not match.

Usage::

    python benchmarks/orlib.py            # all 40
    python benchmarks/orlib.py 1 5 40     # selected instances
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import numpy as np

from siting.solve import solve_pmedian

ORLIB = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "orlib"


def read_instance(path: Path) -> tuple[np.ndarray, int]:
    """Return the shortest-path distance matrix and p of an OR-Library pmed file.

    Parameters
    ----------
    path
        A ``pmedN.txt`` file: ``n m p`` then m lines ``i j cost`` (1-based).

    Returns
    -------
    distances, p
        Symmetric (n, n) matrix of shortest-path costs (integers as floats) and the
        number of medians.
    """
    tokens = np.array(path.read_text().split(), dtype=np.int64)
    n, m, p = (int(v) for v in tokens[:3])
    edges = tokens[3 : 3 + 3 * m].reshape(m, 3)
    dist = np.full((n, n), np.inf)
    for i, j, c in edges.tolist():  # in file order: the last repeated edge counts
        dist[i - 1, j - 1] = dist[j - 1, i - 1] = c
    np.fill_diagonal(dist, 0.0)
    for k in range(n):
        np.minimum(dist, dist[:, k : k + 1] + dist[k : k + 1, :], out=dist)
    return dist, p


def main(argv: list[str]) -> int:
    """Run the benchmark; return the process exit status."""
    if not ORLIB.is_dir():
        print(f"skipped: OR-Library instances not found at {ORLIB}")
        return 0
    with (ORLIB / "optima.csv").open() as handle:
        optima = {
            row["instance"]: int(row["optimum"]) for row in csv.DictReader(handle)
        }
    wanted = [f"pmed{int(a)}" for a in argv] or [f"pmed{k}" for k in range(1, 41)]
    print(f"{'instance':<9}{'n':>5}{'p':>5}{'optimum':>9}{'ours':>9}  proven  seconds")
    total, bad = 0.0, 0
    for name in wanted:
        dist, p = read_instance(ORLIB / f"{name}.txt")
        tic = time.perf_counter()
        sol = solve_pmedian(dist, np.ones(dist.shape[0]), p, solver="fast")
        seconds = time.perf_counter() - tic
        total += seconds
        ok = sol.status == "optimal" and round(sol.objective) == optima[name]
        bad += not ok
        print(
            f"{name:<9}{dist.shape[0]:>5}{p:>5}{optima[name]:>9}{sol.objective:>9.0f}"
            f"  {'yes' if sol.status == 'optimal' else 'NO ':<6}{seconds:>8.2f}"
            + ("" if ok else "  MISMATCH")
        )
    print(f"total {total:.1f} s for {len(wanted)} instances, {bad} not matching")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
