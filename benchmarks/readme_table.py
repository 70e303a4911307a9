"""Rewrite the README's benchmark table from ``benchmarks/results.json``.

The rows between ``<!-- benchmarks:start -->`` and ``<!-- benchmarks:end -->`` are
replaced: every script recorded in ``results.json`` (:mod:`record`) gets its rows and
the machine and date of its run; a script not recorded keeps its present rows. Run
from the repository root after the benchmarks:

    python benchmarks/readme_table.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from record import RESULTS

README = Path(__file__).resolve().parents[1] / "README.md"
START, END = "<!-- benchmarks:start -->", "<!-- benchmarks:end -->"
HEADER = "| script | what | result | machine, date |\n|---|---|---|---|\n"
#: Order of the table.
ORDER = (
    "benchmarks/orlib.py",
    "benchmarks/frontier.py",
    "benchmarks/scale.py",
    "benchmarks/time_limits.py",
    "benchmarks/rtt_matrix.py",
    "benchmarks/pareto.py",
    "benchmarks/alternatives.py",
    "benchmarks/robustness.py",
    "benchmarks/default_run.py",
    "benchmarks/cli_help.py",
)


def _present_rows(block: str) -> dict[str, list[str]]:
    """The table's rows by script (a row with an empty first cell continues the
    script above)."""
    rows: dict[str, list[str]] = {}
    script = ""
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if not line.startswith("|") or cells[0] in ("script", "---"):
            continue
        script = cells[0].strip("`") or script
        rows.setdefault(script, []).append(line)
    return rows


def render(results: dict, present: dict[str, list[str]]) -> str:
    """The table: recorded scripts from ``results``, the others as they were."""
    lines = []
    for script in ORDER + tuple(s for s in results if s not in ORDER):
        if script in results:
            entry = results[script]
            where = f"{entry['machine']}; {entry['date']}"
            for k, (what, result) in enumerate(entry["rows"]):
                name = f"`{script}`" if k == 0 else ""
                lines.append(f"| {name} | {what} | {result} | {where} |")
        else:
            lines.extend(present.get(script, []))
    return HEADER + "\n".join(lines) + "\n"


def main() -> int:
    """Rewrite the table; exit 1 when the README has no markers."""
    text = README.read_text()
    if START not in text or END not in text:
        print(f"{README} has no {START} ... {END} markers")
        return 1
    head, rest = text.split(START, 1)
    block, tail = rest.split(END, 1)
    results = json.loads(RESULTS.read_text()) if RESULTS.is_file() else {}
    table = render(results, _present_rows(block))
    README.write_text(f"{head}{START}\n{table}{END}{tail}")
    print(f"{README}: {len(results)} script(s) from {RESULTS.name}, others kept")
    return 0


if __name__ == "__main__":
    sys.exit(main())
