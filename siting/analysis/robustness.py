"""Monte Carlo over the scenario's uncertain inputs: how often each site wins, and
what trusting the nominal answer may cost.

Each sample draws factors from the scenario's ``[uncertainty]`` distributions (see
:class:`siting.scenario.Uncertainty`), all up front from one seeded generator, so a
seed gives the same samples on any cluster and in any task order:

- electricity price: one factor per member state with candidates, on the wholesale
  price of each of its bidding zones and on its band price, after the scenario's
  overrides;
- carbon adder: one factor on ``energy.carbon_adder_eur_per_t``;
- PUE: one factor on the overhead ``PUE - 1`` of the chosen cooling technology (both
  ``pue_free`` and ``pue_mechanical``), the same at every site;
- researchers: one factor per hub on its FTE (and so on its latency weight).

Every sample recomputes the layers and the annual costs with those inputs and solves
the problem (a task of :func:`siting.analysis.sweep.run_sweep`). Then every portfolio
found (the nominal one included) is priced in every sample, each hub at its nearest
chosen site; its regret in a sample is its objective there minus the best objective
known for that sample (EUR/yr). The least worst-case regret portfolio minimises the
largest regret over the samples (ties: more often optimal, then lower mean regret).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from siting.analysis.sweep import Progress, Sweep, run_sweep
from siting.data import Dataset
from siting.errors import InputError
from siting.layers.table import apply_country_overrides, apply_zone_overrides
from siting.output.files import csv_text, json_text, write_folder
from siting.output.headline import robustness_report
from siting.run import Inputs, solve, vary
from siting.scenario import Scenario
from siting.sections import Spread
from siting.solve import evaluate

__all__ = ["Robustness", "draw_factors", "robustness", "write_robustness"]


@dataclass(frozen=True)
class Robustness:
    """Outcome of :func:`robustness`.

    Attributes
    ----------
    factors
        One row per sample (index ``sample``): ``carbon_adder``, ``pue_overhead``,
        ``price_<CC>`` per country and ``researchers_<hub_id>`` per hub.
    samples
        One row per sample: ``status``, ``objective_eur_per_year`` (the sample's
        optimum), ``site_ids`` of its optimal portfolio and
        ``nominal_regret_eur_per_year``; NaN and "" for a lost sample.
    frequency
        Per site (index ``site_id``): ``country``, ``selected_share`` (share of the
        solved samples whose optimum has it) and ``nominal`` (bool).
    portfolios
        Every portfolio found: ``site_ids``, ``times_optimal``,
        ``max_regret_eur_per_year``, ``mean_regret_eur_per_year``, ``nominal`` and
        ``least_worst_regret`` (bools); least worst-case regret first.
    summary
        The figures of ``robustness.json``.
    """

    factors: pd.DataFrame
    samples: pd.DataFrame
    frequency: pd.DataFrame
    portfolios: pd.DataFrame
    summary: dict[str, Any]


def robustness(
    inputs: Inputs,
    samples: int,
    *,
    seed: int | None = None,
    scheduler: str | None = None,
    workers: int = 2,
    serial: bool = False,
    retries: int = 2,
    progress: Progress | None = None,
) -> Robustness:
    """Solve ``samples`` draws of the uncertain inputs and compare the portfolios.

    Parameters
    ----------
    inputs
        From :func:`siting.run.prepare`.
    samples
        Number of Monte Carlo samples (>= 1).
    seed
        Seed of the generator; None for the scenario's ``uncertainty.seed``.
    scheduler, workers, serial, retries, progress
        As :func:`siting.analysis.sweep.run_sweep`.

    Raises
    ------
    siting.errors.InputError
        If ``samples < 1``, or every sample failed.
    siting.errors.InfeasibleError
        If the nominal scenario has no solution.
    """
    if samples < 1:
        raise InputError(f"robustness: samples must be at least 1, got {samples}")
    scenario = inputs.scenario
    seed = scenario.uncertainty.seed if seed is None else seed
    factors = draw_factors(inputs, samples, seed)
    nominal = solve(inputs.problem, scenario)
    rows = [row.to_dict() for _, row in factors.iterrows()]
    sweep = run_sweep(
        solve_sample,
        inputs,
        rows,
        scheduler=scheduler,
        workers=workers,
        serial=serial,
        retries=retries,
        progress=progress,
    )
    if len(sweep.lost) == samples:
        raise InputError(
            f"robustness: all {samples} samples failed; first error: "
            f"{sweep.failures[0].error}"
        )
    return _compare(inputs, factors, tuple(nominal.selected.tolist()), sweep, seed)


def draw_factors(inputs: Inputs, samples: int, seed: int) -> pd.DataFrame:
    """The factors of every sample, drawn in a fixed order from ``seed``.

    Returns
    -------
    DataFrame indexed by ``sample`` (0..samples-1), columns as
    :attr:`Robustness.factors`; every factor is 1 where the spread is 0. Each input
    has its own stream (spawned from ``seed``), so changing one spread leaves the
    other inputs' draws as they were.
    """
    spec = inputs.scenario.uncertainty
    streams = [np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(4)]
    countries = sorted(inputs.sites["country"].unique())
    hubs = list(inputs.problem.hub_ids)
    price = _draw(streams[0], spec.electricity_price, (samples, len(countries)))
    carbon = _draw(streams[1], spec.carbon_adder, (samples,))
    pue = _draw(streams[2], spec.pue_overhead, (samples,))
    researchers = _draw(streams[3], spec.researchers, (samples, len(hubs)))
    table = pd.concat(
        [
            pd.DataFrame({"carbon_adder": carbon, "pue_overhead": pue}),
            pd.DataFrame(price, columns=[f"price_{c}" for c in countries]),
            pd.DataFrame(researchers, columns=[f"researchers_{h}" for h in hubs]),
        ],
        axis=1,
    )
    table.index.name = "sample"
    return table


def solve_sample(inputs: Inputs, factors: dict[str, float]) -> dict[str, Any]:
    """Solve one sample (a sweep task).

    Parameters
    ----------
    inputs
        The nominal run's inputs (their data and RTT matrix are reused).
    factors
        One row of :func:`draw_factors`.

    Returns
    -------
    ``site_ids`` of the optimum, ``objective_eur_per_year``, ``status`` and the
    sample's ``fixed_cost`` (EUR/yr per site) and ``weights`` (EUR/ms/yr per hub).
    """
    scenario = inputs.scenario
    varied = perturb_scenario(scenario, inputs.dataset, factors)
    hubs = inputs.dataset.hubs.copy()
    hubs["researchers"] = hubs["researchers"] * np.array(
        [factors[f"researchers_{h}"] for h in hubs.index]
    )
    sample = vary(inputs, varied, hubs)
    problem = sample.problem
    solution = solve(problem, varied)
    return {
        "site_ids": tuple(problem.site_ids[i] for i in solution.selected),
        "objective_eur_per_year": solution.objective,
        "status": solution.status,
        "fixed_cost": problem.fixed_cost,
        "weights": problem.weights,
    }


def perturb_scenario(
    scenario: Scenario, dataset: Dataset, factors: dict[str, float]
) -> Scenario:
    """The scenario with one sample's electricity price, carbon adder and PUE factors
    applied: a country's factor scales the wholesale price of each of its bidding
    zones, and its band price where the scenario prices by band (after the
    scenario's own overrides)."""
    prices = apply_country_overrides(dataset.countries, scenario)["price_eur_per_mwh"]
    zones, _carbon = apply_zone_overrides(
        dataset.bidding_zones, dataset.carbon_intensity, scenario
    )
    countries = {
        code: override.model_dump(exclude_none=True)
        for code, override in scenario.country_overrides.items()
    }
    zone_values = {
        zone: override.model_dump(exclude_none=True)
        for zone, override in scenario.zone_overrides.items()
    }
    for column, factor in factors.items():
        if not column.startswith("price_"):
            continue
        code = column.removeprefix("price_")
        if scenario.energy.price_basis == "band":
            countries.setdefault(code, {})["price_eur_per_mwh"] = (
                float(prices[code]) * factor
            )
        for zone, row in zones.iterrows():
            if code in str(row["countries"]).split(";"):
                zone_values.setdefault(str(zone), {})["wholesale_eur_per_mwh"] = (
                    float(row["wholesale_eur_per_mwh"]) * factor
                )
    cooling = scenario.cooling
    tech = cooling.selected
    pue = factors["pue_overhead"]
    return scenario.with_overrides(
        {
            "country_overrides": countries,
            "zone_overrides": zone_values,
            "energy.carbon_adder_eur_per_t": scenario.energy.carbon_adder_eur_per_t
            * factors["carbon_adder"],
            f"cooling.{cooling.technology}.pue_free": 1 + (tech.pue_free - 1) * pue,
            f"cooling.{cooling.technology}.pue_mechanical": 1
            + (tech.pue_mechanical - 1) * pue,
        }
    )


def write_robustness(result: Robustness, out_dir: Path, *, force: bool) -> list[Path]:
    """Write ``robustness.json``, ``report.md`` (its headline and the selection
    frequency), ``samples.csv``, ``site_frequency.csv``, ``portfolios.csv`` and
    ``factors.csv`` into ``out_dir``."""
    return write_folder(
        out_dir,
        {
            "robustness.json": json_text(result.summary),
            "report.md": robustness_report(result.summary, result.frequency),
            "samples.csv": csv_text(result.samples, index=True),
            "site_frequency.csv": csv_text(result.frequency, index=True),
            "portfolios.csv": csv_text(result.portfolios, index=False),
            "factors.csv": csv_text(result.factors, index=True),
        },
        force=force,
    )


def _draw(rng: np.random.Generator, spread: Spread, shape) -> np.ndarray:
    if spread.spread == 0:
        return np.ones(shape)
    if spread.distribution == "triangular":
        return rng.triangular(1 - spread.spread, 1.0, 1 + spread.spread, shape)
    if spread.distribution == "uniform":
        return rng.uniform(1 - spread.spread, 1 + spread.spread, shape)
    values = rng.normal(1.0, spread.spread, shape)
    while (bad := values <= 0).any():
        values[bad] = rng.normal(1.0, spread.spread, int(bad.sum()))
    return values


def _compare(inputs: Inputs, factors, nominal, sweep: Sweep, seed: int) -> Robustness:
    problem = inputs.problem
    ids = problem.site_ids
    position = {site_id: i for i, site_id in enumerate(ids)}
    solved = [k for k, r in enumerate(sweep.results) if r is not None]
    found = {nominal} | {
        tuple(sorted(position[s] for s in sweep.results[k]["site_ids"])) for k in solved
    }
    portfolios = sorted(found)
    instance = problem.instance
    fixed = np.array([sweep.results[k]["fixed_cost"] for k in solved])
    weights = np.array([sweep.results[k]["weights"] for k in solved])
    rows = np.arange(len(problem.hub_ids))
    value = np.empty((len(portfolios), len(solved)))
    for n, sel in enumerate(portfolios):
        assignment, _ = evaluate(instance, sel)
        value[n] = (
            fixed[:, list(sel)].sum(axis=1) + weights @ problem.rtt_ms[rows, assignment]
        )
    # every sample's winner is among the portfolios, priced the same way as the rest,
    # so the best of them is the sample's optimum without the solver's float noise
    regret = value - value.min(axis=0)[None, :]
    winners = [
        tuple(sorted(position[s] for s in sweep.results[k]["site_ids"])) for k in solved
    ]
    table = _portfolio_table(ids, portfolios, regret, winners, nominal)
    samples = _sample_table(sweep, factors.index, regret[portfolios.index(nominal)])
    frequency = _frequency(inputs, winners, nominal)
    summary = _summary(samples, table, sweep, seed, regret[portfolios.index(nominal)])
    return Robustness(factors, samples, frequency, table, summary)


def _portfolio_table(ids, portfolios, regret, winners, nominal) -> pd.DataFrame:
    table = pd.DataFrame(
        {
            "site_ids": [";".join(ids[i] for i in sel) for sel in portfolios],
            "times_optimal": [winners.count(sel) for sel in portfolios],
            "max_regret_eur_per_year": regret.max(axis=1),
            "mean_regret_eur_per_year": regret.mean(axis=1),
            "nominal": [sel == nominal for sel in portfolios],
        }
    )
    table = table.sort_values(
        ["max_regret_eur_per_year", "times_optimal", "mean_regret_eur_per_year"],
        ascending=[True, False, True],
        kind="stable",
    ).reset_index(drop=True)
    table["least_worst_regret"] = table.index == 0
    return table


def _sample_table(sweep: Sweep, index, nominal_regret) -> pd.DataFrame:
    regret = iter(nominal_regret.tolist())
    rows = []
    for result in sweep.results:
        if result is None:
            rows.append(("lost", np.nan, "", np.nan))
        else:
            rows.append(
                (
                    result["status"],
                    result["objective_eur_per_year"],
                    ";".join(result["site_ids"]),
                    next(regret),
                )
            )
    columns = ["status", "objective_eur_per_year", "site_ids"]
    table = pd.DataFrame(rows, columns=[*columns, "nominal_regret_eur_per_year"])
    table.index = index
    return table


def _frequency(inputs: Inputs, winners, nominal) -> pd.DataFrame:
    ids = inputs.problem.site_ids
    counts = np.zeros(len(ids))
    for sel in winners:
        counts[list(sel)] += 1
    table = pd.DataFrame(
        {
            "country": inputs.sites["country"].loc[list(ids)].to_numpy(),
            "selected_share": counts / len(winners),
            "nominal": [i in nominal for i in range(len(ids))],
        },
        index=pd.Index(ids, name="site_id"),
    )
    return table.sort_values(
        ["selected_share", "nominal"], ascending=False, kind="stable"
    )


def _summary(samples, table, sweep: Sweep, seed: int, nominal_regret) -> dict:
    nominal = table[table["nominal"]].iloc[0]
    best = table.iloc[0]
    solved = int((samples["status"] != "lost").sum())
    return {
        "samples": len(samples),
        "seed": seed,
        "solved": solved,
        "lost": [int(samples.index[k]) for k in sweep.lost],
        "failures": [dataclasses.asdict(f) for f in sweep.failures],
        "nominal": {
            "site_ids": nominal["site_ids"].split(";"),
            "share_optimal": float(nominal["times_optimal"] / solved),
            "regret_eur_per_year": {
                "mean": float(np.mean(nominal_regret)),
                "p50": float(np.percentile(nominal_regret, 50)),
                "p95": float(np.percentile(nominal_regret, 95)),
                "max": float(np.max(nominal_regret)),
            },
        },
        "least_worst_regret": {
            "site_ids": best["site_ids"].split(";"),
            "max_regret_eur_per_year": float(best["max_regret_eur_per_year"]),
            "mean_regret_eur_per_year": float(best["mean_regret_eur_per_year"]),
            "times_optimal": int(best["times_optimal"]),
        },
        "portfolios_found": len(table),
    }
