"""Same inputs, same bytes: result.json (but for its timing fields), the GeoJSON and
the GeoPackage."""

import json

import pytest
from click.testing import CliRunner

from siting.cli import main
from siting.output.result_json import SOLVER_FIELDS, TIMING_FIELDS

GEOJSON = ("sites.geojson", "hubs.geojson", "links.geojson")


def _run(folder, tiny_dir, solver):
    args = [
        "optimise",
        "--out",
        str(folder),
        "--data-dir",
        str(tiny_dir),
        "--sites",
        "3",
        "--solver",
        solver,
        "-q",
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    return folder


def _without(path, fields):
    document = json.loads(path.read_text())
    for field in fields:
        assert field in document
        document.pop(field)
    return json.dumps(document, sort_keys=True)


@pytest.fixture
def runs(tmp_path, tiny_dir):
    return {
        name: _run(tmp_path / name, tiny_dir, solver)
        for name, solver in (
            ("a", "highs"),
            ("b", "highs"),
            ("cbc", "cbc"),
            ("fast", "fast"),
        )
    }


def test_two_runs_give_the_same_bytes(runs):
    first, second = runs["a"], runs["b"]
    assert _without(first / "result.json", TIMING_FIELDS) == _without(
        second / "result.json", TIMING_FIELDS
    )
    for name in GEOJSON:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name


@pytest.mark.parametrize("other", ["cbc", "fast"])
def test_solvers_give_the_same_result_when_the_optimum_is_unique(runs, other):
    # the scenario names the solver, so it and its hash differ too
    fields = (*TIMING_FIELDS, *SOLVER_FIELDS, "scenario", "scenario_sha256")
    assert _without(runs["a"] / "result.json", fields) == _without(
        runs[other] / "result.json", fields
    )
    for name in GEOJSON:
        assert (runs["a"] / name).read_bytes() == (runs[other] / name).read_bytes()


def test_two_geopackage_runs_give_the_same_bytes(tmp_path, tiny_dir):
    packages = []
    for name in ("a", "b"):
        args = ["optimise", "--out", str(tmp_path / name), "--data-dir", str(tiny_dir)]
        args += ["--sites", "3", "--format", "gpkg", "-q"]
        assert CliRunner().invoke(main, args).exit_code == 0
        packages.append((tmp_path / name / "result.gpkg").read_bytes())
        assert not (tmp_path / name / "sites.geojson").exists()
    assert packages[0] == packages[1]
