"""Connectivity layer: fibre from each site to the backbone and its annual cost.

    fibre (km)      = great-circle km to the nearest point of presence x route_factor
    capex (EUR)     = fibre km x fibre_eur_per_km
    annual (EUR/yr) = capex x (capital recovery factor + fibre_opex_share)

The distance to the nearest internet exchange (``kind == "ixp"``) is reported too.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.geo import distance_matrix_km, nearest
from siting.layers.facility import capital_recovery_factor
from siting.scenario import Scenario


def connectivity_layer(
    candidates: pd.DataFrame, nodes: pd.DataFrame, scenario: Scenario
) -> pd.DataFrame:
    """Connectivity quantities per site.

    Returns
    -------
    DataFrame indexed by ``site_id`` with ``pop``, ``pop_km``, ``ixp_km``,
    ``fibre_km``, ``fibre_capex_eur`` and ``fibre_eur_per_year``.
    """
    settings = scenario.connectivity
    distance = distance_matrix_km(
        candidates["lat"], candidates["lon"], nodes["lat"], nodes["lon"]
    )
    closest, pop_km = nearest(distance)
    is_ixp = (nodes["kind"] == "ixp").to_numpy()
    ixp_km = (
        distance[:, is_ixp].min(axis=1)
        if is_ixp.any()
        else np.full(len(closest), np.nan)
    )
    fibre_km = pop_km * settings.route_factor
    capex = fibre_km * settings.fibre_eur_per_km
    annual_share = (
        capital_recovery_factor(scenario.facility) + settings.fibre_opex_share
    )
    return pd.DataFrame(
        {
            "pop": nodes.index.to_numpy()[closest],
            "pop_km": pop_km,
            "ixp_km": ixp_km,
            "fibre_km": fibre_km,
            "fibre_capex_eur": capex,
            "fibre_eur_per_year": capex * annual_share,
        },
        index=candidates.index,
    )
