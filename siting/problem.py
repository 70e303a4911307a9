"""Labelled tables -> the solver's array problem, and the answer back to ids.

This is the one place where site and hub ids are mapped to array positions and back:
:class:`Problem` holds the checked :class:`~siting.solve.PMedianInstance` in the
order of ``site_ids`` and ``hub_ids``, the solver works on positions, and
:func:`label_solution` turns its answer back into ids.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.errors import InputError
from siting.geo import distance_matrix_km
from siting.infeasible import check_coverage, check_enough_sites, check_forced_pairs
from siting.layers.table import COST_PARTS
from siting.scenario import Scenario
from siting.solve import PMedianInstance, Solution, make_instance


@dataclass(frozen=True)
class Problem:
    """The p-median of one scenario, with the ids of its positions.

    Attributes
    ----------
    site_ids, hub_ids
        Candidate and hub ids; site position ``i`` is ``site_ids[i]``.
    groups
        Country of each site (ISO alpha-2), in site order.
    instance
        The checked instance: ``cost`` is the RTT (ms, hubs x sites), ``weights``
        the price of one ms at each hub (EUR/ms/yr: researchers x lambda),
        ``fixed_cost`` the annual cost of each site (EUR/yr), groups by country,
        coverage ``max_rtt_ms``, minimum separation as incompatible pairs, forced
        and excluded sites.
    """

    site_ids: tuple[str, ...]
    hub_ids: tuple[str, ...]
    groups: NDArray[np.str_]
    instance: PMedianInstance

    @property
    def rtt_ms(self) -> NDArray[np.float64]:
        """RTT from each hub (rows) to each site (columns), ms."""
        return self.instance.cost

    @property
    def weights(self) -> NDArray[np.float64]:
        """Price of one ms of RTT at each hub per year, EUR/ms/yr."""
        return self.instance.weights

    @property
    def fixed_cost(self) -> NDArray[np.float64]:
        """Annual cost of a gigafactory at each site, EUR/yr."""
        return self.instance.fixed_cost

    @property
    def p(self) -> int:
        """Number of sites to choose."""
        return self.instance.p

    @property
    def max_per_group(self) -> int:
        """The most sites per country."""
        return int(self.instance.group_limits.max())

    @property
    def max_rtt_ms(self) -> float | None:
        """Coverage limit (no hub assigned to a site beyond it), ms, or None."""
        return self.instance.max_cost

    @property
    def incompatible(self) -> tuple[tuple[int, int], ...]:
        """Position pairs of sites closer than the minimum separation."""
        return tuple((int(i), int(k)) for i, k in self.instance.incompatible)

    @property
    def forced(self) -> tuple[int, ...]:
        """Positions of the sites that must be chosen."""
        return tuple(self.instance.forced.tolist())

    @property
    def excluded(self) -> tuple[int, ...]:
        """Positions of the sites that may not be chosen."""
        return tuple(self.instance.excluded.tolist())

    def positions(self, site_ids: list[str] | tuple[str, ...]) -> list[int]:
        """Positions of ``site_ids`` (each must be a candidate)."""
        index = {site_id: i for i, site_id in enumerate(self.site_ids)}
        return [index[s] for s in site_ids]


def build_problem(
    sites: pd.DataFrame, hubs: pd.DataFrame, rtt: pd.DataFrame, scenario: Scenario
) -> Problem:
    """Turn labelled tables into the array problem of the solver.

    Parameters
    ----------
    sites
        Output of :func:`siting.layers.table.site_table`.
    hubs
        Hubs indexed by ``hub_id`` with ``researchers`` (FTE).
    rtt
        RTT matrix in ms, index ``hub_id``, columns ``site_id``.

    Raises
    ------
    InputError
        If ``selection.forced`` or ``selection.excluded`` names an unknown site.
    InfeasibleError
        If a cheap check of :mod:`siting.infeasible` finds that no portfolio exists
        (forced sites, too few sites or member states, coverage), in the words of
        the scenario.
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
    _check_costs(sites, scenario)
    check_enough_sites(sites, scenario)
    excluded = sites["excluded_reason"].to_numpy() != ""
    separation = selection.min_separation_km
    node_pairs = shared_node_pairs(sites, excluded)
    check_forced_pairs(sites, scenario, node_pairs)
    rtt = rtt.loc[list(hubs.index), list(site_ids)]
    check_coverage(rtt, pd.Series(~excluded, index=sites.index), scenario)
    incompatible = set(node_pairs)
    if separation > 0:
        distance = distance_matrix_km(
            sites["lat"], sites["lon"], sites["lat"], sites["lon"]
        )
        rows, cols = np.nonzero(np.triu(distance < separation, k=1))
        incompatible |= set(zip(rows.tolist(), cols.tolist(), strict=True))
    groups = sites["country"].to_numpy(str)
    instance = make_instance(
        rtt.to_numpy(float),
        hubs["researchers"].to_numpy(float)
        * scenario.objective.latency_eur_per_researcher_ms_year,
        selection.sites,
        fixed_cost=sites["annual_cost_eur"].to_numpy(float),
        groups=groups,
        max_per_group=selection.per_country,
        max_cost=None if np.isinf(selection.max_rtt_ms) else selection.max_rtt_ms,
        incompatible=sorted(incompatible),
        forced=[position[s] for s in selection.forced],
        excluded=np.flatnonzero(excluded).tolist(),
    )
    return Problem(
        site_ids=site_ids, hub_ids=tuple(hubs.index), groups=groups, instance=instance
    )


def _check_costs(sites: pd.DataFrame, scenario: Scenario) -> None:
    """Refuse a site whose annual cost is not a finite number: a figure of the
    scenario so large that it overflows, or a missing price (NaN)."""
    cost = sites["annual_cost_eur"].astype(float)
    bad = cost.index[~np.isfinite(cost)]
    if not len(bad):
        return
    row = sites.loc[bad[0]]
    parts = [
        layer
        for layer in COST_PARTS
        if f"{layer}_cost_eur_per_year" in row.index
        and not np.isfinite(float(row[f"{layer}_cost_eur_per_year"]))
    ]
    where = " and ".join(f"[{layer}]" for layer in parts) or "the cost"
    raise InputError(
        f"{scenario.origin}: the annual cost of site {bad[0]} (and {len(bad) - 1} "
        f"more) is {cost[bad[0]]} EUR/yr; check the {where} figures of the scenario "
        "and the data they multiply (siting layers shows every column)"
    )


def shared_node_pairs(
    sites: pd.DataFrame, excluded: NDArray[np.bool_]
) -> list[tuple[int, int]]:
    """Position pairs of allowed sites that may not both be chosen: they draw on one
    grid node whose capacity cannot serve both facilities.

    A node of capacity C serves ``k = max(1, floor(C / P))`` facilities of power P
    (the largest of its sites). Where no more than k allowed sites share it, they are
    free; where more do and k = 1, every pair of them is incompatible. Where more than
    k >= 2 share one node (not in the packaged data), the pairs are made incompatible
    too, which allows one site where k are possible: conservative, and said here.
    """
    if "grid_node" not in sites.columns:
        return []
    allowed = pd.Series(~excluded, index=sites.index)
    pairs: list[tuple[int, int]] = []
    position = np.arange(len(sites))
    for _node, group in sites[allowed].groupby("grid_node"):
        limit = max(
            1, int(group["grid_capacity_mw"].iloc[0] // group["power_mw"].max())
        )
        if len(group) <= limit:
            continue
        members = position[sites.index.isin(group.index)]
        pairs += [
            (int(a), int(b)) for k, a in enumerate(members) for b in members[k + 1 :]
        ]
    return pairs


def label_solution(
    problem: Problem, solution: Solution, sites: pd.DataFrame, hubs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Map the solver's positions back to ids (:func:`describe_selection`)."""
    return describe_selection(sites, hubs, problem.site_ids, problem.rtt_ms, solution)


def describe_selection(
    sites: pd.DataFrame,
    hubs: pd.DataFrame,
    site_ids: tuple[str, ...],
    rtt_ms: NDArray[np.float64],
    solution: Solution,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The chosen sites and each hub's site, by id.

    Parameters
    ----------
    sites, hubs
        Tables indexed by ``site_id`` and ``hub_id``.
    site_ids
        The site of each solver position.
    rtt_ms
        RTT from each hub (rows, in ``hubs`` order) to each position, ms.
    solution
        The solver's answer (``selected`` and ``assignment`` by position).

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
    hub_rows = np.arange(len(hubs))
    hubs["site_id"] = np.asarray(site_ids, dtype=object)[assigned]
    hubs["rtt_ms"] = rtt_ms[hub_rows, assigned]
    researchers = hubs["researchers"]
    served = researchers.groupby(hubs["site_id"]).sum()
    weighted = (researchers * hubs["rtt_ms"]).groupby(hubs["site_id"]).sum()
    chosen = [site_ids[i] for i in solution.selected]
    sites["selected"] = sites.index.isin(chosen)
    sites["researchers_served"] = served.reindex(sites.index).fillna(0.0)
    sites["mean_rtt_ms"] = (weighted / served).reindex(sites.index)
    served_by = sites["researchers_served"].to_dict()
    order = sorted(chosen, key=lambda s: (-served_by[s], s))
    sites["rank"] = pd.array([pd.NA] * len(sites), dtype="Int64")
    sites.loc[order, "rank"] = np.arange(1, len(order) + 1)
    return sites, hubs
