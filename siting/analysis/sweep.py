"""Run one function over many scenarios on a Dask cluster, or serially, losing none.

:func:`run_sweep` calls ``func(context, item)`` for every item. The ``context`` (data
shared by every task) is sent to each worker once. Results come back in the order of
the items, whatever order the tasks finish in, so a sweep on Dask returns exactly what
a serial run returns.

Failures. A task that raises is submitted again, up to ``retries`` more times; every
failed attempt is recorded as a :class:`TaskFailure` (and logged at INFO), with
``final`` set on the last one. An item whose every attempt failed has ``None`` as its
result and is listed in :attr:`Sweep.lost`: no item disappears silently. A worker
that dies is handled the same way (Dask reports its tasks as failed).

Clusters: by default a local cluster of ``workers`` processes with one thread each
(the solvers are single-threaded, and processes keep HiGHS's redirection of standard
output, which is process-wide, from mixing between tasks); ``scheduler="tcp://..."``
uses an existing cluster, whose workers must have ``siting`` installed.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from siting.errors import InputError

__all__ = ["Sweep", "TaskFailure", "run_sweep"]

log = logging.getLogger(__name__)

#: Seconds to wait for a scheduler given by address before giving up.
CONNECT_TIMEOUT_S = 10.0

#: ``progress(done, total)``: called each time an item is finished (or lost).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class TaskFailure:
    """One failed attempt: the item's position, the attempt (1 = first), the error
    and whether it was the last attempt allowed."""

    item: int
    attempt: int
    error: str
    final: bool


@dataclass(frozen=True)
class Sweep:
    """Results in the order of the items (None for a lost item) and every failure."""

    results: list[Any]
    failures: tuple[TaskFailure, ...]

    @property
    def lost(self) -> list[int]:
        """Positions of the items whose every attempt failed."""
        return sorted({f.item for f in self.failures if f.final})


def run_sweep(
    func: Callable[[Any, Any], Any],
    context: Any,
    items: Sequence[Any],
    *,
    scheduler: str | None = None,
    workers: int = 2,
    serial: bool = False,
    retries: int = 2,
    progress: Progress | None = None,
) -> Sweep:
    """Call ``func(context, item)`` for every item.

    Parameters
    ----------
    func
        A module-level function (it is pickled by reference for the workers).
    context
        Data every call needs; sent to each worker once.
    items
        One per task.
    scheduler
        Address of a running Dask scheduler; None starts a local cluster.
    workers
        Worker processes of the local cluster.
    serial
        Run in this process without Dask (same results, same retries).
    retries
        Further attempts after a failed one.
    progress
        Called as ``progress(done, total)`` after each item.

    Raises
    ------
    siting.errors.InputError
        If ``retries`` or ``workers`` is negative or zero where it must not be, or
        the scheduler cannot be reached.
    """
    if retries < 0:
        raise InputError(f"sweep: retries must be >= 0, got {retries}")
    if workers < 1:
        raise InputError(f"sweep: workers must be >= 1, got {workers}")
    report = progress or (lambda _done, _total: None)
    if serial:
        return _run_serial(func, context, items, retries, report)
    with _client(scheduler, workers) as client:
        return _run_dask(client, func, context, items, retries, report)


def _run_serial(func, context, items, retries: int, report: Progress) -> Sweep:
    results: list[Any] = [None] * len(items)
    failures: list[TaskFailure] = []
    for k, item in enumerate(items):
        for attempt in range(1, retries + 2):
            try:
                results[k] = func(context, item)
                break
            except Exception as exc:  # a task's failure is recorded, not raised
                failures.append(_failure(k, attempt, exc, attempt > retries))
        report(k + 1, len(items))
    return Sweep(results, tuple(failures))


def _run_dask(client, func, context, items, retries: int, report: Progress) -> Sweep:
    from dask.distributed import as_completed

    results: list[Any] = [None] * len(items)
    failures: list[TaskFailure] = []
    shared = client.scatter(context, broadcast=True, hash=False)
    token = uuid.uuid4().hex[:12]
    pending: dict[str, tuple[int, int]] = {}

    def submit(k: int, attempt: int):
        key = f"siting-sweep-{token}-{k}-{attempt}"
        future = client.submit(func, shared, items[k], key=key, pure=False)
        pending[future.key] = (k, attempt)
        return future

    queue = as_completed([submit(k, 1) for k in range(len(items))])
    done = 0
    for future in queue:
        k, attempt = pending.pop(future.key)
        if future.status == "finished":
            results[k] = future.result()
            done += 1
            report(done, len(items))
        else:
            final = attempt > retries
            failures.append(_failure(k, attempt, future.exception(), final))
            if final:
                done += 1
                report(done, len(items))
            else:
                queue.add(submit(k, attempt + 1))
        future.release()
    return Sweep(results, tuple(sorted(failures, key=lambda f: (f.item, f.attempt))))


def _failure(k: int, attempt: int, exc: BaseException, final: bool) -> TaskFailure:
    error = f"{type(exc).__name__}: {exc}"
    log.info(
        "sweep item %d, attempt %d failed (%s)%s",
        k,
        attempt,
        error,
        "; no attempt left" if final else "; retrying",
    )
    return TaskFailure(k, attempt, error, final)


@contextmanager
def _client(scheduler: str | None, workers: int) -> Iterator[Any]:
    from dask.distributed import Client, LocalCluster

    if scheduler is not None:
        try:
            client = Client(scheduler, timeout=f"{CONNECT_TIMEOUT_S}s")
        except (OSError, TimeoutError) as exc:
            raise InputError(
                f"--scheduler {scheduler}: cannot reach a Dask scheduler there "
                f"({exc}); start one with `dask scheduler` or omit --scheduler to "
                "use a local cluster"
            ) from None
        with client:
            yield client
        return
    with (
        LocalCluster(
            n_workers=workers,
            threads_per_worker=1,
            processes=True,
            dashboard_address=None,
            silence_logs=logging.ERROR,
        ) as cluster,
        Client(cluster) as client,
    ):
        yield client
