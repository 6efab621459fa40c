"""The RSGI driver: granian's native interface (``granian --interface rsgi module:app``) on the shared
core. ``App.__rsgi__`` is what granian calls.

Like the ASGI driver, it only translates: the RSGI scope becomes the environ, the core answers
(``dispatch.begin``, ``App._view_value``, ``dispatch.finish``), and the answer goes back through the
RSGI protocol (``response_bytes`` for a buffered answer, ``response_stream`` for a stream). The road
is the one ``App._decide`` chose: inline on the loop when nothing runs around the view, else the WSGI
driver in a worker thread. The body is read only when something reads it (never for a 404, 405 or
redirect), bounded as over ASGI.
"""

from __future__ import annotations

import asyncio
import sys
from contextvars import copy_context

from .asgi import awaited, body_road
from .asgi.environ import NO_BODY, _base, bodiless, compiled_rsgi_environ
from .coroutines import server_loop
from .dispatch import COROUTINE, begin, end, finish, logged
from .http.response import known_length, length_text

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable
    from typing import Any

    from .app import App
    from .http.response import Response

# Header name as RSGI gives it (lower-case str) -> environ key; "" for a name that is dropped (one with
# "_": it would pass for its "-" twin, as gunicorn and nginx drop it). Bounded: names are few.
_KEYS: dict[str, str] = {}


def _key(name: str) -> str:
    key = _KEYS.get(name)
    if key is None:
        key = "" if "_" in name else name.upper().replace("-", "_")
        if key and key not in ("CONTENT_LENGTH", "CONTENT_TYPE"):
            key = "HTTP_" + key
        if len(_KEYS) < 1024:
            _KEYS[name] = key
    return key


# What every request of one server address, scheme and HTTP version shares (granian gives them as
# strings: the key is made of them as they are), the environ's fixed part ready to copy. Bounded.
_BASES: dict[tuple[str, str, str], dict[str, Any]] = {}
# The last server's shared part, (server, scheme, version, base): the compiled builder compares a
# scope's three with it (granian makes new strings on each read: compared by value).
LAST: list[tuple[str, str, str, dict[str, Any]]] = [("", "", "", {})]


def _base_of(server: str, scheme: str, version: str) -> dict[str, Any]:
    base = _BASES.get((server, scheme, version))
    if base is None:
        host, _, port = str(server).rpartition(":")
        base = _base((host, int(port) if port.isascii() and port.isdigit() else 80), scheme, version).copy()
        base["SCRIPT_NAME"] = ""
        if len(_BASES) < 64:
            _BASES[server, scheme, version] = base
    LAST[0] = (server, scheme, version, base)
    return base


def _text(value: str) -> str:
    # granian gives the path, query and header values decoded from UTF-8; WSGI wants their bytes as
    # latin-1 text.
    return value if value.isascii() else value.encode("utf-8", "surrogateescape").decode("latin-1")


def environ_py(scope: Any, base: dict[str, Any]) -> dict[str, Any]:
    """The WSGI environ of an RSGI HTTP ``scope`` on the shared ``base`` (see _base_of), no
    ``wsgi.input`` yet, in Python: every case. (The compiled builder, ``rsgi_environ`` in
    asgi/_environ.c, builds the same dict for the common case.)"""
    environ = base.copy()
    environ["REQUEST_METHOD"] = scope.method
    environ["PATH_INFO"] = _text(scope.path or "/")
    environ["QUERY_STRING"] = _text(scope.query_string or "")
    environ["wsgi.errors"] = sys.stderr
    environ["rsgi.scope"] = scope
    client, _, client_port = str(scope.client).rpartition(":")
    if client:
        environ["REMOTE_ADDR"] = client.strip("[]")
        environ["REMOTE_PORT"] = client_port
    keys = _KEYS
    for name, value in scope.headers.items():
        key = keys.get(name)
        if key is None:
            key = _key(name)
        if not key:
            continue
        if key in environ and key != "CONTENT_TYPE":
            value = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ','}{value}"
        environ[key] = _text(value)
    if "HTTP_HOST" not in environ:
        # HTTP/2 and 3 name the host in the :authority pseudo-header, which granian gives as
        # scope.authority, not among the headers (without it, the host would be the server's address).
        # (A granian older than the field has none: getattr.)
        authority = getattr(scope, "authority", None)
        if authority:
            environ["HTTP_HOST"] = _text(authority)
    return environ


# The compiled environ builder (asgi/_environ.c: rsgi_environ), or None (the pure build).
_compiled_environ = compiled_rsgi_environ


def scope_environ(scope: Any, no_body: Any = None) -> dict[str, Any]:
    """The WSGI environ of an RSGI HTTP scope; with ``no_body``, a request that has no body (see
    ``bodiless``) gets it as its ``wsgi.input`` (else there is no ``wsgi.input`` yet)."""
    compiled = _compiled_environ
    if compiled is not None:  # the common case, on the last server's base
        environ = compiled(scope, LAST[0], _KEYS, sys.stderr) if no_body is None else \
            compiled(scope, LAST[0], _KEYS, sys.stderr, no_body)
        if environ is not None:
            return environ
    return _environ_whole(scope, no_body)


def _environ_whole(scope: Any, no_body: Any) -> dict[str, Any]:
    # Every case, in Python, on the scope's own server's base (which becomes the last one).
    environ = environ_py(scope, _base_of(scope.server, scope.scheme, scope.http_version))
    if no_body is not None and bodiless(environ):
        environ["wsgi.input"] = no_body
    return environ


def _receive_of(protocol: Any) -> Callable[[], Awaitable[dict[str, Any]]]:
    # The body as ASGI receive() messages (chunk by chunk), so the ASGI driver's bounded readers serve.
    chunks = protocol.__aiter__()

    async def receive() -> dict[str, Any]:
        try:
            chunk = await chunks.__anext__()
        except StopAsyncIteration:
            return {"type": "http.request", "body": b"", "more_body": False}
        return {"type": "http.request", "body": bytes(chunk), "more_body": True}

    return receive


def rsgi_application(app: App) -> Callable[[Any, Any], Awaitable[None]]:
    """``app``'s RSGI callable (what ``App.__rsgi__`` gives)."""

    async def rsgi(scope: Any, protocol: Any) -> None:
        if scope.proto != "http":
            protocol.close(1000)  # no websocket routes: refuse it
            return
        if app._plain is None:
            if app._startup_hooks and not app._started:
                await app._startup_async()
            app._decide()
        # The ASGI driver's rule: no receive for a request without a body (it gets NO_BODY).
        # (scope_environ, inlined: the compiled builder on the last server's base, else the whole.)
        compiled = _compiled_environ
        environ = None if compiled is None else compiled(scope, LAST[0], _KEYS, sys.stderr, NO_BODY)
        if environ is None:
            environ = _environ_whole(scope, NO_BODY)
        threaded = not app._inline  # (ASGI_THREADS is part of the decision)
        pending = None
        if "wsgi.input" not in environ:
            threaded, pending = body_road(app, environ, _receive_of(protocol), threaded)
        if threaded:
            await _in_thread(app, environ, protocol)
            return
        road = app._road  # the compiled road (dispatch.decide) where it applies: a fast answer
        # it sends itself as this driver would (below), and ends the request (True)
        taken = road.rsgi(environ, protocol) if road is not None and pending is None else None
        if taken is True:
            return
        if taken is None:
            request = begin(app, environ)
            if pending is not None:
                request.body_pending = pending
        else:
            request, answer = taken
        try:
            try:
                # (The road's answer, or an async view's coroutine it left to be awaited here.)
                rv = app._view_value(request, False) if taken is None else answer
                if type(rv) is COROUTINE:
                    answer = finish(app, request, await awaited(app, request, rv))
                elif taken is None:
                    answer = finish(app, request, rv)
            except Exception as e:
                answer = app.handle_exception(e)
            if app._post_process:  # the access log (the only post-processing on this road)
                logged(app, request, answer)
            if type(answer) is tuple:
                data = answer[0]
                if len(answer) == 4:  # with the view's headers
                    headers = answer[3]
                else:
                    size = len(data)
                    headers = [("content-type", answer[1]), ("content-length", known_length(size) or length_text(size))]
                protocol.response_bytes(200 if len(answer) == 2 else answer[2], headers,
                                        b"" if environ["REQUEST_METHOD"] == "HEAD" else data)
                return
            await _send(answer, environ, protocol)
        finally:
            end(app, request, None)

    return rsgi


async def _send(response: Response, environ: dict[str, Any], protocol: Any) -> None:
    # A Response through the RSGI protocol: as WSGI would send it (status line, headers, body
    # iterable), a buffered body in one call, a stream chunk by chunk.
    body = response.response
    if hasattr(body, "__aiter__") and environ["REQUEST_METHOD"] != "HEAD" and response.status_code not in (204, 304):
        # An async body is ours to send, chunk by chunk (as the ASGI driver sends it).
        transport = protocol.response_stream(response.status_code, response.headers._items)
        async for chunk in body:
            if chunk:
                await transport.send_bytes(chunk.encode("utf-8") if isinstance(chunk, str) else bytes(chunk))
        return
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured[:] = [status, headers]

    await _finish_body(protocol, captured, response(environ, start_response), None)


async def _finish_body(protocol: Any, captured: list[Any], result: Iterable[bytes],
                       pull: Callable[[Any], Awaitable[Any]] | None) -> None:
    status, headers = int(captured[0][:3]), captured[1]
    close = getattr(result, "close", None)
    try:
        if type(result) is list:
            protocol.response_bytes(status, headers, b"".join(result))
            return
        transport = protocol.response_stream(status, headers)
        iterator = iter(result)
        done = object()
        while True:
            chunk = await pull(lambda: next(iterator, done)) if pull is not None else next(iterator, done)
            if chunk is done:
                break
            if chunk:
                await transport.send_bytes(chunk)
    finally:
        if close is not None:
            if pull is not None:
                await pull(close)
            else:
                close()


async def _in_thread(app: App, environ: dict[str, Any], protocol: Any) -> None:
    # The WSGI driver in a worker thread (hooks, teardown, blocking views); coroutines on this loop.
    loop = asyncio.get_running_loop()
    context = copy_context()
    context.run(server_loop.set, loop)
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured[:] = [status, headers]

    result = await loop.run_in_executor(None, context.run, app.wsgi_app, environ, start_response)

    async def pull(func: Callable[[], Any]) -> Any:
        return await loop.run_in_executor(None, context.run, func)

    await _finish_body(protocol, captured, result, pull)

