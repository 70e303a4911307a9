"""The whole run as one call: data -> layers -> latency -> problem -> solve -> result.

:func:`optimise` is the Python API behind ``siting optimise``; the command line only
parses options, calls it and writes its :class:`Result`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.data import Dataset, load_dataset
from siting.network import NetworkParams, backbone_graph, rtt_matrix
from siting.problem import Problem, build_problem, label_solution, site_table
from siting.scenario import Scenario, load_scenario
from siting.solve import Solution, solve_pmedian

Progress = Callable[[str], None]


@dataclass(frozen=True)
class Result:
    """Everything a run produced, labelled by id.

    Attributes
    ----------
    scenario
        The resolved scenario.
    sites
        Every candidate (index ``site_id``) with its layer values, ``annual_cost_eur``
        and breakdown, ``excluded_reason``, ``selected``, ``rank``,
        ``researchers_served`` and ``mean_rtt_ms``.
    hubs
        Every hub (index ``hub_id``) with ``researchers``, assigned ``site_id`` and
        ``rtt_ms`` to it.
    rtt
        RTT matrix in ms, index ``hub_id``, columns ``site_id``.
    problem, solution
        The array problem and the solver's answer.
    data_sha256
        Hash of the data files read.
    timings_s
        Wall time of each stage in seconds.
    """

    scenario: Scenario
    sites: pd.DataFrame
    hubs: pd.DataFrame
    rtt: pd.DataFrame
    problem: Problem
    solution: Solution
    data_sha256: str
    timings_s: dict[str, float] = field(default_factory=dict)

    @property
    def selection(self) -> pd.DataFrame:
        """The chosen sites in rank order."""
        return self.sites[self.sites["selected"]].sort_values("rank")

    @property
    def mean_rtt_ms(self) -> float:
        """Researcher-weighted mean RTT from every hub to its site (ms)."""
        return float(np.average(self.hubs["rtt_ms"], weights=self.hubs["researchers"]))


def optimise(
    scenario: Scenario | None = None, *, progress: Progress | None = None
) -> Result:
    """Run the whole pipeline on a scenario (the packaged default if omitted).

    Parameters
    ----------
    scenario
        A scenario from :func:`siting.load_scenario`.
    progress
        Called with a short description as each stage starts (for a progress display).

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

    with _timed(timings, "data", report, "Loading data"):
        dataset = load_data(scenario)
    with _timed(timings, "layers", report, "Computing the four layers"):
        sites = site_table(dataset, scenario)
    with _timed(timings, "network", report, "Computing round-trip times"):
        rtt = latency_matrix(dataset, scenario)
    with _timed(timings, "solve", report, "Solving the siting problem"):
        problem = build_problem(sites, dataset.hubs, rtt, scenario)
        solution = solve_problem(problem, scenario)
    sites, hubs = label_solution(problem, solution, sites, dataset.hubs)
    return Result(
        scenario=scenario,
        sites=sites,
        hubs=hubs,
        rtt=rtt,
        problem=problem,
        solution=solution,
        data_sha256=dataset.sha256,
        timings_s=timings,
    )


def load_data(scenario: Scenario) -> Dataset:
    """The dataset named by the scenario's ``data`` section (packaged by default)."""
    return load_dataset(
        scenario.data_path("dir"),
        candidates=scenario.data_path("candidates"),
        hubs=scenario.data_path("hubs"),
    )


def latency_matrix(dataset: Dataset, scenario: Scenario) -> pd.DataFrame:
    """RTT (ms) from every hub to every candidate through the backbone model."""
    params = NetworkParams(**scenario.network.model_dump())
    graph = backbone_graph(
        dataset.backbone_nodes, dataset.backbone_links, params=params
    )
    return rtt_matrix(graph, dataset.hubs, dataset.candidates, params=params)


def solve_problem(problem: Problem, scenario: Scenario) -> Solution:
    """Solve the array problem with the scenario's solver settings."""
    time_limit = scenario.solver.time_limit_s
    return solve_pmedian(
        *problem.arrays(),
        **problem.constraints(),
        solver=scenario.solver.name,
        time_limit=None if np.isinf(time_limit) else time_limit,
    )


@contextmanager
def _timed(
    timings: dict[str, float], name: str, report: Progress, message: str
) -> Iterator[None]:
    report(message)
    start = time.perf_counter()
    yield
    timings[name] = time.perf_counter() - start
