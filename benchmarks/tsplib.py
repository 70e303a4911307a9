"""Read the TSPLIB p-median instances of ``../shared/benchmarks/tsplib``.

The model is the one of Duran-Mateluna, Ales and Elloumi (EJOR 2023) as the folder's
README states it: clients = candidate sites = every node of the ``.tsp`` file, unit
weights, no fixed costs, and the distance ``floor(sqrt(dx^2 + dy^2))`` computed in
double precision (the Euclidean distance rounded down, not TSPLIB's ``nint``).
The instance files are read in place, never copied into the project.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

#: The folder of the instances, beside the repository.
TSPLIB = Path(__file__).resolve().parents[1].parent / "shared" / "benchmarks" / "tsplib"


@dataclass(frozen=True)
class Published:
    """A row of ``optima.csv``: the paper's value and time for one (instance, p).

    Attributes
    ----------
    optimum
        The paper's OPT / BKN value (distance units).
    proven
        Whether the paper marks it optimal (bold) rather than best known.
    paper_s
        The paper's total Benders time, CPU seconds (1 thread, CPLEX 20.1, Xeon
        W-2145); NaN where the paper printed TL (10 h limit).
    """

    optimum: int
    proven: bool
    paper_s: float


def read_coordinates(path: Path) -> NDArray[np.float64]:
    """Node coordinates (n, 2) of a TSPLIB ``EUC_2D`` file, in file order."""
    lines = path.read_text().splitlines()
    start = next(k for k, line in enumerate(lines) if "NODE_COORD_SECTION" in line)
    rows: list[tuple[float, float]] = []
    for line in lines[start + 1 :]:
        if line.strip() in ("", "EOF"):
            break
        _, x, y = line.split()[:3]
        rows.append((float(x), float(y)))
    return np.array(rows, dtype=np.float64)


def distance_matrix(path: Path) -> NDArray[np.float64]:
    """The (n, n) matrix ``floor`` of the double-precision Euclidean distances."""
    xy = read_coordinates(path)
    diff = xy[:, None, :] - xy[None, :, :]
    return np.floor(np.sqrt((diff**2).sum(axis=2)))


def published(folder: Path = TSPLIB) -> dict[tuple[str, int], Published]:
    """``(instance, p) -> Published`` from the folder's ``optima.csv``."""
    out: dict[tuple[str, int], Published] = {}
    with (folder / "optima.csv").open() as handle:
        for row in csv.DictReader(handle):
            seconds = row["benders_s"]
            out[(row["instance"], int(row["p"]))] = Published(
                optimum=int(row["optimum"]),
                proven=row["proven"] == "1",
                paper_s=math.nan if seconds in ("", "TL") else float(seconds),
            )
    return out
