"""The compiled road (``dispatch.decide``'s ``Road``, http/_speedups.c): begin, the match, the view
and finish in one call for the plainest apps. It is a branch of the core, so these tests hold it
equal to the Python road: the same app answers every request of a table with the road and with
the road turned off (``dispatch._road_type`` giving None), through WSGI and both ASGI roads, and
the places where the road hands over (misses, redirects, typed views, errors, async views,
after_this_request, sessions) answer alike. Settings changed after the first request are decided
again: the road never keeps an app from a check it turned on.
"""

from __future__ import annotations

import asyncio
import logging
import sys
from typing import Annotated, Any

import pytest

from manypaths import App, Query, Response, abort, after_this_request, dispatch, request, session
from manypaths.dispatch import current_request_or_none
from manypaths.http.request import Request
from manypaths.proxies import proxy_trust
from manypaths.testing import TestClient, build_environ
from tests.builds import needs_compiled
from tests.drivers.test_conformance import _Log

# Skipped only where the compiled parts are not built and not required (make test / CI require them).
needs_road = needs_compiled


def build() -> App:
    app = App("road")
    app.config["SECRET_KEY"] = "road-test"

    @app.get("/text")
    def text() -> Any:
        return "héllo"

    @app.get("/bytes")
    def a_bytes() -> Any:
        return b"\x00\xff"

    @app.get("/json")
    def as_json() -> Any:
        return {"b": [1, 2.5, None], "a": "ü"}

    @app.get("/list")
    def a_list() -> Any:
        return [1, 2]

    @app.get("/tuple")
    def a_tuple() -> Any:
        return "made", 201, {"X-A": "1"}

    @app.get("/tuple-status")
    def tuple_status() -> Any:
        return {"gone": True}, 410

    @app.get("/response")
    def a_response() -> Any:
        return Response("plain", mimetype="text/plain")

    @app.get("/response-text")
    def response_text() -> Any:
        return Response("just text")

    @app.get("/stream")
    def stream() -> Any:
        return iter(["a", "b"])

    @app.get("/none")
    def none() -> Any:
        return None

    @app.get("/surrogate")
    def surrogate() -> Any:
        return "\ud800"

    @app.get("/unserialisable")
    def unserialisable() -> Any:
        return {"x": object()}

    @app.get("/abort")
    def aborts() -> Any:
        abort(403)

    @app.get("/handled")
    def handled() -> Any:
        raise KeyError("k")

    @app.errorhandler(KeyError)
    def key_error(e: Any) -> Any:
        return {"error": str(e)}, 409

    @app.get("/exc-info")
    def exc_info() -> Any:
        raise IndexError("i")

    @app.errorhandler(IndexError)
    def index_error(e: Any) -> Any:
        # Called as from an ``except`` block: the exception is the one being handled.
        return f"{type(e).__name__} {sys.exc_info()[1] is e}", 418

    @app.get("/handler-raises")
    def handler_raises() -> Any:
        raise ValueError("v")

    @app.errorhandler(ValueError)
    def value_error(e: Any) -> Any:
        raise TypeError("the handler failed")

    @app.get("/boom")
    def boom() -> Any:
        raise RuntimeError("boom")

    @app.get("/async")
    async def an_async() -> Any:
        await asyncio.sleep(0)
        return {"async": True}

    @app.get("/async-boom")
    async def async_boom() -> Any:
        raise KeyError("async")

    @app.get("/after-this")
    def after_this() -> Any:
        @after_this_request
        def tag(response: Response) -> Response:
            response.headers["X-After-This"] = "1"
            return response

        return "tagged"

    @app.get("/session")
    def a_session() -> Any:
        session["n"] = session.get("n", 0) + 1
        return {"n": session["n"]}

    @app.get("/reads/<int:n>")
    def reads(n: int) -> Any:
        return {"endpoint": request.endpoint, "args": request.view_args, "rule": request.url_rule.rule,
                "path": request.path, "method": request.method, "q": request.args.get("q"), "n": n}

    @app.get("/dir/")
    def directory() -> Any:
        return "dir"

    @app.get("/page", defaults={"n": 1})
    @app.get("/page/<int:n>")
    def page(n: int) -> Any:
        return f"page {n}"

    @app.get("/big")
    def big() -> Any:
        return "x" * 2000  # (a Content-Length the compiled WSGI answer does not keep made)

    @app.get("/form")
    def form() -> Any:
        return str(len(request.form))  # a form read: its files are closed at the end

    @app.get("/typed")
    def typed(limit: Annotated[int, Query(ge=1)] = 10) -> dict[str, int]:
        return {"limit": limit}

    return app


# (method, path, query, headers)
REQUESTS: list[tuple[str, str, str, dict[str, str]]] = [
    ("GET", "/text", "", {}), ("HEAD", "/text", "", {}), ("GET", "/bytes", "", {}), ("GET", "/json", "", {}),
    ("HEAD", "/json", "", {}), ("GET", "/list", "", {}), ("GET", "/tuple", "", {}), ("GET", "/tuple-status", "", {}),
    ("GET", "/response", "", {}), ("GET", "/response-text", "", {}), ("GET", "/stream", "", {}),
    ("GET", "/none", "", {}), ("GET", "/surrogate", "", {}), ("GET", "/unserialisable", "", {}),
    ("GET", "/abort", "", {}), ("GET", "/handled", "", {}), ("GET", "/exc-info", "", {}),
    ("GET", "/handler-raises", "", {}), ("GET", "/boom", "", {}), ("GET", "/async", "", {}),
    ("GET", "/async-boom", "", {}), ("GET", "/after-this", "", {}), ("GET", "/session", "", {}),
    ("GET", "/reads/7", "q=x%20y", {}), ("HEAD", "/reads/8", "", {}), ("GET", "/reads/x", "", {}),
    ("GET", "/dir", "a=1", {}), ("GET", "/page/1", "", {}), ("GET", "/page/2", "", {}), ("GET", "/page", "", {}),
    ("GET", "/typed", "limit=3", {}), ("GET", "/typed", "limit=0", {}), ("GET", "/nowhere", "", {}),
    ("GET", "/nowhere", "", {"Accept": "application/json"}), ("POST", "/text", "", {}), ("OPTIONS", "/text", "", {}),
    ("get", "/text", "", {}), ("GET", "//text", "", {}), ("GET", "/t%C3%A9xt", "", {}), ("GET", "/big", "", {}),
    ("HEAD", "/big", "", {}), ("GET", "/form", "", {}),
]


def _python_road(app: App, monkeypatch: pytest.MonkeyPatch) -> None:
    # Decide again without the compiled road (as where it is not built).
    monkeypatch.setattr(dispatch, "_road_type", lambda: None)
    app._plain = app._road = None


def _wsgi(app: App, method: str, path: str, query: str, headers: dict[str, str]) -> tuple[Any, ...]:
    response = TestClient(app).open(path + ("?" + query if query else ""), method, headers=headers)
    return response.status_code, response.headers.items(), response.get_data()


def _asgi(app: App, method: str, path: str, query: str, headers: dict[str, str]) -> tuple[Any, ...]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
             "server": ("road.test", 80), "client": ("127.0.0.1", 5000),
             "headers": [(b"host", b"road.test")] + [(k.lower().encode(), v.encode()) for k, v in headers.items()]}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(app.asgi(scope, receive, send))
    start = next(m for m in sent if m["type"] == "http.response.start")
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return start["status"], sorted(start["headers"]), body


class _Headers:
    def __init__(self, pairs: list[tuple[str, str]]) -> None:
        self.pairs = pairs

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)


class _Protocol:
    # granian's RSGI HTTP protocol, as the driver uses it: a whole body, a stream, the request body.
    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[str, str]] = []
        self.body = b""

    def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status, self.headers, self.body = status, list(headers), body

    def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Any:
        self.status, self.headers = status, list(headers)
        protocol = self

        class Transport:
            async def send_bytes(self, data: bytes) -> None:
                protocol.body += data

        return Transport()

    def __aiter__(self) -> Any:
        return self

    async def __anext__(self) -> bytes:
        raise StopAsyncIteration


def _rsgi(app: App, method: str, path: str, query: str, headers: dict[str, str]) -> tuple[Any, ...]:
    from types import SimpleNamespace

    scope = SimpleNamespace(proto="http", http_version="1.1", server="road.test:80", client="127.0.0.1:5000",
                            scheme="http", method=method, path=path, query_string=query, authority=None,
                            headers=_Headers([("host", "road.test")] + [(k.lower(), v) for k, v in headers.items()]))
    protocol = _Protocol()
    asyncio.run(app.__rsgi__(scope, protocol))
    return protocol.status, sorted(protocol.headers), protocol.body


def _lambda(app: App, method: str, path: str, query: str, headers: dict[str, str]) -> tuple[Any, ...]:
    # An HTTP API (2.0) event through lambda_handler: a manypaths App is answered by wsgi.whole, which
    # takes the road with Lambda's pending environ (its headers read when asked for).
    import base64

    from manypaths.platforms import lambda_handler
    from tests.platforms.test_aws_whole import reshaped

    event = reshaped("apiGatewayProxyV2Event_GET.json", path + ("?" + query if query else ""), method)
    event["headers"] = {"host": "road.test", **{k.lower(): v for k, v in headers.items()}}
    event.pop("cookies", None)
    answer = lambda_handler(app)(event, None)
    body = answer.get("body", "")
    data = base64.b64decode(body) if answer.get("isBase64Encoded") else body.encode()
    pairs = [(k.lower(), v) for k, v in answer.get("headers", {}).items()]
    pairs += [("set-cookie", cookie) for cookie in answer.get("cookies", [])]
    return answer["statusCode"], sorted(pairs), data


def _signed_alike(answer: tuple[Any, ...]) -> tuple[Any, ...]:
    # A session cookie is signed with the second it was made in: two answers a second apart differ
    # only there. Its payload (before the first ".") is compared; the rest is checked as present.
    status, headers, body = answer
    alike = []
    for name, value in headers:
        if (name.decode() if isinstance(name, bytes) else name).lower() == "set-cookie":
            text = value.decode() if isinstance(value, bytes) else value
            payload, _, rest = text.partition(".")
            assert rest, text
            value = payload + "." + rest.partition(";")[2]
        alike.append((name, value))
    return status, alike, body


@needs_road
@pytest.mark.parametrize("driver", [_wsgi, _asgi, _rsgi, _lambda], ids=["wsgi", "asgi-inline", "rsgi", "lambda"])
def test_the_road_answers_every_request_as_the_python_road(driver: Any, monkeypatch: pytest.MonkeyPatch,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    road_app, python_app = build(), build()
    driver(road_app, "GET", "/text", "", {})  # the first request decides: the road from then on
    assert road_app._road is not None
    with monkeypatch.context() as patch:
        _python_road(python_app, patch)
        want = [driver(python_app, *r) for r in REQUESTS]
        assert python_app._road is None
    for r, expected in zip(REQUESTS, want):
        got = driver(road_app, *r)
        assert road_app._road is not None, r  # (nothing on the way undecided it)
        assert _signed_alike(got) == _signed_alike(expected), r
    assert current_request_or_none() is None  # every request ended


@needs_road
@pytest.mark.parametrize("driver", [_wsgi, _asgi, _rsgi, _lambda], ids=["wsgi", "asgi-inline", "rsgi", "lambda"])
def test_with_the_access_log_on_the_road_answers_and_logs_as_the_python_road(
        driver: Any, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    # The access log (on by default on Lambda and Cloud Run) keeps the compiled road: the road notes
    # the start, the driver writes the line; every answer and every line is the Python road's.
    caplog.set_level(logging.CRITICAL, logger="manypaths.app")
    road_app, python_app = build(), build()
    for app in (road_app, python_app):
        app.config["ACCESS_LOG"] = True
    log = _Log()  # (the conformance table's line collector)
    logger = logging.getLogger("manypaths.access")
    logger.addHandler(log)
    try:
        driver(road_app, "GET", "/text", "", {})
        assert road_app._road is not None and road_app._post_process
        with monkeypatch.context() as patch:
            _python_road(python_app, patch)
            log.lines.clear()
            want = [driver(python_app, *r) for r in REQUESTS]
            want_lines = list(log.lines)
            assert python_app._road is None
        log.lines.clear()
        got = [driver(road_app, *r) for r in REQUESTS]
        assert road_app._road is not None
    finally:
        logger.removeHandler(log)
    for r, answer, expected in zip(REQUESTS, got, want):
        assert _signed_alike(answer) == _signed_alike(expected), r

    def fields(lines: list[str]) -> list[tuple[str, ...]]:
        # "remote METHOD path status 1.2ms id=...": all but the duration and the id.
        return [tuple(line.split(" ")[:4]) + (line.split(" ")[4].endswith("ms"),) for line in lines]

    assert len(log.lines) == len(REQUESTS) and fields(log.lines) == fields(want_lines)
    assert current_request_or_none() is None


@needs_road
def test_the_road_is_taken_only_where_it_applies() -> None:
    app = build()
    client = TestClient(app)
    client.get("/text")
    road = app._road
    environ = build_environ("/reads/3", "GET", query_string="q=1")
    request, answer = road(environ)
    try:
        assert type(request) is Request and request.environ is environ
        assert current_request_or_none() is request and request.endpoint == "reads"
        assert request.view_args == {"n": 3} and request.url_rule.rule == "/reads/<int:n>"
        assert answer[0].startswith(b'{"args":{"n":3},"endpoint":"reads"') and answer[1] == "application/json"
    finally:
        dispatch.reset_current(request._token)
    assert current_request_or_none() is None
    # Before anything is done, None: the driver takes the Python road.
    assert road(build_environ("/text", "POST")) is None
    assert road(build_environ("/text", "OPTIONS")) is None
    assert road({**build_environ("/text"), "PATH_INFO": "//text"}) is None  # not what Request.path gives
    assert road({**build_environ("/text"), "PATH_INFO": "/t\xe9xt"}) is None  # not ASCII

    class Environ(dict[str, Any]):  # Lambda's kind: its own lookups
        pass

    assert road(Environ(build_environ("/text"))) is None
    assert road(Environ(build_environ("/text")), False, False) is None
    # Taken when the driver says the environ is lazy (wsgi.whole, for Lambda's pending environ).
    lazy = Environ(build_environ("/text"))
    request, answer = road(lazy, False, True)
    try:
        assert request.environ is lazy and answer[0] == "héllo".encode()
    finally:
        dispatch.reset_current(request._token)
    assert road([("PATH_INFO", "/text")], False, True) is None  # not a dict at all

    class Mine(Request):
        pass

    app.request_class = Mine  # read on every request, as begin reads it
    assert road(build_environ("/text")) is None
    seen: list[type] = []
    app.view_functions["text"] = lambda: seen.append(type(current_request_or_none())) or "mine"
    assert client.get("/text").get_data() == b"mine" and seen == [Mine]


@needs_road
def test_a_view_raising_a_base_exception_passes_and_the_request_ends() -> None:
    app = App("base")

    @app.get("/exit")
    def leave() -> Any:
        raise SystemExit(3)

    app.add_url_rule("/ok", "ok", lambda: "ok")
    client = TestClient(app)
    client.get("/ok")
    assert app._road is not None
    with pytest.raises(SystemExit):
        app._road(build_environ("/exit"))
    assert current_request_or_none() is None


@needs_road
@pytest.mark.parametrize("change", ["trusted_hosts", "trusted_proxies", "error_handler", "json_errors", "max_length",
                                    "hook", "debug"])
def test_a_change_after_the_first_request_is_honoured_on_the_road(change: str) -> None:
    # The road is built from what the app was when it decided; each change decides again.
    app = App("changes")

    @app.route("/body", methods=["GET"])
    def body() -> Any:
        return str(len(request.get_data()))

    app.add_url_rule("/ok", "ok", lambda: "ok")
    app.add_url_rule("/json", "json", lambda: {"a": 1})
    app.add_url_rule("/addr", "addr", lambda: str(request.remote_addr))
    client = TestClient(app)
    assert client.get("/ok").status_code == 200 and app._road is not None
    if change == "trusted_hosts":
        app.config["TRUSTED_HOSTS"] = ["api.example"]
        assert client.get("/ok", headers={"Host": "evil.example"}).status_code == 400
        assert client.get("/ok", headers={"Host": "api.example"}).status_code == 200
    elif change == "trusted_proxies":
        forwarded = {"X-Forwarded-For": "203.0.113.9"}
        assert client.get("/addr", headers=forwarded).get_data() != b"203.0.113.9"  # not trusted yet
        app.trusted_proxies = proxy_trust(1)
        assert client.get("/addr", headers=forwarded).get_data() == b"203.0.113.9"
    elif change == "error_handler":
        app.register_error_handler(404, lambda e: ("mine", 404))
        assert client.get("/nowhere").get_data() == b"mine"
    elif change == "json_errors":
        app.config["JSON_ERRORS"] = True
        assert client.get("/nowhere").headers["Content-Type"].startswith("application/problem+json")
    elif change == "max_length":
        app.config["MAX_CONTENT_LENGTH"] = 4
        assert client.get("/body", data=b"0123456789").status_code == 413
    elif change == "hook":
        app.before_request(lambda: ("stopped", 503))
        assert client.get("/ok").status_code == 503 and app._road is None
    else:
        assert client.get("/json").get_data() == b'{"a":1}\n'
        app.config["DEBUG"] = True
        assert client.get("/json").get_data() != b'{"a":1}\n'  # debug pretty-prints
    assert current_request_or_none() is None


@needs_road
def test_the_compiled_call_reaches_wsgi_app_and_hands_asgi_calls_over() -> None:
    import inspect

    from manypaths import wsgi

    app = App("calls")
    app.add_url_rule("/", "index", lambda: "index")
    TestClient(app).get("/")  # the first WSGI request binds the compiled App.__call__
    assert App.__call__ in wsgi.COMPILED_CALL
    assert list(inspect.signature(App.__call__).parameters) == ["self", "environ", "start_response", "send"]
    started: list[str] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        started.append(status)

    assert b"".join(app(build_environ("/"), start_response)) == b"index" and started == ["200 OK"]
    assert b"".join(app(environ=build_environ("/"), start_response=start_response)) == b"index"
    assert wsgi.whole(app, build_environ("/")) is not None  # Lambda's whole answers still see an App

    # A middleware set on the instance is what app(environ, start_response) calls (Flask's idiom).
    inner = app.wsgi_app

    def middleware(environ: dict[str, Any], start_response: Any) -> Any:
        started.append("middleware")
        return inner(environ, start_response)

    app.wsgi_app = middleware  # type: ignore[method-assign]
    assert b"".join(app(build_environ("/"), start_response)) == b"index" and started[-2:] == ["middleware", "200 OK"]
    del app.wsgi_app

    # ASGI 3 (scope, receive, send) and ASGI 2 (scope): the Python __call__'s.
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/", "raw_path": b"/", "root_path": "", "query_string": b"", "server": ("t", 80),
             "client": ("127.0.0.1", 1), "headers": [(b"host", b"t")]}
    asyncio.run(app(scope, receive, send))
    asyncio.run(app(scope)(receive, send))
    assert [m.get("body") for m in sent if m["type"] == "http.response.body"] == [b"index", b"index"]

    class Own(App):
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            return "own"

    assert Own("own")(build_environ("/"), start_response) == "own"


@needs_road
@pytest.mark.parametrize("road", [True, False], ids=["road", "python"])
def test_the_wsgi_answer_of_the_road_is_wsgi_apps(road: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # The compiled App.__call__ answers the road's fast answers itself (wsgi.respond's work without
    # its frames): what start_response raises goes to the server and the request still ends, as on
    # the Python road; a subclass's own wsgi_app and the test client's kept context are honoured.
    app = build()
    client = TestClient(app)
    client.get("/text")
    if not road:
        _python_road(app, monkeypatch)
    calls: list[tuple[str, list[Any]]] = []

    def start_response(status: str, headers: list[Any], exc_info: Any = None) -> None:
        calls.append((status, headers))

    assert app(build_environ("/tuple"), start_response) == [b"made"]
    assert calls[-1] == ("201 Created", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "4"),
                                         ("X-A", "1")])
    assert app(build_environ("/big", "HEAD"), start_response) == []
    assert calls[-1] == ("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", "2000")])
    assert (app._road is not None) is road

    def broken(status: str, headers: list[Any], exc_info: Any = None) -> None:
        raise OSError("the server's start_response failed")

    with pytest.raises(OSError, match="start_response failed"):
        app(build_environ("/json"), broken)
    assert current_request_or_none() is None
    with client:  # the request stays current after the answer (the test client's kept context)
        assert client.get("/json").status_code == 200
        assert request.path == "/json"
    assert current_request_or_none() is None

    class Own(App):
        def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
            start_response("200 OK", [("X-Own", "1")])
            return [b"own"]

    own = Own("own")
    own.add_url_rule("/", "index", lambda: "index")
    assert own(build_environ("/"), start_response) == [b"own"] and calls[-1] == ("200 OK", [("X-Own", "1")])


@needs_road
@pytest.mark.parametrize("road", [True, False], ids=["road", "python"])
def test_what_rsgi_response_bytes_raises_reaches_the_server_and_the_request_ends(
        road: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # road.rsgi sends a fast answer itself, as the RSGI driver would: the same error, the same end.
    app = build()
    assert _rsgi(app, "GET", "/text", "", {})[0] == 200
    if not road:
        _python_road(app, monkeypatch)

    class Closed(_Protocol):
        def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            raise ConnectionResetError("the client went away")

    from types import SimpleNamespace

    for path in ("/json", "/tuple", "/big"):
        scope = SimpleNamespace(proto="http", http_version="1.1", server="road.test:80", client="127.0.0.1:5000",
                                scheme="http", method="GET", path=path, query_string="", authority=None,
                                headers=_Headers([("host", "road.test")]))
        # Driven in this context, not a task's copy of it: the request must end here.
        coroutine = app.__rsgi__(scope, Closed())
        with pytest.raises(ConnectionResetError):
            coroutine.send(None)
        assert current_request_or_none() is None
    assert (app._road is not None) is road


@needs_road
@pytest.mark.parametrize("road", [True, False], ids=["road", "python"])
def test_an_asgi_fast_answer_ends_the_request_before_it_is_sent(road: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    # road.asgi makes the messages and ends the request before the driver sends them, as the driver
    # does (a server's timer scheduled while sending must not keep the request in its context).
    app = build()
    assert _asgi(app, "GET", "/text", "", {})[0] == 200
    if not road:
        _python_road(app, monkeypatch)
    current: list[Any] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        current.append((message["type"], current_request_or_none()))

    for path in ("/json", "/text", "/big"):
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
                 "path": path, "raw_path": path.encode(), "root_path": "", "query_string": b"",
                 "server": ("road.test", 80), "client": ("127.0.0.1", 5000), "headers": [(b"host", b"road.test")]}
        coroutine = app.asgi(scope, receive, send)  # driven in this context, not a task's copy of it
        with pytest.raises(StopIteration):
            coroutine.send(None)
        assert current_request_or_none() is None
    assert current == [("http.response.start", None), ("http.response.body", None)] * 3
    assert (app._road is not None) is road
