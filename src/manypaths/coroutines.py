"""The one seam between sync and async code: a coroutine or async iterable met by sync code is run
here (a view, hook or handler under WSGI; an async body sent by a WSGI server).

Imported on first use (``asyncio`` with it): a sync app never loads ``asyncio`` (cold start).
Under WSGI (gunicorn, Cloud Functions, Lambda) a coroutine runs to completion on an event loop kept
per thread, so a Lambda container or a gthread worker reuses one loop across requests; in a worker
thread of an ASGI server (``_server_loop`` set) it runs on the server's loop.
"""

from __future__ import annotations

import asyncio
from _thread import get_ident
from contextvars import ContextVar

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Coroutine, Iterable, Iterator
    from typing import Any

# Set in a worker thread of an ASGI server: coroutines there run on the server's loop.
server_loop: ContextVar[asyncio.AbstractEventLoop] = ContextVar("manypaths.server_loop")
_loops: dict[int, asyncio.AbstractEventLoop] = {}


def thread_loop() -> asyncio.AbstractEventLoop:
    """This thread's event loop, made on first use and kept (not one per request)."""
    loop = _loops.get(get_ident())
    if loop is None or loop.is_closed():
        loop = _loops[get_ident()] = asyncio.new_event_loop()
    return loop


def resolve(coro: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine a view, hook or handler returned, from sync code, and return its result."""
    target = server_loop.get(None)
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
