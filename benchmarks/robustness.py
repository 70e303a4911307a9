"""Monte Carlo robustness on a two-worker Dask LocalCluster, with throughput per worker.

Issue #21 asks for 1,000 samples of ``siting robustness`` on a two-worker local Dask
cluster with a throughput figure per worker, against the current implementation in
the same run. This script prepares the packaged default data once, then times:

1. ``siting.analysis.robustness`` with ``--samples`` draws (default 1,000) on a local
   cluster of ``--workers`` processes (default 2), cluster start-up included;
2. the same call with ``serial=True`` (in this process, no Dask) on the first
   ``--serial-samples`` draws (default 200): the baseline, one core.

It prints samples per second in total and per worker, the serial rate, the ratio of
the two (the parallel speed-up) and how many samples were lost (that Dask and serial
runs give the same results is tested in tests/). Run from the repository root:

    python benchmarks/robustness.py [--samples 1000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

from siting.analysis import robustness
from siting.run import prepare
from siting.scenario import load_scenario


def _timed(inputs, samples: int, **kwargs):
    tic = time.perf_counter()
    result = robustness(inputs, samples, **kwargs)
    return result, time.perf_counter() - tic


def main(argv: list[str]) -> int:
    """Run both and print the figures; exit 1 when a sample is lost."""
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--samples", type=int, default=1000)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--serial-samples", type=int, default=200)
    ap.add_argument("--seed", type=int, default=None)
    args = ap.parse_args(argv)
    print(f"load average at start: {_load()}; {os.cpu_count()} cores")
    inputs = prepare(load_scenario())
    dask, dask_s = _timed(inputs, args.samples, seed=args.seed, workers=args.workers)
    serial, serial_s = _timed(inputs, args.serial_samples, seed=args.seed, serial=True)
    rate = args.samples / dask_s
    serial_rate = args.serial_samples / serial_s
    lost = len(dask.summary["lost"]) + len(serial.summary["lost"])
    print(
        f"Dask, {args.workers} workers: {args.samples} samples in {dask_s:.1f} s "
        f"(cluster start-up included): {rate:.1f} samples/s, "
        f"{rate / args.workers:.1f} per worker"
    )
    print(
        f"serial baseline: {args.serial_samples} samples in {serial_s:.1f} s: "
        f"{serial_rate:.1f} samples/s"
    )
    print(
        f"ratio Dask / serial: {rate / serial_rate:.2f}x in total, "
        f"{rate / args.workers / serial_rate:.2f}x per worker; samples lost: {lost}; "
        f"portfolios found: {dask.summary['portfolios_found']}"
    )
    print(f"load average at end: {_load()}")
    from record import record

    record(
        "benchmarks/robustness.py",
        [
            (
                f"robustness, {args.samples:,} samples, {args.workers}-worker Dask "
                "LocalCluster, default data",
                f"{dask_s:.1f} s with start-up: {rate / args.workers:.1f} samples/s "
                "per "
                f"worker; serial baseline {serial_rate:.1f} samples/s in the same run "
                f"({rate / serial_rate:.2f}x in total); {lost} lost",
            )
        ],
    )
    return 1 if lost else 0


def _load() -> str:
    return ", ".join(f"{v:.2f}" for v in os.getloadavg())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
