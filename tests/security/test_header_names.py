"""Finding 5: a header name with ``_`` passed for its ``-`` twin on Lambda.

``x_forwarded_for`` in an event became ``HTTP_X_FORWARDED_FOR``, so behind trusted proxies the
client picked its own address (and Host). Servers (gunicorn, nginx, werkzeug) drop such names;
every manypaths adapter does too: Lambda events of every shape, ASGI, the local server, the test client.
"""

from __future__ import annotations

import asyncio
import copy
import json
import socket
import threading
from typing import Any

import pytest

from manypaths import App, request
from manypaths.platforms import lambda_handler
from manypaths.serving import make_server
from tests.platforms.test_aws import FIXTURES, load

FORGED = {"x_forwarded_for": "6.6.6.6", "X_Forwarded_Host": "evil.example", "x_real_ip": "6.6.6.6"}


def build() -> App:
    app = App(__name__, trusted_proxies={"x_for": 1, "x_host": 1})

    @app.route("/", defaults={"rest": ""}, methods=["GET", "POST"])
    @app.route("/<path:rest>", methods=["GET", "POST"])
    def seen(rest: str) -> Any:
        env = request.environ
        return {"addr": request.remote_addr, "host": request.host,
                "forwarded": sorted(k for k in env if (k.startswith("HTTP_X_") and "6.6.6.6" in str(env[k]))
                                    or (k.startswith("HTTP_") and "evil" in str(env[k])))}

    return app


def _forge(event: dict[str, Any]) -> dict[str, Any]:
    event = copy.deepcopy(event)
    event["body"], event["isBase64Encoded"] = None, False  # (one fixture's body is not the base64 it claims)
    if isinstance(event.get("headers"), dict):
        event["headers"].update(FORGED)
    if isinstance(event.get("multiValueHeaders"), dict):
        event["multiValueHeaders"].update({k: [v] for k, v in FORGED.items()})
    return event


@pytest.mark.parametrize("name", FIXTURES)
def test_lambda_drops_underscore_header_names(name: str) -> None:
    result = lambda_handler(build())(_forge(load(name)), {"aws_request_id": "r1"})
    assert result["statusCode"] == 200, result
    body = json.loads(result["body"])
    assert body["addr"] != "6.6.6.6" and "evil" not in body["host"] and body["forwarded"] == [], (name, body)


def test_asgi_drops_underscore_header_names() -> None:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {"type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "path": "/",
             "root_path": "", "query_string": b"", "server": ("t", 80), "client": ("10.0.0.9", 1),
             "headers": [(b"host", b"t")] + [(k.lower().encode(), v.encode()) for k, v in FORGED.items()]}
    asyncio.run(build().asgi(scope, receive, send))
    body = json.loads(sent[1]["body"])
    assert body == {"addr": "10.0.0.9", "host": "t", "forwarded": []}


def test_local_server_and_test_client_drop_underscore_header_names() -> None:
    app = build()
    server = make_server(app, "127.0.0.1", 0, quiet=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with socket.create_connection(("127.0.0.1", server.server_port), timeout=10) as sock:
            forged = "".join(f"{k}: {v}\r\n" for k, v in FORGED.items())
            sock.sendall(f"GET / HTTP/1.0\r\nHost: ok.example\r\n{forged}\r\n".encode())
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
    finally:
        server.shutdown()
        server.server_close()
    body = json.loads(answer.partition(b"\r\n\r\n")[2])
    assert body == {"addr": "127.0.0.1", "host": "ok.example", "forwarded": []}
    r = app.test_client().get("/", headers=FORGED)
    assert r.get_json() == {"addr": "127.0.0.1", "host": "localhost", "forwarded": []}


def test_rsgi_drops_underscore_header_names() -> None:
    # The RSGI driver's scope translation (granian passes header names lower-cased, as here).
    from types import SimpleNamespace

    from manypaths.rsgi import scope_environ

    class Headers:
        def items(self) -> list[tuple[str, str]]:
            return [("host", "t"), *((k.lower(), v) for k, v in FORGED.items()), ("x-forwarded-for", "10.0.0.1")]

    scope = SimpleNamespace(proto="http", http_version="1.1", server="t:80", client="10.0.0.9:5000", scheme="http",
                            method="GET", path="/", query_string="", headers=Headers())
    environ = scope_environ(scope)
    assert environ["HTTP_X_FORWARDED_FOR"] == "10.0.0.1" and environ["REMOTE_ADDR"] == "10.0.0.9"
    assert not any("6.6.6.6" in str(v) or "evil" in str(v) for v in environ.values())
