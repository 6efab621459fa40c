"""Finding 3: ASGI read the whole request body before routing, with no default limit.

A 400 MB POST to a URL with no route was buffered (the uvicorn worker grew by 400 MB) before the
404. Now the body is received only when something reads it — never for a 404, 405 or redirect —
a body read into memory stops at ``MAX_BUFFERED_CONTENT_LENGTH`` (16 MiB by default; 413), and a
streamed read is unbounded unless ``MAX_CONTENT_LENGTH`` is set.
"""

from __future__ import annotations

import asyncio
import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from manypaths import App, request
from tests.conftest import free_port
from tests.platforms.example_checks import wait_until_serving

HUGE = 400 * 1024 * 1024
ROOT = Path(__file__).parents[2]


def build(threaded: bool) -> App:
    app = App(__name__)
    if threaded:
        @app.before_request
        def hook() -> None:  # a hook: requests run in a worker thread
            return None

    @app.post("/echo")
    def echo() -> Any:
        return {"size": len(request.get_data())}

    @app.post("/stream")
    def stream() -> Any:
        return {"size": len(request.stream.read())}

    @app.get("/only-get")
    def only_get() -> str:
        return "get"

    @app.route("/dir/", methods=["POST"])
    def directory() -> str:
        return "dir"

    return app


def ask(app: App, method: str, path: str, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> tuple[int, bytes, int]:
    """Status, body and how many times the app called receive()."""
    calls = [0]
    messages = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]

    async def receive() -> dict[str, Any]:
        calls[0] += 1
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)  # a client that never sends the rest: reading it would hang
        raise AssertionError

    sent: list[dict[str, Any]] = []

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
             "headers": [(b"host", b"t")] + headers, "server": ("t", 80), "client": ("127.0.0.1", 1)}
    asyncio.run(asyncio.wait_for(build_app_call(app, scope, receive, send), 20))
    start = next(m for m in sent if m["type"] == "http.response.start")
    return start["status"], b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body"), calls[0]


async def build_app_call(app: App, scope: dict[str, Any], receive: Any, send: Any) -> None:
    await app.asgi(scope, receive, send)


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
@pytest.mark.parametrize("method,path,status", [("POST", "/missing", 404), ("POST", "/only-get", 405),
                                                ("POST", "/dir", 308)])
def test_a_miss_never_reads_the_body(threaded: bool, method: str, path: str, status: int) -> None:
    declared = [(b"content-length", str(HUGE).encode()), (b"content-type", b"application/json")]
    got, _, calls = ask(build(threaded), method, path, declared, [b"x" * 1024])
    assert (got, calls) == (status, 0)
    chunked = [(b"transfer-encoding", b"chunked")]
    got, _, calls = ask(build(threaded), method, path, chunked, [b"x" * 1024])
    assert (got, calls) == (status, 0)


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
def test_buffered_reads_stop_at_the_default_limit(threaded: bool) -> None:
    app = build(threaded)
    assert app.config["MAX_BUFFERED_CONTENT_LENGTH"] == 16 * 1024 * 1024
    # Declared past the limit: 413 without receiving anything.
    got, body, calls = ask(app, "POST", "/echo", [(b"content-length", str(HUGE).encode())], [b"x"])
    assert (got, calls) == (413, 0), body
    # Chunked (no declared size): 413 once just over the limit arrived; the rest is never received.
    app.config["MAX_BUFFERED_CONTENT_LENGTH"] = 1000
    chunks = [b"y" * 100] * 100
    got, body, calls = ask(app, "POST", "/echo", [(b"transfer-encoding", b"chunked")], chunks)
    assert got == 413 and calls <= 11, (got, calls)
    # Within the limit: read whole.
    got, body, calls = ask(app, "POST", "/echo", [(b"content-length", b"500")], [b"z" * 250, b"z" * 250])
    assert (got, body) == (200, b'{"size":500}\n')


@pytest.mark.parametrize("threaded", [False, True], ids=["inline", "threaded"])
def test_streamed_reads_are_not_bounded_by_the_buffered_limit(threaded: bool) -> None:
    app = build(threaded)
    app.config["MAX_BUFFERED_CONTENT_LENGTH"] = 1000
    got, body, _ = ask(app, "POST", "/stream", [(b"transfer-encoding", b"chunked")], [b"s" * 1000] * 20)
    assert (got, body) == (200, b'{"size":20000}\n')
    app.config["MAX_CONTENT_LENGTH"] = 5000  # set: it bounds streams too
    got, _, calls = ask(app, "POST", "/stream", [(b"transfer-encoding", b"chunked")], [b"s" * 1000] * 20)
    assert got == 413 and calls <= 6


def test_wsgi_buffered_reads_stop_at_the_limit_too() -> None:
    app = build(False)
    app.config["MAX_BUFFERED_CONTENT_LENGTH"] = 1000
    c = app.test_client()
    assert c.post("/echo", data=b"a" * 1000).get_json() == {"size": 1000}
    assert c.post("/echo", data=b"a" * 1001).status_code == 413
    assert c.post("/stream", data=b"a" * 5000).get_json() == {"size": 5000}


def _child(pid: int) -> int:
    # granian serves from a worker process: the first child of the server's process.
    with open(f"/proc/{pid}/task/{pid}/children") as f:
        children = f.read().split()
    return int(children[0]) if children else pid


def _rss_kib(pid: int) -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


@pytest.mark.parametrize("server", ["uvicorn", "granian-rsgi"])
def test_a_real_server_answers_a_huge_post_to_no_route_without_reading_it(server: str) -> None:
    port = free_port()
    command = (["uvicorn", "--host", "127.0.0.1", "--port", str(port), "--no-access-log", "--interface", "asgi3",
                "examples.api.app:app.asgi"] if server == "uvicorn" else
               ["granian", "--interface", "rsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
                "examples.api.app:app"])
    proc = subprocess.Popen([str(Path(sys.executable).parent / command[0]), *command[1:]], cwd=ROOT,
                            env={**os.environ, "PYTHONPATH": str(ROOT)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_serving(proc, f"http://127.0.0.1:{port}", server)
        worker = proc.pid if server == "uvicorn" else _child(proc.pid)
        before = _rss_kib(worker)
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"POST /no/such/route HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n"
                         b"Content-Length: %d\r\n\r\n" % HUGE)
            started = time.monotonic()
            sent = 0
            sock.setblocking(False)
            answer = b""
            # Keep sending body (up to 64 MiB) while waiting: the 404 must come without the rest.
            while b"\r\n\r\n" not in answer and time.monotonic() - started < 10:
                try:
                    answer += sock.recv(65536)
                except BlockingIOError:
                    pass
                if sent < 64 * 1024 * 1024:
                    try:
                        sent += sock.send(b"\0" * 65536)
                    except (BlockingIOError, BrokenPipeError, ConnectionResetError):
                        pass
        assert answer.startswith(b"HTTP/1.1 404"), answer[:200]
        assert _rss_kib(worker) - before < 32 * 1024  # nothing like the body was buffered
    finally:
        proc.terminate()
        proc.wait(10)
