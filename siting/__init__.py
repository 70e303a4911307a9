"""siting: where should the EU build its five AI gigafactories?

The Python API mirrors the command line::

    import siting
    result = siting.optimise(siting.load_scenario(selection__sites=5))
    result.selection          # chosen sites in rank order (DataFrame by site_id)

and the solver core works on any cost matrix, with no geography::

    solution = siting.solve_pmedian(cost, weights, p=5)
"""

from siting.errors import InfeasibleError, InputError, SitingError, SolverError
from siting.pipeline import Result, optimise
from siting.scenario import Scenario, load_scenario
from siting.solve import Solution, solve_pmedian

__all__ = [
    "InfeasibleError",
    "InputError",
    "Result",
    "Scenario",
    "SitingError",
    "Solution",
    "SolverError",
    "load_scenario",
    "optimise",
    "solve_pmedian",
]
