"""Analyses on top of the solver: trade-offs, alternatives, robustness, sweeps.

- :func:`pareto_front`: the non-dominated portfolios of cost against latency
  (:mod:`siting.analysis.pareto`, two-phase) and with carbon
  (:mod:`siting.analysis.pareto_carbon`, epsilon-constraint);
- :func:`alternatives`: the K best distinct portfolios (Lawler's partition);
- :func:`robustness`: Monte Carlo over the scenario's ``[uncertainty]``, run as a
  sweep on Dask (:func:`run_sweep`).

Each takes the :class:`~siting.run.Inputs` of :func:`siting.run.prepare`, calls the
solver only through :mod:`siting.solve` with the scenario's backend, and returns
DataFrames labelled by site id.
"""

from siting.analysis.alternatives import alternatives, write_alternatives
from siting.analysis.pareto import pareto_front, write_pareto
from siting.analysis.robustness import Robustness, robustness, write_robustness
from siting.analysis.sweep import Sweep, TaskFailure, run_sweep

__all__ = [
    "Robustness",
    "Sweep",
    "TaskFailure",
    "alternatives",
    "pareto_front",
    "robustness",
    "run_sweep",
    "write_alternatives",
    "write_pareto",
    "write_robustness",
]
