"""Async support, by its former address: the names below live in their own modules now and are
importable from here as before (each loads on first use).

- ``WSGIFromASGI``, ``environ_scope``: any ASGI app as a WSGI callable (``manypaths.asgi.environ``).
- ``resolve``, ``iterate_async``, ``thread_loop``, ``call_hooks``: the sync/async seam
  (``manypaths.coroutines``).
- ``asgi_application``, ``serve_asgi``: the App's ASGI driver (``manypaths.asgi``); ``environ_py``,
  ``scope_environ``, ``NO_BODY``: its environ builder (``manypaths.asgi.environ``).
"""

from __future__ import annotations

_WHERE = {
    "WSGIFromASGI": "asgi.environ", "environ_scope": "asgi.environ",
    "resolve": "coroutines", "iterate_async": "coroutines", "thread_loop": "coroutines", "call_hooks": "coroutines",
    "asgi_application": "asgi", "serve_asgi": "asgi",
    "environ_py": "asgi.environ", "scope_environ": "asgi.environ", "NO_BODY": "asgi.environ",
    "is_asgi_app": "http.wsgi",
}


def __getattr__(name: str) -> object:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(f"manypaths.{module}"), name)


__all__ = sorted(_WHERE)
