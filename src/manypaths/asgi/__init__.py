"""The ASGI driver: ``App.asgi`` (and ``App.__call__`` with ASGI arguments) on the shared core.

HTTP and lifespan scopes (a websocket handshake is refused). An app with no request hooks runs
inline on the server's loop (async views awaited, sync views called directly: no thread hop); an
app with hooks, or made with ``asgi_threads=True``, runs each request through the WSGI driver in a
worker thread, its coroutines on the server's loop. Either way the request begins, dispatches and
finishes in ``manypaths.dispatch``: this module only translates ASGI to the core and back.
"""

from __future__ import annotations

import asyncio
import sys
from contextvars import copy_context

from ..coroutines import call_hooks, server_loop
from ..dispatch import COROUTINE, HTML, JSON, begin, end, finish, logged
from ..http.datastructures import ascii_number
from ..http.exceptions import BadRequest, RequestEntityTooLarge
from ..http.request import BodyStream
from ..http.response import LENGTH_TEXT, length_text
from . import environ as _env
from .environ import _ENVIRON_KEYS, _SCOPE_DEFAULTS, NO_BODY, _attach_body, _environ_of, bodiless

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Iterable
    from typing import Any

    from ..app import App
    from ..http.response import Response

    Scope = dict[str, Any]
    Receive = Callable[[], Awaitable[dict[str, Any]]]
    Send = Callable[[dict[str, Any]], Awaitable[None]]


async def serve_asgi(app: App, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve one ASGI scope (http, lifespan; a websocket handshake is refused)."""
    kind = scope["type"]
    if kind == "http":
        await app.asgi(scope, receive, send)
    elif kind == "lifespan":
        await _lifespan(app, receive, send)
    elif kind == "websocket":
        await send({"type": "websocket.close", "code": 1000})  # no websocket routes: refuse the handshake
    else:
        raise ValueError(f"ASGI scope type {kind!r} is not served (only 'http', 'lifespan' and 'websocket').")


# The fast answer's content type, as ASGI headers.
_HTML_HEADER = (b"content-type", HTML.encode())
_JSON_HEADER = (b"content-type", JSON.encode())


# The Content-Length header of each body length answered so far, as LENGTH_TEXT keeps its text
# (bounded the same way: b"%d" % n costs ~1.2k instructions, a lookup ~0.3k).
_LENGTH_HEADER: dict[int, tuple[bytes, bytes]] = {}


def _length_header(n: int) -> tuple[bytes, bytes]:
    header = (b"content-length", length_text(n).encode())
    if n in LENGTH_TEXT:  # (kept there: keep the header too)
        _LENGTH_HEADER[n] = header
    return header


def asgi_application(app: App) -> Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]:
    """``app``'s ASGI 3 callable (what ``App.asgi`` gives): a plain ``async def``, so every server
    detects ASGI 3, and one coroutine frame per request on the common path."""

    compiled = _env._compiled_environ  # the compiled builder (None: the pure build), and
    last = _env.LAST  # the last server's shared part, read here once per request

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await serve_asgi(app, scope, receive, send)
            return
        if app._plain is None:
            if app._startup_hooks and not app._started:
                await app._startup_async()  # a server without lifespan support: before the first request
            app._decide()
        try:  # environ._environ, inlined; the compiled builder also gives a bodiless request NO_BODY
            environ = None if compiled is None else compiled(scope, last[0], _ENVIRON_KEYS, sys.stderr, NO_BODY)
            if environ is None:
                environ = _environ_of(scope)
        except KeyError:
            environ = _environ_of({**_SCOPE_DEFAULTS, **scope})
        threaded = not app._inline  # (ASGI_THREADS is part of the decision)
        # The body is received only when something reads it: never for a 404, 405 or redirect.
        pending = None
        if "wsgi.input" not in environ:  # (not given NO_BODY by the compiled builder)
            if bodiless(environ):
                # No receive() call for a request without a body. A disconnect is still noticed
                # while a response streams.
                environ["wsgi.input"] = NO_BODY
            else:
                threaded, pending = body_road(app, environ, receive, threaded)
        if threaded:
            await _in_thread(app, environ, send, receive)
            return
        # Inline: the core's road without hooks (App._inline), its coroutines awaited here; the
        # compiled road (dispatch.decide) where it applies, which also makes a fast answer's messages.
        road = app._road
        taken = road.asgi(environ) if road is not None and pending is None else None
        if type(taken) is list:  # a fast answer the road made as below, the request ended: its messages
            await send(taken[0])
            await send(taken[1])
            return
        if taken is None:
            request = begin(app, environ)
            if pending is not None:
                request.body_pending = pending
        else:
            request, answer = taken
        ended = False
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
            # A whole answer ends the request before it is sent: what the server schedules while
            # sending (uvicorn's keep-alive timer, which keeps its context until it is cleaned up)
            # must not capture this request in its context. It kept every request and its environ
            # alive seconds past its end; the GC promoted them and full collections stalled the
            # worker for ~45 ms (p99 under load). A streamed body keeps the request current.
            if type(answer) is tuple:
                data, content_type = answer[0], answer[1]
                if len(answer) == 4:  # with the view's headers
                    start = {"type": "http.response.start", "status": answer[2], "headers": _headers(answer[3])}
                else:
                    size = len(data)
                    start = {"type": "http.response.start", "status": 200 if len(answer) == 2 else answer[2],
                             "headers": [_HTML_HEADER if content_type is HTML else _JSON_HEADER,
                                         _LENGTH_HEADER.get(size) or _length_header(size)]}
                ended = True
                end(app, request, None)
                await send(start)
                await send({"type": "http.response.body",
                            "body": b"" if environ["REQUEST_METHOD"] == "HEAD" else data})
                return
            if _buffered(answer, environ):
                ended = True
                end(app, request, None)
            await _send_response(answer, environ, send, receive)
        finally:
            if not ended:
                end(app, request, None)

    asgi.__qualname__ = f"{type(app).__name__}.asgi"
    return asgi


async def _lifespan(app: App, receive: Receive, send: Send) -> None:
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            try:
                await app._startup_async()
            except Exception as e:
                app.logger.error("startup hook failed", exc_info=e)
                await send({"type": "lifespan.startup.failed", "message": f"{type(e).__name__}: {e}"})
                return
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            try:
                await call_hooks(app._shutdown_hooks)
            except Exception as e:
                app.logger.error("shutdown hook failed", exc_info=e)
                await send({"type": "lifespan.shutdown.failed", "message": f"{type(e).__name__}: {e}"})
                return
            await send({"type": "lifespan.shutdown.complete"})
            return


class _TooLarge(Exception):
    pass


def body_road(app: App, environ: dict[str, Any], receive: Receive, threaded: bool) -> tuple[bool, Any]:
    """Where a request with a body goes (the ASGI and RSGI drivers): ``(threaded, pending)``.

    Served on the loop, a declared body that fits in memory is received once routing found a view
    (``pending``: dispatch._dispatch_after_body awaits it). Otherwise the request goes to a worker
    thread, where the body is received as the request reads it (streams unbounded unless
    MAX_CONTENT_LENGTH): a body of unknown or large size goes there.
    """
    config = app.config
    buffered = config.get("MAX_BUFFERED_CONTENT_LENGTH")
    declared = environ.get("CONTENT_LENGTH")
    length = ascii_number(declared)
    if not threaded and length is not None and (buffered is None or length <= buffered):
        environ["wsgi.input"] = NO_BODY
        return False, _receiver(receive, config["MAX_CONTENT_LENGTH"], buffered)
    environ["wsgi.input"] = _ReceiveStream(receive, asyncio.get_running_loop())
    if declared is None:
        environ["wsgi.input_terminated"] = True
    return True, None


async def awaited(app: App, request: Any, rv: Any) -> Any:
    """What an async view, hook or handler's coroutine gives, awaited on the loop (the inline
    drivers' side of the async seam); an exception goes to the error handlers."""
    while type(rv) is COROUTINE:
        try:
            rv = await rv
        except Exception as e:
            rv = app.handle_user_exception(e, request)
    return rv


def _receiver(receive: Receive, limit: int | None, buffered: int | None) -> Callable[[Any], Awaitable[None]]:
    # What App._dispatch_after_body awaits: the whole body received into the request's environ.
    async def receive_body(request: Any) -> None:
        environ = request.environ
        bound = buffered if limit is None else limit if buffered is None else min(limit, buffered)
        try:
            body = await _read_body(receive, bound, environ.get("CONTENT_LENGTH"))
        except _TooLarge:
            raise RequestEntityTooLarge(f"The body exceeds the limit of {bound} bytes.") from None
        if body is None:
            raise BadRequest("The client closed the connection before the body arrived.")
        _attach_body(environ, body)
        request._cache.pop("stream", None)

    return receive_body


class _ReceiveStream(BodyStream):
    """``wsgi.input`` of an ASGI request served in a worker thread: the body is received from the
    server (on its loop) only as it is read, chunk by chunk; nothing is read if nothing asks."""

    def __init__(self, receive: Receive, loop: asyncio.AbstractEventLoop) -> None:
        self._receive = receive
        self._loop = loop
        self._buffer = bytearray()
        self._done = False

    def _more(self) -> bool:
        if self._done:
            return False
        message: dict[str, Any] = asyncio.run_coroutine_threadsafe(
            self._receive(), self._loop).result()  # type: ignore[arg-type]
        if message["type"] == "http.disconnect":
            self._done = True
            raise BadRequest("The client closed the connection before the body arrived.")
        self._buffer += message.get("body") or b""
        if not message.get("more_body"):
            self._done = True
        return True

    def read(self, size: int | None = -1) -> bytes:
        if size is None or size < 0:
            while self._more():
                pass
            size = len(self._buffer)
        else:
            while len(self._buffer) < size and self._more():
                pass
        data = bytes(self._buffer[:size])
        del self._buffer[:size]
        return data

    def readline(self, size: int | None = -1) -> bytes:
        while b"\n" not in self._buffer and (size is None or size < 0 or len(self._buffer) < size) and self._more():
            pass
        end = self._buffer.find(b"\n") + 1 or len(self._buffer)
        if size is not None and size >= 0:
            end = min(end, size)
        data = bytes(self._buffer[:end])
        del self._buffer[:end]
        return data

    def close(self) -> None:
        pass


async def _read_body(receive: Receive, limit: int | None, declared: str | None) -> bytes | None:
    # The whole body, read through receive; None when the client went away. A body past ``limit``
    # (declared or while reading) raises _TooLarge: the excess is never buffered.
    length = ascii_number(declared)
    if limit is not None and length is not None and length > limit:
        raise _TooLarge
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunk = message.get("body") or b""
        if chunk:
            size += len(chunk)
            if limit is not None and size > limit:
                raise _TooLarge
            chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks) if len(chunks) != 1 else chunks[0]


def _buffered(response: Response, environ: dict[str, Any]) -> bool:
    """Whether ``response`` is one whole body ``_send_response`` sends as it is (no WSGI round,
    nothing run while it is sent)."""
    body = response.response
    code = response.status_code
    return (type(body) is list and len(body) == 1 and type(body[0]) is bytes and not response._on_close
            and code >= 200 and code != 204 and code != 304 and environ["REQUEST_METHOD"] != "HEAD")


async def _send_response(response: Response, environ: dict[str, Any], send: Send, receive: Receive) -> None:
    body = response.response
    if hasattr(body, "__aiter__") and response.status_code not in (204, 304) and environ["REQUEST_METHOD"] != "HEAD":
        await send({"type": "http.response.start", "status": response.status_code, "headers": _headers(
            response.headers._items)})
        await _stream(body.__aiter__(), send, receive, is_async=True)
        return
    code = response.status_code
    if _buffered(response, environ):
        # A buffered body (error pages, JSON, text): sent as it is, without the WSGI round.
        await send({"type": "http.response.start", "status": code, "headers": _headers(response.headers._items)})
        await send({"type": "http.response.body", "body": body[0]})  # type: ignore[index]
        return
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured[:] = [status, headers]

    result = response(environ, start_response)
    status, headers = captured
    await send({"type": "http.response.start", "status": int(status[:3]), "headers": _headers(headers)})
    if type(result) is list:
        await send({"type": "http.response.body", "body": b"".join(result)})
        return
    await _stream(iter(result), send, receive, is_async=False, close=getattr(result, "close", None))


def _headers(pairs: Iterable[tuple[str, str]]) -> list[tuple[bytes, bytes]]:
    return [(k.lower().encode("latin-1"), v.encode("latin-1")) for k, v in pairs]


async def _stream(iterator: Any, send: Send, receive: Receive, *, is_async: bool,
                  close: Callable[[], Any] | None = None) -> None:
    # Chunk by chunk; a client that disconnects stops the stream (the body is closed either way).
    async def disconnected() -> None:
        while (await receive())["type"] != "http.disconnect":
            pass

    watcher = asyncio.ensure_future(disconnected())
    try:
        while not watcher.done():
            try:
                chunk = await iterator.__anext__() if is_async else next(iterator)
            except (StopIteration, StopAsyncIteration):
                break
            if chunk:
                await send({"type": "http.response.body", "body": chunk.encode("utf-8") if isinstance(chunk, str)
                            else bytes(chunk), "more_body": True})
        if not watcher.done():
            await send({"type": "http.response.body", "body": b""})
    finally:
        watcher.cancel()
        if is_async and hasattr(iterator, "aclose"):
            await iterator.aclose()
        if close is not None:
            close()


async def _in_thread(app: App, environ: dict[str, Any], send: Send, receive: Receive) -> None:
    # The whole WSGI dispatch in a worker thread (hooks, teardown, sync views that block); its
    # coroutines run on this loop (resolve() sees server_loop). The body is iterated there too.
    loop = asyncio.get_running_loop()
    context = copy_context()
    context.run(server_loop.set, loop)
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        captured[:] = [status, headers]

    def start() -> Any:
        return app.wsgi_app(environ, start_response)

    result = await loop.run_in_executor(None, context.run, start)
    status, headers = captured
    await send({"type": "http.response.start", "status": int(status[:3]), "headers": _headers(headers)})
    if type(result) is list:
        await send({"type": "http.response.body", "body": b"".join(result)})
        return
    iterator = iter(result)
    done = object()
    close = getattr(result, "close", None)

    def pull() -> Any:
        return next(iterator, done)

    try:
        while True:
            chunk = await loop.run_in_executor(None, context.run, pull)
            if chunk is done:
                break
            if chunk:
                await send({"type": "http.response.body", "body": chunk, "more_body": True})
        await send({"type": "http.response.body", "body": b""})
    finally:
        if close is not None:
            await loop.run_in_executor(None, context.run, close)
