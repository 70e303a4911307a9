"""``siting data``: audit the data tables and refresh them from public APIs."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import click

from siting.cli.options import NumberRange, data_options, scenario_from
from siting.eurostat import PRICE_BANDS, SEMESTER_PATTERN


@click.group()
def data() -> None:
    """Check the data tables or fetch newer public data."""


@data.command()
@data_options
@click.option(
    "--tolerance-km",
    type=NumberRange(min=0),
    help="How far outside its country's outline a point may be (default: the "
    "scenario's data.placement_tolerance_km).",
)
def check(tolerance_km: float | None, **options: Any) -> None:
    """Validate every table: schema, ranges, ids, sources and coordinates."""
    from siting.data import check_dataset, data_dir, summary_lines

    scenario = scenario_from(options)
    directory = scenario.data_path("dir") or data_dir()
    report = check_dataset(
        directory,
        candidates=scenario.data_path("candidates"),
        hubs=scenario.data_path("hubs"),
        tolerance_km=scenario.data.placement_tolerance_km
        if tolerance_km is None
        else tolerance_km,
    )
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
    help="Annual consumption band of nrg_pc_205 (default: the scenario's "
    "data.price_band).",
)
@click.option(
    "--semester",
    help="Semester, e.g. 2025-S2 (default: the scenario's data.price_semester).",
)
@click.option(
    "--scenario",
    "scenario_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Scenario TOML overriding the packaged default.toml.",
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
    what: str,
    band: str | None,
    semester: str | None,
    scenario_file: Path | None,
    out: Path,
    from_file: Path | None,
) -> None:
    """Download newer public data (electricity prices from Eurostat nrg_pc_205)."""
    from siting.data.fetch import (
        fetch_eurostat_prices,
        parse_eurostat_prices,
        read_json_stat,
    )
    from siting.output.files import check_out_file, write_text_atomic

    if semester is not None and not re.match(SEMESTER_PATTERN, semester):
        raise click.BadParameter(
            f"{semester!r}: write a semester as YEAR-S1 or YEAR-S2, e.g. 2025-S2",
            param_hint="--semester",
        )
    settings = scenario_from({"scenario_file": scenario_file}).data
    check_out_file(out)
    band = band or settings.price_band
    semester = semester or settings.price_semester
    if from_file is not None:
        table = parse_eurostat_prices(
            read_json_stat(from_file), semester=semester, source=str(from_file)
        )
    else:
        table = fetch_eurostat_prices(band, semester)
    write_text_atomic(out, table.to_csv())
    click.echo(f"wrote {len(table)} {what} ({band}, {semester}) to {out}")
