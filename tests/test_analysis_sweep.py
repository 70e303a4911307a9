"""Sweeps on a Dask cluster equal serial runs; failed tasks are retried and reported."""

from pathlib import Path

import pytest

from siting.analysis import run_sweep
from siting.errors import InputError

distributed = pytest.importorskip("dask.distributed")


def square_or_fail(folder: str, item: int) -> int:
    """Item 2 fails on its first attempt only; item 3 always fails."""
    if item == 3:
        raise ValueError("item 3 always fails")
    marker = Path(folder) / f"tried-{item}"
    if item == 2 and not marker.exists():
        marker.touch()
        raise RuntimeError("item 2 fails once")
    return item * item


@pytest.fixture(scope="module")
def scheduler():
    """A small local cluster (2 worker processes) shared by this module's tests."""
    with distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
    ) as cluster:
        yield cluster.scheduler_address


def _check(sweep):
    assert sweep.results == [0, 1, 4, None, 16, 25]
    assert sweep.lost == [3]
    attempts = [(f.item, f.attempt, f.final) for f in sweep.failures]
    assert attempts == [(2, 1, False), (3, 1, False), (3, 2, False), (3, 3, True)]
    assert sweep.failures[0].error == "RuntimeError: item 2 fails once"
    assert sweep.failures[-1].error == "ValueError: item 3 always fails"


def test_serial_retries_and_reports(tmp_path):
    seen = []
    sweep = run_sweep(
        square_or_fail,
        str(tmp_path),
        range(6),
        serial=True,
        progress=lambda done, total: seen.append((done, total)),
    )
    _check(sweep)
    assert seen == [(k, 6) for k in range(1, 7)]


def test_dask_retries_reports_and_equals_serial(tmp_path, scheduler):
    (tmp_path / "dask").mkdir()
    (tmp_path / "serial").mkdir()
    seen = []
    on_dask = run_sweep(
        square_or_fail,
        str(tmp_path / "dask"),
        range(6),
        scheduler=scheduler,
        progress=lambda done, total: seen.append((done, total)),
    )
    _check(on_dask)
    assert seen == [(k, 6) for k in range(1, 7)]
    serial = run_sweep(square_or_fail, str(tmp_path / "serial"), range(6), serial=True)
    assert on_dask == serial


def test_no_retries_loses_the_failing_items_but_no_other(tmp_path, scheduler):
    sweep = run_sweep(
        square_or_fail, str(tmp_path), range(6), scheduler=scheduler, retries=0
    )
    assert sweep.results == [0, 1, None, None, 16, 25]
    assert sweep.lost == [2, 3]


def test_unreachable_scheduler_is_a_clear_error(monkeypatch):
    monkeypatch.setattr("siting.analysis.sweep.CONNECT_TIMEOUT_S", 1.0)
    with pytest.raises(InputError, match="cannot reach a Dask scheduler"):
        run_sweep(square_or_fail, "", [0], scheduler="tcp://127.0.0.1:9")


def test_negative_retries_are_refused():
    with pytest.raises(InputError, match="retries must be >= 0"):
        run_sweep(square_or_fail, "", [0], serial=True, retries=-1)
