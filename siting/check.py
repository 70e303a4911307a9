"""Re-verify a result folder independently of the solver.

:func:`check_result` reads ``result.json``, rebuilds the problem from the scenario
the result records and the data on disk, and checks with
:func:`siting.solve.check_solution` (which shares no code with the MIP model) that
every constraint holds and that the reported objective, per-site costs and latencies
match what the inputs give. It also says when the scenario block was edited or the
data changed since the run.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from siting.errors import InputError
from siting.layers.table import COST_PARTS
from siting.output.result_json import versions
from siting.problem import Problem
from siting.run import prepare
from siting.scenario import validate_scenario
from siting.solve import check_solution

#: Relative tolerance for per-site figures (result.json rounds to 6 decimals).
FIGURE_RTOL = 1e-6


@dataclass
class ResultCheck:
    """What :func:`check_result` found: ``problems`` (empty when the result holds)
    and ``notes`` (facts that do not invalidate it, such as other package versions)."""

    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    objective: float = math.nan

    @property
    def ok(self) -> bool:
        """True when no problem was found."""
        return not self.problems


def check_result(out_dir: Path) -> ResultCheck:
    """Check ``out_dir/result.json`` against its scenario and the data.

    Raises
    ------
    InputError
        If ``result.json`` is missing, not JSON, or lacks the fields a check needs.
    """
    path = Path(out_dir) / "result.json"
    document = _read(path)
    check = ResultCheck()
    scenario = validate_scenario(document["scenario"], f"{path}: field 'scenario'")
    if scenario.sha256 != document["scenario_sha256"]:
        check.problems.append(
            "the scenario in result.json does not match its scenario_sha256: it was "
            "edited after the run"
        )
    inputs = prepare(scenario)
    dataset, sites, problem = inputs.dataset, inputs.sites, inputs.problem
    if dataset.sha256 != document["data_sha256"]:
        check.problems.append(
            "the data files have changed since the run (data_sha256 differs); rerun "
            "siting optimise to get a result for the current data"
        )
    selected_ids = [entry["site_id"] for entry in document["selected"]]
    position = {site_id: i for i, site_id in enumerate(problem.site_ids)}
    unknown = [s for s in selected_ids if s not in position]
    if unknown:
        check.problems.append(
            f"selected site(s) {', '.join(unknown)} are not candidates"
        )
        return check
    selected = np.array(sorted(position[s] for s in selected_ids), dtype=int)
    assignment = _nearest_assignment(problem, selected)
    verdict = check_solution(
        problem.instance,
        selected,
        assignment,
        objective=document["objective_eur_per_year"],
    )
    check.objective = verdict.objective
    check.problems.extend(verdict.violations)
    researchers = dataset.hubs["researchers"].to_numpy()
    hub_rtt = problem.rtt_ms[np.arange(len(assignment)), assignment]
    for entry in document["selected"]:
        served = assignment == position[entry["site_id"]]
        mean_rtt = (
            float(np.average(hub_rtt[served], weights=researchers[served]))
            if researchers[served].sum() > 0
            else None
        )
        _compare_site(entry, sites.loc[entry["site_id"]], mean_rtt, check)
    _compare_versions(document.get("versions", {}), check)
    return check


def _read(path: Path) -> dict[str, Any]:
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise InputError(
            f"{path}: not found; give the folder of a siting run"
        ) from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc})") from None
    needed = (
        "scenario",
        "scenario_sha256",
        "data_sha256",
        "selected",
        "objective_eur_per_year",
    )
    missing = [key for key in needed if key not in document]
    if missing:
        raise InputError(f"{path}: missing field(s) {', '.join(missing)}")
    return document


def _nearest_assignment(problem: Problem, selected: np.ndarray) -> np.ndarray:
    """Each hub to its nearest selected site within the coverage limit (lowest index
    on ties); -1 where none is within it."""
    rtt = problem.rtt_ms[:, selected]
    if problem.max_rtt_ms is not None:
        rtt = np.where(rtt <= problem.max_rtt_ms, rtt, np.inf)
    best = rtt.argmin(axis=1)
    assignment = selected[best]
    assignment[~np.isfinite(rtt.min(axis=1))] = -1
    return assignment


def _compare_site(
    entry: dict[str, Any], row, mean_rtt_ms: float | None, check: ResultCheck
) -> None:
    if (entry.get("mean_rtt_ms") is None) != (mean_rtt_ms is None) or (
        mean_rtt_ms is not None
        and not math.isclose(entry["mean_rtt_ms"], mean_rtt_ms, rel_tol=FIGURE_RTOL)
    ):
        check.problems.append(
            f"site {entry['site_id']}: mean_rtt_ms is {entry.get('mean_rtt_ms')} in "
            f"result.json but the inputs give {mean_rtt_ms}"
        )
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
        if value is None or not math.isclose(value, expected, rel_tol=FIGURE_RTOL):
            check.problems.append(
                f"site {entry['site_id']}: {name} is {value} in result.json but the "
                f"inputs give {expected:.6f}"
            )


def _compare_versions(recorded: dict[str, str], check: ResultCheck) -> None:
    for package, version in versions().items():
        if recorded.get(package) not in (None, version):
            check.notes.append(
                f"{package} {recorded[package]} made the result; {version} checked it"
            )
