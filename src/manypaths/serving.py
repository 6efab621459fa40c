"""A local development server: the standard library's WSGI server, threaded."""

from __future__ import annotations

import sys

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any



def mount(app: Callable[..., Iterable[bytes]], prefix: str) -> Callable[..., Iterable[bytes]]:
    """Serve ``app`` under ``prefix`` (``/fn``): it moves from PATH_INFO to SCRIPT_NAME on a segment boundary."""
    prefix = "/" + prefix.strip("/") if prefix.strip("/") else ""
    if not prefix:
        return app

    def mounted(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == prefix or path.startswith(prefix + "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "").rstrip("/") + prefix
            environ["PATH_INFO"] = path[len(prefix):]
        return app(environ, start_response)

    return mounted


def make_server(app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1", port: int = 8080, *,
                prefix: str = "", quiet: bool = False) -> Any:
    """A threaded ``wsgiref`` server for ``app`` (not yet serving: call ``serve_forever()``)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import WSGIRequestHandler, WSGIServer
    from wsgiref.simple_server import make_server as _make_server

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True

    class Handler(WSGIRequestHandler):
        def get_environ(self) -> dict[str, Any]:
            # A header name with "_" would pass for its "-" twin (x_forwarded_for as
            # X-Forwarded-For): dropped, as gunicorn, nginx and every manypaths adapter do.
            for name in {k for k in self.headers if "_" in k}:
                del self.headers[name]
            return super().get_environ()

        def log_message(self, format: str, *args: Any) -> None:
            if not quiet:
                super().log_message(format, *args)

    return _make_server(host, port, mount(app, prefix), server_class=Server, handler_class=Handler)


def run(app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1", port: int = 8080, *, prefix: str = "") -> None:
    """Serve ``app`` until interrupted."""
    serve(make_server(app, host, port, prefix=prefix), host, prefix)


def serve(server: Any, host: str, prefix: str = "") -> None:
    """Run a server from ``make_server`` until interrupted, then close it."""
    print(f" * manypaths serving on http://{host}:{server.server_port}{prefix} (Ctrl+C to stop)", file=sys.stderr)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
