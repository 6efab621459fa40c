# The compiled ASGI environ builder (src/manypaths/asgi/_environ.c); absent where not built.
from typing import Any

def asgi_environ(scope: dict[str, Any], last: tuple[Any, Any, Any, dict[str, Any]], keys: dict[bytes, str],
                 errors: Any, no_body: Any = ...) -> dict[str, Any] | None:
    """The WSGI environ of an ASGI HTTP scope in its common case (see manypaths.asgi.environ.environ_py), or None;
    with ``no_body``, a request without a body gets it as its ``wsgi.input``."""

def rsgi_environ(scope: Any, last: tuple[str, str, str, dict[str, Any]], keys: dict[str, str], errors: Any,
                 no_body: Any = ...) -> dict[str, Any] | None:
    """The WSGI environ of an RSGI (granian) HTTP scope in its common case (see manypaths.rsgi.environ_py), or None;
    with ``no_body``, a request without a body gets it as its ``wsgi.input``."""
