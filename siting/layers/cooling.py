"""Cooling layer: free-cooling hours, PUE and water use from each site's climate.

Model. Within a month the air temperature swings around the monthly mean ``T_m`` as a
sinusoid of peak-to-trough amplitude ``s`` (``daily_swing_c``). The share of the month's
hours at or below a cooling loop's free-cooling limit ``T_max`` is then
``0.5 + arcsin(z) / pi`` with ``z = (T_max - T_m) / (s / 2)`` clipped to [-1, 1], and
the annual free-cooling share ``f`` weighs the months by their hours. For one loop

    PUE_loop(f)   = pue_free * f + pue_mechanical * (1 - f)
    water_loop(f) = IT energy (MWh/yr) * WUE (L/kWh) * (1 - f)   [m3/yr]

since chillers and evaporative assist run only in the hours without free cooling (1 MWh
= 1,000 kWh and 1 m3 = 1,000 L cancel). An air-cooled hall is one air loop. A liquid-
cooled hall removes ``1 - a`` of the IT heat through its warm-water loop and ``a``
(``liquid_air_share``) through an air loop, so

    PUE   = (1 - a) * PUE_liquid(f_liquid) + a * PUE_air(f_air)
    water = (1 - a) * water_liquid(f_liquid) + a * water_air(f_air)

The water cost is the water volume times the water price times
``1 + water_stress_penalty * stress`` with the country's Aqueduct category; sites in
countries above ``max_water_stress`` are excluded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from siting.data import MONTH_COLUMNS
from siting.geo import distance_matrix_km, nearest
from siting.layers.facility import HOURS_PER_YEAR, it_energy_mwh_per_year
from siting.scenario import Scenario
from siting.sections import CoolingTechnology

DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=float)


def cooling_layer(
    candidates: pd.DataFrame,
    climate: pd.DataFrame,
    countries: pd.DataFrame,
    scenario: Scenario,
) -> pd.DataFrame:
    """Cooling quantities per site.

    Returns
    -------
    DataFrame indexed by ``site_id`` with ``climate_station``, ``climate_station_km``,
    ``mean_temp_c``, ``free_cooling_hours`` (of the hall's main loop), ``pue``,
    ``water_m3_per_year``, ``water_stress``, ``water_eur_per_year`` and
    ``water_excluded`` (bool).
    """
    distance = distance_matrix_km(
        candidates["lat"], candidates["lon"], climate["lat"], climate["lon"]
    )
    closest, station_km = nearest(distance)
    monthly = climate[list(MONTH_COLUMNS)].to_numpy()[closest]
    cooling = scenario.cooling
    it_energy = it_energy_mwh_per_year(scenario.facility)
    main = free_cooling_share(
        monthly, cooling.selected.free_cooling_max_c, cooling.daily_swing_c
    )
    air = free_cooling_share(
        monthly, cooling.air.free_cooling_max_c, cooling.daily_swing_c
    )
    a = cooling.air_share
    main_pue, main_water = _loop(cooling.selected, main, it_energy)
    air_pue, air_water = _loop(cooling.air, air, it_energy)
    pue = (1.0 - a) * main_pue + a * air_pue
    water = (1.0 - a) * main_water + a * air_water
    stress = candidates["country"].map(countries["water_stress"]).to_numpy(float)
    water_cost = (
        water
        * cooling.water_price_eur_per_m3
        * (1.0 + cooling.water_stress_penalty * stress)
    )
    return pd.DataFrame(
        {
            "climate_station": climate.index.to_numpy()[closest],
            "climate_station_km": station_km,
            "mean_temp_c": monthly @ DAYS_IN_MONTH / DAYS_IN_MONTH.sum(),
            "free_cooling_hours": main * HOURS_PER_YEAR,
            "pue": pue,
            "water_m3_per_year": water,
            "water_stress": stress,
            "water_eur_per_year": water_cost,
            "water_excluded": stress > cooling.max_water_stress,
        },
        index=candidates.index,
    )


def free_cooling_share(
    monthly_c: np.ndarray, limit_c: float, swing_c: float
) -> np.ndarray:
    """Share of the year's hours at or below ``limit_c`` (0-1), one value per row.

    Parameters
    ----------
    monthly_c
        Monthly mean air temperatures (degrees C), shape (n, 12).
    limit_c
        Highest air temperature at which the loop cools without chillers (degrees C).
    swing_c
        Peak-to-trough daily swing around the monthly mean (degrees C).
    """
    monthly_c = np.atleast_2d(np.asarray(monthly_c, dtype=float))
    half = swing_c / 2.0
    if half == 0:
        below = (monthly_c <= limit_c).astype(float)
    else:
        z = np.clip((limit_c - monthly_c) / half, -1.0, 1.0)
        below = 0.5 + np.arcsin(z) / np.pi
    return below @ DAYS_IN_MONTH / DAYS_IN_MONTH.sum()


def _loop(
    technology: CoolingTechnology, share: np.ndarray, it_energy_mwh: float
) -> tuple[np.ndarray, np.ndarray]:
    """PUE and water (m3/yr) of one cooling loop carrying all the IT heat."""
    pue = technology.pue_free * share + technology.pue_mechanical * (1.0 - share)
    water = it_energy_mwh * technology.wue_l_per_kwh * (1.0 - share)
    return pue, water
