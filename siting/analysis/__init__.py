"""Analyses on top of the solver: trade-offs, alternatives, robustness, explanations.

- :func:`pareto_front`: the non-dominated portfolios of cost against latency (and
  carbon), by the epsilon-constraint method;
- :func:`alternatives`: the K best distinct portfolios (no-good cuts);
- :func:`robustness`: Monte Carlo over the scenario's ``[uncertainty]``, run as a
  sweep on Dask (:func:`run_sweep`);
- :func:`explain`: each chosen site's cost breakdown and regret.

Each takes the :class:`Inputs` of :func:`prepare` (``explain`` takes a finished
:class:`siting.pipeline.Result`) and returns DataFrames labelled by site id.
"""

from siting.analysis.alternatives import alternatives, write_alternatives
from siting.analysis.explain import explain
from siting.analysis.model import Inputs, prepare
from siting.analysis.pareto import pareto_front, plot_front, write_pareto
from siting.analysis.robustness import Robustness, robustness, write_robustness
from siting.analysis.sweep import Sweep, TaskFailure, run_sweep

__all__ = [
    "Inputs",
    "Robustness",
    "Sweep",
    "TaskFailure",
    "alternatives",
    "explain",
    "pareto_front",
    "plot_front",
    "prepare",
    "robustness",
    "run_sweep",
    "write_alternatives",
    "write_pareto",
    "write_robustness",
]
