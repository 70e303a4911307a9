"""The multi-campus problem of a scenario: sites priced at each share, and the
solver's arrays with the ids of their positions."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from siting.data import Dataset
from siting.errors import InputError
from siting.geo import distance_matrix_km
from siting.gigafactory.configurations import configurations, conflicts
from siting.layers.table import site_table
from siting.scenario import Scenario
from siting.solve import CampusInstance, make_campus_instance


@dataclass(frozen=True)
class CampusProblem:
    """The multi-campus problem of one scenario, with the ids of its positions.

    Attributes
    ----------
    site_ids, hub_ids
        Candidate and hub ids; site position ``i`` is ``site_ids[i]``.
    instance
        The arrays the solver reads (RTT in ms, EUR/yr costs).
    configurations
        One row per configuration, in instance order: ``campuses`` (tuple of site
        ids), ``shares`` (tuple, same order), ``largest`` (site id), ``country`` (of
        the largest campus), ``annual_cost_eur`` (EUR/yr, overhead included),
        ``overhead_eur_per_year`` and ``campus_rtt_ms`` (largest modelled RTT
        between two of its campuses, ms; 0 for one campus).
    share_sites
        The site table at each share (key: share of the facility, (0, 1]).
    site_rtt
        Modelled RTT between sites, ms (index and columns ``site_id``).
    """

    site_ids: tuple[str, ...]
    hub_ids: tuple[str, ...]
    instance: CampusInstance
    configurations: pd.DataFrame
    share_sites: dict[float, pd.DataFrame]
    site_rtt: pd.DataFrame

    @property
    def rtt_ms(self) -> NDArray[np.float64]:
        """RTT from each hub (rows) to each site (columns), ms."""
        return self.instance.cost

    @property
    def weights(self) -> NDArray[np.float64]:
        """Price of one ms of RTT at each hub per year, EUR/ms/yr."""
        return self.instance.weights

    @property
    def max_rtt_ms(self) -> float | None:
        """Coverage limit (no hub served by a campus beyond it), ms, or None."""
        return self.instance.max_cost


def share_levels(scenario: Scenario) -> list[float]:
    """Shares of the facility a campus may host, ascending, ending at 1: only 1 when
    ``campuses_max`` is 1, else every step from ``campus_min_share`` up."""
    selection = scenario.selection
    steps = round(1 / selection.campus_share_step)
    if selection.campuses_max == 1:
        return [1.0]
    low = max(1, int(np.ceil(selection.campus_min_share * steps - 1e-9)))
    return [k / steps for k in range(min(low, steps), steps + 1)]


def share_tables(dataset: Dataset, scenario: Scenario) -> dict[float, pd.DataFrame]:
    """The site table (:func:`siting.layers.table.site_table`) of a campus at each
    share of :func:`share_levels`: a whole facility of that share of the
    accelerators (rounded to a whole accelerator)."""
    accelerators = scenario.facility.accelerators
    tables = {}
    for share in share_levels(scenario):
        count = max(1, round(accelerators * share))
        part = scenario.with_overrides({"facility.accelerators": count})
        tables[share] = site_table(dataset, part)
    return tables


def build_campus_problem(
    share_sites: dict[float, pd.DataFrame],
    hubs: pd.DataFrame,
    rtt: pd.DataFrame,
    site_rtt: pd.DataFrame,
    scenario: Scenario,
) -> CampusProblem:
    """List the configurations and build the solver's arrays.

    Parameters
    ----------
    share_sites
        From :func:`share_tables`.
    hubs
        Hubs indexed by ``hub_id`` with ``researchers`` (FTE).
    rtt
        RTT matrix in ms, index ``hub_id``, columns ``site_id``.
    site_rtt
        RTT between sites in ms (index and columns ``site_id``), the model of
        ``siting latency``.
    scenario
        The resolved scenario.

    Raises
    ------
    InputError
        When too many configurations would be built
        (:data:`~siting.gigafactory.MAX_CONFIGURATIONS`), or ``selection.forced``
        names an unknown site.
    """
    selection = scenario.selection
    whole = share_sites[1.0]
    site_ids = tuple(whole.index)
    unknown = [s for s in selection.forced if s not in whole.index]
    if unknown:
        raise InputError(
            f"{scenario.origin}: field 'selection.forced': unknown site id(s) "
            f"{', '.join(unknown)}; use site_id values of the candidates table"
        )
    shares = sorted(share_sites)
    # a whole gigafactory follows the single-site rules (a shortfall is priced as
    # reinforcement); a campus of a split one must fit its node's free capacity
    allowed = np.array(
        [
            (share_sites[s]["excluded_reason"].to_numpy() == "")
            & ((s == 1.0) | (share_sites[s]["grid_shortfall_mw"].to_numpy() <= 0))
            for s in shares
        ]
    )
    cost = np.array([share_sites[s]["annual_cost_eur"].to_numpy(float) for s in shares])
    node = np.array(
        [share_sites[s]["grid_node"].astype(str).to_numpy() for s in shares]
    )
    site_rtt = site_rtt.loc[list(site_ids), list(site_ids)]
    close = site_rtt.to_numpy(float)
    close = np.maximum(close, close.T)
    km = distance_matrix_km(whole["lat"], whole["lon"], whole["lat"], whole["lon"])
    table = pd.DataFrame(
        configurations(shares, allowed, cost, node, close, km, scenario),
        columns=["members", "shares", "largest", "cost", "overhead", "rtt"],
    )
    ids = np.asarray(site_ids, dtype=object)
    countries = whole["country"].astype(str).to_numpy()
    codes = {c: k for k, c in enumerate(sorted(set(countries)))}
    members = [np.asarray(m, dtype=np.int64) for m in table["members"]]
    largest = table["largest"].to_numpy(int)
    listed = pd.DataFrame(
        {
            "campuses": [tuple(ids[m]) for m in members],
            "shares": table["shares"],
            "largest": ids[largest],
            "country": countries[largest],
            "annual_cost_eur": table["cost"].to_numpy(float),
            "overhead_eur_per_year": table["overhead"].to_numpy(float),
            "campus_rtt_ms": table["rtt"].to_numpy(float),
        }
    )
    used = np.unique(np.concatenate(members)) if members else np.zeros(0, np.int64)
    position = {s: i for i, s in enumerate(site_ids)}
    instance = make_campus_instance(
        rtt.loc[list(hubs.index), list(site_ids)].to_numpy(float),
        hubs["researchers"].to_numpy(float)
        * scenario.objective.latency_eur_per_researcher_ms_year,
        selection.sites,
        members=members,
        config_cost=listed["annual_cost_eur"].to_numpy(float),
        config_group=np.array([codes[c] for c in listed["country"]], dtype=np.int64),
        max_per_group=selection.per_country,
        conflicts=conflicts(used, node, allowed, km, selection.min_separation_km),
        forced=[position[s] for s in selection.forced],
        max_cost=None if np.isinf(selection.max_rtt_ms) else selection.max_rtt_ms,
    )
    return CampusProblem(
        site_ids=site_ids,
        hub_ids=tuple(hubs.index),
        instance=instance,
        configurations=listed,
        share_sites=share_sites,
        site_rtt=site_rtt,
    )


def infeasible_message(problem: CampusProblem, scenario: Scenario) -> str:
    """Why no portfolio of gigafactories exists, in numbers, and what to relax."""
    selection = scenario.selection
    tables = problem.share_sites
    hosts = {
        s: int(
            (
                (t["excluded_reason"] == "")
                & ((s == 1.0) | (t["grid_shortfall_mw"] <= 0))
            )
            .to_numpy()
            .sum()
        )
        for s, t in tables.items()
    }
    campus = [s for s, n in hosts.items() if n and s < 1]
    listed = problem.configurations
    multi = int((listed["campuses"].map(len) > 1).sum())
    power = float(tables[1.0]["power_mw"].median())
    reach = (
        f"{max(hosts[s] for s in campus)} a campus of {min(campus):.0%} to "
        f"{max(campus):.0%}"
        if campus
        else "none a campus"
    )
    return (
        f"{selection.sites} gigafactories of about {power:,.0f} MW requested, at most "
        f"{selection.per_country} per member state (selection.per_country): "
        f"{hosts[1.0]} site(s) can host a whole one and {reach} within its grid "
        f"node's free capacity; {multi} "
        f"configuration(s) of 2 to {selection.campuses_max} campuses within "
        f"{selection.campus_max_rtt_ms:g} ms (selection.campus_max_rtt_ms), led from "
        f"{listed['country'].nunique()} member state(s), and no choice of them without "
        "a shared site or grid node (relax: selection.campus_max_rtt_ms, "
        "selection.campuses_max, selection.campus_min_share, selection.per_country, "
        "selection.min_separation_km or facility.accelerators)"
    )
