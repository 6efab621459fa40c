"""What a Flask app hits when it is ported by changing its imports (issue: Flask ports that just
work): Flask's constructor and Blueprint arguments, the app's resources, request and response
headers, build-only rules, ``g``, ``after_this_request``, error handling and trapping, WSGI
callables returned by views, form limits and the app's own CLI commands."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import werkzeug.exceptions
import werkzeug.wrappers

from manypaths import (
    App,
    Blueprint,
    Flask,
    Response,
    after_this_request,
    g,
    request,
    url_for,
)
from manypaths.exceptions import BadRequest

ROOT = Path(__file__).resolve().parents[2]


# ------------------------------------------------------------------------------------ the App's arguments


def test_flask_is_the_app_and_takes_flasks_arguments(tmp_path: Path) -> None:
    assert Flask is App
    (tmp_path / "instance").mkdir()
    (tmp_path / "instance" / "settings.py").write_text("GREETING = 'hi'\n")
    (tmp_path / "schema.sql").write_text("create table t (x);\n")
    app = Flask(__name__, root_path=str(tmp_path), instance_relative_config=True, template_folder="views",
                static_folder=None)
    assert app.root_path == str(tmp_path) and app.instance_path == str(tmp_path / "instance")
    assert app.template_folder == "views"
    app.config.from_pyfile("settings.py")  # relative to the instance folder
    assert app.config["GREETING"] == "hi"
    with app.open_resource("schema.sql") as f:
        assert f.read() == b"create table t (x);\n"
    with app.open_resource("schema.sql", "r") as f:
        assert f.read().startswith("create")
    with app.open_instance_resource("notes.txt", "w") as f:
        f.write("written")
    assert (tmp_path / "instance" / "notes.txt").read_text() == "written"
    with pytest.raises(ValueError, match="outside"):
        app.open_resource("../secrets.txt")
    with pytest.raises(ValueError, match="for reading"):
        app.open_resource("schema.sql", "w")
    app.extensions["mine"] = object()
    app.secret_key = "k"
    assert app.config["SECRET_KEY"] == "k" and app.secret_key == "k"


@pytest.mark.parametrize("argument", [{"host_matching": True}, {"subdomain_matching": True},
                                      {"static_host": "static.example"}])
def test_host_routing_is_refused_clearly(argument: dict[str, Any]) -> None:
    with pytest.raises(ValueError, match="not supported: manypaths routes by path only"):
        App(__name__, **argument)


def test_instance_path_must_be_absolute() -> None:
    with pytest.raises(ValueError, match="absolute"):
        App(__name__, instance_path="relative/instance")


def test_run_takes_flasks_arguments_and_names_an_unknown_one() -> None:
    app = App(__name__)
    with pytest.raises(TypeError, match="unknown options: colour"):
        app.run("127.0.0.1", 0, debug=True, threaded=True, colour="red")
    with pytest.raises(TypeError, match="ssl_context"):
        app.run(ssl_context="adhoc")


def test_blueprint_static_folder_and_arguments(tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.css").write_text("body{}")
    admin = Blueprint("admin", __name__, url_prefix="/admin", static_folder="assets", static_url_path="/s",
                      template_folder="templates", root_path=str(tmp_path), cli_group="staff")
    assert admin.root_path == str(tmp_path) and admin.template_folder == "templates" and admin.cli_group == "staff"
    app = App(__name__, static_folder=None)
    app.register_blueprint(admin)
    client = app.test_client()
    with app.test_request_context("/"):
        assert url_for("admin.static", filename="app.css") == "/admin/s/app.css"
    answer = client.get("/admin/s/app.css")
    assert answer.status_code == 200 and answer.get_data() == b"body{}" and "ETag" in answer.headers
    assert client.get("/admin/s/../../x").status_code == 404


# ------------------------------------------------------------------------------ request and response


def test_request_headers_flask_apps_read() -> None:
    app = App(__name__)
    api = Blueprint("api", __name__, url_prefix="/api")
    v1 = Blueprint("v1", __name__, url_prefix="/v1")

    @v1.get("/who")
    def who() -> Any:
        auth = request.authorization
        return {
            "auth": None if auth is None else [auth.type, auth.username, auth.password, auth.token],
            "json": request.accept_mimetypes.best_match(["text/html", "application/json"]),
            "accepts_json": request.accept_mimetypes.accept_json,
            "language": request.accept_languages.best_match(["fr", "en"]),
            "encoding": "gzip" in request.accept_encodings,
            "charset": request.accept_charsets.best_match(["utf-8", "latin-1"]),
            "referrer": request.referrer,
            "blueprint": request.blueprint,
            "blueprints": request.blueprints,
            "route": request.access_route,
        }

    api.register_blueprint(v1)
    app.register_blueprint(api)
    client = app.test_client()
    full = client.get("/api/v1/who", auth=("ada", "pa:ss"), headers={
        "Accept": "text/html;q=0.4, application/json", "Accept-Language": "en-GB,fr;q=0.3",
        "Accept-Encoding": "gzip, br", "Accept-Charset": "latin-1;q=0.2, utf-8", "Referer": "https://from.example/",
        "X-Forwarded-For": "203.0.113.9, 10.0.0.1"}).get_json()
    assert full == {"auth": ["basic", "ada", "pa:ss", None], "json": "application/json", "accepts_json": True,
                    "language": "en", "encoding": True, "charset": "utf-8", "referrer": "https://from.example/",
                    "blueprint": "api.v1", "blueprints": ["api.v1", "api"], "route": ["203.0.113.9", "10.0.0.1"]}
    bearer = client.get("/api/v1/who", headers={"Authorization": "Bearer abc.def"}).get_json()
    assert bearer["auth"] == ["bearer", None, None, "abc.def"]
    # Malformed headers are absent values, never a 500.
    for header in ("Basic ***", "Basic " + "YWRh", "", "Digest"):
        answer = client.get("/api/v1/who", headers={"Authorization": header, "Accept": "q=;;,,*/*;q=x"})
        assert answer.status_code == 200, header
    digest = client.get("/api/v1/who", headers={
        "Authorization": 'Digest username="Mufasa", realm="x@y", nonce="n, with comma", uri="/"'})
    assert digest.get_json()["auth"][:2] == ["digest", "Mufasa"]


def test_www_authenticate_on_a_response() -> None:
    app = App(__name__)

    @app.get("/private")
    def private() -> Any:
        response = Response("sign in", 401)
        response.www_authenticate.type = "basic"
        response.www_authenticate["realm"] = 'the "api"'
        return response

    answer = app.test_client().get("/private")
    assert answer.headers["WWW-Authenticate"] == 'Basic realm="the \\"api\\""'


def test_a_rule_without_a_view_is_a_build_only_alias() -> None:
    # flaskr: the blog blueprint serves "/", and app.add_url_rule("/", endpoint="index") lets
    # url_for("index") build it.
    app = App(__name__)
    blog = Blueprint("blog", __name__)

    @blog.get("/")
    def index() -> Any:
        return url_for("index")

    app.register_blueprint(blog)
    app.add_url_rule("/", endpoint="index")
    assert app.test_client().get("/").get_data(as_text=True) == "/"
    # A rule with a view on a served URL is still a clash, as before.
    with pytest.raises(ValueError, match="already registered"):
        app.add_url_rule("/", endpoint="other", view_func=lambda: "x")


def test_a_rule_without_a_view_can_get_one_later() -> None:
    app = App(__name__)
    app.add_url_rule("/", endpoint="home")

    @app.endpoint("home")
    def home() -> Any:
        return "home"

    assert app.test_client().get("/").get_data(as_text=True) == "home"


# ----------------------------------------------------------------------------- g and after_this_request


def test_g_is_flasks_namespace() -> None:
    app = App(__name__)
    with app.app_context():
        g.user = "ada"
        assert "user" in g and list(g) == ["user"] and g.get("user") == "ada" and g.get("x", 1) == 1
        assert g.setdefault("count", 3) == 3 and g.setdefault("count", 4) == 3
        assert g.pop("user") == "ada" and g.pop("user", None) is None
        with pytest.raises(KeyError):
            g.pop("user")


@pytest.mark.parametrize("with_hooks", [False, True])
def test_after_this_request(with_hooks: bool) -> None:
    app = App(__name__)
    order: list[str] = []
    if with_hooks:
        @app.after_request
        def hook(response: Response) -> Response:
            order.append("after_request")
            return response

    @app.get("/")
    def index() -> Any:
        @after_this_request
        def remember(response: Response) -> Response:
            order.append("after_this_request")
            response.set_cookie("seen", "1")
            return response

        return "hello"

    answer = app.test_client().get("/")
    assert answer.get_data(as_text=True) == "hello" and "seen=1" in answer.headers["Set-Cookie"]
    assert order == (["after_this_request", "after_request"] if with_hooks else ["after_this_request"])
    # The next request does not run it again.
    order.clear()
    app.test_client().get("/missing")
    assert order == (["after_request"] if with_hooks else [])


# ------------------------------------------------------------------------------------------ errors


def test_werkzeug_http_exception_handler_gets_every_http_error() -> None:
    # The generic handler from Flask's documentation, left in a port with werkzeug's import.
    app = App(__name__, max_content_length=10)

    @app.errorhandler(werkzeug.exceptions.HTTPException)
    def as_json(e: Any) -> Any:
        response = e.get_response()
        return {"code": e.code, "name": e.name}, response.status_code

    @app.post("/echo")
    def echo() -> Any:
        return request.get_data()

    @app.get("/teapot")
    def teapot() -> Any:
        raise werkzeug.exceptions.ImATeapot()

    @app.get("/bad")
    def bad() -> Any:
        return request.args["missing"]

    client = app.test_client()
    assert client.get("/nowhere").get_json() == {"code": 404, "name": "Not Found"}
    assert client.delete("/echo").get_json() == {"code": 405, "name": "Method Not Allowed"}
    assert client.post("/echo", data=b"x" * 100).get_json() == {"code": 413, "name": "Request Entity Too Large"}
    assert client.get("/bad").get_json() == {"code": 400, "name": "Bad Request"}
    assert client.get("/teapot").get_json() == {"code": 418, "name": "I'm a teapot"}


def test_500_handler_gets_the_original_exception() -> None:
    app = App(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.errorhandler(500)
    def server_error(e: Any) -> Any:
        return {"original": type(e.original_exception).__name__, "code": e.code}, 500

    @app.get("/boom")
    def boom() -> Any:
        raise LookupError("x")

    answer = app.test_client().get("/boom")
    assert answer.status_code == 500 and answer.get_json() == {"original": "LookupError", "code": 500}


def test_trapping_http_errors() -> None:
    app = App(__name__)

    @app.get("/bad")
    def bad() -> Any:
        return request.args["missing"]

    client = app.test_client()
    assert client.get("/bad").status_code == 400
    app.config["TRAP_BAD_REQUEST_ERRORS"] = True
    app.config["TESTING"] = True
    with pytest.raises(BadRequest):
        client.get("/bad")
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    assert client.get("/bad").status_code == 400
    app.config["TRAP_HTTP_EXCEPTIONS"] = True
    with pytest.raises(KeyError):  # a BadRequestKeyError, raised as in Flask
        client.get("/bad")
    app.config["TRAP_HTTP_EXCEPTIONS"] = False
    app.config["TESTING"] = False
    app.config["PROPAGATE_EXCEPTIONS"] = False
    app.config["TRAP_BAD_REQUEST_ERRORS"] = None  # Flask's default: a missing key's 400 trapped in debug only
    assert client.get("/bad").status_code == 400
    app.debug = True  # (then a 500 page, as PROPAGATE_EXCEPTIONS is off)
    assert client.get("/bad").status_code == 500


def test_a_view_may_return_a_wsgi_callable() -> None:
    app = App(__name__)

    @app.get("/werkzeug")
    def theirs() -> Any:
        return werkzeug.wrappers.Response("from werkzeug", status=202, headers={"X-Theirs": "1"})

    @app.get("/abort")
    def their_error() -> Any:
        return werkzeug.exceptions.Forbidden("no")

    client = app.test_client()
    answer = client.get("/werkzeug")
    assert (answer.status_code, answer.get_data(), answer.headers["X-Theirs"]) == (202, b"from werkzeug", "1")
    assert client.get("/abort").status_code == 403


# --------------------------------------------------------------------------------------- form limits


def test_form_limits_are_werkzeugs() -> None:
    app = App(__name__)
    assert app.config["MAX_FORM_MEMORY_SIZE"] == 500_000 and app.config["MAX_FORM_PARTS"] == 1000

    @app.post("/form")
    def form() -> Any:
        return {"fields": len(request.form), "files": len(request.files)}

    client = app.test_client()
    assert client.post("/form", data={"a": "x" * 1000}).get_json() == {"fields": 1, "files": 0}
    big = client.post("/form", data={"a": "x" * 500_001, "f": (io.BytesIO(b"1"), "f.txt")})
    assert big.status_code == 413 and b"MAX_FORM_MEMORY_SIZE" in big.get_data()
    app.config["MAX_FORM_PARTS"] = 3
    many = client.post("/form", data={**{f"k{i}": "v" for i in range(4)}, "f": (io.BytesIO(b"1"), "f.txt")})
    assert many.status_code == 413
    # A file larger than the memory size is spooled, not refused.
    app.config["MAX_FORM_PARTS"] = 1000
    upload = client.post("/form", data={"f": (io.BytesIO(b"y" * 600_000), "big.bin")})
    assert upload.get_json() == {"fields": 0, "files": 1}


# ----------------------------------------------------------------------------------- the app's CLI


APP_WITH_COMMANDS = textwrap.dedent("""
    import click
    from manypaths import App, Blueprint, current_app, g

    app = App(__name__)
    app.config["DATABASE"] = "notes.db"

    @app.cli.command("init-db")
    @click.option("--force", is_flag=True)
    def init_db(force):
        click.echo(f"init {current_app.config['DATABASE']} force={force}")

    @click.command("plain")
    def plain():
        g.seen = True
        click.echo(f"plain in {current_app.name}")

    app.cli.add_command(plain)

    staff = Blueprint("staff", __name__)

    @staff.cli.command("promote")
    @click.argument("name")
    def promote(name):
        click.echo(f"promoted {name}")

    top = Blueprint("top", __name__, cli_group=None)

    @top.cli.command("hello")
    def hello():
        click.echo("hello")

    app.register_blueprint(staff)
    app.register_blueprint(top)
""")


def test_app_commands_through_the_test_runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "notes_app.py").write_text(APP_WITH_COMMANDS)
    monkeypatch.syspath_prepend(str(tmp_path))
    import notes_app  # type: ignore[import-not-found]

    runner = notes_app.app.test_cli_runner()
    assert runner.invoke(args=["init-db", "--force"]).output == "init notes.db force=True\n"
    assert runner.invoke(args=["plain"]).output == "plain in notes_app\n"
    assert runner.invoke(args=["staff", "promote", "ada"]).output == "promoted ada\n"
    assert runner.invoke(args=["hello"]).output == "hello\n"


def test_app_commands_from_the_command_line(tmp_path: Path) -> None:
    (tmp_path / "notes_app.py").write_text(APP_WITH_COMMANDS)
    manypaths = str(Path(sys.executable).parent / "manypaths")

    def run(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([manypaths, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60,
                              env={**os.environ, **env})

    assert run("--app", "notes_app", "init-db").stdout == "init notes.db force=False\n"
    assert run("--app=notes_app:app", "staff", "promote", "grace").stdout == "promoted grace\n"
    assert run("hello", MANYPATHS_APP="notes_app").stdout == "hello\n"
    listed = run("--app", "notes_app", "--help").stdout
    assert "commands of notes_app" in listed and "init-db" in listed and "staff" in listed
    missing = run("--app", "notes_app", "nope")
    assert missing.returncode == 2 and "No such command 'nope'" in missing.stderr
    # Without --app: app.py (or wsgi.py) in the folder, as Flask's CLI finds it.
    (tmp_path / "app.py").write_text(APP_WITH_COMMANDS)
    assert run("hello").stdout == "hello\n"
    # The built-in commands take --app too.
    assert "init_db" not in run("--app", "notes_app", "routes").stderr
    assert run("--app", "notes_app", "routes").returncode == 0


def test_an_app_without_commands_is_told_so(tmp_path: Path) -> None:
    (tmp_path / "plain_wsgi.py").write_text("def app(environ, start_response):\n    return []\n")
    done = subprocess.run([str(Path(sys.executable).parent / "manypaths"), "--app", "plain_wsgi", "init-db"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "has no commands of its own" in done.stderr


def test_redirect_defaults_as_werkzeug() -> None:
    # js_example's routes: "/" with js="fetch" is the canonical URL of /fetch, whichever was added first.
    for order in (0, 1):
        app = App(__name__)

        def index(js: str) -> Any:
            return js

        rules = [("/<any(xhr, fetch):js>", {}), ("/", {"defaults": {"js": "fetch"}})]
        for rule, options in (rules if order == 0 else rules[::-1]):
            app.add_url_rule(rule, "index", index, **options)
        client = app.test_client()
        moved = client.get("/fetch?x=1")
        assert (moved.status_code, moved.headers["Location"]) == (308, "http://localhost/?x=1"), order
        assert client.get("/").get_data() == b"fetch" and client.get("/xhr").get_data() == b"xhr"
