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
    ``annual_cost_eur`` (EUR/yr) and ``excluded_reason`` ("" for allowed sites).
    """
    candidates = dataset.candidates
    countries = apply_country_overrides(dataset.countries, scenario)
    cooling = cooling_layer(candidates, dataset.climate, countries, scenario)
    energy = energy_layer(candidates, countries, cooling["pue"], scenario)
    grid = grid_layer(candidates, dataset.grid_assets, energy["power_mw"], scenario)
    connectivity = connectivity_layer(candidates, dataset.backbone_nodes, scenario)
    capex = capex_layer(candidates, countries, energy["power_mw"], scenario)
    table = pd.concat([candidates, energy, grid, cooling, connectivity, capex], axis=1)
    for layer, columns in COST_PARTS.items():
        table[f"{layer}_cost_eur_per_year"] = table[list(columns)].sum(axis=1)
    table["annual_cost_eur"] = table[
        [f"{layer}_cost_eur_per_year" for layer in COST_PARTS]
    ].sum(axis=1)
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
            "town-centre placeholder (kind city; selection.include_cities)",
            "",
        )
    reasons["grid"] = np.where(
        table["grid_excluded"],
        f"no grid asset within {scenario.grid.max_connection_km:g} km",
        "",
    )
    reasons["water"] = np.where(
        table["water_excluded"],
        f"water stress above {scenario.cooling.max_water_stress:g}",
        "",
    )
    return reasons.apply(lambda row: "; ".join(r for r in row if r), axis=1)
