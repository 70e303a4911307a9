"""``siting pareto``, ``siting alternatives`` and ``siting robustness``."""

from __future__ import annotations

import sys
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from siting.cli.options import (
    NumberRange,
    data_options,
    out_options,
    scenario_from,
    solve_options,
)

if TYPE_CHECKING:
    from siting.run import Inputs
    from siting.scenario import Scenario


def _common(command: Callable[..., None]) -> Callable[..., None]:
    """The options every analysis takes: output folder, data, scenario, solver."""
    return out_options(data_options(solve_options(command)))


@click.command()
@_common
@click.option(
    "--with-carbon",
    is_flag=True,
    help="Add the sites' emissions (t CO2/yr) as a third objective.",
)
@click.option(
    "--resolution-ms",
    type=NumberRange(min=0, min_open=True),
    default=1e-4,
    show_default=True,
    help="Smallest step in mean RTT between two points of the front (ms); "
    "larger is coarser and faster (a point may then be beaten by a skipped one by "
    "less than this step).",
)
@click.option(
    "--workers",
    type=click.IntRange(min=1),
    default=2,
    show_default=True,
    help="Processes that share the cost-latency search, this one included; the "
    "front is the same for any number.",
)
def pareto(
    with_carbon: bool, resolution_ms: float, workers: int, **common: Any
) -> None:
    """Trace the trade-off between annual cost and researchers' latency (and carbon):
    every non-dominated portfolio, as pareto.csv and pareto.png.

    The exact cost-latency front of the packaged data (128 points) takes about 7 s
    on two cores, 10 s on one. With --with-carbon each point is a MIP of about a
    minute on the packaged data."""
    from siting import analysis

    inputs, out_dir, force, quiet = _setup(common)
    with _spinner(quiet, "Tracing the Pareto front") as spinner:
        front = analysis.pareto_front(
            inputs,
            with_carbon=with_carbon,
            resolution_ms=resolution_ms,
            progress=None if spinner is None else spinner.update,
            workers=workers,
        )
        written = analysis.write_pareto(
            front, out_dir, by_carbon=with_carbon, force=force
        )
    if quiet:
        return
    _print(
        f"Pareto front: {len(front)} non-dominated portfolios",
        ("point", "cost (EUR m/yr)", "mean RTT (ms)", "kt CO2/yr", "sites"),
        [
            (
                str(point),
                f"{row['cost_eur_per_year'] / 1e6:,.1f}",
                f"{row['mean_rtt_ms']:.2f}",
                f"{row['carbon_t_per_year'] / 1e3:,.0f}",
                row["site_ids"].replace(";", ", ") + _mark(row["end"]),
            )
            for point, row in front.iterrows()
        ],
        written,
    )


@click.command()
@_common
@click.option(
    "--k",
    "k",
    required=True,
    type=click.IntRange(min=1),
    help="Number of distinct portfolios to list, best first.",
)
def alternatives(k: int, **common: Any) -> None:
    """List the K best distinct portfolios and how far each is from the optimum."""
    from siting import analysis

    inputs, out_dir, force, quiet = _setup(common)
    with _spinner(quiet, f"Finding the {k} best portfolios"):
        table = analysis.alternatives(inputs, k)
        written = analysis.write_alternatives(table, out_dir, force=force)
    if quiet:
        return
    _print(
        f"{len(table)} best portfolios",
        ("rank", "objective (EUR m/yr)", "above optimum", "sites"),
        [
            (
                str(rank),
                f"{row['objective_eur_per_year'] / 1e6:,.2f}",
                f"{row['gap_eur_per_year'] / 1e6:,.2f} m ({row['gap_fraction']:.2%})",
                row["site_ids"].replace(";", ", "),
            )
            for rank, row in table.iterrows()
        ],
        written,
    )


@click.command()
@_common
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
    **common: Any,
) -> None:
    """Solve SAMPLES draws of the scenario's uncertain inputs: how often each site is
    chosen, the regret of the nominal portfolio and the least worst-case regret one.
    Exits with status 1 when a sample failed on every attempt."""
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from siting import analysis

    inputs, out_dir, force, quiet = _setup(common)
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


def _setup(common: dict[str, Any]) -> tuple[Inputs, Path, bool, bool]:
    """The prepared inputs of the options, and the output options."""
    from siting.output import check_out_dir
    from siting.run import prepare

    scenario: Scenario = scenario_from(common)
    check_out_dir(common["out_dir"], force=common["force"])
    inputs = prepare(scenario)
    if not common["quiet"]:
        for note in inputs.dataset.notes:
            click.echo(f"note: {note}", err=True)
    return inputs, common["out_dir"], common["force"], common["quiet"]


def _spinner(quiet: bool, message: str) -> AbstractContextManager[Any]:
    from rich.console import Console

    console = Console(stderr=True)
    if quiet or not console.is_terminal:
        return nullcontext()
    return console.status(message)


def _mark(end: str) -> str:
    return f"  [{end.replace(';', ', ')}]" if end else ""


def _print(
    title: str,
    columns: tuple[str, ...],
    rows: list[tuple[str, ...]],
    written: list[Path],
) -> None:
    """A table (the ``sites`` column left-aligned, numbers right) and the files."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="left" if column == "sites" else "right")
    for row in rows:
        table.add_row(*row)
    console = Console(file=sys.stdout, width=max(100, Console().width))
    console.print(table)
    console.print("wrote " + ", ".join(str(path) for path in written))


def _print_robustness(
    frequency: Any, summary: dict[str, Any], written: list[Path]
) -> None:
    from rich.console import Console
    from rich.table import Table

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
