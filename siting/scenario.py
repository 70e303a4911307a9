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
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from siting.encode import plain
from siting.errors import InputError
from siting.eurostat import PriceBand

DEFAULT_SCENARIO = Path(__file__).with_name("default.toml")


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=True)


class DataSettings(_Section):
    """Where the data tables come from (paths relative to the scenario file), how far
    a point may lie outside its country, and what ``siting data fetch`` asks for."""

    dir: str = ""
    candidates: str = ""
    hubs: str = ""
    placement_tolerance_km: float = Field(ge=0, allow_inf_nan=False)
    price_band: PriceBand
    price_semester: str = Field(pattern=r"^\d{4}-S[12]$")


class Selection(_Section):
    """How many sites, where, and the side constraints on them."""

    sites: int = Field(ge=1)
    per_country: int = Field(ge=1)
    min_separation_km: float = Field(ge=0, allow_inf_nan=False)
    max_rtt_ms: float = Field(gt=0)
    forced: tuple[str, ...] = ()
    excluded: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    include_cities: bool = False
    online_by_year: int = Field(default=0, ge=0)


class Objective(_Section):
    """Weights of the objective."""

    latency_eur_per_researcher_ms_year: float = Field(ge=0, allow_inf_nan=False)


class Facility(_Section):
    """The gigafactory being sited."""

    accelerators: int = Field(ge=1)
    rack_w_per_accelerator: float = Field(gt=0, allow_inf_nan=False)
    it_overhead_fraction: float = Field(ge=0, le=1)
    utilisation: float = Field(gt=0, le=1)
    lifetime_years: float = Field(gt=0, allow_inf_nan=False)
    discount_rate: float = Field(ge=0, lt=1)


class CountryOverride(_Section):
    """Values that replace a country's row of ``countries.csv``."""

    price_eur_per_mwh: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    carbon_g_per_kwh: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    water_stress: float | None = Field(default=None, ge=0, le=5)


class Energy(_Section):
    """Electricity and carbon prices."""

    carbon_price_eur_per_t: float = Field(ge=0, allow_inf_nan=False)


class CoolingTechnology(_Section):
    """PUE and water model of one cooling technology."""

    free_cooling_max_c: float = Field(allow_inf_nan=False)
    pue_free: float = Field(ge=1, allow_inf_nan=False)
    pue_mechanical: float = Field(ge=1, allow_inf_nan=False)
    wue_l_per_kwh: float = Field(ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _mechanical_not_better(self) -> CoolingTechnology:
        if self.pue_mechanical < self.pue_free:
            raise ValueError("pue_mechanical must be at least pue_free")
        return self


class Cooling(_Section):
    """Cooling technology and water."""

    technology: Literal["liquid", "air"]
    daily_swing_c: float = Field(ge=0, allow_inf_nan=False)
    liquid_air_share: float = Field(ge=0, le=1)
    water_price_eur_per_m3: float = Field(ge=0, allow_inf_nan=False)
    max_water_stress: float = Field(ge=0)
    water_stress_penalty: float = Field(ge=0, allow_inf_nan=False)
    liquid: CoolingTechnology
    air: CoolingTechnology

    @property
    def selected(self) -> CoolingTechnology:
        """Parameters of the chosen technology."""
        return self.liquid if self.technology == "liquid" else self.air

    @property
    def air_share(self) -> float:
        """Share of IT heat rejected by the air system: all of it in an air-cooled
        hall, ``liquid_air_share`` in a liquid-cooled one."""
        return 1.0 if self.technology == "air" else self.liquid_air_share


class Grid(_Section):
    """Grid connection model (see ``siting.layers.grid``)."""

    substation_radius_km: float = Field(gt=0, allow_inf_nan=False)
    max_connection_km: float = Field(gt=0)
    capacity_mw_by_kv: dict[str, float]
    plant_share: float = Field(ge=0, le=1)
    reinforcement_eur_per_mw: float = Field(ge=0, allow_inf_nan=False)
    line_eur_per_km: float = Field(ge=0, allow_inf_nan=False)
    base_year: int = Field(ge=2000, le=2100)
    connection_years: float = Field(ge=0, allow_inf_nan=False)
    reinforcement_years: float = Field(ge=0, allow_inf_nan=False)
    capacity_factor: float = Field(ge=0, le=1)
    delay_eur_per_mw_year: float = Field(ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _voltages(self) -> Grid:
        for kv, mw in self.capacity_mw_by_kv.items():
            try:
                ok = float(kv) > 0 and mw >= 0
            except ValueError:
                ok = False
            if not ok:
                raise ValueError(
                    f"capacity_mw_by_kv: key {kv!r} must be a voltage in kV and its "
                    "value a capacity >= 0 MW"
                )
        return self


class Sites(_Section):
    """How large a facility each site can host (see ``siting.layers.site_size``)."""

    max_mw_by_kind: dict[str, float]
    default_max_mw: float = Field(gt=0, allow_inf_nan=False)


class Capex(_Section):
    """Capital cost of building the facility (see ``siting.layers.capex``)."""

    include_land: bool
    land_ha_per_mw: float = Field(ge=0, allow_inf_nan=False)


class Connectivity(_Section):
    """Fibre access to the backbone."""

    fibre_eur_per_km: float = Field(ge=0, allow_inf_nan=False)
    route_factor: float = Field(ge=1, allow_inf_nan=False)
    fibre_opex_share: float = Field(ge=0, le=1)


class Network(_Section):
    """Parameters of the round-trip-time model, which predicts the median RTT (see
    :mod:`siting.network` and ``docs/network.md``; the values and their sources are in
    ``default.toml``).

    Attributes
    ----------
    fibre_us_per_km
        One-way propagation delay in single-mode fibre, microseconds per km.
    route_factor
        Fibre route length over great-circle length for backbone links without a
        published ``route_km`` (>= 1).
    hop_delay_ms
        Round-trip delay added per backbone link traversed, ms.
    access_delay_ms
        Round-trip delay at each end (metro and access network, site fabric, end
        host), ms.
    access_route_factor
        Access-link route length over great-circle distance to the PoP (>= 1).
    """

    fibre_us_per_km: float = Field(gt=0, allow_inf_nan=False)
    route_factor: float = Field(ge=1, allow_inf_nan=False)
    hop_delay_ms: float = Field(ge=0, allow_inf_nan=False)
    access_delay_ms: float = Field(ge=0, allow_inf_nan=False)
    access_route_factor: float = Field(ge=1, allow_inf_nan=False)


class SolverSettings(_Section):
    """Which solver and how long it may run."""

    name: Literal["auto", "fast", "highs", "cbc"]
    time_limit_s: float = Field(gt=0)


class Spread(_Section):
    """Distribution of a multiplicative factor on a nominal value (mean or mode 1).

    ``"normal"``: mean 1, standard deviation ``spread``, redrawn until positive;
    ``"triangular"``: from ``1 - spread`` to ``1 + spread`` with mode 1; ``"uniform"``:
    from ``1 - spread`` to ``1 + spread``. A spread of 0 fixes the factor at 1.
    """

    distribution: Literal["normal", "triangular", "uniform"]
    spread: float = Field(ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _positive(self) -> Spread:
        if self.distribution != "normal" and self.spread >= 1:
            raise ValueError("spread must be below 1 so that every factor is positive")
        return self


class Uncertainty(_Section):
    """What ``siting robustness`` samples: the seed and one spread per input."""

    seed: int = Field(ge=0)
    electricity_price: Spread
    carbon_price: Spread
    pue_overhead: Spread
    researchers: Spread


class Scenario(_Section):
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
    #: Where the scenario came from, for error messages (not part of its hash).
    origin: str = Field(default="default scenario", exclude=True)

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
        """Path of a ``data`` field (dir, candidates or hubs); None if empty."""
        value = getattr(self.data, field)
        return Path(value) if value else None

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
        if isinstance(value, str) and value:
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
            if error["type"] == "extra_forbidden":
                message = "unknown field; check its spelling against default.toml"
            else:
                message = f"{error['msg']} (got {error.get('input')!r})"
            lines.append(f"{source}: field '{field}': {message}")
        raise InputError("\n".join(lines)) from None
