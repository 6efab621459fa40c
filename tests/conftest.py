"""Shared fixtures: a real threaded HTTP server on 127.0.0.1, free ports."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
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
