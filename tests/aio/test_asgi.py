"""The App as an ASGI 3 application (issue 11): same answers as under WSGI, root_path as the script
root, bodies read through receive with the size limit enforced while reading, streaming chunk by
chunk with disconnects honoured, lifespan hooks once, inline and thread modes."""

from __future__ import annotations

import asyncio
import json
import threading
from typing import Any

import pytest

import manypaths
from examples.api.app import app as example_app
from manypaths import request
from tests.aio.asgi_client import call, lifespan, run

# The example app's request table, answered through WSGI (test client) and ASGI: the same answers.
TABLE: list[tuple[str, str, list[tuple[str, str]], bytes]] = [
    ("GET", "/", [], b""),
    ("GET", "/users/1", [], b""),
    ("GET", "/users/99", [("Accept", "application/json")], b""),
    ("GET", "/users/abc", [], b""),
    ("POST", "/users/", [("Content-Type", "application/json")], b'{"nom": "Lin"}'),
    ("POST", "/users/", [("Content-Type", "application/json")], b'{"name": '),
    ("DELETE", "/users/1", [], b""),
    ("OPTIONS", "/users/1", [], b""),
    ("HEAD", "/users/1", [], b""),
    ("GET", "/users", [], b""),
    ("GET", "/files/a/b.txt", [], b""),
    ("GET", "/search?q=caf%C3%A9&q=x", [], b""),
    ("GET", "/caf%C3%A9", [], b""),
]


def _wsgi(method: str, target: str, headers: list[tuple[str, str]], body: bytes) -> tuple[int, dict[str, str], bytes]:
    response = example_app.test_client().open(target, method=method, headers=headers, data=body,
                                              base_url="http://testserver")
    return response.status_code, {k.lower(): v for k, v in response.headers.items()}, response.data


@pytest.mark.parametrize(("method", "target", "headers", "body"), TABLE)
@pytest.mark.parametrize("threads", [False, True], ids=["inline", "threads"])
def test_example_app_same_answers_over_asgi_as_over_wsgi(method: str, target: str, headers: list[tuple[str, str]],
                                                         body: bytes, threads: bool) -> None:
    example_app.config["ASGI_THREADS"] = threads
    try:
        answer = run(call(example_app, method, target, headers=headers, body=body))
    finally:
        example_app.config["ASGI_THREADS"] = False
    assert (answer.status, answer.headers, answer.body) == _wsgi(method, target, headers, body)


def build() -> manypaths.App:
    app = manypaths.App("asgiapp", max_content_length=10)

    @app.route("/where")
    def where() -> Any:
        return {"url": manypaths.url_for("where", _external=True), "root": request.script_root,
                "path": request.path, "remote": request.remote_addr}

    @app.route("/async/<int:n>")
    async def async_view(n: int) -> Any:
        await asyncio.sleep(0)
        return {"n": n, "thread": threading.current_thread().name}

    @app.route("/sync")
    def sync_view() -> Any:
        return {"thread": threading.current_thread().name}

    @app.route("/echo", methods=["POST"])
    def echo() -> Any:
        return request.get_data()

    @app.route("/stream")
    def stream() -> Any:
        def chunks() -> Any:
            for i in range(100):
                produced.append(i)
                yield f"{i},"

        return chunks()

    @app.route("/astream")
    async def astream() -> Any:
        async def chunks() -> Any:
            for i in range(100):
                produced.append(i)
                await asyncio.sleep(0)
                yield f"{i},".encode()

        return chunks()

    produced: list[int] = []
    app.produced = produced  # type: ignore[attr-defined]
    return app


def test_root_path_is_the_script_root() -> None:
    answer = run(call(build(), "GET", "/where", root_path="/prod"))
    assert answer.json() == {"url": "http://testserver/prod/where", "root": "/prod", "path": "/where",
                             "remote": "203.0.113.9"}


def test_async_views_inline_on_the_server_loop_and_sync_views_inline_or_in_threads() -> None:
    app = build()
    main = threading.current_thread().name
    assert run(call(app, "GET", "/async/3")).json() == {"n": 3, "thread": main}
    assert run(call(app, "GET", "/sync")).json() == {"thread": main}
    threaded = manypaths.App("t", asgi_threads=True)
    threaded.add_url_rule("/sync", "sync", lambda: {"thread": threading.current_thread().name})
    assert run(call(threaded, "GET", "/sync")).json()["thread"] != main


def test_asgi_threads_changed_after_requests_changes_the_road() -> None:
    # ASGI_THREADS is part of the road decision (App._inline): a change after the first request
    # is seen by the next one, both ways.
    app = build()
    main = threading.current_thread().name
    assert run(call(app, "GET", "/sync")).json() == {"thread": main}
    app.config["ASGI_THREADS"] = True
    assert run(call(app, "GET", "/sync")).json()["thread"] != main
    app.config["ASGI_THREADS"] = False
    assert run(call(app, "GET", "/sync")).json() == {"thread": main}


def test_body_limit_enforced_while_reading() -> None:
    app = build()
    assert run(call(app, "POST", "/echo", body=[b"12345", b"67890"])).body == b"1234567890"
    too_big = run(call(app, "POST", "/echo", body=[b"12345", b"67890", b"x"]))
    assert too_big.status == 413
    declared = run(call(app, "POST", "/echo", headers=[("Content-Length", "999")], body=b"1"))
    assert declared.status == 413


def test_streaming_is_chunk_by_chunk_and_stops_when_the_client_leaves() -> None:
    for path in ("/stream", "/astream"):
        app = build()
        full = run(call(app, "GET", path))
        assert full.status == 200 and len([c for c in full.chunks if c]) == 100
        assert full.body == b"".join(f"{i},".encode() for i in range(100))
        app = build()
        cut = run(call(app, "GET", path, disconnect_after=3))
        assert len(app.produced) < 100, path  # type: ignore[attr-defined]
        assert len(cut.chunks) < 100


def test_lifespan_runs_startup_and_shutdown_hooks_once() -> None:
    app = build()
    calls: list[str] = []

    @app.on_startup
    async def open_pool() -> None:
        calls.append("startup")

    @app.on_shutdown
    def close_pool() -> None:
        calls.append("shutdown")

    assert run(lifespan(app)) == ["lifespan.startup.complete", "lifespan.shutdown.complete"]
    run(call(app, "GET", "/sync"))
    assert calls == ["startup", "shutdown"]


def test_failing_startup_is_reported_to_the_server() -> None:
    app = build()

    @app.on_startup
    def broken() -> None:
        raise ConnectionError("database unreachable")

    assert run(lifespan(app, shutdown=False)) == ["lifespan.startup.failed"]


def test_hooks_run_in_a_worker_thread_with_coroutines_on_the_server_loop() -> None:
    app = build()
    seen: list[Any] = []

    @app.before_request
    async def before() -> None:
        seen.append(("before", threading.current_thread().name, id(asyncio.get_running_loop())))

    async def scenario() -> Any:
        loop_id = id(asyncio.get_running_loop())
        answer = await call(app, "GET", "/async/5")
        return loop_id, answer

    loop_id, answer = run(scenario())
    assert answer.json()["n"] == 5
    assert seen[0][2] == loop_id  # the async hook ran on the server's loop


def test_asgi2_and_asgi3_call_styles_and_websocket_refused() -> None:
    app = build()

    async def asgi2(scope: Any, receive: Any, send: Any) -> None:
        await app(scope)(receive, send)

    assert run(call(asgi2, "GET", "/async/1")).json()["n"] == 1
    assert run(call(app.asgi, "GET", "/async/2")).json()["n"] == 2
    sent: list[Any] = []

    async def ws() -> None:
        async def receive() -> Any:
            return {"type": "websocket.connect"}

        async def send(message: Any) -> None:
            sent.append(message)

        await app({"type": "websocket", "path": "/", "headers": []}, receive, send)

    run(ws())
    assert sent == [{"type": "websocket.close", "code": 1000}]


def test_header_names_with_underscores_are_dropped() -> None:
    app = build()

    @app.route("/h")
    def h() -> Any:
        return {"xff": request.headers.get("X-Forwarded-For")}

    answer = run(call(app, "GET", "/h", headers=[("x_forwarded_for", "6.6.6.6")]))
    assert answer.json() == {"xff": None}


def test_app_asgi_is_one_plain_async_function_every_server_detects_as_asgi3() -> None:
    import inspect

    app = build()
    assert app.asgi is app.asgi
    # uvicorn and hypercorn take a function for ASGI 3 when it is a coroutine function
    assert inspect.isfunction(app.asgi) and inspect.iscoroutinefunction(app.asgi)
    assert asyncio.iscoroutinefunction(app.asgi)


def _counting(app: Any, scope: dict[str, Any], messages: list[dict[str, Any]]) -> tuple[list[int], list[Any]]:
    calls, sent = [0], []

    async def receive() -> dict[str, Any]:
        calls[0] += 1
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    run(app(scope, receive, send))
    return calls, sent


def test_a_get_without_length_is_not_read_and_a_body_with_one_is() -> None:
    app = build()

    @app.route("/len", methods=["GET", "POST"])
    def length() -> Any:
        return {"body": request.get_data(as_text=True), "cl": request.environ.get("CONTENT_LENGTH")}

    @app.get("/raw")
    def raw() -> Any:
        stream = request.environ["wsgi.input"]  # as a wrapped WSGI app reads it
        got = [stream.read(), stream.read(10), stream.readline(), stream.readlines(), list(stream)]
        stream.close()  # shared by bodiless requests: closing it changes nothing for the next one
        return {"got": repr(got)}

    def scope(method: str, headers: list[tuple[bytes, bytes]], version: str = "1.1") -> dict[str, Any]:
        return {"type": "http", "http_version": version, "method": method, "path": "/len", "root_path": "",
                "query_string": b"", "headers": headers, "server": ("s", 80)}

    # HTTP/1.1 GET without Content-Length or Transfer-Encoding: no body (RFC 9112), receive not called
    calls, sent = _counting(app, scope("GET", []), [{"type": "http.request", "body": b"", "more_body": False}])
    assert calls == [0] and b'"body":""' in sent[1]["body"] and b'"cl":null' in sent[1]["body"]
    for _ in range(2):
        calls, sent = _counting(app, {**scope("GET", []), "path": "/raw"}, [])
        assert calls == [0] and json.loads(sent[1]["body"]) == {"got": "[b'', b'', b'', [], []]"}
    # with a length, or chunked, or over HTTP/2, or another method: read when the view reads it
    # (a body without a declared length is streamed: no CONTENT_LENGTH, wsgi.input_terminated, as
    # WSGI servers present chunked input)
    for method, headers, version, cl in [("GET", [(b"content-length", b"3")], "1.1", b'"3"'),
                                         ("GET", [(b"transfer-encoding", b"chunked")], "1.1", b"null"),
                                         ("GET", [], "2", b"null"), ("POST", [], "1.1", b"null")]:
        calls, sent = _counting(app, scope(method, headers, version),
                                [{"type": "http.request", "body": b"abc", "more_body": False}])
        assert calls == [1] and b'"body":"abc","cl":' + cl in sent[1]["body"], (method, headers, version)


def test_server_scheme_and_version_follow_each_scope() -> None:
    app = build()

    @app.route("/env")
    def env() -> Any:
        e = request.environ
        return {k: e[k] for k in ("SERVER_NAME", "SERVER_PORT", "SERVER_PROTOCOL", "wsgi.url_scheme")}

    def ask(**scope: Any) -> Any:
        base = {"type": "http", "method": "GET", "path": "/env", "headers": [], "http_version": "1.1"}
        _calls, sent = _counting(app, {**base, **scope}, [])
        return sent[1]["body"]

    import json

    assert json.loads(ask(server=("a", 8000), scheme="https")) == {
        "SERVER_NAME": "a", "SERVER_PORT": "8000", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "https"}
    assert json.loads(ask(server=["b", None], scheme="http", http_version="1.0")) == {
        "SERVER_NAME": "b", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.0", "wsgi.url_scheme": "http"}
    assert json.loads(ask(server=None)) == {
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http"}
    assert json.loads(ask(server=("a", 8000), scheme="https"))["wsgi.url_scheme"] == "https"
