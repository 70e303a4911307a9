"""Time `siting optimise` on the packaged default data, end to end, as new processes.

Prints the wall time of the real command (best and median of --repeat runs), the time of
each stage measured inside a fresh process (imports, data, layers, network, solve,
outputs), and the ratio of the command's wall time to the 5 s target. Run from the
repository root:

    python benchmarks/default_run.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

TARGET_S = 5.0

STAGES = r"""
import json, sys, time
t0 = time.perf_counter()
from siting.output import write_outputs
from siting.run import optimise
from siting.scenario import load_scenario
imports = time.perf_counter() - t0
result = optimise(load_scenario())
t1 = time.perf_counter()
write_outputs(result, sys.argv[1], force=True)
outputs = time.perf_counter() - t1
print(json.dumps({"imports": imports, **result.timings_s, "outputs": outputs}))
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        walls = []
        for i in range(args.repeat):
            out = Path(folder) / f"run{i}"
            start = time.perf_counter()
            subprocess.run(
                [sys.executable, "-m", "siting", "optimise", "--out", str(out), "-q"],
                check=True,
            )
            walls.append(time.perf_counter() - start)
        startup_start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        startup = time.perf_counter() - startup_start
        stages = json.loads(
            subprocess.run(
                [sys.executable, "-c", STAGES, str(Path(folder) / "stages")],
                check=True,
                capture_output=True,
                text=True,
            ).stdout
        )
    print(f"siting optimise, default data, {args.repeat} runs as new processes")
    print(f"  wall: best {min(walls):.2f} s, median {statistics.median(walls):.2f} s")
    print(f"  python start-up alone (baseline): {startup:.2f} s")
    print("  where the time goes (one fresh process):")
    for stage, seconds in stages.items():
        print(f"    {stage:<8} {seconds:6.2f} s")
    print(f"  ratio to the {TARGET_S:.0f} s target: {min(walls) / TARGET_S:.2f}")
    from record import record

    parts = ", ".join(f"{stage} {seconds:.2f}" for stage, seconds in stages.items())
    record(
        "benchmarks/default_run.py",
        [
            (
                "`siting optimise` on the default data, new process",
                f"{min(walls):.2f} s wall, best of {args.repeat} (target "
                f"{TARGET_S:.0f} s); Python start-up alone {startup:.2f} s; {parts}",
            )
        ],
    )


if __name__ == "__main__":
    main()
