import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.data import MONTH_COLUMNS
from siting.layers.cooling import cooling_layer, free_cooling_share
from siting.layers.facility import it_energy_mwh_per_year
from siting.scenario import load_scenario
from tests.conftest import TOLERANCE_KM


def test_free_cooling_share_hand_cases():
    at_limit = np.full((1, 12), 20.0)
    assert free_cooling_share(at_limit, 20.0, 8.0)[0] == pytest.approx(0.5)
    assert free_cooling_share(at_limit - 10, 20.0, 8.0)[0] == pytest.approx(1.0)
    assert free_cooling_share(at_limit + 10, 20.0, 8.0)[0] == pytest.approx(0.0)
    # 2 K below the limit with a 8 K swing: 0.5 + arcsin(0.5) / pi = 2/3 of the hours
    assert free_cooling_share(at_limit - 2, 20.0, 8.0)[0] == pytest.approx(2 / 3)
    # no swing: a step at the limit
    months = np.array([[10.0] * 6 + [25.0] * 6])
    days = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31])
    expected = days[:6].sum() / 365
    assert free_cooling_share(months, 20.0, 0.0)[0] == pytest.approx(expected)


monthly = st.lists(st.floats(-30, 45), min_size=12, max_size=12)


def _pue(temps, swing, technology):
    scenario = load_scenario(
        cooling__technology=technology, cooling__daily_swing_c=swing
    )
    site = pd.DataFrame(
        {"lat": [50.0], "lon": [10.0], "country": ["AA"]},
        index=pd.Index(["s"], name="site_id"),
    )
    climate = pd.DataFrame(
        [[50.0, 10.0, *temps]],
        columns=["lat", "lon", *MONTH_COLUMNS],
        index=pd.Index(["st"], name="station_id"),
    )
    countries = pd.DataFrame({"water_stress": [1.0]}, index=pd.Index(["AA"]))
    return cooling_layer(site, climate, countries, scenario).at["s", "pue"]


@settings(max_examples=150, deadline=None)
@given(monthly, st.floats(0, 10), st.floats(0, 20), st.sampled_from(["air", "liquid"]))
def test_a_hotter_climate_never_lowers_pue(temps, warming, swing, technology):
    cool = _pue(temps, swing, technology)
    hot = _pue([t + warming for t in temps], swing, technology)
    assert hot >= cool - 1e-12


def test_layer_columns_and_water(tiny_dir):
    from siting.data import load_dataset

    dataset = load_dataset(tiny_dir, tolerance_km=TOLERANCE_KM)
    scenario = load_scenario(cooling__technology="air")
    table = cooling_layer(
        dataset.candidates, dataset.climate, dataset.countries, scenario
    )
    assert table.index.equals(dataset.candidates.index)
    air = scenario.cooling.air
    assert table["pue"].between(air.pue_free, air.pue_mechanical).all()
    # Madrid is hotter than Kajaani: higher PUE, fewer free-cooling hours
    assert table.at["es-madrid", "pue"] > table.at["fi-kajaani", "pue"]
    assert table.at["es-madrid", "climate_station"] == "madrid"
    share = table["free_cooling_hours"] / 8760
    water = it_energy_mwh_per_year(scenario.facility) * air.wue_l_per_kwh * (1 - share)
    pd.testing.assert_series_equal(table["water_m3_per_year"], water, check_names=False)
    # Spain's stress category 3 costs 1 + 0.5 * 3 = 2.5 times the plain water price
    madrid = table.loc["es-madrid"]
    assert madrid["water_eur_per_year"] == pytest.approx(
        madrid["water_m3_per_year"] * scenario.cooling.water_price_eur_per_m3 * 2.5
    )


def test_water_stress_excludes_above_the_limit(tiny_dir):
    from siting.data import load_dataset

    dataset = load_dataset(tiny_dir, tolerance_km=TOLERANCE_KM)
    scenario = load_scenario(cooling__max_water_stress=2)
    table = cooling_layer(
        dataset.candidates, dataset.climate, dataset.countries, scenario
    )
    assert set(table.index[table["water_excluded"]]) == {"es-barcelona", "es-madrid"}


def test_liquid_hall_mixes_its_water_loop_and_air_loop():
    # 25 C all year with no swing: the warm-water loop (limit 30 C) is always free,
    # the air loop (limit 20 C) never is.
    temps = [25.0] * 12
    scenario = load_scenario(cooling__daily_swing_c=0.0)
    liquid, air = scenario.cooling.liquid, scenario.cooling.air
    a = scenario.cooling.liquid_air_share
    expected = (1 - a) * liquid.pue_free + a * air.pue_mechanical
    assert _pue(temps, 0.0, "liquid") == pytest.approx(expected)
    assert _pue(temps, 0.0, "air") == pytest.approx(air.pue_mechanical)
    # a liquid hall is never worse than an air-cooled one in the same climate
    assert _pue(temps, 0.0, "liquid") < _pue(temps, 0.0, "air")
