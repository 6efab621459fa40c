"""A manypaths App on Lambda is answered by its core without a WSGI call between (``wsgi.whole``);
any other app, or an App whose entry point is wrapped or whose road is not the fast one, through
WSGI. This proves the two roads equal: every fixture event, reshaped to each route of a table, with
hostile and unusual variants, gives the same response dict both ways."""

from __future__ import annotations

import copy
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from manypaths import App, Response, abort, dispatch, request
from manypaths.platforms import lambda_handler
from tests.builds import needs_compiled

EVENTS = Path(__file__).parent.parent / "fixtures" / "aws-events"
FIXTURES = sorted(p.name for p in EVENTS.glob("*.json") if "Proxy" in p.name or "alb" in p.name
                  or "Lattice" in p.name or "FunctionUrl" in p.name)


def build(teardowns: list[Any], teardown: bool = True) -> App:
    # (Without the teardown hook, the app takes the compiled road where it is built.)
    app = App("whole")

    @app.route("/text", methods=["GET", "POST", "HEAD"])
    def text() -> Any:
        return f"hé {request.method} {request.args.get('q', '')}"

    @app.route("/json", methods=["GET", "POST"])
    def as_json() -> Any:
        return {"path": request.path, "url": request.url, "body": request.get_data(as_text=True),
                "host": request.host, "remote": request.remote_addr}

    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> Any:
        return f"user {user_id}", 201

    @app.route("/headers")
    def headers() -> Any:
        return "h", 202, {"X-Echo": request.args.get("v", "ok"), "Set-Cookie": "a=1"}

    @app.route("/binary")
    def binary() -> Any:
        return Response(bytes(range(256)), mimetype="image/png")

    @app.route("/raw")
    def raw() -> Any:
        return b"\xff\xfe not UTF-8", 200  # the fast road's body, as base64

    @app.route("/abort")
    def aborts() -> Any:
        abort(403)

    @app.route("/boom")
    def boom() -> Any:
        raise RuntimeError("boom")

    @app.route("/none")
    def none() -> Any:
        return None

    if teardown:
        @app.teardown_request
        def seen(error: BaseException | None) -> None:
            teardowns.append(type(error).__name__ if error is not None else None)

    return app


PATHS = ["/text", "/raw", "/text?q=%C3%A9", "/json", "/users/7", "/users/x", "/headers", "/headers?v=a%0D%0Ab",
         "/headers?v=tab%09x", "/binary", "/abort", "/boom", "/none", "/nowhere", "/users/7/", "/text/"]


def reshaped(name: str, target: str, method: str) -> dict[str, Any]:
    # The fixture event asking for ``target`` with ``method`` in its own shape.
    event: dict[str, Any] = json.loads((EVENTS / name).read_text())
    path, _, query = target.partition("?")
    params: dict[str, list[str]] = {}
    for pair in filter(None, query.split("&")):
        key, _, value = pair.partition("=")
        params.setdefault(key, []).append(value)
    from urllib.parse import unquote

    # A POST carries a base64 body ("payload"); GET and HEAD none (some fixtures' own bodies are
    # marked base64 and do not decode: a 400 for every path).
    flag = "is_base64_encoded" if "raw_path" in event else "isBase64Encoded"
    event["body"], event[flag] = ("cGF5bG9hZA==", True) if method == "POST" else (None, False)

    if "rawPath" in event:
        event["rawPath"], event["rawQueryString"] = path, query
        event["requestContext"]["http"]["method"] = method
        event["requestContext"]["stage"] = "$default"
    elif "raw_path" in event:
        event["raw_path"], event["method"] = target, method
    elif event.get("version") == "2.0":  # VPC Lattice v2
        event["path"], event["method"] = target, method
        event["queryStringParameters"] = {k: unquote(v[-1]) for k, v in params.items()}
    else:
        event["path"], event["httpMethod"] = path, method
        ctx = event.setdefault("requestContext", {})
        if "elb" not in ctx:
            ctx["path"], ctx["stage"] = path, "$default"
            event["queryStringParameters"] = {k: unquote(v[-1]) for k, v in params.items()}
            event["multiValueQueryStringParameters"] = {k: [unquote(x) for x in v] for k, v in params.items()}
        else:
            event["queryStringParameters"] = {k: v[-1] for k, v in params.items()}
            if "multiValueHeaders" in event:
                event["multiValueQueryStringParameters"] = params
    return event


@pytest.mark.parametrize("teardown", [True, False], ids=["python-road", "compiled-road"])
@pytest.mark.parametrize("name", FIXTURES)
def test_the_core_road_answers_as_the_wsgi_road(name: str, teardown: bool, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.CRITICAL)
    fast_seen: list[Any] = []
    wsgi_seen: list[Any] = []
    fast_app, wsgi_app = build(fast_seen, teardown), build(wsgi_seen)
    inner = wsgi_app.wsgi_app
    wsgi_app.wsgi_app = lambda environ, start_response: inner(environ, start_response)  # type: ignore[method-assign]
    # A plain WSGI callable around the App: the handler builds its whole environ up front (the
    # reference); the App itself gets the environ whose headers and body are built when read.
    plain_seen: list[Any] = []
    reference = build(plain_seen)
    plain = lambda environ, start_response: reference(environ, start_response)  # noqa: E731
    from manypaths import wsgi

    calls: list[Any] = []
    original = wsgi.whole

    def counting(app: Any, environ: dict[str, Any], shaped: Any = None) -> Any:
        answer = original(app, environ, shaped)
        calls.append((app.name if app is fast_app else "wrapped", answer is not None))
        return answer

    wsgi.whole = counting  # the handlers take it when made
    try:
        fast, wrapped, through_wsgi = lambda_handler(fast_app), lambda_handler(wsgi_app), lambda_handler(plain)
        for target in PATHS:
            for method in ("GET", "HEAD", "POST"):
                event = reshaped(name, target, method)
                got, want = fast(copy.deepcopy(event), None), through_wsgi(copy.deepcopy(event), None)
                assert got == want, (target, method)
                assert wrapped(copy.deepcopy(event), None) == want, (target, method)
                assert got["statusCode"] in (200, 201, 202, 400, 403, 404, 405, 500), (target, method, got)
    finally:
        wsgi.whole = original
    if teardown:
        assert fast_seen == wsgi_seen == plain_seen and "RuntimeError" in fast_seen  # teardown saw the same errors
    else:  # the compiled road answered these hostile and unusual events (where it is built)
        assert fast_app._road is not None or dispatch._road_type() is None
    # The core road answered the plain app (every call but the first, which decides its road); the
    # wrapped one always went through WSGI.
    assert ("whole", True) in calls and ("wrapped", True) not in calls


def test_the_core_road_steps_aside_when_something_could_observe_the_response() -> None:
    from manypaths import wsgi

    app = App("observed")
    app.add_url_rule("/", "index", lambda: "hi")
    event = reshaped("apiGatewayProxyV2Event_GET.json", "/", "GET")
    handler = lambda_handler(app)
    assert handler(copy.deepcopy(event), None)["body"] == "hi"  # decides the road
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/"}
    assert wsgi.whole(app, dict(environ, **{"wsgi.input": None})) is not None

    @app.after_request
    def tag(response: Response) -> Response:
        response.headers["X-After"] = "1"
        return response

    answer = handler(copy.deepcopy(event), None)
    assert answer["headers"]["x-after"] == "1"
    assert wsgi.whole(app, dict(environ)) is None  # not the fast road any more

    class Tagged(App):
        def wsgi_app(self, environ: dict[str, Any], start_response: Any) -> Any:
            return super().wsgi_app(environ, start_response)

    tagged = Tagged("tagged")
    tagged.add_url_rule("/", "index", lambda: "hi")
    assert lambda_handler(tagged)(copy.deepcopy(event), None)["body"] == "hi"
    assert wsgi.whole(tagged, dict(environ)) is None  # a subclass's own entry point is called


@needs_compiled
def test_a_plain_app_is_answered_by_the_compiled_road_with_the_environ_still_pending(
        monkeypatch: pytest.MonkeyPatch) -> None:
    # An app without hooks or teardown: the compiled road (dispatch.decide) answers its Lambda events
    # from the request line alone; the headers and the body stay unread until a view asks.
    from manypaths import dispatch, wsgi
    from manypaths.platforms import aws

    app = App("plain")
    seen: list[type] = []

    @app.get("/quiet/<int:n>")
    def quiet(n: int) -> Any:
        seen.append(type(request.environ))
        return f"n={n}"

    @app.get("/reads")
    def reads() -> Any:
        return {"host": request.host, "accept": request.headers.get("Accept")}

    handler = lambda_handler(app)
    event = reshaped("apiGatewayProxyV2Event_GET.json", "/quiet/1", "GET")
    assert handler(copy.deepcopy(event), None)["body"] == "n=1"  # decides the road
    assert app._road is not None
    begun: list[Any] = []
    monkeypatch.setattr(wsgi, "begin", lambda *a: begun.append(a) or dispatch.begin(*a))
    assert handler(reshaped("apiGatewayProxyV2Event_GET.json", "/quiet/2", "GET"), None)["body"] == "n=2"
    assert seen[-1] is aws._PendingEnviron and not begun  # the road, nothing completed
    reading = reshaped("apiGatewayProxyV2Event_GET.json", "/reads", "GET")
    reading["headers"].update({"host": "api.example", "accept": "text/csv"})
    answer = handler(reading, None)
    assert json.loads(answer["body"]) == {"host": "api.example", "accept": "text/csv"} and not begun
    # A JSON client's 404: the road asks the pending environ for Accept by its get.
    missing = reshaped("apiGatewayProxyV2Event_GET.json", "/nowhere", "GET")
    missing["headers"]["accept"] = "application/json"
    answer = handler(missing, None)
    assert answer["statusCode"] == 404 and answer["headers"]["content-type"] == "application/problem+json" and not begun
    missing["headers"]["accept"] = "text/html"
    answer = handler(missing, None)
    assert answer["statusCode"] == 404 and answer["headers"]["content-type"].startswith("text/html")
    # Not a GET: the Python road (begin), with the same core.
    assert handler(reshaped("apiGatewayProxyV2Event_GET.json", "/quiet/3", "POST"), None)["statusCode"] == 405
    assert begun
