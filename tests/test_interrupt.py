"""A killed or interrupted run leaves the previous results whole and nothing partial."""

import signal
import subprocess
import sys

import pytest
from click.testing import CliRunner

import siting.output.write
from siting.cli import main
from tests.conftest import ROOT


def _snapshot(folder):
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


@pytest.fixture
def previous(tmp_path, tiny_dir):
    """An output folder holding the results of an earlier (tiny) run."""
    out = tmp_path / "out"
    args = ["optimise", "--out", str(out), "--data-dir", str(tiny_dir), "--sites", "3"]
    assert CliRunner().invoke(main, [*args, "-q"]).exit_code == 0
    return out


def _start_default_run(out, *extra):
    """A run on the default data with CBC (slow enough to be caught mid-solve)."""
    command = [
        sys.executable,
        "-m",
        "siting",
        "optimise",
        "--out",
        str(out),
        "--solver",
        "cbc",
        "-v",
        *extra,
    ]
    process = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    for line in process.stderr:
        if line.startswith("Solving"):
            return process
    process.wait()
    pytest.fail("the run ended before it reached the solver")


def test_sigkill_mid_run_keeps_the_previous_results(previous):
    before = _snapshot(previous)
    process = _start_default_run(previous, "--force")
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL
    assert _snapshot(previous) == before
    leftovers = [p.name for p in previous.parent.iterdir() if p.name.startswith(".out")]
    assert leftovers == []


def test_ctrl_c_exits_130_and_writes_nothing(tmp_path):
    out = tmp_path / "out"
    process = _start_default_run(out)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "Interrupted: nothing was written." in stderr
    assert "Traceback" not in stderr
    assert list(tmp_path.iterdir()) == []


def test_a_failure_while_writing_keeps_the_previous_results(
    previous, tiny_dir, monkeypatch
):
    before = _snapshot(previous)
    real = siting.output.write.write_geojson
    calls = []

    def fail_on_second(layer, path):
        # result.json and sites.geojson are in the staging folder by then
        calls.append(path.name)
        if len(calls) == 2:
            raise OSError("disk full")
        return real(layer, path)

    monkeypatch.setattr(siting.output.write, "write_geojson", fail_on_second)
    args = [
        "optimise",
        "--out",
        str(previous),
        "--data-dir",
        str(tiny_dir),
        "--sites",
        "2",
        "--force",
    ]
    result = CliRunner().invoke(main, args)
    assert result.exit_code != 0
    assert calls == ["sites.geojson", "hubs.geojson"]
    assert _snapshot(previous) == before
    assert sorted(p.name for p in previous.parent.iterdir()) == ["out"]


def test_staging_left_by_a_killed_run_is_removed(previous, tiny_dir):
    stale = previous.parent / ".out.tmp-999999999-abcd"
    stale.mkdir()
    (stale / "result.json").write_text("{")
    args = [
        "optimise",
        "--out",
        str(previous),
        "--data-dir",
        str(tiny_dir),
        "--sites",
        "2",
        "--force",
        "-q",
    ]
    assert CliRunner().invoke(main, args).exit_code == 0
    assert not stale.exists()
