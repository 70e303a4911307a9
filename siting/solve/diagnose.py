"""Say in plain words which constraint families make a p-median infeasible.

A deletion filter over the families of :data:`siting.solve.mip.FAMILIES`: each family
is dropped in turn and the MIP re-solved for feasibility; if the rest is still
infeasible the family stays dropped. What remains is irreducible: dropping any one of
its families makes the problem feasible (unless a re-solve hit the time limit).
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from siting.solve import mip
from siting.solve.instance import PMedianInstance


def diagnose(inst: PMedianInstance, backend: str, budget_s: float) -> str:
    """The message of an infeasible instance: the families that conflict.

    Parameters
    ----------
    inst
        The instance the solver proved infeasible.
    backend
        ``"highs"`` or ``"cbc"``: the MIP backend of the re-solves.
    budget_s
        Seconds for the whole diagnosis; a re-solve starts only when its model can
        be built and solved in the time left (:func:`siting.solve.mip.handover_s`).
        When they run out the families not yet tried stay in the message, which then
        says the set may not be minimal.
    """
    deadline = time.perf_counter() + budget_s
    active = list(mip.FAMILIES)
    unsure = False
    for family in mip.FAMILIES:
        trial = [f for f in active if f != family]
        if _present(inst, family):
            left = deadline - time.perf_counter() - mip.handover_s(backend, inst, trial)
            outcome = (
                _feasibility(inst, trial, backend, left) if left > 0 else "unknown"
            )
            unsure |= outcome == "unknown"
            if outcome != "infeasible":
                continue
        active = trial
    words = "; ".join(_describe(inst, f) for f in active) or "the assignment rows"
    tail = (
        "the diagnosis ran out of time, so the set may not be minimal"
        if unsure
        else "dropping any one of them makes the problem feasible"
    )
    return (
        f"the p-median has no solution: the solver proved that these constraints "
        f"conflict: {words} ({tail})"
    )


def _present(inst: PMedianInstance, family: str) -> bool:
    return {
        "excluded": inst.excluded.size > 0,
        "forced": inst.forced.size > 0,
        "incompatible": inst.incompatible.size > 0,
        "coverage": inst.max_cost is not None,
        "groups": inst.group_codes is not None and bool((inst.group_limits >= 0).any()),
        "p": True,
    }[family]


def _feasibility(
    inst: PMedianInstance,
    families: Sequence[str],
    backend: str,
    time_limit: float | None,
) -> str:
    """'feasible', 'infeasible' or 'unknown' for the model with these families."""
    model = mip.build_model(inst, families, objective=False)
    run = mip.run(model, backend, time_limit, None)
    if run.status == "infeasible":
        return "infeasible"
    return "feasible" if run.selected is not None else "unknown"


def _describe(inst: PMedianInstance, family: str) -> str:
    if family == "p":
        return f"exactly p={inst.p} sites"
    if family == "groups":
        limits = sorted({int(v) for v in inst.group_limits if v >= 0})
        return f"at most {'/'.join(map(str, limits))} site(s) per group"
    if family == "coverage":
        return f"every hub within max_cost={inst.max_cost:g} of a selected site"
    if family == "incompatible":
        return f"{len(inst.incompatible)} incompatible pair(s) not both selected"
    if family == "forced":
        return f"forced sites {_short(inst.forced)} selected"
    return f"excluded sites {_short(inst.excluded)} not selected"


def _short(values: NDArray[np.int64], limit: int = 10) -> str:
    items = values.tolist()
    if len(items) <= limit:
        return str(items)
    return f"{items[:limit]} and {len(items) - limit} more"
