"""Driver conformance: one table of requests through every driver, the same answers everywhere.

Drivers: WSGI (the app called as a WSGI server calls it: the fast path for the plain app, the
general one for the others), ASGI served inline on the loop and in worker threads, RSGI under the
real granian server (its native interface, ``App.__rsgi__``), ``lambda_handler``
on each HTTP event shape (built from the real fixture events: REST, HTTP API, ALB single- and
multi-value, Function URL, VPC Lattice v1 and v2), and ``cloud_function`` under the real
functions-framework server on 127.0.0.1. Same status, same headers (less what the transport adds),
same body, same hook calls (in-process drivers) and the same access-log line (method, path, status).
"""

from __future__ import annotations

import asyncio
import base64
import copy
import gzip
import http.client
import json
import logging
import os
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import unquote

import pytest

from manypaths.platforms import lambda_handler
from manypaths.testing import build_environ
from tests.conftest import free_port
from tests.drivers import apps

ROOT = Path(__file__).parents[2]
EVENTS = ROOT / "tests" / "fixtures" / "aws-events"
HOST = "conformance.test"
ORIGIN = "https://app.example"

# name, method, path, query, headers, body
REQUESTS: list[tuple[str, str, str, str, dict[str, str], bytes]] = [
    ("static", "GET", "/", "", {}, b""),
    ("dynamic", "GET", "/users/7", "", {}, b""),
    ("404", "GET", "/users/x", "", {}, b""),
    ("405", "POST", "/only-get", "", {"Content-Type": "text/plain"}, b"x"),
    ("redirect", "GET", "/dir", "", {}, b""),
    ("head", "HEAD", "/", "", {}, b""),
    ("options", "OPTIONS", "/users/7", "", {}, b""),
    ("view error", "GET", "/boom", "", {}, b""),
    ("hook error", "GET", "/hook-boom", "", {}, b""),
    ("abort", "GET", "/forbidden", "", {}, b""),
    ("stream", "GET", "/stream", "", {}, b""),
    ("async stream", "GET", "/astream", "", {}, b""),
    ("text and status", "GET", "/made", "", {}, b""),
    ("json and status", "GET", "/accepted", "", {}, b""),
    ("head, text and status", "HEAD", "/made", "", {}, b""),
    ("204 from a tuple", "GET", "/empty", "", {}, b""),
    ("bytes", "GET", "/raw", "", {}, b""),
    ("list", "GET", "/listed", "", {}, b""),
    ("list and status", "GET", "/listed-created", "", {}, b""),
    ("body, status, headers", "GET", "/located", "", {}, b""),
    ("body, headers", "GET", "/tagged", "", {}, b""),
    ("Response(text)", "GET", "/response", "", {}, b""),
    ("head, Response(text)", "HEAD", "/response", "", {}, b""),
    ("Response(text), a header added", "GET", "/response-touched", "", {}, b""),
    ("Response(text), its body replaced", "GET", "/response-replaced", "", {}, b""),
    ("Response(text), its status set", "GET", "/response-status", "", {}, b""),
    ("a header with a line break", "GET", "/bad-header", "", {}, b""),
    ("bytes and status", "GET", "/raw-created", "", {}, b""),
    ("cookies", "GET", "/cookie", "", {}, b""),
    ("typed 422", "GET", "/typed", "limit=0", {}, b""),
    ("typed ok", "GET", "/typed", "limit=3", {}, b""),
    ("query", "GET", "/args", "q=%C3%A9&s=a%20b&r=", {}, b""),
    ("json body", "POST", "/echo", "", {"Content-Type": "application/json"}, b'{"a": [1, 2]}'),
    ("cors simple", "GET", "/users/7", "", {"Origin": ORIGIN}, b""),
    ("cors preflight", "OPTIONS", "/users/7", "", {"Origin": ORIGIN, "Access-Control-Request-Method": "GET"}, b""),
    ("compression", "GET", "/big", "", {"Accept-Encoding": "gzip"}, b""),
    ("session", "GET", "/session", "", {"Cookie": "session=tampered.value.sig"}, b""),
    ("after_this_request", "GET", "/after-this", "", {}, b""),
    ("cloudevent", "POST", "/", "", {"ce-specversion": "1.0", "ce-type": "com.example.x", "ce-source": "//t",
                                     "ce-id": "e1", "Content-Type": "application/json"}, b'{"n": 1}'),
    ("cloudevent failing", "POST", "/", "", {"ce-specversion": "1.0", "ce-type": "com.example.x", "ce-source": "//t",
                                             "ce-id": "e2", "Content-Type": "application/json"}, b'{"fail": true}'),
    ("cloudevent malformed", "POST", "/", "", {"ce-specversion": "1.0", "Content-Type": "application/json"}, b"{}"),
    ("cloudevent structured", "POST", "/", "", {"Content-Type": "application/cloudevents+json"},
     b'{"specversion": "1.0", "type": "com.example.y", "source": "//t", "id": "e3", "data": {"n": 3}}'),
]

# Added by a server or a platform, not by the app.
TRANSPORT = {"date", "server", "connection", "keep-alive", "transfer-encoding", "content-length"}

Answer = tuple[int, tuple[tuple[str, str], ...], bytes]


def _normal(status: int, headers: list[tuple[str, str]], body: bytes, method: str) -> Answer:
    kept = []
    for name, value in headers:
        name = name.lower()
        if name in TRANSPORT:
            continue
        if name == "location":
            value = re.sub(r"^https?://[^/]+", "", value)  # the scheme and host are the transport's
        if name in ("vary", "allow", "access-control-allow-methods"):
            # Lists: one header per item or one joined line (HTTP API events join) are the same.
            kept.extend((name, item.strip()) for item in value.split(","))
            continue
        kept.append((name, value))
    if dict(kept).get("content-encoding") == "gzip" and body:
        body = b"gzip:" + gzip.decompress(body)
    return status, tuple(sorted(kept)), b"" if method == "HEAD" else body


# -- drivers ---------------------------------------------------------------------------------------

def wsgi(app: Any, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
    environ = build_environ(path, method, base_url=f"http://{HOST}", query_string=query or None,
                            headers={k: v for k, v in headers.items() if k != "Content-Type"},
                            data=body or None, content_type=headers.get("Content-Type"))
    captured: list[Any] = []
    chunks = app(environ, lambda status, hs, exc_info=None: captured.extend([status, hs]))
    try:
        data = b"".join(chunks)
    finally:
        if hasattr(chunks, "close"):
            chunks.close()
    return _normal(int(captured[0][:3]), captured[1], data, method)


def _asgi(app: Any, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
             "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
             "query_string": query.encode(), "server": (HOST, 80), "client": ("127.0.0.1", 5000),
             "headers": [(b"host", HOST.encode())] + [(k.lower().encode(), v.encode()) for k, v in headers.items()]
             + ([(b"content-length", str(len(body)).encode())] if body else [])}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        if messages:
            return messages.pop(0)
        await asyncio.sleep(3600)
        raise AssertionError

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(asyncio.wait_for(app.asgi(scope, receive, send), 30))
    start = next(m for m in sent if m["type"] == "http.response.start")
    data = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return _normal(start["status"], [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]],
                   data, method)


def asgi_inline(app: Any, *request: Any) -> Answer:
    app.config["ASGI_THREADS"] = False
    return _asgi(app, *request)


def asgi_threaded(app: Any, *request: Any) -> Answer:
    app.config["ASGI_THREADS"] = True
    try:
        return _asgi(app, *request)
    finally:
        app.config["ASGI_THREADS"] = False


def _event(shape: str, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> dict[str, Any]:
    files = {"v1": "apiGatewayProxyEvent.json", "v2": "apiGatewayProxyV2Event.json", "alb": "albEvent.json",
             "alb-multi": "albMultiValueHeadersEvent.json", "url": "lambdaFunctionUrlEvent.json",
             "lattice1": "vpcLatticeEvent.json", "lattice2": "vpcLatticeV2Event.json"}
    event = copy.deepcopy(json.loads((EVENTS / files[shape]).read_text()))
    sent = {"host": HOST, "x-forwarded-proto": "http", **{k.lower(): v for k, v in headers.items()}}
    text = base64.b64encode(body).decode() if body else None
    # As the platforms give them: API Gateway's REST parameters and VPC Lattice v2's decoded, ALB's as
    # the client sent them (the queries in REQUESTS repeat no name: single-value shapes keep one).
    pairs = [tuple(p.split("=", 1)) for p in query.split("&")] if query else []
    decoded = [(k, unquote(v)) for k, v in pairs]
    if shape in ("v2", "url"):
        event.update(rawPath=path, rawQueryString=query, headers=sent, cookies=None, body=text,
                     isBase64Encoded=bool(body))
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["http"]["path"] = path
        event["requestContext"]["stage"] = "$default"
    elif shape == "v1":
        event.update(httpMethod=method, path=path, headers=sent, multiValueHeaders={k: [v] for k, v in sent.items()},
                     queryStringParameters=dict(decoded) or None,
                     multiValueQueryStringParameters={k: [v] for k, v in decoded} or None,
                     body=text, isBase64Encoded=bool(body))
        event["requestContext"].update(path=path, stage="$default", httpMethod=method)
    elif shape == "alb":
        event.update(httpMethod=method, path=path, headers=sent, queryStringParameters=dict(pairs),
                     body=text or "", isBase64Encoded=bool(body))
    elif shape == "alb-multi":
        event.update(httpMethod=method, path=path, multiValueHeaders={k: [v] for k, v in sent.items()},
                     multiValueQueryStringParameters={k: [v] for k, v in pairs}, body=text or "",
                     isBase64Encoded=bool(body))
    elif shape == "lattice1":
        event.update(method=method, raw_path=path + (f"?{query}" if query else ""), headers=sent,
                     query_string_parameters=dict(pairs), body=text or "", is_base64_encoded=bool(body))
    else:  # lattice2
        event.update(method=method, path=path + (f"?{query}" if query else ""), headers=sent,
                     queryStringParameters=dict(decoded) or None, body=text, isBase64Encoded=bool(body))
    return event


def _lambda(shape: str) -> Any:
    def driver(app: Any, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
        result = lambda_handler(app)(_event(shape, method, path, query, headers, body), {"aws_request_id": "r1"})
        pairs: list[tuple[str, str]] = []
        for name, values in (result.get("multiValueHeaders") or {}).items():
            pairs.extend((name, v) for v in values)
        for name, value in (result.get("headers") or {}).items():
            pairs.append((name, value))
        pairs.extend(("set-cookie", c) for c in result.get("cookies") or ())
        data = base64.b64decode(result["body"]) if result.get("isBase64Encoded") else result["body"].encode()  # (text: API Gateway sends it as UTF-8)
        return _normal(result["statusCode"], pairs, data, method)
    return driver


class Server:
    """A real server on 127.0.0.1 serving one app of apps.py; its stdout (the access log) is kept."""

    def __init__(self, kind: str, app_name: str) -> None:
        self.port = free_port()
        self.lines: list[str] = []
        if kind == "functions-framework":
            command = [str(Path(sys.executable).parent / "functions-framework"), f"--target={app_name}_fn",
                       f"--source={Path(__file__).parent / 'apps.py'}", f"--port={self.port}", "--host", "127.0.0.1"]
        else:  # granian's native interface, RSGI
            command = [str(Path(sys.executable).parent / "granian"), "--interface", "rsgi", "--host", "127.0.0.1",
                       "--port", str(self.port), "--workers", "1", f"tests.drivers.apps:{app_name}_app"]
        self.proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, cwd=ROOT,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)}, text=True)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 30
        while True:
            try:
                self.request("GET", "/", "", {}, b"")
                break
            except OSError:
                assert self.proc.poll() is None and time.monotonic() < deadline, f"{kind} did not start: {self.lines}"
                time.sleep(0.2)
        time.sleep(0.1)
        self.lines.clear()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line)

    def request(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=10)
        try:
            conn.request(method, path + (f"?{query}" if query else ""), body=body or None,
                         headers={"Host": HOST, "Accept-Encoding": "identity", **headers})
            r = conn.getresponse()
            return _normal(r.status, r.getheaders(), r.read(), method)
        finally:
            conn.close()

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)


SERVERS = ("functions-framework", "granian-rsgi")


DRIVERS = {"wsgi": wsgi, "asgi-inline": asgi_inline, "asgi-threaded": asgi_threaded,
           **{f"lambda-{shape}": _lambda(shape) for shape in ("v1", "v2", "alb", "alb-multi", "url", "lattice1", "lattice2")}}


class _Log(logging.Handler):
    def __init__(self) -> None:
        super().__init__()
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


def _log_fields(lines: list[str]) -> list[tuple[str, ...]]:
    found = []
    for line in lines:
        m = re.search(r"(GET|POST|HEAD|OPTIONS) (\S+) (\d{3}) [\d.]+ms", line)
        if m:
            found.append(m.groups())
    return found


@pytest.fixture(scope="module")
def servers() -> Iterator[dict[tuple[str, str], Server]]:
    started = {(kind, name): Server(kind, name) for kind in SERVERS for name in apps.NAMES}
    yield started
    for server in started.values():
        server.close()


@pytest.mark.parametrize("app_name", apps.NAMES)
def test_every_driver_gives_the_same_answers(app_name: str, servers: dict[tuple[str, str], Server]) -> None:
    # Each driver serves its own new app: what one decided on its first request cannot hide
    # what another would have got wrong on its own.
    served = {driver_name: apps.make(app_name) for driver_name in DRIVERS}
    log = _Log()
    logger = logging.getLogger("manypaths.access")
    logger.addHandler(log)
    try:
        for name, method, path, query, headers, body in REQUESTS:
            results: dict[str, Any] = {}
            for driver_name, driver in DRIVERS.items():
                apps.CALLS.clear()
                log.lines.clear()
                answer = driver(served[driver_name], method, path, query, headers, body)
                results[driver_name] = (answer, list(apps.CALLS), _log_fields(log.lines))
            reference = results["wsgi"]
            for kind in SERVERS:
                server = servers[(kind, app_name)]
                server.lines.clear()
                answer = server.request(method, path, query, headers, body)
                time.sleep(0.05)  # the access-log line is written after the answer
                results[kind] = (answer, reference[1], _log_fields(server.lines))
            for driver_name, got in results.items():
                assert got[0] == reference[0], f"{app_name} {name}: {driver_name} answered differently"
                assert got[1] == reference[1], f"{app_name} {name}: {driver_name} ran other hooks: {got[1]}"
                assert got[2] == reference[2], f"{app_name} {name}: {driver_name} logged {got[2]}, wsgi {reference[2]}"
            if app_name != "plain":
                assert reference[2] and reference[2][0][2] == str(reference[0][0]), (name, reference)
    finally:
        logger.removeHandler(log)


@pytest.mark.parametrize("driver_name", ["asgi-inline", "asgi-threaded", "wsgi"])
def test_the_platform_default_access_log_is_written_by_every_driver(driver_name: str,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    # On Cloud Run / Cloud Functions the access log is on by default; the first request decides it.
    monkeypatch.setenv("K_SERVICE", "svc")
    app = apps.make("plain")
    app.config["ACCESS_LOG"] = None
    log = _Log()
    logging.getLogger("manypaths.access").addHandler(log)
    try:
        for _ in range(2):
            DRIVERS[driver_name](app, "GET", "/users/7", "", {}, b"")
        wsgi(app, "GET", "/", "", {}, b"")
    finally:
        logging.getLogger("manypaths.access").removeHandler(log)
    assert [json.loads(line)["message"].rsplit(" ", 1)[0] for line in log.lines] == [
        "GET /users/7 200", "GET /users/7 200", "GET / 200"]


@pytest.mark.parametrize("driver_name", list(DRIVERS))
def test_the_access_log_keeps_the_fast_road_and_logs_every_answer(driver_name: str,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    # The access log reads only the answer's status: an app with it on stays on the fast road (no
    # Response for a str, a dict or their tuples) on every driver, and each answer is logged with
    # its own status and a duration — fast answers, the 404 fast road, a Response, an error page.
    caplog.set_level(logging.CRITICAL, logger="manypaths")
    app = apps.make("fastlog")
    log = _Log()
    logging.getLogger("manypaths.access").addHandler(log)
    paths = [("/users/7", "200"), ("/made", "201"), ("/accepted", "202"), ("/located", "201"),
             ("/tagged", "200"), ("/nowhere", "404"), ("/boom", "500"), ("/stream", "200"), ("/users/7", "200")]
    try:
        for path, _ in paths:
            DRIVERS[driver_name](app, "GET", path, "", {}, b"")
    finally:
        logging.getLogger("manypaths.access").removeHandler(log)
    if app._plain is None:  # asgi-threaded resets ASGI_THREADS, which the next request decides on
        app._decide()
    assert app._plain is True and app._fast is True and app._post_process
    assert [fields[1:] for fields in _log_fields(log.lines)] == [(path, status) for path, status in paths]

    # The duration is measured from the request's start, noted on every road (the first request too).
    fresh = apps.make("fastlog")
    for _ in range(2):
        environ = build_environ("/users/7", "GET", base_url=f"http://{HOST}")
        b"".join(fresh(environ, lambda *a: None))
        assert type(environ.get("manypaths.started")) is float


def test_raw_utf8_in_the_query_reaches_the_view_as_sent_over_rsgi(servers: dict[tuple[str, str], Server]) -> None:
    # A client may send the query's UTF-8 unencoded, and granian takes it (functions-framework's
    # server answers 400). granian hands it over decoded (its scope's query_string is text): the
    # view reads "é", as it reads the percent-encoded one.
    for kind in ("granian-rsgi",):
        server = servers[kind, "plain"]
        with socket.create_connection(("127.0.0.1", server.port), timeout=10) as conn:
            conn.sendall(b"GET /args?q=\xc3\xa9&q=%C3%A9 HTTP/1.1\r\nHost: " + HOST.encode()
                         + b"\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := conn.recv(65536):
                data += chunk
        head, _, body = data.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 200"), (kind, head)
        assert json.loads(body) == {"path": "/args", "args": {"q": ["\u00e9", "\u00e9"]}}, kind


def _h2c_get(port: int, path: str, authority: str) -> tuple[int, bytes]:
    # One GET over cleartext HTTP/2 with prior knowledge (RFC 9113 3.3), written by hand: the
    # standard library has no HTTP/2 client. Headers as HPACK literals without indexing (RFC 7541
    # 6.2.2), no Huffman coding. Returns the response's :status and body.
    def frame(kind: int, flags: int, stream: int, payload: bytes) -> bytes:
        return len(payload).to_bytes(3, "big") + bytes([kind, flags]) + stream.to_bytes(4, "big") + payload

    fields = b"".join(b"\x00" + bytes([len(name)]) + name + bytes([len(value)]) + value for name, value in [
        (b":method", b"GET"), (b":scheme", b"http"), (b":path", path.encode()), (b":authority", authority.encode())])
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n" + frame(4, 0, 0, b"") + frame(1, 0x5, 1, fields))
        buffered, status, body = b"", 0, b""
        while True:
            while len(buffered) < 9 or len(buffered) < 9 + int.from_bytes(buffered[:3], "big"):
                chunk = conn.recv(65536)
                assert chunk, "the server closed the connection before the answer ended"
                buffered += chunk
            size, kind, flags = int.from_bytes(buffered[:3], "big"), buffered[3], buffered[4]
            stream, payload, buffered = int.from_bytes(buffered[5:9], "big"), buffered[9:9 + size], buffered[9 + size:]
            if kind == 4 and not flags & 1:
                conn.sendall(frame(4, 1, 0, b""))  # the server's SETTINGS, acknowledged
            elif kind == 1 and stream == 1:
                # The :status is HPACK's static table entry 8-14 (an indexed field, 0x88-0x8e) or a literal.
                indexed = {0x88: 200, 0x89: 204, 0x8a: 206, 0x8b: 304, 0x8c: 400, 0x8d: 404, 0x8e: 500}
                status = indexed.get(payload[0], 0) or int(payload[2:5])
            elif kind == 0 and stream == 1:
                body += payload
            if kind in (0, 1) and stream == 1 and flags & 1:
                return status, body


def test_over_http2_the_host_is_the_authority_under_granian(servers: dict[tuple[str, str], Server]) -> None:
    # HTTP/2 has no Host header: granian gives the :authority apart (scope.authority), and the view's
    # host and external URLs are the authority's, not the server's address.
    status, body = _h2c_get(servers["granian-rsgi", "plain"].port, "/where", "api.example:8443")
    assert status == 200, body
    assert json.loads(body) == {"host": "api.example:8443", "url": "http://api.example:8443/where"}


@pytest.mark.parametrize("driver_name", list(DRIVERS))
def test_a_setting_changed_after_the_first_request_is_decided_again(driver_name: str) -> None:
    # The road is decided on the first request; turning compression on later is seen by every driver.
    app = apps.make("plain")
    driver = DRIVERS[driver_name]
    first = driver(app, "GET", "/big", "", {"Accept-Encoding": "gzip"}, b"")
    assert "content-encoding" not in dict(first[1])
    app.config["COMPRESS"] = True
    second = driver(app, "GET", "/big", "", {"Accept-Encoding": "gzip"}, b"")
    assert dict(second[1]).get("content-encoding") == "gzip" and second[2] == b"gzip:" + first[2]
    app.config.update(COMPRESS=False)
    assert "content-encoding" not in dict(driver(app, "GET", "/big", "", {"Accept-Encoding": "gzip"}, b"")[1])


def test_the_fast_road_answers_str_dict_and_their_status_tuples() -> None:
    # What the conformance table proves equal is also taken without a Response on the plain app.
    from manypaths import dispatch

    app = apps.make("plain")
    wsgi(app, "GET", "/", "", {}, b"")  # decides the road
    request = app.test_request_context("/").request
    assert dispatch.finish(app, request, "hi") == (b"hi", dispatch.HTML)
    assert dispatch.finish(app, request, ("made", 201)) == (b"made", dispatch.HTML, 201)
    assert dispatch.finish(app, request, ({"a": 1}, 202)) == (b'{"a":1}\n', dispatch.JSON, 202)
    assert dispatch.finish(app, request, (b"x", 201)) == (b"x", dispatch.HTML, 201)
    assert dispatch.finish(app, request, [1, {"b": 2}]) == (b'[1,{"b":2}]\n', dispatch.JSON)
    assert dispatch.finish(app, request, ([1], 201)) == (b"[1]\n", dispatch.JSON, 201)
    assert dispatch.finish(app, request, ("x", 201, {"X": 1})) == (
        b"x", None, 201, [("Content-Type", dispatch.HTML), ("Content-Length", "1"), ("X", "1")])
    assert dispatch.finish(app, request, ("x", {"content-type": "text/plain"}))[3] == [
        ("Content-Length", "1"), ("content-type", "text/plain")]  # replaced, as Headers.set does
    for other in (("x", 204), ("x", 304), ("x", 299), ("x", "201 Created"), (bytearray(b"x"), 201),
                  ("x", 201, [("X", "1")]), ("x", 201, {"X": "a\nb"})):
        assert not isinstance(dispatch.finish(app, request, other), tuple), other
