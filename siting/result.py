"""The finished run: every table labelled by id, the answer and its explanations.

A :class:`Result` is what :func:`siting.run.optimise` returns and what every writer in
:mod:`siting.output` reads; nothing downstream of it solves.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from siting.problem import Problem
from siting.scenario import Scenario
from siting.solve import Solution


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
        ``researchers_served`` and ``mean_rtt_ms`` (researcher-weighted mean of the
        modelled median RTTs, ms).
    hubs
        Every hub (index ``hub_id``) with ``researchers``, assigned ``site_id`` and
        ``rtt_ms`` to it (modelled median RTT, ms).
    rtt
        Modelled median RTT matrix in ms (docs/network.md), index ``hub_id``, columns
        ``site_id``.
    problem, solution
        The array problem and the solver's answer.
    data_sha256
        Hash of the data files read.
    timings_s
        Wall time of each stage in seconds.
    explanations
        Each chosen site's priced latency, regret and replacement
        (:func:`siting.explain.regrets`); None when the run skipped them.
    swaps
        The best single-site replacement of each chosen site
        (:func:`siting.explain.swaps`); None when the run skipped them.
    """

    scenario: Scenario
    sites: pd.DataFrame
    hubs: pd.DataFrame
    rtt: pd.DataFrame
    problem: Problem
    solution: Solution
    data_sha256: str
    timings_s: dict[str, float] = field(default_factory=dict)
    explanations: pd.DataFrame | None = None
    swaps: pd.DataFrame | None = None

    @property
    def selection(self) -> pd.DataFrame:
        """The chosen sites in rank order."""
        return self.sites[self.sites["selected"]].sort_values("rank")

    @property
    def mean_rtt_ms(self) -> float:
        """Researcher-weighted mean RTT from every hub to its site (ms)."""
        return float(np.average(self.hubs["rtt_ms"], weights=self.hubs["researchers"]))
