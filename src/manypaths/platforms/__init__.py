"""One entry point per platform, for any WSGI app: ``cloud_function(app)``, ``lambda_handler(app)``."""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any


def cloud_function(wsgi_app: Callable[..., Any], *, prefix: str | None = None,
                   asgi: bool | None = None) -> Callable[[Any], Any]:
    """A Google Cloud Functions (functions-framework) entry point serving ``wsgi_app``; see ``gcf.py``."""
    from .gcf import cloud_function as make

    return make(wsgi_app, prefix=prefix, asgi=asgi)


def lambda_handler(
    wsgi_app: Callable[..., Any],
    *,
    base_path: str | None = None,
    binary_content_types: Any = None,
    asgi: bool | None = None,
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """An AWS Lambda handler serving ``wsgi_app`` for every HTTP event shape; see ``aws.py``."""
    from .aws import lambda_handler as make

    return make(wsgi_app, base_path=base_path, binary_content_types=binary_content_types, asgi=asgi)


def as_wsgi(app: Any, asgi: bool | None, *, streaming: bool = True) -> Any:
    """``app`` as a WSGI callable: an ASGI app (detected, or ``asgi=True``) runs through
    ``manypaths.asgi.environ.WSGIFromASGI``; a WSGI app as it is."""
    from ..http.wsgi import is_asgi_app

    if asgi or (asgi is None and is_asgi_app(app)):
        from ..asgi.environ import WSGIFromASGI  # only an ASGI app loads asyncio (cold start)

        return WSGIFromASGI(app, streaming=streaming)
    return app


__all__ = ["cloud_function", "lambda_handler"]
