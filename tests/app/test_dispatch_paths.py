"""The App answers text and JSON without a Response object when nothing can observe one (no hooks,
no overridden make_response). These tests pin that this shortcut answers exactly as the general
path does: the same app is built twice, once with a no-op before_request hook (which forces the
general path), and every request of a table must get the same status, headers and body.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest

from manypaths import App, Response, abort
from manypaths.http.response import speedup
from manypaths.testing import TestClient
from tests.builds import BUILDS, prepared


def build(general: bool) -> App:
    app = App("paths")

    if general:
        @app.before_request
        def noop() -> None:
            return None

    @app.route("/text")
    def text() -> Any:
        return "héllo"

    @app.route("/json", methods=["GET", "POST"])
    def as_json() -> Any:
        return {"b": [1, 2.5, None, True], "a": "ü", "c": {"z": 1, "y": 2}}

    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> Any:
        return f"user {user_id}"

    @app.route("/list")
    def a_list() -> Any:
        return [1, 2]

    @app.route("/tuple")
    def a_tuple() -> Any:
        return "made", 201, {"X-A": "1"}

    @app.route("/tuple-type")
    def tuple_type() -> Any:  # a header given replaces ours, whatever its case
        return "made", 201, {"content-type": "text/plain", "X-B": "2"}

    @app.route("/tuple-case")
    def tuple_case() -> Any:  # two spellings of one name: the later replaces the earlier
        return {"a": 1}, {"X-Dup": "1", "x-dup": "2", "CONTENT-LENGTH": "99"}

    @app.route("/tuple-number")
    def tuple_number() -> Any:  # a value that is not text: as make_response writes it
        return "n", 200, {"X-Count": 3}

    @app.route("/tuple-split")
    def tuple_split() -> Any:  # a line break in a value: refused, never sent
        return "s", 200, {"X-Bad": "a\r\nSet-Cookie: x=1"}

    @app.route("/tuple-badname")
    def tuple_badname() -> Any:
        return "s", 200, {"X:Bad": "a"}

    @app.route("/bytes")
    def a_bytes() -> Any:
        return b"\x00\xff"

    @app.route("/response")
    def a_response() -> Any:
        return Response("plain", mimetype="text/plain")

    @app.route("/stream")
    def stream() -> Any:
        return iter(["a", "b"])

    @app.route("/abort")
    def aborts() -> Any:
        abort(403)

    @app.route("/handled")
    def handled() -> Any:
        raise KeyError("k")

    @app.errorhandler(KeyError)
    def key_error(e: Any) -> Any:
        return {"error": str(e)}, 409

    @app.route("/boom")
    def boom() -> Any:
        raise RuntimeError("boom")

    @app.route("/surrogate")
    def surrogate() -> Any:
        return "\ud800"  # cannot be encoded: a 500, never a half-sent response

    @app.route("/unserialisable")
    def unserialisable() -> Any:
        return {"x": object()}

    @app.route("/none")
    def none() -> Any:
        return None

    @app.route("/slash/")
    def slash() -> Any:
        return "slash"

    return app


CASES = [
    ("GET", "/text"), ("HEAD", "/text"), ("GET", "/json"), ("POST", "/json"), ("HEAD", "/json"),
    ("GET", "/users/7"), ("GET", "/users/x"), ("GET", "/list"), ("GET", "/tuple"), ("GET", "/bytes"),
    ("GET", "/tuple-type"), ("GET", "/tuple-case"), ("GET", "/tuple-number"), ("GET", "/tuple-split"),
    ("GET", "/tuple-badname"), ("HEAD", "/tuple-case"),
    ("GET", "/response"), ("GET", "/stream"), ("GET", "/abort"), ("GET", "/handled"), ("GET", "/boom"),
    ("GET", "/surrogate"), ("GET", "/unserialisable"), ("GET", "/none"), ("GET", "/slash"),
    ("OPTIONS", "/text"), ("DELETE", "/text"), ("GET", "/nowhere"), ("get", "/text"), ("options", "/json"),
]


@pytest.mark.parametrize("matcher", BUILDS)
@pytest.mark.parametrize(("method", "path"), CASES, ids=[f"{m} {p}" for m, p in CASES])
def test_shortcut_answers_as_the_general_path(method: str, path: str, matcher: str,
                                              caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    plain, general = build(general=False), build(general=True)
    prepared(plain.url_map, matcher)  # the shortcut on the compiled or the pure matcher,
    prepared(general.url_map, "pure")  # against the general path on the pure one
    plain_client, general_client = TestClient(plain), TestClient(general)
    # Twice: the first request decides the road; from the second on the plain app takes the
    # compiled road (dispatch.decide's Road) where it is built.
    for _ in range(2):
        got = plain_client.open(path, method)
        want = general_client.open(path, method)
        assert plain._plain is True and general._plain is False  # each took the path meant
        assert (plain._road is not None) == (speedup("Road") is not None) and general._road is None
        assert got.status == want.status
        assert got.headers.items() == want.headers.items()
        assert got.get_data() == want.get_data()


def test_shortcut_output_is_what_flask_style_make_response_gives() -> None:
    client = TestClient(build(general=False))
    response = client.get("/json")
    body = b'{"a":"\\u00fc","b":[1,2.5,null,true],"c":{"y":2,"z":1}}\n'  # sorted, compact, ASCII, a newline
    assert response.get_data() == body
    assert response.headers.items() == [("Content-Type", "application/json"),
                                                  ("Content-Length", str(len(body)))]
    text = client.head("/text")
    assert text.headers["Content-Length"] == str(len("héllo".encode())) and text.get_data() == b""


def test_a_hook_added_after_the_first_request_is_honoured() -> None:
    app = build(general=False)
    client = TestClient(app)
    assert client.get("/text").headers.get("X-After") is None
    assert app._plain is True

    @app.after_request
    def tag(response: Response) -> Response:
        response.headers["X-After"] = "yes"
        return response

    assert client.get("/text").headers["X-After"] == "yes"
    assert client.get("/json").headers["X-After"] == "yes"


def test_a_custom_response_class_gets_the_text() -> None:
    class Plain(Response):
        default_mimetype = "text/plain"

    app = build(general=False)
    app.response_class = Plain
    response = TestClient(app).get("/text")
    assert response.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert response.get_data() == "héllo".encode()


def test_an_overridden_make_response_is_called() -> None:
    class Tagging(App):
        def make_response(self, rv: Any) -> Response:
            response = super().make_response(rv)
            response.headers["X-Made"] = "1"
            return response

    app = Tagging("t")
    app.route("/")(lambda: "hi")
    assert TestClient(app).get("/").headers["X-Made"] == "1"
    assert app._plain is False


@pytest.mark.parametrize("accept", [None, "text/html", "application/json", "*/*", "application/problem+json;q=0.1, text/html"])
@pytest.mark.parametrize("method", ["GET", "HEAD", "POST"])
def test_the_404_shortcut_answers_as_the_error_page(accept: str | None, method: str) -> None:
    # The default 404 (no error handler) skips the error machinery; an app with an unrelated error
    # handler takes the general road: every byte the same, for every method and Accept header.
    plain, general = App("misses"), App("misses")

    @general.errorhandler(418)
    def teapot(error: Any) -> Any:
        return "teapot", 418

    for app in (plain, general):
        app.add_url_rule("/here", "here", lambda: "here", methods=["GET", "POST"])
    headers = {"Accept": accept} if accept else {}
    for _ in range(2):  # (the second on the plain app's compiled road, where built)
        got = TestClient(plain).open("/not/here", method, headers=headers)
        want = TestClient(general).open("/not/here", method, headers=headers)
        assert got.status_code == want.status_code == 404
        assert got.headers.items() == want.headers.items()
        assert got.get_data() == want.get_data()
        if method != "HEAD":
            assert got.get_data()  # the page itself, HTML or problem details


def test_header_names_seen_before_still_have_every_value_checked() -> None:
    # The shortcut remembers the names of a view's headers dict once they pass; a value is still
    # checked on every request: the same names with a hostile or unusual value answer as the
    # general road does (a line break refused, a tab or latin-1 kept, a number written as text).
    def make(general: bool) -> App:
        app = App("echo")
        if general:
            app.before_request(lambda: None)

        @app.route("/echo")
        def echo() -> Any:
            from manypaths import request

            raw = request.args.get("v", "ok")
            value: Any = int(raw[1:]) if raw.startswith("#") else raw
            return "e", 200, {"X-Echo": value, "X-Other": "1"}

        return app

    plain, general = TestClient(make(False)), TestClient(make(True))
    refused = {"a%0D%0ASet-Cookie:%20x=1", "a%0Ab", "nul%00", "%E2%82%AC"}  # breaks, NUL, beyond latin-1
    for value in ["ok", "ok", "a%0D%0ASet-Cookie:%20x=1", "a%0Ab", "nul%00", "tab%09here", "%C3%BC",
                  "%E2%82%AC", "%237", "", "ok"]:
        got, want = plain.get(f"/echo?v={value}"), general.get(f"/echo?v={value}")
        assert (got.status_code, got.headers.items(), got.get_data()) == (
            want.status_code, want.headers.items(), want.get_data()), value
        if value in refused:
            assert got.status_code == 400 and "Set-Cookie" not in got.headers and "X-Echo" not in got.headers
        else:
            assert got.status_code == 200 and "X-Echo" in got.headers


@pytest.mark.parametrize("headers", [
    {"X-One": "1"},
    {"X-A": "1", "X-B": "2"},
    {"X-A": "1", "x-a": "2"},  # the same name twice: the later one wins, as Headers.set
    {"content-type": "text/plain"},  # one of ours: it replaces it
    {"X-A": "1", "Content-Length": "99"},
    {"X-Long": "v" * 300},  # longer than what the shortcut remembers
    {"X-Num": 7},  # not text: written as text
])
@pytest.mark.parametrize("status", [None, 201])
def test_a_views_headers_dict_answers_as_the_general_road_every_time(headers: dict[str, Any], status: int | None) -> None:
    # The shortcut remembers (name, value) pairs that passed its checks, and the names of dicts of
    # several; the first, the repeated and the mixed requests all answer as make_response does.
    def make(general: bool) -> App:
        app = App("heads")
        if general:
            app.before_request(lambda: None)
        app.add_url_rule("/h", "h", lambda: ("body", headers) if status is None else ("body", status, headers))
        app.add_url_rule("/one", "one", lambda: ("body", 202, {"X-A": "1"}))
        return app

    plain, general = TestClient(make(False)), TestClient(make(True))
    for path in ["/h", "/h", "/one", "/h", "/one"]:
        got, want = plain.get(path), general.get(path)
        assert (got.status_code, got.headers.items(), got.get_data()) == (
            want.status_code, want.headers.items(), want.get_data()), (path, headers)
        assert got.status_code == (202 if path == "/one" else status or 200)


@pytest.mark.parametrize("build", BUILDS)
def test_what_the_headers_shortcut_remembers_is_bounded(build: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # A view that echoes client input into a header: every value is checked and answered; the
    # compiled check remembers nothing, the Python one's dicts never exceed their bound (the cache
    # does not grow with clients).
    from manypaths import dispatch
    from manypaths.http.response import speedup

    answer = speedup("tuple_answer") if build == "compiled" else dispatch._no_tuple_answer
    assert answer is not None, "the compiled part of answers is not built (make test builds it)"
    monkeypatch.setattr(dispatch, "_tuple_answer", answer)
    app = App("echo")

    @app.route("/echo")
    def echo() -> Any:
        from manypaths import request

        return "e", {"X-Echo": request.args["v"]}

    client = TestClient(app)
    dispatch._PLAIN_HEADERS.clear()
    for i in range(1500):
        response = client.get(f"/echo?v=value{i}")
        assert response.status_code == 200 and response.headers["X-Echo"] == f"value{i}"
        assert len(dispatch._PLAIN_HEADERS) <= 1024
    if build == "compiled":
        assert not dispatch._PLAIN_HEADERS
    assert client.get("/echo?v=a%0D%0Ab").status_code == 400


HEADER_FORMS: dict[str, Any] = {
    # The view's headers replace ours of the same name; a name given more than once is sent as often
    # (a list of pairs, a list/tuple/set value); werkzeug's Headers.update semantics otherwise.
    "/pairs": ("x", 200, [("Content-Type", "text/plain"), ("X-A", "1"), ("X-A", "2")]),
    "/listed": ("x", 200, {"X-A": ("1", "2"), "X-B": 3, "Content-Type": "text/plain"}),
    "/json": ({"k": 1}, 200, {"X-A": ["1", "2"], "Content-Type": "application/x"}),
    "/json-pairs": ({"k": 1}, 200, [("X-A", "1"), ("X-A", "2")]),
    "/set": ("x", {"X-A": {"z"}}),
    "/case": ("x", 201, {"X-A": "1", "x-a": "2"}),
    "/plain": ("x", 201, {"X-A": "1", "Cache-Control": "no-store"}),
    "/response": (Response("x", headers={"X-A": ["1", "2"], "X-B": "b"}), {"x-b": "c"}),
}
HEADER_EXPECTED = {
    "/pairs": {"content-type": ["text/plain"], "x-a": ["1", "2"], "content-length": ["1"]},
    "/listed": {"x-a": ["1", "2"], "x-b": ["3"], "content-type": ["text/plain"], "content-length": ["1"]},
    "/json": {"content-type": ["application/x"], "x-a": ["1", "2"], "content-length": ["8"]},
    "/json-pairs": {"content-type": ["application/json"], "x-a": ["1", "2"], "content-length": ["8"]},
    "/set": {"content-type": ["text/html; charset=utf-8"], "x-a": ["z"], "content-length": ["1"]},
    "/case": {"content-type": ["text/html; charset=utf-8"], "x-a": ["1", "2"], "content-length": ["1"]},
    "/plain": {"content-type": ["text/html; charset=utf-8"], "x-a": ["1"], "cache-control": ["no-store"],
               "content-length": ["1"]},
    "/response": {"content-type": ["text/html; charset=utf-8"], "x-a": ["1", "2"], "x-b": ["c"],
                  "content-length": ["1"]},
}


@pytest.mark.parametrize("build", BUILDS)
@pytest.mark.parametrize("road", ["fast", "make_response"])
def test_a_views_headers_are_put_on_the_same_way_on_each_road(road: str, build: str,
                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    from manypaths import dispatch
    from manypaths.http.response import speedup

    answer = speedup("tuple_answer") if build == "compiled" else dispatch._no_tuple_answer
    assert answer is not None, "the compiled part of answers is not built (make test builds it)"
    monkeypatch.setattr(dispatch, "_tuple_answer", answer)
    app = App("headers")
    if road == "make_response":
        app.after_request(lambda response: response)  # a hook: every answer is a Response
    for path, value in HEADER_FORMS.items():
        app.add_url_rule(path, path, lambda value=value: value)
    client = TestClient(app)
    for _ in range(2):  # the second time, what was remembered answers
        for path, expected in HEADER_EXPECTED.items():
            response = client.get(path)
            got: dict[str, list[str]] = {}
            for key, text in response.headers.items():
                got.setdefault(key.lower(), []).append(text)
            assert response.status_code in (200, 201) and got == expected, path


def test_the_remembered_body_lengths_are_bounded_and_each_answer_has_its_own() -> None:
    # The fast roads remember a body length's text (http.response.LENGTH_TEXT, one table for every driver): what a function answers with
    # repeats. The bound holds whatever the lengths (a view echoing client input), and a length not
    # remembered is still sent right. WSGI and Lambda (wsgi.whole) both read it.
    import json
    from pathlib import Path

    from manypaths import request
    from manypaths.http.response import LENGTH_TEXT
    from manypaths.platforms import lambda_handler

    app = App("lengths")

    @app.route("/echo")
    def echo() -> Any:
        return "x" * int(request.args["n"])

    client = TestClient(app)
    handler = lambda_handler(app)
    event = json.loads((Path(__file__).parents[1] / "fixtures" / "aws-events" / "apiGatewayProxyEvent.json").read_text())
    saved = dict(LENGTH_TEXT)
    try:
        LENGTH_TEXT.clear()
        LENGTH_TEXT.update({n: "wrong" for n in range(100_000, 100_000 + 4090)})  # nearly full
        for n in range(0, 60, 3):
            got = client.get(f"/echo?n={n}")
            assert got.status_code == 200 and got.headers["Content-Length"] == str(n) and len(got.data) == n
            answer = handler({**event, "path": "/echo", "httpMethod": "GET", "queryStringParameters": {"n": str(n)},
                              "multiValueQueryStringParameters": {"n": [str(n)]}}, None)
            assert answer["statusCode"] == 200 and answer["multiValueHeaders"]["Content-Length"] == [str(n)]
            assert answer["body"] == "x" * n
            assert len(LENGTH_TEXT) <= 4096
        assert len(LENGTH_TEXT) == 4096  # six remembered, the rest answered without remembering
    finally:
        LENGTH_TEXT.clear()
        LENGTH_TEXT.update(saved)


def test_the_json_road_follows_debug_and_the_json_provider() -> None:
    # finish reads one attribute (App._json_fast) for "the prebuilt encoder may write this dict":
    # it must follow DEBUG (pretty-printed) and a changed or replaced JSON provider both ways.
    app = App(__name__)

    @app.get("/")
    def index() -> Any:
        return {"b": 1, "a": [1, 2]}

    client = app.test_client()
    compact = client.get("/").data
    assert app._json_fast and compact == b'{"a":[1,2],"b":1}\n'
    app.config["DEBUG"] = True
    assert not app._json_fast and client.get("/").data.startswith(b'{\n  "a": [')  # debug: indented
    app.debug = False
    assert app._json_fast and client.get("/").data == compact
    app.json.sort_keys = False
    assert not app._json_fast and client.get("/").data == b'{"b":1,"a":[1,2]}\n'
