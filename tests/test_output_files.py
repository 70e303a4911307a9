"""Output files and folders: the modes the user's umask gives (not 0600/0700), and
every spelling of --out: '.', '..', relative, spaces, symlinks, missing or read-only
parents, folders holding the user's files."""

import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from siting.cli import main
from siting.errors import InputError
from siting.output import check_out_dir, write_outputs, write_text_atomic
from siting.output.files import OUTPUT_NAMES, current_umask, write_folder
from siting.run import optimise
from siting.scenario import load_scenario
from tests.conftest import ROOT, TINY


@pytest.fixture(scope="module")
def result():
    return optimise(
        load_scenario(data__dir=str(TINY), selection__sites=3), explanations=False
    )


@pytest.fixture(params=[0o022, 0o027, 0o002])
def umask(request):
    before = os.umask(request.param)
    yield request.param
    os.umask(before)


def _mode(path):
    return stat.S_IMODE(path.stat().st_mode)


def test_the_umask_is_read_without_changing_it(umask):
    assert current_umask() == umask
    assert current_umask() == umask


@pytest.mark.parametrize("vector_format", ["geojson", "gpkg"])
def test_a_run_folder_follows_the_umask(result, tmp_path, umask, vector_format):
    out = tmp_path / "out"
    written = write_outputs(result, out, vector_format=vector_format)
    assert _mode(out) == 0o777 & ~umask
    assert {p.name for p in out.iterdir()} == {p.name for p in written}
    for path in written:
        assert _mode(path) == 0o666 & ~umask, path.name


def test_atomic_files_follow_the_umask(tmp_path, umask):
    path = tmp_path / "one.txt"
    write_text_atomic(path, "text")
    assert _mode(path) == 0o666 & ~umask
    for path in write_folder(tmp_path / "analysis", {"a.csv": "x\n"}, force=False):
        assert _mode(path) == 0o666 & ~umask


# --- where --out may point (siting/output/files.py, README "Where the outputs go") ---

TINY_RUN = ["--data-dir", str(TINY), "--sites", "3", "-q"]


def _optimise(out, *extra):
    return CliRunner().invoke(main, ["optimise", "--out", str(out), *TINY_RUN, *extra])


def _names(folder):
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def work(tmp_path, monkeypatch):
    """An empty folder that is the current folder."""
    folder = tmp_path / "work"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def test_every_output_name_is_listed(result, tmp_path):
    from siting import analysis
    from siting.run import prepare

    inputs = prepare(load_scenario(data__dir=str(TINY), selection__sites=3))
    sweep = analysis.robustness(inputs, 2, serial=True)
    written = [
        *write_outputs(result, tmp_path / "a", robustness=sweep.summary),
        *write_outputs(result, tmp_path / "b", vector_format="gpkg"),
        *analysis.write_pareto(
            analysis.pareto_front(inputs), tmp_path / "c", force=False
        ),
        *analysis.write_alternatives(
            analysis.alternatives(inputs, 2), tmp_path / "d", force=False
        ),
        *analysis.write_robustness(sweep, tmp_path / "e", force=False),
    ]
    assert {path.name for path in written} == OUTPUT_NAMES


def test_out_dot_writes_into_the_current_folder(work):
    before = work.stat().st_ino
    assert _optimise(".").exit_code == 0
    assert "result.json" in _names(work)
    assert set(_names(work)) <= OUTPUT_NAMES  # no staging folder left behind
    assert work.stat().st_ino == before  # the shell's folder was not swapped away
    assert _names(work.parent) == ["work"]


def test_out_dot_again_needs_force_and_drops_stale_outputs(work):
    assert _optimise(".", "--format", "gpkg").exit_code == 0
    first = (work / "result.json").read_bytes()
    refused = _optimise(".")
    assert refused.exit_code == 2
    assert "pass --force" in refused.output
    assert (work / "result.json").read_bytes() == first
    assert _optimise(".", "--force").exit_code == 0
    assert "result.gpkg" not in _names(work)  # the earlier run's layer went
    assert "hubs.geojson" in _names(work)
    assert set(_names(work)) <= OUTPUT_NAMES


def test_out_dot_with_users_files_is_refused_even_with_force(work):
    (work / "thesis.tex").write_text("mine")
    (work / "data").mkdir()
    for extra in ((), ("--force",)):
        outcome = _optimise(".", *extra)
        assert outcome.exit_code == 2, outcome.output
        assert "Traceback" not in outcome.output
        assert _names(work) == ["data", "thesis.tex"]
    assert "data, thesis.tex" in outcome.output
    assert "choose a new folder for --out" in outcome.output


def test_out_dot_dot_is_refused_naming_the_current_folder(work):
    outcome = _optimise("..", "--force")
    assert outcome.exit_code == 2
    assert "(work)" in outcome.output
    assert _names(work) == []
    assert _names(work.parent) == ["work"]


def test_relative_out_and_a_path_with_spaces(work):
    (work / "my results").mkdir()
    assert _optimise("my results/run 1").exit_code == 0
    assert "result.json" in _names(work / "my results" / "run 1")
    assert _names(work / "my results") == ["run 1"]
    assert write_folder(Path("rel"), {"a.csv": "x\n"}, force=False) == [
        Path("rel/a.csv")
    ]
    assert (work / "rel" / "a.csv").read_text() == "x\n"


def test_a_symlinked_out_folder_is_swapped_behind_the_link(tmp_path):
    real = tmp_path / "real"
    link = tmp_path / "link"
    assert _optimise(real, "--format", "gpkg").exit_code == 0
    link.symlink_to(real, target_is_directory=True)
    assert _optimise(link).exit_code == 2
    assert _optimise(link, "--force").exit_code == 0
    assert link.is_symlink()
    assert os.readlink(link) == str(real)
    assert "hubs.geojson" in _names(real)
    assert "result.gpkg" not in _names(real)
    assert _names(tmp_path) == ["link", "real"]  # no staging folder left


def test_a_symlinked_out_file_keeps_its_link(tmp_path):
    real = tmp_path / "real.csv"
    real.write_text("old")
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    write_text_atomic(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"
    assert _names(tmp_path) == ["link.csv", "real.csv"]


def test_a_missing_parent_is_a_clear_error(tmp_path):
    outcome = _optimise(tmp_path / "typo" / "out")
    assert outcome.exit_code == 2
    assert "does not exist; create it first" in outcome.output
    assert _names(tmp_path) == []
    for writer in (
        lambda: write_text_atomic(tmp_path / "typo" / "a.csv", "x"),
        lambda: write_folder(tmp_path / "typo" / "out", {"a": "x"}, force=False),
    ):
        with pytest.raises(InputError, match="typo.*does not exist"):
            writer()
    assert _names(tmp_path) == []


def test_out_naming_a_file_or_a_folder_is_refused(tmp_path):
    (tmp_path / "a.csv").write_text("x")
    with pytest.raises(InputError, match="--out names a file, not a folder"):
        check_out_dir(tmp_path / "a.csv", force=True)
    with pytest.raises(InputError, match="--out names a folder"):
        write_text_atomic(tmp_path, "x")


def test_a_non_empty_folder_is_replaced_whole_with_force(tmp_path):
    out = tmp_path / "out"
    write_folder(out, {"pareto.csv": "old\n", "pareto.png": b"old"}, force=False)
    with pytest.raises(InputError, match="pass --force"):
        write_folder(out, {"alternatives.csv": "x\n"}, force=False)
    write_folder(out, {"alternatives.csv": "x\n"}, force=True)
    assert _names(out) == ["alternatives.csv"]
    assert _names(tmp_path) == ["out"]


def _unprivileged(command):
    """``command`` as it runs for a user: root also loses its override of file
    permissions (setpriv), so that a read-only folder is read-only."""
    if os.geteuid() != 0:
        return command
    if shutil.which("setpriv") is None:
        pytest.skip("running as root without setpriv: permissions do not bind")
    caps = "-dac_override,-dac_read_search"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]


@pytest.mark.parametrize(
    "args",
    [
        ["optimise", "--out", "{ro}/out", *TINY_RUN],
        ["alternatives", "--k", "2", "--out", "{ro}/out", *TINY_RUN],
        ["layers", "--out", "{ro}/sites.geojson", "--data-dir", str(TINY)],
        ["optimise", "--out", "{ro}", "--force", *TINY_RUN],
    ],
    ids=["optimise", "alternatives", "layers", "read-only-out"],
)
def test_a_read_only_parent_is_a_clear_error(tmp_path, args):
    readonly = tmp_path / "read only"
    readonly.mkdir()
    (readonly / "result.json").write_text("{}")
    readonly.chmod(0o555)
    command = [sys.executable, "-m", "siting", *(a.format(ro=readonly) for a in args)]
    try:
        done = subprocess.run(
            _unprivileged(command),
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            check=False,
        )
    finally:
        readonly.chmod(0o755)
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert f"cannot write in {readonly}" in done.stderr
    assert "choose a folder you can write to for --out" in done.stderr
    assert _names(readonly) == ["result.json"]
    assert (readonly / "result.json").read_text() == "{}"


@pytest.mark.parametrize(
    "args",
    [
        ["alternatives", "--k", "2"],
        ["pareto", "--resolution-ms", "1"],
        ["robustness", "--samples", "2", "--serial"],
    ],
    ids=lambda args: args[0],
)
def test_every_analysis_writes_into_out_dot(work, args):
    outcome = CliRunner().invoke(main, [*args, "--out", ".", *TINY_RUN])
    assert outcome.exit_code == 0, outcome.output
    assert _names(work) and set(_names(work)) <= OUTPUT_NAMES
    assert _names(work.parent) == ["work"]


def test_layers_writes_a_relative_file_with_spaces_and_refuses_a_folder(work):
    (work / "my layers").mkdir()
    args = ["layers", "--data-dir", str(TINY), "--out"]
    assert (
        CliRunner().invoke(main, [*args, "my layers/all sites.geojson"]).exit_code == 0
    )
    assert _names(work / "my layers") == ["all sites.geojson"]
    refused = CliRunner().invoke(main, [*args, "."])
    assert refused.exit_code == 2
    assert "'--out'" in refused.output and "is a directory" in refused.output
