"""Async support: coroutines under WSGI, the App's ASGI interface, and ASGI apps on WSGI platforms.

Imported the first time a view, hook or handler returns a coroutine, or ASGI is used: a sync app
never imports ``asyncio`` (cold start).

- Under WSGI (gunicorn, Cloud Functions, Lambda) a coroutine runs to completion on an event loop
  kept per thread, so a Lambda container or a gthread worker reuses one loop across requests.
- ``App.asgi`` (and ``App.__call__`` with ASGI arguments) serves HTTP and lifespan scopes. An app
  with no request hooks runs inline on the server's loop (async views awaited, sync views called
  directly: no thread hop); an app with hooks, or made with ``asgi_threads=True``, runs each request
  in a worker thread and its coroutines on the server's loop.
- ``WSGIFromASGI`` makes any ASGI app (FastAPI, Starlette) a WSGI callable, so ``lambda_handler``
  and ``cloud_function`` carry it: lifespan startup once per thread's loop, responses streamed.
"""

from __future__ import annotations

import asyncio
import io
import sys
from _thread import get_ident
from contextvars import ContextVar, copy_context

from .app import _COROUTINE
from .context import _current
from .http.response import json_text
from .http.wsgi import is_asgi_app

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Coroutine, Iterable, Iterator
    from typing import Any

    from .app import App
    from .http.response import Response

    Scope = dict[str, Any]
    Receive = Callable[[], Awaitable[dict[str, Any]]]
    Send = Callable[[dict[str, Any]], Awaitable[None]]

# Set in a worker thread of an ASGI server: coroutines there run on the server's loop.
_server_loop: ContextVar[asyncio.AbstractEventLoop] = ContextVar("manypaths.server_loop")
_loops: dict[int, asyncio.AbstractEventLoop] = {}


def thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop, made on first use and kept (not one per request)."""
    loop = _loops.get(get_ident())
    if loop is None or loop.is_closed():
        loop = _loops[get_ident()] = asyncio.new_event_loop()
    return loop


def resolve(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine a view, hook or handler returned, from sync code, and return its result."""
    target = _server_loop.get(None)
    if target is not None:  # a worker thread of an ASGI server: on the server's loop
        return asyncio.run_coroutine_threadsafe(coro, target).result()
    if asyncio._get_running_loop() is not None:
        coro.close()
        raise RuntimeError(
            "A coroutine (an async view, hook or handler) reached sync code running inside an event loop. "
            "Serve the app through its ASGI interface (app.asgi), or through a WSGI server."
        )
    return thread_loop().run_until_complete(coro)


def iterate_async(iterable: Any) -> Iterator[Any]:
    """The items of an async iterable (an async generator body), from sync code."""
    iterator = iterable.__aiter__()
    try:
        while True:
            try:
                yield resolve(iterator.__anext__())
            except StopAsyncIteration:
                return
    finally:
        aclose = getattr(iterator, "aclose", None)
        if aclose is not None:
            resolve(aclose())


async def call_hooks(funcs: Iterable[Callable[[], Any]]) -> None:
    """Call each function; await what it returns if it is awaitable (startup/shutdown hooks)."""
    for func in funcs:
        rv = func()
        if hasattr(rv, "__await__"):
            await rv


# -- the App as an ASGI application ----------------------------------------------------------------


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


_HTML = (b"content-type", b"text/html; charset=utf-8")
_JSON = (b"content-type", b"application/json")


def asgi_application(app: App) -> Callable[[Scope, Receive, Send], Coroutine[Any, Any, None]]:
    """``app``'s ASGI 3 callable (what ``App.asgi`` gives): a plain ``async def``, so every server
    detects ASGI 3, and one coroutine frame per request on the common path."""

    async def asgi(scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await serve_asgi(app, scope, receive, send)
            return
        if app._startup_hooks and not app._started:
            await app._startup_async()  # a server without lifespan support: before the first request
        try:  # _environ, inlined
            environ = None if _compiled_environ is None else _compiled_environ(scope, _last_base, _ENVIRON_KEYS,
                                                                               sys.stderr)
            if environ is None:
                environ = _environ_of(scope)
        except KeyError:
            environ = _environ_of({**_SCOPE_DEFAULTS, **scope})
        config = app.config
        limit = config["MAX_CONTENT_LENGTH"]
        # The body is received only when something reads it: never for a 404, 405 or redirect.
        pending = None
        declared = environ.get("CONTENT_LENGTH")
        if declared is None and environ["REQUEST_METHOD"] in _BODILESS and (
                "HTTP_TRANSFER_ENCODING" not in environ and environ["SERVER_PROTOCOL"] in _FRAMED):
            # A GET or HEAD over HTTP/1.x without Content-Length or Transfer-Encoding has no body
            # (RFC 9112 6.3): no receive() call. A disconnect is still noticed while a response streams.
            environ["wsgi.input"] = NO_BODY
            threaded = config["ASGI_THREADS"] or app._has_teardown or not (app._plain or app._inline_asgi())
        elif declared == "0":
            environ["wsgi.input"] = NO_BODY
            threaded = config["ASGI_THREADS"] or app._has_teardown or not (app._plain or app._inline_asgi())
        else:
            threaded = config["ASGI_THREADS"] or app._has_teardown or not (app._plain or app._inline_asgi())
            buffered = config.get("MAX_BUFFERED_CONTENT_LENGTH")
            if (not threaded and declared is not None and declared.isdigit()
                    and (buffered is None or int(declared) <= buffered)):
                # Served on the loop: a declared body that fits in memory is received once
                # routing found a view (App._dispatch_after_body awaits it).
                environ["wsgi.input"] = NO_BODY
                pending = _receiver(receive, limit, buffered)
            else:
                # In a worker thread: the body is received as the request reads it (streams
                # unbounded unless MAX_CONTENT_LENGTH); a body of unknown or large size goes there.
                environ["wsgi.input"] = _ReceiveStream(receive, asyncio.get_running_loop())
                if declared is None:
                    environ["wsgi.input_terminated"] = True
                threaded = True
        if threaded:
            await _in_thread(app, environ, send, receive)
            return
        request = app.request_class(environ)
        request.app = app
        request.body_pending = pending
        if limit is not None:
            request.max_content_length = limit
        token = _current.set(request)
        try:
            try:
                rv = app._view_value(request, False)
                while type(rv) is _COROUTINE:
                    try:
                        rv = await rv
                    except Exception as e:
                        rv = app.handle_user_exception(e, request)
                kind = type(rv)
                if kind is str or (kind is dict and app._json_stock and not config["DEBUG"]):
                    if kind is str:
                        data, content_type = rv.encode("utf-8"), _HTML
                    else:
                        data, content_type = json_text(rv).encode("ascii"), _JSON
                    await send({"type": "http.response.start", "status": 200, "headers": [
                        content_type, (b"content-length", b"%d" % len(data))]})
                    await send({"type": "http.response.body",
                                "body": b"" if environ["REQUEST_METHOD"] == "HEAD" else data})
                    return
                response = app._make_response_or_error(rv, request)
            except Exception as e:
                response = app.handle_exception(e)
            await _send_response(response, environ, send, receive)
        finally:
            if "form" in request._cache:
                request.close()
            _current.reset(token)

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


def _receiver(receive: Receive, limit: int | None, buffered: int | None) -> Callable[[Any], Awaitable[None]]:
    # What App._dispatch_after_body awaits: the whole body received into the request's environ.
    async def receive_body(request: Any) -> None:
        from .http.exceptions import BadRequest, RequestEntityTooLarge

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


class _ReceiveStream:
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
            from .http.exceptions import BadRequest

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

    def __iter__(self) -> Iterator[bytes]:
        while True:
            line = self.readline()
            if not line:
                return
            yield line

    def close(self) -> None:
        pass


async def _read_body(receive: Receive, limit: int | None, declared: str | None) -> bytes | None:
    # The whole body, read through receive; None when the client went away. A body past ``limit``
    # (declared or while reading) raises _TooLarge: the excess is never buffered.
    if limit is not None and declared is not None and declared.isdigit() and int(declared) > limit:
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


def scope_environ(scope: Scope, body: bytes) -> dict[str, Any]:
    """The WSGI environ for an ASGI HTTP scope (``root_path`` becomes ``SCRIPT_NAME``)."""
    environ = _environ(scope)
    _attach_body(environ, body)
    return environ


def _attach_body(environ: dict[str, Any], body: bytes) -> None:
    # wsgi.input, and CONTENT_LENGTH as read (sent when the client sent one, or the method has a body).
    environ["wsgi.input"] = io.BytesIO(body)
    if body or "CONTENT_LENGTH" in environ or environ["REQUEST_METHOD"] in ("POST", "PUT", "PATCH"):
        environ["CONTENT_LENGTH"] = str(len(body))


class _NoBody:
    """``wsgi.input`` of a request that has no body (a GET without Content-Length over HTTP/1.x):
    reads nothing. One instance serves every such request: it has no state, and closing it does
    nothing (a BytesIO per request cost as much as the rest of the environ)."""

    __slots__ = ()

    def read(self, size: int | None = -1) -> bytes:
        return b""

    def readline(self, size: int | None = -1) -> bytes:
        return b""

    def readlines(self, hint: int = -1) -> list[bytes]:
        return []

    def __iter__(self) -> Iterator[bytes]:
        return iter(())

    def close(self) -> None:
        pass

    def __repr__(self) -> str:
        return "<no request body>"


NO_BODY = _NoBody()

# HTTP versions whose requests say when they have a body (Content-Length or Transfer-Encoding).
_FRAMED = frozenset({"HTTP/1.1", "HTTP/1.0"})
_BODILESS = frozenset({"GET", "HEAD"})


def _environ(scope: Scope) -> dict[str, Any]:
    # The environ without wsgi.input; CONTENT_LENGTH is the header's value, if one was sent.
    # (asgi_application's closure inlines these lines: one frame less per request.)
    try:
        # The common case straight from the compiled core (same server as the last request);
        # else the base is picked (and the rarer cases built) in Python.
        environ = None if _compiled_environ is None else _compiled_environ(scope, _last_base, _ENVIRON_KEYS,
                                                                           sys.stderr)
        return environ if environ is not None else _environ_of(scope)
    except KeyError:  # a scope without some optional key (or a server leaving out required ones)
        return _environ_of({**_SCOPE_DEFAULTS, **scope})


# What the ASGI spec says a missing key of an HTTP scope means.
_SCOPE_DEFAULTS: dict[str, Any] = {"http_version": "1.1", "method": "GET", "scheme": "http", "path": "/",
                                   "root_path": "", "query_string": b"", "headers": (), "client": None,
                                   "server": None}


def _environ_of(scope: Scope) -> dict[str, Any]:
    # What the compiled core did not build: the base picked here (subscripts, not .get: every
    # server sends these keys; a KeyError goes to _SCOPE_DEFAULTS), then the environ.
    server, scheme, version = scope["server"], scope["scheme"], scope["http_version"]
    last = _last_base
    if (last[0] is server or last[0] == server) and last[1] == scheme and last[2] == version:
        return environ_py(scope, last[3])  # same server: the compiled core handed this scope over
    base = _base(server, scheme, version)
    if _compiled_environ is not None:  # another server: the core may build it on the new base
        environ = _compiled_environ(scope, _last_base, _ENVIRON_KEYS, sys.stderr)
        if environ is not None:
            return environ
    return environ_py(scope, base)


def environ_py(scope: Scope, base: dict[str, Any]) -> dict[str, Any]:
    """The environ of ``scope`` on the shared ``base`` (see _base), in Python: every case.
    (The compiled core's asgi_environ builds the same dict for the common case.)"""
    root = scope["root_path"]
    path = scope["path"] or "/"
    if root:
        root = root.rstrip("/")
        if path == root or path.startswith(root + "/"):
            path = path[len(root):] or "/"  # servers that put root_path in path too (ASGI spec 2.4+)
        if not root.isascii():
            root = root.encode("utf-8", "surrogateescape").decode("latin-1")
    else:
        root = ""
    if not path.isascii():
        path = path.encode("utf-8", "surrogateescape").decode("latin-1")
    environ = base.copy()
    environ["REQUEST_METHOD"] = scope["method"] or "GET"
    environ["SCRIPT_NAME"] = root
    environ["PATH_INFO"] = path
    query = scope["query_string"]
    environ["QUERY_STRING"] = query.decode("latin-1") if query else ""
    environ["wsgi.errors"] = sys.stderr
    environ["asgi.scope"] = scope
    client = scope["client"]
    if client:
        host, port = client[0], client[1]
        environ["REMOTE_ADDR"] = host if type(host) is str else str(host)
        environ["REMOTE_PORT"] = str(port)
    keys = _ENVIRON_KEYS
    for raw_name, raw_value in scope["headers"] or ():
        key = keys.get(raw_name)
        if key is None:
            key = _environ_key(raw_name)
        if not key:
            continue  # dropped: a name with "_" (see _environ_key)
        value = raw_value.decode("latin-1")
        if key in environ and key != "CONTENT_TYPE":
            value = f"{environ[key]}{'; ' if key == 'HTTP_COOKIE' else ','}{value}"
        environ[key] = value
    return environ


def _compiled() -> Any:
    from .routing.compiler import compiled_core

    core = compiled_core()
    return None if core is None else core.asgi_environ


# The compiled environ builder (routing/_speedups.c), or None (the pure build: environ_py only).
_compiled_environ: Callable[..., dict[str, Any] | None] | None = _compiled()


# What every request of one server, scheme and HTTP version shares, keyed by those three; and the
# last one used with the objects it was found for (compared by identity: no hashing per request).
_BASES: dict[Any, dict[str, Any]] = {}
_last_base: tuple[Any, Any, Any, dict[str, Any]] = (object(), None, None, {})


def _base(server: Any, scheme: Any, version: Any) -> dict[str, Any]:
    global _last_base
    key = (None if server is None else tuple(server), scheme, version)
    base = _BASES.get(key)
    if base is None:
        base = {
            "SERVER_PROTOCOL": "HTTP/1.1" if version in (None, "1.1") else f"HTTP/{version}",
            "SERVER_NAME": str(server[0]) if server else "localhost",
            "SERVER_PORT": str(server[1] or 80) if server else "80",
            "wsgi.version": (1, 0),
            "wsgi.url_scheme": "https" if scheme in ("https", "wss") else "http",
            "wsgi.multithread": True,
            "wsgi.multiprocess": True,
            "wsgi.run_once": False,
        }
        if len(_BASES) < 64:
            _BASES[key] = base
    _last_base = (server, scheme, version, base)
    return base


# Header name (as the server sends it, bytes) -> environ key; "" for a header that is dropped.
_ENVIRON_KEYS: dict[bytes, str] = {}


def _environ_key(raw_name: bytes) -> str:
    name = raw_name.decode("latin-1")
    if "_" in name:
        key = ""  # x_forwarded_for must not pass for x-forwarded-for (as gunicorn and nginx drop them)
    else:
        key = name.upper().replace("-", "_")
        key = key if key in ("CONTENT_LENGTH", "CONTENT_TYPE") else "HTTP_" + key
    if len(_ENVIRON_KEYS) < 1024:  # names are few; a client inventing names cannot grow this forever
        _ENVIRON_KEYS[raw_name] = key
    return key


async def _send_response(response: Response, environ: dict[str, Any], send: Send, receive: Receive) -> None:
    body = response.response
    if hasattr(body, "__aiter__") and response.status_code not in (204, 304) and environ["REQUEST_METHOD"] != "HEAD":
        await send({"type": "http.response.start", "status": response.status_code, "headers": _headers(
            response.headers._items)})
        await _stream(body.__aiter__(), send, receive, is_async=True)
        return
    code = response.status_code
    if (type(body) is list and len(body) == 1 and type(body[0]) is bytes and not response._on_close
            and code >= 200 and code != 204 and code != 304 and environ["REQUEST_METHOD"] != "HEAD"):
        # A buffered body (error pages, JSON, text): sent as it is, without the WSGI round.
        await send({"type": "http.response.start", "status": code, "headers": _headers(response.headers._items)})
        await send({"type": "http.response.body", "body": body[0]})
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
    # coroutines run on this loop (resolve() sees _server_loop). The body is iterated there too.
    loop = asyncio.get_running_loop()
    context = copy_context()
    context.run(_server_loop.set, loop)
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


# -- any ASGI app as a WSGI app (for lambda_handler and cloud_function) ------------------------------


class WSGIFromASGI:
    """A WSGI callable serving an ASGI 3 app: each request runs on this thread's event loop; the
    lifespan startup runs once per loop (a Lambda container: once) before the first request.
    ``SCRIPT_NAME`` (a stage, a base path, a function's prefix) becomes ``root_path``."""

    def __init__(self, asgi_app: Callable[..., Any], *, lifespan: bool = True, streaming: bool = True) -> None:
        self.asgi_app = asgi_app
        self.lifespan = lifespan
        self.streaming = streaming  # False: the whole answer in one pass of the loop (Lambda buffers anyway)
        self._state: dict[int, dict[str, Any]] = {}  # per loop: lifespan state and its task

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        loop = thread_loop()
        state = self._state.get(id(loop))
        if state is None:
            state = self._state[id(loop)] = {}
            if self.lifespan:
                loop.run_until_complete(self._startup(state))
        scope = environ_scope(environ, state.get("state"))
        body = environ["wsgi.input"].read() if environ.get("CONTENT_LENGTH") not in (None, "", "0") else b""
        if not self.streaming:
            status, headers, chunks = loop.run_until_complete(self._collect(scope, body))
            start_response(f"{status} {_reason(status)}", headers)
            return chunks
        messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        task = loop.create_task(self._run(scope, _receive_once(body), messages.put, messages))
        first = loop.run_until_complete(messages.get())
        if first["type"] != "http.response.start":
            task.cancel()
            raise RuntimeError(f"The ASGI app sent {first['type']!r} before http.response.start.")
        start_response(f"{first['status']} {_reason(first['status'])}",
                       [(k.decode("latin-1"), v.decode("latin-1")) for k, v in first.get("headers") or ()])
        return _BodyIterator(loop, task, messages)

    async def _collect(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[str, str]], list[bytes]]:
        # The app's whole answer: status, headers and body chunks (a 500 if it fails before answering).
        start: list[dict[str, Any]] = []
        chunks: list[bytes] = []

        async def send(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                start.append(message)
            elif message["type"] == "http.response.body" and message.get("body"):
                chunks.append(bytes(message["body"]))

        try:
            await self.asgi_app(scope, _receive_once(body), send)
        except Exception as e:
            import logging

            logging.getLogger("manypaths").error("ASGI app failed", exc_info=e)
            if not start:
                return 500, [("Content-Type", "text/plain; charset=utf-8")], [b"Internal Server Error\n"]
        if not start:
            return 500, [("Content-Type", "text/plain; charset=utf-8")], [b"The ASGI app sent no response.\n"]
        headers = [(k.decode("latin-1"), v.decode("latin-1")) for k, v in start[0].get("headers") or ()]
        return int(start[0]["status"]), headers, chunks

    async def _run(self, scope: Scope, receive: Receive, send: Send, messages: asyncio.Queue[dict[str, Any]]) -> None:
        try:
            await self.asgi_app(scope, receive, send)
        except Exception as e:
            import logging

            logging.getLogger("manypaths").error("ASGI app failed", exc_info=e)
            await messages.put({"type": "http.response.start", "status": 500, "headers": [
                (b"content-type", b"text/plain; charset=utf-8")]})
            await messages.put({"type": "http.response.body", "body": b"Internal Server Error\n"})
        finally:
            await messages.put({"type": "manypaths.done"})

    async def _startup(self, state: dict[str, Any]) -> None:
        queue: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        await queue.put({"type": "lifespan.startup"})
        lifespan_state: dict[str, Any] = {}
        scope = {"type": "lifespan", "asgi": {"version": "3.0", "spec_version": "2.0"}, "state": lifespan_state}

        async def run() -> None:
            try:
                await self.asgi_app(scope, queue.get, replies.put)
            except Exception as e:  # an app without lifespan support (as Mangum's "auto")
                await replies.put({"type": "manypaths.unsupported", "error": e})

        task = asyncio.ensure_future(run())  # stays pending until shutdown, on this loop
        reply = await replies.get()
        if reply["type"] == "lifespan.startup.failed":
            raise RuntimeError(f"ASGI lifespan startup failed: {reply.get('message', '')}")
        state["state"] = lifespan_state
        if reply["type"] == "lifespan.startup.complete":
            import atexit

            loop = asyncio.get_running_loop()

            def shutdown() -> None:  # at interpreter exit: the app's lifespan shutdown, on its loop
                if loop.is_closed() or loop.is_running() or task.done():
                    return
                queue.put_nowait({"type": "lifespan.shutdown"})
                loop.run_until_complete(asyncio.wait([task], timeout=5))

            atexit.register(shutdown)


def _receive_once(body: bytes) -> Receive:
    # ASGI receive for a WSGI request: the whole body once; then nothing (WSGI has no disconnect
    # message), so a listener waits until the app cancels it.
    given = [False]

    async def receive() -> dict[str, Any]:
        if not given[0]:
            given[0] = True
            return {"type": "http.request", "body": body, "more_body": False}
        await asyncio.Event().wait()
        raise AssertionError("unreachable")

    return receive


class _BodyIterator:
    """The WSGI body of an ASGI response: each chunk is read by running the loop until it is sent."""

    def __init__(self, loop: asyncio.AbstractEventLoop, task: asyncio.Task[None],
                 messages: asyncio.Queue[dict[str, Any]]) -> None:
        self.loop, self.task, self.messages = loop, task, messages
        self.finished = False

    def __iter__(self) -> _BodyIterator:
        return self

    def __next__(self) -> bytes:
        while not self.finished:
            message = self.loop.run_until_complete(self.messages.get())
            if message["type"] == "http.response.body":
                if not message.get("more_body"):
                    self.finished = True
                body = message.get("body") or b""
                if body:
                    return bytes(body)
            elif message["type"] == "manypaths.done":
                self.finished = True
        raise StopIteration

    def close(self) -> None:
        if not self.task.done():
            self.task.cancel()
            try:
                self.loop.run_until_complete(self.task)
            except BaseException:
                pass


def environ_scope(environ: dict[str, Any], state: dict[str, Any] | None = None) -> Scope:
    """The ASGI HTTP scope for a WSGI environ (``SCRIPT_NAME`` becomes ``root_path``, and the
    path keeps it, as ASGI servers send it)."""
    root = str(environ.get("SCRIPT_NAME") or "").encode("latin-1").decode("utf-8", "replace")
    path = str(environ.get("PATH_INFO") or "").encode("latin-1").decode("utf-8", "replace")
    headers: list[tuple[bytes, bytes]] = []
    names = _HEADER_NAMES
    for key, value in environ.items():
        name = names.get(key)
        if name is None:
            name = _header_name(key)
        if name:
            headers.append((name, value.encode("latin-1") if type(value) is str else str(value).encode("latin-1")))
    for key, name in (("CONTENT_TYPE", b"content-type"), ("CONTENT_LENGTH", b"content-length")):
        if environ.get(key):
            headers.append((name, str(environ[key]).encode("latin-1")))
    port = environ.get("SERVER_PORT")
    remote = environ.get("REMOTE_ADDR")
    scope: Scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": str(environ.get("SERVER_PROTOCOL", "HTTP/1.1")).partition("/")[2] or "1.1",
        "method": str(environ.get("REQUEST_METHOD") or "GET").upper(),
        "scheme": str(environ.get("wsgi.url_scheme") or "http"),
        "path": root + path,
        "raw_path": (root + path).encode("utf-8"),
        "query_string": str(environ.get("QUERY_STRING") or "").encode("latin-1"),
        "root_path": root,
        "headers": headers,
        "client": (str(remote), int(environ.get("REMOTE_PORT") or 0)) if remote else None,
        "server": (str(environ.get("SERVER_NAME") or "localhost"), int(str(port)) if str(port).isdigit() else None),
    }
    if state is not None:
        scope["state"] = dict(state)
    return scope


# environ key -> the ASGI header name (b"" for a key that is not an HTTP_ header), bounded.
_HEADER_NAMES: dict[str, bytes] = {}


def _header_name(key: str) -> bytes:
    name = key[5:].replace("_", "-").lower().encode("latin-1") if key.startswith("HTTP_") else b""
    if len(_HEADER_NAMES) < 1024:
        _HEADER_NAMES[key] = name
    return name


def _reason(status: int) -> str:
    from .http.exceptions import STATUS_TEXT

    return str(STATUS_TEXT.get(status, "UNKNOWN"))


__all__ = ["WSGIFromASGI", "environ_scope", "is_asgi_app", "iterate_async", "resolve", "scope_environ",
           "serve_asgi", "thread_loop"]
