"""The example App served by real ASGI servers on 127.0.0.1 (uvicorn, hypercorn, granian): the same
request table as under gunicorn, the same answers (issue 11)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
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


def test_a_finished_request_is_not_kept_alive_by_the_server_under_keep_alive() -> None:
    # uvicorn schedules a keep-alive timer while the last body is sent; the timer keeps the context it
    # was made in. The request must already have ended then: else every request (its environ, its
    # Request) stayed alive for seconds, the GC promoted them, and full collections stalled the
    # worker (~45 ms p99 under load). Many requests over keep-alive connections, then: nothing left.
    import http.client
    import json

    port = free_port()
    proc = subprocess.Popen([str(BIN / "uvicorn"), "--host", "127.0.0.1", "--port", str(port), "--no-access-log",
                             "--timeout-keep-alive", "30", "tests.aio.retention_app:app.asgi"], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:  # until it answers
            try:
                with urllib.request.urlopen(base + "/text", timeout=2) as r:
                    assert r.read() == b"hello"
                break
            except (urllib.error.URLError, ConnectionError):
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
                assert time.monotonic() < deadline, "uvicorn did not start"
                time.sleep(0.2)
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=10) for _ in range(8)]
        for i in range(400):
            conn = connections[i % len(connections)]
            conn.request("GET", "/text" if i % 2 else "/object")
            response = conn.getresponse()
            assert response.status in (200, 201) and response.read() in (b"hello", b"made")
        conn = connections[0]
        conn.request("GET", "/alive")
        alive = json.loads(conn.getresponse().read())
        assert alive["requests"] == 0, alive
        for conn in connections:
            conn.close()
    finally:
        proc.terminate()
        proc.wait(10)
