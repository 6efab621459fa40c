"""The example App served by real ASGI servers on 127.0.0.1 (uvicorn, hypercorn, granian): the same
request table as under gunicorn, the same answers (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import free_port
from tests.platforms.example_checks import check_example_app, wait_until_serving

ROOT = Path(__file__).parents[2]
BIN = Path(sys.executable).parent

SERVERS = {
    # uvicorn's auto-detection sees a sync __call__ and calls app(scope): the ASGI 2 style works.
    "uvicorn": lambda port: ["uvicorn", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                             "examples.api.app:app"],
    "uvicorn-asgi3": lambda port: ["uvicorn", "--interface", "asgi3", "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                                   "examples.api.app:app.asgi"],
    "hypercorn": lambda port: ["hypercorn", "--bind", f"127.0.0.1:{port}", "examples.api.app:app.asgi"],
    "granian": lambda port: ["granian", "--interface", "asgi", "--host", "127.0.0.1", "--port", str(port),
                             "--workers", "1", "examples.api.app:app"],
    # granian's native interface: App.__rsgi__ (manypaths.rsgi), the same answers
    "granian-rsgi": lambda port: ["granian", "--interface", "rsgi", "--host", "127.0.0.1", "--port", str(port),
                                  "--workers", "1", "examples.api.app:app"],
}


@pytest.mark.parametrize("server", sorted(SERVERS))
def test_asgi_server_serves_the_example_app(server: str) -> None:
    command = SERVERS[server](free_port())
    assert (BIN / command[0]).exists(), f"{command[0]} is missing: it is in the test extra (pip install -e '.[test]')"
    port = int(command[command.index("--port") + 1]) if "--port" in command else int(command[2].rsplit(":", 1)[1])
    proc = subprocess.Popen([str(BIN / command[0]), *command[1:]], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(proc, base, server)
        check_example_app(base)
    finally:
        proc.terminate()
        proc.wait(10)
