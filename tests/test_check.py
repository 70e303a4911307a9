"""``siting check DIR`` catches hand edits, changed data and broken constraints."""

import json
import shutil

import pytest
from click.testing import CliRunner

from siting.cli import main


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
