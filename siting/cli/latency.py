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

    from siting.sections import Network


@click.command("latency")
@click.argument("ends", nargs=-1, metavar="[FROM TO]")
@click.option(
    "--validate",
    is_flag=True,
    help="Leave-one-source-out validation on the measured median RTTs: for each "
    "source, calibrate on the others and compare model and rule of thumb on it.",
)
@click.option(
    "--calibrate",
    "fit",
    is_flag=True,
    help="Fit route_factor, hop_delay_ms, access_route_factor and access_delay_ms on "
    "every measured median RTT and print them with the in-sample errors.",
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
    """Print the modelled median RTT (ms) and backbone path from FROM to TO.

    FROM and TO are each "lat,lon" (degrees), a site or hub id, or a site or hub name
    (ids first; your own with --candidates and --hubs, in any format). The
    network parameters are the scenario's [network] table. The model predicts the
    median round-trip time (docs/network.md). --validate and --calibrate read the
    measured RTTs of latency_measurements.csv in the data folder.
    """
    if validate or fit:
        if ends:
            raise click.UsageError("give either FROM TO or --validate/--calibrate")
        if cut_links or cut_pops:
            raise click.UsageError(
                "--cut-link and --cut-pop apply to FROM TO, not to --validate or "
                "--calibrate"
            )
    elif len(ends) != 2:
        raise click.UsageError("give FROM and TO (or --validate, --calibrate)")
    from siting.data import MEASUREMENTS_FILE, read_table
    from siting.data.dataset import table_paths
    from siting.network import backbone_graph, rtt_path

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
        if validate or fit:
            measured = read_table(
                paths["sources"].parent / MEASUREMENTS_FILE, "latency_measurements"
            )
            payload = _evaluate(nodes, links, measured, params, fit=fit)
            _print_evaluation(payload, as_json=as_json)
            return
        removed = [_link(text) for text in cut_links]
        graph = backbone_graph(
            nodes, links, params=params, removed_nodes=cut_pops, removed_links=removed
        )
        named = {t for t in ("candidates", "hubs") if scenario.data_path(t)}
        tolerance = scenario.data.placement_tolerance_km
        points = [_place(text, paths, named, tolerance) for text in ends]
        route = rtt_path(graph, points[0][1], points[1][1], params=params)
    except SitingError as exc:  # as the command group does, for direct callers
        click.secho(f"Error: {exc}", err=True, fg="red")
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
            "statistic": "median",
            **asdict(route),
            "node_names": [names[n] for n in route.nodes],
            "params": params.model_dump(),
        }
        click.echo(json.dumps(payload, indent=2))
        return
    click.echo(
        f"{points[0][0]} -> {points[1][0]}: {route.rtt_ms:.1f} ms round trip "
        "(modelled median)"
    )
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


def _place(
    text: str, paths: dict[str, Path], named: set[str], tolerance_km: float
) -> tuple[str, tuple[float, float]]:
    """Resolve FROM/TO: "lat,lon", a site or hub id, else a site or hub name;
    ``named`` holds the tables the user gave as files (``candidates``, ``hubs``).
    Every site and hub must lie in its country (within ``tolerance_km``) when the
    data folder has the country outlines, as for every other command."""
    from siting.data import read_table
    from siting.data.outlines import OUTLINES_FILE, placement_problems, read_outlines

    parts = text.split(",")
    if len(parts) == 2:
        try:
            lat, lon = float(parts[0]), float(parts[1])
        except ValueError:
            lat = lon = math.nan
        if -90 <= lat <= 90 and -180 <= lon <= 180:
            return text, (lat, lon)
    # a data folder may lack them, but a file the user named must be there
    tables = {
        table: read_table(paths[table], table)
        for table in ("candidates", "hubs")
        if paths[table].is_file() or table in named
    }
    outlines = paths["sources"].parent / OUTLINES_FILE
    if outlines.is_file():
        shapes = read_outlines(outlines)
        problems = [
            problem
            for table, frame in tables.items()
            for problem in placement_problems(
                frame, shapes, paths[table], tolerance_km=tolerance_km
            )
        ]
        if problems:
            raise InputError("\n".join(problems))
    # an id of either table first, so that a hub id is not taken for a site's name
    for by_name in (False, True):
        for frame in tables.values():
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


def _evaluate(
    nodes: pd.DataFrame,
    links: pd.DataFrame,
    measured: pd.DataFrame,
    params: Network,
    *,
    fit: bool,
) -> dict[str, Any]:
    """The figures of --validate (leave one source out) or --calibrate (fit on all)."""
    from siting.network import (
        TARGETS,
        backbone_graph,
        calibrate,
        leave_one_source_out,
        median_pairs,
        source_table,
    )

    rows = median_pairs(measured)
    payload: dict[str, Any] = {
        "statistic": "median",
        "pairs": len(rows),
        "pairs_not_median": len(measured) - len(rows),
        "rule_of_thumb": "rtt = 2 * 2.1 * great-circle km * fibre_us_per_km / 1000",
    }
    if fit:
        params = calibrate(nodes, links, rows, params=params)
        payload["fitted_params"] = params.model_dump()
    else:
        folds = leave_one_source_out(nodes, links, rows, params=params)
        payload["targets"] = asdict(TARGETS)
        payload["leave_one_source_out"] = _records(folds)
        payload["params"] = params.model_dump()
    graph = backbone_graph(nodes, links, params=params)
    payload["in_sample"] = _records(source_table(graph, rows, params=params))
    return payload


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {"source_group": group, **row}
        for group, row in table.to_dict(orient="index").items()
    ]


def _print_evaluation(payload: dict[str, Any], *, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(payload, indent=2, default=_plain))
        return
    click.echo(
        f"{payload['pairs']} measured median RTTs "
        f"({payload['pairs_not_median']} rows with another statistic not used); "
        f"rule of thumb: {payload['rule_of_thumb']}"
    )
    if "leave_one_source_out" in payload:
        targets = payload["targets"]
        click.echo(
            "\nleave one source out (calibrated on the other sources; errors in %, "
            f"targets: median |error| <= {targets['median_abs_pct']:g}, "
            f"|median error| <= {targets['median_signed_pct']:g}, better than the rule)"
        )
        _print_rows(payload["leave_one_source_out"], verdict=True)
        click.echo("\nin sample, the scenario's parameters:")
    else:
        fitted = payload["fitted_params"]
        click.echo(
            "fitted on every median pair: "
            + ", ".join(f"{k} = {v:g}" for k, v in fitted.items())
        )
        click.echo("\nin sample, the fitted parameters:")
    _print_rows(payload["in_sample"], verdict=False)


def _print_rows(rows: list[dict[str, Any]], *, verdict: bool) -> None:
    click.echo(
        f"{'source':<15} {'pairs':>5}   {'model: |err| med':>16} {'err med':>7} "
        f"{'|err| p90':>9}   {'rule: |err| med':>15} {'err med':>7} {'|err| p90':>9}"
        + ("   targets" if verdict else "")
    )
    for row in rows:
        figures = [
            f"{row[f'{who}_median_abs_pct']:>{width}.1f} "
            f"{row[f'{who}_median_signed_pct']:>+7.1f} "
            f"{row[f'{who}_p90_abs_pct']:>9.1f}"
            for who, width in (("model", 16), ("rule", 15))
        ]
        line = f"{row['source_group']:<15} {row['pairs']:>5}   " + "   ".join(figures)
        if verdict:
            line += "   " + ("met" if row["meets_targets"] else "not met")
        click.echo(line)


def _plain(value: Any) -> Any:
    """numpy scalars for json.dumps."""
    return value.item()
