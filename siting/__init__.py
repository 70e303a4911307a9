"""siting: where should the EU build its five AI gigafactories?

The Python API mirrors the command line::

    import siting
    result = siting.optimise(siting.load_scenario(selection__sites=5))
    result.selection          # chosen sites in rank order, by site_id

and the solver core works on any cost matrix, with no geography::

    solution = siting.solve_pmedian(cost, weights, p=5)

Names are imported on first use, so ``import siting`` (and ``siting --help``) stays
light.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from siting.errors import InfeasibleError, InputError, SitingError, SolverError
    from siting.result import Result
    from siting.run import Inputs, optimise, prepare
    from siting.scenario import Scenario, load_scenario
    from siting.solve import PMedianInstance, Solution, make_instance, solve_pmedian

#: Where each public name lives.
_HOMES = {
    "InfeasibleError": "siting.errors",
    "InputError": "siting.errors",
    "SitingError": "siting.errors",
    "SolverError": "siting.errors",
    "Inputs": "siting.run",
    "optimise": "siting.run",
    "prepare": "siting.run",
    "Result": "siting.result",
    "Scenario": "siting.scenario",
    "load_scenario": "siting.scenario",
    "PMedianInstance": "siting.solve",
    "Solution": "siting.solve",
    "make_instance": "siting.solve",
    "solve_pmedian": "siting.solve",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    if name in _HOMES:
        value = getattr(import_module(_HOMES[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'siting' has no attribute {name!r}")
