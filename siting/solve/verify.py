"""Independent check of a p-median solution against its inputs.

:func:`check_solution` recomputes the objective from the inputs and lists every
violated constraint in plain words. It shares only input validation and the feasibility
rules' definitions with the solver (:mod:`siting.solve.instance`), not the model, so it
catches a wrong model as well as a wrong answer.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

from siting.solve.instance import PMedianInstance

#: Relative tolerance for comparing a reported objective with the recomputed one.
OBJECTIVE_RTOL = 1e-9


@dataclass(frozen=True)
class CheckResult:
    """Outcome of :func:`check_solution`.

    Attributes
    ----------
    objective
        Objective recomputed from the inputs for the given selection and assignment
        (fixed costs plus weighted costs; NaN when the assignment is unusable).
    violations
        One plain sentence per violated constraint; empty when the solution is valid.
    """

    objective: float
    violations: tuple[str, ...]

    @property
    def ok(self) -> bool:
        """True when no constraint is violated."""
        return not self.violations


def check_solution(
    inst: PMedianInstance,
    selected: ArrayLike,
    assignment: ArrayLike,
    *,
    objective: float | None = None,
) -> CheckResult:
    """Check a selection and assignment against the p-median's constraints.

    Parameters
    ----------
    inst
        The instance (:func:`siting.solve.make_instance`), same units as the solve.
    selected
        Indices of the selected sites.
    assignment
        Array (n_hubs,): index of the site serving each hub.
    objective
        The objective reported with the solution; compared with the recomputed one
        (relative tolerance :data:`OBJECTIVE_RTOL`). None to skip.

    Returns
    -------
    CheckResult
        Recomputed objective and the list of violations. Besides the constraints, the
        assignment rule is checked: each hub must go to its cheapest usable selected
        site, the lowest index among equal costs.
    """
    out: list[str] = []
    sel = np.asarray(selected, dtype=np.int64).ravel()
    if sel.size and (sel.min() < 0 or sel.max() >= inst.n_sites):
        out.append(f"selected holds indices outside 0..{inst.n_sites - 1}")
        return CheckResult(np.nan, tuple(out))
    if np.unique(sel).size != sel.size:
        out.append(f"selected repeats sites: {sel.tolist()}")
    sel = np.unique(sel)
    if sel.size != inst.p:
        out.append(f"{sel.size} sites selected but p={inst.p}")
    bad = np.intersect1d(sel, inst.excluded)
    if bad.size:
        out.append(f"excluded sites {bad.tolist()} are selected")
    missing = np.setdiff1d(inst.forced, sel)
    if missing.size:
        out.append(f"forced sites {missing.tolist()} are not selected")
    if inst.group_codes is not None:
        counts = np.bincount(inst.group_codes[sel], minlength=len(inst.group_labels))
        for g in np.flatnonzero(
            (inst.group_limits >= 0) & (counts > inst.group_limits)
        ):
            out.append(
                f"group {inst.group_labels[g]!r} has {counts[g]} selected sites, "
                f"limit {inst.group_limits[g]}"
            )
    chosen = set(sel.tolist())
    for i, k in inst.incompatible.tolist():
        if i in chosen and k in chosen:
            out.append(f"incompatible sites {i} and {k} are both selected")
    value = _assignment(inst, sel, assignment, out)
    if (
        objective is not None
        and np.isfinite(value)
        and not np.isclose(objective, value, rtol=OBJECTIVE_RTOL, atol=0.0)
    ):
        out.append(f"reported objective {objective!r} but recomputed {value!r}")
    return CheckResult(value, tuple(out))


def _assignment(
    inst: PMedianInstance, sel: np.ndarray, assignment: ArrayLike, out: list[str]
) -> float:
    """Check the assignment; return the recomputed objective (NaN if unusable)."""
    a = np.asarray(assignment, dtype=np.int64).ravel()
    if a.shape != (inst.n_hubs,):
        out.append(f"assignment has {a.size} entries for {inst.n_hubs} hubs")
        return np.nan
    unserved = np.flatnonzero(~np.isin(a, sel))
    if unserved.size:
        out.append(
            f"{unserved.size} hubs are not served by a selected site "
            f"(first: hub {int(unserved[0])} -> {int(a[unserved[0]])})"
        )
        return np.nan
    rows = np.arange(inst.n_hubs)
    usable = inst.usable()
    far = np.flatnonzero(~usable[rows, a])
    if far.size:
        j = int(far[0])
        out.append(
            f"{far.size} hubs are served beyond max_cost or at infinite cost "
            f"(first: hub {j} at cost {inst.cost[j, a[j]]:g})"
        )
    if sel.size:
        sub = np.where(usable[:, sel], inst.cost[:, sel], np.inf)
        rule = sel[np.argmin(sub, axis=1)] if inst.n_hubs else a
        wrong = np.flatnonzero((rule != a) & usable[rows, a])
        if wrong.size:
            j = int(wrong[0])
            out.append(
                f"{wrong.size} hubs break the assignment rule (cheapest usable "
                f"selected site, lowest index on ties); first: hub {j} served by "
                f"site {int(a[j])} at cost {inst.cost[j, a[j]]:g}, site "
                f"{int(rule[j])} at cost {inst.cost[j, rule[j]]:g}"
            )
    served = inst.cost[rows, a]
    if not np.isfinite(served).all():
        return np.nan
    return float(inst.fixed_cost[sel].sum() + np.dot(inst.weights, served))
