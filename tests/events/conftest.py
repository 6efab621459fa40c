"""A real functions-framework server on 127.0.0.1 for the CloudEvents tests."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import free_port

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def serve_ff() -> Iterator[Callable[[str], str]]:
    """``serve_ff("module:target")`` serves the target with the real functions-framework; its base URL."""
    started: list[subprocess.Popen[bytes]] = []

    def start(spec: str) -> str:
        module, target = spec.split(":")
        port = free_port()
        source = ROOT / (module.replace(".", "/") + ".py")
        proc = subprocess.Popen([str(Path(sys.executable).parent / "functions-framework"), f"--target={target}",
                                 f"--source={source}", f"--port={port}", "--host", "127.0.0.1"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env={**os.environ, "PYTHONPATH": str(ROOT)})
        started.append(proc)
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"functions-framework exited: {proc.stderr.read().decode() if proc.stderr else ''}")
            try:
                urllib.request.urlopen(base + "/seen", timeout=1).read()
                return base
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.2)
        raise RuntimeError("functions-framework did not start in 30 s")

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)
