"""Shared fixtures: a real threaded HTTP server on 127.0.0.1, free ports."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from manypaths.serving import make_server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def serve() -> Iterator[Callable[..., str]]:
    """``serve(app, prefix="")`` starts a threaded server and returns its base URL."""
    servers: list[Any] = []

    def start(app: Any, prefix: str = "") -> str:
        server = make_server(app, "127.0.0.1", 0, prefix=prefix, quiet=True)
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        servers.append(server)
        return f"http://127.0.0.1:{server.server_port}"

    yield start
    for server in servers:
        server.shutdown()
        server.server_close()


def start_functions_framework(source: Path, target: str, probe: str) -> tuple[subprocess.Popen[bytes], str]:
    """The real functions-framework serving ``target`` of ``source`` on 127.0.0.1 (the repository
    importable); returns the process and its base URL once ``probe`` answers."""
    port = free_port()
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])}
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "functions-framework"), f"--target={target}", f"--source={source}",
         f"--port={port}", "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
    )
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"functions-framework exited: {proc.stderr.read().decode() if proc.stderr else ''}")
        try:
            urllib.request.urlopen(base + probe, timeout=1).read()
            return proc, base
        except (urllib.error.URLError, ConnectionError):
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("functions-framework did not start in 30 s")
