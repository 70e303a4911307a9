"""Re-verify a result of multi-site gigafactories (``selection.campuses_max > 1``).

Called by :func:`siting.check.check_result`. From the scenario the result records and
the data on disk it rebuilds the campus problem (:func:`siting.run.prepare_campuses`)
and checks each recorded gigafactory on its own terms:

- at most ``campuses_max`` campuses, shares summing to 1 and, with several campuses,
  each at least ``campus_min_share``; each campus allowed at its share (its site size,
  grid and deadline at that power; a campus of a split gigafactory within its grid
  node's free capacity), campuses pairwise within ``campus_max_rtt_ms``
  and on distinct grid nodes, the country that of a largest campus;
- that it is a listed configuration, at the listed (cheapest) split and cost;
- with :func:`siting.solve.campus_violations` (no shared code with the MIP), that the
  gigafactories together keep every rule: a site in one gigafactory, per-country
  limits, conflicts, forced sites;
- the recorded assignment hub by hub (:func:`siting.check.check_assignment`), the
  objective recomputed from it, and each campus's costs, researchers and mean RTT.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.check import (
    OBJECTIVE_RTOL,
    ResultCheck,
    check_assignment,
    compare_costs,
    compare_data,
    compare_served,
    compare_versions,
)
from siting.gigafactory import CampusProblem
from siting.run import prepare_campuses
from siting.scenario import Scenario
from siting.solve import campus_violations

#: Two shares closer than this are equal (they are multiples of the share step).
SHARE_ATOL = 1e-9


def check_campus_result(
    path: Path,
    document: dict[str, Any],
    recorded: pd.DataFrame,
    scenario: Scenario,
    check: ResultCheck,
) -> None:
    """Add to ``check`` what the multi-site result at ``path`` breaks."""
    dataset, problem, _rtt = prepare_campuses(scenario)
    compare_data(dataset.sha256, document, check)
    compare_versions(document.get("versions", {}), check)
    factories = document.get("gigafactories")
    if not isinstance(factories, list) or not factories:
        check.problems.append(f"{path}: no gigafactories recorded")
        return
    position = {site: i for i, site in enumerate(problem.site_ids)}
    configs = []
    for factory in factories:
        found = _check_gigafactory(factory, problem, scenario, position, check)
        if found is not None:
            configs.append(found)
    if len(configs) != len(factories):
        return
    for problem_text in campus_violations(problem.instance, configs, problem.site_ids):
        check.problems.append(
            f"the gigafactories together: {problem_text} (per-country limits are "
            "selection.per_country, conflicts selection.min_separation_km and grid "
            "nodes)"
        )
    shares = {
        campus["site_id"]: float(campus["share"])
        for factory in factories
        for campus in factory["campuses"]
    }
    entries = document["selected"]
    if {e["site_id"] for e in entries} != set(shares):
        check.problems.append(
            "selected does not list exactly the campuses of the gigafactories"
        )
        return
    for entry in entries:
        share = _level(problem, shares[entry["site_id"]])
        compare_costs(entry, problem.share_sites[share].loc[entry["site_id"]], check)
    selected = np.array(sorted(position[s] for s in shares), dtype=int)
    assignment = check_assignment(problem, selected, recorded, check)
    if assignment is None:
        return
    hub_rtt = problem.rtt_ms[np.arange(len(assignment)), assignment]
    listed = problem.configurations["annual_cost_eur"].to_numpy(float)
    check.objective = float(listed[configs].sum() + np.dot(problem.weights, hub_rtt))
    reported = document["objective_eur_per_year"]
    if not math.isclose(reported, check.objective, rel_tol=OBJECTIVE_RTOL):
        check.problems.append(
            f"objective_eur_per_year is {reported!r} in result.json but the recorded "
            f"gigafactories and assignment give {check.objective!r}"
        )
    researchers = dataset.hubs.loc[list(problem.hub_ids), "researchers"]
    compare_served(
        entries,
        problem.site_ids,
        researchers.to_numpy(float),
        assignment,
        hub_rtt,
        check,
    )


def _check_gigafactory(
    factory: dict[str, Any],
    problem: CampusProblem,
    scenario: Scenario,
    position: dict[str, int],
    check: ResultCheck,
) -> int | None:
    """The configuration a recorded gigafactory is, after checking it on its own
    terms; None when it breaks a rule or is not listed."""
    selection = scenario.selection
    name = f"gigafactory {factory.get('rank')}"
    campuses = factory.get("campuses") or []
    sites = [c.get("site_id") for c in campuses]
    shares = [float(c.get("share", math.nan)) for c in campuses]
    unknown = [s for s in sites if s not in position]
    if unknown or not campuses:
        check.problems.append(f"{name}: unknown or no campus site(s) {unknown}")
        return None
    before = len(check.problems)
    if len(campuses) > selection.campuses_max:
        check.problems.append(
            f"{name}: {len(campuses)} campuses, above selection.campuses_max = "
            f"{selection.campuses_max}"
        )
    if not math.isclose(sum(shares), 1.0, abs_tol=SHARE_ATOL):
        check.problems.append(f"{name}: campus shares sum to {sum(shares):g}, not 1")
    if len(campuses) > 1 and min(shares) < selection.campus_min_share - SHARE_ATOL:
        check.problems.append(
            f"{name}: a campus hosts {min(shares):.0%}, below "
            f"selection.campus_min_share = {selection.campus_min_share:g}"
        )
    for site, share in zip(sites, shares, strict=True):
        level = _level(problem, share)
        if level is None:
            check.problems.append(f"{name}: {site}'s share {share:g} is not a step")
            continue
        row = problem.share_sites[level].loc[site]
        if row["excluded_reason"]:
            check.problems.append(
                f"{name}: {site} cannot host {share:.0%}: {row['excluded_reason']}"
            )
        elif len(campuses) > 1 and row["grid_shortfall_mw"] > 0:
            check.problems.append(
                f"{name}: campus {site} needs {row['power_mw']:,.0f} MW but its grid "
                f"node has {row['grid_capacity_mw']:,.0f} MW free; a campus of a "
                "split gigafactory must fit it"
            )
    for a, b in itertools.combinations(sites, 2):
        rtt = max(problem.site_rtt.at[a, b], problem.site_rtt.at[b, a])
        if rtt > selection.campus_max_rtt_ms:
            check.problems.append(
                f"{name}: campuses {a} and {b} are {rtt:.2f} ms apart, beyond "
                f"selection.campus_max_rtt_ms = {selection.campus_max_rtt_ms:g}"
            )
    largest = [
        s for s, x in zip(sites, shares, strict=True) if x >= max(shares) - SHARE_ATOL
    ]
    countries = {problem.share_sites[1.0].at[s, "country"] for s in largest}
    if factory.get("country") not in countries:
        check.problems.append(
            f"{name}: counted for {factory.get('country')}, not the member state of "
            f"its largest campus ({', '.join(sorted(countries))})"
        )
    if len(check.problems) > before:
        return None
    return _listed(factory, sites, shares, problem, name, check)


def _listed(
    factory: dict[str, Any],
    sites: list[str],
    shares: list[float],
    problem: CampusProblem,
    name: str,
    check: ResultCheck,
) -> int | None:
    """The listed configuration with these campuses and largest campus, if the
    recorded split and cost are its own."""
    listed = problem.configurations
    split = dict(zip(sites, shares, strict=True))
    for k, row in listed.iterrows():
        if set(row["campuses"]) != set(sites) or row["country"] != factory["country"]:
            continue
        if not all(
            math.isclose(split[s], x, abs_tol=SHARE_ATOL)
            for s, x in zip(row["campuses"], row["shares"], strict=True)
        ):
            continue
        cost = factory.get("annual_cost_eur")
        if not isinstance(cost, int | float) or not math.isclose(
            cost, row["annual_cost_eur"], rel_tol=1e-9
        ):
            check.problems.append(
                f"{name}: annual_cost_eur is {cost} in result.json but its campuses "
                f"and overhead give {row['annual_cost_eur']:.6f}"
            )
            return None
        return int(k)
    at = ", ".join(f"{x:.0%}" for x in shares)
    check.problems.append(
        f"{name}: campuses {', '.join(sites)} at {at} are not an allowed "
        "configuration at its cheapest split"
    )
    return None


def _level(problem: CampusProblem, share: float) -> float | None:
    """The share level of ``problem.share_sites`` equal to ``share``, if any."""
    for level in problem.share_sites:
        if math.isclose(level, share, abs_tol=SHARE_ATOL):
            return level
    return None
