"""The per-site cost table: every layer joined, the annual cost and its parts.

:func:`site_table` runs the four layers on every candidate and adds the cost of each
layer (EUR/yr), the total annual cost and why a site may not be chosen. The parts are
named in :data:`COST_PARTS`, the one list every later stage reads.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.data import Dataset
from siting.errors import InputError
from siting.layers.capex import capex_layer
from siting.layers.connectivity import connectivity_layer
from siting.layers.cooling import cooling_layer
from siting.layers.energy import energy_layer
from siting.layers.grid import grid_layer
from siting.layers.site_size import site_size_layer
from siting.scenario import Scenario

#: Parts of the annual cost of a site, EUR per year, by layer.
COST_PARTS = {
    "energy": ("electricity_eur_per_year", "carbon_eur_per_year"),
    "grid": ("grid_eur_per_year",),
    "cooling": ("water_eur_per_year",),
    "connectivity": ("fibre_eur_per_year",),
    "capex": ("capex_eur_per_year",),
}


def site_table(dataset: Dataset, scenario: Scenario) -> pd.DataFrame:
    """Every candidate with all layer columns, its annual cost and why it is excluded.

    Returns
    -------
    DataFrame indexed by ``site_id``: the candidate columns, the columns of the four
    layers, ``<layer>_eur_per_year`` for each layer of :data:`COST_PARTS`,
    ``annual_cost_eur`` (EUR/yr), ``power_limit`` (the limit on the site's power
    that binds first, in words) and ``excluded_reason`` ("" for allowed sites).
    """
    candidates = dataset.candidates
    unknown = sorted(set(scenario.selection.countries) - set(dataset.countries.index))
    if unknown:
        raise InputError(
            f"{scenario.origin}: field 'selection.countries': unknown country code(s) "
            f"{', '.join(unknown)}; use ISO alpha-2 codes of countries.csv ("
            + ", ".join(sorted(dataset.countries.index))
            + ")"
        )
    countries = apply_country_overrides(dataset.countries, scenario)
    cooling = cooling_layer(candidates, dataset.climate, countries, scenario)
    zones, carbon = apply_zone_overrides(
        dataset.bidding_zones, dataset.carbon_intensity, scenario
    )
    energy = energy_layer(
        candidates,
        countries,
        zones,
        carbon,
        dataset.ppa_prices,
        cooling["pue"],
        scenario,
    )
    grid = grid_layer(
        candidates,
        dataset.substations,
        dataset.power_plants,
        dataset.grid_regions,
        energy["power_mw"],
        scenario,
    )
    size = site_size_layer(candidates, scenario)
    connectivity = connectivity_layer(candidates, dataset.backbone_nodes, scenario)
    capex = capex_layer(candidates, countries, energy["power_mw"], scenario)
    table = pd.concat(
        [candidates, energy, grid, size, cooling, connectivity, capex], axis=1
    )
    for layer, columns in COST_PARTS.items():  # a missing part stays NaN, not 0
        table[f"{layer}_cost_eur_per_year"] = table[list(columns)].sum(
            axis=1, skipna=False
        )
    table["annual_cost_eur"] = table[
        [f"{layer}_cost_eur_per_year" for layer in COST_PARTS]
    ].sum(axis=1, skipna=False)
    table["power_limit"] = _power_limit(table)
    table["excluded_reason"] = _exclusion_reasons(table, scenario)
    return table


def apply_country_overrides(
    countries: pd.DataFrame, scenario: Scenario
) -> pd.DataFrame:
    """The country table with the scenario's ``country_overrides`` applied."""
    unknown = sorted(set(scenario.country_overrides) - set(countries.index))
    if unknown:
        raise InputError(
            f"{scenario.origin}: field 'country_overrides': unknown country code(s) "
            f"{', '.join(unknown)}; use ISO alpha-2 codes of countries.csv"
        )
    countries = countries.copy()
    for code, override in scenario.country_overrides.items():
        for field, value in override.model_dump(exclude_none=True).items():
            countries.loc[code, field] = value
    return countries


def apply_zone_overrides(
    zones: pd.DataFrame, carbon: pd.DataFrame, scenario: Scenario
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The zone and carbon tables with the scenario's ``zone_overrides`` applied.

    Raises
    ------
    InputError
        For a zone code that ``bidding_zones.csv`` does not list.
    """
    unknown = sorted(set(scenario.zone_overrides) - set(zones.index))
    if unknown:
        raise InputError(
            f"{scenario.origin}: field 'zone_overrides': unknown bidding zone(s) "
            f"{', '.join(unknown)}; use a zone of bidding_zones.csv ("
            f"{', '.join(map(str, zones.index))})"
        )
    zones, carbon = zones.copy(), carbon.copy()
    for zone, override in scenario.zone_overrides.items():
        if override.wholesale_eur_per_mwh is not None:
            zones.loc[zone, "wholesale_eur_per_mwh"] = override.wholesale_eur_per_mwh
        if override.carbon_g_per_kwh is not None:
            carbon.loc[zone, ["country", "carbon_g_per_kwh"]] = [
                zones.at[zone, "country"],
                override.carbon_g_per_kwh,
            ]
    return zones, carbon


def _power_limit(table: pd.DataFrame) -> pd.Series:
    """The limit on a site's power that binds first, in words."""
    words = []
    for power, size, capacity, year in zip(
        table["power_mw"],
        table["site_max_mw"],
        table["grid_capacity_mw"],
        table["grid_ready_year"],
        strict=True,
    ):
        if power > size:
            words.append(f"site size: {size:,.0f} MW, below the facility")
        elif power > capacity:
            words.append(
                f"grid capacity: {capacity:,.0f} MW without new transmission, "
                f"reinforced by {year:.0f}"
            )
        elif size <= capacity:
            words.append(f"site size: {power:,.0f} of {size:,.0f} MW")
        else:
            words.append(f"grid capacity: {power:,.0f} of {capacity:,.0f} MW")
    return pd.Series(words, index=table.index)


def _exclusion_reasons(table: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Why each site may not be chosen ("; "-joined), "" when it may."""
    selection = scenario.selection
    reasons = pd.DataFrame(index=table.index)
    reasons["scenario"] = np.where(
        table.index.isin(selection.excluded), "excluded by the scenario", ""
    )
    if selection.countries:
        outside = ~table["country"].isin(selection.countries)
        reasons["country"] = np.where(outside, "country not in selection.countries", "")
    if not selection.include_cities and "kind" in table.columns:
        reasons["city"] = np.where(
            table["kind"] == "city",
            "town-centre placeholder (kind city, see selection.include_cities)",
            "",
        )
    reasons["grid"] = np.where(
        table["grid_excluded"],
        f"no grid node within {scenario.grid.max_connection_km:g} km",
        "",
    )
    too_big = table["power_mw"] > table["site_max_mw"]
    reasons["size"] = [
        f"site hosts at most {limit:,.0f} MW ({basis}), the facility needs "
        f"{power:,.0f} MW"
        if big
        else ""
        for big, limit, basis, power in zip(
            too_big,
            table["site_max_mw"],
            table["site_max_basis"],
            table["power_mw"],
            strict=True,
        )
    ]
    deadline = selection.online_by_year
    late = (table["grid_ready_year"] > deadline) if deadline else too_big & False
    reasons["deadline"] = [
        f"power ready in {year:.0f}, after selection.online_by_year {deadline}"
        if is_late
        else ""
        for is_late, year in zip(late, table["grid_ready_year"], strict=True)
    ]
    reasons["water"] = np.where(
        table["water_excluded"],
        f"water stress above {scenario.cooling.max_water_stress:g}",
        "",
    )
    return reasons.apply(lambda row: "; ".join(r for r in row if r), axis=1)
