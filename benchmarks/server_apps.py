"""The real-server benchmark's apps, importable by the servers (``server_apps:NAME``).

Each framework's app of the WSGI/ASGI benchmarks (``/hello``, ``/users/<int>``, ``/json``, anything
else 404) by interface: ``<fw>_wsgi``, ``<fw>_asgi``, ``<fw>_rsgi``; the 203-route GitHub API app
(a view per route answering its template) as ``<fw>_github_<interface>``; and the bare callables
(``bare_wsgi``, ``bare_asgi``, ``bare_rsgi``) answering the same bytes without a framework: the limit
of each server. A framework that is not installed is None (the benchmark says so).
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from time import perf_counter
from typing import Any

from wsgi import JSON_BODY
from wsgi import falcon_app as _falcon_wsgi
from wsgi import flask_app as _flask
from wsgi import manypaths_app as _manypaths

HERE = Path(__file__).parent
ROUTES = [tuple(line.split()) for line in (HERE / "routesets" / "github_api_werkzeug.txt").read_text().splitlines()
          if line.strip()]


def _optional(build: Any) -> Any:
    try:
        return build()
    except ImportError:
        return None


# -- the small app ----------------------------------------------------------------------------------

manypaths_wsgi = _manypaths()
manypaths_asgi = manypaths_wsgi.asgi
manypaths_rsgi = manypaths_wsgi  # App.__rsgi__
# Former names (make bench-server's older rows, and the docs).
manypaths_app = manypaths_wsgi
flask_wsgi = flask_app = _flask()
falcon_wsgi = falcon_app = _falcon_wsgi()


def _asgi(name: str) -> Any:
    import asgi

    return _optional(getattr(asgi, f"{name}_app"))


falcon_asgi = _asgi("falcon")
starlette_asgi = _asgi("starlette")
fastapi_asgi = fastapi_app = _asgi("fastapi")
litestar_asgi = _asgi("litestar")
blacksheep_asgi = _asgi("blacksheep")


def _emmett() -> Any:
    from emmett55 import App, response
    from emmett55.tools import service

    # Emmett makes static/ and logs/ under its root path (the working directory by default): kept
    # out of the repository's root, where a static/ would give every App there a static route.
    root = Path(__file__).resolve().parent.parent / ".cache" / "emmett55"
    root.mkdir(parents=True, exist_ok=True)
    app = App("bench", root_path=str(root))

    @app.route("/hello")
    async def hello() -> str:
        response.content_type = "text/plain; charset=utf-8"
        return "Hello, World!"

    @app.route("/users/<int:user_id>")
    async def user(user_id: int) -> str:
        response.content_type = "text/plain; charset=utf-8"
        return f"user {user_id}"

    # Encoded per request by Emmett's own JSON pipe, as every framework here encodes its dict (it
    # was a string encoded once, which measured Emmett without any JSON work).
    @app.route("/json")
    @service.json
    async def as_json() -> Any:
        return JSON_BODY

    return app


emmett55_asgi = emmett55_rsgi = _optional(_emmett)


# -- the 203-route GitHub API app ------------------------------------------------------------------------


def _manypaths_github() -> Any:
    from manypaths import App

    app = App("github")
    for i, (method, template) in enumerate(ROUTES):
        app.add_url_rule(template, f"e{i}", (lambda text: lambda **values: text)(template), methods=[method])
    return app


def _falcon_github() -> Any:
    import falcon

    app = falcon.App()
    by_template: dict[str, list[str]] = {}
    for method, template in ROUTES:
        by_template.setdefault(re.sub(r"<([^>]+)>", r"{\1}", template), []).append(method)

    def responder(text: str) -> Any:
        def on(self: Any, req: Any, resp: Any, **values: Any) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = text
        return on

    for template, methods in by_template.items():
        app.add_route(template, type("R", (), {f"on_{m.lower()}": responder(template) for m in methods})())
    return app


def _starlette_github() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    by_template: dict[str, list[str]] = {}
    for method, template in ROUTES:
        by_template.setdefault(re.sub(r"<([^>]+)>", r"{\1}", template), []).append(method)

    def endpoint(text: str) -> Any:
        async def answer(request: Any) -> Any:
            return PlainTextResponse(text)
        return answer

    return Starlette(routes=[Route(t, endpoint(t), methods=ms) for t, ms in by_template.items()])


manypaths_github_wsgi = _manypaths_github()
manypaths_github_asgi = manypaths_github_wsgi.asgi
manypaths_github_rsgi = manypaths_github_wsgi
falcon_github_wsgi = _optional(_falcon_github)
starlette_github_asgi = _optional(_starlette_github)


# -- the bare callables: each server's limit -------------------------------------------------------------

_HELLO = b"Hello, World!"
_JSON = json.dumps(JSON_BODY, separators=(",", ":")).encode()


def _answer(path: str) -> tuple[int, str, bytes]:
    if path == "/hello":
        return 200, "text/plain; charset=utf-8", _HELLO
    if path.startswith("/users/") and path[7:].isdigit():
        return 200, "text/plain; charset=utf-8", f"user {int(path[7:])}".encode()
    if path == "/json":
        return 200, "application/json", _JSON
    return 404, "text/plain; charset=utf-8", b"Not Found"


def bare_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    status, kind, body = _answer(environ["PATH_INFO"])
    start_response("200 OK" if status == 200 else "404 Not Found",
                   [("Content-Type", kind), ("Content-Length", str(len(body)))])
    return [body]


async def bare_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] != "http":
        return
    status, kind, body = _answer(scope["path"])
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", kind.encode()), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})


class _BareRSGI:
    def __rsgi__(self, scope: Any, protocol: Any) -> Any:
        return self._serve(scope, protocol)

    async def _serve(self, scope: Any, protocol: Any) -> None:
        status, kind, body = _answer(scope.path)
        protocol.response_bytes(status, [("content-type", kind)], body)


bare_rsgi = _BareRSGI()


# -- the calibration: the bare callable plus a fixed amount of Python work -----------------------------
# ``busy_<interface>`` answers as ``bare_<interface>`` after a busy wait of BUSY_US microseconds (the
# environment variable; 2 by default, about what manypaths adds to the bare callable in-process on the
# small app's rows). Not measured unless named (``--frameworks manypaths,bare,busy``): its "% of bare"
# is what that much work of any kind costs on each server, the yardstick for manypaths' own ratio.
# ``scoped_rsgi`` (below, ``--frameworks ...,scoped``) is the other yardstick, on RSGI only.
BUSY_SECONDS = float(os.environ.get("BUSY_US", "2")) / 1e6


def _busy() -> None:
    end = perf_counter() + BUSY_SECONDS
    while perf_counter() < end:
        pass


def busy_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    _busy()
    return bare_wsgi(environ, start_response)


async def busy_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    if scope["type"] == "http":
        _busy()
    await bare_asgi(scope, receive, send)


class _BusyRSGI(_BareRSGI):
    async def _serve(self, scope: Any, protocol: Any) -> None:
        _busy()
        status, kind, body = _answer(scope.path)
        protocol.response_bytes(status, [("content-type", kind)], body)


busy_rsgi = _BusyRSGI()


class _ScopedRSGI(_BareRSGI):
    # RSGI only (a WSGI or ASGI server hands every app the whole request already made): the bare
    # callable after reading each field of granian's scope a WSGI environ is made of. granian makes
    # each one when it is read (the server and client addresses formatted, the headers copied), and
    # the bare callable reads only the path.
    async def _serve(self, scope: Any, protocol: Any) -> None:
        fields = (scope.server, scope.scheme, scope.http_version, scope.method, scope.query_string, scope.client,
                  scope.headers.items())
        status, kind, body = _answer(scope.path)
        del fields
        protocol.response_bytes(status, [("content-type", kind)], body)


scoped_rsgi = _ScopedRSGI()
