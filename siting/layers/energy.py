"""Energy layer: facility power, annual energy, electricity cost and carbon.

facility power (MW) = IT power (MW) x PUE of the site
energy (MWh/yr)     = facility power x 8,760 h x utilisation
electricity cost    = energy x price of the site's country (EUR/MWh)
emissions (t/yr)    = energy x carbon intensity (g/kWh = kg/MWh) / 1,000
carbon cost         = emissions x carbon price (EUR/t)
"""

from __future__ import annotations

import pandas as pd

from siting.layers.facility import HOURS_PER_YEAR, it_power_mw
from siting.scenario import Scenario


def energy_layer(
    candidates: pd.DataFrame,
    countries: pd.DataFrame,
    pue: pd.Series,
    scenario: Scenario,
) -> pd.DataFrame:
    """Energy quantities per site.

    Parameters
    ----------
    candidates
        Sites indexed by ``site_id`` with a ``country`` column.
    countries
        Country table with ``price_eur_per_mwh`` and ``carbon_g_per_kwh`` (scenario
        overrides already applied).
    pue
        Power usage effectiveness of each site (from the cooling layer).

    Returns
    -------
    DataFrame indexed by ``site_id`` with ``price_eur_per_mwh``, ``carbon_g_per_kwh``,
    ``power_mw``, ``energy_mwh_per_year``, ``electricity_eur_per_year``,
    ``carbon_t_per_year`` and ``carbon_eur_per_year``.
    """
    country = candidates["country"]
    price = country.map(countries["price_eur_per_mwh"])
    carbon = country.map(countries["carbon_g_per_kwh"])
    power = it_power_mw(scenario.facility) * pue.reindex(candidates.index)
    energy = power * HOURS_PER_YEAR * scenario.facility.utilisation
    emissions = energy * carbon / 1000.0
    return pd.DataFrame(
        {
            "price_eur_per_mwh": price,
            "carbon_g_per_kwh": carbon,
            "power_mw": power,
            "energy_mwh_per_year": energy,
            "electricity_eur_per_year": energy * price,
            "carbon_t_per_year": emissions,
            "carbon_eur_per_year": emissions * scenario.energy.carbon_price_eur_per_t,
        },
        index=candidates.index,
    )
