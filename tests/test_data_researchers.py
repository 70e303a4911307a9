"""Researcher weights of the hubs: the rule of data/build/build_researchers.py, the
packaged result and the loader (siting.data.dataset.researcher_weights)."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pandas as pd
import pytest

from siting.data import read_table
from siting.data.dataset import load_dataset, researcher_weights
from siting.errors import InputError

REPO = Path(__file__).resolve().parent.parent
DATA = REPO / "data"


def _build_module():
    spec = importlib.util.spec_from_file_location(
        "build_researchers", DATA / "build" / "build_researchers.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build_module()
SECTORS = pd.DataFrame(
    [("XX", 100.0, 50.0, 10.0, 40.0, 0.0)],
    columns=["country", "total_fte", "bes_fte", "gov_fte", "hes_fte", "pnp_fte"],
)


def _site(site_id, unit, hub, kind="university", size=None):
    return {"site_id": site_id, "unit": unit, "hub_id": hub, "kind": kind} | {
        "country": "XX",
        "size_value": size,
        "size_source": "" if size is None else "test_source",
    }


def _shares(units, sites, populations):
    units = pd.DataFrame(units, columns=["unit", "country", "researchers_fte"])
    hubs = pd.DataFrame(populations.items(), columns=["hub_id", "population"])
    national = pd.Series({"XX": units["researchers_fte"].sum()})
    return build.site_shares(units, pd.DataFrame(sites), SECTORS, hubs, national)


def test_single_hub_unit_gives_the_hub_everything():
    shares = _shares(
        [("U", "XX", 900.0)],
        [_site("a", "U", "h1"), _site("b", "U", "h1", "research_org")],
        {"h1": 10},
    )
    assert shares["researchers_fte"].to_dict() == {"a": 450.0, "b": 450.0}
    assert set(shares["method"]) == {"single hub"}


def test_size_rule_students_staff_and_the_smallest_size_for_the_unsized():
    # public pool: 40 % higher education + 10 % government of 1,000 = 500 FTE;
    # the institute takes its 40 staff from the 100 government FTE, the universities
    # share the other 460 by students, the unsized one counted as the smallest (100);
    # business researchers follow: everything scaled by 1,000 / 500
    shares = _shares(
        [("U", "XX", 1000.0)],
        [
            _site("big", "U", "h1", size=300.0),
            _site("small", "U", "h2", size=100.0),
            _site("unsized", "U", "h3"),
            _site("lab", "U", "h1", "research_org", size=40.0),
        ],
        {"h1": 1, "h2": 1, "h3": 1},
    )
    got = shares["researchers_fte"]
    assert got["lab"] == pytest.approx(80.0)
    assert got["big"] == pytest.approx(2 * 460 * 300 / 500)
    assert got["small"] == got["unsized"] == pytest.approx(2 * 460 * 100 / 500)
    assert got.sum() == pytest.approx(1000.0)


def test_fallback_splits_by_hub_population_and_evenly_inside_a_hub():
    shares = _shares(
        [("U", "XX", 600.0)],
        [_site("a", "U", "h1", size=5.0), _site("b", "U", "h1"), _site("c", "U", "h2")],
        {"h1": 200, "h2": 100},
    )
    # one of three universities sized: not more than half, so population decides
    assert set(shares["method"]) == {"fallback"}
    assert shares["researchers_fte"].to_dict() == {"a": 200.0, "b": 200.0, "c": 200.0}


def test_a_unit_without_sites_passes_its_researchers_on_within_its_country():
    units = pd.DataFrame(
        [("A", "XX", 300.0), ("B", "XX", 100.0), ("EMPTY", "XX", 40.0)],
        columns=["unit", "country", "researchers_fte"],
    )
    sites = pd.DataFrame([_site("a", "A", "h1"), _site("b", "B", "h2")])
    got = build.unit_researchers(units, sites, pd.Series({"XX": 440.0}))
    assert got.to_dict() == pytest.approx({"A": 330.0, "B": 110.0})


def test_packaged_hubs_are_what_the_rule_gives():
    hubs, _ = build.build()
    current = pd.read_csv(DATA / "hubs.csv", dtype=str, keep_default_na=False)
    pd.testing.assert_frame_equal(current, hubs)


@pytest.fixture(scope="module")
def hubs():
    return read_table(DATA / "hubs.csv", "hubs")


def test_country_totals_equal_eurostat_national_researchers(hubs):
    national = read_table(DATA / "countries.csv", "countries")["researchers_fte"]
    totals = hubs.groupby("country")["researchers"].sum()
    assert set(totals.index) == set(national.index)
    pd.testing.assert_series_equal(
        totals, national[totals.index], check_names=False, atol=0.5, rtol=0
    )
    assert (hubs["researchers"] > 0).all()


def test_research_dense_places_carry_their_weight(hubs):
    population_share = researcher_weights(
        hubs.drop(columns="researchers"),
        read_table(DATA / "countries.csv", "countries"),
    )
    researchers = hubs["researchers"]
    assert researchers["de-munich"] > researchers["de-hamburg"]
    assert researchers["it-milan"] > researchers["it-rome"]
    dense = [
        "fr-orsay",  # Paris-Saclay
        "be-leuven",
        "dk-kongens-lyngby",
        "nl-delft",
        "fr-grenoble",
        "de-karlsruhe",
    ]
    for hub in dense:
        assert researchers[hub] >= 2 * population_share[hub], hub


def test_loader_uses_given_researchers_and_population_only_without_them():
    countries = read_table(DATA / "countries.csv", "countries")
    given = pd.DataFrame(
        {"country": ["AT", "AT"], "population": [3.0, 1.0], "researchers": [5.0, 7.0]}
    )
    assert researcher_weights(given, countries).tolist() == [5.0, 7.0]
    shared = researcher_weights(given.drop(columns="researchers"), countries)
    austria = countries.at["AT", "researchers_fte"]
    assert shared.tolist() == pytest.approx([austria * 0.75, austria * 0.25])


def test_a_bad_researchers_cell_names_file_row_and_field(tmp_path):
    lines = (DATA / "hubs.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = re.sub(r",[0-9.]+,([^,]*)$", r",-5,\1", lines[1])
    path = tmp_path / "hubs.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"row 2: field 'researchers'"):
        load_dataset(DATA, hubs=path, tolerance_km=None)


def test_build_tables_cite_known_sources():
    known = set(pd.read_csv(DATA / "sources.csv")["id"])
    for name, columns in {
        "research_units.csv": ["source"],
        "research_sites.csv": ["source", "size_source"],
        "research_sectors.csv": ["source"],
    }.items():
        table = pd.read_csv(DATA / "build" / name, dtype=str, keep_default_na=False)
        for column in columns:
            for cell in table[column]:
                if cell.startswith("assumption:"):
                    ids = re.findall(r"[a-z][a-z0-9]*_[a-z0-9_]+", cell)
                else:
                    ids = [i for i in cell.split(";") if i]
                assert set(ids) <= known, (name, column, cell)
