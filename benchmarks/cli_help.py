"""Time `siting --help` and every command's `--help` as new processes, against
`python -c "import pandas"` measured in the same run.

Prints, per command, the median wall time of --repeat fresh processes and its ratio to
the pandas import alone (the floor that any command importing pandas at load time
could not beat), and Python's start-up with nothing imported. Run from the repository
root:

    python benchmarks/cli_help.py [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time

from siting.cli import command_paths


def _median_s(args: list[str], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(args, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    python = sys.executable
    pandas = _median_s([python, "-c", "import pandas"], args.repeat)
    bare = _median_s([python, "-c", "pass"], args.repeat)
    print(f"median of {args.repeat} new processes each")
    print(f"  baseline: python -c 'import pandas'  {pandas:6.3f} s")
    print(f"  python start-up alone               {bare:6.3f} s")
    worst = 0.0
    for path in command_paths():
        seconds = _median_s([python, "-m", "siting", *path, "--help"], args.repeat)
        worst = max(worst, seconds)
        name = " ".join(("siting", *path, "--help"))
        print(f"  {name:<36} {seconds:6.3f} s  {seconds / pandas:5.2f} x pandas")
    print(f"slowest --help: {worst:.3f} s, {worst / pandas:.2f} x the pandas import")
    from record import record

    record(
        "benchmarks/cli_help.py",
        [
            (
                "`siting --help` and every command's `--help`, new processes",
                f"slowest {worst:.2f} s, {worst / pandas:.2f}x of "
                f'`python -c "import pandas"` ({pandas:.2f} s) in the same run',
            )
        ],
    )


if __name__ == "__main__":
    main()
