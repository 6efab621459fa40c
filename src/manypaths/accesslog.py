"""One access-log line per request: method, path, status, duration, request id.

On AWS Lambda the line is JSON in Lambda's JSON log format (``timestamp``, ``level``, ``message``,
``requestId``...), on Cloud Functions / Cloud Run a Cloud Logging structured entry (``severity``,
``httpRequest``, ``logging.googleapis.com/trace``), locally a readable text line. Lines go through
the ``manypaths.access`` logger (its own stdout handler unless you configure one; it does not
propagate, so a platform's root handler does not print it twice). ``logging`` is imported with the
first line, not at start-up.
"""

from __future__ import annotations

import os
import sys
import time

from .http.response import _build_encoder

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

    from .http.request import Request
    from .http.response import Response

_logger: Any = None


def platform() -> str:
    """``aws``, ``gcp`` or ``local``: where this process runs (from the variables each platform sets)."""
    if os.environ.get("AWS_LAMBDA_FUNCTION_NAME"):
        return "aws"
    if os.environ.get("K_SERVICE") or os.environ.get("FUNCTION_TARGET"):
        return "gcp"
    return "local"


def line(request: Request, response: Response | int, where: str) -> str:
    """The log line for one answered request (``response``: the Response, or its status code)."""
    environ = request.environ
    # By subscript where the key is (nearly) always there: Lambda's environ is a dict subclass
    # whose .get is Python's (platforms.aws._PendingEnviron).
    try:
        started = environ["manypaths.started"]
    except KeyError:
        started = None
    # The duration in whole microseconds, its digits written by int arithmetic (a float formatted
    # with a precision, f"{ms:.3f}", costs ~2k instructions each; a line wrote two).
    us = round((time.perf_counter() - started) * 1_000_000) if type(started) is float else 0
    if us < 0:
        us = 0
    try:
        method = environ["REQUEST_METHOD"]
    except KeyError:
        method = "GET"
    if type(method) is not str:
        method = str(method)
    try:
        query = environ["QUERY_STRING"]
    except KeyError:
        query = None
    if not query:
        path = request.path
    elif type(query) is str and query.isascii():
        path = f"{request.path}?{query}"  # what full_path gives, without its round trip through bytes
    else:
        path = request.full_path
    status = response if isinstance(response, int) else response.status_code
    tenths = (us + 50) // 100  # milliseconds to one decimal, rounded
    message = f"{method} {path} {status} {tenths // 10}.{tenths % 10}ms"
    if where == "aws":
        # The JSON object written out field by field (what the encoder would write, in this order):
        # the text fields escaped by json's own string encoder; the duration in milliseconds to the
        # microsecond (a JSON number: "durationMs":0.125).
        text = _string or _escaper()
        fraction = (_THOUSANDTHS or _digits())[us % 1000]
        return (f'{{"timestamp":"{_timestamp(time.time())}","level":"{"INFO" if status < 500 else "ERROR"}",'
                f'"message":{text(message)},"requestId":{text(str(request.id))},"method":{text(method)},'
                f'"path":{text(path)},"status":{int(status)},"durationMs":{us // 1000}.{fraction}}}')
    if where == "gcp":
        entry: dict[str, Any] = {
            "severity": "INFO" if status < 500 else "ERROR", "message": message,
            "httpRequest": {"requestMethod": method, "requestUrl": request.url, "status": status,
                            "latency": f"{us / 1_000_000:.6f}s", "userAgent": request.headers.get("User-Agent", ""),
                            "remoteIp": request.remote_addr or ""},
            "requestId": request.id,
        }
        trace = request.trace_id
        project = os.environ.get("GOOGLE_CLOUD_PROJECT") or os.environ.get("GCP_PROJECT")
        if trace and project:
            entry["logging.googleapis.com/trace"] = f"projects/{project}/traces/{trace}"
        return _json(entry)
    return escape(f"{request.remote_addr or '-'} {message} id={request.id}")


def _json(entry: dict[str, Any]) -> str:
    # One line of compact ASCII JSON, in the entry's own order (the encoder built once).
    global _encode
    if _encode is None:
        _encode = _build_encoder(sort_keys=False)
    text: str = _encode(entry)
    return text[:-1]


def _escaper() -> Any:
    # json's own string escaper (C-accelerated where json has its speedups), loaded with the first line.
    global _string
    from json import encoder

    _string = encoder.encode_basestring_ascii
    return _string


_encode: Any = None
_string: Any = None


def escape(text: str) -> str:
    """``text`` on one line: control and other unprintable characters (a decoded ``%0a`` in a path)
    as ``\\xNN``/``\\uNNNN``, and ``\\`` doubled, so a client can never forge a log line."""
    if text.isprintable() and "\\" not in text:
        return text
    out = []
    for char in text:
        if char == "\\":
            out.append("\\\\")
        elif char.isprintable():
            out.append(char)
        else:
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
    return "".join(out)


def _timestamp(now: float) -> str:
    # ISO 8601 in UTC with milliseconds, from one reading of the clock (the part to the second made
    # once per second; the milliseconds' three digits looked up, not formatted).
    global _second
    whole = int(now)
    if _second[0] != whole:
        _second = (whole, time.strftime("%Y-%m-%dT%H:%M:%S.", time.gmtime(whole)))
    return _second[1] + (_THOUSANDTHS or _digits())[int(now * 1000) % 1000] + "Z"


def _digits() -> tuple[str, ...]:
    # "000" to "999", made with the first line that needs them.
    global _THOUSANDTHS
    _THOUSANDTHS = tuple(f"{i:03d}" for i in range(1000))
    return _THOUSANDTHS


_THOUSANDTHS: tuple[str, ...] = ()


_second: tuple[int, str] = (-1, "")


def write(request: Request, response: Response | int, where: str) -> None:
    """Write the line of one answered request (``response``: the Response or its status code)."""
    global _logger, _as_set_up
    if _logger is None:
        import logging

        logger = logging.getLogger("manypaths.access")
        if not logger.handlers:
            handler = logging.StreamHandler(sys.stdout)
            formatter = logging.Formatter("%(message)s")
            handler.setFormatter(formatter)
            logger.addHandler(handler)
            logger.propagate = False
            _as_set_up = (logger, handler, formatter, handler.stream, logging.INFO)
        if logger.level == logging.NOTSET:
            logger.setLevel(logging.INFO)
        _logger = logger
    text = line(request, response, where)
    if _as_set_up is not None and _untouched(*_as_set_up):
        # The logger as this module set it up (nobody added a handler or filter, changed the level,
        # the format or the stream, or disabled it): the line written as its handler would write
        # it, without making a LogRecord (the logging module's per-record work is most of the cost).
        stream = _as_set_up[3]
        stream.write(text + "\n")
        stream.flush()
        return
    _logger.info(text)


def _untouched(logger: Any, handler: Any, formatter: Any, stream: Any, info: int) -> bool:
    return (logger.level == info and not logger.disabled and logger.manager.disable < info and not logger.filters
            and len(logger.handlers) == 1 and logger.handlers[0] is handler and not logger.propagate
            and not handler.filters
            and handler.level <= info and handler.formatter is formatter and handler.stream is stream
            and handler.terminator == "\n")


# What this module set the logger up with (None: it found handlers there already).
_as_set_up: tuple[Any, ...] | None = None
