"""Every feasible portfolio of a small problem, evaluated by plain numpy (for tests)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from siting.run import Inputs


@dataclass(frozen=True)
class Evaluated:
    """A portfolio (site positions) and its objectives, computed without siting."""

    selected: tuple[int, ...]
    cost: float
    mean_rtt: float
    carbon: float
    objective: float


def all_portfolios(inputs: Inputs, *, excluded=()) -> list[Evaluated]:
    """Every set of p sites allowed by the problem's constraints."""
    pr = inputs.problem
    researchers = inputs.researchers
    carbon = inputs.carbon_t
    banned = set(pr.excluded) | set(excluded)
    allowed = [i for i in range(len(pr.site_ids)) if i not in banned]
    out = []
    for sel in itertools.combinations(allowed, pr.p):
        cols = list(sel)
        _, counts = np.unique(pr.groups[cols], return_counts=True)
        if counts.max() > pr.max_per_group:
            continue
        if any(i in sel and k in sel for i, k in pr.incompatible):
            continue
        if not set(pr.forced) <= set(sel):
            continue
        nearest = pr.rtt_ms[:, cols].min(axis=1)
        if pr.max_rtt_ms is not None and (nearest > pr.max_rtt_ms).any():
            continue
        fixed = float(pr.fixed_cost[cols].sum())
        out.append(
            Evaluated(
                selected=sel,
                cost=fixed,
                mean_rtt=float(np.average(nearest, weights=researchers)),
                carbon=float(carbon[cols].sum()),
                objective=fixed + float(pr.weights @ nearest),
            )
        )
    return out


def non_dominated(points: list[Evaluated], names) -> list[Evaluated]:
    """The points no other point dominates in the named objectives."""
    values = np.array([[getattr(p, n) for n in names] for p in points])
    return [
        p
        for k, p in enumerate(points)
        if not (
            (values <= values[k]).all(axis=1) & (values < values[k]).any(axis=1)
        ).any()
    ]
