"""Sessions (cookie-compatible with Flask's, both ways), flash, templates, and the test client's
Flask arguments."""

from __future__ import annotations

import datetime
import uuid
from pathlib import Path
from typing import Any

import flask
import jinja2
import pytest
from markupsafe import Markup

from manypaths import (
    App,
    Blueprint,
    flash,
    get_flashed_messages,
    redirect,
    render_template,
    render_template_string,
    request,
    session,
    stream_template,
    url_for,
)


def cookie_value(response: Any, name: str = "session") -> str:
    for header in response.headers.getlist("Set-Cookie"):
        if header.startswith(name + "="):
            return str(header.split(";", 1)[0].split("=", 1)[1])
    raise AssertionError(f"no {name} cookie in {response.headers}")


VALUES = {"user": "ada", "pair": (1, "two"), "raw": b"\x00\xff", "html": Markup("<b>x</b>"),
          "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
          "when": datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc),
          "nested": {" t": "a dict whose key looks like a tag"}, "list": [1, {"a": (2,)}]}


def ours(secret: str = "s3cret") -> App:
    app = App(__name__)
    app.secret_key = secret

    @app.post("/set")
    def set_values() -> Any:
        session.update(VALUES)
        return "ok"

    @app.get("/get")
    def get_values() -> Any:
        return repr(sorted(session.items()))

    return app


def flasks(secret: str = "s3cret") -> flask.Flask:
    app = flask.Flask(__name__)
    app.secret_key = secret

    @app.post("/set")
    def set_values() -> Any:
        flask.session.update(VALUES)
        return "ok"

    @app.get("/get")
    def get_values() -> Any:
        return repr(sorted(flask.session.items()))

    return app


@pytest.mark.parametrize(("writer", "reader"), [(ours, flasks), (flasks, ours), (ours, ours)],
                         ids=["ours-read-by-flask", "flasks-read-by-us", "ours"])
def test_session_cookies_are_flasks(writer: Any, reader: Any) -> None:
    # A user signed in before the migration stays signed in after it (and back): every tagged type.
    value = cookie_value(writer().test_client().post("/set"))
    client = reader().test_client()
    client.set_cookie("session", value)
    assert client.get("/get").get_data(as_text=True) == repr(sorted(VALUES.items()))


def test_secret_key_fallbacks_and_a_wrong_key() -> None:
    value = cookie_value(ours("old").test_client().post("/set"))
    rotated = ours("new")
    rotated.config["SECRET_KEY_FALLBACKS"] = ["old"]
    client = rotated.test_client()
    client.set_cookie("session", value)
    assert "ada" in client.get("/get").get_data(as_text=True)
    stranger = ours("other").test_client()
    stranger.set_cookie("session", value)
    assert stranger.get("/get").get_data(as_text=True) == "[]"


@pytest.mark.parametrize("cookie", ["garbage", "", ".eJw.bad.sig", "a" * 3000, "eyJ1c2VyIjoiYWRhIn0.x.y"])
def test_a_bad_session_cookie_is_an_empty_session(cookie: str, caplog: pytest.LogCaptureFixture) -> None:
    client = ours().test_client()
    client.set_cookie("session", cookie)
    answer = client.get("/get")
    assert answer.status_code == 200 and answer.get_data(as_text=True) == "[]"


def test_an_expired_session_is_empty() -> None:
    app = ours()
    value = cookie_value(app.test_client().post("/set"))
    app.config["PERMANENT_SESSION_LIFETIME"] = datetime.timedelta(seconds=-1)
    client = app.test_client()
    client.set_cookie("session", value)
    assert client.get("/get").get_data(as_text=True) == "[]"


def test_session_cookie_settings_and_lifecycle() -> None:
    app = App(__name__)
    app.config.update(SECRET_KEY="k", SESSION_COOKIE_NAME="sid", SESSION_COOKIE_SECURE=True,
                      SESSION_COOKIE_SAMESITE="Lax", SESSION_COOKIE_PATH="/app")

    @app.get("/login")
    def login() -> Any:
        session["user"] = "ada"
        session.permanent = request.args.get("remember") == "1"
        return "in"

    @app.get("/logout")
    def logout() -> Any:
        session.clear()
        return "out"

    @app.get("/read")
    def read() -> Any:
        return session.get("user") or "nobody"

    client = app.test_client()
    header = client.get("/login").headers["Set-Cookie"]
    assert header.startswith("sid=") and "Secure" in header and "HttpOnly" in header and "SameSite=Lax" in header
    assert "Path=/app" in header and "Expires" not in header  # a browser-session cookie
    assert "Expires=" in client.get("/login?remember=1").headers["Set-Cookie"]
    answer = client.get("/read")
    assert answer.get_data() == b"ada" and "Cookie" in answer.headers["Vary"]
    assert "Set-Cookie" in answer.headers  # permanent: refreshed on each request (SESSION_REFRESH_EACH_REQUEST)
    gone = client.get("/logout")
    assert "Max-Age=0" in gone.headers["Set-Cookie"]
    assert client.get("/read").get_data() == b"nobody"


def test_without_a_secret_key_the_session_is_read_only_and_says_why() -> None:
    app = App(__name__)
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.get("/read")
    def read() -> Any:
        return str(session.get("x", "empty"))

    @app.get("/write")
    def write() -> Any:
        session["x"] = 1
        return "?"

    client = app.test_client()
    assert client.get("/read").get_data() == b"empty"
    with pytest.raises(RuntimeError, match="no secret key was set"):
        client.get("/write")


def test_an_oversized_session_is_refused_with_its_size() -> None:
    app = App(__name__)
    app.secret_key = "k"
    app.config["PROPAGATE_EXCEPTIONS"] = True

    @app.get("/big")
    def big() -> Any:
        import secrets

        session["blob"] = secrets.token_hex(4000)  # 8 kB of random text: no compression saves it
        return "?"

    with pytest.raises(ValueError, match=r"the cookie 'session' is \d+ bytes, more than 4093"):
        app.test_client().get("/big")


def test_flash_with_categories_and_filters() -> None:
    app = App(__name__)
    app.secret_key = "k"

    @app.post("/do")
    def do() -> Any:
        flash("saved")
        flash("disk almost full", "warning")
        flash("failed twice", "error")
        return redirect(url_for("show"))

    @app.get("/show")
    def show() -> Any:
        return {"all": get_flashed_messages(with_categories=True),
                "errors": get_flashed_messages(category_filter=["error"]),
                "again": get_flashed_messages()}

    client = app.test_client()
    shown = client.post("/do", follow_redirects=True).get_json()
    assert shown == {"all": [["message", "saved"], ["warning", "disk almost full"], ["error", "failed twice"]],
                     "errors": ["failed twice"], "again": ["saved", "disk almost full", "failed twice"]}
    assert client.get("/show").get_json()["all"] == []  # shown once


def test_a_session_interface_can_be_swapped() -> None:
    from manypaths.sessions import SessionInterface

    store: dict[str, dict[str, Any]] = {}

    class ServerSide(SessionInterface):
        def open_session(self, app: Any, request: Any) -> Any:
            from manypaths.sessions import SecureCookieSession

            sid = request.cookies.get("sid") or uuid.uuid4().hex
            found = SecureCookieSession(store.get(sid, {}))
            found.sid = sid  # type: ignore[attr-defined]
            return found

        def save_session(self, app: Any, session: Any, response: Any) -> None:
            store[session.sid] = dict(session)
            response.set_cookie("sid", session.sid, httponly=True)

    app = App(__name__)
    app.session_interface = ServerSide()

    @app.get("/count")
    def count() -> Any:
        session["n"] = session.get("n", 0) + 1
        return str(session["n"])

    client = app.test_client()
    assert [client.get("/count").get_data() for _ in range(3)] == [b"1", b"2", b"3"]
    assert list(store.values()) == [{"n": 3}]


# ------------------------------------------------------------------------------------------- templates


@pytest.fixture
def templated(tmp_path: Path) -> App:
    (tmp_path / "templates").mkdir()
    (tmp_path / "templates" / "page.html").write_text(
        "{% extends 'base.html' %}{% block body %}{{ greeting }} {{ name }} {{ name|shout }}"
        "{% if 7 is lucky %} lucky{% endif %} {{ site() }} {{ url_for('page') }} {{ request.path }}"
        " {{ session.get('user') }} {{ g.who }} {{ config['SITE'] }}"
        "{% for m in get_flashed_messages() %} [{{ m }}]{% endfor %}{% endblock %}")
    (tmp_path / "templates" / "base.html").write_text("<main>{% block body %}{% endblock %}</main>")
    (tmp_path / "admin_templates").mkdir()
    (tmp_path / "admin_templates" / "admin.txt").write_text("admin {{ section }} {{ name }}")
    app = App(__name__, root_path=str(tmp_path))
    app.config.update(SECRET_KEY="k", SITE="docs")
    admin = Blueprint("admin", __name__, url_prefix="/admin", template_folder="admin_templates",
                      root_path=str(tmp_path))

    @app.context_processor
    def greeting() -> dict[str, Any]:
        return {"greeting": "hello", "section": "none"}

    @app.template_filter()
    def shout(text: str) -> str:
        return text.upper()

    @app.template_test("lucky")
    def is_lucky(n: int) -> bool:
        return n == 7

    @app.template_global()
    def site() -> str:
        return "manypaths"

    @admin.context_processor
    def section() -> dict[str, Any]:
        return {"section": "admin"}

    @app.get("/page")
    def page() -> Any:
        from manypaths import g

        g.who = "g-value"
        session["user"] = "ada"
        flash("hi")
        return render_template("page.html", name=request.args.get("name", "<script>"))

    @admin.get("/")
    def admin_page() -> Any:
        return render_template("admin.txt", name="<raw>")

    @app.get("/missing")
    def missing() -> Any:
        return render_template("nope.html")

    @app.get("/string")
    def string() -> Any:
        return render_template_string("{{ value }}", value="<i>")

    @app.get("/stream")
    def streamed() -> Any:
        return stream_template("base.html")

    app.register_blueprint(admin)
    return app


def test_templates_render_as_flasks(templated: App) -> None:
    client = templated.test_client()
    page = client.get("/page").get_data(as_text=True)
    assert page == ("<main>hello &lt;script&gt; &lt;SCRIPT&gt; lucky manypaths /page /page ada g-value docs [hi]"
                    "</main>")
    # Blueprint folders, blueprint context processors (its own requests only), no escaping for .txt.
    assert client.get("/admin/").get_data(as_text=True) == "admin admin <raw>"
    assert client.get("/string").get_data(as_text=True) == "&lt;i&gt;"  # strings are always escaped
    assert client.get("/stream").get_data(as_text=True) == "<main></main>"


def test_a_missing_template_names_itself(templated: App) -> None:
    templated.config["PROPAGATE_EXCEPTIONS"] = True
    with pytest.raises(jinja2.TemplateNotFound, match=r"nope\.html"):
        templated.test_client().get("/missing")


# ------------------------------------------------------------------------------ the test client's Flask args


def test_test_client_flask_arguments() -> None:
    app = App(__name__)
    app.secret_key = "k"
    app.config.update(SERVER_NAME="api.example.org", APPLICATION_ROOT="/v1", PREFERRED_URL_SCHEME="https")

    @app.get("/where")
    def where() -> Any:
        return {"url": request.url, "user": session.get("user")}

    @app.get("/set")
    def set_cookie() -> Any:
        response = flask_like_response()
        return response

    def flask_like_response() -> Any:
        from manypaths import make_response

        response = make_response("set")
        response.set_cookie("c", "1")
        return response

    client = app.test_client()
    assert client.get("/where").get_json()["url"] == "https://api.example.org/v1/where"
    assert client.get("/where", url_scheme="http").get_json()["url"] == "http://api.example.org/v1/where"
    assert client.get("http://other.example:1234/v1/where?x=1").get_json()["url"] == \
        "http://other.example:1234/v1/where?x=1"
    with client.session_transaction() as sess:
        sess["user"] = "grace"
    assert client.get("/where").get_json()["user"] == "grace"
    with client.session_transaction() as sess:
        assert sess["user"] == "grace"
    cookieless = app.test_client(use_cookies=False)
    cookieless.get("/set")
    assert cookieless.get_cookie("c") is None
    with pytest.raises(TypeError, match="use_cookies"):
        cookieless.session_transaction()
