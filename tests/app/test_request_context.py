"""app.test_request_context(): request, g, url_for and current_app outside a view, as in Flask."""

from __future__ import annotations

from typing import Any

import flask
import pytest

import manypaths
from manypaths import App, current_app, g, request, url_for


def make(App: Any) -> Any:
    app = App("ctx")

    @app.route("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return str(user_id)

    @app.route("/search")
    def search() -> str:
        return "search"

    return app


def test_request_and_url_for_work_inside() -> None:
    app = make(App)
    with app.test_request_context("/users/7?tab=posts", base_url="https://example.com/fn") as ctx:
        assert request.path == "/users/7"
        assert request.args.get("tab") == "posts"
        assert request.url_rule is not None and request.url_rule.rule == "/users/<int:user_id>"
        assert request.endpoint == "user" and request.view_args == {"user_id": 7}
        assert url_for("user", user_id=3) == "/fn/users/3"
        assert url_for("search", q="a b", _external=True) == "https://example.com/fn/search?q=a+b"
        assert current_app._get_current_object() is app  # type: ignore[attr-defined]
        assert ctx.request is request._get_current_object()  # type: ignore[attr-defined]
    with pytest.raises(RuntimeError, match="Working outside of a request"):
        request.path  # noqa: B018


@pytest.mark.parametrize(
    ("path", "kwargs", "endpoint", "values"),
    [
        ("/users/1", {"base_url": "https://example.com/fn"}, "user", {"user_id": 5}),
        ("/", {"base_url": "http://localhost:8080/a/b/"}, "search", {"q": ["x", "y"], "_external": True}),
        ("/nowhere", {}, "user", {"user_id": 2, "_anchor": "top"}),
    ],
)
def test_urls_as_flask_builds_them(path: str, kwargs: dict[str, Any], endpoint: str, values: dict[str, Any]) -> None:
    ours, theirs = make(App), make(flask.Flask)
    with ours.test_request_context(path, **kwargs):
        mine = manypaths.url_for(endpoint, **values)
    with theirs.test_request_context(path, **kwargs):
        flasks = flask.url_for(endpoint, **values)
    assert mine == flasks


def test_an_unmatched_path_leaves_no_rule() -> None:
    with make(App).test_request_context("/nowhere", method="DELETE"):
        assert request.url_rule is None and request.endpoint is None and request.method == "DELETE"


def test_body_and_json() -> None:
    app = make(App)
    with app.test_request_context("/search", method="POST", json={"k": [1, 2]}):
        assert request.get_json() == {"k": [1, 2]}
    with app.test_request_context("/search", method="POST", data={"a": "1", "b": ["2", "3"]}):
        assert request.form.getlist("b") == ["2", "3"]


def test_contexts_nest_and_g_is_per_request() -> None:
    app = make(App)
    with app.test_request_context("/users/1"):
        g.who = "outer"
        with app.test_request_context("/users/2"):
            assert request.view_args == {"user_id": 2}
            assert "who" not in g
            g.who = "inner"
        assert request.view_args == {"user_id": 1}
        assert g.who == "outer"


def test_push_and_pop_by_hand() -> None:
    ctx = make(App).test_request_context("/search")
    ctx.push()
    try:
        assert request.path == "/search"
    finally:
        ctx.pop()
    with pytest.raises(RuntimeError, match="not active"):
        ctx.pop()
