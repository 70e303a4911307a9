import math

import pytest

from siting.errors import InputError
from siting.scenario import DEFAULT_SCENARIO, load_scenario


def test_default_scenario_has_every_knob():
    scenario = load_scenario()
    assert scenario.selection.sites == 5
    assert scenario.selection.per_country == 1
    assert math.isinf(scenario.selection.max_rtt_ms)
    assert scenario.facility.accelerators == 100_000
    assert scenario.cooling.selected == scenario.cooling.liquid


def test_user_file_overrides_only_what_it_names(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[selection]\nsites = 3\n[cooling]\ntechnology = 'air'\n")
    scenario = load_scenario(path)
    default = load_scenario()
    assert scenario.selection.sites == 3
    assert scenario.selection.per_country == default.selection.per_country
    assert scenario.cooling.selected == default.cooling.air
    assert scenario.sha256 != default.sha256


def test_hash_is_stable_and_json_has_no_infinity():
    first, second = load_scenario(), load_scenario()
    assert first.sha256 == second.sha256
    assert first.to_dict()["solver"]["time_limit_s"] == "inf"


def test_relative_data_paths_resolve_against_the_scenario_file(tmp_path):
    path = tmp_path / "mine.toml"
    path.write_text("[data]\ndir = 'tables'\nprice_band = 'MWH2000-19999'\n")
    scenario = load_scenario(path)
    with pytest.raises(InputError, match="field 'data.dir': .*tables does not exist"):
        scenario.data_path("dir")
    (tmp_path / "tables").mkdir()
    assert scenario.data_path("dir") == (tmp_path / "tables").resolve()
    assert scenario.data_path("hubs") is None
    assert scenario.to_dict()["data"]["dir"] == str((tmp_path / "tables").resolve())
    assert scenario.data.price_band == "MWH2000-19999"  # not a path: left as it is


@pytest.mark.parametrize(
    ("text", "field", "hint"),
    [
        ("[selection]\nsitez = 3\n", "selection.sitez", "unknown field"),
        ("[selection]\nsites = 'five'\n", "selection.sites", "valid integer"),
        ("[selection]\nsites = 0\n", "selection.sites", "greater than or equal to 1"),
        ("[cooling]\ntechnology = 'immersion'\n", "cooling.technology", "'liquid'"),
        ("[bogus]\nx = 1\n", "bogus", "unknown field"),
        ("[cooling.air]\npue_free = 1.6\n", "cooling.air", "pue_mechanical"),
    ],
)
def test_bad_fields_are_named(tmp_path, text, field, hint):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(InputError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message
    assert f"'{field}" in message
    assert hint in message


def test_broken_toml_names_the_file(tmp_path):
    path = tmp_path / "broken.toml"
    path.write_text("[selection\nsites = 3\n")
    with pytest.raises(InputError, match="not valid TOML"):
        load_scenario(path)


def test_missing_file():
    with pytest.raises(InputError, match="not found"):
        load_scenario("no/such/scenario.toml")


def test_default_file_is_packaged_next_to_the_module():
    assert DEFAULT_SCENARIO.is_file()


def test_every_source_cited_in_default_toml_is_in_sources_csv():
    import re

    import pandas as pd

    from siting.data import data_dir

    known = set(pd.read_csv(data_dir() / "sources.csv")["id"])
    cited = set(
        re.findall(r"\(([a-z][a-z0-9_]+_[a-z0-9_]+)\)", DEFAULT_SCENARIO.read_text())
    )
    assert cited, "default.toml cites no source"
    assert cited <= known, sorted(cited - known)


def test_a_band_price_override_is_refused_when_the_band_is_not_used(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text("[country_overrides.DE]\nprice_eur_per_mwh = 120\n")
    with pytest.raises(InputError) as caught:
        load_scenario(path)
    message = str(caught.value)
    assert "country_overrides.DE.price_eur_per_mwh" in message
    assert "zone_overrides.<zone>.wholesale_eur_per_mwh" in message
    assert "{" not in message  # names the field, does not dump the scenario
    path.write_text(
        '[energy]\nprice_basis = "band"\n'
        "[country_overrides.DE]\nprice_eur_per_mwh = 120\n"
    )
    assert load_scenario(path).country_overrides["DE"].price_eur_per_mwh == 120
