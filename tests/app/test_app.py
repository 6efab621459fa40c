"""App behaviour not covered side by side with Flask: nesting, hooks, 500s, debug, misuse errors."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from manypaths import App, Blueprint, abort, g, request, url_for


def make() -> tuple[App, list[str]]:
    app = App("t")
    calls: list[str] = []
    outer = Blueprint("outer", __name__, url_prefix="/outer")
    inner = Blueprint("inner", __name__, url_prefix="/inner")

    @inner.get("/<int:n>")
    def leaf(n: int) -> Any:
        return {"n": n, "self": url_for(".leaf", n=n), "ep": request.endpoint, "who": g.get("who")}

    @inner.before_request
    def inner_before() -> None:
        calls.append("inner-before")
        g.who = "inner"

    @outer.before_request
    def outer_before() -> None:
        calls.append("outer-before")

    @outer.get("/stop")
    def stop() -> Any:
        return "not reached"

    @outer.before_request
    def maybe_stop() -> Any:
        return ("stopped", 403) if request.path.endswith("/stop") else None

    @app.before_request
    def app_before() -> None:
        calls.append("app-before")

    @app.teardown_request
    def teardown(error: BaseException | None) -> None:
        calls.append(f"teardown:{type(error).__name__ if error else None}")

    @app.get("/boom")
    def boom() -> Any:
        raise RuntimeError("secret detail")

    @app.get("/none")
    def returns_none() -> Any:
        return None

    @app.get("/abort")
    def aborts() -> Any:
        abort(403, "<script>no</script>")

    @app.get("/links")
    def links() -> Any:
        return {"https": url_for("links", _scheme="https", _external=True), "post": url_for("poster", _method="POST")}

    @app.post("/poster")
    def poster() -> Any:
        return "posted"

    outer.register_blueprint(inner)
    app.register_blueprint(outer)
    return app, calls


def test_app_nested_blueprints_prefixes_endpoints_and_hook_order() -> None:
    app, calls = make()
    response = app.test_client().get("/outer/inner/5")
    assert response.json == {"n": 5, "self": "/outer/inner/5", "ep": "outer.inner.leaf", "who": "inner"}
    # As Flask: the app's hooks, then the outer blueprint's, then the inner's; teardown last.
    assert calls == ["app-before", "outer-before", "inner-before", "teardown:None"]


def test_app_blueprint_before_request_can_answer() -> None:
    app, _ = make()
    response = app.test_client().get("/outer/stop")
    assert (response.status_code, response.text) == (403, "stopped")


def test_app_unhandled_exception_is_logged_500_without_details(caplog: pytest.LogCaptureFixture) -> None:
    app, calls = make()
    with caplog.at_level(logging.ERROR, logger="t"):
        response = app.test_client().get("/boom")
    assert response.status_code == 500
    assert "secret detail" not in response.text and "Traceback" not in response.text
    assert "Exception on /boom [GET]" in caplog.text and "secret detail" in caplog.text
    assert calls[-1] == "teardown:RuntimeError"


def test_app_debug_propagates_as_flask_and_shows_the_traceback_when_told_not_to() -> None:
    app, _ = make()
    app.debug = True
    # As Flask: in debug mode an unhandled exception propagates (PROPAGATE_EXCEPTIONS unset).
    with pytest.raises(RuntimeError, match="secret detail"):
        app.test_client().get("/boom")
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = app.test_client().get("/boom")
    assert response.status_code == 500 and "RuntimeError: secret detail" in response.text


def test_app_view_returning_none_is_an_error_naming_the_view(caplog: pytest.LogCaptureFixture) -> None:
    app, _ = make()
    with caplog.at_level(logging.ERROR, logger="t"):
        response = app.test_client().get("/none")
    assert response.status_code == 500
    assert "view function for 'returns_none' did not return a valid response" in caplog.text


def test_app_abort_escapes_its_description() -> None:
    app, _ = make()
    response = app.test_client().get("/abort")
    assert response.status_code == 403
    assert "<script>" not in response.text and "&lt;script&gt;" in response.text


def test_app_url_for_scheme_and_method() -> None:
    app, _ = make()
    assert app.test_client().get("/links").json == {"https": "https://localhost/links", "post": "/poster"}


def test_app_url_for_honours_script_name_and_host() -> None:
    from manypaths.testing import TestClient

    app, _ = make()
    client = TestClient(app, base_url="https://api.example.com/fn")
    assert client.get("/outer/inner/3").json["self"] == "/fn/outer/inner/3"
    assert client.get("/links").json["https"] == "https://api.example.com/fn/links"


def test_app_registration_errors_name_the_culprit() -> None:
    app = App("t")

    @app.get("/a")
    def a() -> str:
        return "a"

    with pytest.raises(AssertionError, match="overwriting an existing endpoint function: 'a'"):
        app.add_url_rule("/b", "a", lambda: "other")
    with pytest.raises(TypeError, match="must be a list of strings"):
        app.add_url_rule("/c", "c", lambda: "c", methods="GET")
    with pytest.raises(TypeError, match="Use the 'route' decorator"):
        app.get("/d", methods=["POST"])
    bp = Blueprint("a", __name__)
    app.register_blueprint(bp)
    with pytest.raises(ValueError, match="already registered"):
        app.register_blueprint(bp)
    with pytest.raises(ValueError, match="must be non-empty and hold no dot"):
        Blueprint("x.y", __name__)
