"""The ``siting`` command line: each command parses options, calls the library, prints.

A user's mistake (:class:`~siting.errors.SitingError`) is printed without a traceback
and exits with status 2; Ctrl-C exits with status 130. The command modules import only
click and light modules when loaded (the library inside the command bodies), so
``siting --help`` and every command's ``--help`` load no pandas, numpy, solver,
geopandas or plotting library (tests/test_cli_help.py, benchmarks/cli_help.py).
"""

from __future__ import annotations

import click

from siting.errors import SitingError


class _Group(click.Group):
    """A command group that turns the package's errors into exit statuses."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except SitingError as exc:
            click.secho(f"Error: {exc}", err=True, fg="red")
            ctx.exit(2)
        except KeyboardInterrupt:
            click.echo("Interrupted: nothing was written.", err=True)
            ctx.exit(130)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="siting")
def main() -> None:
    """Choose sites for the EU's AI gigafactories."""


def _register() -> None:
    from siting.cli.analysis import alternatives, pareto, robustness
    from siting.cli.check import check
    from siting.cli.data import data
    from siting.cli.latency import latency
    from siting.cli.layers import layers
    from siting.cli.optimise import optimise

    main.add_command(optimise)
    main.add_command(check)
    main.add_command(data)
    main.add_command(latency)
    main.add_command(layers)
    main.add_command(pareto)
    main.add_command(alternatives)
    main.add_command(robustness)


def command_paths(group: click.Group | None = None) -> list[tuple[str, ...]]:
    """Every command and subcommand as its words, e.g. ``("data", "check")``; the
    groups themselves too (``()`` is ``siting`` itself)."""
    group = main if group is None else group
    paths: list[tuple[str, ...]] = [()]
    for name in sorted(group.commands):
        command = group.commands[name]
        if isinstance(command, click.Group):
            paths += [(name, *path) for path in command_paths(command)]
        else:
            paths.append((name,))
    return paths


_register()
