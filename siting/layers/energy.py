"""Energy layer: facility power, energy, the price a very large buyer pays, carbon.

    facility power (MW) = IT power (MW) x PUE of the site
    energy (MWh/yr)     = facility power x 8,760 h x utilisation

The price, EUR/MWh, by ``energy.price_basis``:

- ``"zonal"`` (default): wholesale + network + levies + taxes, where wholesale is the
  annual average day-ahead price of the site's bidding zone (``bidding_zones.csv``)
  and the other parts are those of the site's country for a transmission-connected
  consumer (``countries.csv``), taxes excluding VAT and recoverable taxes;
- ``"ppa"``: as zonal, with a share ``ppa_share`` of the energy bought at the PPA
  price of the country and ``ppa_technology`` (``ppa_prices.csv``; the EU row where
  the country has none) instead of the wholesale price;
- ``"band"``: the Eurostat non-household price of the country (``countries.csv:
  price_eur_per_mwh``, the band it states), which includes network and taxes; its
  parts are not known, so they are NaN.

Carbon is counted once. The wholesale price already passes the EU ETS allowance cost
through; ``ets_in_price_eur_per_mwh`` shows it (``ets_price_eur_per_t`` x the zone's
carbon intensity, the rule of docs/model.md) and it is not added again. The objective
prices emissions only through ``carbon_adder_eur_per_t``, EUR/t above the ETS cost
(default 0).

    emissions (t/yr)    = energy x carbon intensity (g/kWh = kg/MWh) / 1,000
    carbon cost         = emissions x carbon_adder_eur_per_t
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.errors import InputError
from siting.layers.facility import HOURS_PER_YEAR, it_power_mw
from siting.scenario import Scenario


def energy_layer(
    candidates: pd.DataFrame,
    countries: pd.DataFrame,
    zones: pd.DataFrame,
    carbon: pd.DataFrame,
    ppa: pd.DataFrame,
    pue: pd.Series,
    scenario: Scenario,
) -> pd.DataFrame:
    """Energy quantities per site.

    Parameters
    ----------
    candidates
        Sites indexed by ``site_id`` with ``country`` and ``bidding_zone``.
    countries
        Country table with ``price_eur_per_mwh`` (band), ``transmission_eur_per_mwh``,
        ``levies_eur_per_mwh`` and ``taxes_eur_per_mwh`` (overrides applied).
    zones
        Bidding zones by zone with ``wholesale_eur_per_mwh`` (overrides applied).
    carbon
        Carbon intensity (``carbon_g_per_kwh``) by area: a zone, or a country for the
        zones that are not listed.
    ppa
        PPA prices with ``country``, ``technology``, ``price_eur_per_mwh``.
    pue
        Power usage effectiveness of each site (from the cooling layer).

    Returns
    -------
    DataFrame indexed by ``site_id`` with ``wholesale_eur_per_mwh``,
    ``network_eur_per_mwh``, ``levies_eur_per_mwh``, ``taxes_eur_per_mwh``,
    ``ppa_eur_per_mwh`` (NaN unless the basis is "ppa"), ``price_eur_per_mwh``
    (what the site pays), ``band_price_eur_per_mwh`` (the Eurostat band, for a
    cross-check), ``carbon_g_per_kwh``, ``ets_in_price_eur_per_mwh``, ``power_mw``,
    ``energy_mwh_per_year``, ``electricity_eur_per_year``, ``carbon_t_per_year`` and
    ``carbon_eur_per_year``.
    """
    energy = scenario.energy
    country = candidates["country"]
    zone = candidates["bidding_zone"]
    wholesale = zone.map(zones["wholesale_eur_per_mwh"]).astype(float)
    network = country.map(countries["transmission_eur_per_mwh"]).astype(float)
    levies = country.map(countries["levies_eur_per_mwh"]).astype(float)
    taxes = country.map(countries["taxes_eur_per_mwh"]).astype(float)
    band = country.map(countries["price_eur_per_mwh"]).astype(float)
    intensity = zone.map(carbon["carbon_g_per_kwh"]).astype(float)
    intensity = intensity.fillna(country.map(carbon["carbon_g_per_kwh"]).astype(float))
    ppa_price = pd.Series(np.nan, index=candidates.index)
    if energy.price_basis == "band":
        price = band
        wholesale = network = levies = taxes = pd.Series(np.nan, index=band.index)
    else:
        energy_part = wholesale
        if energy.price_basis == "ppa":
            ppa_price = _ppa_prices(country, ppa, energy.ppa_technology, scenario)
            share = energy.ppa_share
            energy_part = share * ppa_price + (1.0 - share) * wholesale
        price = energy_part + network + levies + taxes
    power = it_power_mw(scenario.facility) * pue.reindex(candidates.index)
    mwh = power * HOURS_PER_YEAR * scenario.facility.utilisation
    emissions = mwh * intensity / 1000.0
    return pd.DataFrame(
        {
            "wholesale_eur_per_mwh": wholesale,
            "network_eur_per_mwh": network,
            "levies_eur_per_mwh": levies,
            "taxes_eur_per_mwh": taxes,
            "ppa_eur_per_mwh": ppa_price,
            "price_eur_per_mwh": price,
            "band_price_eur_per_mwh": band,
            "carbon_g_per_kwh": intensity,
            "ets_in_price_eur_per_mwh": energy.ets_price_eur_per_t * intensity / 1000,
            "power_mw": power,
            "energy_mwh_per_year": mwh,
            "electricity_eur_per_year": mwh * price,
            "carbon_t_per_year": emissions,
            "carbon_eur_per_year": emissions * energy.carbon_adder_eur_per_t,
        },
        index=candidates.index,
    )


def _ppa_prices(
    country: pd.Series, ppa: pd.DataFrame, technology: str, scenario: Scenario
) -> pd.Series:
    """The PPA price of each site's country for ``technology``, else the EU row's.

    Raises
    ------
    InputError
        If ``ppa_prices.csv`` has no price for ``technology`` in a site's country
        and no EU row for it.
    """
    rows = ppa[ppa["technology"] == technology]
    by_country = rows.set_index("country")["price_eur_per_mwh"]
    eu = by_country.get("EU", np.nan)
    prices = country.map(by_country).astype(float).fillna(eu)
    missing = sorted(set(country[prices.isna()]))
    if missing:
        known = ", ".join(sorted(set(ppa["technology"].astype(str))))
        raise InputError(
            f"{scenario.origin}: field 'energy.ppa_technology': ppa_prices.csv has no "
            f"{technology!r} price for {', '.join(missing)} and no EU row for it; "
            f"use one of its technologies ({known}) or add the rows"
        )
    return prices
