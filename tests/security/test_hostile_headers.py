"""Whatever a client puts in the headers every part of manypaths reads, the answer is a 4xx or a 2xx/3xx,
never a 500, and nothing escapes the app.

The WSGI fuzz (tests/app/test_fuzz.py) sends random headers to the example app, but its views read
few of them: a header parsed only when a view asks (a cookie, Accept-Language, If-Range,
X-Forwarded-Port...) was never parsed there. A quoted cookie with ``\\999`` in it was a 500 until
this test's first run. Here one view reads every property of the request and every helper that
parses a header, behind every trusted proxy header, CORS, compression, sessions and conditional
responses, and the values are made of the characters those grammars split on (digits of other
scripts, quotes, backslashes, separators) as well as any bytes — through the WSGI driver and the
ASGI and RSGI drivers (whose compiled environ builders read the headers themselves).
"""

from __future__ import annotations

import asyncio
import io
import json
from datetime import datetime, timezone
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manypaths import App, Response, request, session, url_for
from manypaths.cors import CORS
from manypaths.http.wsgi import call_wsgi
from manypaths.proxies import ProxyTrust

PROPERTIES = ["accept_charsets", "accept_encodings", "accept_languages", "accept_mimetypes", "access_route",
              "args", "authorization", "base_url", "blueprint", "blueprints", "content_length", "content_type",
              "cookies", "data", "files", "form", "full_path", "headers", "host", "host_url", "id", "is_json",
              "is_secure", "method", "mimetype", "mimetype_params", "path", "query_string", "referrer",
              "remote_addr", "root_url", "scheme", "script_root", "url", "url_root", "user_agent", "values",
              "trace_id", "origin", "content_encoding", "content_md5", "remote_user", "max_forwards", "pragma",
              "access_control_request_method", "access_control_request_headers", "date", "if_modified_since",
              "if_unmodified_since", "if_match", "if_none_match", "if_range", "range", "cache_control",
              "routing_exception"]
HEADERS = ["HTTP_ACCEPT", "HTTP_ACCEPT_CHARSET", "HTTP_ACCEPT_ENCODING", "HTTP_ACCEPT_LANGUAGE",
           "HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "HTTP_ACCESS_CONTROL_REQUEST_METHOD", "HTTP_AUTHORIZATION",
           "HTTP_COOKIE", "HTTP_HOST", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_NONE_MATCH", "HTTP_IF_MATCH",
           "HTTP_IF_RANGE", "HTTP_IF_UNMODIFIED_SINCE", "HTTP_ORIGIN", "HTTP_RANGE", "HTTP_REFERER",
           "HTTP_TRACEPARENT", "HTTP_USER_AGENT", "HTTP_X_CLOUD_TRACE_CONTEXT", "HTTP_X_FORWARDED_FOR",
           "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX", "HTTP_X_FORWARDED_PROTO",
           "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_CE_SPECVERSION", "HTTP_CE_TYPE", "HTTP_CE_SOURCE", "HTTP_CE_ID",
           "HTTP_DATE", "HTTP_PRAGMA", "HTTP_MAX_FORWARDS", "HTTP_CACHE_CONTROL", "HTTP_CONTENT_ENCODING",
           "HTTP_CONTENT_MD5"]
SAMPLES = ["text/html;q=0.9, */*;q=0.1", "gzip;q=1.0, br;q=0", "en-US,en;q=0.5", 'a="\\141"; b=2',
           "Basic dXNlcjpwYXNz", 'Digest username="u", realm="r"', "Bearer abc", "bytes=0-10", "bytes=-5",
           '"etag", W/"weak"', "Wed, 21 Oct 2015 07:28:00 GMT", "https://app.example", "1.2.3.4, 5.6.7.8",
           "example.org:8080", "[::1]:443", "/prefix", "https", "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01",
           "105445aa7843bc8bf206b12000100000/1;o=1", "multipart/form-data; boundary=x", "1.0", "42", "GET", "*"]
# The characters header grammars split on, and digits that str.isdigit() accepts but int() may not.
GRAMMAR = st.text(alphabet=' \t",;=/\\*:[]-.q0123456789abcdefWG\u00b2\u0661\u00e9\u00ff', max_size=40)
WSGI_TEXT = st.binary(max_size=60).map(lambda b: b.decode("latin-1"))
# key="quoted value" pieces (cookies, Authorization and Accept parameters, ETags), joined by ; or ,
QUOTED = st.tuples(st.sampled_from(["a=", "W/", "q=", "realm=", ""]), st.just('"'),
                   st.lists(st.one_of(st.sampled_from(["\\", '"', ";", ",", " ", "=", "\u00b2", "\u0661", "a"]),
                                      st.text(alphabet="0123456789", min_size=1, max_size=4)),
                            max_size=8).map("".join), st.just('"')).map("".join)
PIECES = st.lists(st.one_of(QUOTED, GRAMMAR, st.sampled_from(SAMPLES)), min_size=1, max_size=3).flatmap(
    lambda pieces: st.sampled_from(["; ", ", ", ""]).map(lambda sep: sep.join(pieces)))
VALUES = st.one_of(st.sampled_from(SAMPLES), GRAMMAR, WSGI_TEXT, QUOTED, PIECES)


def build() -> App:
    app = App(__name__, cors=CORS(["https://app.example"], credentials=True), compress=True,
              trusted_proxies=ProxyTrust(x_for=2, x_proto=1, x_host=1, x_port=1, x_prefix=1))
    app.config["SECRET_KEY"] = "not a secret: a test"
    stamp = datetime(2020, 1, 2, tzinfo=timezone.utc)

    @app.route("/all", methods=["GET", "POST", "PUT"])
    def everything() -> Any:
        seen = {}
        for name in PROPERTIES:
            value = getattr(request, name)
            seen[name] = repr(value)[:40]
        seen["best"] = str(request.accept_mimetypes.best_match(["application/json", "text/html"]))
        seen["tags"] = request.if_none_match.to_header() + request.if_match.to_header() + str(request.if_range)
        seen["range"] = str(request.range and (request.range.range_for_length(100), request.range.to_header()))
        seen["cache"] = str((request.cache_control.max_age, request.cache_control.max_stale))
        seen["lang"] = str(request.accept_languages.best)
        seen["session"] = repr(dict(session))[:40]
        session["seen"] = 1
        seen["external"] = url_for("everything", _external=True)
        if request.is_json:
            seen["json"] = repr(request.get_json(silent=True))[:40]
        response = Response("x" * 2000, mimetype="text/plain")
        response.set_etag("v1")
        response.last_modified = stamp
        return response.make_conditional(request, accept_ranges=True) if request.method == "GET" else seen

    @app.on_cloudevent(type="com.example.*")
    def event(e: Any) -> None:
        return None

    return app


APP = build()


def wsgi_answer(method: str, query: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": "/all", "QUERY_STRING": query,
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "CONTENT_LENGTH": str(len(body)), **headers,
    }
    status, response_headers, data = call_wsgi(APP, environ)
    return int(status.split(" ", 1)[0]), response_headers, data


def asgi_answer(method: str, query: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    # The same request as an ASGI server gives it: header names as bytes, values as the client's bytes
    # (a WSGI string's code points are those bytes; a value past latin-1 is sent as UTF-8).
    def raw(value: str) -> bytes:
        try:
            return value.encode("latin-1")
        except UnicodeEncodeError:
            return value.encode("utf-8", "surrogatepass")

    pairs = [(b"content-length", str(len(body)).encode())]
    for key, value in headers.items():
        name = key[5:] if key.startswith("HTTP_") else key
        pairs.append((name.lower().replace("_", "-").encode(), raw(value)))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": "/all", "raw_path": b"/all", "root_path": "", "query_string": raw(query),
             "server": ("localhost", 80), "client": ("10.0.0.1", 5000), "headers": pairs}
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    asyncio.run(APP(scope, receive, send))
    start = sent[0]
    return (start["status"], [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start["headers"]],
            b"".join(m.get("body", b"") for m in sent[1:]))


def rsgi_answer(method: str, query: str, headers: dict[str, str], body: bytes) -> tuple[int, list[tuple[str, str]], bytes]:
    # The same request as granian's RSGI scope gives it (names lower-case, values as text), through
    # App.__rsgi__ and a protocol object that records what is sent.
    pairs = [("content-length", str(len(body)))]
    for key, value in headers.items():
        name = key[5:] if key.startswith("HTTP_") else key
        pairs.append((name.lower().replace("_", "-"), value))

    class Headers:
        def items(self) -> list[tuple[str, str]]:
            return list(pairs)

        def get(self, name: str, default: Any = None) -> Any:
            return next((v for k, v in pairs if k == name), default)

    class Transport:
        def __init__(self, sink: list[bytes]) -> None:
            self.sink = sink

        async def send_bytes(self, data: bytes) -> None:
            self.sink.append(data)

        async def send_str(self, data: str) -> None:
            self.sink.append(data.encode())

    class Protocol:
        def __init__(self) -> None:
            self.status, self.headers, self.chunks = 0, [], []  # type: ignore[var-annotated]
            self._body = [body] if body else []

        def response_bytes(self, status: int, headers: list[tuple[str, str]], data: bytes) -> None:
            self.status, self.headers, self.chunks = status, headers, [data]

        def response_str(self, status: int, headers: list[tuple[str, str]], data: str) -> None:
            self.response_bytes(status, headers, data.encode())

        def response_empty(self, status: int, headers: list[tuple[str, str]]) -> None:
            self.response_bytes(status, headers, b"")

        def response_stream(self, status: int, headers: list[tuple[str, str]]) -> Transport:
            self.status, self.headers = status, headers
            return Transport(self.chunks)

        async def __call__(self) -> bytes:
            return body

        def __aiter__(self) -> Any:
            return self

        async def __anext__(self) -> bytes:
            if not self._body:
                raise StopAsyncIteration
            return self._body.pop()

    scope = SimpleNamespace(proto="http", http_version="1.1", server="127.0.0.1:80", client="10.0.0.1:5000",
                            scheme="http", method=method, path="/all", query_string=query, headers=Headers(),
                            authority=None)
    protocol = Protocol()
    asyncio.run(APP.__rsgi__(scope, protocol))
    return protocol.status, list(protocol.headers), b"".join(protocol.chunks)


@pytest.mark.parametrize("driver", [wsgi_answer, asgi_answer, rsgi_answer], ids=["wsgi", "asgi", "rsgi"])
@pytest.mark.parametrize("header", HEADERS)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(value=VALUES, others=st.dictionaries(st.sampled_from(HEADERS), VALUES, max_size=4),
       method=st.sampled_from(["GET", "POST", "PUT", "OPTIONS", "HEAD"]),
       query=st.one_of(GRAMMAR, WSGI_TEXT), body=st.binary(max_size=80))
def test_hostile_headers_never_make_a_500(driver: Any, header: str, value: str, others: dict[str, str], method: str,
                                          query: str, body: bytes) -> None:
    headers = {**others, header: value}  # (each header in turn, always there: its parser always runs)
    code, response_headers, data = driver(method, query, headers, body)
    assert 200 <= code < 500, (code, headers, data[:300])
    assert b"Traceback" not in data
    for name, text in response_headers:
        text.encode("latin-1")
        assert "\n" not in text and "\r" not in text, (name, text)
    if code == 200 and method == "POST" and "content-encoding" not in {k.lower() for k, _ in response_headers}:
        json.loads(data)


@pytest.mark.parametrize("driver", [wsgi_answer, asgi_answer, rsgi_answer], ids=["wsgi", "asgi", "rsgi"])
def test_each_driver_here_answers_a_plain_request(driver: Any) -> None:
    # (so that the property runs above reach the view, not a 4xx of the harness's own making)
    code, _, data = driver("POST", "a=1", {"HTTP_HOST": "api.example", "HTTP_COOKIE": 'a="\\141"'}, b"")
    assert code == 200, (code, data[:300])
    seen = json.loads(data)
    assert seen["cookies"] == repr({"a": "a"}) and seen["host"] == "'api.example'" and seen["args"].startswith("MultiDict")
