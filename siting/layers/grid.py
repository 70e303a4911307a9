"""Grid layer: headroom at each site and the annualised cost of connecting the rest.

    headroom (MW)   = headroom_share x capacity of grid assets within headroom_radius_km
    shortfall (MW)  = max(0, facility power - headroom)
    capex (EUR)     = shortfall x reinforcement_eur_per_mw
                      + distance to the nearest asset (km) x line_eur_per_km
    annual (EUR/yr) = capex x capital recovery factor

Sites farther than ``max_connection_km`` from any asset are excluded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.geo import distance_matrix_km, nearest
from siting.layers.facility import capital_recovery_factor
from siting.scenario import Scenario


def grid_layer(
    candidates: pd.DataFrame,
    assets: pd.DataFrame,
    power_mw: pd.Series,
    scenario: Scenario,
) -> pd.DataFrame:
    """Grid quantities per site.

    Returns
    -------
    DataFrame indexed by ``site_id`` with ``grid_asset``, ``grid_asset_km``,
    ``grid_headroom_mw``, ``grid_shortfall_mw``, ``grid_capex_eur``,
    ``grid_eur_per_year`` and ``grid_excluded`` (bool).
    """
    grid = scenario.grid
    distance = distance_matrix_km(
        candidates["lat"], candidates["lon"], assets["lat"], assets["lon"]
    )
    closest, nearest_km = nearest(distance)
    nearby = (distance <= grid.headroom_radius_km) @ assets["capacity_mw"].to_numpy()
    headroom = grid.headroom_share * nearby
    shortfall = np.maximum(
        0.0, power_mw.reindex(candidates.index).to_numpy() - headroom
    )
    capex = (
        shortfall * grid.reinforcement_eur_per_mw + nearest_km * grid.line_eur_per_km
    )
    return pd.DataFrame(
        {
            "grid_asset": assets.index.to_numpy()[closest],
            "grid_asset_km": nearest_km,
            "grid_headroom_mw": headroom,
            "grid_shortfall_mw": shortfall,
            "grid_capex_eur": capex,
            "grid_eur_per_year": capex * capital_recovery_factor(scenario.facility),
            "grid_excluded": nearest_km > grid.max_connection_km,
        },
        index=candidates.index,
    )
