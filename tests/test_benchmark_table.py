"""The README's benchmark table is rewritten from what the scripts recorded."""

from __future__ import annotations

import importlib
import json

from tests.exact_cases import ROOT

PRESENT = """
| script | what | result | machine, date |
|---|---|---|---|
| `benchmarks/orlib.py` | old row | old result | old machine |
| `benchmarks/scale.py` | first | kept | m |
| | second | kept too | m |
"""


def _modules(monkeypatch, tmp_path):
    monkeypatch.syspath_prepend(str(ROOT / "benchmarks"))
    record = importlib.import_module("record")
    monkeypatch.setattr(record, "RESULTS", tmp_path / "results.json")
    table = importlib.import_module("readme_table")
    return record, table


def test_recorded_rows_replace_a_scripts_rows_and_others_stay(monkeypatch, tmp_path):
    record, table = _modules(monkeypatch, tmp_path)
    record.record("benchmarks/orlib.py", [("pmed1-40", "40 of 40, 12.0 s")])
    results = json.loads((tmp_path / "results.json").read_text())
    assert results["benchmarks/orlib.py"]["machine"] == record.machine()
    text = table.render(results, table._present_rows(PRESENT))
    lines = text.splitlines()
    assert lines[2].startswith(
        "| `benchmarks/orlib.py` | pmed1-40 | 40 of 40, 12.0 s |"
    )
    assert record.machine() in lines[2]
    assert "old row" not in text
    assert (
        "| | second | kept too | m |" in lines
    )  # a continued row stays with its script
    assert lines.index("| | second | kept too | m |") == 4
