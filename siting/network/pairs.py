"""Modelled RTT of point pairs, such as the measured pairs of the calibration.

:class:`AttachedPairs` attaches the two ends of every pair to their nearest core PoP
once; its RTT for any parameters then needs only the PoP-to-PoP table (one Dijkstra per
``from`` PoP), which is what the calibration's grid search evaluates many times. The
model is the one of :mod:`siting.network.backbone`; :func:`pair_rtt` equals the
matching entries of :func:`siting.network.rtt_matrix`.
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd

from siting.network.backbone import (
    _core,
    _core_edges,
    _nearest_pop,
    _pop_rtt_from_edges,
    _require,
)
from siting.sections import Network


class AttachedPairs:
    """Point pairs attached to the nearest core PoPs of one backbone graph.

    Parameters
    ----------
    graph
        Backbone from :func:`siting.network.backbone_graph`; the link lengths (and so
        ``route_factor``) are fixed by it.
    pairs
        Columns ``from_lat``, ``from_lon``, ``to_lat``, ``to_lon`` (degrees).

    Attributes
    ----------
    access_km
        Great-circle distance from each end to its PoP, summed over both ends, km.
    """

    def __init__(self, graph: nx.Graph, pairs: pd.DataFrame) -> None:
        _require(pairs, ("from_lat", "from_lon", "to_lat", "to_lon"), "pairs")
        core = _core(graph)
        ends = np.concatenate(
            [
                pairs[["from_lat", "from_lon"]].to_numpy(dtype="float64"),
                pairs[["to_lat", "to_lon"]].to_numpy(dtype="float64"),
            ]
        )
        # measured pairs repeat their end points: attach each distinct point once
        points, which = np.unique(ends, axis=0, return_inverse=True)
        pop, km = _nearest_pop(
            graph, core, pd.Series(points[:, 0]), pd.Series(points[:, 1])
        )
        which = which.reshape(2, len(pairs))
        self._pops = (pop[which[0]], pop[which[1]])
        self._edges = _core_edges(graph, core)
        self._size = len(core)
        self.access_km = km[which[0]] + km[which[1]]

    def backbone_ms(self, params: Network) -> np.ndarray:
        """RTT between each pair's two PoPs, hop delays included, ms
        (``fibre_us_per_km`` and ``hop_delay_ms`` of ``params``)."""
        sources = np.unique(self._pops[0])
        pop_rtt = _pop_rtt_from_edges(self._edges, self._size, sources, params)
        return pop_rtt[self._pops]

    def rtt_ms(self, params: Network) -> np.ndarray:
        """Modelled RTT of each pair, ms."""
        scale = 2 * params.fibre_us_per_km * params.access_route_factor / 1000
        return (
            self.backbone_ms(params)
            + scale * self.access_km
            + 2 * params.access_delay_ms
        )


def pair_rtt(graph: nx.Graph, pairs: pd.DataFrame, *, params: Network) -> np.ndarray:
    """Modelled RTT (ms) of point pairs, row by row.

    ``pairs`` has columns ``from_lat``, ``from_lon``, ``to_lat``, ``to_lon`` (degrees);
    the result has one RTT per row.
    """
    return AttachedPairs(graph, pairs).rtt_ms(params)
