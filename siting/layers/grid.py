"""Grid layer: what the grid can deliver at each site, when, and what the rest costs.

Each site connects to one grid node, a transmission substation (>= 220 kV) or a power
plant (>= 100 MW):

    nominal (MW)       = capacity_mw_by_kv at the substation's voltage, or
                         plant_share x the plant's net capacity
    capacity (MW)      = nominal x capacity factor of the site's grid region
                         (published constraints, data/grid_regions.csv), for a node
                         within substation_radius_km; 0 beyond it (reaching it is
                         new transmission)
    shortfall (MW)     = max(0, facility power - capacity)
    connection (EUR)   = km to the node x line_eur_per_km + shortfall x
                         reinforcement_eur_per_mw

The node is the cheapest to connect among those whose capacity covers the facility,
else the cheapest of all.
    ready year         = base_year + connection years of the region, or, when there
                         is a shortfall, base_year + the larger of connection and
                         reinforcement years (new transmission is needed)
    capex (EUR)        = the connection cost of the chosen node
    delay (EUR/yr)     = (ready year - base_year) x facility power x
                         delay_eur_per_mw_year, annualised like the capex
    annual (EUR/yr)    = capex x capital recovery factor + delay

A region is a circle around a hub (``radius_km``) or a whole country (blank radius);
a site takes the values of the circle it lies in, else of its country's row, else the
scenario's defaults. Sites farther than ``max_connection_km`` from every node are
excluded. Sites whose node is the same share its capacity: :mod:`siting.problem` lets
at most ``max(1, floor(capacity / power))`` of them be chosen together.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.geo import distance_matrix_km
from siting.layers.facility import capital_recovery_factor
from siting.scenario import Scenario
from siting.sections import Grid


def grid_layer(
    candidates: pd.DataFrame,
    substations: pd.DataFrame,
    plants: pd.DataFrame,
    regions: pd.DataFrame,
    power_mw: pd.Series,
    scenario: Scenario,
) -> pd.DataFrame:
    """Grid quantities per site.

    Parameters
    ----------
    candidates
        Sites indexed by ``site_id`` with ``country``, ``lat``, ``lon``.
    substations
        Transmission substations by id with ``lat``, ``lon``, ``voltage_kv``.
    plants
        Power plants by id with ``lat``, ``lon``, ``capacity_mw`` (net, MW).
    regions
        Grid regions (``data/grid_regions.csv``).
    power_mw
        Facility power of each site, MW (from the energy layer).

    Returns
    -------
    DataFrame indexed by ``site_id`` with ``grid_node``, ``grid_node_kind``
    ("substation" or "plant"), ``grid_node_kv`` (NaN for a plant), ``grid_node_km``,
    ``grid_nominal_mw``, ``grid_region``, ``grid_capacity_factor``,
    ``grid_capacity_mw``, ``grid_shortfall_mw``, ``grid_ready_year``,
    ``grid_capex_eur``, ``grid_delay_eur_per_year``, ``grid_eur_per_year`` and
    ``grid_excluded`` (bool).
    """
    grid = scenario.grid
    nodes = _nodes(substations, plants, grid)
    distance = distance_matrix_km(
        candidates["lat"], candidates["lon"], nodes["lat"], nodes["lon"]
    )
    region = _regions(candidates, regions, grid)
    factor = region["capacity_factor"].to_numpy(float)
    power = power_mw.reindex(candidates.index).to_numpy(float)
    nominal = nodes["nominal_mw"].to_numpy(float)
    near = distance <= grid.substation_radius_km
    capacity_all = np.where(near, nominal[None, :] * factor[:, None], 0.0)
    line_all = distance * grid.line_eur_per_km
    cost_all = line_all + np.maximum(0.0, power[:, None] - capacity_all) * (
        grid.reinforcement_eur_per_mw
    )
    on_time = capacity_all >= power[:, None]
    pick = np.where(
        on_time.any(axis=1),
        np.where(on_time, cost_all, np.inf).argmin(axis=1),
        cost_all.argmin(axis=1),
    )
    rows = np.arange(len(candidates))
    node_km = distance[rows, pick]
    chosen = nodes.iloc[pick]
    capacity = capacity_all[rows, pick]
    shortfall = np.maximum(0.0, power - capacity)
    years = np.where(
        shortfall > 0,
        np.maximum(region["connection_years"], region["reinforcement_years"]),
        region["connection_years"],
    )
    crf = capital_recovery_factor(scenario.facility)
    capex = cost_all[rows, pick]
    delay = years * power * grid.delay_eur_per_mw_year * crf
    return pd.DataFrame(
        {
            "grid_node": chosen.index.to_numpy(),
            "grid_node_kind": chosen["kind"].to_numpy(),
            "grid_node_kv": chosen["voltage_kv"].to_numpy(float),
            "grid_node_km": node_km,
            "grid_nominal_mw": nominal[pick],
            "grid_region": region["region"].to_numpy(),
            "grid_capacity_factor": region["capacity_factor"].to_numpy(float),
            "grid_capacity_mw": capacity,
            "grid_shortfall_mw": shortfall,
            "grid_ready_year": grid.base_year + np.ceil(years),
            "grid_capex_eur": capex,
            "grid_delay_eur_per_year": delay,
            "grid_eur_per_year": capex * crf + delay,
            "grid_excluded": node_km > grid.max_connection_km,
        },
        index=candidates.index,
    )


def substation_capacity_mw(voltage_kv: np.ndarray, grid: Grid) -> np.ndarray:
    """Nominal capacity for a new load (MW) of substations of these voltages (kV).

    ``capacity_mw_by_kv`` maps a lowest voltage to a capacity; a substation takes the
    entry of the highest voltage at or below its own (0 below every entry).
    """
    levels = sorted((float(kv), mw) for kv, mw in grid.capacity_mw_by_kv.items())
    out = np.zeros(len(voltage_kv))
    for kv, mw in levels:
        out = np.where(np.asarray(voltage_kv, float) >= kv, mw, out)
    return out


def _nodes(substations: pd.DataFrame, plants: pd.DataFrame, grid: Grid) -> pd.DataFrame:
    """Substations and plants as one table of nodes with a nominal capacity (MW)."""
    subs = pd.DataFrame(
        {
            "lat": substations["lat"].to_numpy(float),
            "lon": substations["lon"].to_numpy(float),
            "kind": "substation",
            "voltage_kv": substations["voltage_kv"].to_numpy(float),
            "nominal_mw": substation_capacity_mw(
                substations["voltage_kv"].to_numpy(float), grid
            ),
        },
        index=substations.index,
    )
    gens = pd.DataFrame(
        {
            "lat": plants["lat"].to_numpy(float),
            "lon": plants["lon"].to_numpy(float),
            "kind": "plant",
            "voltage_kv": np.nan,
            "nominal_mw": grid.plant_share * plants["capacity_mw"].to_numpy(float),
        },
        index=plants.index,
    )
    return pd.concat([subs, gens])


def _regions(
    candidates: pd.DataFrame, regions: pd.DataFrame, grid: Grid
) -> pd.DataFrame:
    """Each site's grid region and its connection years, reinforcement years and
    capacity factor: the circle it lies in, else its country, else the defaults."""
    out = pd.DataFrame(
        {
            "region": "",
            "connection_years": grid.connection_years,
            "reinforcement_years": grid.reinforcement_years,
            "capacity_factor": grid.capacity_factor,
        },
        index=candidates.index,
    )
    national = regions[regions["radius_km"].isna()]
    circles = regions[regions["radius_km"].notna()]
    for level in (national, circles):  # a circle overrides its country's row
        for region_id, row in level.iterrows():
            inside = candidates["country"] == row["country"]
            if np.isfinite(row["radius_km"]):
                km = distance_matrix_km(
                    candidates["lat"], candidates["lon"], [row["lat"]], [row["lon"]]
                )[:, 0]
                inside &= km <= row["radius_km"]
            out.loc[inside, "region"] = region_id
            for column in (
                "connection_years",
                "reinforcement_years",
                "capacity_factor",
            ):
                if np.isfinite(row[column]):
                    out.loc[inside, column] = row[column]
    return out
