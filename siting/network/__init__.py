"""The network stage: backbone graph (networkx) -> round-trip times (ms).

The model predicts the **median** RTT of a path (docs/network.md).

- :func:`backbone_graph` builds the graph of points of presence and fibre links;
- :func:`rtt_matrix` gives the hubs x sites RTT matrix, :func:`rtt_path` one route,
  :func:`pair_rtt` the RTT of point pairs (:class:`AttachedPairs` for many parameter
  values);
- :func:`calibrate` fits the free parameters to measured median RTTs;
  :func:`leave_one_source_out` and :func:`source_table` compare the model and the
  rule of thumb with the measurements.

The parameters are the scenario's ``[network]`` table
(:class:`siting.scenario.Network`).
"""

from siting.network.backbone import Route, backbone_graph, rtt_matrix, rtt_path
from siting.network.calibration import calibrate, median_pairs
from siting.network.pairs import AttachedPairs, pair_rtt
from siting.network.validation import (
    TARGETS,
    leave_one_source_out,
    rule_of_thumb_ms,
    source_table,
)

__all__ = [
    "TARGETS",
    "AttachedPairs",
    "Route",
    "backbone_graph",
    "calibrate",
    "leave_one_source_out",
    "median_pairs",
    "pair_rtt",
    "rtt_matrix",
    "rtt_path",
    "rule_of_thumb_ms",
    "source_table",
]
