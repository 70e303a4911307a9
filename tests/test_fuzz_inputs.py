"""Malformed data, scenarios and options for the commands that read the data and
solve or compute layers: optimise, layers, pareto, alternatives and robustness.
Every listed bad field, own file and option is tried on each command; broken cells,
columns and files of the tables are generated (hypothesis). Each case exits with
status 2 and one clear message naming the file or option and the field, no
traceback, and the output folder as it was (tests/fuzz.py)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from siting.data import TABLE_FILES
from tests.fuzz import (
    FUZZ,
    OWN_FILE_CASES,
    Case,
    apply,
    assert_refused,
    case_id,
    data_cases,
    option_cases,
    scenario_cases,
    workspace,
)

TABLES = [name for name in TABLE_FILES if name != "sources"]

#: Options every solving command shares, broken, and the option the message names.
SOLVE_OPTIONS = [
    (("--sites", "0"), "--sites"),
    (("--sites", "three"), "--sites"),
    (("--per-country", "0"), "--per-country"),
    (("--solver", "gurobi"), "--solver"),
    (("--time-limit", "0"), "--time-limit"),
    (("--time-limit", "-1"), "--time-limit"),
    (("--time-limit", "nan"), "--time-limit"),
    (("--data-dir", "/nonexistent/folder"), "--data-dir"),
    (("--candidates", "/nonexistent.csv"), "--candidates"),
    (("--hubs", "/nonexistent.gpkg"), "--hubs"),
    (("--scenario", "/nonexistent.toml"), "--scenario"),
]
OPTIMISE_OPTIONS = [
    (("--format", "shp"), "--format"),
    (("--robustness-samples", "0"), "--robustness-samples"),
]


def _optimise(case: Case) -> None:
    with workspace() as space:
        extra = apply(case, space)
        args = ["optimise", "--out", str(space.out), "--scenario", str(space.scenario)]
        assert_refused([*args, "--force", *extra], case, space)


@pytest.mark.parametrize(
    "case",
    [
        *scenario_cases("solve"),
        *OWN_FILE_CASES,
        *option_cases([*SOLVE_OPTIONS, *OPTIMISE_OPTIONS]),
    ],
    ids=case_id,
)
def test_optimise_refuses_each_bad_field_file_and_option(case: Case) -> None:
    _optimise(case)


@settings(FUZZ, max_examples=150)
@given(data_cases(TABLES))
def test_optimise_refuses_malformed_tables(case: Case) -> None:
    _optimise(case)


def _layers(case: Case) -> None:
    with workspace() as space:
        extra = apply(case, space)
        out = space.out / "sites.geojson"  # an earlier run's layer, kept
        args = ["layers", "--out", str(out), "--scenario", str(space.scenario)]
        assert_refused([*args, *extra], case, space)


@pytest.mark.parametrize(
    "case", [*scenario_cases("layers"), *OWN_FILE_CASES], ids=case_id
)
def test_layers_refuses_each_bad_field_and_file(case: Case) -> None:
    _layers(case)


@settings(FUZZ, max_examples=50)
@given(data_cases(TABLES))
def test_layers_refuses_malformed_tables(case: Case) -> None:
    _layers(case)


#: Each analysis with the arguments of a quick run on the tiny data.
ANALYSES = {
    "pareto": ("--resolution-ms", "1"),
    "alternatives": ("--k", "2"),
    "robustness": ("--samples", "2", "--serial"),
}
#: Options of one analysis, broken, and the option the message names.
ANALYSIS_OPTIONS = {
    "pareto": [
        (("--resolution-ms", "0"), "--resolution-ms"),
        (("--resolution-ms", "nan"), "--resolution-ms"),
        (("--resolution-ms", "fine"), "--resolution-ms"),
        (("--workers", "0"), "--workers"),
    ],
    "alternatives": [(("--k", "0"), "--k"), (("--k", "2.5"), "--k")],
    "robustness": [
        (("--samples", "0"), "--samples"),
        (("--seed", "-1"), "--seed"),
        (("--retries", "-1"), "--retries"),
        (("--workers", "0"), "--workers"),
    ],
}


def _analysis(name: str, case: Case) -> None:
    with workspace() as space:
        extra = apply(case, space)
        args = [name, *ANALYSES[name], "--out", str(space.out), "--force", "-q"]
        # an option given twice counts once, the last: the broken one
        assert_refused([*args, "--scenario", str(space.scenario), *extra], case, space)


@pytest.mark.parametrize(
    ("name", "case"),
    [
        (name, case)
        for name in sorted(ANALYSES)
        for case in [
            *scenario_cases("problem"),
            *OWN_FILE_CASES[::3],
            *option_cases([*SOLVE_OPTIONS, *ANALYSIS_OPTIONS[name]]),
        ]
    ],
    ids=lambda value: value if isinstance(value, str) else case_id(value),
)
def test_analyses_refuse_each_bad_field_file_and_option(name: str, case: Case) -> None:
    _analysis(name, case)


@settings(FUZZ, max_examples=60)
@given(data_cases(TABLES), st.sampled_from(sorted(ANALYSES)))
def test_analyses_refuse_malformed_tables(case: Case, name: str) -> None:
    _analysis(name, case)
