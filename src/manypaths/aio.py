"""Async support, and any ASGI app on a WSGI platform.

- ``WSGIFromASGI`` makes any ASGI app (FastAPI, Starlette) a WSGI callable, so ``lambda_handler``
  and ``cloud_function`` carry it: lifespan startup once per thread's loop, responses streamed.
- The sync/async seam (``resolve``, ``iterate_async``, ``thread_loop``) lives in
  ``manypaths.coroutines``; the App's ASGI driver in ``manypaths.asgi`` (its environ
  builder in ``manypaths.asgi.environ``). Their public names are importable from here too.
"""

from __future__ import annotations

import asyncio

from .asgi import asgi_application, serve_asgi
from .asgi.environ import NO_BODY, environ_py, scope_environ
from .coroutines import call_hooks, iterate_async, resolve, thread_loop
from .http.exceptions import STATUS_TEXT
from .http.wsgi import is_asgi_app

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable
    from typing import Any

    Scope = dict[str, Any]
    Receive = Callable[[], Awaitable[dict[str, Any]]]
    Send = Callable[[dict[str, Any]], Awaitable[None]]


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
    return str(STATUS_TEXT.get(status, "UNKNOWN"))


__all__ = ["NO_BODY", "WSGIFromASGI", "asgi_application", "call_hooks", "environ_py", "environ_scope", "is_asgi_app",
           "iterate_async", "resolve", "scope_environ", "serve_asgi", "thread_loop"]
