"""Re-verify a result folder independently of the solver.

:func:`check_result` reads ``result.json`` and the assignment the run recorded (each
hub's ``site_id`` and ``rtt_ms`` in ``hubs.geojson``, or in the ``hubs`` layer of
``result.gpkg``), rebuilds the problem from the scenario the result records and the
data on disk, and checks:

- with :func:`siting.solve.check_solution` (which shares no code with the MIP model),
  that the chosen sites meet every constraint of the scenario;
- that every hub is recorded, assigned to a chosen site and to a nearest one (ties
  within :data:`TIE_RTOL`), within ``selection.max_rtt_ms``, with the RTT the inputs
  give;
- that the objective recomputed from the recorded assignment matches result.json's
  (:data:`OBJECTIVE_RTOL`), and each site's costs, researchers served and mean RTT.

It also says when the scenario block was edited or the data changed since the run.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.gigafactory import CampusProblem
from siting.layers.table import COST_PARTS
from siting.output.read import read_assignment, read_result
from siting.output.result_json import versions
from siting.problem import Problem
from siting.run import prepare
from siting.scenario import validate_scenario
from siting.solve import check_solution

#: Relative tolerance for per-site figures (result.json keeps 12 significant digits;
#: some figures are sums over hubs).
FIGURE_RTOL = 1e-6
#: Relative tolerance for result.json's objective against the recomputed one.
OBJECTIVE_RTOL = 1e-9
#: Two RTTs within this relative difference are a tie: either site is nearest.
TIE_RTOL = 1e-9


@dataclass
class ResultCheck:
    """What :func:`check_result` found: ``problems`` (empty when the result holds)
    and ``notes`` (facts that do not invalidate it, such as other package versions).
    ``objective`` is the objective of the recorded assignment, EUR/yr."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    objective: float = math.nan

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def check_result(out_dir: Path) -> ResultCheck:
    """Check ``out_dir/result.json`` and the recorded assignment against the
    scenario and the data.

    Raises
    ------
    InputError
        If ``result.json`` is missing, not JSON, or lacks the fields a check needs;
        or if neither ``hubs.geojson`` nor ``result.gpkg`` is there, or the one there
        cannot be read or lacks ``hub_id``, ``site_id`` or ``rtt_ms``.
    """
    path = Path(out_dir) / "result.json"
    document = read_result(path)
    recorded = read_assignment(Path(out_dir))
    check = ResultCheck()
    scenario = validate_scenario(document["scenario"], f"{path}: field 'scenario'")
    if scenario.sha256 != document["scenario_sha256"]:
        check.problems.append(
            "the scenario in result.json does not match its scenario_sha256: it was "
            "edited after the run"
        )
    if scenario.selection.campuses_max > 1:
        from siting.check_campuses import check_campus_result

        check_campus_result(path, document, recorded, scenario, check)
        return check
    inputs = prepare(scenario)
    problem = inputs.problem
    compare_data(inputs.dataset.sha256, document, check)
    selected_ids = [entry["site_id"] for entry in document["selected"]]
    position = {site_id: i for i, site_id in enumerate(problem.site_ids)}
    unknown = [s for s in selected_ids if s not in position]
    if unknown:
        check.problems.append(
            f"selected site(s) {', '.join(unknown)} are not candidates"
        )
        return check
    selected = np.array(sorted(position[s] for s in selected_ids), dtype=int)
    verdict = check_solution(
        problem.instance, selected, _nearest_assignment(problem, selected)
    )
    check.problems.extend(verdict.violations)
    for entry in document["selected"]:
        compare_costs(entry, inputs.sites.loc[entry["site_id"]], check)
    compare_versions(document.get("versions", {}), check)
    assignment = check_assignment(problem, selected, recorded, check)
    if assignment is None:
        return check
    hub_rtt = problem.rtt_ms[np.arange(len(assignment)), assignment]
    check.objective = float(
        problem.fixed_cost[selected].sum() + np.dot(problem.weights, hub_rtt)
    )
    reported = document["objective_eur_per_year"]
    if not math.isclose(reported, check.objective, rel_tol=OBJECTIVE_RTOL):
        check.problems.append(
            f"objective_eur_per_year is {reported!r} in result.json but the recorded "
            f"assignment gives {check.objective!r}"
        )
    compare_served(
        document["selected"],
        problem.site_ids,
        inputs.researchers,
        assignment,
        hub_rtt,
        check,
    )
    return check


def compare_data(sha256: str, document: dict[str, Any], check: ResultCheck) -> None:
    """Say when the data on disk is not the data the run read."""
    if sha256 != document["data_sha256"]:
        check.problems.append(
            "the data files have changed since the run (data_sha256 differs); rerun "
            "siting optimise to get a result for the current data"
        )


def check_assignment(
    problem: Problem | CampusProblem,
    selected: np.ndarray,
    recorded: pd.DataFrame,
    check: ResultCheck,
) -> np.ndarray | None:
    """The recorded assignment as site positions, in ``problem.hub_ids`` order, after
    checking that each hub goes to a nearest chosen site at the RTT the inputs give;
    None when a hub is missing or goes to a site that is not chosen."""
    hub_ids = list(problem.hub_ids)
    extra = sorted(set(recorded.index) - set(hub_ids))
    if extra:
        check.problems.append(
            f"the recorded hubs hold unknown hub(s) {', '.join(extra)}"
        )
    absent = [h for h in hub_ids if h not in recorded.index]
    if absent:
        check.problems.append(f"hub(s) {', '.join(absent)} have no recorded site")
        return None
    chosen = {problem.site_ids[i]: int(i) for i in selected}
    sites = recorded.loc[hub_ids, "site_id"]
    stray = [(h, s) for h, s in sites.items() if s not in chosen]
    for hub, site in stray:
        check.problems.append(
            f"hub {hub} is assigned to {site}, which is not a chosen site"
        )
    if stray:
        return None
    assignment = np.array([chosen[s] for s in sites], dtype=int)
    rtt = problem.rtt_ms
    limit = math.inf if problem.max_rtt_ms is None else problem.max_rtt_ms
    farther = set(farther_than_nearest(rtt, assignment, selected).tolist())
    for row, hub in enumerate(hub_ids):
        own = float(rtt[row, assignment[row]])
        if row in farther:
            best = int(selected[np.argmin(rtt[row, selected])])
            check.problems.append(
                f"hub {hub} is assigned to {problem.site_ids[assignment[row]]} at "
                f"{own:.3f} ms, but the chosen site {problem.site_ids[best]} is "
                f"nearer at {float(rtt[row, best]):.3f} ms"
            )
        if own > limit:
            check.problems.append(
                f"hub {hub} is assigned to {problem.site_ids[assignment[row]]} at "
                f"{own:.3f} ms, beyond selection.max_rtt_ms = {limit:g}"
            )
        written = float(recorded.at[hub, "rtt_ms"])
        if not math.isclose(written, own, rel_tol=FIGURE_RTOL):
            check.problems.append(
                f"hub {hub}: rtt_ms is {written!r} in the recorded hubs but the "
                f"inputs give {own!r} to {problem.site_ids[assignment[row]]}"
            )
    return assignment


def farther_than_nearest(
    rtt_ms: np.ndarray,
    assignment: np.ndarray,
    selected: np.ndarray,
    *,
    rtol: float = TIE_RTOL,
) -> np.ndarray:
    """Rows (hubs) whose assigned site is farther than their nearest selected site.

    Parameters
    ----------
    rtt_ms
        RTT from each hub (rows) to each site (columns), ms.
    assignment
        Site position serving each hub.
    selected
        Positions of the selected sites.
    rtol
        Two RTTs within this relative difference are a tie, so either site counts
        as nearest.
    """
    rows = np.arange(len(assignment))
    own = rtt_ms[rows, assignment]
    nearest = rtt_ms[:, selected].min(axis=1)
    return np.flatnonzero(own > nearest * (1 + rtol))


def compare_served(
    entries: list[dict[str, Any]],
    site_ids: tuple[str, ...],
    researchers: np.ndarray,
    assignment: np.ndarray,
    hub_rtt: np.ndarray,
    check: ResultCheck,
) -> None:
    """Each chosen site's researchers served and mean RTT in result.json against
    the recorded assignment (site positions in ``site_ids`` order)."""
    index = {site_id: i for i, site_id in enumerate(site_ids)}
    for entry in entries:
        site_id = entry["site_id"]
        served = assignment == index[site_id]
        total = float(researchers[served].sum())
        written = entry.get("researchers_served")
        if not _close(written, total, abs_tol=1e-9):
            check.problems.append(
                f"site {site_id}: researchers_served is {written} in result.json but "
                f"the recorded assignment gives {total:.6f}"
            )
        mean_rtt = (
            float(np.average(hub_rtt[served], weights=researchers[served]))
            if total > 0
            else None
        )
        recorded = entry.get("mean_rtt_ms")
        if (recorded is None) != (mean_rtt is None) or (
            mean_rtt is not None and not _close(recorded, mean_rtt)
        ):
            check.problems.append(
                f"site {site_id}: mean_rtt_ms is {recorded} in result.json but the "
                f"recorded assignment gives {mean_rtt}"
            )


def _nearest_assignment(problem: Problem, selected: np.ndarray) -> np.ndarray:
    """Each hub to its nearest selected site within the coverage limit (lowest index
    on ties); -1 where none is within it. The reference the selection's constraints
    are checked with; the recorded assignment is checked against it hub by hub."""
    rtt = problem.rtt_ms[:, selected]
    if problem.max_rtt_ms is not None:
        rtt = np.where(rtt <= problem.max_rtt_ms, rtt, np.inf)
    best = rtt.argmin(axis=1)
    assignment = selected[best]
    assignment[~np.isfinite(rtt.min(axis=1))] = -1
    return assignment


def compare_costs(entry: dict[str, Any], row: pd.Series, check: ResultCheck) -> None:
    """A chosen site's annual cost and its parts in result.json against the inputs."""
    figures = {"annual_cost_eur": row["annual_cost_eur"]}
    figures.update(
        {
            f"annual_cost_breakdown_eur.{layer}": row[f"{layer}_cost_eur_per_year"]
            for layer in COST_PARTS
        }
    )
    for name, expected in figures.items():
        value = entry
        for key in name.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if not _close(value, expected):
            check.problems.append(
                f"site {entry['site_id']}: {name} is {value} in result.json but the "
                f"inputs give {expected:.6f}"
            )


def _close(value: Any, expected: float, *, abs_tol: float = 0.0) -> bool:
    """True when ``value`` is a number within :data:`FIGURE_RTOL` of ``expected``
    (a missing or non-numeric value never is)."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    return math.isclose(value, expected, rel_tol=FIGURE_RTOL, abs_tol=abs_tol)


def compare_versions(recorded: Any, check: ResultCheck) -> None:
    if not isinstance(recorded, dict):
        check.notes.append("result.json records no package versions")
        return
    for package, version in versions().items():
        if recorded.get(package) not in (None, version):
            check.notes.append(
                f"{package} {recorded[package]} made the result; {version} checked it"
            )
