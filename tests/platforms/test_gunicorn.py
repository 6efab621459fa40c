"""The example App runs unchanged under gunicorn (sync and gthread workers) on 127.0.0.1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.platforms.example_checks import check_example_app, wait_until_serving

ROOT = Path(__file__).parents[2]


@pytest.mark.parametrize("worker", ["sync", "gthread"])
def test_gunicorn_serves_the_example_app(worker: str) -> None:
    port = free_port()
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--worker-class", worker,
         "--threads", "2", "--workers", "1", "examples.api.app:app"],
        cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, "gunicorn")
        check_example_app(base)
    finally:
        proc.terminate()
        proc.wait(10)
