"""The ASGI driver's WSGI environ: built from an HTTP scope, on a base shared per server.

The common scope is built by the compiled core (``_asgi_environ.c``, ``asgi_environ``) when it is
built; ``environ_py`` is the Python twin that takes every case (script roots, non-ASCII paths,
repeated or new header names). Both give the same dict in the same order.
"""

from __future__ import annotations

import io
import sys

from ..routing.compiler import compiled_core

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from typing import Any

    Scope = dict[str, Any]

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
