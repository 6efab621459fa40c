"""Finding 7: a deeply nested JSON body answered 500; the text access log let a path forge lines;
compression could not be turned off for a page that reflects input next to a secret (BREACH)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import pytest

from manypaths import App, Blueprint, Body, request
from manypaths.accesslog import escape


@pytest.mark.parametrize("body", [b'{"a":' * 1000 + b"1" + b"}" * 1000, b"[" * 100_000 + b"]" * 100_000])
def test_deeply_nested_json_is_a_422(body: bytes) -> None:
    app = App(__name__)

    @app.post("/d")
    def d(data: Annotated[dict[str, Any], Body()]) -> dict[str, int]:
        return {"ok": 1}

    @app.post("/plain")
    def plain() -> Any:
        return {"got": type(request.get_json()).__name__}

    c = app.test_client()
    r = c.post("/d", data=body, content_type="application/json")
    assert r.status_code == 422
    if body.startswith(b"{"):
        assert r.get_json()["errors"] == [{"location": "body", "path": "",
                                           "message": "The JSON document is nested too deeply."}]
    assert c.post("/plain", data=body, content_type="application/json").status_code in (200, 400)


def test_text_access_log_escapes_control_characters(caplog: pytest.LogCaptureFixture) -> None:
    app = App(__name__, access_log=True)

    @app.route("/<path:p>")
    def echo(p: str) -> str:
        return "ok"

    records: list[str] = []
    handler = logging.Handler()
    handler.emit = lambda record: records.append(record.getMessage())  # type: ignore[method-assign]
    logging.getLogger("manypaths.access").addHandler(handler)
    try:
        app.test_client().get("/a%0a127.0.0.1 GET /admin 200 0.1ms id=x%0d%e2%80%a8\\")
    finally:
        logging.getLogger("manypaths.access").removeHandler(handler)
    assert len(records) == 1
    line = records[0]
    assert "\n" not in line and "\r" not in line and "\u2028" not in line
    assert "/a\\x0a127.0.0.1 GET /admin 200 0.1ms id=x\\x0d\\u2028\\\\" in line
    assert escape("plain line") == "plain line"


def compressing_app() -> App:
    app = App(__name__, compress=True)
    account = Blueprint("account", __name__, url_prefix="/account", compress=False)

    @app.get("/big")
    def big() -> str:
        return "x" * 5000

    @app.get("/search", compress=False)
    def search() -> str:
        # Reflects the query next to a secret: compressed, its size would leak the secret (BREACH).
        return f"<p>{request.args.get('q', '')}</p><input name=csrf value=s3cr3t>" + " " * 5000

    @account.get("/token")
    def token() -> str:
        return "csrf=s3cr3t" + " " * 5000

    @account.get("/report", compress=True)
    def report() -> str:
        return "y" * 5000

    app.register_blueprint(account)
    return app


def test_compression_can_be_turned_off_per_route_and_blueprint() -> None:
    c = compressing_app().test_client()
    gz = {"Accept-Encoding": "gzip"}
    assert c.get("/big", headers=gz).headers.get("Content-Encoding") == "gzip"
    assert "Content-Encoding" not in c.get("/search?q=s3", headers=gz).headers
    assert "Content-Encoding" not in c.get("/account/token", headers=gz).headers
    assert c.get("/account/report", headers=gz).headers.get("Content-Encoding") == "gzip"  # the route wins


def test_compression_opt_in_for_one_route() -> None:
    app = App(__name__)

    @app.get("/plain")
    def plain() -> str:
        return "x" * 5000

    @app.get("/zipped", compress=True)
    def zipped() -> str:
        return "x" * 5000

    c = app.test_client()
    assert "Content-Encoding" not in c.get("/plain", headers={"Accept-Encoding": "gzip"}).headers
    assert c.get("/zipped", headers={"Accept-Encoding": "gzip"}).headers["Content-Encoding"] == "gzip"
    with pytest.raises(TypeError, match="compress for '/x' must be True or False"):
        app.add_url_rule("/x", "x", lambda: "", compress="no")
