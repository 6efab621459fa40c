"""Response compression: gzip from the standard library; brotli and zstandard when installed.

``App(compress=True)`` (or the ``COMPRESS`` config key) compresses a response when the client's
``Accept-Encoding`` allows it (q-values, ``identity;q=0``, ``*``), the body is at least
``COMPRESS_MIN_SIZE`` bytes (default 500; a stream always qualifies), its type is compressible
(text, JSON, XML, JavaScript, SVG...), and it is neither already encoded, a partial (206) answer,
an answer to a ``Range`` request, nor one without a body. ``Vary: Accept-Encoding`` is added to
every compressible answer, compressed or not; a strong ETag becomes weak (the bytes differ).
A streamed body is compressed chunk by chunk, each chunk flushed so the client gets it at once.
"""

from __future__ import annotations

import zlib

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

    from .http.request import Request
    from .http.response import Response

_TEXTUAL = ("text/", "application/json", "application/javascript", "application/xml", "application/xhtml+xml",
            "application/ld+json", "application/problem+json", "application/graphql-response+json",
            "image/svg+xml", "application/wasm", "application/x-ndjson", "application/manifest+json")


def _available() -> list[str]:
    # Encodings we can produce, best first: br and zstd only when their packages are installed.
    from importlib.util import find_spec

    found = [name for name, module in (("br", "brotli"), ("zstd", "zstandard")) if find_spec(module) is not None]
    found.append("gzip")
    return found


_AVAILABLE: list[str] | None = None


_CHOSEN: dict[str, str | None] = {}  # Accept-Encoding values seen (clients send a handful), bounded


def choose(accept_encoding: str) -> str | None:
    """The encoding to use for this ``Accept-Encoding`` (None: send the body as it is)."""
    try:
        return _CHOSEN[accept_encoding]
    except KeyError:
        pass
    chosen = _choose(accept_encoding)
    if len(_CHOSEN) < 256:
        _CHOSEN[accept_encoding] = chosen
    return chosen


def _choose(accept_encoding: str) -> str | None:
    global _AVAILABLE
    if _AVAILABLE is None:
        _AVAILABLE = _available()
    weights: dict[str, float] = {}
    for item in accept_encoding.split(","):
        name, _, params = item.partition(";")
        name = name.strip().lower()
        if not name:
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
                if not 0.0 <= q <= 1.0:
                    q = 0.0
        weights[name] = q
    if "x-gzip" in weights and "gzip" not in weights:
        weights["gzip"] = weights["x-gzip"]
    star = weights.get("*")
    best: tuple[float, str] | None = None
    for encoding in _AVAILABLE:  # best first: a tie keeps the better one
        q = weights.get(encoding, star if star is not None else 0.0)
        if q > 0 and (best is None or q > best[0]):
            best = (q, encoding)
    return None if best is None else best[1]


def compressible(mimetype: str) -> bool:
    return mimetype.startswith(_TEXTUAL) or mimetype.endswith(("+json", "+xml"))


def _compressor(encoding: str) -> Any:
    if encoding == "gzip":
        return zlib.compressobj(6, zlib.DEFLATED, 31)
    from importlib import import_module

    if encoding == "br":
        return import_module("brotli").Compressor(quality=4)
    return import_module("zstandard").ZstdCompressor(level=3).compressobj()


def _flush(compressor: Any, encoding: str, final: bool) -> bytes:
    if encoding == "gzip":
        return bytes(compressor.flush(zlib.Z_FINISH if final else zlib.Z_SYNC_FLUSH))
    if encoding == "br":
        return bytes(compressor.finish() if final else compressor.flush())
    from importlib import import_module

    zstd = import_module("zstandard")
    return bytes(compressor.flush(zstd.COMPRESSOBJ_FLUSH_FINISH if final else zstd.COMPRESSOBJ_FLUSH_BLOCK))


def _add(compressor: Any, encoding: str, data: bytes) -> bytes:
    return bytes(compressor.process(data) if encoding == "br" else compressor.compress(data))


def compress(request: Request, response: Response, min_size: int) -> None:
    """Compress ``response`` in place when the request and the response allow it."""
    code = response.status_code
    if code < 200 or code in (204, 206, 304) or request.environ.get("REQUEST_METHOD") == "HEAD":
        return
    headers = response.headers
    if not compressible(response.mimetype):
        return
    headers.add_vary("Accept-Encoding")
    environ = request.environ
    encoding = choose(str(environ.get("HTTP_ACCEPT_ENCODING", "")))
    if encoding is None or "HTTP_RANGE" in environ or "Content-Encoding" in headers:
        return
    if "no-transform" in str(headers.get("Cache-Control", "")).lower():
        return
    if not response.is_streamed:
        data = response.get_data()
        if len(data) < min_size:
            return
        compressor = _compressor(encoding)
        packed = _add(compressor, encoding, data) + _flush(compressor, encoding, True)
        if len(packed) >= len(data):
            return  # nothing gained: keep the original
        response.set_data(packed)
    else:
        headers.pop("Content-Length")
        response.response = _stream(response.response, encoding)
    headers.set("Content-Encoding", encoding)
    etag = headers.get("ETag")
    if etag and not etag.startswith("W/"):
        headers.set("ETag", "W/" + etag)


def _stream(source: Any, encoding: str) -> Iterator[bytes]:
    # Each chunk compressed and flushed; the original body is closed when this one is.
    compressor = _compressor(encoding)
    chunks = source
    if hasattr(source, "__aiter__"):
        from .coroutines import iterate_async

        chunks = iterate_async(source)
    try:
        for chunk in chunks:
            if chunk:
                data = chunk.encode("utf-8") if isinstance(chunk, str) else chunk
                out = _add(compressor, encoding, data) + _flush(compressor, encoding, False)
                if out:
                    yield out
        yield _flush(compressor, encoding, True)
    finally:
        close = getattr(source, "close", None)
        if close is not None:
            close()
