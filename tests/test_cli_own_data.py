"""A user's own data through every command: formats, own columns, own ids, weights."""

import json

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner

from siting.cli import command_paths, main

#: Commands that read data tables, each of which takes the four data options.
READERS = {
    "optimise",
    "layers",
    "latency",
    "pareto",
    "alternatives",
    "robustness",
    "data check",
}
DATA_OPTIONS = {"scenario_file", "candidates", "hubs", "data_dir"}


def _run(args):
    return CliRunner().invoke(main, args, catch_exceptions=False)


@pytest.fixture
def own(tiny_dir, tmp_path):
    """The tiny candidates as a GeoPackage in ETRS89-LAEA (metres) without 'kind'
    and with an 'owner' column; the tiny hubs with given researchers only."""
    table = pd.read_csv(tiny_dir / "candidates.csv").drop(columns="kind")
    table["owner"] = [f"owner {n}" for n in range(len(table))]
    frame = gpd.GeoDataFrame(
        table.drop(columns=["lat", "lon"]),
        geometry=gpd.points_from_xy(table["lon"], table["lat"]),
        crs="EPSG:4326",
    ).to_crs(3035)
    candidates = tmp_path / "sites.gpkg"
    frame.to_file(candidates, layer="candidates")
    hubs = pd.read_csv(tiny_dir / "hubs.csv").drop(columns="population")
    hubs["researchers"] = [1000.0 * (n + 1) for n in range(len(hubs))]
    hubs_path = tmp_path / "hubs.csv"
    hubs.to_csv(hubs_path, index=False)
    return ["--data-dir", str(tiny_dir), "--candidates", str(candidates)] + [
        "--hubs",
        str(hubs_path),
    ], hubs.set_index("hub_id")


def test_every_command_that_reads_data_takes_the_data_options():
    takers = set()
    for path in command_paths():
        command = main
        for word in path:
            command = command.commands[word]
        names = {param.name for param in command.params}
        if names >= DATA_OPTIONS:
            takers.add(" ".join(path))
    assert takers == READERS


def test_optimise_on_own_files_keeps_weights_and_columns(own, tmp_path):
    args, hubs = own
    out = tmp_path / "out"
    result = _run(["optimise", "--out", str(out), "--sites", "3", *args])
    assert result.exit_code == 0, result.output
    assert "note:" not in result.output  # researchers were given: nothing apportioned
    written = json.loads((out / "hubs.geojson").read_text())["features"]
    given = {f["properties"]["hub_id"]: f["properties"]["researchers"] for f in written}
    assert given == hubs["researchers"].to_dict()
    sites = json.loads((out / "sites.geojson").read_text())["features"]
    kajaani = next(f for f in sites if f["properties"]["site_id"] == "fi-kajaani")
    assert kajaani["properties"]["owner"] == "owner 0"
    assert kajaani["geometry"]["coordinates"] == pytest.approx([27.7285, 64.2273])


def test_population_weights_are_announced(tiny_dir, tmp_path):
    out = tmp_path / "out"
    result = _run(["optimise", "--out", str(out), "--data-dir", str(tiny_dir)])
    assert result.exit_code == 0, result.output
    assert "note: " in result.output and "by population" in result.output
    document = json.loads((out / "result.json").read_text())
    assert len(document["notes"]) == 1 and "by population" in document["notes"][0]


def test_latency_names_own_sites_and_hubs(own):
    args, _hubs = own
    result = _run(["latency", "fi-kajaani", "helsinki", *args])
    assert result.exit_code == 0, result.output
    assert "fi-kajaani (Kajaani) -> helsinki (Helsinki):" in result.output


def test_layers_on_own_files(own, tmp_path):
    args, _hubs = own
    out = tmp_path / "layers.geojson"
    result = _run(["layers", "--out", str(out), *args])
    assert result.exit_code == 0, result.output
    layer = gpd.read_file(out)
    assert layer.crs == "EPSG:4326"
    assert set(layer["owner"]) == {f"owner {n}" for n in range(10)}


def test_optimise_with_robustness_samples_reports_the_headline(tiny_dir, tmp_path):
    out = tmp_path / "out"
    args = ["optimise", "--out", str(out), "--data-dir", str(tiny_dir), "-q"]
    result = _run([*args, "--sites", "3", "--robustness-samples", "4"])
    assert result.exit_code == 0, result.output
    summary = json.loads((out / "robustness.json").read_text())
    assert summary["samples"] == 4
    report = (out / "report.md").read_text()
    assert "## Robustness" in report
    assert f"Over {summary['solved']} of 4 sampled scenarios" in report
    assert f"**{summary['nominal']['share_optimal']:.0%}** of samples" in report
