"""A real functions-framework server on 127.0.0.1 for the CloudEvents tests."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.conftest import start_functions_framework

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def serve_ff() -> Iterator[Callable[[str], str]]:
    """``serve_ff("module:target")`` serves the target with the real functions-framework; its base URL."""
    started: list[subprocess.Popen[bytes]] = []

    def start(spec: str) -> str:
        module, target = spec.split(":")
        proc, base = start_functions_framework(ROOT / (module.replace(".", "/") + ".py"), target, "/seen")
        started.append(proc)
        return base

    yield start
    for proc in started:
        proc.terminate()
        proc.wait(10)
