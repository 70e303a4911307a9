"""Assemble the optimisation problem from the layers and the latency matrix.

This is the one place where site and hub ids are mapped to array positions and back:
:class:`Problem` holds plain arrays in the order of ``site_ids`` and ``hub_ids``, the
solver works on positions, and :func:`label_solution` turns its answer back into ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from siting.data import Dataset
from siting.errors import InputError
from siting.geo import distance_matrix_km
from siting.layers.connectivity import connectivity_layer
from siting.layers.cooling import cooling_layer
from siting.layers.energy import energy_layer
from siting.layers.grid import grid_layer
from siting.scenario import Scenario
from siting.solution import Solution

#: Parts of the annual cost of a site, EUR per year, by layer.
COST_PARTS = {
    "energy": ("electricity_eur_per_year", "carbon_eur_per_year"),
    "grid": ("grid_eur_per_year",),
    "cooling": ("water_eur_per_year",),
    "connectivity": ("fibre_eur_per_year",),
}


@dataclass(frozen=True)
class Problem:
    """The p-median instance of one scenario, as arrays ordered by the id tuples.

    Attributes
    ----------
    site_ids, hub_ids
        Candidate and hub ids; position ``i`` of a site array is ``site_ids[i]``.
    fixed_cost
        Annual cost of a gigafactory at each site, EUR/yr.
    rtt_ms
        Round-trip time from each hub (rows) to each site (columns), ms.
    weights
        Price of one ms of RTT at each hub per year, EUR/ms/yr (researchers x lambda).
    groups
        Country of each site (ISO alpha-2).
    p, max_per_group
        Number of sites to choose and the most per country.
    max_rtt_ms
        Coverage limit (no hub assigned to a site beyond it), or None.
    incompatible
        Position pairs of sites closer than the minimum separation.
    forced, excluded
        Positions of sites that must / must not be chosen.
    """

    site_ids: tuple[str, ...]
    hub_ids: tuple[str, ...]
    fixed_cost: np.ndarray
    rtt_ms: np.ndarray
    weights: np.ndarray
    groups: np.ndarray
    p: int
    max_per_group: int
    max_rtt_ms: float | None
    incompatible: tuple[tuple[int, int], ...]
    forced: tuple[int, ...]
    excluded: tuple[int, ...]

    def arrays(self) -> tuple[np.ndarray, np.ndarray, int]:
        """The positional inputs of :func:`siting.solve.solve_pmedian`."""
        return self.rtt_ms, self.weights, self.p

    def constraints(self) -> dict[str, object]:
        """The keyword inputs of :func:`siting.solve.solve_pmedian` (and of
        :func:`siting.verify.check_solution`) that describe costs and side
        constraints."""
        return {
            "fixed_cost": self.fixed_cost,
            "groups": self.groups,
            "max_per_group": self.max_per_group,
            "max_cost": self.max_rtt_ms,
            "incompatible": self.incompatible,
            "forced": self.forced,
            "excluded": self.excluded,
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
    table = pd.concat([candidates, energy, grid, cooling, connectivity], axis=1)
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


def build_problem(
    sites: pd.DataFrame, hubs: pd.DataFrame, rtt: pd.DataFrame, scenario: Scenario
) -> Problem:
    """Turn labelled tables into the array problem of the solver.

    Parameters
    ----------
    sites
        Output of :func:`site_table`.
    hubs
        Hubs indexed by ``hub_id`` with ``researchers`` (FTE).
    rtt
        RTT matrix in ms, index ``hub_id``, columns ``site_id``.
    """
    selection = scenario.selection
    site_ids = tuple(sites.index)
    position = {site_id: i for i, site_id in enumerate(site_ids)}
    for field in ("forced", "excluded"):
        unknown = [s for s in getattr(selection, field) if s not in position]
        if unknown:
            raise InputError(
                f"{scenario.origin}: field 'selection.{field}': unknown site id(s) "
                f"{', '.join(unknown)}; use site_id values of the candidates table"
            )
    excluded = sites["excluded_reason"].to_numpy() != ""
    separation = selection.min_separation_km
    incompatible: tuple[tuple[int, int], ...] = ()
    if separation > 0:
        distance = distance_matrix_km(
            sites["lat"], sites["lon"], sites["lat"], sites["lon"]
        )
        rows, cols = np.nonzero(np.triu(distance < separation, k=1))
        incompatible = tuple(zip(rows.tolist(), cols.tolist(), strict=True))
    rtt = rtt.loc[list(hubs.index), list(site_ids)]
    return Problem(
        site_ids=site_ids,
        hub_ids=tuple(hubs.index),
        fixed_cost=sites["annual_cost_eur"].to_numpy(float),
        rtt_ms=rtt.to_numpy(float),
        weights=hubs["researchers"].to_numpy(float)
        * scenario.objective.latency_eur_per_researcher_ms_year,
        groups=sites["country"].to_numpy(str),
        p=selection.sites,
        max_per_group=selection.per_country,
        max_rtt_ms=None if np.isinf(selection.max_rtt_ms) else selection.max_rtt_ms,
        incompatible=incompatible,
        forced=tuple(position[s] for s in selection.forced),
        excluded=tuple(np.flatnonzero(excluded).tolist()),
    )


def label_solution(
    problem: Problem, solution: Solution, sites: pd.DataFrame, hubs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map the solver's positions back to ids.

    Returns
    -------
    sites
        ``sites`` with ``selected`` (bool), ``rank`` (1 = serves the most researchers,
        ties by ``site_id``; NA when not selected), ``researchers_served`` and
        ``mean_rtt_ms`` (researcher-weighted, NaN when not selected).
    hubs
        ``hubs`` with ``site_id`` (assigned site) and ``rtt_ms`` to it.
    """
    sites = sites.copy()
    hubs = hubs.copy()
    assigned = np.asarray(solution.assignment)
    hub_rows = np.arange(len(problem.hub_ids))
    hubs["site_id"] = np.asarray(problem.site_ids, dtype=object)[assigned]
    hubs["rtt_ms"] = problem.rtt_ms[hub_rows, assigned]
    researchers = hubs["researchers"]
    served = researchers.groupby(hubs["site_id"]).sum()
    weighted = (researchers * hubs["rtt_ms"]).groupby(hubs["site_id"]).sum()
    chosen = [problem.site_ids[i] for i in solution.selected]
    sites["selected"] = sites.index.isin(chosen)
    sites["researchers_served"] = served.reindex(sites.index).fillna(0.0)
    sites["mean_rtt_ms"] = (weighted / served).reindex(sites.index)
    order = sorted(chosen, key=lambda s: (-sites.at[s, "researchers_served"], s))
    sites["rank"] = pd.array([pd.NA] * len(sites), dtype="Int64")
    sites.loc[order, "rank"] = np.arange(1, len(order) + 1)
    return sites, hubs


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
