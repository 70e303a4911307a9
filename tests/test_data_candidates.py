"""The packaged candidates are the places actually on the table (issue 17)."""

import pandas as pd
import pytest

from siting.data import CANDIDATE_KINDS, check_dataset
from siting.layers.table import site_table
from siting.run import load_data
from siting.scenario import load_scenario
from tests.conftest import ROOT, TINY, TOLERANCE_KM

CANDIDATES = pd.read_csv(ROOT / "data" / "candidates.csv", keep_default_na=False)
BIDS = CANDIDATES[CANDIDATES["kind"] == "aigf_bid"]


def test_the_announced_bids_are_candidates():
    assert len(BIDS) >= 15
    assert BIDS["country"].nunique() >= 10
    for site_id in (
        "be-verviers",
        "fr-vernou-la-celle-sur-seine",  # the Montereau (AION, Scaleway/EDF) campus
        "ro-cernavoda",
        "ro-doicesti",
        "pt-sines",
        "es-mora-la-nova",
        "fi-kajaani-aigf",
    ):
        assert site_id in set(BIDS["site_id"]), site_id
    assert (BIDS["consortium"].str.strip() != "").all()
    assert (BIDS["source"].str.strip() != "").all()
    announced = pd.to_numeric(BIDS["announced_mw"], errors="coerce").dropna()
    assert len(announced) >= 5 and announced.between(20, 2000).all()


def test_every_row_has_a_known_kind_and_says_where_its_point_comes_from():
    assert set(CANDIDATES["kind"]) <= set(CANDIDATE_KINDS)
    assert set(CANDIDATES["coordinates_from"]) <= {
        "facility",
        "power_station",
        "campus",
        "industrial_estate",
        "town_centre",
    }
    assert CANDIDATES["name"].str.len().max() <= 40
    assert (CANDIDATES["description"].str.len() > 20).all()


def test_town_centre_placeholders_are_excluded_unless_asked_for():
    scenario = load_scenario()
    table = site_table(load_data(scenario), scenario)
    cities = table["kind"] == "city"
    assert cities.sum() > 0
    assert table.loc[cities, "excluded_reason"].str.contains("kind city").all()
    assert not table.loc[~cities, "excluded_reason"].str.contains("kind city").any()
    back = load_scenario(selection__include_cities=True)
    table = site_table(load_data(back), back)
    assert not table["excluded_reason"].str.contains("kind city").any()


def test_data_check_refuses_an_unknown_kind_and_a_bid_without_consortium(tmp_path):
    import shutil

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / "candidates.csv"
    table = pd.read_csv(path, keep_default_na=False)
    table.loc[0, "kind"] = "castle"
    table.loc[1, "kind"] = "aigf_bid"
    table["consortium"] = ""
    table.to_csv(path, index=False)
    report = check_dataset(folder, tolerance_km=TOLERANCE_KM)
    text = "\n".join(report.problems)
    assert "'castle' is not one of" in text
    assert "field 'consortium': empty for a bid site" in text


@pytest.mark.parametrize("value", ["-5", "200000", "lots"])
def test_an_announced_mw_out_of_range_is_refused(tmp_path, value):
    import shutil

    from siting.data import load_dataset
    from siting.errors import InputError

    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder)
    path = folder / "candidates.csv"
    table = pd.read_csv(path, keep_default_na=False)
    table["announced_mw"] = ""
    table.loc[0, "announced_mw"] = value
    table.to_csv(path, index=False)
    with pytest.raises(InputError, match="announced_mw"):
        load_dataset(folder, tolerance_km=TOLERANCE_KM)
