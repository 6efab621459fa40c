"""The package as the index would get it: ``python -m build`` makes an sdist and a wheel that
``twine check`` accepts, with complete metadata, and the sdist holds what it takes to build and
test from it."""

from __future__ import annotations

import shutil
import subprocess
import sys
import tarfile
import zipfile
from email.parser import Parser
from pathlib import Path

ROOT = Path(__file__).parent.parent
BIN = Path(sys.executable).parent


def test_build_makes_an_sdist_and_a_wheel_twine_accepts(tmp_path: Path) -> None:
    source = tmp_path / "source"  # a copy: no build/ or egg-info left in the work tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.so", "__pycache__", ".cache", "node_modules", "*.egg-info", ".sanitize",
        "site"))
    out = tmp_path / "dist"
    done = subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(out),
                           str(source)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    check = subprocess.run([str(BIN / "twine"), "check", "--strict", str(sdist), str(wheel)], capture_output=True,
                           text=True, timeout=300)
    assert check.returncode == 0, check.stdout + check.stderr
    assert check.stdout.count("PASSED") == 2, check.stdout

    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta = Parser().parsestr(z.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode())
    assert "manypaths/py.typed" in names and "manypaths/routing/_speedups.pyi" in names
    assert meta["Name"] == "manypaths" and meta["Requires-Python"] == ">=3.10"
    assert meta["Summary"].startswith("One function, many paths")
    assert meta["Description-Content-Type"] == "text/markdown" and "# manypaths" in meta.get_payload()
    assert meta["License-Expression"] == "MIT"
    classifiers = meta.get_all("Classifier")
    assert "Typing :: Typed" in classifiers and "Programming Language :: Python :: 3.13" in classifiers
    assert not meta.get_all("Requires-Dist") or all("extra ==" in r for r in meta.get_all("Requires-Dist")), \
        "no runtime dependency outside the extras"

    with tarfile.open(sdist) as t:
        members = {m.split("/", 1)[1] for m in t.getnames() if "/" in m}
    for needed in ("setup.py", "pyproject.toml", "LICENSE", "CHANGELOG.md", "CONTRIBUTING.md", "Makefile",
                   "src/manypaths/routing/_speedups.c", "src/manypaths/asgi/_environ.c", "src/manypaths/http/_speedups.c",
                   "src/manypaths/http/_speedups.pyi", "tests/conftest.py",
                   "tests/fixtures/aws-events/albEvent.json", "examples/api/app.py"):
        assert needed in members, needed
    assert not any(m.endswith((".so", ".pyc")) for m in members)
