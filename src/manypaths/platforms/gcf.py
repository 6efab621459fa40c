"""Google Cloud Functions: hand the runtime's live WSGI environ to any WSGI app.

The public URL of a 1st-gen function is ``https://REGION-PROJECT.cloudfunctions.net/FUNCTION/...``
but the function sees the path without ``/FUNCTION``; run locally, the path keeps it. With a
``prefix`` the adapter moves it into ``SCRIPT_NAME`` in both cases, so URLs the app builds are
the public ones. Without one, it is detected only where that is reliable: a request whose Host
ends in ``.cloudfunctions.net`` gets ``/$K_SERVICE`` (or ``/$FUNCTION_NAME``).
"""

from __future__ import annotations

import os

from . import as_wsgi

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def cloud_function(wsgi_app: Callable[..., Any], *, prefix: str | None = None,
                   asgi: bool | None = None) -> Callable[[Any], Any]:
    """A plain function ``main(request)`` for ``functions-framework --target=main``.

    Args:
        wsgi_app: any WSGI callable (a manypaths App, a Flask app, Django's handler), or an ASGI app
            (FastAPI, Starlette, ``app.asgi``): detected, or say ``asgi=True``; its responses stream.
        prefix: the function's public path prefix, e.g. ``"/myfunction"``.
    """
    fixed = _normal(prefix)
    served = as_wsgi(wsgi_app, asgi)

    # functions-framework wants a plain function (not a bound method, partial or object).
    def main(request: Any) -> Any:
        environ = request.environ
        mount_prefix(environ, fixed if fixed is not None else _detected(environ))
        status_headers: list[Any] = []

        def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Callable[..., Any]:
            if exc_info is not None and status_headers:
                raise exc_info[1].with_traceback(exc_info[2])
            status_headers[:] = [status, headers]
            return lambda chunk: None

        body = served(environ, start_response)
        from flask import Response  # the functions-framework runtime is a Flask app

        status, headers = status_headers
        # direct_passthrough: stream the app's iterable as is; werkzeug closes it when done.
        return Response(body, status=status, headers=headers, direct_passthrough=True)

    main.__name__ = main.__qualname__ = "main"
    # What it wraps, for the CLI (``manypaths routes module:main``, ``serve``) and for tests.
    main.wsgi_app = wsgi_app  # type: ignore[attr-defined]
    main.prefix = fixed  # type: ignore[attr-defined]
    main.manypaths_entry = "cloud_function"  # type: ignore[attr-defined]
    return main


def mount_prefix(environ: dict[str, Any], prefix: str | None) -> None:
    """Put ``prefix`` in SCRIPT_NAME, taking it off PATH_INFO when the path still holds it (local runs)."""
    if not prefix:
        return
    path = environ.get("PATH_INFO", "")
    if path == prefix or path.startswith(prefix + "/"):
        path = path[len(prefix):]
    environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + prefix
    environ["PATH_INFO"] = path


def _normal(prefix: str | None) -> str | None:
    if prefix is None:
        return None
    stripped = prefix.strip("/")
    return "/" + stripped if stripped else ""


def _detected(environ: dict[str, Any]) -> str | None:
    host = str(environ.get("HTTP_HOST", "")).split(":")[0]
    if not host.endswith(".cloudfunctions.net"):
        return None
    name = os.environ.get("K_SERVICE") or os.environ.get("FUNCTION_NAME")
    return f"/{name}" if name else None
