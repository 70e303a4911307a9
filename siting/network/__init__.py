"""The network stage: backbone graph (networkx) -> round-trip times (ms).

- :func:`backbone_graph` builds the graph of points of presence and fibre links;
- :func:`rtt_matrix` gives the hubs x sites RTT matrix, :func:`rtt_path` one route
  and :func:`pair_rtt` the RTT of point pairs;
- :func:`validation_table` and :func:`calibrate` compare the model with measured RTTs
  and fit its free parameters.

The parameters are the scenario's ``[network]`` table
(:class:`siting.scenario.Network`).
"""

from siting.network.backbone import (
    Route,
    backbone_graph,
    pair_rtt,
    rtt_matrix,
    rtt_path,
)
from siting.network.calibration import calibrate, validation_table

__all__ = [
    "Route",
    "backbone_graph",
    "calibrate",
    "pair_rtt",
    "rtt_matrix",
    "rtt_path",
    "validation_table",
]
