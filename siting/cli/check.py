"""``siting check DIR``: re-verify a result independently of the solver."""

from __future__ import annotations

from pathlib import Path

import click


@click.command()
@click.argument(
    "out_dir", type=click.Path(exists=True, file_okay=False, path_type=Path)
)
def check(out_dir: Path) -> None:
    """Check that OUT_DIR/result.json and the assignment recorded in hubs.geojson (or
    result.gpkg) hold: constraints, nearest sites, objective, costs, hashes.

    Exits 0 when the result holds and 1 when a problem is found.
    """
    from siting.check import check_result

    report = check_result(out_dir)
    for note in report.notes:
        click.echo(f"note: {note}")
    for problem in report.problems:
        click.echo(f"problem: {problem}")
    if not report.ok:
        click.echo(f"{out_dir}: {len(report.problems)} problem(s) found")
        raise SystemExit(1)
    click.echo(
        f"{out_dir}: OK - every constraint holds and the objective "
        f"(EUR {report.objective / 1e6:,.3f} m/yr) matches the inputs"
    )
