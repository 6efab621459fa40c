"""Test client extras (issue 10), side by side with Flask's client: ``with client:``, ``environ_base``,
``base_url``, EnvironBuilder-style arguments, redirect history and ``response.request``."""

from __future__ import annotations

import io
from types import SimpleNamespace
from typing import Any

import flask
import pytest

import manypaths

FLASK = SimpleNamespace(App=flask.Flask, request=flask.request, g=flask.g, redirect=flask.redirect)
OURS = SimpleNamespace(App=manypaths.App, request=manypaths.request, g=manypaths.g, redirect=manypaths.redirect)
BOTH = pytest.mark.parametrize("ns", [FLASK, OURS], ids=["flask", "manypaths"])


def build(ns: Any) -> Any:
    app = ns.App("clientapp")
    request = ns.request

    @app.route("/echo", methods=["GET", "POST", "PUT"])
    def echo() -> Any:
        ns.g.seen = request.path
        return {
            "method": request.method, "args": request.args.to_dict(flat=False), "form": request.form.to_dict(),
            "files": {k: [f.filename, f.read().decode(), f.mimetype] for k, f in request.files.items()},
            "remote": request.remote_addr, "host": request.host, "root": request.script_root, "url": request.url,
            "scheme": request.scheme, "mimetype": request.mimetype, "body": request.get_data(as_text=True)
            if not request.files and not request.form else "", "x": request.headers.getlist("X-Multi"),
            "auth": request.headers.get("Authorization"), "cookie": request.cookies.get("c"),
        }

    @app.route("/hop/<int:n>", methods=["GET", "POST"])
    def hop(n: int) -> Any:
        if n == 0:
            return {"arrived": request.method, "body": request.get_data(as_text=True), "root": request.script_root}
        return ns.redirect(f"{request.script_root}/hop/{n - 1}", 307 if n % 2 else 302)

    return app


REQUESTS: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/echo", {"query_string": {"q": ["1", "2"], "single": "x"}}),
    ("GET", "/echo?inline=1", {}),
    ("GET", "/echo", {"query_string": "raw=1&raw=2"}),
    ("GET", "/echo", {"headers": [("X-Multi", "a"), ("X-Multi", "b")]}),
    ("GET", "/echo", {"headers": {"X-Multi": "one"}}),
    ("GET", "/echo", {"base_url": "https://api.example:8443/fn"}),
    ("GET", "/echo", {"environ_base": {"REMOTE_ADDR": "10.1.2.3"}}),
    ("GET", "/echo", {"environ_overrides": {"wsgi.url_scheme": "https"}}),
    ("GET", "/echo", {"auth": ("ada", "s3cret")}),
    ("POST", "/echo", {"data": {"name": "ada", "lang": "en"}}),
    ("POST", "/echo", {"data": "raw text", "content_type": "text/plain"}),
    ("PUT", "/echo", {"data": b"\x00\x01", "mimetype": "application/octet-stream"}),
    ("POST", "/echo", {"json": {"a": [1, 2]}}),
    ("POST", "/echo", {"data": {"f": (io.BytesIO(b"hello"), "a.txt"), "g": (io.BytesIO(b"x,y"), "b.csv", "text/csv"),
                                "field": "v"}}),
    ("GET", "/hop/3", {"follow_redirects": True}),
    ("POST", "/hop/1", {"follow_redirects": True, "data": "kept on 307"}),
    ("POST", "/hop/2", {"follow_redirects": True, "data": "dropped on 302"}),
    ("GET", "/hop/2", {"follow_redirects": True, "base_url": "http://localhost/mount"}),
]


def _answer(ns: Any, method: str, path: str, kw: dict[str, Any]) -> Any:
    kw = {k: (dict(v) if isinstance(v, dict) and k == "data" else v) for k, v in kw.items()}
    if "data" in kw and isinstance(kw["data"], dict):  # fresh file objects per run
        kw["data"] = {k: ((io.BytesIO(v[0].getvalue()), *v[1:]) if isinstance(v, tuple) else v)
                      for k, v in kw["data"].items()}
    client = build(ns).test_client()
    if "base_url" not in kw:  # werkzeug's jar keeps a cookie to its domain; ours sends every cookie it holds
        client.set_cookie("c", "cookie-value")
    response = client.open(path, method=method, **kw)
    sent = response.request
    return (response.status_code, response.get_json(), [h.status_code for h in response.history],
            [h.request.path for h in response.history], sent.path, sent.method, sent.url)


@pytest.mark.parametrize(("method", "path", "kw"), REQUESTS)
def test_client_requests_like_flask(method: str, path: str, kw: dict[str, Any]) -> None:
    assert _answer(OURS, method, path, kw) == _answer(FLASK, method, path, kw)


def test_client_answers_are_the_intended_ones() -> None:
    status, body, codes, paths, *_ = _answer(OURS, "POST", "/hop/3", {"follow_redirects": True, "data": "b"})
    assert (status, codes, paths) == (200, [307, 302, 307], ["/hop/3", "/hop/2", "/hop/1"])
    assert body == {"arrived": "GET", "body": "", "root": ""}
    body = _answer(OURS, "POST", "/echo", REQUESTS[13][2])[1]
    assert body["files"] == {"f": ["a.txt", "hello", "text/plain"], "g": ["b.csv", "x,y", "text/csv"]}
    assert body["form"] == {"field": "v"} and body["cookie"] == "cookie-value"
    assert _answer(OURS, "GET", "/echo", {"auth": ("ada", "s3cret")})[1]["auth"] == "Basic YWRhOnMzY3JldA=="


@BOTH
def test_with_client_keeps_the_last_request_context(ns: Any) -> None:
    app = build(ns)
    teardowns: list[Any] = []
    app.teardown_request(teardowns.append)
    client = app.test_client()
    with client:
        client.get("/echo?first=1")
        assert ns.request.args["first"] == "1" and ns.g.seen == "/echo"
        assert len(teardowns) == 1  # the request's teardown ran when it ended, as in Flask
        client.post("/echo", data={"second": "2"})
        assert ns.request.method == "POST" and ns.request.form["second"] == "2"
    assert not ns.request
    client.get("/echo")
    assert not ns.request  # outside the block nothing is kept


@BOTH
def test_environ_base_on_the_client(ns: Any) -> None:
    client = build(ns).test_client()
    assert client.environ_base["REMOTE_ADDR"] == "127.0.0.1"
    client.environ_base["REMOTE_ADDR"] = "192.0.2.7"
    client.environ_base["HTTP_X_MULTI"] = "from-base"
    body = client.get("/echo").get_json()
    assert (body["remote"], body["x"]) == ("192.0.2.7", ["from-base"])
    assert client.get("/echo", headers={"X-Multi": "header wins"}).get_json()["x"] == ["header wins"]


@BOTH
def test_open_with_a_prepared_environ_and_cookie_helpers(ns: Any) -> None:
    client = build(ns).test_client()
    environ = client.get("/echo?x=1").request.environ
    environ["wsgi.input"] = io.BytesIO(b"")
    assert client.open(environ).get_json()["args"] == {"x": ["1"]}
    client.set_cookie("c", "v1")
    assert client.get_cookie("c").value == "v1"
    client.delete_cookie("c")
    assert client.get_cookie("c") is None and client.get("/echo").get_json()["cookie"] is None
