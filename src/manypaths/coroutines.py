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
    from typing import Any, TypeVar

    T = TypeVar("T")

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
    return complete(thread_loop(), coro)


def complete(loop: asyncio.AbstractEventLoop, coro: Coroutine[Any, Any, T]) -> T:
    """``loop.run_until_complete(coro)`` for a loop that is not running.

    A view or an ASGI app answering a buffered request mostly never waits: each step hands control
    straight back. While it does, the loop's ready callbacks are run here, one after the other, as
    the loop's own iteration runs them (in the task's context, with the loop set as running and
    its async generator hooks in place) but without polling the selector and stopping the loop
    around them: on CPython 3.11 a run costs ~24k instructions instead of ~72k. The moment the
    coroutine waits for I/O, a timer or a thread, the loop's own ``run_until_complete`` takes the
    task over. Any loop but asyncio's own (uvloop), or one in debug mode, runs as before.
    """
    if not _steppable(loop):
        return loop.run_until_complete(coro)
    task = loop.create_task(coro)
    ready: Any = loop._ready  # type: ignore[attr-defined]
    hooks = _enter(loop)
    try:
        while ready and not task.done() and not loop._stopping:  # type: ignore[attr-defined]
            handle = ready.popleft()
            if not handle._cancelled:
                handle._run()  # as the loop runs it: an exception goes to the loop's handler
    finally:
        _leave(loop, hooks)
    if task.done():
        loop._stopping = False  # type: ignore[attr-defined]  # (as the loop's run ends)
        return task.result()
    if loop._stopping:  # type: ignore[attr-defined]  # the coroutine called loop.stop(): as the loop's run ends
        loop._stopping = False  # type: ignore[attr-defined]
        raise RuntimeError("Event loop stopped before Future completed.")
    return loop.run_until_complete(task)  # it waits for a timer, a thread or I/O: the loop's own run


_STEPPABLE: dict[type, bool] = {}


def _steppable(loop: asyncio.AbstractEventLoop) -> bool:
    # asyncio's own loop (its ready queue and hooks as complete() uses them), not in debug mode.
    kind = type(loop)
    found = _STEPPABLE.get(kind)
    if found is None:
        from collections import deque

        found = _STEPPABLE[kind] = isinstance(loop, asyncio.BaseEventLoop) and all(
            hasattr(loop, name) for name in ("_asyncgen_firstiter_hook", "_asyncgen_finalizer_hook", "_thread_id",
                                             "_stopping")) and type(getattr(loop, "_ready", None)) is deque
    return found and not loop.get_debug()


def _enter(loop: Any) -> Any:
    # What the loop's run_forever sets up before its first iteration (its own method on 3.13+).
    setup = getattr(loop, "_run_forever_setup", None)
    if setup is not None:
        setup()
        return None
    if loop.is_closed():
        raise RuntimeError("Event loop is closed")
    if loop.is_running():
        raise RuntimeError("This event loop is already running")
    if asyncio._get_running_loop() is not None:
        raise RuntimeError("Cannot run the event loop while another loop is running")
    import sys

    hooks = sys.get_asyncgen_hooks()
    loop._thread_id = get_ident()
    sys.set_asyncgen_hooks(firstiter=loop._asyncgen_firstiter_hook, finalizer=loop._asyncgen_finalizer_hook)
    asyncio._set_running_loop(loop)
    return hooks


def _leave(loop: Any, hooks: Any) -> None:
    # What run_forever undoes after its last iteration (a stop() asked for while stepping is kept
    # for complete() to act on).
    if getattr(loop, "_run_forever_cleanup", None) is not None:
        stopping = loop._stopping
        loop._run_forever_cleanup()
        loop._stopping = stopping
        return
    import sys

    loop._thread_id = None
    asyncio._set_running_loop(None)
    sys.set_asyncgen_hooks(*hooks)


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
