"""The content of ``result.json``: status, objective and breakdown, the chosen sites
with their explanations, the resolved scenario and the hashes that make a run
reproducible."""

from __future__ import annotations

import platform
from importlib import metadata
from typing import Any

import pandas as pd

from siting.layers.table import COST_PARTS
from siting.result import Result

#: Fields of result.json that hold wall times: they differ from run to run, and
#: everything else in result.json is byte-identical for the same inputs.
TIMING_FIELDS = ("runtime_s", "timings_s")
#: Fields that depend on the solver: with a unique optimum, everything but these and
#: the timings is the same whichever solver ran.
SOLVER_FIELDS = ("solver", "bound", "gap")

PACKAGES = ("siting", "numpy", "pandas", "networkx", "pulp", "highspy", "pydantic")


#: Figures of each chosen site written to result.json when the site table has them
#: (units in the names; a user's own candidates may lack ``kind`` and the bid fields).
SITE_FIGURES = (
    "kind",
    "consortium",
    "announced_mw",
    "bidding_zone",
    "wholesale_eur_per_mwh",
    "network_eur_per_mwh",
    "levies_eur_per_mwh",
    "taxes_eur_per_mwh",
    "price_eur_per_mwh",
    "band_price_eur_per_mwh",
    "carbon_g_per_kwh",
    "ets_in_price_eur_per_mwh",
    "power_mw",
    "energy_mwh_per_year",
    "carbon_t_per_year",
    "water_m3_per_year",
    "capex_eur",
    "capex_eur_per_year",
    "grid_capacity_mw",
    "grid_shortfall_mw",
    "grid_ready_year",
    "site_max_mw",
    "power_limit",
)


def result_document(result: Result) -> dict[str, Any]:
    """The content of ``result.json``; each chosen site carries its explanation
    (priced latency, regret, replacement) when the run computed them."""
    explanations = result.explanations
    solution = result.solution
    selection = result.selection
    fixed = float(selection["annual_cost_eur"].sum())
    overhead = result.campus_overhead_eur_per_year
    latency = float(solution.objective) - fixed - overhead
    return {
        "status": solution.status,
        "objective_eur_per_year": solution.objective,
        "objective_breakdown_eur_per_year": {
            **{
                layer: float(selection[f"{layer}_cost_eur_per_year"].sum())
                for layer in COST_PARTS
            },
            "campus_overhead": overhead,
            "latency": latency,
        },
        "bound": solution.bound,
        "gap": solution.gap,
        "solver": solution.solver,
        "runtime_s": solution.runtime_s,
        "timings_s": result.timings_s,
        "mean_rtt_ms": result.mean_rtt_ms,
        "selected": [
            {
                **_selected_site(site_id, row),
                **(
                    _explanation(explanations.loc[site_id])
                    if explanations is not None
                    else {}
                ),
            }
            for site_id, row in selection.iterrows()
        ],
        "gigafactories": _gigafactories(result),
        "scenario": result.scenario.to_dict(),
        "scenario_sha256": result.scenario.sha256,
        "data_sha256": result.data_sha256,
        "notes": list(result.notes),
        "versions": versions(),
    }


def versions() -> dict[str, str]:
    """Versions of Python and of the packages a result depends on."""
    found = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "not installed"
    return found


def _selected_site(site_id: str, row: pd.Series) -> dict[str, Any]:
    return {
        "rank": row["rank"],
        "site_id": site_id,
        "name": row["name"],
        "country": row["country"],
        "lat": row["lat"],
        "lon": row["lon"],
        "annual_cost_eur": row["annual_cost_eur"],
        "annual_cost_breakdown_eur": {
            layer: row[f"{layer}_cost_eur_per_year"] for layer in COST_PARTS
        },
        "mean_rtt_ms": row["mean_rtt_ms"],
        "researchers_served": row["researchers_served"],
        "pue": row["pue"],
        **{
            column: row[column]
            for column in ("gigafactory", "campus_share")
            if column in row.index
        },
        **{column: row.get(column) for column in SITE_FIGURES if column in row.index},
    }


def _gigafactories(result: Result) -> list[dict[str, Any]]:
    """Each chosen gigafactory with its campuses (largest first)."""
    table = result.gigafactories
    if table is None:
        return []
    sites = result.sites
    return [
        {
            "rank": int(rank),
            "campuses": [
                {
                    "site_id": site,
                    "country": sites.at[site, "country"],
                    "power_mw": float(sites.at[site, "power_mw"]),
                    "share": float(share),
                }
                for site, share in zip(row["campuses"], row["shares"], strict=True)
            ],
            "country": row["country"],
            "power_mw": row["power_mw"],
            "annual_cost_eur": row["annual_cost_eur"],
            "overhead_eur_per_year": row["overhead_eur_per_year"],
            "researchers_served": row["researchers_served"],
            "mean_rtt_ms": row["mean_rtt_ms"],
            "campus_rtt_ms": row["campus_rtt_ms"],
        }
        for rank, row in table.iterrows()
    ]


def _explanation(row: pd.Series) -> dict[str, Any]:
    """Why a chosen site won: the priced latency of its hubs and its regret."""
    return {
        "latency_eur_per_year": row["latency_eur_per_year"],
        "regret_eur_per_year": row["regret_eur_per_year"],
        "objective_without_eur_per_year": row["objective_without_eur_per_year"],
        "replacement_site_id": row["replacement_site_id"],
    }
