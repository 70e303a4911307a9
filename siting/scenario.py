"""The scenario: every knob of a run, read from TOML and validated into typed objects.

The packaged ``default.toml`` holds every field with its default and source; a user's
file overrides any subset of it. Unknown or ill-typed fields raise
:class:`~siting.errors.InputError` naming the file, the field and the fix.
"""

from __future__ import annotations

import hashlib
import json
import tomllib
from pathlib import Path
from typing import Any

from pydantic import Field, ValidationError, model_validator

from siting.encode import plain
from siting.errors import InputError
from siting.sections import (
    Capex,
    Connectivity,
    Cooling,
    CountryOverride,
    DataSettings,
    Energy,
    Facility,
    Grid,
    Network,
    Objective,
    Section,
    Selection,
    Sites,
    SolverSettings,
    Uncertainty,
    ZoneOverride,
)

DEFAULT_SCENARIO = Path(__file__).with_name("default.toml")
#: The fields of ``[data]`` that are paths (relative ones are read from the scenario's
#: folder); the others (price_band, price_semester, ...) are not.
DATA_PATHS = ("dir", "candidates", "hubs")


class Scenario(Section):
    """A fully resolved scenario; build it with :func:`load_scenario`."""

    data: DataSettings
    selection: Selection
    objective: Objective
    facility: Facility
    energy: Energy
    cooling: Cooling
    grid: Grid
    sites: Sites
    capex: Capex
    connectivity: Connectivity
    network: Network
    solver: SolverSettings
    uncertainty: Uncertainty
    country_overrides: dict[str, CountryOverride] = {}
    zone_overrides: dict[str, ZoneOverride] = {}
    #: Where the scenario came from, for error messages (not part of its hash).
    origin: str = Field(default="default scenario", exclude=True)

    @model_validator(mode="after")
    def _price_override_has_an_effect(self) -> Scenario:
        if self.energy.price_basis == "band":
            return self
        codes = [
            code
            for code, override in self.country_overrides.items()
            if override.price_eur_per_mwh is not None
        ]
        if codes:
            raise ValueError(
                f"field 'country_overrides.{codes[0]}.price_eur_per_mwh': the band "
                f"price is not used with energy.price_basis = "
                f"{self.energy.price_basis!r}; set zone_overrides.<zone>."
                "wholesale_eur_per_mwh (or the country's transmission, levies, "
                "taxes), or price_basis = 'band'"
            )
        return self

    def to_dict(self) -> dict[str, Any]:
        """The scenario as JSON-ready data (infinity written as the string "inf")."""
        document: dict[str, Any] = plain(self.model_dump(mode="python"))
        return document

    @property
    def sha256(self) -> str:
        """SHA-256 of the canonical JSON of the scenario."""
        text = json.dumps(self.to_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()

    def data_path(self, field: str) -> Path | None:
        """Path of a ``data`` field (dir, candidates or hubs); None if empty.

        Raises
        ------
        InputError
            If the field names a file or folder that does not exist.
        """
        value = getattr(self.data, field)
        if not value:
            return None
        path = Path(value)
        if not path.exists():
            raise InputError(
                f"{self.origin}: field 'data.{field}': {path} does not exist; give "
                "an existing path (a relative one is read from the scenario's folder)"
            )
        return path

    def with_overrides(self, overrides: dict[str, Any]) -> Scenario:
        """A copy with dotted overrides applied, e.g. ``{"selection.sites": 3}``."""
        tree = {**self.model_dump(mode="python"), "origin": self.origin}
        for dotted, value in overrides.items():
            node = tree
            *parents, leaf = dotted.split(".")
            for key in parents:
                node = node[key]
            node[leaf] = value
        return validate_scenario(tree, "command-line options")


def load_scenario(path: Path | str | None = None, **overrides: Any) -> Scenario:
    """Read the default scenario, apply a user's TOML file and dotted overrides.

    Parameters
    ----------
    path
        A user's scenario file; only the fields it names replace the defaults.
    **overrides
        Dotted field names with ``.`` written as ``__``, e.g. ``selection__sites=3``.

    Raises
    ------
    InputError
        If the file cannot be read or a field is unknown, ill-typed or out of range.
    """
    tree = _read_toml(DEFAULT_SCENARIO)
    source = "default scenario"
    if path is not None:
        path = Path(path)
        user = _read_toml(path)
        _absolute_data_paths(user, path.resolve().parent)
        _merge(tree, user)
        source = str(path)
    tree["origin"] = source
    scenario = validate_scenario(tree, source)
    if overrides:
        scenario = scenario.with_overrides(
            {key.replace("__", "."): value for key, value in overrides.items()}
        )
    return scenario


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise InputError(f"{path}: scenario file not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{path}: not valid TOML ({exc}); fix the syntax") from None
    except UnicodeDecodeError:
        raise InputError(
            f"{path}: not UTF-8 text; save the scenario as UTF-8"
        ) from None


def _absolute_data_paths(user: dict[str, Any], folder: Path) -> None:
    """Make the user's relative ``data`` paths absolute, against ``folder``."""
    data = user.get("data")
    if not isinstance(data, dict):
        return
    for key, value in data.items():
        if key in DATA_PATHS and isinstance(value, str) and value:
            data[key] = str((folder / Path(value).expanduser()).resolve())


def _merge(base: dict[str, Any], user: dict[str, Any]) -> None:
    """Overlay ``user`` onto ``base`` in place; unknown keys fail validation later."""
    for key, value in user.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value


def validate_scenario(tree: dict[str, Any], source: str) -> Scenario:
    """Validate a scenario tree (as read from TOML or result.json); ``source`` names it
    in error messages."""
    try:
        return Scenario.model_validate(tree)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            field = ".".join(str(part) for part in error["loc"])
            if not error["loc"]:  # a rule across fields: its message names them
                lines.append(f"{source}: {error['msg'].removeprefix('Value error, ')}")
                continue
            if error["type"] == "extra_forbidden":
                message = "unknown field; check its spelling against default.toml"
            else:
                message = f"{error['msg']} (got {error.get('input')!r})"
            lines.append(f"{source}: field '{field}': {message}")
        raise InputError("\n".join(lines)) from None
