"""The finished run: every table labelled by id, the answer and its explanations.

A :class:`Result` is what :func:`siting.run.optimise` returns and what every writer in
:mod:`siting.output` reads; nothing downstream of it solves. Its site, hub and link
tables are GeoDataFrames in EPSG:4326 indexed by id, so a notebook can map them
(``result.selection.explore()``) or save them (``result.sites.to_file(...)``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from siting.geo import haversine_km
from siting.gigafactory import CampusProblem
from siting.problem import Problem
from siting.scenario import Scenario
from siting.solve import Solution


@dataclass(frozen=True)
class Result:
    """Everything a run produced, labelled by id.

    Attributes
    ----------
    scenario
        The resolved scenario.
    sites
        GeoDataFrame of every candidate (index ``site_id``, points in EPSG:4326) with
        the columns of its file, its layer values, ``annual_cost_eur`` and breakdown,
        ``excluded_reason``, ``selected``, ``rank``, ``researchers_served`` and
        ``mean_rtt_ms`` (researcher-weighted mean of the modelled median RTTs, ms).
    hubs
        GeoDataFrame of every hub (index ``hub_id``) with ``researchers``, assigned
        ``site_id`` and ``rtt_ms`` to it (modelled median RTT, ms).
    rtt
        Modelled median RTT matrix in ms (docs/network.md), index ``hub_id``, columns
        ``site_id``.
    problem, solution
        The array problem (a :class:`~siting.gigafactory.CampusProblem` when
        gigafactories may have several campuses) and the solver's answer.
    data_sha256
        Hash of the data files read.
    gigafactories
        One row per chosen gigafactory (:func:`siting.gigafactory.gigafactory_table`):
        its campuses, their shares, power, annual cost and mean RTT.
    timings_s
        Wall time of each stage in seconds.
    explanations
        Each chosen site's priced latency, regret and replacement
        (:func:`siting.explain.regrets`); None when the run skipped them.
    swaps
        The best single-site replacement of each chosen site
        (:func:`siting.explain.swaps`); None when the run skipped them.
    notes
        How the data was read where a user may not expect it (e.g. hub weights
        apportioned by population), one sentence each.
    """

    scenario: Scenario
    sites: pd.DataFrame
    hubs: pd.DataFrame
    rtt: pd.DataFrame
    problem: Problem | CampusProblem
    solution: Solution
    data_sha256: str
    gigafactories: pd.DataFrame | None = None
    timings_s: dict[str, float] = field(default_factory=dict)
    explanations: pd.DataFrame | None = None
    swaps: pd.DataFrame | None = None
    notes: tuple[str, ...] = ()

    @property
    def selection(self) -> gpd.GeoDataFrame:
        """The chosen sites in rank order (a GeoDataFrame like :attr:`sites`)."""
        return self.sites[self.sites["selected"]].sort_values("rank")

    @property
    def links(self) -> gpd.GeoDataFrame:
        """A line from each hub to its assigned site (index ``hub_id``, EPSG:4326):
        ``site_id``, ``researchers`` (FTE), ``rtt_ms`` and the great-circle
        ``distance_km`` between the two."""
        hubs = self.hubs
        site = self.sites.loc[hubs["site_id"]]
        start = np.column_stack([hubs["lon"], hubs["lat"]]).astype(float)
        end = np.column_stack([site["lon"], site["lat"]]).astype(float)
        lines = shapely.linestrings(np.stack([start, end], axis=1))
        table = pd.DataFrame(
            {
                "site_id": hubs["site_id"],
                "researchers": hubs["researchers"],
                "rtt_ms": hubs["rtt_ms"],
                "distance_km": haversine_km(
                    start[:, 1], start[:, 0], end[:, 1], end[:, 0]
                ),
            },
            index=hubs.index,
        )
        return gpd.GeoDataFrame(table, geometry=lines, crs="EPSG:4326")

    @property
    def campus_links(self) -> gpd.GeoDataFrame:
        """A line from each gigafactory's largest campus to each of its other campuses
        (EPSG:4326): ``gigafactory`` (its rank), ``from_site_id``, ``to_site_id`` and
        the great-circle ``distance_km``; empty when every gigafactory has one."""
        rows = []
        table = self.gigafactories
        for rank, row in [] if table is None else table.iterrows():
            head, *others = row["campuses"]
            rows += [(rank, head, other) for other in others]
        frame = pd.DataFrame(
            rows, columns=["gigafactory", "from_site_id", "to_site_id"]
        )
        start = self.sites.loc[frame["from_site_id"], ["lon", "lat"]].to_numpy(float)
        end = self.sites.loc[frame["to_site_id"], ["lon", "lat"]].to_numpy(float)
        frame["distance_km"] = haversine_km(
            start[:, 1], start[:, 0], end[:, 1], end[:, 0]
        )
        lines = shapely.linestrings(np.stack([start, end], axis=1)) if rows else []
        return gpd.GeoDataFrame(frame, geometry=lines, crs="EPSG:4326")

    @property
    def campus_overhead_eur_per_year(self) -> float:
        """Yearly overhead of the extra campuses of every gigafactory (EUR/yr; 0 when
        each has one)."""
        table = self.gigafactories
        return 0.0 if table is None else float(table["overhead_eur_per_year"].sum())

    @property
    def mean_rtt_ms(self) -> float:
        """Researcher-weighted mean RTT from every hub to its site (ms)."""
        return float(np.average(self.hubs["rtt_ms"], weights=self.hubs["researchers"]))
