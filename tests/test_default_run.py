"""The packaged default: 5 sites in 5 member states, from any folder, offline."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from siting.cli import main


@pytest.fixture(scope="module")
def default_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("default") / "out"
    result = CliRunner().invoke(main, ["optimise", "--out", str(out)])
    assert result.exit_code == 0, result.output
    return out, result.output


def test_default_picks_five_sites_in_five_member_states(default_run):
    out, printed = default_run
    document = json.loads((out / "result.json").read_text())
    assert document["status"] == "optimal"
    selected = document["selected"]
    assert len(selected) == 5
    assert len({site["country"] for site in selected}) == 5
    for site in selected:
        assert site["site_id"] in printed
        assert site["annual_cost_eur"] > 0
        assert site["mean_rtt_ms"] is None or site["mean_rtt_ms"] > 0
    sites = json.loads((out / "sites.geojson").read_text())
    assert len(sites["features"]) >= 150
    assert sum(f["properties"]["selected"] for f in sites["features"]) == 5


def test_installed_command_runs_from_any_folder(tmp_path):
    """`pip install .` then `siting optimise` in another folder (skip if absent)."""
    command = shutil.which("siting", path=str(Path(sys.executable).parent))
    if command is None:
        pytest.skip("the siting console script is not installed in this environment")
    out = tmp_path / "out"
    completed = subprocess.run(
        [command, "optimise", "--out", str(out), "-q"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert completed.returncode == 0, completed.stderr
    assert len(json.loads((out / "result.json").read_text())["selected"]) == 5
