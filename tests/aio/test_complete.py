"""``coroutines.complete``: the loop's ready callbacks stepped in place of ``run_until_complete``.

Every coroutine here runs both ways, on loops of their own, and must give the same result, the
same error and the same state seen from inside (running loop, current task, context variables);
what waits for a timer, a thread or I/O is handed to the loop's own run. Then FastAPI through
``lambda_handler`` with the stepping on and off: the same answers on every kind of endpoint.
"""

from __future__ import annotations

import asyncio
import contextvars
import json
import threading
from collections.abc import Callable, Coroutine
from typing import Any

import pytest
from fastapi import BackgroundTasks, Depends, FastAPI
from fastapi.responses import StreamingResponse

from manypaths import coroutines
from manypaths.coroutines import complete

VAR: contextvars.ContextVar[str] = contextvars.ContextVar("test_complete", default="outside")


async def _plain() -> int:
    return 1


async def _yields() -> list[int]:
    out = []
    for i in range(5):
        await asyncio.sleep(0)  # a bare yield: stepped
        out.append(i)
    return out


async def _timer() -> str:
    await asyncio.sleep(0.01)  # a timer: the loop's own run takes over
    return "slept"


async def _thread() -> str:
    loop = asyncio.get_running_loop()
    return await loop.run_in_executor(None, lambda: threading.current_thread().name != "MainThread" and "thread")


async def _child_task() -> tuple[str, bool]:
    child = asyncio.get_running_loop().create_task(_plain())
    return ("child", await child == 1)


async def _raises() -> None:
    await asyncio.sleep(0)
    raise KeyError("inside")


async def _cancelled() -> None:
    raise asyncio.CancelledError


async def _sees() -> tuple[bool, bool, bool, str]:
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    VAR.set("inside")  # in the task's context: never the caller's
    return (loop.is_running(), task is not None and not task.done(), asyncio.get_event_loop() is loop, VAR.get())


async def _async_generator() -> list[int]:
    async def numbers() -> Any:
        for i in range(3):
            yield i
            await asyncio.sleep(0)

    agen = numbers()
    first = [await agen.__anext__(), await agen.__anext__()]
    await agen.aclose()
    return first + [len(asyncio.get_running_loop()._asyncgens)]  # type: ignore[attr-defined]


async def _queue_handoff() -> list[str]:
    queue: asyncio.Queue[str] = asyncio.Queue()

    async def producer() -> None:
        for word in ("a", "b"):
            await queue.put(word)
            await asyncio.sleep(0)

    task = asyncio.get_running_loop().create_task(producer())
    got = [await queue.get(), await queue.get()]
    await task
    return got


async def _stops_the_loop() -> str:
    asyncio.get_running_loop().stop()
    await asyncio.sleep(0)
    return "after stop"


CASES: list[Callable[[], Coroutine[Any, Any, Any]]] = [
    _plain, _yields, _timer, _thread, _child_task, _raises, _cancelled, _sees, _async_generator, _queue_handoff,
    _stops_the_loop,
]


def _outcome(run: Callable[[asyncio.AbstractEventLoop, Any], Any], make: Callable[[], Any]) -> Any:
    loop = asyncio.new_event_loop()
    try:
        before = VAR.get()
        try:
            result: Any = ("ok", run(loop, make()))
        except BaseException as e:  # the same error, of the same class, either way
            result = ("error", type(e).__name__, str(e))
        after = (VAR.get(), asyncio._get_running_loop(), loop.is_running())
        assert after == (before, None, False), make  # nothing leaks out of a run
        # The loop still works after it (a second run on it gives a result).
        return result, run(loop, _plain())
    finally:
        loop.close()


@pytest.mark.parametrize("make", CASES, ids=[c.__name__ for c in CASES])
def test_stepped_runs_equal_the_loops_own(make: Callable[[], Any]) -> None:
    assert coroutines._steppable(asyncio.new_event_loop())
    stepped = _outcome(complete, make)
    looped = _outcome(lambda loop, coro: loop.run_until_complete(coro), make)
    assert stepped == looped
    assert stepped[0][0] == "ok" or make in (_raises, _cancelled, _stops_the_loop)


def test_a_running_loop_and_other_loops_are_refused_or_left_alone() -> None:
    loop = asyncio.new_event_loop()

    async def nested() -> None:
        coro = _plain()
        try:
            complete(loop, coro)  # the loop is running: refused as run_until_complete refuses
        finally:
            coro.close()

    with pytest.raises(RuntimeError, match=r"already running|another loop"):
        loop.run_until_complete(nested())
    loop.set_debug(True)
    assert not coroutines._steppable(loop)  # debug mode: the loop's own run (its checks and warnings)
    assert complete(loop, _plain()) == 1
    loop.close()

    class Other(asyncio.AbstractEventLoop):
        pass

    assert not coroutines._steppable(Other())


@pytest.fixture
def fastapi_app() -> Any:
    # (Names FastAPI resolves from this module's globals: annotations are strings here.)
    api = FastAPI()
    done: list[str] = []

    async def resource() -> Any:
        await asyncio.sleep(0)
        yield "db"
        done.append("closed")

    @api.get("/async/{n}")
    async def async_view(n: int, db: str = Depends(resource)) -> Any:
        return {"n": n, "db": db}

    @api.get("/sync")
    def sync_view() -> Any:  # FastAPI runs it in its thread pool
        return {"thread": threading.current_thread().name != "MainThread"}

    @api.get("/sleep")
    async def sleep_view() -> Any:
        await asyncio.sleep(0.005)
        return {"slept": True}

    @api.get("/stream")
    async def stream_view() -> Any:
        async def chunks() -> Any:
            for i in range(3):
                yield f"{i};"
                await asyncio.sleep(0)

        return StreamingResponse(chunks(), media_type="text/plain")

    @api.post("/echo")
    async def echo_view(body: dict[str, Any], tasks: BackgroundTasks) -> Any:
        tasks.add_task(done.append, "background")
        return body

    @api.get("/boom")
    async def boom_view() -> Any:
        raise RuntimeError("boom")

    api.state.done = done
    return api


def _event(method: str, path: str, body: str | None = None) -> dict[str, Any]:
    return {"version": "2.0", "routeKey": "$default", "rawPath": path, "rawQueryString": "",
            "headers": {"host": "x.lambda-url.us-east-1.on.aws", "content-type": "application/json"},
            "requestContext": {"http": {"method": method, "path": path, "protocol": "HTTP/1.1", "sourceIp": "1.2.3.4"},
                               "stage": "$default", "domainName": "x.lambda-url.us-east-1.on.aws"},
            "body": body, "isBase64Encoded": False}


def test_fastapi_through_lambda_answers_the_same_stepped_or_not(fastapi_app: Any, monkeypatch: Any) -> None:
    from manypaths.platforms import lambda_handler

    requests = [("GET", "/async/7", None), ("GET", "/sync", None), ("GET", "/sleep", None), ("GET", "/stream", None),
                ("POST", "/echo", json.dumps({"a": [1, 2]})), ("GET", "/boom", None), ("GET", "/missing", None)]

    def answers() -> list[Any]:
        handler = lambda_handler(fastapi_app)
        out = []
        for method, path, body in requests:
            got = handler(_event(method, path, body), None)
            out.append((got["statusCode"], got["body"], got.get("headers", {}).get("content-type")))
        return out

    stepped = answers()
    stepped_done = list(fastapi_app.state.done)
    fastapi_app.state.done.clear()
    monkeypatch.setattr(coroutines, "_steppable", lambda loop: False)
    looped = answers()
    assert stepped == looped
    assert stepped_done == fastapi_app.state.done == ["closed", "background"]
    assert stepped[0][:2] == (200, '{"n":7,"db":"db"}') and stepped[3][1] == "0;1;2;" and stepped[5][0] == 500
