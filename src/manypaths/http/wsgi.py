"""Calling a WSGI app and collecting its whole answer (for adapters and the test client)."""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any


def call_wsgi(app: Callable[..., Iterable[bytes]], environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    """Call ``app`` with ``environ``: its status line, headers and whole body; the body is closed (PEP 3333)."""
    captured: list[Any] = []

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[[bytes], None]:
        if exc_info is not None and captured:
            raise exc_info[1].with_traceback(exc_info[2])
        captured[:] = [status, headers]
        return lambda chunk: None

    result = app(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        close = getattr(result, "close", None)
        if close is not None:
            close()
    status, headers = captured
    return status, headers, body


def is_asgi_app(app: Any) -> bool:
    """Whether ``app`` is an ASGI 3 application (an async function, or an object whose class has an
    async ``__call__``: FastAPI, Starlette, ``App.asgi``) rather than a WSGI one. Cheap: no import."""
    code = getattr(app, "__code__", None)
    if code is None:
        for klass in type(app).__mro__:
            if "__call__" in klass.__dict__:
                code = getattr(klass.__dict__["__call__"], "__code__", None)
                break
    return code is not None and bool(code.co_flags & 0x80)  # CO_COROUTINE
