"""The one orchestrator: data -> layers -> latency -> problem -> solve -> explanations.

- :func:`prepare` runs the pipeline up to the array problem (the :class:`Inputs` every
  analysis and ``siting check`` start from);
- :func:`solve` solves a problem with the scenario's solver settings;
- :func:`optimise` is the whole run, the Python API behind ``siting optimise``: it
  also labels the answer by id and computes the explanations, so the writers of
  :mod:`siting.output` only read the finished :class:`~siting.result.Result`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting import explain
from siting.data import Dataset, load_dataset
from siting.errors import InfeasibleError, InputError
from siting.gigafactory import (
    CampusProblem,
    build_campus_problem,
    infeasible_message,
    label_campus_solution,
    share_tables,
    single_site_gigafactories,
)
from siting.infeasible import scenario_constraints
from siting.layers.table import site_table
from siting.network import backbone_graph, rtt_matrix
from siting.problem import Problem, build_problem, label_solution
from siting.result import Result
from siting.scenario import Scenario, load_scenario
from siting.solve import Solution, solve_campuses, solve_pmedian

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Inputs:
    """One scenario ready to optimise, labelled by id.

    Attributes
    ----------
    scenario
        The resolved scenario.
    dataset
        The data tables it reads.
    sites
        :func:`siting.layers.table.site_table` (every candidate, costs in EUR/yr).
    rtt
        RTT matrix in ms, index ``hub_id``, columns ``site_id``.
    problem
        The array problem in the order of ``problem.site_ids`` and ``problem.hub_ids``.
    """

    scenario: Scenario
    dataset: Dataset
    sites: pd.DataFrame
    rtt: pd.DataFrame
    problem: Problem

    @cached_property
    def researchers(self) -> NDArray[np.float64]:
        """Researchers (FTE) of each hub, in ``problem.hub_ids`` order."""
        hubs = self.dataset.hubs["researchers"]
        return hubs.loc[list(self.problem.hub_ids)].to_numpy(float)

    @cached_property
    def carbon_t(self) -> NDArray[np.float64]:
        """Emissions of a gigafactory at each site (t CO2/yr), ``site_ids`` order."""
        column = self.sites["carbon_t_per_year"]
        return column.loc[list(self.problem.site_ids)].to_numpy(float)


def prepare(
    scenario: Scenario | None = None,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Inputs:
    """Load the data, compute the layers and the RTT matrix, and build the problem.

    Parameters
    ----------
    scenario
        A scenario from :func:`siting.load_scenario` (the packaged default if
        omitted).
    progress
        Called with a short description as each stage starts.
    timings
        Filled with the wall time of each stage, seconds.

    Raises
    ------
    siting.errors.InputError
        If the data or scenario is invalid, or gigafactories may have several
        campuses (:func:`prepare_campuses` is their counterpart).
    """
    scenario = scenario or load_scenario()
    if scenario.selection.campuses_max > 1:
        raise InputError(
            f"{scenario.origin}: field 'selection.campuses_max': the analyses "
            "(pareto, alternatives, robustness) work on one site per gigafactory; "
            "set selection.campuses_max = 1, or use `siting optimise` for "
            "multi-site gigafactories"
        )
    clock = timings if timings is not None else {}
    report = progress or (lambda _message: None)
    with _timed(clock, "data", report, "Loading data"):
        dataset = load_data(scenario)
    with _timed(clock, "layers", report, "Computing the layers"):
        sites = site_table(dataset, scenario)
    with _timed(clock, "network", report, "Computing round-trip times"):
        rtt = latency_matrix(dataset, scenario)
    problem = build_problem(sites, dataset.hubs, rtt, scenario)
    return Inputs(scenario, dataset, sites, rtt, problem)


def vary(inputs: Inputs, scenario: Scenario, hubs: pd.DataFrame) -> Inputs:
    """The inputs of another scenario and hub table on the same data and RTTs.

    Used by sweeps: the layers and the problem are recomputed, the data and the
    latency matrix are reused.
    """
    sites = site_table(inputs.dataset, scenario)
    problem = build_problem(sites, hubs, inputs.rtt, scenario)
    return Inputs(scenario, inputs.dataset, sites, inputs.rtt, problem)


def solve(problem: Problem, scenario: Scenario) -> Solution:
    """Solve the array problem with the scenario's solver settings.

    Raises
    ------
    siting.errors.InfeasibleError
        If no portfolio satisfies the constraints; the message starts with the
        scenario's origin (its file), says which constraints conflict and names
        them in the scenario's words (:func:`siting.infeasible.scenario_constraints`).
    """
    try:
        return solve_pmedian(
            problem.instance,
            solver=scenario.solver.name,
            time_limit=time_limit_of(scenario),
        )
    except InfeasibleError as exc:
        words = scenario_constraints(
            scenario,
            n_pairs=len(problem.incompatible),
            n_excluded=len(problem.excluded),
            n_sites=len(problem.site_ids),
        )
        raise InfeasibleError(f"{scenario.origin}: {exc}; {words}") from None


def time_limit_of(scenario: Scenario) -> float | None:
    """The scenario's time limit per solve in seconds (None for no limit)."""
    limit = scenario.solver.time_limit_s
    return None if np.isinf(limit) else limit


def optimise(
    scenario: Scenario | None = None,
    *,
    progress: Progress | None = None,
    explanations: bool = True,
) -> Result:
    """Run the whole pipeline on a scenario (the packaged default if omitted).

    Parameters
    ----------
    scenario
        A scenario from :func:`siting.load_scenario`.
    progress
        Called with a short description as each stage starts (for a progress display).
    explanations
        Also compute each chosen site's regret (one exact re-solve per site) and its
        best single replacement.

    Raises
    ------
    siting.errors.InputError
        If the data or scenario is invalid.
    siting.errors.InfeasibleError
        If no choice of sites satisfies the constraints.
    """
    scenario = scenario or load_scenario()
    timings: dict[str, float] = {}
    report = progress or (lambda _message: None)
    if scenario.selection.campuses_max > 1:
        return optimise_campuses(scenario, progress=report, timings=timings)
    inputs = prepare(scenario, progress=report, timings=timings)
    with _timed(timings, "solve", report, "Solving the siting problem"):
        solution = solve(inputs.problem, scenario)
    problem = inputs.problem
    sites, hubs = label_solution(problem, solution, inputs.sites, inputs.dataset.hubs)
    regret = swap = None
    if explanations:
        with _timed(timings, "explain", report, "Explaining the choice"):
            selection = sites[sites["selected"]].sort_values("rank")
            regret = explain.regrets(
                problem,
                solution,
                selection,
                inputs.researchers,
                solver=scenario.solver.name,
                time_limit=time_limit_of(scenario),
            )
            ranked = problem.positions(list(selection.index))
            swap = explain.swaps(problem, ranked, inputs.researchers)
    return Result(
        scenario=scenario,
        sites=sites,
        hubs=hubs,
        rtt=inputs.rtt,
        problem=problem,
        solution=solution,
        data_sha256=inputs.dataset.sha256,
        gigafactories=single_site_gigafactories(sites),
        timings_s=timings,
        explanations=regret,
        swaps=swap,
        notes=inputs.dataset.notes,
    )


def prepare_campuses(
    scenario: Scenario,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> tuple[Dataset, CampusProblem, pd.DataFrame]:
    """Load the data, price every site at each campus share, compute the RTTs and
    build the multi-campus problem (:mod:`siting.gigafactory`).

    Returns
    -------
    dataset, problem, rtt
        The data read, the problem and the hub-to-site RTT matrix (ms).
    """
    clock = timings if timings is not None else {}
    report = progress or (lambda _message: None)
    with _timed(clock, "data", report, "Loading data"):
        dataset = load_data(scenario)
    with _timed(clock, "layers", report, "Computing the layers at each campus share"):
        share_sites = share_tables(dataset, scenario)
    with _timed(clock, "network", report, "Computing round-trip times"):
        rtt = latency_matrix(dataset, scenario)
        site_rtt = latency_matrix(dataset, scenario, between_sites=True)
    with _timed(clock, "campuses", report, "Listing campus configurations"):
        problem = build_campus_problem(
            share_sites, dataset.hubs, rtt, site_rtt, scenario
        )
    return dataset, problem, rtt


def optimise_campuses(
    scenario: Scenario,
    *,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
) -> Result:
    """The whole run for gigafactories of up to ``selection.campuses_max`` campuses
    (called by :func:`optimise`). Regrets and swaps are not computed for them.

    Raises
    ------
    siting.errors.InfeasibleError
        If no choice of gigafactories satisfies the constraints.
    """
    clock = timings if timings is not None else {}
    report = progress or (lambda _message: None)
    dataset, problem, rtt = prepare_campuses(scenario, progress=report, timings=clock)
    with _timed(clock, "solve", report, "Solving the siting problem"):
        try:
            answer = solve_campuses(
                problem.instance,
                solver=scenario.solver.name,
                time_limit=time_limit_of(scenario),
            )
        except InfeasibleError as exc:
            raise InfeasibleError(
                f"{scenario.origin}: {exc}; {infeasible_message(problem, scenario)}"
            ) from None
    hubs = dataset.hubs.loc[list(problem.hub_ids)]
    sites, hubs, gigafactories = label_campus_solution(problem, answer, hubs)
    return Result(
        scenario=scenario,
        sites=sites,
        hubs=hubs,
        rtt=rtt,
        problem=problem,
        solution=answer.solution,
        data_sha256=dataset.sha256,
        gigafactories=gigafactories,
        timings_s=clock,
        notes=dataset.notes,
    )


def load_data(scenario: Scenario) -> Dataset:
    """The dataset named by the scenario's ``data`` section (packaged by default)."""
    return load_dataset(
        scenario.data_path("dir"),
        candidates=scenario.data_path("candidates"),
        hubs=scenario.data_path("hubs"),
        tolerance_km=scenario.data.placement_tolerance_km,
    )


def latency_matrix(
    dataset: Dataset, scenario: Scenario, *, between_sites: bool = False
) -> pd.DataFrame:
    """RTT (ms) from every hub to every candidate through the backbone model, or
    between every two candidates (``between_sites``, as ``siting latency`` gives it)."""
    params = scenario.network
    graph = backbone_graph(
        dataset.backbone_nodes, dataset.backbone_links, params=params
    )
    sites = dataset.candidates
    origins = sites if between_sites else dataset.hubs
    return rtt_matrix(graph, origins, sites, params=params)


@contextmanager
def _timed(
    timings: dict[str, float], name: str, report: Progress, message: str
) -> Iterator[None]:
    report(message)
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
