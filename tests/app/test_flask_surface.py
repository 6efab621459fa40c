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


# -- werkzeug interop: a ported app keeps werkzeug imports for a while --------------------------------

def test_werkzeug_http_exception_answers_its_own_code_headers_and_body() -> None:
    import werkzeug.exceptions

    def build_raiser(App: Any) -> Any:
        app = App(__name__)

        @app.route("/w/<int:code>")
        def raise_it(code: int) -> Any:
            if code == 401:
                raise werkzeug.exceptions.Unauthorized("who?", www_authenticate="Basic realm=x")
            if code == 405:
                raise werkzeug.exceptions.MethodNotAllowed(["GET", "PUT"])
            raise werkzeug.exceptions.default_exceptions[code]("their words")

        return app

    flask_app, ours = build_raiser(flask.Flask), build_raiser(manypaths.App)
    for code in (400, 401, 403, 404, 405, 409, 418, 429, 503):
        theirs, mine = flask_app.test_client().get(f"/w/{code}"), ours.test_client().get(f"/w/{code}")
        assert mine.status_code == theirs.status_code == code
        assert mine.get_data() == theirs.get_data()
        for header in ("Content-Type", "Allow", "WWW-Authenticate", "Content-Length"):
            assert mine.headers.get(header) == theirs.headers.get(header), (code, header)


def test_werkzeug_converter_class_works_in_converters() -> None:
    import werkzeug.routing

    class EvenConverter(werkzeug.routing.BaseConverter):
        regex = r"\d+"
        weight = 50

        def to_python(self, value: str) -> int:
            number = int(value)
            if number % 2:
                raise werkzeug.routing.ValidationError()
            return number

        def to_url(self, value: Any) -> str:
            return str(int(value))

    class ListConverter(werkzeug.routing.BaseConverter):
        def __init__(self, map: Any, separator: str = "+") -> None:
            super().__init__(map)
            self.separator = separator

        def to_python(self, value: str) -> list[str]:
            return value.split(self.separator)

        def to_url(self, value: Any) -> str:
            return self.separator.join(super(ListConverter, self).to_url(v) for v in value)

    def build_app(App: Any, url_for: Any) -> Any:
        app = App(__name__)
        app.url_map.converters["even"] = EvenConverter
        app.url_map.converters["list"] = ListConverter

        @app.route("/n/<even:n>")
        def even(n: int) -> Any:
            return {"even": n, "self": url_for("even", n=n)}

        @app.route("/n/<int:n>")
        def odd(n: int) -> Any:
            return {"odd": n}

        @app.route("/tags/<list(separator=','):tags>")
        def tags(tags: list[str]) -> Any:
            return {"tags": tags, "self": url_for("tags", tags=["a b", "c"])}

        return app

    flask_app, ours = build_app(flask.Flask, flask.url_for), build_app(manypaths.App, manypaths.url_for)
    for path in ("/n/4", "/tags/x,y,z", "/n/x"):
        for _ in range(20):  # the walk, then the generated matcher
            theirs, mine = flask_app.test_client().get(path), ours.test_client().get(path)
            assert (mine.status_code, mine.get_json()) == (theirs.status_code, theirs.get_json()), path
    # The README's first deliberate difference: werkzeug's ValidationError makes the rule absent and
    # the next rule is tried (werkzeug's documented contract); werkzeug >= 2.2 answers 404.
    for _ in range(20):
        assert ours.test_client().get("/n/7").get_json() == {"odd": 7}
    assert flask_app.test_client().get("/n/7").status_code == 404
