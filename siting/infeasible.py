"""Why a scenario admits no portfolio, in the words of the scenario and the CLI.

:func:`siting.problem.build_problem` runs these checks before anything is solved, so
that each cheap reason is refused with the option or scenario field to relax and the
numbers: a forced site that is excluded, more forced sites than ``selection.sites`` or
than ``selection.per_country`` allows in one country, two forced sites closer than
``selection.min_separation_km`` or on one grid node too small for both, too few
allowed candidates (each exclusion counted, :data:`RELAX`), too few per country for
``--per-country``, hubs beyond ``selection.max_rtt_ms`` of every allowed candidate.
What only the solver can prove (a combination of constraints) is reported by the
solver in array terms; :func:`scenario_constraints` adds the same constraints in the
scenario's words (:func:`siting.run.solve`).
"""

from __future__ import annotations

import math
from collections.abc import Iterable

import numpy as np
import pandas as pd

from siting.errors import InfeasibleError
from siting.geo import distance_matrix_km
from siting.scenario import Scenario

#: Why a site is excluded (a phrase of its reason) -> what to relax, in the words of
#: the scenario and the command line.
RELAX = {
    "site hosts at most": (
        "too small for the facility",
        "lower facility.accelerators or raise sites.max_mw_by_kind",
    ),
    "town-centre placeholder": (
        "town-centre placeholders",
        "selection.include_cities = true",
    ),
    "after selection.online_by_year": (
        "not powered in time",
        "a later selection.online_by_year",
    ),
    "no grid node within": ("too far from the grid", "grid.max_connection_km"),
    "water stress above": ("in water-stressed countries", "cooling.max_water_stress"),
    "country not in selection.countries": (
        "outside selection.countries",
        "selection.countries",
    ),
    "excluded by the scenario": ("excluded by name", "selection.excluded"),
}

#: Hubs named in a message before "and N more".
SHOWN = 5


def check_enough_sites(sites: pd.DataFrame, scenario: Scenario) -> None:
    """Refuse, in plain words, a scenario whose forced sites or exclusions leave no
    portfolio.

    Parameters
    ----------
    sites
        :func:`siting.layers.table.site_table` (``country``, ``excluded_reason``,
        ``power_mw``), indexed by ``site_id``.
    scenario
        The scenario; its ``selection`` is checked.

    Raises
    ------
    InfeasibleError
        When a forced site is excluded; more sites are forced than
        ``selection.sites``, or than ``selection.per_country`` in one country; fewer
        sites are allowed than ``selection.sites``; or the countries with an allowed
        site, at most ``selection.per_country`` each, hold fewer. The message counts
        the sites each exclusion removes and names what to relax.
    """
    selection, origin = scenario.selection, scenario.origin
    need, per = selection.sites, selection.per_country
    reason = sites["excluded_reason"].astype(str).to_dict()
    blocked = [s for s in selection.forced if reason.get(s)]
    if blocked:
        raise InfeasibleError(
            f"{origin}: field 'selection.forced' names excluded site(s): "
            + "; ".join(f"{s} ({reason[s]})" for s in blocked)
            + "; drop them from selection.forced or relax what excludes them"
        )
    forced = list(selection.forced)
    if len(forced) > need:
        raise InfeasibleError(
            f"{origin}: field 'selection.forced' names {len(forced)} sites but "
            f"selection.sites (--sites) is {need}; force fewer sites or choose more"
        )
    countries = sites.loc[forced, "country"]
    for country, count in countries.value_counts().sort_index().items():
        if count > per:
            ids = ", ".join(countries.index[countries == country])
            raise InfeasibleError(
                f"{origin}: field 'selection.forced' names {count} sites in "
                f"{country} ({ids}) but selection.per_country (--per-country) is "
                f"{per}; force fewer there or raise --per-country"
            )
    allowed = sites[sites["excluded_reason"] == ""]
    by_country = allowed["country"].value_counts().sort_index()
    capacity = int(np.minimum(by_country.to_numpy(), per).sum())
    if len(allowed) >= need and capacity >= need:
        return
    power = float(sites["power_mw"].median()) if "power_mw" in sites else np.nan
    head = (
        f"{need} sites requested (--sites, selection.sites) but only {len(allowed)} "
        f"of {len(sites)} candidates can host the facility ({power:,.0f} MW)"
        if len(allowed) < need
        else f"{need} sites (--sites, selection.sites) with at most {per} per country "
        f"(--per-country, selection.per_country) but the allowed candidates make "
        f"only {capacity}: {len(by_country)} member state(s) have one ("
        + ", ".join(f"{c} {n}" for c, n in by_country.items())
        + ")"
    )
    counts = excluded_counts(sites)
    raise InfeasibleError(
        f"{origin}: {head}; excluded: " + "; ".join(counts)
        if counts
        else f"{origin}: {head}"
    )


def excluded_counts(sites: pd.DataFrame) -> list[str]:
    """'<n> <why> (relax: <what>)' for each reason of :data:`RELAX` that excludes
    candidates of ``sites``."""
    reasons = sites.loc[sites["excluded_reason"] != "", "excluded_reason"]
    counts = []
    for phrase, (what, relax) in RELAX.items():
        n = int(reasons.str.contains(phrase, regex=False).sum())
        if n:
            counts.append(f"{n} {what} (relax: {relax})")
    return counts


def check_forced_pairs(
    sites: pd.DataFrame,
    scenario: Scenario,
    node_pairs: Iterable[tuple[int, int]],
) -> None:
    """Refuse two forced sites that may not both be chosen.

    Parameters
    ----------
    sites
        The site table (``lat``, ``lon``; ``grid_node`` where known), by ``site_id``.
    scenario
        Its ``selection.forced`` and ``selection.min_separation_km`` are read.
    node_pairs
        Position pairs of sites on one grid node too small for both
        (:func:`siting.problem.shared_node_pairs`).

    Raises
    ------
    InfeasibleError
        Naming the two sites and their distance (km) or their grid node.
    """
    selection, origin = scenario.selection, scenario.origin
    forced = list(selection.forced)
    if len(forced) < 2:
        return
    position = {site_id: i for i, site_id in enumerate(sites.index)}
    places = sites.loc[forced]
    if selection.min_separation_km > 0:
        lat, lon = places["lat"], places["lon"]
        km = distance_matrix_km(lat, lon, lat, lon)
        rows, cols = np.nonzero(np.triu(km < selection.min_separation_km, k=1))
        if rows.size:
            a, b = forced[int(rows[0])], forced[int(cols[0])]
            raise InfeasibleError(
                f"{origin}: field 'selection.forced' names {a} and {b}, "
                f"{km[rows[0], cols[0]]:,.0f} km apart, closer than "
                f"selection.min_separation_km = {selection.min_separation_km:g}; "
                "drop one from selection.forced or lower min_separation_km"
            )
    chosen = {position[s] for s in forced}
    for i, k in node_pairs:
        if i in chosen and k in chosen:
            a, b = sites.index[i], sites.index[k]
            row = sites.loc[a]
            raise InfeasibleError(
                f"{origin}: field 'selection.forced' names {a} and {b}, which draw "
                f"on one grid node ({row['grid_node']}, "
                f"{row['grid_capacity_mw']:,.0f} MW) too small for both facilities; "
                "drop one from selection.forced"
            )


def check_coverage(
    rtt_ms: pd.DataFrame, allowed: pd.Series, scenario: Scenario
) -> None:
    """Refuse a coverage limit that some hub cannot meet from any allowed site.

    Parameters
    ----------
    rtt_ms
        RTT from each hub (index ``hub_id``) to each site (columns ``site_id``), ms.
    allowed
        True for each site (by ``site_id``) that may be chosen.
    scenario
        Its ``selection.max_rtt_ms`` is read.

    Raises
    ------
    InfeasibleError
        Naming the hubs beyond the limit, the nearest allowed RTT of each and the
        smallest limit that every hub could meet.
    """
    limit = scenario.selection.max_rtt_ms
    columns = [s for s in rtt_ms.columns if allowed.get(s, False)]
    if math.isinf(limit) or not columns:
        return
    nearest = rtt_ms[columns].min(axis=1)
    far = nearest[nearest > limit].sort_values(ascending=False)
    if far.empty:
        return
    shown = ", ".join(f"{hub} {ms:.2f} ms" for hub, ms in far.head(SHOWN).items())
    more = f" and {len(far) - SHOWN} more" if len(far) > SHOWN else ""
    least = math.ceil(float(nearest.max()) * 10) / 10
    raise InfeasibleError(
        f"{scenario.origin}: field 'selection.max_rtt_ms' is {limit:g} ms but "
        f"{len(far)} of {len(nearest)} hubs have no allowed candidate within it "
        f"(nearest: {shown}{more}); raise selection.max_rtt_ms to at least "
        f"{least:.1f} ms"
    )


def scenario_constraints(
    scenario: Scenario, *, n_pairs: int, n_excluded: int, n_sites: int
) -> str:
    """The constraints of ``scenario`` in its own words and numbers, for a message
    whose solver proved that they conflict.

    Parameters
    ----------
    n_pairs
        Pairs of candidates that may not both be chosen.
    n_excluded, n_sites
        Candidates excluded, and all candidates.
    """
    selection = scenario.selection
    parts = [
        f"selection.sites (--sites) = {selection.sites}",
        f"selection.per_country (--per-country) = {selection.per_country}",
    ]
    if n_pairs:
        why = (
            f"closer than selection.min_separation_km = "
            f"{selection.min_separation_km:g} km, or "
            if selection.min_separation_km > 0
            else ""
        )
        parts.append(
            f"{n_pairs} pair(s) of candidates that may not both be chosen ({why}on "
            "one grid node too small for both: grid.capacity_mw_by_kv, "
            "grid.plant_share)"
        )
    if not math.isinf(selection.max_rtt_ms):
        parts.append(f"selection.max_rtt_ms = {selection.max_rtt_ms:g} ms")
    if selection.forced:
        parts.append(f"selection.forced = {', '.join(selection.forced)}")
    if n_excluded:
        parts.append(
            f"{n_excluded} of {n_sites} candidates excluded (siting layers says why)"
        )
    return "in the scenario's words: " + "; ".join(parts) + "; relax one of them"
