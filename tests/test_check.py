"""``siting check DIR`` catches hand edits, changed data and broken constraints."""

import json
import shutil

import numpy as np
import pytest
from click.testing import CliRunner

from siting.check import farther_than_nearest
from siting.cli import main
from siting.run import prepare
from siting.scenario import load_scenario


@pytest.fixture
def run_dir(tmp_path, tiny_dir):
    data = tmp_path / "data"
    shutil.copytree(tiny_dir, data)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        main,
        ["optimise", "--out", str(out), "--data-dir", str(data), "--sites", "3", "-q"],
    )
    assert result.exit_code == 0, result.output
    return out, data


def _check(out):
    return CliRunner().invoke(main, ["check", str(out)])


def _edit(out, change):
    path = out / "result.json"
    document = json.loads(path.read_text())
    change(document)
    path.write_text(json.dumps(document))


def test_untouched_result_holds(run_dir):
    out, _ = run_dir
    result = _check(out)
    assert result.exit_code == 0, result.output
    assert "OK" in result.output


def test_edited_objective_is_caught(run_dir):
    out, _ = run_dir
    _edit(
        out,
        lambda d: d.update(objective_eur_per_year=d["objective_eur_per_year"] * 0.9),
    )
    result = _check(out)
    assert result.exit_code == 1
    assert "objective" in result.output


def test_swapped_site_is_caught(run_dir):
    out, _ = run_dir
    document = json.loads((out / "result.json").read_text())
    chosen = {s["site_id"] for s in document["selected"]}
    # replace a chosen site by another in the same country: costs and objective differ
    twins = {
        "fi-kajaani": "fi-helsinki",
        "se-lulea": "se-stockholm",
        "es-barcelona": "es-madrid",
        "de-julich": "de-frankfurt",
        "fr-paris": "fr-marseille",
    }
    victim = next(s for s in sorted(chosen) if s in twins and twins[s] not in chosen)

    def swap(d):
        for entry in d["selected"]:
            if entry["site_id"] == victim:
                entry["site_id"] = twins[victim]

    _edit(out, swap)
    result = _check(out)
    assert result.exit_code == 1
    assert twins[victim] in result.output


def test_edited_scenario_breaks_its_hash(run_dir):
    out, _ = run_dir
    _edit(out, lambda d: d["scenario"]["selection"].update(per_country=2))
    result = _check(out)
    assert result.exit_code == 1
    assert "edited after the run" in result.output


def test_changed_data_is_reported(run_dir):
    out, data = run_dir
    path = data / "countries.csv"
    path.write_text(path.read_text().replace("FI,Finland,FI,75", "FI,Finland,FI,95"))
    result = _check(out)
    assert result.exit_code == 1
    assert "data files have changed" in result.output


def test_missing_result_is_a_usage_error(tmp_path):
    result = _check(tmp_path)
    assert result.exit_code == 2
    assert "result.json: not found" in result.output


# --- the recorded assignment (hubs.geojson, result.gpkg) is read, not recomputed ---


def _hubs(out):
    return json.loads((out / "hubs.geojson").read_text())


def _write_hubs(out, document):
    (out / "hubs.geojson").write_text(json.dumps(document))


def _farther_move(out, data):
    """A hub, the chosen site it is moved to (farther than its own) and the RTT
    there (ms), from the inputs the run read."""
    inputs = prepare(load_scenario(data__dir=str(data), selection__sites=3))
    chosen = [
        s["site_id"] for s in json.loads((out / "result.json").read_text())["selected"]
    ]
    rtt = inputs.rtt
    feature = _hubs(out)["features"][0]["properties"]
    hub, own = feature["hub_id"], feature["site_id"]
    other = max(chosen, key=lambda s: rtt.at[hub, s])
    assert rtt.at[hub, other] > rtt.at[hub, own] * 1.01
    return hub, other, float(rtt.at[hub, other])


@pytest.mark.parametrize("fix_rtt", [False, True], ids=["site-only", "site-and-rtt"])
def test_a_hub_moved_to_a_farther_chosen_site_is_caught(run_dir, fix_rtt):
    out, data = run_dir
    hub, other, rtt = _farther_move(out, data)
    document = _hubs(out)
    for feature in document["features"]:
        if feature["properties"]["hub_id"] == hub:
            feature["properties"]["site_id"] = other
            if fix_rtt:
                feature["properties"]["rtt_ms"] = rtt
    _write_hubs(out, document)
    result = _check(out)
    assert result.exit_code == 1, result.output
    assert f"hub {hub} is assigned to {other}" in result.output
    assert "is nearer at" in result.output
    assert "objective_eur_per_year" in result.output  # the objective moves too
    assert "researchers_served" in result.output


def test_a_hub_moved_to_a_site_not_chosen_is_caught(run_dir):
    out, _ = run_dir
    document = _hubs(out)
    chosen = {f["properties"]["site_id"] for f in document["features"]}
    outsider = next(s for s in ("fi-helsinki", "se-stockholm") if s not in chosen)
    hub = document["features"][1]["properties"]["hub_id"]
    document["features"][1]["properties"]["site_id"] = outsider
    _write_hubs(out, document)
    result = _check(out)
    assert result.exit_code == 1
    assert f"hub {hub} is assigned to {outsider}, which is not a chosen site" in (
        result.output
    )


def test_an_edited_rtt_is_caught(run_dir):
    out, _ = run_dir
    document = _hubs(out)
    first = document["features"][0]["properties"]
    first["rtt_ms"] *= 1.5
    _write_hubs(out, document)
    result = _check(out)
    assert result.exit_code == 1
    assert f"hub {first['hub_id']}: rtt_ms is {first['rtt_ms']!r}" in result.output


def test_a_dropped_hub_is_caught(run_dir):
    out, _ = run_dir
    document = _hubs(out)
    dropped = document["features"].pop()["properties"]["hub_id"]
    _write_hubs(out, document)
    result = _check(out)
    assert result.exit_code == 1
    assert f"hub(s) {dropped} have no recorded site" in result.output


def test_an_edited_researchers_served_is_caught(run_dir):
    out, _ = run_dir

    def change(d):
        d["selected"][0]["researchers_served"] += 1000.0

    _edit(out, change)
    result = _check(out)
    assert result.exit_code == 1
    site = json.loads((out / "result.json").read_text())["selected"][0]["site_id"]
    assert f"site {site}: researchers_served is" in result.output


def test_the_geopackage_assignment_is_read(tmp_path, tiny_dir):
    import geopandas as gpd

    out = tmp_path / "out"
    args = ["optimise", "--out", str(out), "--data-dir", str(tiny_dir)]
    args += ["--sites", "3", "--format", "gpkg", "-q"]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert _check(out).exit_code == 0
    hubs = gpd.read_file(out / "result.gpkg", layer="hubs")
    chosen = sorted(set(hubs["site_id"]))
    row = 0
    other = next(s for s in chosen if s != hubs.at[row, "site_id"])
    hubs.at[row, "site_id"] = other
    hubs.to_file(out / "result.gpkg", layer="hubs", driver="GPKG")
    result = _check(out)
    assert result.exit_code == 1, result.output
    assert f"hub {hubs.at[row, 'hub_id']} is assigned to {other}" in result.output


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda out: (out / "hubs.geojson").unlink(), "neither hubs.geojson nor"),
        (
            lambda out: (out / "hubs.geojson").write_text('{"type": "Feat'),
            "hubs.geojson: not valid JSON",
        ),
        (
            lambda out: (out / "hubs.geojson").write_text('{"type": "Feature"}'),
            "hubs.geojson: not a GeoJSON FeatureCollection",
        ),
        (
            lambda out: _write_hubs(
                out,
                {
                    "type": "FeatureCollection",
                    "features": [
                        {"type": "Feature", "properties": {"hub_id": "a", "x": 1}}
                    ],
                },
            ),
            "hubs.geojson: missing column(s) site_id, rtt_ms",
        ),
        (
            lambda out: _write_hubs(
                out, {**_hubs(out), "features": _hubs(out)["features"] * 2}
            ),
            "hubs.geojson: column 'hub_id' repeats",
        ),
        (
            lambda out: _write_hubs(
                out,
                {
                    "type": "FeatureCollection",
                    "features": [
                        {
                            "type": "Feature",
                            "properties": {
                                "hub_id": "a",
                                "site_id": "b",
                                "rtt_ms": "x",
                            },
                        }
                    ],
                },
            ),
            "hubs.geojson: column 'rtt_ms' is not a number for hub a",
        ),
    ],
    ids=["missing", "truncated", "not-a-collection", "no-site", "repeated", "rtt"],
)
def test_a_missing_or_garbled_hub_file_is_a_usage_error(run_dir, damage, message):
    out, _ = run_dir
    damage(out)
    result = _check(out)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_ties_within_the_tolerance_count_as_nearest():
    rtt = np.array([[10.0, 10.0 * (1 + 1e-10), 10.0 * (1 + 1e-8)], [1.0, 2.0, 3.0]])
    selected = np.array([0, 1, 2])
    assert farther_than_nearest(rtt, np.array([1, 0]), selected).tolist() == []
    assert farther_than_nearest(rtt, np.array([2, 1]), selected).tolist() == [0, 1]
    assert farther_than_nearest(rtt, np.array([2, 0]), np.array([0, 2])).tolist() == [0]
