"""``siting pareto``, ``siting alternatives`` and ``siting robustness``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import nullcontext
from pathlib import Path

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from siting import analysis
from siting.output import check_out_dir
from siting.scenario import Scenario, load_scenario

_FILE = click.Path(exists=True, dir_okay=False, path_type=Path)


def _scenario_options(command: Callable) -> Callable:
    """Options shared by the three commands: output folder and scenario."""
    options = [
        click.option(
            "--out",
            "out_dir",
            required=True,
            type=click.Path(path_type=Path),
            help="Folder for the output files.",
        ),
        click.option(
            "--scenario",
            "scenario_file",
            type=_FILE,
            help="Scenario TOML overriding the packaged default.toml.",
        ),
        click.option(
            "--sites", type=click.IntRange(min=1), help="Number of sites to choose."
        ),
        click.option(
            "--per-country",
            type=click.IntRange(min=1),
            help="Most sites in one member state.",
        ),
        click.option(
            "--solver",
            type=click.Choice(["auto", "highs", "cbc"]),
            help="MIP solver (default: the scenario's, 'auto').",
        ),
        click.option(
            "--time-limit",
            type=click.FloatRange(min=0, min_open=True),
            help="Seconds per solve; a point or sample that hits it is marked.",
        ),
        click.option(
            "--data-dir",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="Folder of data tables replacing the packaged default data.",
        ),
        click.option("--force", is_flag=True, help="Replace a non-empty --out folder."),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors."),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@click.command()
@_scenario_options
@click.option(
    "--with-carbon",
    is_flag=True,
    help="Add the sites' emissions (t CO2/yr) as a third objective.",
)
@click.option(
    "--resolution-ms",
    type=click.FloatRange(min=0, min_open=True),
    default=1e-4,
    show_default=True,
    help="Smallest step in mean RTT between two points of the front (ms); "
    "larger is coarser and faster (a point may then be beaten by a skipped one by "
    "less than this step).",
)
def pareto(with_carbon: bool, resolution_ms: float, **common) -> None:
    """Trace the trade-off between annual cost and researchers' latency (and carbon):
    every non-dominated portfolio, as pareto.csv and pareto.png.

    The exact cost-latency front of the packaged data (98 points) takes about 30 s.
    With --with-carbon each point is a MIP of about a minute on the packaged data."""
    scenario, out_dir, force, quiet = _setup(common)
    with _spinner(quiet, "Tracing the Pareto front") as spinner:
        front = analysis.pareto_front(
            analysis.prepare(scenario),
            with_carbon=with_carbon,
            resolution_ms=resolution_ms,
            progress=None if spinner is None else spinner.update,
        )
        written = analysis.write_pareto(
            front, out_dir, by_carbon=with_carbon, force=force
        )
    if quiet:
        return
    table = Table(title=f"Pareto front: {len(front)} non-dominated portfolios")
    for column in ("point", "cost (EUR m/yr)", "mean RTT (ms)", "kt CO2/yr", "sites"):
        table.add_column(column, justify="left" if column == "sites" else "right")
    for point, row in front.iterrows():
        table.add_row(
            str(point),
            f"{row['cost_eur_per_year'] / 1e6:,.1f}",
            f"{row['mean_rtt_ms']:.2f}",
            f"{row['carbon_t_per_year'] / 1e3:,.0f}",
            row["site_ids"].replace(";", ", ") + _mark(row["end"]),
        )
    _print(table, written)


@click.command()
@_scenario_options
@click.option(
    "--k",
    "k",
    required=True,
    type=click.IntRange(min=1),
    help="Number of distinct portfolios to list, best first.",
)
def alternatives(k: int, **common) -> None:
    """List the K best distinct portfolios and how far each is from the optimum."""
    scenario, out_dir, force, quiet = _setup(common)
    with _spinner(quiet, f"Finding the {k} best portfolios"):
        table = analysis.alternatives(analysis.prepare(scenario), k)
        written = analysis.write_alternatives(table, out_dir, force=force)
    if quiet:
        return
    view = Table(title=f"{len(table)} best portfolios")
    for column in ("rank", "objective (EUR m/yr)", "above optimum", "sites"):
        view.add_column(column, justify="left" if column == "sites" else "right")
    for rank, row in table.iterrows():
        view.add_row(
            str(rank),
            f"{row['objective_eur_per_year'] / 1e6:,.2f}",
            f"{row['gap_eur_per_year'] / 1e6:,.2f} m ({row['gap_fraction']:.2%})",
            row["site_ids"].replace(";", ", "),
        )
    _print(view, written)


@click.command()
@_scenario_options
@click.option(
    "--samples",
    required=True,
    type=click.IntRange(min=1),
    help="Number of Monte Carlo samples.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="Seed of the samples (default: the scenario's uncertainty.seed).",
)
@click.option(
    "--scheduler",
    metavar="ADDRESS",
    help="Address of a running Dask scheduler (default: start a local cluster).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Worker processes of the local cluster.",
)
@click.option("--serial", is_flag=True, help="Run in this process, without Dask.")
@click.option(
    "--retries",
    type=click.IntRange(min=0),
    default=2,
    show_default=True,
    help="Further attempts for a sample that fails.",
)
def robustness(
    samples: int,
    seed: int | None,
    scheduler: str | None,
    workers: int,
    serial: bool,
    retries: int,
    **common,
) -> None:
    """Solve SAMPLES draws of the scenario's uncertain inputs: how often each site is
    chosen, the regret of the nominal portfolio and the least worst-case regret one.
    Exits with status 1 when a sample failed on every attempt."""
    scenario, out_dir, force, quiet = _setup(common)
    inputs = analysis.prepare(scenario)
    console = Console(stderr=True)
    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet or not console.is_terminal,
    )
    with bar:
        task = bar.add_task("Solving samples", total=samples)
        result = analysis.robustness(
            inputs,
            samples,
            seed=seed,
            scheduler=scheduler,
            workers=workers,
            serial=serial,
            retries=retries,
            progress=lambda done, _total: bar.update(task, completed=done),
        )
        written = analysis.write_robustness(result, out_dir, force=force)
    summary = result.summary
    for failure in summary["failures"]:
        click.echo(
            f"sample {failure['item']}, attempt {failure['attempt']} failed: "
            f"{failure['error']}" + ("" if failure["final"] else " (retried)"),
            err=True,
        )
    if not quiet:
        _print_robustness(result.frequency, summary, written)
    if summary["lost"]:
        click.secho(
            f"{len(summary['lost'])} sample(s) failed on every attempt: "
            f"{summary['lost']}; see failures in robustness.json",
            err=True,
            fg="red",
        )
        sys.exit(1)


def _setup(common: dict) -> tuple[Scenario, Path, bool, bool]:
    overrides = {
        "selection.sites": common["sites"],
        "selection.per_country": common["per_country"],
        "solver.name": common["solver"],
        "solver.time_limit_s": common["time_limit"],
        "data.dir": None
        if common["data_dir"] is None
        else str(common["data_dir"].resolve()),
    }
    scenario = load_scenario(common["scenario_file"])
    chosen = {key: value for key, value in overrides.items() if value is not None}
    if chosen:
        scenario = scenario.with_overrides(chosen)
    check_out_dir(common["out_dir"], force=common["force"])
    return scenario, common["out_dir"], common["force"], common["quiet"]


def _spinner(quiet: bool, message: str):
    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        return nullcontext()
    return console.status(message)


def _mark(end: str) -> str:
    return f"  [{end.replace(';', ', ')}]" if end else ""


def _print(table: Table, written: list[Path]) -> None:
    console = Console(file=sys.stdout, width=max(100, Console().width))
    console.print(table)
    console.print("wrote " + ", ".join(str(path) for path in written))


def _print_robustness(frequency, summary: dict, written: list[Path]) -> None:
    table = Table(title=f"Selection frequency over {summary['solved']} samples")
    table.add_column("site")
    table.add_column("country")
    table.add_column("chosen", justify="right")
    table.add_column("nominal", justify="center")
    for site_id, row in frequency[frequency["selected_share"] > 0].iterrows():
        table.add_row(
            site_id,
            row["country"],
            f"{row['selected_share']:.0%}",
            "yes" if row["nominal"] else "",
        )
    nominal = summary["nominal"]
    regret = nominal["regret_eur_per_year"]
    best = summary["least_worst_regret"]
    console = Console(file=sys.stdout, width=max(100, Console().width))
    console.print(table)
    console.print(
        f"nominal portfolio optimal in {nominal['share_optimal']:.0%} of samples; "
        f"its regret (EUR m/yr): mean {regret['mean'] / 1e6:,.2f}, "
        f"95th percentile {regret['p95'] / 1e6:,.2f}, worst {regret['max'] / 1e6:,.2f}"
    )
    console.print(
        f"least worst-case regret: {', '.join(best['site_ids'])} "
        f"(worst {best['max_regret_eur_per_year'] / 1e6:,.2f} EUR m/yr, optimal in "
        f"{best['times_optimal']} samples)"
    )
    console.print("wrote " + ", ".join(str(path) for path in written))
