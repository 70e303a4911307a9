"""``siting data``: audit the data tables and refresh them from public APIs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from siting.data import data_dir
from siting.datacheck import check_dataset, summary_lines
from siting.fetch import PRICE_BANDS, fetch_eurostat_prices, parse_eurostat_prices
from siting.output import write_text_atomic


@click.group()
def data() -> None:
    """Check the data tables or fetch newer public data."""


@data.command()
@click.option(
    "--data-dir",
    "directory",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="Folder to check (default: the packaged data).",
)
@click.option(
    "--tolerance-km",
    type=click.FloatRange(min=0),
    default=10.0,
    show_default=True,
    help="How far outside its country's outline a point may be.",
)
def check(directory: Path | None, tolerance_km: float) -> None:
    """Validate every table: schema, ranges, ids, sources and coordinates."""
    directory = directory or data_dir()
    report = check_dataset(directory, tolerance_km=tolerance_km)
    click.echo(f"data: {directory}")
    for line in summary_lines(report):
        click.echo(line)
    for problem in report.problems:
        click.echo(f"  {problem}", err=True)
    if not report.ok:
        raise SystemExit(1)


@data.command()
@click.argument("what", type=click.Choice(["prices"]))
@click.option(
    "--band",
    type=click.Choice(PRICE_BANDS),
    default="MWH2000-19999",
    show_default=True,
    help="Annual consumption band of nrg_pc_205.",
)
@click.option(
    "--semester", default="2025-S2", show_default=True, help="Semester, e.g. 2025-S2."
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="CSV to write (country, price_eur_per_mwh, band, tax, semester).",
)
@click.option(
    "--from-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Parse a saved JSON-stat response instead of downloading.",
)
def fetch(
    what: str, band: str, semester: str, out: Path, from_file: Path | None
) -> None:
    """Download newer public data (electricity prices from Eurostat nrg_pc_205)."""
    if from_file is not None:
        document = json.loads(from_file.read_text(encoding="utf-8"))
        table = parse_eurostat_prices(
            document, semester=semester, source=str(from_file)
        )
    else:
        table = fetch_eurostat_prices(band, semester)
    write_text_atomic(out, table.to_csv())
    click.echo(f"wrote {len(table)} {what} ({band}, {semester}) to {out}")
