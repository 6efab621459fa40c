"""Application context and URL processors (issue 10), side by side with Flask: the same app built
with each framework's names answers the same request table, and the same scripts print the same."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import flask
import pytest

import manypaths
from manypaths import routing

FLASK = SimpleNamespace(App=flask.Flask, Blueprint=flask.Blueprint, g=flask.g, request=flask.request,
                        current_app=flask.current_app, url_for=flask.url_for, BuildError=flask.app.BuildError)
OURS = SimpleNamespace(App=manypaths.App, Blueprint=manypaths.Blueprint, g=manypaths.g, request=manypaths.request,
                       current_app=manypaths.current_app, url_for=manypaths.url_for, BuildError=routing.BuildError)
BOTH = pytest.mark.parametrize("ns", [FLASK, OURS], ids=["flask", "manypaths"])


def build(ns: Any, log: list[str]) -> Any:
    """A multilingual app: the language is a URL value taken out by a preprocessor and put back by url_defaults."""
    app = ns.App("ctxapp")
    g, request, url_for = ns.g, ns.request, ns.url_for

    @app.url_value_preprocessor
    def pull_lang(endpoint: Any, values: Any) -> None:
        log.append(f"app-pre {endpoint}")
        if values is not None:
            g.lang = values.pop("lang", None)

    @app.url_defaults
    def add_lang(endpoint: str, values: dict[str, Any]) -> None:
        if "lang" in values or endpoint not in app.view_functions or not app.url_map.is_endpoint_expecting(
                endpoint, "lang"):
            return
        values["lang"] = getattr(g, "lang", None) or "en"

    @app.teardown_appcontext
    def app_end(error: Any) -> None:
        log.append(f"appctx-end {type(error).__name__ if error else None}")

    @app.route("/<lang>/")
    def index() -> Any:
        return {"lang": g.lang, "self": url_for("index"), "about": url_for("pages.about"),
                "fr": url_for("index", lang="fr"), "other": url_for("pages.show", page="x", lang="de")}

    pages = ns.Blueprint("pages", "ctxapp", url_prefix="/<lang>/pages", url_defaults={"kind": "page"})

    @pages.url_value_preprocessor
    def bp_pre(endpoint: Any, values: Any) -> None:
        log.append(f"bp-pre {endpoint} {sorted(values)}")

    @pages.url_defaults
    def bp_defaults(endpoint: str, values: dict[str, Any]) -> None:
        values.setdefault("page", "home") if endpoint == "pages.show" else None

    @pages.before_app_request
    def everywhere() -> None:
        log.append(f"before-app {request.path}")

    @pages.after_app_request
    def after_everywhere(response: Any) -> Any:
        response.headers["X-App-Wide"] = "1"
        return response

    @pages.app_errorhandler(404)
    def not_found(error: Any) -> Any:
        return {"missing": request.path}, 404

    @pages.route("/about")
    def about(kind: str) -> Any:
        return {"kind": kind, "lang": g.lang, "show": url_for(".show"), "app_url": url_for("index")}

    @pages.route("/<page>")
    def show(page: str, kind: str) -> Any:
        return {"page": page, "kind": kind}

    app.register_blueprint(pages)
    other = ns.Blueprint("other", "ctxapp")

    @other.route("/plain/<int:n>")
    def plain(n: int) -> Any:
        return {"n": n}

    app.register_blueprint(other, url_prefix="/o", url_defaults={"n": 5}, name="o2")

    def missing_handler(error: Any, endpoint: str, values: dict[str, Any]) -> Any:
        if endpoint == "external":
            return "https://elsewhere.example/" + str(values.get("key", ""))
        return None

    app.url_build_error_handlers.append(missing_handler)

    @app.route("/build/<target>")
    def build_url(target: str) -> Any:
        try:
            return {"url": url_for(target, key="k")}
        except ns.BuildError as e:
            return {"error": type(e).__name__}

    return app


TABLE = [
    ("/en/", {}),
    ("/fr/", {}),
    ("/de/pages/about", {}),
    ("/de/pages/intro", {}),
    ("/o/plain", {}),
    ("/o/plain/7", {}),
    ("/no/where/at/all", {}),
    ("/build/external", {}),
    ("/build/nope", {}),
]


def _answer(ns: Any, path: str) -> tuple[int, str | None, Any, list[str]]:
    log: list[str] = []
    app = build(ns, log)
    response = app.test_client().get(path)
    return response.status_code, response.headers.get("X-App-Wide"), response.get_json(), log


@pytest.mark.parametrize(("path", "kw"), TABLE)
def test_url_processors_and_app_wide_hooks_like_flask(path: str, kw: dict[str, Any]) -> None:
    assert _answer(OURS, path) == _answer(FLASK, path)


def test_url_processor_answers_are_the_intended_ones() -> None:
    # The shared table also pins what the answers are, so both cannot be wrong the same way unnoticed.
    status, wide, body, log = _answer(OURS, "/de/pages/about")
    assert (status, wide) == (200, "1")
    assert body == {"kind": "page", "lang": "de", "show": "/de/pages/home", "app_url": "/de/"}
    assert log == ["app-pre pages.about", "bp-pre pages.about ['kind']", "before-app /de/pages/about",
                   "appctx-end None"]
    assert _answer(OURS, "/no/where/at/all")[:3] == (404, "1", {"missing": "/no/where/at/all"})
    assert _answer(OURS, "/build/external")[2] == {"url": "https://elsewhere.example/k"}


@BOTH
def test_app_context_script_use(ns: Any) -> None:
    log: list[str] = []
    app = build(ns, log)
    with pytest.raises(RuntimeError):
        _ = ns.current_app.name
    with pytest.raises(RuntimeError):
        ns.g.x = 1
    assert not ns.current_app
    with app.app_context():
        assert ns.current_app._get_current_object() is app
        ns.g.user = "ada"
        assert "user" in ns.g and ns.g.get("user") == "ada" and ns.g.pop("missing", 3) == 3
        with pytest.raises(RuntimeError, match="SERVER_NAME"):
            ns.url_for("index", lang="en")
        app.config["SERVER_NAME"] = "api.example"
        app.config["APPLICATION_ROOT"] = "/v1"
        app.config["PREFERRED_URL_SCHEME"] = "https"
        with app.app_context():
            assert "user" not in ns.g  # a nested context has its own g
            assert ns.url_for("index", lang="en") == "https://api.example/v1/en/"
            assert ns.url_for("index", lang="en", _external=False) == "/v1/en/"
            assert ns.url_for("index") == "https://api.example/v1/en/"  # url_defaults outside a request
        assert ns.g.user == "ada"
    assert log == ["appctx-end None", "appctx-end None"]


@BOTH
def test_requests_inside_an_app_context_share_its_g_and_leave_teardown_to_it(ns: Any) -> None:
    log: list[str] = []
    app = build(ns, log)

    @app.route("/g")
    def show_g() -> Any:
        ns.g.seen = True
        return {"user": ns.g.get("user")}

    client = app.test_client()
    assert client.get("/g").get_json() == {"user": None}
    assert log == ["app-pre show_g", "before-app /g", "appctx-end None"]
    log.clear()
    with app.app_context():
        ns.g.user = "ada"
        assert client.get("/g").get_json() == {"user": "ada"}
        assert ns.g.seen is True
        assert "appctx-end None" not in log
        with app.test_request_context("/en/"):
            assert ns.g.user == "ada" and ns.request.path == "/en/"
    assert log[-1] == "appctx-end None" and log.count("appctx-end None") == 1


@BOTH
def test_teardown_appcontext_gets_the_error(ns: Any) -> None:
    log: list[str] = []
    app = build(ns, log)

    @app.route("/boom")
    def boom() -> Any:
        raise KeyError("x")

    assert app.test_client().get("/boom").status_code == 500
    assert log[-1] == "appctx-end KeyError"
    with pytest.raises(ZeroDivisionError), app.app_context():
        raise ZeroDivisionError
    assert log[-1] == "appctx-end ZeroDivisionError"


@BOTH
def test_test_request_context_is_an_app_context(ns: Any) -> None:
    log: list[str] = []
    app = build(ns, log)
    with app.test_request_context("/de/pages/about"):
        ns.g.x = 1
        assert ns.current_app._get_current_object() is app
        # No view ran, so no url_value_preprocessor set g.lang: url_defaults falls back to "en".
        assert ns.url_for("pages.show", page="p") == "/en/pages/p"
        ns.g.lang = "de"
        assert ns.url_for("pages.show") == "/de/pages/home"
    assert log == ["appctx-end None"]


@BOTH
def test_subdomain_is_refused_or_ignored_when_none(ns: Any) -> None:
    app = ns.App("sub")
    bp = ns.Blueprint("bp", "sub", subdomain=None)
    app.register_blueprint(bp, subdomain=None)


def test_subdomain_matching_is_refused_with_what_to_do() -> None:
    app = manypaths.App("sub")
    with pytest.raises(ValueError, match="host matching"):
        manypaths.Blueprint("bp", "sub", subdomain="api")
    with pytest.raises(ValueError, match="host matching"):
        app.register_blueprint(manypaths.Blueprint("bp", "sub"), subdomain="api")
