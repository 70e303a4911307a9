"""Capital-cost layer: building the facility at each site, and its land, annualised.

    construction capex (EUR) = IT power (MW) x construction cost of the site's country
                               (EUR per MW of IT load)
    land capex (EUR)         = facility power (MW) x land_ha_per_mw x land price of the
                               country (EUR/ha), only with ``capex.include_land`` and
                               where a price is known (0 elsewhere, said in the output)
    annual (EUR/yr)          = (construction + land) x capital recovery factor

The construction cost per MW of IT load is the Turner & Townsend Data Centre
Construction Cost Index market figure of the country, or an estimate flagged in
``countries.csv`` (docs/data.md). It covers the building and its mechanical and
electrical plant: the AI chips and servers cost the same wherever they are installed,
so they are left out of the comparison, as are the grid and fibre connections (their
own layers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.layers.facility import capital_recovery_factor, it_power_mw
from siting.scenario import Scenario


def capex_layer(
    candidates: pd.DataFrame,
    countries: pd.DataFrame,
    power_mw: pd.Series,
    scenario: Scenario,
) -> pd.DataFrame:
    """Capital cost per site.

    Parameters
    ----------
    candidates
        Sites indexed by ``site_id`` with a ``country`` column.
    countries
        Country table with ``capex_eur_per_mw_it`` (EUR per MW of IT load) and,
        optionally, ``land_eur_per_ha`` (EUR per hectare; NaN where unknown).
    power_mw
        Facility power of each site (MW), from the energy layer.

    Returns
    -------
    DataFrame indexed by ``site_id`` with ``capex_eur_per_mw_it``,
    ``construction_capex_eur``, ``land_ha``, ``land_eur_per_ha`` (NaN where
    unknown), ``land_capex_eur``, ``capex_eur`` and ``capex_eur_per_year``.
    """
    settings = scenario.capex
    country = candidates["country"]
    unit_cost = country.map(countries["capex_eur_per_mw_it"]).to_numpy(float)
    construction = it_power_mw(scenario.facility) * unit_cost
    land_ha = (
        power_mw.reindex(candidates.index).to_numpy(float) * settings.land_ha_per_mw
    )
    if "land_eur_per_ha" in countries.columns:
        land_price = country.map(countries["land_eur_per_ha"]).to_numpy(float)
    else:
        land_price = np.full(len(candidates), np.nan)
    land = np.where(
        settings.include_land & np.isfinite(land_price), land_ha * land_price, 0.0
    )
    total = construction + land
    return pd.DataFrame(
        {
            "capex_eur_per_mw_it": unit_cost,
            "construction_capex_eur": construction,
            "land_ha": land_ha,
            "land_eur_per_ha": land_price,
            "land_capex_eur": land,
            "capex_eur": total,
            "capex_eur_per_year": total * capital_recovery_factor(scenario.facility),
        },
        index=candidates.index,
    )
