"""Output files and folders get the modes the user's umask gives, not 0600/0700."""

import os
import stat

import pytest

from siting.output import write_outputs, write_text_atomic
from siting.output.files import current_umask, write_folder
from siting.run import optimise
from siting.scenario import load_scenario
from tests.conftest import TINY


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
