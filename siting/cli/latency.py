"""``siting latency``: modelled round-trip time between two places; its validation."""

from __future__ import annotations

import json
import math
import sys
from dataclasses import asdict
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from siting.cli.options import data_options, scenario_from
from siting.errors import InputError, SitingError

if TYPE_CHECKING:
    import pandas as pd

    from siting.scenario import Network

MEASUREMENTS_FILE = "latency_measurements.csv"


@click.command("latency")
@click.argument("ends", nargs=-1, metavar="[FROM TO]")
@click.option(
    "--validate",
    is_flag=True,
    help=f"Compare the model with the measured RTTs of {MEASUREMENTS_FILE}.",
)
@click.option(
    "--calibrate",
    "fit",
    is_flag=True,
    help="Fit route_factor, hop_delay_ms and access_delay_ms on the calibration rows, "
    "then validate with the fitted values.",
)
@click.option(
    "--cut-link",
    "cut_links",
    multiple=True,
    metavar="A:B",
    help="Remove the backbone link between PoPs A and B (repeatable).",
)
@click.option(
    "--cut-pop",
    "cut_pops",
    multiple=True,
    metavar="NODE_ID",
    help="Remove a point of presence (repeatable).",
)
@data_options
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of text.")
def latency(
    ends: tuple[str, ...],
    validate: bool,
    fit: bool,
    cut_links: tuple[str, ...],
    cut_pops: tuple[str, ...],
    as_json: bool,
    **options: Any,
) -> None:
    """Print the modelled RTT (ms) and backbone path from FROM to TO.

    FROM and TO are each "lat,lon" (degrees), a site or hub id, or a site or hub name
    (ids first; your own with --candidates and --hubs, in any format). The
    network parameters are the scenario's [network] table. With --validate, print
    model against measurement for every pair of the measurement table and the median
    absolute percentage error.
    """
    if validate or fit:
        if ends:
            raise click.UsageError("give either FROM TO or --validate, not both")
    elif len(ends) != 2:
        raise click.UsageError("give FROM and TO (or --validate)")
    from siting.data import read_table
    from siting.data.dataset import table_paths
    from siting.network import backbone_graph, calibrate, rtt_path, validation_table

    try:
        scenario = scenario_from(options)
        paths = table_paths(
            scenario.data_path("dir"),
            candidates=scenario.data_path("candidates"),
            hubs=scenario.data_path("hubs"),
        )
        params = scenario.network
        nodes = read_table(paths["backbone_nodes"], "backbone_nodes")
        links = read_table(paths["backbone_links"], "backbone_links")
        removed = [_link(text) for text in cut_links]
        if validate or fit:
            folder = paths["sources"].parent
            measurements = _measurements(folder / MEASUREMENTS_FILE)
            if fit:
                params = calibrate(nodes, links, measurements, params=params)
            graph = backbone_graph(
                nodes,
                links,
                params=params,
                removed_nodes=cut_pops,
                removed_links=removed,
            )
            table = validation_table(graph, measurements, params=params)
            _print_validation(table, params, fitted=fit, as_json=as_json)
            return
        graph = backbone_graph(
            nodes, links, params=params, removed_nodes=cut_pops, removed_links=removed
        )
        points = [_place(text, paths) for text in ends]
        route = rtt_path(graph, points[0][1], points[1][1], params=params)
    except SitingError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(2)
    names = {node: graph.nodes[node]["name"] for node in route.nodes}
    if as_json:
        payload = {
            "from": {
                "name": points[0][0],
                "lat": points[0][1][0],
                "lon": points[0][1][1],
            },
            "to": {
                "name": points[1][0],
                "lat": points[1][1][0],
                "lon": points[1][1][1],
            },
            **asdict(route),
            "node_names": [names[n] for n in route.nodes],
            "params": params.model_dump(),
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(f"{points[0][0]} -> {points[1][0]}: {route.rtt_ms:.1f} ms round trip")
    click.echo(
        f"fibre: access {route.access_km[0]:.0f} km + backbone "
        f"{route.backbone_km:.0f} km + access {route.access_km[1]:.0f} km, "
        f"{len(route.nodes) - 1} backbone hop(s)"
    )
    click.echo("path: " + " -> ".join(f"{n} ({names[n]})" for n in route.nodes))


def _link(text: str) -> tuple[str, str]:
    parts = text.split(":")
    if len(parts) != 2 or not all(parts):
        raise click.BadParameter(
            f"{text!r}: write a link as A:B", param_hint="--cut-link"
        )
    return parts[0], parts[1]


def _place(text: str, paths: dict[str, Path]) -> tuple[str, tuple[float, float]]:
    """Resolve FROM/TO: "lat,lon", a site or hub id, else a site or hub name."""
    from siting.data import read_table

    parts = text.split(",")
    if len(parts) == 2:
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            lat = lon = math.nan
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return text, (lat, lon)
    tables = [
        read_table(paths[table], table)
        for table in ("candidates", "hubs")
        if paths[table].is_file()
    ]
    # an id of either table first, so that a hub id is not taken for a site's name
    for by_name in (False, True):
        for frame in tables:
            if by_name:
                match = frame[frame["name"].str.casefold() == text.casefold()]
            else:
                match = frame[frame.index == text]
            if len(match):
                row = match.iloc[0]
                return f"{match.index[0]} ({row['name']})", (
                    float(row["lat"]),
                    float(row["lon"]),
                )
    raise InputError(
        f"{text!r} is neither 'lat,lon' (degrees), a site id or name of "
        f"{paths['candidates'].name} nor a hub id or name of {paths['hubs'].name}; "
        "check the spelling"
    )


def _measurements(path: Path) -> pd.DataFrame:
    import pandas as pd

    if not path.is_file():
        raise InputError(f"{path}: file not found; it holds the measured RTTs")
    frame = pd.read_csv(path, encoding="utf-8")
    needed = ("pair_id", "from_name", "from_lat", "from_lon", "to_name", "to_lat")
    missing = [c for c in (*needed, "to_lon", "rtt_ms") if c not in frame.columns]
    if missing:
        raise InputError(f"{path}: missing column(s) {', '.join(missing)}")
    return frame


def _print_validation(
    table: pd.DataFrame, params: Network, *, fitted: bool, as_json: bool
) -> None:
    errors = table["error_pct"].abs()
    summary = {
        "median_abs_pct_error": {
            split: float(errors[table["split"] == split].median())
            for split in ("calibration", "validation")
        }
        | {"all": float(errors.median())},
        "pairs": len(table),
        "params": params.model_dump(),
        "fitted": fitted,
    }
    if as_json:
        rows = table.reset_index().to_dict(orient="records")
        click.echo(json.dumps({**summary, "rows": rows}, indent=2))
        return
    click.echo(
        f"{'pair':>4}  {'from':<18} {'to':<18} {'measured':>8} {'model':>7} "
        f"{'error':>7}  split"
    )
    for pair_id, row in table.iterrows():
        click.echo(
            f"{pair_id:>4}  {row['from_name']:<18.18} {row['to_name']:<18.18} "
            f"{row['measured_ms']:>6.1f}ms {row['model_ms']:>5.1f}ms "
            f"{row['error_pct']:>+6.1f}%  {row['split']}"
        )
    label = "fitted" if fitted else "scenario"
    click.echo(
        f"parameters ({label}): "
        + ", ".join(f"{k}={v:g}" for k, v in params.model_dump().items())
    )
    for split, value in summary["median_abs_pct_error"].items():
        click.echo(f"median absolute percentage error, {split}: {value:.1f}%")
