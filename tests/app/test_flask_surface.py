"""The rest of Flask's surface (issue 10), side by side with Flask: class-based views, response headers."""

from __future__ import annotations

import datetime
from typing import Any

import flask
import flask.views
import pytest

import manypaths
import manypaths.views


def build(App: Any, views: Any, request: Any) -> Any:
    app = App(__name__)
    calls: list[str] = []

    def tagged(view: Any) -> Any:
        def wrapper(**kwargs: Any) -> Any:
            calls.append("decorated")
            return view(**kwargs)

        wrapper.__name__ = view.__name__
        return wrapper

    class Hello(views.View):
        methods = ["GET", "POST"]
        decorators = [tagged]

        def __init__(self, greeting: str) -> None:
            self.greeting = greeting

        def dispatch_request(self, name: str) -> Any:
            return f"{self.greeting}, {name} ({request.method})"

    class Items(views.MethodView):
        init_every_request = False

        def get(self, item_id: int | None = None) -> Any:
            return {"get": item_id}

        def post(self) -> Any:
            return {"created": request.get_json()}, 201

        def delete(self, item_id: int) -> Any:
            return "", 204

    class ReadOnly(Items):
        def put(self, item_id: int) -> Any:
            return {"put": item_id}

    app.add_url_rule("/hello/<name>", view_func=Hello.as_view("hello", "Hi"))
    items = Items.as_view("items")
    app.add_url_rule("/items/", view_func=items, methods=["GET", "POST"])
    app.add_url_rule("/items/<int:item_id>", view_func=items, methods=["GET", "DELETE"])
    app.add_url_rule("/ro/<int:item_id>", view_func=ReadOnly.as_view("ro"))

    @app.route("/headers")
    def headers() -> Any:
        response = app.make_response("body")
        response.allow = ["GET", "POST"]
        response.vary = ["Accept", "Origin"]
        response.content_encoding = "identity"
        response.last_modified = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
        response.expires = datetime.datetime(2030, 1, 1, tzinfo=datetime.timezone.utc)
        response.cache_control.max_age = 60
        response.cache_control.public = True
        response.set_etag("v1")
        return response

    @app.route("/conditional")
    def conditional() -> Any:
        response = app.make_response("fresh body")
        response.set_etag("abc")
        response.last_modified = datetime.datetime(2024, 5, 1, 12, 0, tzinfo=datetime.timezone.utc)
        response.cache_control.no_cache = True
        return response.make_conditional(request)

    @app.route("/etag-info")
    def etag_info() -> Any:
        response = app.make_response("x")
        response.set_etag("weak-one", weak=True)
        etag, weak = response.get_etag()
        return {"etag": etag, "weak": weak, "allow": sorted(response.allow), "max_age": response.cache_control.max_age,
                "no_store": response.cache_control.no_store}

    app.calls = calls
    return app


FLASK = build(flask.Flask, flask.views, flask.request)
OURS = build(manypaths.App, manypaths.views, manypaths.request)
HEADERS = ("Content-Type", "Allow", "Vary", "Content-Encoding", "Last-Modified", "Expires", "Cache-Control", "ETag",
           "Content-Length")

CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/hello/ada", {}), ("POST", "/hello/ada", {}), ("PUT", "/hello/ada", {}), ("OPTIONS", "/hello/ada", {}),
    ("GET", "/items/", {}), ("POST", "/items/", {"json": {"a": 1}}), ("GET", "/items/3", {}),
    ("DELETE", "/items/3", {}), ("PUT", "/items/3", {}), ("HEAD", "/items/3", {}), ("OPTIONS", "/items/3", {}),
    ("PUT", "/ro/4", {}), ("GET", "/ro/4", {}), ("PATCH", "/ro/4", {}),
    ("GET", "/headers", {}), ("GET", "/etag-info", {}),
    ("GET", "/conditional", {}),
    ("GET", "/conditional", {"headers": {"If-None-Match": '"abc"'}}),
    ("GET", "/conditional", {"headers": {"If-None-Match": 'W/"abc", "other"'}}),
    ("GET", "/conditional", {"headers": {"If-None-Match": '"other"'}}),
    ("GET", "/conditional", {"headers": {"If-None-Match": "*"}}),
    ("HEAD", "/conditional", {"headers": {"If-None-Match": '"abc"'}}),
    ("GET", "/conditional", {"headers": {"If-Modified-Since": "Wed, 01 May 2024 12:00:00 GMT"}}),
    ("GET", "/conditional", {"headers": {"If-Modified-Since": "Tue, 30 Apr 2024 12:00:00 GMT"}}),
    ("GET", "/conditional", {"headers": {"If-Modified-Since": "not a date"}}),
    ("GET", "/conditional", {"headers": {"If-None-Match": '"other"',
                                         "If-Modified-Since": "Wed, 01 May 2024 12:00:00 GMT"}}),
]


def _answer(app: Any, method: str, path: str, kw: dict[str, Any]) -> tuple[int, dict[str, Any], bytes]:
    response = app.test_client().open(path, method=method, **kw)
    headers: dict[str, Any] = {h: response.headers.get(h) for h in HEADERS}
    for name in ("Allow", "Vary", "Cache-Control"):
        if headers[name] is not None:
            headers[name] = sorted(part.strip() for part in headers[name].split(","))
    return response.status_code, headers, response.get_data()


@pytest.mark.parametrize(("method", "path", "kw"), CASES, ids=[f"{m} {p} {kw}" for m, p, kw in CASES])
def test_views_and_response_headers_like_flask(method: str, path: str, kw: dict[str, Any]) -> None:
    f_status, f_headers, f_body = _answer(FLASK, method, path, kw)
    o_status, o_headers, o_body = _answer(OURS, method, path, kw)
    assert (o_status, o_headers) == (f_status, f_headers)
    if f_status < 400:
        assert o_body == f_body


def test_view_decorators_and_view_class() -> None:
    for app in (FLASK, OURS):
        app.calls.clear()
        app.test_client().get("/hello/x")
        assert app.calls == ["decorated"]
        assert app.view_functions["hello"].view_class.__name__ == "Hello"
    assert sorted(manypaths.views.MethodView.__subclasses__()[0].methods or ()) == ["DELETE", "GET", "POST"]


def test_view_without_dispatch_request_says_so() -> None:
    class Empty(manypaths.views.View):
        pass

    app = manypaths.App(__name__)
    app.add_url_rule("/e", view_func=Empty.as_view("e"))
    app.testing = True
    with pytest.raises(NotImplementedError, match="Empty must implement dispatch_request"):
        app.test_client().get("/e")
