"""Every code example in the documentation runs.

Each page's ``python`` blocks (the docs pages and the README) run in order in one namespace per
page, in a fresh process, from an empty folder: a page reads like a session, a later block uses what
an earlier one defined. A block raising (its own ``assert`` included) fails the page, naming the block.
The ``manypaths`` command lines of ``sh`` blocks run too (except ``serve``, which does not return,
and ``bundle``, which tests/deploy/test_bundles.py runs word for word); other shell lines (``make``,
``pip``, ``sam``, ``gcloud``) are a machine's or a cloud account's and are not run here.
"""

from __future__ import annotations

import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "docs").glob("*.md")) + [ROOT / "README.md"]
FENCE = re.compile(r"(?ms)^```(\w+)[^\n]*\n(.*?)^```")
RUNNER = """
import json, sys, traceback
blocks = json.load(sys.stdin)
namespace = {"__name__": "docs_example"}
for number, (line, code) in enumerate(blocks, 1):
    try:
        exec(compile(code, f"{sys.argv[1]}:{line}", "exec"), namespace)
    except BaseException:
        print(f"block {number} (line {line}) of {sys.argv[1]} failed:", file=sys.stderr)
        traceback.print_exc()
        sys.exit(1)
print(len(blocks))
"""


def blocks(page: Path, language: str) -> list[tuple[int, str]]:
    text = page.read_text(encoding="utf-8")
    return [(text.count("\n", 0, m.start()) + 2, m.group(2)) for m in FENCE.finditer(text) if m.group(1) == language]


def test_there_are_examples_to_run() -> None:
    assert sum(len(blocks(p, "python")) for p in PAGES) >= 20
    names = {p.name for p in PAGES}
    assert {"index.md", "quickstart.md", "tutorial.md", "README.md"} <= names


@pytest.mark.parametrize("page", [p for p in PAGES if blocks(p, "python")], ids=lambda p: p.name)
def test_python_examples_run(page: Path, tmp_path: Path) -> None:
    found = blocks(page, "python")
    done = subprocess.run([sys.executable, "-c", RUNNER, page.name], input=json.dumps(found), cwd=tmp_path,
                          capture_output=True, text=True, timeout=300,
                          env={"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT), "HOME": str(tmp_path)})
    assert done.returncode == 0, done.stderr[-4000:]
    assert done.stdout.strip() == str(len(found))


def commands() -> list[tuple[str, str]]:
    found = []
    for page in PAGES:
        for _, code in blocks(page, "sh"):
            for line in code.splitlines():
                line = line.split("  #", 1)[0].strip()
                if line.startswith("manypaths ") and not line.startswith(("manypaths serve", "manypaths bundle")):
                    found.append((page.name, line))
    return found


@pytest.mark.parametrize(("page", "line"), commands(), ids=[f"{p}:{c}" for p, c in commands()])
def test_cli_examples_run(page: str, line: str) -> None:
    argv = shlex.split(line)
    argv[0] = str(Path(sys.executable).parent / "manypaths")
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, f"{page}: {line}\n{done.stderr[-2000:]}"
    assert done.stdout.strip(), f"{page}: {line} printed nothing"
