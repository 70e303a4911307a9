"""End-to-end runs of ``siting optimise`` through click's CliRunner."""

import json
import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from siting.cli import main
from tests.conftest import ROOT


def _run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture
def tiny_args(tiny_dir):
    return ["--data-dir", str(tiny_dir), "--sites", "3"]


def test_tiny_run_writes_consistent_outputs(tmp_path, tiny_args, tiny_dir):
    out = tmp_path / "out"
    result = _run(["optimise", "--out", str(out), *tiny_args])
    assert result.exit_code == 0, result.output
    assert "Chosen sites" in result.output

    document = json.loads((out / "result.json").read_text())
    assert document["status"] == "optimal"
    assert document["gap"] == pytest.approx(0.0, abs=1e-9)
    selected = document["selected"]
    assert [site["rank"] for site in selected] == [1, 2, 3]
    assert len({site["country"] for site in selected}) == 3
    assert document["scenario"]["selection"]["sites"] == 3
    assert len(document["scenario_sha256"]) == 64
    assert len(document["data_sha256"]) == 64
    assert {"siting", "pulp", "numpy"} <= set(document["versions"])
    breakdown = document["objective_breakdown_eur_per_year"]
    assert sum(breakdown.values()) == pytest.approx(document["objective_eur_per_year"])
    for site in selected:
        # the price a very large buyer pays, by its parts
        parts = ("wholesale", "network", "levies", "taxes")
        assert site["bidding_zone"]
        assert sum(site[f"{p}_eur_per_mwh"] for p in parts) == pytest.approx(
            site["price_eur_per_mwh"]
        )
        # explanation: forbidding the site and re-optimising costs its regret
        assert site["regret_eur_per_year"] >= 0
        assert site["objective_without_eur_per_year"] == pytest.approx(
            document["objective_eur_per_year"] + site["regret_eur_per_year"]
        )
        assert site["replacement_site_id"] not in {s["site_id"] for s in selected}
        parts = site["annual_cost_breakdown_eur"]
        assert set(parts) == {"energy", "grid", "cooling", "connectivity", "capex"}
        assert sum(parts.values()) == pytest.approx(site["annual_cost_eur"])
        assert site["site_id"] in result.output

    sites = json.loads((out / "sites.geojson").read_text())
    assert sites["type"] == "FeatureCollection"
    assert len(sites["features"]) == 10
    by_id = {f["properties"]["site_id"]: f for f in sites["features"]}
    kajaani = by_id["fi-kajaani"]
    assert kajaani["geometry"]["coordinates"] == [27.7285, 64.2273]  # lon, lat
    chosen = {site["site_id"] for site in selected}
    for site_id, feature in by_id.items():
        props = feature["properties"]
        assert props["selected"] == (site_id in chosen)
        assert (props["rank"] is not None) == (site_id in chosen)
        for column in (
            "price_eur_per_mwh",
            "carbon_g_per_kwh",
            "pue",
            "grid_capacity_mw",
            "grid_ready_year",
            "annual_cost_eur",
        ):
            assert isinstance(props[column], float | int), column
    kajaani = by_id["fi-kajaani"]["properties"]
    assert kajaani["bidding_zone"] == "FI"
    # the fixture's zonal price: wholesale 40 + transmission 3 + levies 0 + taxes 0.5
    assert kajaani["price_eur_per_mwh"] == pytest.approx(43.5)
    assert kajaani["band_price_eur_per_mwh"] == 75


def test_objective_recomputed_from_the_outputs(tmp_path, tiny_args):
    """Fixed costs of the chosen sites + lambda x researchers x RTT to the nearest."""
    import siting
    from siting.scenario import load_scenario

    out = tmp_path / "out"
    _run(["optimise", "--out", str(out), *tiny_args])
    document = json.loads((out / "result.json").read_text())
    scenario = load_scenario(data__dir=tiny_args[1], selection__sites=3)
    run = siting.optimise(scenario)
    chosen = [s["site_id"] for s in document["selected"]]
    rtt = run.rtt[chosen].to_numpy()
    price = scenario.objective.latency_eur_per_researcher_ms_year
    latency = price * float(run.hubs["researchers"].to_numpy() @ rtt.min(axis=1))
    fixed = float(run.sites.loc[chosen, "annual_cost_eur"].sum())
    assert document["objective_eur_per_year"] == pytest.approx(
        fixed + latency, rel=1e-6
    )


def test_options_reach_the_model(tmp_path, tiny_args):
    out = tmp_path / "out"
    args = [
        "optimise",
        "--out",
        str(out),
        *tiny_args,
        "--sites",
        "4",
        "--per-country",
        "2",
        "--solver",
        "cbc",
        "--time-limit",
        "60",
        "-q",
    ]
    result = _run(args)
    assert result.exit_code == 0, result.output
    assert result.output == ""
    document = json.loads((out / "result.json").read_text())
    assert len(document["selected"]) == 4
    assert document["scenario"]["selection"]["per_country"] == 2
    assert document["scenario"]["solver"] == {"name": "cbc", "time_limit_s": 60.0}


def test_scenario_file_is_applied(tmp_path, tiny_dir):
    scenario = tmp_path / "mine.toml"
    scenario.write_text(
        f"[data]\ndir = '{tiny_dir}'\n"
        "[selection]\nsites = 2\nexcluded = ['fi-kajaani']\n"
    )
    out = tmp_path / "out"
    assert (
        _run(["optimise", "--out", str(out), "--scenario", str(scenario)]).exit_code
        == 0
    )
    document = json.loads((out / "result.json").read_text())
    chosen = [site["site_id"] for site in document["selected"]]
    assert len(chosen) == 2
    assert "fi-kajaani" not in chosen


def test_non_empty_out_needs_force_and_force_keeps_users_files(tmp_path, tiny_args):
    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    result = _run(["optimise", "--out", str(out), *tiny_args])
    assert result.exit_code == 2
    assert "--force" in result.output
    assert (out / "keep.txt").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]

    result = _run(["optimise", "--out", str(out), *tiny_args, "--force"])
    assert result.exit_code == 2  # --force deletes only siting's own outputs
    assert "keep.txt" in result.output
    assert "move them away or choose a new folder for --out" in result.output
    assert sorted(p.name for p in out.iterdir()) == ["keep.txt"]

    (out / "keep.txt").unlink()
    (out / "report.md").write_text("an earlier run's report")
    result = _run(["optimise", "--out", str(out), *tiny_args, "--force"])
    assert result.exit_code == 0
    assert sorted(p.name for p in out.iterdir()) == [
        "cost_breakdown.png",
        "hubs.geojson",
        "latency.png",
        "links.geojson",
        "map.html",
        "map.png",
        "report.html",
        "report.md",
        "result.json",
        "sites.geojson",
    ]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


@pytest.mark.parametrize(
    ("toml", "needle"),
    [
        ("[selection]\nsitez = 3\n", "selection.sitez"),
        ("[selection]\nsites = 'x'\n", "selection.sites"),
        ("[selection]\nforced = ['nowhere']\n", "selection.forced"),
    ],
)
def test_bad_scenario_exits_2_without_traceback(tmp_path, tiny_dir, toml, needle):
    scenario = tmp_path / "bad.toml"
    scenario.write_text(f"[data]\ndir = '{tiny_dir}'\n" + toml)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["optimise", "--out", str(out), "--scenario", str(scenario)]
    )
    assert result.exit_code == 2
    assert needle in result.output
    assert "Traceback" not in result.output
    assert not out.exists()


def test_infeasible_scenario_exits_2(tmp_path, tiny_args):
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main, ["optimise", "--out", str(out), *tiny_args, "--sites", "6"]
    )
    assert result.exit_code == 2
    assert "Error" in result.output
    assert not out.exists()


@pytest.mark.parametrize("entry", [["cli.py"], ["-m", "siting"]])
def test_shim_and_module_run_the_same_command(tmp_path, tiny_dir, entry):
    out = tmp_path / "out"
    command = [
        sys.executable,
        *entry,
        "optimise",
        "--out",
        str(out),
        "--data-dir",
        str(tiny_dir),
        "--sites",
        "3",
        "-q",
    ]
    completed = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout == ""  # --quiet, and no solver banner on stdout
    reference = tmp_path / "reference"
    _run(
        [
            "optimise",
            "--out",
            str(reference),
            "--data-dir",
            str(tiny_dir),
            "--sites",
            "3",
            "-q",
        ]
    )
    ours = json.loads((out / "result.json").read_text())
    theirs = json.loads((reference / "result.json").read_text())
    assert ours["selected"] == theirs["selected"]
    assert np.isclose(ours["objective_eur_per_year"], theirs["objective_eur_per_year"])
