"""The README's benchmark table, written by the scripts that measure it.

Each script ends with :func:`record`: its headline rows (what was measured and the
result, its same-run baseline included) go to ``benchmarks/results.json`` (git-ignored,
one entry per script, the latest run wins), with the machine and the date.
``python benchmarks/readme_table.py`` then rewrites the table between the
``benchmarks:start`` and ``benchmarks:end`` markers of the README from that file,
keeping the rows of scripts not run on this machine.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import sys
from pathlib import Path

RESULTS = Path(__file__).with_name("results.json")


def machine() -> str:
    """CPU model, cores, memory, Python and OS of this machine, in one line."""
    cpu = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.is_file():
        for line in cpuinfo.read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = ""
    if hasattr(os, "sysconf") and "SC_PHYS_PAGES" in os.sysconf_names:
        gib = os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30
        memory = f", {gib:.0f} GiB"
    python = ".".join(map(str, sys.version_info[:2]))
    system = platform.system()
    return f"{cpu}, {os.cpu_count()} cores{memory}, Python {python}, {system}"


def record(script: str, rows: list[tuple[str, str]]) -> None:
    """Store ``rows`` (what, result) as the README rows of ``script``.

    Parameters
    ----------
    script
        The script's path from the repository root, e.g. ``"benchmarks/orlib.py"``.
    rows
        One (what was measured, the result with its baseline) pair per table row.
    """
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    results[script] = {
        "rows": [list(row) for row in rows],
        "machine": machine(),
        "load_average": [round(v, 2) for v in os.getloadavg()],
        "date": dt.date.today().isoformat(),
    }
    RESULTS.write_text(json.dumps(results, indent=1) + "\n")
    print(f"recorded for the README table: {RESULTS}")
