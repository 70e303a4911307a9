"""The layout's rules (docs/design.md): stages import one way, modules stay small,
the solver is reached through its door, and the code is lint-, format- and type-clean.
"""

from __future__ import annotations

import ast
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "siting"
MODULES = sorted(PACKAGE.rglob("*.py"))
#: Stages and the stages each may import (data flows one way).
LATER = {
    "data": ("layers", "network", "problem", "gigafactory", "solve", "run", "output")
    + ("analysis",),
    "layers": ("network", "problem", "gigafactory", "solve", "run", "output")
    + ("analysis",),
    "network": ("layers", "problem", "gigafactory", "solve", "run", "output")
    + ("analysis",),
    "solve": ("data", "layers", "network", "problem", "gigafactory", "run", "output")
    + ("analysis",),
    "gigafactory": ("run", "output", "analysis", "explain", "check"),
    "output": ("solve", "analysis", "run", "explain", "check"),
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
            found |= {f"{node.module}.{alias.name}" for alias in node.names}
    return found


def _stage(path: Path) -> str:
    return path.relative_to(PACKAGE).parts[0].removesuffix(".py")


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_a_module_is_one_concept_under_400_lines(path):
    assert len(path.read_text(encoding="utf-8").splitlines()) <= 400


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_stages_import_only_earlier_stages(path):
    stage = _stage(path)
    forbidden = {f"siting.{later}" for later in LATER.get(stage, ())}
    bad = {
        name
        for name in _imports(path)
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    }
    assert not bad, f"{path.name} ({stage}) imports a later stage: {sorted(bad)}"


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(ROOT)))
def test_only_the_solver_package_reaches_behind_its_door(path):
    if _stage(path) == "solve":
        return
    behind = {
        name
        for name in _imports(path)
        if name.startswith("siting.solve.")
        and name.removeprefix("siting.solve.").split(".")[0]
        in {p.stem for p in (PACKAGE / "solve").glob("*.py")}
    }
    assert not behind, f"{path.name} imports solver internals: {sorted(behind)}"


def test_the_solver_knows_no_geography():
    for path in (PACKAGE / "solve").glob("*.py"):
        heavy = {"geopandas", "shapely", "networkx", "pandas"}
        assert not {n.split(".")[0] for n in _imports(path)} & heavy, path.name


def test_tests_import_no_private_name():
    for path in sorted((ROOT / "tests").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith(
                "siting"
            ):
                private = [a.name for a in node.names if a.name.startswith("_")]
                assert not private, f"{path.name} imports {private}"


def _tool(name: str) -> str:
    found = shutil.which(name, path=str(Path(sys.executable).parent))
    if found is None:
        pytest.skip(f"{name} is not installed beside this Python")
    return found


def test_ruff_check_and_format_are_clean():
    ruff = _tool("ruff")
    for args in (["check", "."], ["format", "--check", "."]):
        done = subprocess.run(
            [ruff, *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr


def test_mypy_strict_on_the_solver_and_the_public_api(tmp_path):
    mypy = _tool("mypy")
    done = subprocess.run(
        [mypy, "--cache-dir", str(tmp_path / "cache")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
