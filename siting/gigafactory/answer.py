"""The multi-campus answer by id: the chosen campuses priced at their share, each
hub's nearest campus, and one row per gigafactory."""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.gigafactory.problem import CampusProblem
from siting.problem import describe_selection
from siting.solve import CampusSolution


def label_campus_solution(
    problem: CampusProblem, answer: CampusSolution, hubs: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Map the solver's positions back to ids.

    Parameters
    ----------
    problem
        The problem solved.
    answer
        The solver's answer.
    hubs
        Hubs in ``problem.hub_ids`` order, with ``researchers`` (FTE).

    Returns
    -------
    sites
        Every candidate: chosen campuses as priced at their share (``power_mw`` and
        every cost are the campus's), with ``selected``, ``rank`` (campuses by the
        researchers they serve), ``gigafactory`` (rank of its gigafactory),
        ``campus_share``, ``researchers_served`` and ``mean_rtt_ms``; other sites as
        a whole facility.
    hubs
        ``hubs`` with ``site_id`` (nearest campus) and ``rtt_ms`` to it.
    gigafactories
        From :func:`gigafactory_table`.
    """
    whole = problem.share_sites[1.0]
    chosen = problem.configurations.iloc[answer.configs]
    shares: dict[str, float] = {}
    for campuses, split in zip(chosen["campuses"], chosen["shares"], strict=True):
        shares |= dict(zip(campuses, split, strict=True))
    parts = [whole.drop(index=list(shares))]
    for share in sorted(set(shares.values())):
        at = [site for site, s in shares.items() if s == share]
        parts.append(problem.share_sites[share].loc[at])
    sites = pd.concat(parts).reindex(whole.index)
    sites, hubs = describe_selection(
        sites, hubs, problem.site_ids, problem.rtt_ms, answer.solution
    )
    sites["campus_share"] = pd.Series(shares, dtype=float).reindex(sites.index)
    table = gigafactory_table(sites, chosen)
    sites["gigafactory"] = pd.array([pd.NA] * len(sites), dtype="Int64")
    for rank, campuses in zip(table.index, table["campuses"], strict=True):
        sites.loc[list(campuses), "gigafactory"] = rank
    return sites, hubs, table


def single_site_gigafactories(sites: pd.DataFrame) -> pd.DataFrame:
    """:func:`gigafactory_table` of a run of one site per gigafactory."""
    chosen = sites[sites["selected"]]
    ids = list(chosen.index)
    configurations = pd.DataFrame(
        {
            "campuses": [(s,) for s in ids],
            "shares": [(1.0,)] * len(ids),
            "largest": ids,
            "country": chosen["country"].astype(str).to_list(),
            "annual_cost_eur": chosen["annual_cost_eur"].to_numpy(float),
            "overhead_eur_per_year": 0.0,
            "campus_rtt_ms": 0.0,
        }
    )
    return gigafactory_table(sites, configurations)


def gigafactory_table(sites: pd.DataFrame, chosen: pd.DataFrame) -> pd.DataFrame:
    """One row per chosen gigafactory, ranked by the researchers its campuses serve
    (1 = most; ties by the largest campus's id).

    Columns: ``campuses`` (site ids, largest share first), ``shares``, ``largest``,
    ``country`` (of the largest campus), ``power_mw`` (MW), ``annual_cost_eur``
    (EUR/yr, overhead included), ``overhead_eur_per_year``, ``researchers_served``
    (FTE), ``mean_rtt_ms`` (researcher-weighted, ms) and ``campus_rtt_ms`` (largest
    modelled RTT between two of its campuses, ms).
    """
    rows = []
    for _, config in chosen.iterrows():
        order = np.argsort([-s for s in config["shares"]], kind="stable")
        campuses = tuple(config["campuses"][k] for k in order)
        part = sites.loc[list(campuses)]
        served = float(part["researchers_served"].sum())
        rtt = part["mean_rtt_ms"].fillna(0.0)
        weighted = float((part["researchers_served"] * rtt).sum())
        rows.append(
            {
                "campuses": campuses,
                "shares": tuple(config["shares"][k] for k in order),
                "largest": config["largest"],
                "country": config["country"],
                "power_mw": float(part["power_mw"].sum()),
                "annual_cost_eur": float(config["annual_cost_eur"]),
                "overhead_eur_per_year": float(config["overhead_eur_per_year"]),
                "researchers_served": served,
                "mean_rtt_ms": weighted / served if served else np.nan,
                "campus_rtt_ms": float(config["campus_rtt_ms"]),
            }
        )
    columns = [
        "campuses",
        "shares",
        "largest",
        "country",
        "power_mw",
        "annual_cost_eur",
        "overhead_eur_per_year",
        "researchers_served",
        "mean_rtt_ms",
        "campus_rtt_ms",
    ]
    table = pd.DataFrame(rows, columns=columns)
    table = table.sort_values(
        ["researchers_served", "largest"], ascending=[False, True]
    )
    table.index = pd.RangeIndex(1, len(table) + 1, name="gigafactory")
    return table
