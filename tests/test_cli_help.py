"""`siting --help` and every command's `--help` load no heavy library, and the README
lists every command. Speed itself is measured by benchmarks/cli_help.py."""

import json
import subprocess
import sys

from siting.cli import command_paths
from siting.cli.optimise import VECTOR_FORMATS
from siting.output.write import FORMATS
from tests.conftest import ROOT

#: Libraries that a --help must not import (each costs a noticeable start-up).
HEAVY = (
    "pandas",
    "numpy",
    "networkx",
    "pulp",
    "highspy",
    "geopandas",
    "shapely",
    "pyogrio",
    "matplotlib",
    "folium",
    "rich",
    "dask",
    "pydantic",
)

#: Runs every --help in one fresh process and says, per command, which heavy
#: modules were loaded by the time its help was printed.
PROBE = """
import io, json, sys
from contextlib import redirect_stdout
from siting.cli import command_paths, main
heavy, loaded = json.loads(sys.argv[1]), {}
for path in command_paths():
    with redirect_stdout(io.StringIO()):
        try:
            main([*path, "--help"], prog_name="siting")
        except SystemExit as exc:
            assert exc.code == 0, (path, exc.code)
    loaded[" ".join(path)] = sorted(m for m in heavy if m in sys.modules)
print(json.dumps(loaded))
"""


def test_no_help_imports_a_heavy_library():
    done = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(HEAVY)],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    loaded = json.loads(done.stdout)
    assert set(loaded) == {" ".join(path) for path in command_paths()}
    assert {"optimise", "data fetch", "latency", "robustness"} <= set(loaded)
    assert loaded == dict.fromkeys(loaded, [])


def test_the_probe_would_see_a_heavy_import():
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "import siting.run, json, sys; print(json.dumps("
            "sorted(m for m in json.loads(sys.argv[1]) if m in sys.modules)))",
            json.dumps(HEAVY),
        ],
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    assert {"pandas", "numpy", "geopandas"} <= set(json.loads(done.stdout))


def test_the_readme_lists_every_command():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for path in command_paths():
        if path:
            assert f"| `siting {' '.join(path)}" in readme, path


def test_the_command_line_offers_the_writer_formats():
    assert VECTOR_FORMATS == FORMATS
