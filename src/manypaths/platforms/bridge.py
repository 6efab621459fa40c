"""What every platform adapter serves: any WSGI app as it is, any ASGI app through the bridge."""

from __future__ import annotations

from ..http.wsgi import is_asgi_app

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any


def as_wsgi(app: Any, asgi: bool | None, *, streaming: bool = True) -> Any:
    """``app`` as a WSGI callable: an ASGI app (detected, or ``asgi=True``) is bridged (see manypaths.aio)."""
    if asgi or (asgi is None and is_asgi_app(app)):
        from ..aio import WSGIFromASGI  # only an ASGI app loads asyncio (cold start)

        return WSGIFromASGI(app, streaming=streaming)
    return app
