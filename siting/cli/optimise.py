"""``siting optimise``: choose the sites and write the results."""

from __future__ import annotations

import logging
import sys
from contextlib import nullcontext
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from siting.cli.options import data_options, out_options, scenario_from, solve_options

#: Formats of the vector layers (as siting.output.write.FORMATS, which imports pandas).
VECTOR_FORMATS = ("geojson", "gpkg")

if TYPE_CHECKING:
    from siting.result import Result


@click.command()
@out_options
@data_options
@solve_options
@click.option(
    "--online-tiles",
    is_flag=True,
    help="Offer an online tile layer in map.html (off: the map works offline).",
)
@click.option(
    "--format",
    "vector_format",
    type=click.Choice(VECTOR_FORMATS),
    default="geojson",
    show_default=True,
    help="Vector layers as sites/hubs/links.geojson, or one result.gpkg (GeoPackage) "
    "with layers sites, hubs and links.",
)
@click.option(
    "--robustness-samples",
    type=click.IntRange(min=1),
    metavar="N",
    help="Also solve N Monte Carlo draws of the uncertain inputs (in this process) "
    "and put the headline in the report, the figures in robustness.json; "
    "'siting robustness' runs larger sweeps on Dask.",
)
@click.option("-v", "--verbose", is_flag=True, help="Log each stage and its time.")
def optimise(
    out_dir: Path,
    force: bool,
    quiet: bool,
    online_tiles: bool,
    vector_format: str,
    robustness_samples: int | None,
    verbose: bool,
    **options: Any,
) -> None:
    """Choose the sites for the gigafactories and write the results to --out."""
    from rich.console import Console

    from siting.output import check_out_dir, write_outputs
    from siting.run import optimise as run_optimise

    scenario = scenario_from(options)
    check_out_dir(out_dir, force=force)
    if robustness_samples and scenario.selection.campuses_max > 1:
        raise click.UsageError(
            "--robustness-samples works on one site per gigafactory; drop it or set "
            "selection.campuses_max = 1"
        )
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
        summary = None
        if robustness_samples:
            from siting.analysis import robustness
            from siting.run import prepare

            progress(f"Solving {robustness_samples} robustness samples")
            sweep = robustness(prepare(scenario), robustness_samples, serial=True)
            summary = sweep.summary
        written = write_outputs(
            result,
            out_dir,
            force=force,
            online_tiles=online_tiles,
            vector_format=vector_format,  # type: ignore[arg-type]
            robustness=summary,
        )
    if not quiet:
        for note in result.notes:
            click.echo(f"note: {note}", err=True)
    if verbose:
        for stage, seconds in result.timings_s.items():
            click.echo(f"{stage}: {seconds:.2f} s", err=True)
    if not quiet:
        _print_summary(result, written)


def _print_gigafactories(console: Any, result: Result) -> None:
    """The gigafactories and their campuses, when one has several."""
    from rich.table import Table

    table = result.gigafactories
    if table is None or table["campuses"].map(len).max() <= 1:
        return
    out = Table(title="Gigafactories (campuses, largest first)")
    for name in ("gigafactory", "campuses (share)", "country", "MW", "EUR m/yr"):
        out.add_column(name, justify="left" if name.startswith("camp") else "right")
    out.add_column("campus RTT (ms)", justify="right")
    for rank, row in table.iterrows():
        campuses = ", ".join(
            f"{site} ({share:.0%})"
            for site, share in zip(row["campuses"], row["shares"], strict=True)
        )
        out.add_row(
            str(rank),
            campuses,
            row["country"],
            f"{row['power_mw']:,.0f}",
            f"{row['annual_cost_eur'] / 1e6:,.1f}",
            f"{row['campus_rtt_ms']:.1f}",
        )
    console.print(out)


def _print_summary(result: Result, written: list[Path]) -> None:
    from rich.console import Console
    from rich.table import Table

    from siting.output.figures import short_name

    console = Console(file=sys.stdout, width=max(100, Console().width))
    solution = result.solution
    table = Table(title=f"Chosen sites ({solution.status})")
    table.add_column("rank", justify="right")
    table.add_column(
        "site_id", no_wrap=True, min_width=max(map(len, result.selection.index))
    )
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
            short_name(row["name"]),
            row["country"],
            f"{row['annual_cost_eur'] / 1e6:,.1f}",
            "-" if mean_rtt != mean_rtt else f"{mean_rtt:.1f}",
            f"{row['researchers_served']:,.0f}",
        )
    console.print(table)
    _print_gigafactories(console, result)
    console.print(
        f"objective EUR {solution.objective / 1e6:,.1f} m/yr, gap {solution.gap:.2%}, "
        f"researcher-weighted mean RTT {result.mean_rtt_ms:.1f} ms (modelled "
        "median round trips), "
        f"solved in {solution.runtime_s:.2f} s by {solution.solver}"
    )
    console.print("wrote " + ", ".join(str(path) for path in written))
