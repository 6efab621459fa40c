"""A Flask app ports by changing imports: the same app on Flask and manypaths, compared (issue 9).

Each app is written once against a namespace (Flask + werkzeug.exceptions, or manypaths +
manypaths.exceptions); status, chosen headers and body are compared request by request.
"""

from __future__ import annotations

import json
import types
from typing import Any

import flask
import pytest
import werkzeug.exceptions

import manypaths
import manypaths.exceptions

FLASK_NS = types.SimpleNamespace(App=flask.Flask, Blueprint=flask.Blueprint, request=flask.request, g=flask.g,
                                 url_for=flask.url_for, abort=flask.abort, exc=werkzeug.exceptions)
OURS_NS = types.SimpleNamespace(App=manypaths.App, Blueprint=manypaths.Blueprint, request=manypaths.request,
                                g=manypaths.g, url_for=manypaths.url_for, abort=manypaths.abort,
                                exc=manypaths.exceptions)
NAMED = ["BadRequest", "Unauthorized", "Forbidden", "NotFound", "NotAcceptable", "Conflict", "Gone",
         "RequestEntityTooLarge", "UnsupportedMediaType", "UnprocessableEntity", "TooManyRequests",
         "InternalServerError", "NotImplemented", "BadGateway", "ServiceUnavailable", "GatewayTimeout",
         "RequestTimeout", "PreconditionFailed", "ImATeapot", "Locked"]


def build(ns: Any) -> Any:
    app = ns.App(__name__)
    app.config["TRUSTED_HOSTS"] = None
    events: list[str] = []
    app.events = events

    @app.route("/raise/<name>")
    def raise_named(name: str) -> Any:
        raise getattr(ns.exc, name)(description=f"custom {name}")

    @app.route("/raise-werkzeug/<int:code>")
    def raise_werkzeug(code: int) -> Any:
        # A ported app keeps its werkzeug imports for a while: they must keep answering their code.
        raise werkzeug.exceptions.default_exceptions[code]()

    @app.route("/abort/<int:code>")
    def do_abort(code: int) -> Any:
        ns.abort(code, "aborted")

    @app.route("/form", methods=["POST"])
    def form() -> Any:
        return ns.request.form["missing"]

    @app.route("/args")
    def args() -> Any:
        return ns.request.args["missing"]

    @app.route("/header")
    def header() -> Any:
        return ns.request.headers["X-Missing"]

    @app.route("/posts/")
    @app.route("/posts/<int:page>")
    def posts(page: int = 1) -> Any:
        return {"page": page, "self": ns.url_for("posts", page=page), "two": ns.url_for("posts", page=2),
                "first": ns.url_for("posts")}

    @app.route("/boom")
    def boom() -> Any:
        raise RuntimeError("boom")

    @app.errorhandler(500)
    def on_500(error: Any) -> Any:
        return {"error": "server", "original": type(getattr(error, "original_exception", None)).__name__}, 500

    @app.errorhandler(409)
    def on_409(error: Any) -> Any:
        return {"conflict": error.description}, 409

    @app.after_request
    def tag(response: Any) -> Any:
        response.headers["X-Hook"] = "after"
        return response

    @app.route("/json", methods=["POST"])
    def post_json() -> Any:
        return {"got": ns.request.get_json()}

    @app.route("/host")
    def host() -> Any:
        return {"url": ns.url_for("host", _external=True)}

    @app.route("/slash/")
    def slash() -> Any:
        return "slash"

    return app


FLASK = build(FLASK_NS)
OURS = build(OURS_NS)
HEADERS = ("Content-Type", "X-Hook", "Allow", "WWW-Authenticate", "Location", "Retry-After")


def _answer(app: Any, method: str, path: str, kw: dict[str, Any]) -> tuple[int, dict[str, Any], Any]:
    response = app.test_client().open(path, method=method, **kw)
    headers = {h: response.headers.get(h) for h in HEADERS}
    body = response.get_data()
    if response.headers.get("Content-Type") == "application/json":
        body = json.loads(body)
    return response.status_code, headers, body


CASES: list[tuple[str, str, dict[str, Any]]] = [
    *(("GET", f"/raise/{name}", {}) for name in NAMED),
    *(("GET", f"/raise-werkzeug/{code}", {}) for code in (400, 401, 403, 404, 405, 409, 410, 418, 429, 503)),
    # Not 405: werkzeug's abort(405, "text") takes the text for the allowed methods (Allow: a, b, o...).
    *(("GET", f"/abort/{code}", {}) for code in (400, 404, 409, 413, 422, 451)),
    ("POST", "/form", {"data": {"other": "1"}}),
    ("GET", "/args", {"query_string": "x=1"}),
    ("GET", "/posts/", {}),
    ("GET", "/posts/3", {}),
    ("GET", "/boom", {}),
    ("POST", "/json", {"data": "{not json", "content_type": "application/json"}),
    ("POST", "/json", {"data": "[1]", "content_type": "text/plain"}),
]


@pytest.mark.parametrize(("method", "path", "kw"), CASES, ids=[f"{m} {p}" for m, p, _ in CASES])
def test_ported_app_answers_like_flask(method: str, path: str, kw: dict[str, Any]) -> None:
    f_status, f_headers, f_body = _answer(FLASK, method, path, kw)
    o_status, o_headers, o_body = _answer(OURS, method, path, kw)
    assert (o_status, o_headers) == (f_status, f_headers)
    if f_headers["Content-Type"] != "text/html; charset=utf-8":
        assert o_body == f_body  # custom handlers and views: byte for byte (JSON compared parsed)
    else:
        # Default error pages have our own wording; the description a view gave must still show.
        assert (b"custom" in o_body) == (b"custom" in f_body)
        assert b"Traceback" not in o_body and b"Expecting" not in o_body  # no parser details outside debug


@pytest.mark.parametrize("name", NAMED)
def test_named_exceptions_match_werkzeug(name: str) -> None:
    ours, theirs = getattr(manypaths.exceptions, name), getattr(werkzeug.exceptions, name)
    assert ours.code == theirs.code and ours().name == theirs().name
    assert issubclass(ours, manypaths.exceptions.HTTPException)
    response = ours("why").get_response()
    assert response.status_code == theirs.code and b"why" in response.get_data()


@pytest.mark.parametrize("handler_key", [404, manypaths.exceptions.NotFound, werkzeug.exceptions.NotFound,
                                         manypaths.routing.NotFound])
def test_errorhandler_for_any_not_found_class_fires_on_routing_misses(handler_key: Any) -> None:
    app = manypaths.App(__name__)
    app.register_error_handler(handler_key, lambda e: ({"missing": True, "code": e.code}, 404))
    response = app.test_client().get("/nowhere")
    assert (response.status_code, response.get_json()) == (404, {"missing": True, "code": 404})


def test_errorhandler_for_routing_method_not_allowed_fires_on_405() -> None:
    app = manypaths.App(__name__)
    app.add_url_rule("/x", "x", lambda: "x", methods=["POST"])
    app.register_error_handler(manypaths.routing.MethodNotAllowed, lambda e: ({"allowed": e.valid_methods}, 405))
    response = app.test_client().get("/x")
    assert response.status_code == 405 and response.get_json() == {"allowed": ["OPTIONS", "POST"]}


@pytest.mark.parametrize("key", [manypaths.routing.RequestRedirect, manypaths.routing.RoutingError])
def test_errorhandler_for_redirect_is_refused_with_a_message(key: Any) -> None:
    app = manypaths.App(__name__)
    with pytest.raises(TypeError, match=r"errorhandler\(404\)"):
        app.register_error_handler(key, lambda e: "never")


def test_werkzeug_http_exception_handler_gets_the_exception() -> None:
    app = manypaths.App(__name__)

    @app.route("/w")
    def w() -> Any:
        raise werkzeug.exceptions.Conflict("taken")

    @app.errorhandler(werkzeug.exceptions.Conflict)
    def conflict(e: Any) -> Any:
        return {"type": type(e).__module__, "description": e.description}, 409

    response = app.test_client().get("/w")
    assert response.status_code == 409 and response.get_json() == {"type": "werkzeug.exceptions",
                                                                     "description": "taken"}


class LooksLikeHTTP(Exception):
    code = 402
    description = "pay first"


def test_foreign_http_like_exception_answers_its_code() -> None:
    app = manypaths.App(__name__)

    @app.route("/pay")
    def pay() -> Any:
        raise LooksLikeHTTP()

    response = app.test_client().get("/pay")
    assert response.status_code == 402 and b"pay first" in response.get_data()


# -- error bodies negotiated: RFC 9457 problem details for JSON clients ------------------------------

@pytest.mark.parametrize(("accept", "json_body"), [
    ("application/json", True),
    ("application/problem+json", True),
    ("application/json, text/plain, */*", True),  # axios' default
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", False),  # a browser
    ("*/*", False),
    ("", False),
    ("text/html;q=0.5, application/json;q=0.9", True),
    ("application/json;q=0.1, text/html", False),
    ("application/json;q=0", False),
    ("application/json;q=nonsense", False),
])
def test_error_bodies_negotiated(accept: str, json_body: bool) -> None:
    app = manypaths.App(__name__)
    app.add_url_rule("/x", "x", lambda: "x", methods=["POST"])
    client = app.test_client()
    for path, method, status in (("/nowhere", "GET", 404), ("/x", "GET", 405)):
        response = client.open(path, method, headers={"Accept": accept} if accept else None)
        assert response.status_code == status
        if json_body:
            assert response.headers["Content-Type"] == "application/problem+json"
            assert response.get_json(force=True) == {
                "type": "about:blank", "title": response.status[4:], "status": status,
                "detail": response.get_json(force=True)["detail"]}
        else:
            assert response.headers["Content-Type"] == "text/html; charset=utf-8"
        if status == 405:
            assert response.headers["Allow"] == "OPTIONS, POST"


def test_error_bodies_json_when_the_app_opts_in_and_custom_handlers_unchanged() -> None:
    app = manypaths.App(__name__, json_errors=True)

    @app.route("/teapot")
    def teapot() -> Any:
        manypaths.abort(418, "short and stout")

    @app.errorhandler(409)
    def conflict(e: Any) -> Any:
        return "my page", 409

    @app.route("/conflict")
    def conflict_view() -> Any:
        raise manypaths.exceptions.Conflict()

    client = app.test_client()
    response = client.get("/teapot")
    assert response.headers["Content-Type"] == "application/problem+json"
    assert response.get_json(force=True) == {"type": "about:blank", "title": "I'm a teapot", "status": 418,
                                             "detail": "short and stout"}
    response = client.get("/conflict", headers={"Accept": "application/json"})
    assert (response.status_code, response.get_data()) == (409, b"my page")


# -- configuration ------------------------------------------------------------------------------------

class Settings:
    SECRET = "s"
    NUMBER = 5
    lower = "ignored"


@pytest.mark.parametrize("ns", [FLASK_NS, OURS_NS], ids=["flask", "manypaths"])
def test_config_loaders_like_flask(ns: Any, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    import tomllib

    app = ns.App(__name__)
    app.config.from_mapping({"A": 1, "b": 2}, C=3)
    app.config.from_object(Settings)
    (tmp_path / "settings.toml").write_text('TOML_KEY = "t"\nlower = 1\n[NESTED]\nx = 1\n')
    assert app.config.from_file(str(tmp_path / "settings.toml"), load=tomllib.load, text=False)
    (tmp_path / "settings.json").write_text('{"JSON_KEY": [1, 2]}')
    assert app.config.from_file(str(tmp_path / "settings.json"), load=json.load)
    assert app.config.from_file(str(tmp_path / "missing.json"), load=json.load, silent=True) is False
    prefix = "FLASK" if ns is FLASK_NS else "MANYPATHS"
    monkeypatch.setenv(f"{prefix}_ENV_INT", "42")
    monkeypatch.setenv(f"{prefix}_ENV_BOOL", "true")
    monkeypatch.setenv(f"{prefix}_ENV_TEXT", "plain text")
    monkeypatch.setenv(f"{prefix}_ENV_LIST", "[1, \"a\"]")
    monkeypatch.setenv(f"{prefix}_NESTED__y", "2")
    app.config.from_prefixed_env()
    got = {k: app.config[k] for k in ("A", "C", "SECRET", "NUMBER", "TOML_KEY", "NESTED", "JSON_KEY", "ENV_INT",
                                      "ENV_BOOL", "ENV_TEXT", "ENV_LIST")}
    assert got == {"A": 1, "C": 3, "SECRET": "s", "NUMBER": 5, "TOML_KEY": "t", "NESTED": {"x": 1, "y": 2},
                   "JSON_KEY": [1, 2], "ENV_INT": 42, "ENV_BOOL": True, "ENV_TEXT": "plain text",
                   "ENV_LIST": [1, "a"]}
    assert "b" not in app.config and "lower" not in app.config
    with pytest.raises(OSError, match="Unable to load configuration file"):
        app.config.from_file(str(tmp_path / "missing.json"), load=json.load)


@pytest.mark.parametrize("ns", [FLASK_NS, OURS_NS], ids=["flask", "manypaths"])
@pytest.mark.parametrize("key", ["TESTING", "PROPAGATE_EXCEPTIONS"])
def test_testing_propagates_exceptions_like_flask(ns: Any, key: str) -> None:
    app = ns.App(__name__)
    app.config[key] = True

    @app.route("/boom")
    def boom() -> Any:
        raise KeyError("inside the view")

    with pytest.raises(KeyError, match="inside the view"):
        app.test_client().get("/boom")
    app.config[key] = False if key == "TESTING" else None
    assert app.test_client().get("/boom").status_code == 500


@pytest.mark.parametrize("ns", [FLASK_NS, OURS_NS], ids=["flask", "manypaths"])
def test_trusted_hosts_like_flask(ns: Any) -> None:
    app = build(ns)
    app.config["TRUSTED_HOSTS"] = ["good.example", ".trusted.org"]
    client = app.test_client()
    table = [("good.example", "/host", 200), ("good.example:8080", "/host", 200), ("api.trusted.org", "/host", 200),
             ("trusted.org", "/host", 200), ("evil.example", "/host", 400), ("good.example.evil", "/host", 400),
             ("evil.example", "/slash", 400)]
    for host, path, status in table:
        response = client.get(path, headers={"Host": host})
        assert response.status_code == status, (host, path)
        assert "evil" not in (response.headers.get("Location") or "")
        if status == 200:
            assert response.get_json()["url"].startswith(f"http://{host}/")


# -- hooks and contexts ---------------------------------------------------------------------------

@pytest.mark.parametrize("ns", [FLASK_NS, OURS_NS], ids=["flask", "manypaths"])
def test_teardown_runs_when_test_request_context_ends(ns: Any) -> None:
    app = ns.App(__name__)
    seen: list[Any] = []
    app.teardown_request(lambda exc: seen.append(("teardown", type(exc).__name__ if exc else None)))
    with app.test_request_context("/x"):
        seen.append("inside")
    with pytest.raises(ValueError), app.test_request_context("/y"):
        raise ValueError("in the block")
    assert seen == ["inside", ("teardown", None), ("teardown", "ValueError")]


@pytest.mark.parametrize("ns", [FLASK_NS, OURS_NS], ids=["flask", "manypaths"])
def test_after_request_runs_on_default_500(ns: Any) -> None:
    app = ns.App(__name__)

    @app.route("/boom")
    def boom() -> Any:
        raise RuntimeError("x")

    @app.after_request
    def cors(response: Any) -> Any:
        response.headers["Access-Control-Allow-Origin"] = "*"
        return response

    response = app.test_client().get("/boom")
    assert response.status_code == 500 and response.headers["Access-Control-Allow-Origin"] == "*"


def test_missing_fields_and_headers_answer_400() -> None:
    # Flask answers 500 for a missing header (werkzeug's EnvironHeaders raises a plain KeyError):
    # bad input never causes a 500 here. Also abort(405, text) keeps the text a description.
    client = OURS.test_client()
    for response in (client.get("/header"), client.post("/form"), client.get("/args")):
        assert response.status_code == 400 and response.headers["X-Hook"] == "after"
    response = client.get("/abort/405")
    assert response.status_code == 405 and "Allow" not in response.headers and b"aborted" in response.get_data()
    with pytest.raises(KeyError):
        manypaths.http.MultiDict()["x"]  # still a KeyError for code that catches one


def test_blueprint_refuses_itself() -> None:
    bp = manypaths.Blueprint("bp", __name__)
    with pytest.raises(ValueError, match="on itself"):
        bp.register_blueprint(bp)


def test_json_parser_details_only_in_debug() -> None:
    app = manypaths.App(__name__)
    app.add_url_rule("/j", "j", lambda: {"x": manypaths.request.get_json()}, methods=["POST"])
    for debug, shown in ((False, False), (True, True)):
        app.debug = debug
        body = app.test_client().post("/j", data="{oops", content_type="application/json").get_data()
        assert (b"Expecting" in body) is shown


def test_multipart_boundary_too_long_is_400() -> None:
    app = manypaths.App(__name__)
    app.add_url_rule("/up", "up", lambda: {"n": len(manypaths.request.form)}, methods=["POST"])
    boundary = "b" * 300
    body = f"--{boundary}\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--{boundary}--\r\n"
    response = app.test_client().post("/up", data=body, content_type=f"multipart/form-data; boundary={boundary}")
    assert response.status_code == 400 and b"multipart" in response.get_data()


@pytest.mark.parametrize(("kwargs", "culprit"), [
    ({"key": "bad name"}, "key"), ({"key": "a;b"}, "key"), ({"key": ""}, "key"),
    ({"key": "ok", "path": "/a;b"}, "path"), ({"key": "ok", "domain": "x.org;evil"}, "domain"),
    ({"key": "ok", "path": "/\r\nX: y"}, "path"), ({"key": "ok", "samesite": "sometimes"}, "samesite"),
])
def test_set_cookie_bad_arguments_name_the_argument(kwargs: dict[str, Any], culprit: str) -> None:
    with pytest.raises(ValueError, match=culprit):
        manypaths.Response().set_cookie(**kwargs)


@pytest.mark.parametrize("value", ["a\x00b", "€uro", "line\r\nbreak", "日本"])
def test_header_values_outside_latin1_or_with_nul_are_refused(value: str) -> None:
    with pytest.raises(ValueError, match=r"latin-1|line break|NUL"):
        manypaths.Response().headers.set("X-Test", value)
    app = manypaths.App(__name__)
    # From a request (the view echoes a query value into a header): a 400, never a 500.
    app.add_url_rule("/echo", "echo", lambda: ("ok", {"X-Echo": manypaths.request.args["v"]}))
    response = app.test_client().get("/echo", query_string={"v": value})
    assert response.status_code == 400
    assert manypaths.Response().headers.set("X-Latin", "café") is None  # latin-1 itself is fine
