"""A request body is read whole or answered with a clear 4xx: never passed on cut short, never
silently empty, never waited for past its end.

Found by sending raw requests to ``manypaths serve``: a chunked body reached the App as no body at
all (a typed view answered 422 "Missing request body"; ``get_data()`` gave b""), an ASGI app served
through ``WSGIFromASGI`` hung on any POST (it read the input to its end, which on a kept-open
connection never comes) and lost a chunked body, and a body that ended before its Content-Length
was passed on short. Each server here is real, on 127.0.0.1: the local server (``make_server``,
what ``manypaths serve`` runs) and gunicorn, serving the App and an ASGI app through the bridge.
"""

from __future__ import annotations

import hashlib
import json
import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from manypaths import App, request
from manypaths.asgi.environ import WSGIFromASGI
from manypaths.serving import make_server
from tests.conftest import free_port

ROOT = Path(__file__).parents[2]
BODY = bytes(range(256)) * 40  # 10,240 bytes, every byte value


def app() -> App:
    served = App(__name__)

    @served.post("/echo")
    def echo() -> Any:
        data = request.get_data()
        return {"n": len(data), "sha": hashlib.sha256(data).hexdigest()}

    return served


async def asgi_echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    data = b""
    while True:
        message = await receive()
        data += message.get("body", b"")
        if not message.get("more_body"):
            break
    body = json.dumps({"n": len(data), "sha": hashlib.sha256(data).hexdigest()}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"application/json")]})
    await send({"type": "http.response.body", "body": body})


def bridged(limit: int | None = 1 << 20) -> WSGIFromASGI:
    return WSGIFromASGI(asgi_echo, lifespan=False, max_buffered_content_length=limit)


def echoed(data: bytes) -> dict[str, Any]:
    return {"n": len(data), "sha": hashlib.sha256(data).hexdigest()}


def exchange(port: int, raw: bytes, *, half_close: bool = True, timeout: float = 10) -> tuple[int, bytes]:
    """Send ``raw`` and read the whole answer (the server closes: HTTP/1.0 or Connection: close)."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(raw)
        if half_close:
            sock.shutdown(socket.SHUT_WR)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    if b"\r\ntransfer-encoding: chunked" in head.lower():  # (gunicorn sends a streamed answer chunked)
        whole = b""
        while True:
            size, _, rest = body.partition(b"\r\n")
            if int(size, 16) == 0:
                break
            whole, body = whole + rest[:int(size, 16)], rest[int(size, 16) + 2:]
        body = whole
    return int(head.split(b" ", 2)[1]), body


def post(body: bytes, *headers: str) -> bytes:
    lines = "".join(f"{h}\r\n" for h in headers)
    return f"POST /echo HTTP/1.1\r\nHost: t\r\nConnection: close\r\n{lines}\r\n".encode() + body


def chunked(data: bytes, size: int = 1000) -> bytes:
    pieces = [data[i:i + size] for i in range(0, len(data), size)]
    out = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(p), p) for p in pieces)
    return out + b"0\r\nX-Trailer: yes\r\n\r\n"


@pytest.fixture(scope="module")
def local() -> Iterator[dict[str, int]]:
    """The local server (short timeout) serving the App and the bridged ASGI app: name -> port."""
    servers = {"app": make_server(app(), "127.0.0.1", 0, quiet=True, timeout=1.0),
               "bridge": make_server(bridged(), "127.0.0.1", 0, quiet=True, timeout=1.0),
               "bridge-small": make_server(bridged(8), "127.0.0.1", 0, quiet=True, timeout=1.0)}
    for server in servers.values():
        threading.Thread(target=server.serve_forever, daemon=True).start()
    yield {name: server.server_port for name, server in servers.items()}
    for server in servers.values():
        server.shutdown()
        server.server_close()


GUNICORN_MODULE = '''
from tests.security.test_request_bodies import app, bridged
app = app()
bridge = bridged()
'''


@pytest.fixture(scope="module")
def gunicorn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, int]]:
    """The real gunicorn (sync worker) serving the same two apps: name -> port."""
    folder = tmp_path_factory.mktemp("gunicorn_bodies")
    (folder / "bodies_apps.py").write_text(GUNICORN_MODULE)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(folder)])}
    procs, ports = [], {}
    for name, target in (("app", "bodies_apps:app"), ("bridge", "bodies_apps:bridge")):
        port = free_port()
        procs.append(subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1",
             "--log-level", "warning", target],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE))
        ports[name] = port
    try:
        for proc, port in zip(procs, ports.values()):
            deadline = time.monotonic() + 30
            while True:
                assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "gunicorn exited"
                try:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                    break
                except OSError:
                    assert time.monotonic() < deadline, "gunicorn did not start"
                    time.sleep(0.1)
        yield ports
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(10)


SERVERS = ["local", "gunicorn"]


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("target", ["app", "bridge"])
def test_a_whole_body_arrives_whole(server: str, target: str, request: pytest.FixtureRequest) -> None:
    port = request.getfixturevalue(server)[target]
    # (not half-closed: the bridge once read the input to its end, which a kept-open connection never sends)
    status, body = exchange(port, post(BODY, f"Content-Length: {len(BODY)}"), half_close=False)
    assert (status, json.loads(body)) == (200, echoed(BODY))


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("target", ["app", "bridge"])
def test_a_chunked_body_arrives_whole(server: str, target: str, request: pytest.FixtureRequest) -> None:
    port = request.getfixturevalue(server)[target]
    status, body = exchange(port, post(chunked(BODY), "Transfer-Encoding: chunked"), half_close=False)
    assert (status, json.loads(body)) == (200, echoed(BODY))


@pytest.mark.parametrize("server", SERVERS)
@pytest.mark.parametrize("target", ["app", "bridge"])
def test_a_body_cut_short_is_a_400(server: str, target: str, request: pytest.FixtureRequest) -> None:
    port = request.getfixturevalue(server)[target]
    status, body = exchange(port, post(BODY[:100], f"Content-Length: {len(BODY)}"))
    assert status == 400, body
    assert b"Traceback" not in body


@pytest.mark.parametrize("target", ["app", "bridge"])
@pytest.mark.parametrize(("framing", "message"), [
    (b"zz\r\nhello\r\n0\r\n\r\n", b"not a hexadecimal number"),
    (b"0x5\r\nhello\r\n0\r\n\r\n", b"not a hexadecimal number"),
    (b"5\r\nhelloXX0\r\n\r\n", b"not followed by CRLF"),
    (b"5\nhello\r\n0\r\n\r\n", b"not ended by CRLF"),
    (b"a\r\nhello", b"ended inside a chunk"),
    (b"5\r\nhello\r\n" + b"1" * 5000 + b"\r\n", b"too long"),
    (b"0\r\n" + b"X: y\r\n" * 101 + b"\r\n", b"trailer lines"),
])
def test_a_malformed_chunked_body_is_a_400_that_says_why(local: dict[str, int], target: str, framing: bytes,
                                                        message: bytes) -> None:
    status, body = exchange(local[target], post(framing, "Transfer-Encoding: chunked"))
    assert status == 400 and message in body.replace(b"&#x27;", b"'"), body


@pytest.mark.parametrize(("headers", "expected"), [
    (("Transfer-Encoding: chunked", "Content-Length: 5"), 400),  # which one frames it? (smuggling)
    (("Content-Length: 5", "Content-Length: 17"), 400),
    (("Transfer-Encoding: gzip, chunked",), 501),  # chunked last, but gzip is not decoded here
    (("Transfer-Encoding: chunked, gzip",), 400),  # the end of the body cannot be told
    (("Transfer-Encoding: identity",), 400),
])
def test_the_local_server_refuses_framings_it_does_not_decode(local: dict[str, int], headers: tuple[str, ...],
                                                              expected: int) -> None:
    status, _ = exchange(local["app"], post(b"5\r\nhello\r\n0\r\n\r\n", *headers))
    assert status == expected
    status, _ = exchange(local["app"], post(b"hello", "Content-Length: 5", "Content-Length: 5"), half_close=False)
    assert status == 200  # (the same length twice is one length)
    old = post(b"5\r\nhello\r\n0\r\n\r\n", "Transfer-Encoding: chunked").replace(b"HTTP/1.1", b"HTTP/1.0", 1)
    assert exchange(local["app"], old)[0] == 400  # HTTP/1.0 has no transfer codings


def test_the_bridge_buffers_no_more_than_its_limit(local: dict[str, int]) -> None:
    status, body = exchange(local["bridge-small"], post(b"123456789", "Content-Length: 9"))
    assert status == 413, body
    status, body = exchange(local["bridge-small"], post(chunked(b"123456789", 2), "Transfer-Encoding: chunked"))
    assert status == 413, body
    status, body = exchange(local["bridge-small"], post(b"12345678", "Content-Length: 8"), half_close=False)
    assert (status, json.loads(body)) == (200, echoed(b"12345678"))


def test_a_body_that_stops_arriving_is_a_408(local: dict[str, int]) -> None:
    started = time.monotonic()
    status, body = exchange(local["app"], post(b"abc", "Content-Length: 10"), half_close=False)
    assert status == 408 and b"timed out" in body
    assert time.monotonic() - started < 8


def test_a_silent_connection_is_closed_and_the_others_are_served(local: dict[str, int]) -> None:
    with socket.create_connection(("127.0.0.1", local["app"]), timeout=10) as idle:
        idle.sendall(b"POST /echo HTTP/1.1\r\nHost: t\r\n")  # and then nothing
        status, body = exchange(local["app"], post(b"hi", "Content-Length: 2"), half_close=False)
        assert (status, json.loads(body)) == (200, echoed(b"hi"))
        started = time.monotonic()
        assert idle.recv(100) == b""  # closed by the server, after its timeout, without an answer
        assert time.monotonic() - started < 8


@pytest.mark.parametrize("threaded", [False, True])
@pytest.mark.parametrize(("length", "expected"), [
    (b"\xb2", 400),  # SUPERSCRIPT TWO: str.isdigit() says yes, int() raised ValueError (a 500 from the server)
    (b"+5", 400), (b"1_0", 400), (b"9" * 5000, 413), (b"5", 200),
])
def test_an_asgi_content_length_is_ascii_digits(threaded: bool, length: bytes, expected: int) -> None:
    import asyncio

    served = app()
    if threaded:
        served.before_request(lambda: None)  # a hook: the request runs in a worker thread
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"hello", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": "POST", "scheme": "http", "path": "/echo",
             "root_path": "", "query_string": b"", "server": ("t", 80), "client": ("10.0.0.1", 5),
             "headers": [(b"host", b"t"), (b"content-length", length)]}
    asyncio.run(served(scope, receive, send))
    assert sent[0]["status"] == expected, sent
    if expected == 200:
        assert json.loads(sent[1]["body"]) == echoed(b"hello")


def test_a_chunked_body_reads_by_line_on_the_local_server() -> None:
    lines = App(__name__)

    @lines.post("/lines")
    def by_line() -> Any:
        return {"lines": [line.decode() for line in request.stream]}

    server = make_server(lines, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        body = b"alpha\nbe" + b"ta\ngam" + b"ma\n" + b"x" * 70 + b"\nend"
        raw = post(chunked(body, 7), "Transfer-Encoding: chunked").replace(b"/echo", b"/lines", 1)
        status, answer = exchange(server.server_port, raw)
    finally:
        server.shutdown()
        server.server_close()
    assert status == 200 and json.loads(answer) == {"lines": [line + "\n" for line in ["alpha", "beta", "gamma",
                                                                                         "x" * 70]] + ["end"]}
