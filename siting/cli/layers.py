"""``siting layers``: every candidate with all layer values, without optimising."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from siting.cli.options import data_options, scenario_from

if TYPE_CHECKING:
    import pandas as pd
    from rich.table import Table


@click.command()
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    required=True,
    help="GeoJSON file for every candidate with all layer columns.",
)
@data_options
@click.option(
    "--top",
    type=click.IntRange(min=1),
    default=5,
    show_default=True,
    help="How many of the cheapest and dearest sites to print.",
)
def layers(out: Path, top: int, **options: Any) -> None:
    """Compute every layer (energy, grid, site size, cooling, connectivity, capex) for
    every candidate."""
    from rich.console import Console

    from siting.infeasible import RELAX
    from siting.layers.table import site_table
    from siting.output.files import check_out_file
    from siting.output.geojson import site_layer, write_geojson_atomic
    from siting.run import load_data

    scenario = scenario_from(options)
    check_out_file(out)
    dataset = load_data(scenario)
    for note in dataset.notes:
        click.echo(f"note: {note}", err=True)
    table = site_table(dataset, scenario)
    write_geojson_atomic(site_layer(table), out)
    ranked = table.sort_values(["annual_cost_eur", "country"])
    console = Console(file=sys.stdout, width=max(150, Console().width))
    for title, part in (("Cheapest", ranked.head(top)), ("Dearest", ranked.tail(top))):
        console.print(_summary(f"{title} {len(part)} of {len(table)} sites", part))
    excluded = table.loc[table["excluded_reason"] != "", "excluded_reason"]
    console.print(f"{len(excluded)} of {len(table)} site(s) excluded:")
    for phrase, (what, relax) in RELAX.items():
        count = int(excluded.str.contains(phrase, regex=False).sum())
        if count:
            console.print(f"  {count:>4} {what} (relax: {relax})")
    console.print(f"wrote {out}")


def _summary(title: str, part: pd.DataFrame) -> Table:
    """The sites of ``part``, one line each: site id, costs, price parts (EUR/MWh),
    power and why a site is excluded (in the words of :data:`siting.infeasible.RELAX`;
    the GeoJSON has every column and the full reason)."""
    from rich.table import Table

    from siting.infeasible import RELAX

    table = Table(title=title)
    columns = (
        "site",
        "cc",
        "EUR m/yr",
        "zone",
        "wholesale",
        "net+levies",
        "taxes",
        "price",
        "PUE",
        "grid MW",
        "ready",
        "max MW",
        "excluded",
    )
    for name in columns:
        table.add_column(
            name,
            justify="left" if name in ("site", "excluded") else "right",
            no_wrap=name in ("site", "zone"),
        )
    for site_id, row in part.iterrows():
        reason = str(row["excluded_reason"])
        why = ", ".join(w for phrase, (w, _) in RELAX.items() if phrase in reason)
        table.add_row(
            str(site_id),
            row["country"],
            f"{row['annual_cost_eur'] / 1e6:,.1f}",
            str(row["bidding_zone"]),
            f"{row['wholesale_eur_per_mwh']:.1f}",
            f"{row['network_eur_per_mwh'] + row['levies_eur_per_mwh']:.1f}",
            f"{row['taxes_eur_per_mwh']:.1f}",
            f"{row['price_eur_per_mwh']:.1f}",
            f"{row['pue']:.3f}",
            f"{row['grid_capacity_mw']:,.0f}",
            f"{row['grid_ready_year']:.0f}",
            f"{row['site_max_mw']:,.0f}",
            why or "-",
        )
    return table
