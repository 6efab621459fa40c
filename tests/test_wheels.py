"""``make wheel``'s two builds, as a user installs them: the platform wheel carries the compiled
matcher and uses it; the pure wheel (py3-none-any) carries none and answers the same."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).parent.parent
PROBE = """
from manypaths.routing import Map, Rule
from manypaths.routing.compiler import compiled_core
m = Map([Rule("/users/<int:id>", endpoint="user"), Rule("/users/", endpoint="users")])
print(compiled_core() is not None, m.match("/users/7"), m.match("/users/"))
"""


def _wheel(tmp: Path, pure: bool) -> Path:
    env = {**os.environ, "MANYPATHS_PURE_BUILD": "1"} if pure else {
        k: v for k, v in os.environ.items() if k != "MANYPATHS_PURE_BUILD"}
    source = tmp / ("src-pure" if pure else "src-compiled")  # a copy: no build/ left in the work tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(
        ".venv", ".git", "build", "dist", "*.so", "__pycache__", ".cache", "node_modules", "*.egg-info"))
    out = tmp / ("pure" if pure else "compiled")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out),
                    str(source)], check=True, env=env, timeout=300)
    (wheel,) = out.glob("*.whl")
    return wheel


def _run(wheel: Path, tmp: Path, *args: str) -> str:
    target = tmp / f"site-{wheel.stem}"
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
                   check=True, timeout=300)
    env = {**os.environ, "PYTHONPATH": str(target)}
    env.pop("MANYPATHS_PURE", None)
    # -S: no site-packages, so the editable install of the work tree cannot answer instead
    done = subprocess.run([sys.executable, "-S", *args], env=env, cwd=tmp, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    return done.stdout


@pytest.mark.skipif(shutil.which("gcc") is None and shutil.which("cc") is None and not os.environ.get(
    "MANYPATHS_REQUIRE_COMPILED"), reason="no C compiler here (CI has one and runs this)")
def test_platform_wheel_is_compiled_and_pure_wheel_is_not(tmp_path: Path) -> None:
    compiled, pure = _wheel(tmp_path, pure=False), _wheel(tmp_path, pure=True)
    assert pure.name.endswith("-py3-none-any.whl")
    assert not compiled.name.endswith("-none-any.whl")
    assert not [n for n in zipfile.ZipFile(pure).namelist() if n.endswith((".so", ".pyd"))]
    names = zipfile.ZipFile(compiled).namelist()
    for part in ("routing/_speedups", "asgi/_environ", "http/_speedups"):  # matcher, ASGI environ, JSON writer
        assert [n for n in names if f"manypaths/{part}" in n and n.endswith((".so", ".pyd"))], part
    answers = "('user', {'id': 7}) ('users', {})"
    assert _run(compiled, tmp_path, "-c", PROBE).strip() == f"True {answers}"
    assert _run(pure, tmp_path, "-c", PROBE).strip() == f"False {answers}"
    assert "compiled matcher: C extension _speedups" in _run(compiled, tmp_path, "-m", "manypaths", "--version")
    assert "pure Python" in _run(pure, tmp_path, "-m", "manypaths", "--version")
