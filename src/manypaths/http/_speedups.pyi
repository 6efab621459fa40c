# The compiled parts of fast answers (src/manypaths/http/_speedups.c); absent where not built.
from collections.abc import Callable
from typing import Any

class Encoder:
    """Encoder(fallback): encoder(value) is json_text(value).encode("ascii"); values it does not
    write itself (subclasses, dates, non-str keys, big ints, deep nesting) go to fallback."""

    fallback: Callable[[Any], bytes]

    def __init__(self, fallback: Callable[[Any], bytes]) -> None: ...
    def __call__(self, value: Any) -> bytes: ...

def view_headers(data: bytes, content_type: str, headers: dict[Any, Any]) -> list[tuple[str, str]] | None:
    """Content-Type, Content-Length and a view's dict of headers as a fast answer's header pairs,
    when every pair is plain text that passes Headers' checks, none is one of those two names and
    no two names are alike; else None (manypaths.dispatch checks and merges them)."""

def tuple_answer(rv: Any, fast_status: dict[int, str], json: bool) -> tuple[Any, ...] | None:
    """The fast answer of a view's (body, status[, headers]) or (body, headers): (bytes, content
    type, status) or (bytes, None, status, header pairs); None where manypaths.dispatch answers."""

def use_content_types(html: str, json: str) -> None:
    """The content type objects fast answers carry (dispatch.HTML and dispatch.JSON themselves)."""

def plain_path(path: object) -> bool:
    """Whether the PATH_INFO ``path`` is an ASCII str starting with one "/" (``Request.path`` is then itself)."""

class Road:
    """Road(app, request_type, var, fast_status, json, not_found, page, miss_page, view_value, finish,
    dispatch, settle, coroutine, typed[, clock]): the compiled road of a plain app (dispatch.decide
    builds it; clock, time.perf_counter when the access log is on, notes each request's start).
    road(environ[, awaits[, lazy]]) is (request, answer), the request current, or None where the driver
    takes the Python road; with awaits, an async view's coroutine is left in place of the answer; with
    lazy, a dict subclass that holds the request line and gets the rest through its own get (Lambda's
    pending environ) is taken too."""

    app: Any

    def __init__(self, *args: Any) -> None: ...
    def __call__(self, environ: dict[str, Any], awaits: bool = ..., lazy: bool = ..., /) -> tuple[Any, Any] | None: ...
    def asgi(self, environ: dict[str, Any], /) -> Any:
        """The ASGI driver's inline road: [start, body] (a fast answer's messages, the request
        ended), None (not taken) or (request, answer) for the driver to go on with."""
    def rsgi(self, environ: dict[str, Any], protocol: Any, /) -> Any:
        """The RSGI driver's road: True (a fast answer sent with protocol.response_bytes, the
        request ended), None (not taken) or (request, answer) for the driver to go on with."""

def bind_call(cls: type, fallback: Callable[..., Any], entry: Callable[..., Any] = ..., rest: Callable[..., Any] = ...) -> Any:
    """A method descriptor for cls.__call__: app(environ, start_response) is self.wsgi_app(environ,
    start_response); every other call goes to fallback (the Python __call__). With entry
    (wsgi.wsgi_app) and rest (wsgi.respond): where self.wsgi_app is entry and the compiled road is
    taken, wsgi_app's work without its frames (the rest of an answer handed to rest)."""
