"""Analyses on top of the solver: trade-offs, alternatives, robustness, explanations.

- :func:`pareto_front`: the non-dominated portfolios of cost against latency (and
  carbon), by the epsilon-constraint method;
- :func:`alternatives`: the K best distinct portfolios (no-good cuts);
- :func:`robustness`: Monte Carlo over the scenario's ``[uncertainty]``, run as a
  sweep on Dask (:mod:`siting.analysis.sweep`);
- :func:`explain`: each chosen site's cost breakdown and regret.
"""

from siting.analysis.model import Inputs, prepare
from siting.analysis.pareto import pareto_front

__all__ = ["Inputs", "pareto_front", "prepare"]
