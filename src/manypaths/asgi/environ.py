"""ASGI and WSGI, each in the other's terms.

- The ASGI driver's WSGI environ: built from an HTTP scope, on a base shared per server.
- ``WSGIFromASGI``: any ASGI app (FastAPI, Starlette, ``App.asgi``) as a WSGI callable, so
  ``lambda_handler`` and ``cloud_function`` carry it (lifespan startup once per thread's loop,
  responses streamed); ``environ_scope`` is its scope of a WSGI environ.

The common scope is built by the compiled core (``_asgi_environ.c``, ``asgi_environ``) when it is
built; ``environ_py`` is the Python twin that takes every case (script roots, non-ASCII paths,
repeated or new header names). Both give the same dict in the same order.
"""

from __future__ import annotations

import asyncio
import io
import sys

from ..coroutines import complete, thread_loop
from ..http.datastructures import ascii_number
from ..http.exceptions import STATUS_TEXT, HTTPError
from ..http.request import DEFAULT_MAX_BUFFERED, read_body
from ..routing.compiler import may_compile

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable, Iterator
    from typing import Any

    Scope = dict[str, Any]
    Receive = Callable[[], Awaitable[dict[str, Any]]]
    Send = Callable[[dict[str, Any]], Awaitable[None]]

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


def bodiless(environ: dict[str, Any]) -> bool:
    """Whether the request of ``environ`` has no body to receive (RFC 9112 6.3): a Content-Length of
    0, or a GET or HEAD over HTTP/1.x without Content-Length or Transfer-Encoding. (The compiled
    builder applies the same rule when handed NO_BODY: asgi/_environ.c, bodiless.)"""
    declared: str | None = environ.get("CONTENT_LENGTH")
    if declared is not None:
        return declared == "0"
    return (environ["REQUEST_METHOD"] in _BODILESS and "HTTP_TRANSFER_ENCODING" not in environ
            and environ["SERVER_PROTOCOL"] in _FRAMED)


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
    # The compiled builders (asgi/_environ.c), with the compiled matcher's switch (MANYPATHS_PURE).
    if not may_compile():
        return None
    try:
        from . import _environ
    except ImportError:
        return None
    return _environ


# The compiled environ builders (asgi/_environ.c), or None (the pure build: environ_py only; the
# RSGI driver's rsgi.environ_py).
_compiled_module = _compiled()
_compiled_environ: Callable[..., dict[str, Any] | None] | None = getattr(_compiled_module, "asgi_environ", None)
compiled_rsgi_environ: Callable[..., dict[str, Any] | None] | None = getattr(_compiled_module, "rsgi_environ", None)


# What every request of one server, scheme and HTTP version shares, keyed by those three; and the
# last one used with the objects it was found for (compared by identity: no hashing per request).
_BASES: dict[Any, dict[str, Any]] = {}
_last_base: tuple[Any, Any, Any, dict[str, Any]] = (object(), None, None, {})
# The same, in a list the ASGI driver's request function holds (one subscript per request).
LAST: list[tuple[Any, Any, Any, dict[str, Any]]] = [_last_base]


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
    _last_base = LAST[0] = (server, scheme, version, base)
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


# -- any ASGI app as a WSGI app (for lambda_handler and cloud_function) ----------------------------


class WSGIFromASGI:
    """A WSGI callable serving an ASGI 3 app: each request runs on this thread's event loop; the
    lifespan startup runs once per loop (a Lambda container: once) before the first request.
    ``SCRIPT_NAME`` (a stage, a base path, a function's prefix) becomes ``root_path``.

    The request body is read whole before the app runs, by the App's own rules: its Content-Length
    bytes (400 if it ends before), or a chunked body the server decoded; 413 past
    ``max_buffered_content_length`` bytes (16 MiB; None: no limit), answered here, not by the app."""

    def __init__(self, asgi_app: Callable[..., Any], *, lifespan: bool = True, streaming: bool = True,
                 max_buffered_content_length: int | None = DEFAULT_MAX_BUFFERED) -> None:
        self.asgi_app = asgi_app
        self.lifespan = lifespan
        self.streaming = streaming  # False: the whole answer in one pass of the loop (Lambda buffers anyway)
        self.max_buffered_content_length = max_buffered_content_length
        self._state: dict[int, dict[str, Any]] = {}  # per loop: lifespan state and its task

    def _loop_state(self) -> tuple[asyncio.AbstractEventLoop, dict[str, Any]]:
        # This thread's loop and the app's lifespan state on it (its startup run on first use).
        loop = thread_loop()
        state = self._state.get(id(loop))
        if state is None:
            state = self._state[id(loop)] = {}
            if self.lifespan:
                loop.run_until_complete(self._startup(state))
        return loop, state

    def answer(self, scope: Scope, body: bytes) -> tuple[int, list[tuple[str, str]], list[bytes]]:
        """The app's whole answer to an HTTP ``scope`` (a platform that builds the scope itself, as
        ``lambda_handler`` does from an event): status, headers and body chunks, run on this
        thread's loop; the lifespan state goes into the scope as ``state``."""
        loop, state = self._loop_state()
        if state.get("state") is not None:
            scope["state"] = dict(state["state"])
        return complete(loop, self._collect(scope, body))

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        loop, state = self._loop_state()
        try:
            body = read_body(environ, self.max_buffered_content_length)
        except HTTPError as e:  # a body cut short, too large or undecodable: the app never sees it
            return e.get_response(environ)(environ, start_response)
        scope = environ_scope(environ, state.get("state"))
        if not self.streaming:
            status, headers, chunks = complete(loop, self._collect(scope, body))
            start_response(f"{status} {_reason(status)}", headers)
            return chunks
        messages: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        task = loop.create_task(self._run(scope, _receive_once(body), messages.put, messages))
        first = complete(loop, messages.get())
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
            else:
                # Returned: if it said nothing about its startup, it has no lifespan support (an app
                # that ignores scopes it does not serve); waiting for a reply would hang every request.
                await replies.put({"type": "manypaths.unsupported", "error": None})

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
            message = complete(self.loop, self.messages.get())
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
        "server": (str(environ.get("SERVER_NAME") or "localhost"), _port_number(port)),
    }
    if state is not None:
        scope["state"] = dict(state)
    return scope


# environ key -> the ASGI header name (b"" for a key that is not an HTTP_ header), bounded.
_HEADER_NAMES: dict[str, bytes] = {}


def _port_number(port: Any) -> int | None:
    number = ascii_number(str(port))
    return number if number is not None and number <= 65535 else None


def _header_name(key: str) -> bytes:
    name = key[5:].replace("_", "-").lower().encode("latin-1") if key.startswith("HTTP_") else b""
    if len(_HEADER_NAMES) < 1024:
        _HEADER_NAMES[key] = name
    return name


def _reason(status: int) -> str:
    return str(STATUS_TEXT.get(status, "UNKNOWN"))
