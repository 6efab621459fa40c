"""The same app written for Flask and for manypaths answers a table of requests the same way.

Compared: status, the relevant headers, and the body. Deliberate difference (README): the
wording of the default error pages, so for default 4xx pages only status and type are compared.
"""

from __future__ import annotations

import io
import re
from typing import Any

import flask
import pytest

import manypaths


def build(App: Any, Blueprint: Any, request: Any, jsonify: Any, url_for: Any, redirect: Any, abort: Any,
          make_response: Any) -> Any:
    app = App(__name__)

    @app.route("/")
    def index() -> Any:
        return "index"

    @app.route("/user/<string:id>", methods=["GET", "POST"])
    def user(id: str) -> Any:
        return id, 200

    @app.route("/post/<int:post_id>")
    def show_post(post_id: int) -> Any:
        return jsonify(post_id=post_id, kind=type(post_id).__name__)

    @app.route("/files/<path:p>")
    def files(p: str) -> Any:
        return {"p": p}

    @app.route("/docs/")
    def docs() -> Any:
        return "docs"

    @app.route("/links")
    def links() -> Any:
        return jsonify(
            post=url_for("show_post", post_id=3, q="a b", tags=["x", "y"]),
            external=url_for("docs", _external=True),
            anchor=url_for("index", _anchor="top"),
            bp=url_for("api.item", item_id=5),
        )

    @app.route("/tuple3")
    def tuple3() -> Any:
        return "created", 201, {"X-Custom": "1"}

    @app.route("/tuple-headers")
    def tuple_headers() -> Any:
        return "with headers", {"X-Other": "2"}

    @app.route("/list")
    def a_list() -> Any:
        return [1, "two", {"three": 3}]

    @app.route("/bytes")
    def a_bytes() -> Any:
        return b"raw bytes"

    @app.route("/stream")
    def stream() -> Any:
        def generate() -> Any:
            yield "a"
            yield "b"

        return generate()

    @app.route("/go")
    def go() -> Any:
        return redirect(url_for("user", id="x y"))

    @app.route("/teapot")
    def teapot() -> Any:
        abort(418)

    @app.route("/boom")
    def boom() -> Any:
        raise KeyError("boom")

    @app.errorhandler(KeyError)
    def key_error(e: Any) -> Any:
        return jsonify(error="key", detail=str(e)), 409

    @app.errorhandler(404)
    def not_found(e: Any) -> Any:
        return jsonify(error="nf", path=request.path), 404

    @app.route("/cookies", methods=["GET", "POST"])
    def cookies() -> Any:
        response = make_response(jsonify(seen=request.cookies.get("flavour")))
        if request.method == "POST":
            response.set_cookie("flavour", request.form["flavour"], max_age=60, httponly=True, samesite="Lax")
            response.set_cookie("other", "1", path="/cookies", secure=True)
        return response

    @app.route("/form", methods=["POST"])
    def form() -> Any:
        upload = request.files.get("upload")
        return jsonify(
            name=request.form.get("name"),
            many=request.form.getlist("many"),
            file=upload.filename if upload else None,
            size=len(upload.read()) if upload else None,
        )

    @app.route("/json", methods=["PUT"])
    def json_in() -> Any:
        return jsonify(got=request.get_json(), args=request.args.getlist("a"), n=request.args.get("n", type=int))

    @app.route("/only-post", methods=["POST"])
    def only_post() -> Any:
        return "posted"

    def no_auto_options() -> Any:
        return "no automatic OPTIONS"

    app.add_url_rule("/no-options", view_func=no_auto_options, provide_automatic_options=False)

    @app.route("/own-options", methods=["GET", "OPTIONS"])
    def own_options() -> Any:
        if request.method == "OPTIONS":
            return "", 204, {"X-Custom": "preflight"}
        return "own options"

    @app.route("/no-content")
    def no_content() -> Any:
        return "a body a 204 must not carry", 204

    @app.route("/not-modified")
    def not_modified() -> Any:
        return "stale body", 304, {"X-Custom": "kept"}

    bp = Blueprint("api", __name__, url_prefix="/api")

    @bp.route("/items/<int:item_id>")
    def item(item_id: int) -> Any:
        return jsonify(item=item_id, here=url_for(".item", item_id=item_id), ep=request.endpoint)

    @bp.route("/")
    def api_root() -> Any:
        return "api root"

    @bp.errorhandler(ValueError)
    def bp_value(e: Any) -> Any:
        return "bp handled", 422

    @bp.route("/bad")
    def bad() -> Any:
        raise ValueError("no")

    @bp.after_request
    def tag(response: Any) -> Any:
        response.headers["X-Blueprint"] = "api"
        return response

    app.register_blueprint(bp)
    return app


FLASK = build(flask.Flask, flask.Blueprint, flask.request, flask.jsonify, flask.url_for, flask.redirect, flask.abort,
              flask.make_response)
OURS = build(manypaths.App, manypaths.Blueprint, manypaths.request, manypaths.jsonify, manypaths.url_for,
             manypaths.redirect, manypaths.abort, manypaths.make_response)

HEADERS = ("Content-Type", "Location", "X-Custom", "X-Other", "X-Blueprint", "Content-Length")
CASES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/", {}),
    ("GET", "/user/123", {}),
    ("POST", "/user/abc", {}),
    ("GET", "/post/32", {}),
    ("GET", "/post/x", {}),  # converter mismatch: 404
    ("GET", "/post/-1", {}),
    ("GET", "/files/a/b/c.txt", {}),
    ("GET", "/docs", {}),  # trailing-slash redirect
    ("GET", "/docs", {"query_string": "a=1&b=2"}),
    ("GET", "/docs/", {}),
    ("GET", "/links", {}),
    ("GET", "/tuple3", {}),
    ("GET", "/tuple-headers", {}),
    ("GET", "/list", {}),
    ("GET", "/bytes", {}),
    ("GET", "/stream", {}),
    ("GET", "/go", {}),
    ("GET", "/boom", {}),
    ("GET", "/nowhere", {}),
    ("DELETE", "/user/1", {}),  # 405
    ("GET", "/only-post", {}),
    ("HEAD", "/post/3", {}),
    ("OPTIONS", "/user/1", {}),
    ("OPTIONS", "/", {}),
    ("OPTIONS", "/no-options", {}),  # 405: the rule turned automatic OPTIONS off
    ("DELETE", "/no-options", {}),  # 405 whose Allow has no OPTIONS
    ("OPTIONS", "/own-options", {}),  # the view answers
    ("DELETE", "/own-options", {}),
    ("OPTIONS", "/api/items/7", {}),
    ("GET", "/no-content", {}),  # no body, no Content-Length
    ("GET", "/not-modified", {}),  # no body, no representation headers
    ("GET", "/api/items/7", {}),
    ("GET", "/api", {}),
    ("GET", "/api/", {}),
    ("GET", "/api/bad", {}),
    ("PUT", "/json", {"json": {"k": [1, 2]}, "query_string": "a=1&a=2&n=5"}),
    ("POST", "/form", {"data": {"name": "ü", "many": ["1", "2"]}}),
    ("GET", "/teapot", {}),
]


def _answer(app: Any, method: str, path: str, kw: dict[str, Any]) -> tuple[int, dict[str, Any], Any]:
    client = app.test_client()
    response = client.open(path, method=method, **kw)
    headers = {h: response.headers.get(h) for h in HEADERS}
    allow = response.headers.get("Allow")
    headers["Allow"] = sorted(a.strip() for a in allow.split(",")) if allow else None
    return response.status_code, headers, response.get_data()


@pytest.mark.parametrize(("method", "path", "kw"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_app_answers_like_flask(method: str, path: str, kw: dict[str, Any]) -> None:
    f_status, f_headers, f_body = _answer(FLASK, method, path, kw)
    o_status, o_headers, o_body = _answer(OURS, method, path, kw)
    assert o_status == f_status
    default_error_page = f_status >= 400 and f_headers["Content-Type"] == "text/html; charset=utf-8"
    if default_error_page:
        f_headers.pop("Content-Length")
        o_headers.pop("Content-Length")
    elif f_status in (301, 302, 308):
        # Redirect pages are prose too; the Location is what matters.
        f_headers.pop("Content-Length")
        o_headers.pop("Content-Length")
    assert o_headers == f_headers
    if not default_error_page and f_status not in (301, 302, 308):
        assert o_body == f_body


def test_app_multipart_upload_like_flask() -> None:
    def send(app: Any) -> Any:
        data = {"name": "n", "upload": (io.BytesIO(b"x" * 1000), "a.bin", "application/octet-stream")}
        return app.test_client().post("/form", data=data).get_json()

    assert send(OURS) == send(FLASK) == {"name": "n", "many": [], "file": "a.bin", "size": 1000}


def test_app_cookies_kept_across_calls_like_flask() -> None:
    for app in (FLASK, OURS):
        client = app.test_client()
        first = client.post("/cookies", data={"flavour": "oat"})
        # Expires is now + Max-Age: compare its presence, not the second it was computed.
        cookies = sorted(re.sub(r"Expires=[^;]+", "Expires=<date>", c) for c in first.headers.getlist("Set-Cookie"))
        assert client.get("/cookies").get_json() == {"seen": "oat"}
        if app is FLASK:
            flask_cookies = cookies
    assert cookies == flask_cookies
