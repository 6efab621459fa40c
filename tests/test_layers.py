"""The layers (ARCHITECTURE.md): imports only go down, and the imports inside functions are the
listed ones. ``make test`` runs import-linter on the package; here it is also shown to catch an
upward import (at module level or inside a function) planted in a copy of the package."""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[1]
PACKAGE = ROOT / "src" / "manypaths"
LINT = Path(sys.executable).parent / "lint-imports"


def _lint(src: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT), "--config", str(ROOT / "pyproject.toml"), "--no-cache"], cwd=ROOT,
                          env={"PYTHONPATH": str(src), "PATH": "/usr/bin:/bin"}, capture_output=True, text=True,
                          timeout=120)


def test_the_package_keeps_its_layers() -> None:
    result = _lint(ROOT / "src")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Imports only go down KEPT" in result.stdout


@pytest.mark.parametrize("where", ["module", "function"])
def test_an_upward_import_breaks_the_contract(tmp_path: Path, where: str) -> None:
    copy = tmp_path / "src"
    shutil.copytree(PACKAGE, copy / "manypaths", ignore=shutil.ignore_patterns("*.so", "__pycache__"))
    target = copy / "manypaths" / "http" / "request.py"
    text = target.read_text()
    planted = ("\nfrom ..app import App as _Planted\n" if where == "module"
               else "\n\ndef _planted() -> object:\n    from ..dispatch import begin\n\n    return begin\n")
    target.write_text(text + planted)
    result = _lint(copy)
    assert result.returncode != 0 and "BROKEN" in result.stdout, result.stdout
    assert "manypaths.http is not allowed to import" in result.stdout


def _listed() -> set[tuple[str, str]]:
    text = (ROOT / "ARCHITECTURE.md").read_text()
    block = text.split("<!-- lazy-imports: begin -->")[1].split("<!-- lazy-imports: end -->")[0]
    return {(m.group(1), m.group(2)) for m in re.finditer(r"^(\S+) -> (\S+)", block, re.M)}


def _function_imports() -> set[tuple[str, str]]:
    found = set()
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(ROOT / "src").with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        if is_package:
            parts = parts[:-1]
        module = ".".join(parts)
        base = parts if is_package else parts[:-1]
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for sub in ast.walk(node):
                if isinstance(sub, ast.ImportFrom) and sub.level:
                    anchor = base[: len(base) - (sub.level - 1)] if sub.level > 1 else base
                    if sub.module:
                        found.add((module, ".".join([*anchor, sub.module])))
                    else:
                        found.update((module, ".".join([*anchor, alias.name])) for alias in sub.names
                                     if alias.name != "__version__")
    return found


def test_imports_inside_functions_are_the_listed_ones() -> None:
    unlisted = _function_imports() - _listed()
    assert not unlisted, f"imports inside functions not listed in ARCHITECTURE.md: {sorted(unlisted)}"
    stale = _listed() - _function_imports()
    assert not stale, f"ARCHITECTURE.md lists imports the code no longer makes: {sorted(stale)}"
