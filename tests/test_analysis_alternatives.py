"""The K best portfolios against brute force on the tiny dataset."""

import pytest

from siting.analysis import alternatives
from siting.errors import InputError
from siting.run import optimise, prepare
from siting.scenario import load_scenario
from tests.brute import all_portfolios


@pytest.mark.parametrize(
    "overrides",
    [{"selection__sites": 3}, {"selection__sites": 2, "selection__per_country": 2}],
)
def test_k_best_match_brute_force(tiny_dir, overrides):
    inputs = prepare(load_scenario(data__dir=str(tiny_dir), **overrides))
    table = alternatives(inputs, 6)
    ranked = sorted(all_portfolios(inputs), key=lambda p: p.objective)
    assert list(table.index) == [1, 2, 3, 4, 5, 6]
    assert table["objective_eur_per_year"].tolist() == pytest.approx(
        [p.objective for p in ranked[:6]], rel=1e-9
    )
    assert table["site_ids"].is_unique
    optimum = ranked[0].objective
    assert table["gap_eur_per_year"].tolist() == pytest.approx(
        [p.objective - optimum for p in ranked[:6]], rel=1e-9, abs=1e-3
    )
    assert table["gap_fraction"].iloc[0] == 0.0
    assert (table["gap_fraction"].iloc[1:] >= 0).all()
    assert (table["status"] == "optimal").all()


def test_first_is_the_optimum_and_changes_are_named(tiny_scenario):
    inputs = prepare(tiny_scenario)
    table = alternatives(inputs, 3)
    result = optimise(tiny_scenario)
    assert set(table.loc[1, "site_ids"].split(";")) == set(result.selection.index)
    assert table.loc[1, ["added", "removed"]].tolist() == ["", ""]
    best = set(table.loc[1, "site_ids"].split(";"))
    for rank in (2, 3):
        row = table.loc[rank]
        chosen = set(row["site_ids"].split(";"))
        assert set(row["added"].split(";")) == chosen - best
        assert set(row["removed"].split(";")) == best - chosen


def test_fewer_portfolios_than_k_returns_them_all(tiny_dir):
    inputs = prepare(
        load_scenario(
            data__dir=str(tiny_dir),
            selection__sites=2,
            selection__countries=["FI", "SE"],
        )
    )
    count = len(all_portfolios(inputs))
    table = alternatives(inputs, count + 5)
    assert len(table) == count


def test_k_below_one_is_refused(tiny_scenario):
    with pytest.raises(InputError, match="k must be at least 1"):
        alternatives(prepare(tiny_scenario), 0)
