"""The command line's shared options, written once, and the scenario they build.

Every command that reads data takes :func:`data_options` (``--scenario``,
``--candidates``, ``--hubs``, ``--data-dir``); commands that solve add
:func:`solve_options` (``--sites``, ``--per-country``, ``--solver``,
``--time-limit``); commands that write a folder add :func:`out_options` (``--out``,
``--force``, ``-q``). :func:`scenario_from` turns the parsed values into the resolved
scenario. This module imports only click, so ``--help`` stays fast.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from siting.scenario import Scenario

F = TypeVar("F", bound=Callable[..., Any])


class NumberRange(click.FloatRange):
    """:class:`click.FloatRange` that also refuses NaN, which click lets through
    (every comparison with NaN is false)."""

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        """The number of ``value``; fails on NaN as on a number out of range."""
        number = super().convert(value, param, ctx)
        if math.isnan(number):
            self.fail(f"{value!r} is not a number.", param, ctx)
        return number


FILE = click.Path(exists=True, dir_okay=False, path_type=Path)
FOLDER = click.Path(exists=True, file_okay=False, path_type=Path)
SOLVER_NAMES = ("auto", "fast", "highs", "cbc")


def data_options(command: F) -> F:
    """``--scenario``, ``--candidates``, ``--hubs`` and ``--data-dir``."""
    return _apply(
        command,
        click.option(
            "--scenario",
            "scenario_file",
            type=FILE,
            help="Scenario TOML overriding the packaged default.toml.",
        ),
        click.option(
            "--candidates",
            type=FILE,
            help="Your own candidate sites: CSV with lat/lon, GeoJSON, GeoPackage, "
            "zipped Shapefile or any vector file GDAL reads (docs/data.md).",
        ),
        click.option(
            "--hubs",
            type=FILE,
            help="Your own research hubs, in the same formats; weighted by their "
            "'researchers' column, else by 'population' (docs/data.md).",
        ),
        click.option(
            "--data-dir",
            type=FOLDER,
            help="Folder of data tables replacing the packaged default data.",
        ),
    )


def solve_options(command: F) -> F:
    """``--sites``, ``--per-country``, ``--solver`` and ``--time-limit``."""
    return _apply(
        command,
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
            type=click.Choice(SOLVER_NAMES),
            help="Solver backend (default: the scenario's, 'auto').",
        ),
        click.option(
            "--time-limit",
            type=NumberRange(min=0, min_open=True),
            help="Seconds per solve; the best solution found is returned, marked.",
        ),
    )


def out_options(command: F) -> F:
    """``--out`` (a folder), ``--force`` and ``-q/--quiet``."""
    return _apply(
        command,
        click.option(
            "--out",
            "out_dir",
            required=True,
            type=click.Path(path_type=Path),
            help="Folder for the output files.",
        ),
        click.option(
            "--force",
            is_flag=True,
            help="Replace the previous outputs in --out (never files siting did not "
            "write).",
        ),
        click.option("-q", "--quiet", is_flag=True, help="Print nothing but errors."),
    )


def scenario_from(options: dict[str, Any]) -> Scenario:
    """The scenario of a command's parsed options.

    Reads ``--scenario`` (or the default) and applies every other option that was
    given: data paths (made absolute), ``--sites``, ``--per-country``, ``--solver``
    and ``--time-limit``.

    Raises
    ------
    siting.errors.InputError
        If the scenario file or an option value is invalid.
    """
    from siting.scenario import load_scenario

    overrides = {
        "selection.sites": options.get("sites"),
        "selection.per_country": options.get("per_country"),
        "solver.name": options.get("solver"),
        "solver.time_limit_s": options.get("time_limit"),
        "data.candidates": _absolute(options.get("candidates")),
        "data.hubs": _absolute(options.get("hubs")),
        "data.dir": _absolute(options.get("data_dir")),
    }
    scenario = load_scenario(options.get("scenario_file"))
    chosen = {key: value for key, value in overrides.items() if value is not None}
    return scenario.with_overrides(chosen) if chosen else scenario


def _absolute(path: Path | None) -> str | None:
    return None if path is None else str(Path(path).resolve())


def _apply(command: F, *options: Callable[[F], F]) -> F:
    for option in reversed(options):
        command = option(command)
    return command
