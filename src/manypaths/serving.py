"""A local development server: the standard library's WSGI server, threaded."""

from __future__ import annotations

import sys

from .http.exceptions import BadRequest
from .http.request import BodyStream

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


_HEX = frozenset(b"0123456789abcdefABCDEF")
_LINE = 4096  # the longest chunk-size or trailer line read
_TRAILERS = 100  # the most trailer lines read after a chunked body


class _Dechunked(BodyStream):
    """``wsgi.input`` of a request sent with ``Transfer-Encoding: chunked`` (RFC 9112 7.1): the body
    decoded as it is read (chunk extensions and trailers read and dropped). A malformed chunk
    (a size that is not hexadecimal, a line without CRLF or too long, the body ending inside a
    chunk) answers 400: the body is never passed on cut short."""

    def __init__(self, rfile: Any) -> None:
        self._rfile = rfile
        self._left = 0  # bytes left in the current chunk
        self._done = False

    def _line(self, what: str) -> bytes:
        line: bytes = self._rfile.readline(_LINE + 1)
        if not line.endswith(b"\r\n"):
            raise BadRequest(f"The chunked body's {what} line is too long, not ended by CRLF, or missing.")
        return line[:-2]

    def _next_chunk(self) -> None:
        size = self._line("chunk size").split(b";", 1)[0].rstrip(b" \t")
        if not size or len(size) > 15 or not _HEX.issuperset(size):
            raise BadRequest("A chunk's size in the chunked body is not a hexadecimal number.")
        self._left = int(size, 16)
        if self._left == 0:  # the last chunk: trailer lines up to an empty one
            for _ in range(_TRAILERS):
                if not self._line("trailer"):
                    self._done = True
                    return
            raise BadRequest(f"More than {_TRAILERS} trailer lines follow the chunked body.")

    def _take(self, size: int | None, line: bool) -> bytes:
        # ``size`` bytes (all: -1), or up to and with the next b"\n" (``line``), of the decoded body.
        out = bytearray()
        while not self._done and (size is None or size < 0 or len(out) < size):
            if self._left == 0:
                self._next_chunk()
                continue
            want = self._left if size is None or size < 0 else min(self._left, size - len(out))
            data = self._rfile.readline(want) if line else self._rfile.read(want)
            if not data:
                raise BadRequest("The chunked body ended inside a chunk.")
            out += data
            self._left -= len(data)
            if self._left == 0 and self._rfile.read(2) != b"\r\n":
                raise BadRequest("A chunk of the chunked body is not followed by CRLF.")
            if line and out.endswith(b"\n"):
                break
        return bytes(out)

    def read(self, size: int | None = -1) -> bytes:
        return self._take(size, False)

    def readline(self, size: int | None = -1) -> bytes:
        return self._take(size, True)



def make_server(app: Callable[..., Iterable[bytes]], host: str = "127.0.0.1", port: int = 8080, *,
                prefix: str = "", quiet: bool = False, timeout: float | None = 60.0) -> Any:
    """A threaded ``wsgiref`` server for ``app`` (not yet serving: call ``serve_forever()``).

    Beyond ``wsgiref``: a chunked request body is decoded (``wsgi.input_terminated``); a request
    with both Transfer-Encoding and Content-Length, two different Content-Lengths, Transfer-Encoding
    over HTTP/1.0 or a last coding other than chunked (the shapes request smuggling takes) answers
    400, and one with another transfer coding before chunked 501; header names with "_" are dropped, and a connection that
    sends nothing for ``timeout`` seconds is closed (a body read that times out answers 408)."""
    from socketserver import ThreadingMixIn
    from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer
    from wsgiref.simple_server import make_server as _make_server

    class Server(ThreadingMixIn, WSGIServer):
        daemon_threads = True
        allow_reuse_address = True

    read_timeout = timeout

    class Handler(WSGIRequestHandler):
        timeout = read_timeout  # (StreamRequestHandler.setup sets it on the socket)

        def handle(self) -> None:  # WSGIRequestHandler.handle, with a chunked body's input
            try:
                self.raw_requestline = self.rfile.readline(65537)
                if len(self.raw_requestline) > 65536:
                    self.requestline = self.request_version = self.command = ""
                    self.send_error(414)
                    return
                if not self.parse_request():  # (its error answer sent)
                    return
                environ = self.get_environ()
                stdin: Any = _Dechunked(self.rfile) if environ.get("wsgi.input_terminated") else self.rfile
                output: Any = self.wfile
                handler = ServerHandler(stdin, output, self.get_stderr(), environ, multithread=False)
                handler.request_handler = self  # type: ignore[attr-defined]  # (wsgiref's own back pointer)
                handler.run(self.server.get_app())  # type: ignore[attr-defined]
            except (TimeoutError, ConnectionError):
                self.close_connection = True  # the client went quiet or away: nobody to answer

        def parse_request(self) -> bool:
            if not super().parse_request():
                return False
            if len({length.strip() for length in self.headers.get_all("Content-Length") or ()}) > 1:
                self.send_error(400, "Content-Length given twice, with different values")
                return False
            coding = self.headers.get_all("Transfer-Encoding")
            if coding is None:
                return True
            codings = [c.strip().lower() for c in ",".join(coding).split(",")]
            if self.headers.get("Content-Length") is not None:
                self.send_error(400, "Transfer-Encoding and Content-Length both given")
            elif self.request_version == "HTTP/1.0":  # (RFC 9112 6.1: faulty framing)
                self.send_error(400, "Transfer-Encoding in an HTTP/1.0 request")
            elif codings[-1] != "chunked":  # the body's end cannot be told
                self.send_error(400, "The last transfer coding is not chunked")
            elif codings != ["chunked"]:
                self.send_error(501, "Only the chunked transfer coding is understood")
            else:
                return True
            return False

        def get_environ(self) -> dict[str, Any]:
            # A header name with "_" would pass for its "-" twin (x_forwarded_for as
            # X-Forwarded-For): dropped, as gunicorn, nginx and every manypaths adapter do.
            for name in {k for k in self.headers if "_" in k}:
                del self.headers[name]
            environ = super().get_environ()
            if "HTTP_TRANSFER_ENCODING" in environ:  # chunked (parse_request refused every other):
                environ["wsgi.input_terminated"] = True  # handle gives the decoded input
            return environ

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
