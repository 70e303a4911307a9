"""``siting optimise``: choose the sites and write the results."""

from __future__ import annotations

import logging
import sys
from contextlib import nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.table import Table

from siting.output import check_out_dir, write_outputs
from siting.pipeline import Result
from siting.pipeline import optimise as run_optimise
from siting.scenario import load_scenario

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


@click.command()
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(path_type=Path),
    help="Folder for result.json and sites.geojson.",
)
@click.option(
    "--scenario",
    "scenario_file",
    type=_FILE,
    help="Scenario TOML overriding the packaged default.toml.",
)
@click.option("--sites", type=click.IntRange(min=1), help="Number of sites to choose.")
@click.option(
    "--per-country", type=click.IntRange(min=1), help="Most sites in one member state."
)
@click.option(
    "--solver",
    type=click.Choice(["auto", "fast", "highs", "cbc"]),
    help="MIP solver (default: the scenario's, 'auto').",
)
@click.option(
    "--time-limit",
    type=click.FloatRange(min=0, min_open=True),
    help="Stop the solver after this many seconds with the best solution found.",
)
@click.option(
    "--candidates", type=_FILE, help="Your own candidate sites (CSV or GeoJSON)."
)
@click.option("--hubs", type=_FILE, help="Your own research hubs (CSV or GeoJSON).")
@click.option(
    "--data-dir",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder of data tables replacing the packaged default data.",
)
@click.option("--force", is_flag=True, help="Replace a non-empty --out folder.")
@click.option(
    "--online-tiles",
    is_flag=True,
    help="Offer an online tile layer in map.html (off: the map works offline).",
)
@click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors.")
@click.option("-v", "--verbose", is_flag=True, help="Log each stage and its time.")
def optimise(
    out_dir: Path,
    scenario_file: Path | None,
    sites: int | None,
    per_country: int | None,
    solver: str | None,
    time_limit: float | None,
    candidates: Path | None,
    hubs: Path | None,
    data_dir: Path | None,
    force: bool,
    online_tiles: bool,
    quiet: bool,
    verbose: bool,
) -> None:
    """Choose the sites for the gigafactories and write the results to --out."""
    overrides = {
        "selection.sites": sites,
        "selection.per_country": per_country,
        "solver.name": solver,
        "solver.time_limit_s": time_limit,
        "data.candidates": _absolute(candidates),
        "data.hubs": _absolute(hubs),
        "data.dir": _absolute(data_dir),
    }
    scenario = load_scenario(scenario_file)
    chosen = {key: value for key, value in overrides.items() if value is not None}
    if chosen:
        scenario = scenario.with_overrides(chosen)
    check_out_dir(out_dir, force=force)
    if verbose:
        logging.basicConfig(
            level=logging.INFO, format="%(levelname)s %(name)s: %(message)s"
        )
    console = Console(stderr=True)
    show_progress = console.is_terminal and not quiet
    status = console.status("Starting") if show_progress else nullcontext()
    with status as spinner:

        def progress(message: str) -> None:
            if spinner is not None:
                spinner.update(message)
            if verbose:
                click.echo(message, err=True)

        result = run_optimise(scenario, progress=progress)
        written = write_outputs(result, out_dir, force=force, online_tiles=online_tiles)
    if verbose:
        for stage, seconds in result.timings_s.items():
            click.echo(f"{stage}: {seconds:.2f} s", err=True)
    if not quiet:
        _print_summary(result, written)


def _absolute(path: Path | None) -> str | None:
    return None if path is None else str(path.resolve())


def _short(name: str, limit: int = 40) -> str:
    """The place name up to its first ':' and at most ``limit`` characters."""
    head = name.split(":")[0].strip()
    return head if len(head) <= limit else head[: limit - 1] + "…"


def _print_summary(result: Result, written: list[Path]) -> None:
    console = Console(file=sys.stdout, width=max(100, Console().width))
    solution = result.solution
    table = Table(title=f"Chosen sites ({solution.status})")
    table.add_column("rank", justify="right")
    table.add_column("site_id")
    table.add_column("place")
    table.add_column("country")
    table.add_column("annual cost (EUR m/yr)", justify="right")
    table.add_column("mean RTT (ms)", justify="right")
    table.add_column("researchers (FTE)", justify="right")
    for site_id, row in result.selection.iterrows():
        mean_rtt = row["mean_rtt_ms"]
        table.add_row(
            str(row["rank"]),
            site_id,
            _short(row["name"]),
            row["country"],
            f"{row['annual_cost_eur'] / 1e6:,.1f}",
            "-" if mean_rtt != mean_rtt else f"{mean_rtt:.1f}",
            f"{row['researchers_served']:,.0f}",
        )
    console.print(table)
    console.print(
        f"objective EUR {solution.objective / 1e6:,.1f} m/yr, gap {solution.gap:.2%}, "
        f"researcher-weighted mean RTT {result.mean_rtt_ms:.1f} ms, "
        f"solved in {solution.runtime_s:.2f} s by {solution.solver}"
    )
    console.print("wrote " + ", ".join(str(path) for path in written))
