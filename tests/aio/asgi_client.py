"""A small in-process ASGI client for tests: calls an ASGI app with real scope/receive/send
messages and collects what it sends (no server, no mocks of the app)."""

from __future__ import annotations

import asyncio
from typing import Any
from urllib.parse import unquote, urlsplit


class Answer:
    def __init__(self, status: int, headers: list[tuple[bytes, bytes]], chunks: list[bytes]) -> None:
        self.status = status
        self.raw_headers = headers
        self.headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in headers}
        self.chunks = chunks
        self.body = b"".join(chunks)

    def json(self) -> Any:
        import json

        return json.loads(self.body)


async def call(app: Any, method: str = "GET", target: str = "/", *, headers: list[tuple[str, str]] | None = None,
               body: bytes | list[bytes] = b"", root_path: str = "", disconnect_after: int | None = None,
               scheme: str = "http") -> Answer:
    """One HTTP request through ``app``; ``body`` as several chunks if a list; the client
    disconnects after ``disconnect_after`` body messages it received."""
    parts = urlsplit(target)
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": scheme,
        "path": root_path + unquote(parts.path), "raw_path": (root_path + parts.path).encode(), "root_path": root_path,
        "query_string": parts.query.encode(), "server": ("testserver", 80), "client": ("203.0.113.9", 5555),
        "headers": [(b"host", b"testserver")] + [(k.lower().encode("latin-1"), v.encode("latin-1"))
                                                 for k, v in headers or []],
    }
    chunks = body if isinstance(body, list) else [body]
    incoming = [{"type": "http.request", "body": c, "more_body": i < len(chunks) - 1} for i, c in enumerate(chunks)]
    sent: list[dict[str, Any]] = []
    gone = asyncio.Event()

    async def receive() -> dict[str, Any]:
        if incoming:
            return incoming.pop(0)
        await gone.wait()
        return {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)
        bodies = sum(1 for m in sent if m["type"] == "http.response.body")
        if disconnect_after is not None and bodies >= disconnect_after:
            gone.set()
        await asyncio.sleep(0)

    await app(scope, receive, send)
    gone.set()
    start = next(m for m in sent if m["type"] == "http.response.start")
    return Answer(start["status"], list(start.get("headers", [])),
                  [m.get("body", b"") for m in sent if m["type"] == "http.response.body"])


async def lifespan(app: Any, *, shutdown: bool = True) -> list[str]:
    """Run a lifespan startup (and shutdown): the message types the app answered."""
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    answers: list[str] = []
    await inbox.put({"type": "lifespan.startup"})
    if shutdown:
        await inbox.put({"type": "lifespan.shutdown"})
    scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}

    async def send(message: dict[str, Any]) -> None:
        answers.append(message["type"])

    await app(scope, inbox.get, send)
    return answers


def run(coro: Any) -> Any:
    return asyncio.run(coro)
