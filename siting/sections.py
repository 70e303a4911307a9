"""The sections of a scenario: one typed, validated model per table of ``default.toml``.

Each section forbids unknown fields and is frozen; :class:`siting.scenario.Scenario`
holds one of each. Ranges are checked here, so a bad value is refused with its field
named before any data is read.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from siting.eurostat import SEMESTER_PATTERN, PriceBand


class Section(BaseModel):
    """A frozen part of a scenario that refuses unknown fields."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=True)


class DataSettings(Section):
    """Where the data tables come from (paths relative to the scenario file), how far
    a point may lie outside its country, and what ``siting data fetch`` asks for."""

    dir: str = ""
    candidates: str = ""
    hubs: str = ""
    placement_tolerance_km: float = Field(ge=0, allow_inf_nan=False)
    price_band: PriceBand
    price_semester: str = Field(pattern=SEMESTER_PATTERN)


class Selection(Section):
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
    campuses_max: int = Field(default=1, ge=1, le=4)
    campus_max_rtt_ms: float = Field(default=10.0, gt=0)
    campus_min_share: float = Field(default=0.25, gt=0, le=1)
    campus_share_step: float = Field(default=0.05, gt=0, le=1)
    campus_overhead_eur_per_year: float = Field(default=0.0, ge=0, allow_inf_nan=False)

    @model_validator(mode="after")
    def _whole_steps(self) -> Selection:
        steps = 1 / self.campus_share_step
        if abs(steps - round(steps)) > 1e-9:
            raise ValueError(
                f"campus_share_step {self.campus_share_step:g} must divide 1 into "
                "whole steps (0.05, 0.1, 0.125, 0.25, ...)"
            )
        return self

    @field_validator("forced", "excluded", "countries")
    @classmethod
    def _once_each(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        repeated = sorted({v for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(
                f"names {', '.join(repeated)} more than once; list each once"
            )
        return values


class Objective(Section):
    """Weights of the objective."""

    latency_eur_per_researcher_ms_year: float = Field(ge=0, allow_inf_nan=False)


class Facility(Section):
    """The gigafactory being sited."""

    accelerators: int = Field(ge=1)
    rack_w_per_accelerator: float = Field(gt=0, allow_inf_nan=False)
    it_overhead_fraction: float = Field(ge=0, le=1)
    utilisation: float = Field(gt=0, le=1)
    lifetime_years: float = Field(gt=0, allow_inf_nan=False)
    discount_rate: float = Field(ge=0, lt=1)


class CountryOverride(Section):
    """Values that replace a country's row of ``countries.csv`` (EUR/MWh)."""

    price_eur_per_mwh: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    transmission_eur_per_mwh: float | None = Field(
        default=None, ge=0, allow_inf_nan=False
    )
    levies_eur_per_mwh: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    taxes_eur_per_mwh: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    water_stress: float | None = Field(default=None, ge=0, le=5)


class ZoneOverride(Section):
    """Values that replace a bidding zone's wholesale price (EUR/MWh) or carbon
    intensity (gCO2/kWh)."""

    wholesale_eur_per_mwh: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    carbon_g_per_kwh: float | None = Field(default=None, ge=0, allow_inf_nan=False)


class Energy(Section):
    """The price a very large buyer pays, and carbon (see ``siting.layers.energy``)."""

    price_basis: Literal["zonal", "band", "ppa"]
    ppa_share: float = Field(ge=0, le=1)
    ppa_technology: str
    ets_price_eur_per_t: float = Field(ge=0, allow_inf_nan=False)
    carbon_adder_eur_per_t: float = Field(ge=0, allow_inf_nan=False)


class CoolingTechnology(Section):
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


class Cooling(Section):
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


class Grid(Section):
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


class Sites(Section):
    """How large a facility each site can host (see ``siting.layers.site_size``)."""

    max_mw_by_kind: dict[str, float]
    default_max_mw: float = Field(gt=0, allow_inf_nan=False)


class Capex(Section):
    """Capital cost of building the facility (see ``siting.layers.capex``)."""

    include_land: bool
    land_ha_per_mw: float = Field(ge=0, allow_inf_nan=False)


class Connectivity(Section):
    """Fibre access to the backbone."""

    fibre_eur_per_km: float = Field(ge=0, allow_inf_nan=False)
    route_factor: float = Field(ge=1, allow_inf_nan=False)
    fibre_opex_share: float = Field(ge=0, le=1)


class Network(Section):
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


class SolverSettings(Section):
    """Which solver and how long it may run."""

    name: Literal["auto", "fast", "highs", "cbc"]
    time_limit_s: float = Field(gt=0)


class Spread(Section):
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


class Uncertainty(Section):
    """What ``siting robustness`` samples: the seed and one spread per input."""

    seed: int = Field(ge=0)
    electricity_price: Spread
    carbon_adder: Spread
    pue_overhead: Spread
    researchers: Spread
