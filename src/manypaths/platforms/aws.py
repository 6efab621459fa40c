"""AWS Lambda: every HTTP event shape to a WSGI environ, and the response back in the same style.

Shapes: API Gateway REST API (payload 1.0), HTTP API (payload 2.0), ALB (single- and
multi-value headers), Lambda Function URL, VPC Lattice v1 and v2. The raw event and context
reach the app as ``environ["manypaths.aws.event"]`` and ``environ["manypaths.aws.context"]``.
"""

from __future__ import annotations

import io
import sys

from ..http.wsgi import call_wsgi
from . import as_wsgi

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/xml",
              "application/x-www-form-urlencoded", "image/svg+xml")


class UnsupportedEvent(ValueError):
    """The event is not one of the HTTP event shapes this handler serves."""


class BadEventBody(ValueError):
    """The event's body is marked base64 but is not."""


def lambda_handler(
    wsgi_app: Callable[..., Iterable[bytes]],
    *,
    base_path: str | None = None,
    binary_content_types: Iterable[str] | None = None,
    asgi: bool | None = None,
) -> Callable[[dict[str, Any], Any], dict[str, Any]]:
    """A handler ``handler(event, context)`` serving ``wsgi_app``.

    Args:
        wsgi_app: any WSGI callable, or an ASGI app (FastAPI, Starlette, ``app.asgi``): detected, or
            say ``asgi=True``. An ASGI app runs on an event loop kept across invocations, its lifespan
            startup once per container; the stage or base path is its ``root_path``.
        base_path: a custom domain's base-path mapping (``"/v1"``): it goes into SCRIPT_NAME.
        binary_content_types: content types to send base64-encoded even if textual (default: every
            type that is not text, JSON, XML, JavaScript or a form).
    """
    base = "/" + base_path.strip("/") if base_path and base_path.strip("/") else ""
    forced_binary = frozenset(binary_content_types or ())
    served = as_wsgi(wsgi_app, asgi, streaming=False)  # Lambda's Python runtime buffers the response
    # An ASGI app is answered from a scope built straight from the event (no WSGI environ between).
    direct = getattr(served, "answer", None) if served is not wsgi_app else None
    if direct is not None:
        from ..http.response import STATUS_LINES  # its answer's status line, by code
    # A manypaths App is answered by its core without a WSGI call between (wsgi.whole: the same
    # steps as the WSGI driver's fast road, or None to call it as WSGI).
    whole: Any = None
    shapers: dict[str, Any] = {}
    if served is wsgi_app and callable(getattr(wsgi_app, "_view_value", None)):
        from ..wsgi import whole

        shapers = {kind: _shaper(kind, forced_binary) for kind in ("v1", "v2")}

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        # API Gateway and ALB events carry a requestContext (no queue, storage, stream or schedule
        # event does): their shape first; anything else is asked whether it is such an event.
        kind = _shape(event) if type(event) is dict and "requestContext" in event else None
        if kind is None:
            if (type(event) is dict or isinstance(event, dict)) and (
                    "Records" in event or "detail-type" in event or "awslogs" in event
                    or ("records" in event and "eventSource" in event)):  # Kafka
                # A queue, storage, stream or schedule event: to the App's event handlers
                # (manypaths.events), never an HTTP-shaped answer. No HTTP event has these keys, and
                # none of these events has an HTTP event's.
                route = getattr(wsgi_app, "handle_event", None)
                if route is None:
                    raise UnsupportedEvent(f"a non-HTTP event (keys {sorted(event)[:8]}) reached a WSGI/ASGI app "
                                           "without event handlers; register them on a manypaths App "
                                           "(app.on_sqs...)")
                return route(event, context)  # type: ignore[no-any-return]
            kind = detect(event)  # (raises: what was expected, what arrived)
        try:
            if direct is not None:  # an ASGI app: its scope straight from the event
                scope, request_body = _scope(kind, event, context, base)
            elif whole is not None:  # a manypaths App: the headers and the body when read
                environ = _pending_environ(kind, event, context, base)
            else:
                environ = _environ(kind, event, context, base)
        except (BadEventBody, TypeError, AttributeError, ValueError) as e:
            # A body marked base64 that is not, or a value no real event holds (a number for a path,
            # a string for a list): answer 400 in the event's style, never crash the invocation.
            reason = str(e) if isinstance(e, BadEventBody) else f"The {kind} event is malformed: {e}"
            return _response(kind, event, "400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")],
                             f"{reason}\n".encode(), forced_binary)
        if direct is not None:
            code, headers, chunks = direct(scope, request_body)
            status, body = STATUS_LINES.get(code) or f"{code} UNKNOWN", b"".join(chunks)
            answer = None
        else:
            # An API Gateway event's answer from the core's fast road (a body with the default
            # headers) is shaped straight into the event's response (_shaper), not through a
            # status line and a header list first.
            answer = whole(served, environ, shapers.get(kind)) if whole is not None else None
            if type(answer) is dict:
                # Its two headers are ours (Content-Type: HTML or JSON, Content-Length): under 64 bytes.
                size = len(answer["body"]) + 64
                if size <= RESPONSE_LIMIT:
                    return answer
                result, headers, unencoded = answer, [], None
            else:
                status, headers, body = answer if answer is not None else call_wsgi(served, environ)
        if type(answer) is not dict:  # (a shaped answer is measured above)
            result = _response(kind, event, status, headers, body, forced_binary)
            size, unencoded = len(result["body"]), len(body)
        for name, value in headers:
            size += len(name) + len(value)
        if size > RESPONSE_LIMIT:
            # Lambda would fail the invocation with its own error (a 502 from API Gateway with no
            # clue): answer a 500 that names the limit, and log it.
            import logging

            before = "" if unencoded is None else f", body {unencoded:,} bytes before encoding"
            message = (f"The response ({size:,} bytes as Lambda sends it{before}) "
                       f"exceeds AWS Lambda's {RESPONSE_LIMIT:,}-byte response payload limit for buffered "
                       "responses; send large content from S3 (a presigned URL) or page it.")
            logging.getLogger("manypaths.aws").error("%s %s: %s", event.get("httpMethod") or event.get("method") or
                                                     ((event.get("requestContext") or {}).get("http") or {}).get("method"),
                                                     event.get("path") or event.get("rawPath") or event.get("raw_path"),
                                                     message)
            return _response(kind, event, "500 Internal Server Error", [("Content-Type", "text/plain; charset=utf-8")],
                             f"{message}\n".encode(), forced_binary)
        return result

    # What it wraps, for the CLI (``manypaths routes module:handler``) and for tests.
    handler.wsgi_app = wsgi_app  # type: ignore[attr-defined]
    handler.manypaths_entry = "lambda"  # type: ignore[attr-defined]
    return handler


#: Lambda's limit on a synchronous invocation's response payload (6 MB): its Python runtime has no
#: response streaming, so every answer is buffered and must fit.
RESPONSE_LIMIT = 6 * 1024 * 1024


def detect(event: Any) -> str:
    """The event's shape: ``"v1"``, ``"v2"``, ``"alb"``, ``"lattice1"`` or ``"lattice2"``.

    Raises:
        UnsupportedEvent: it is none of them (the message says what was expected).
    """
    kind = _shape(event)
    if kind is not None:
        return kind
    keys = sorted(event) if isinstance(event, dict) else type(event).__name__
    raise UnsupportedEvent(
        "Not an HTTP event: expected API Gateway REST (httpMethod, path), HTTP API or Function URL "
        "(version 2.0, rawPath, requestContext.http), ALB (requestContext.elb), or VPC Lattice "
        f"(raw_path / version 2.0 with method and path); got {keys}"
    )


def _shape(event: Any) -> str | None:
    # detect's answer, or None for anything else (a non-HTTP event, not a dict).
    if type(event) is dict or isinstance(event, dict):
        context = event.get("requestContext")
        if type(context) is not dict:
            context = context if isinstance(context, dict) else {}
        if "elb" in context and "httpMethod" in event:
            return "alb"
        if event.get("version") == "2.0" and "rawPath" in event and "http" in context:
            return "v2"
        if "httpMethod" in event and "path" in event:
            return "v1"
        if event.get("version") == "2.0" and "method" in event and "path" in event:
            return "lattice2"
        if "raw_path" in event and "method" in event:
            return "lattice1"
    return None


def _text(value: Any, what: str, default: str = "") -> str:
    # A value events hold as a string; anything else is a malformed event (a 400, see handler).
    if value is None:
        return default
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _request_parts(kind: str, event: dict[str, Any], base: str) -> tuple[Any, ...]:
    """What every builder needs from the event, read once per shape: (requestContext, method,
    script name, path, WSGI query string, the header mapping, HTTP API cookies, remote address or
    None, body bytes), for ``_scope`` (an ASGI app). The environ's builders take the same parts
    from ``_line``, ``_fill`` and ``_body``."""
    ctx, method, script_name, path, query = _line(kind, event, base)
    header_source, cookie = _header_parts(kind, event)
    if query is None:
        query = _v1_query(event)
    return ctx, method, script_name, path, query, header_source, cookie, _remote(kind, ctx), _body(event, kind)


def _remote(kind: str, ctx: dict[str, Any]) -> Any:
    # The client's address as API Gateway gives it, or None (ALB and VPC Lattice: from the headers).
    if kind == "v1":
        identity = ctx.get("identity")
        return identity.get("sourceIp") if type(identity) is dict else None
    if kind == "v2":
        http = ctx.get("http")
        return http.get("sourceIp") if isinstance(http, dict) else None
    return None


def _v1_query(event: dict[str, Any]) -> str:
    # A REST API event's parameters (decoded by API Gateway) as a WSGI query string.
    return _encode_query(event.get("multiValueQueryStringParameters") or event.get("queryStringParameters"))


def _line(kind: str, event: dict[str, Any], base: str) -> tuple[Any, ...]:
    """The request line, checked: (requestContext, method (upper-case), script name, path, WSGI query
    string (None for a REST API event: ``_v1_query``)). Raises TypeError or ValueError for a value no real
    event holds."""
    ctx = event.get("requestContext") or {}
    if type(ctx) is not dict and not isinstance(ctx, dict):
        raise TypeError(f"requestContext must be an object, not {type(ctx).__name__}")
    script_name = ""
    if kind == "v1":
        method = event["httpMethod"]
        if type(method) is not str:
            method = _text(method, "httpMethod")
        path = event["path"]
        if type(path) is not str or not path:
            path = _text(path, "path") or "/"
        query = None  # _v1_query: built when read (a manypaths App's router does not need it)
        # requestContext.path is what the client asked for (with the stage, or a base-path mapping).
        full = ctx.get("path") or ""
        if type(full) is not str:
            full = _text(full, "requestContext.path")
        stage = ctx.get("stage") or ""
        if type(stage) is not str:
            stage = _text(stage, "requestContext.stage")
        if full and full != path and full.endswith(path.rstrip("/") or "/"):
            script_name = full[: len(full) - len(path.rstrip("/") or "/")].rstrip("/")
        elif stage and stage != "$default":
            domain = ctx.get("domainName")
            if isinstance(domain, str) and ".execute-api." in domain:  # execute-api's own domain
                script_name = "/" + stage
    elif kind == "v2":
        http = ctx.get("http") or {}
        if type(http) is not dict and not isinstance(http, dict):
            raise TypeError("requestContext.http must be an object")
        # (Each value checked by _text only when it is not the string it always is.)
        method = http.get("method")
        if type(method) is not str:
            method = _text(method, "requestContext.http.method", "GET")
        raw_path = event.get("rawPath")
        if type(raw_path) is not str or not raw_path:
            raw_path = _text(raw_path, "rawPath") or "/"
        # The raw query as the client sent it: as a WSGI server passes it (bytes as latin-1 code points).
        query = event.get("rawQueryString")
        if type(query) is not str:
            query = _text(query, "rawQueryString")
        if not query.isascii():
            query = _to_wsgi(query)
        stage = ctx.get("stage")
        if type(stage) is not str:
            stage = _text(stage, "requestContext.stage")
        # A named stage shows in rawPath: move it to SCRIPT_NAME, on a segment boundary of the raw
        # path (so "/%70rod/x" is not taken for stage "prod").
        if stage and stage != "$default":
            raw_path, script_name = _take_prefix(raw_path, "/" + stage)
        path = _unquote(raw_path)
    elif kind == "alb":
        method = _text(event["httpMethod"], "httpMethod")
        path = _unquote(_text(event.get("path"), "path") or "/")
        # ALB passes query parameters as the client sent them: already encoded.
        params = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters") or {}
        if not isinstance(params, dict):
            raise TypeError("the query string parameters must be an object")
        query = _to_wsgi("&".join(f"{k}={v}" for k, values in params.items() for v in _listed(values)))
    elif kind == "lattice2":
        method = _text(event["method"], "method")
        path = _unquote(_text(event["path"], "path").split("?", 1)[0] or "/")
        query = _encode_query(event.get("queryStringParameters"))
    else:  # lattice1
        method = _text(event["method"], "method")
        raw = _text(event["raw_path"], "raw_path")
        path = _unquote(raw.split("?", 1)[0] or "/")
        query = _to_wsgi(raw.split("?", 1)[1]) if "?" in raw else _encode_query(event.get("query_string_parameters"))

    if base:
        path, taken = _take_prefix(path, base)
        script_name = script_name + (taken or base)
    if method not in _METHODS:  # (the usual ones are upper-case tokens already)
        if not method or not _TOKEN.issuperset(method):
            raise ValueError(f"the HTTP method {method[:20]!r} is not a method")
        if not method.isupper():
            method = method.upper()
    # (By index, not startswith: a str method call with an argument is ~900 instructions on 3.11.)
    if not path or path[0] != "/":
        path = "/" + path
    if script_name and script_name[0] != "/":
        script_name = "/" + script_name
    return ctx, method, script_name, path, query


# The usual methods: tokens (checked once here, not per request).
_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))


def _header_parts(kind: str, event: dict[str, Any]) -> tuple[Any, str | None]:
    """(the header mapping or None, HTTP API's cookies joined or None)."""
    if kind == "v1" or kind == "alb":
        return _headers_of(event.get("multiValueHeaders"), event.get("headers")), None
    header_source = _headers_of(None, event.get("headers"))
    cookies = event.get("cookies") if kind == "v2" else None
    if not cookies:
        return header_source, None
    if not isinstance(cookies, list):
        raise TypeError("cookies must be a list of strings")
    try:
        return header_source, "; ".join(cookies)
    except TypeError:  # not all strings: which one, and why
        return header_source, "; ".join(_text(c, "a cookie") for c in cookies)


def _environ(kind: str, event: dict[str, Any], context: Any, base: str) -> dict[str, Any]:
    ctx, method, script_name, path, query = _line(kind, event, base)
    environ = _line_environ(method, script_name, path, event, context)
    environ["QUERY_STRING"] = _v1_query(event) if query is None else query
    _fill(environ, kind, event, context, ctx, _body(event, kind))
    return environ


def _line_environ(method: str, script_name: str, path: str, event: dict[str, Any], context: Any) -> dict[str, Any]:
    # What routing, the core's fast road and the access log read (the query string is put in by
    # the caller: a REST API event's is built only when read).
    return {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name if script_name.isascii() else _to_wsgi(script_name),
        "PATH_INFO": path if path.isascii() else _to_wsgi(path),
        "manypaths.aws.event": event,
        "manypaths.aws.context": context,
    }


def _fill(environ: dict[str, Any], kind: str, event: dict[str, Any], context: Any, ctx: dict[str, Any],
          body: bytes) -> None:
    """The rest of the environ: the body, the headers, the server and the client (into ``environ``,
    which holds no header yet)."""
    http = ctx.get("http")
    protocol = (http.get("protocol") if type(http) is dict else None) or ctx.get("protocol") or "HTTP/1.1"
    environ["SERVER_PROTOCOL"] = protocol if type(protocol) is str else str(protocol)
    environ["CONTENT_LENGTH"] = str(len(body))
    environ["wsgi.input"] = io.BytesIO(body)
    environ.update(_CONSTANT)
    # The names serverless-wsgi uses, so apps written for it keep working.
    environ["serverless.event"] = event
    environ["serverless.context"] = context
    header_source, cookie = _header_parts(kind, event)
    # The headers, each straight to its CGI variable (PEP 3333: values as latin-1 code points of
    # their bytes; a repeated header joined); the few the adapter reads are the last value given.
    seen: dict[str, str] = {}
    if header_source:
        keys = _CGI_KEYS
        for name, values in header_source.items():
            key = keys.get(name) or _cgi_key(name if type(name) is str else str(name))
            if key == "-" or key == "CONTENT_LENGTH":
                continue  # not a CGI name; the decoded body's length counts, not the client's header
            for value in (values,) if type(values) is str else values if type(values) is list else _listed(values):
                if type(value) is not str:
                    value = str(value)  # a number in a hand-made event: as text, as before
                if key in _READ:
                    seen[key] = value
                if not value.isascii():
                    value = value.encode("utf-8").decode("latin-1")
                if key == "CONTENT_TYPE" or key not in environ:
                    environ[key] = value
                else:
                    environ[key] = environ[key] + ("; " if key == "HTTP_COOKIE" else ", ") + value
    if cookie is not None:  # HTTP API's cookies field
        seen["HTTP_COOKIE"] = cookie
        cookie = _to_wsgi(cookie)
        environ["HTTP_COOKIE"] = environ["HTTP_COOKIE"] + "; " + cookie if "HTTP_COOKIE" in environ else cookie
    host, server, port, scheme, remote = _origin(seen, ctx, _remote(kind, ctx))
    if "HTTP_HOST" not in environ:
        environ["HTTP_HOST"] = _to_wsgi(host)
    environ["SERVER_NAME"] = _to_wsgi(server) or "localhost"
    environ["SERVER_PORT"] = port
    environ["REMOTE_ADDR"] = remote if remote.isascii() else _to_wsgi(remote)
    environ["wsgi.url_scheme"] = scheme


_CONSTANT = {"wsgi.version": (1, 0), "wsgi.errors": sys.stderr, "wsgi.multithread": False,
             "wsgi.multiprocess": False, "wsgi.run_once": False}


def _pending_environ(kind: str, event: dict[str, Any], context: Any, base: str) -> dict[str, Any]:
    """The environ of a manypaths App's request on the core's road: the request line now (checked:
    a malformed one raises here, as ``_environ``), the headers, the body's stream and the server's
    parts on the first read of anything else (``_PendingEnviron``). A view that reads only its
    arguments never pays for them. A body that is not plain text is decoded (and checked) now."""
    ctx, method, script_name, path, query = _line(kind, event, base)
    raw = event.get("body")
    body = None if raw is None or (type(raw) is str and kind != "lattice1" and not event.get("isBase64Encoded")) \
        else _body(event, kind)
    # _line_environ's keys and the pending parts in one literal (sized once: no dict grows here).
    line = {
        "REQUEST_METHOD": method,
        "SCRIPT_NAME": script_name if script_name.isascii() else _to_wsgi(script_name),
        "PATH_INFO": path if path.isascii() else _to_wsgi(path),
        "manypaths.aws.event": event,
        "manypaths.aws.context": context,
        _PENDING: (kind, event, context, ctx, body),
    }
    if query is not None:  # a REST API event's is built when read
        line["QUERY_STRING"] = query
    return _PendingEnviron(line)


_PENDING = "manypaths.aws.pending"
_ABSENT: Any = object()


class Environ(dict):  # type: ignore[type-arg]
    """A Lambda request's environ (a dict) once every part is in it; see ``_PendingEnviron``."""

    __slots__ = ()


def _complete(environ: Any) -> None:
    # Every part of a pending environ put in (a key the app wrote meanwhile is kept); from now on
    # it is an ``Environ``, whose methods are dict's own.
    pending = dict.pop(environ, _PENDING, None)
    environ.__class__ = Environ
    if pending is None:  # completed meanwhile (a view's other thread read it first)
        return
    kind, event, context, ctx, body = pending
    if not dict.__contains__(environ, "QUERY_STRING"):
        dict.__setitem__(environ, "QUERY_STRING", _v1_query(event))
    rest: dict[str, Any] = {}
    try:  # (a body left for now is none or plain text: _body cannot refuse it)
        _fill(rest, kind, event, context, ctx, body if body is not None else _body(event, kind))
    except (TypeError, AttributeError, ValueError) as e:
        from ..http.exceptions import BadRequest

        for key, value in {"CONTENT_LENGTH": "0", "wsgi.input": io.BytesIO(), **_CONSTANT, **rest}.items():
            dict.setdefault(environ, key, value)
        raise BadRequest(f"The {kind} event is malformed: {e}") from None
    for key, value in rest.items():
        dict.setdefault(environ, key, value)


def _query_of(environ: Any) -> str:
    # A pending environ's QUERY_STRING (a REST API event's), put in without the rest.
    pending = dict.get(environ, _PENDING)
    query = _v1_query(pending[1]) if pending is not None else ""
    return dict.setdefault(environ, "QUERY_STRING", query)  # type: ignore[no-any-return]


def _completed(name: str) -> Any:
    method = getattr(dict, name)

    def completed(self: Any, *args: Any, **kwargs: Any) -> Any:
        _complete(self)
        return method(self, *args, **kwargs)

    completed.__name__ = name
    return completed


class _PendingEnviron(dict):  # type: ignore[type-arg]
    """An environ that holds the request line, and gets everything else on the first read of a key
    it does not hold (or of all of it: iteration, ``len``, ``copy``, a comparison...). A dict to
    everyone: ``get``, ``in`` and ``[]`` answer as the whole environ would. Then it becomes an
    ``Environ``, a plain dict."""

    __slots__ = ()

    def get(self, key: Any, default: Any = None) -> Any:
        value = dict.get(self, key, _ABSENT)
        if value is _ABSENT:
            if key == "QUERY_STRING":  # the access log reads it: built alone
                return _query_of(self)
            _complete(self)
            return dict.get(self, key, default)
        return value

    def __contains__(self, key: object) -> bool:
        if dict.__contains__(self, key):
            return True
        if key == "QUERY_STRING":
            _query_of(self)
            return True
        _complete(self)
        return dict.__contains__(self, key)

    def __missing__(self, key: Any) -> Any:
        if key == "QUERY_STRING":
            return _query_of(self)
        _complete(self)
        return dict.__getitem__(self, key)

    for _name in ("__iter__", "__len__", "__repr__", "__eq__", "__ne__", "__or__", "__ror__", "__ior__",
                  "__reversed__", "__delitem__", "__reduce__", "__reduce_ex__", "keys", "items", "values",
                  "copy", "pop", "popitem", "setdefault", "update", "clear"):
        locals()[_name] = _completed(_name)
    del _name


def _origin(seen: dict[str, str], ctx: dict[str, Any], remote: Any) -> tuple[str, str, str, str, str]:
    # (Host, server name, server port, scheme, client address) from the headers the adapter reads
    # (``seen``: by CGI name, the last value given) and the request context.
    if remote is None:
        # ALB and VPC Lattice append the address they saw to X-Forwarded-For: the last entry is the
        # one the client cannot forge (the first is whatever the client sent).
        remote = seen.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip() or "127.0.0.1"
    remote = str(remote).split("/")[0]  # API Gateway may send "1.2.3.4/32"
    host = seen.get("HTTP_HOST") or ctx.get("domainName") or "localhost"
    scheme = seen.get("HTTP_X_FORWARDED_PROTO")
    scheme = "https" if scheme is None else scheme.split(",")[0].strip() or "https"
    port = seen.get("HTTP_X_FORWARDED_PORT") or ("443" if scheme == "https" else "80")
    if not (port.isascii() and port.isdigit()):
        port = "443" if scheme == "https" else "80"
    if scheme != "https" and scheme != "http":
        scheme = "https"
    return host, host.partition(":")[0], port, scheme, remote


def _scope(kind: str, event: dict[str, Any], context: Any, base: str) -> tuple[dict[str, Any], bytes]:
    """The ASGI HTTP scope of an event and its body, straight from the event (no WSGI environ on
    the way): what ``environ_scope(_environ(...))`` gives, header for header."""
    ctx, method, script_name, path, query, header_source, cookie, remote, body = _request_parts(kind, event, base)
    joined: dict[str, str] = {}  # lower-case name -> value (a repeated header joined, as in the environ)
    seen: dict[str, str] = {}
    content_type: str | None = None
    if header_source:
        keys = _CGI_KEYS
        plain = _PLAIN_LOWER
        for name, values in header_source.items():
            if type(values) is str:
                # The usual header (one string value, a name that is none of those read or dropped
                # below): its lower-case name remembered (None for any other name).
                lower = plain.get(name)
                if lower is not None:
                    if lower in joined:
                        joined[lower] = joined[lower] + ", " + values
                    else:
                        joined[lower] = values
                    continue
            key = keys.get(name) or _cgi_key(name if type(name) is str else str(name))
            if type(name) is str and key not in _UNPLAIN and len(plain) < 1024:
                plain[name] = name.lower()
            if key == "-" or key == "CONTENT_LENGTH":
                continue
            lower = name.lower() if type(name) is str else str(name).lower()
            for value in (values,) if type(values) is str else values if type(values) is list else _listed(values):
                if type(value) is not str:
                    value = str(value)
                if key in _READ:
                    seen[key] = value
                if key == "CONTENT_TYPE":
                    content_type = value
                elif lower in joined:
                    joined[lower] = joined[lower] + ("; " if key == "HTTP_COOKIE" else ", ") + value
                else:
                    joined[lower] = value
    if cookie is not None:
        seen["HTTP_COOKIE"] = cookie
        joined["cookie"] = joined["cookie"] + "; " + cookie if "cookie" in joined else cookie
    host, server, port, scheme, remote = _origin(seen, ctx, remote)
    if "host" not in joined:
        joined["host"] = host
    headers = [(name.encode("latin-1"), value.encode("utf-8")) for name, value in joined.items()]
    if content_type:
        headers.append((b"content-type", content_type.encode("utf-8")))
    headers.append((b"content-length", str(len(body)).encode("latin-1")))
    protocol = str((ctx.get("http") or {}).get("protocol") or ctx.get("protocol") or "HTTP/1.1")
    full = script_name + path
    scope = {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.3"},
        "http_version": protocol.partition("/")[2] or "1.1",
        "method": method,
        "scheme": scheme,
        "path": full,
        "raw_path": full.encode("utf-8"),
        "query_string": query.encode("latin-1"),
        "root_path": script_name,
        "headers": headers,
        "client": (remote, 0) if remote else None,
        "server": (server or "localhost", int(port)),
        "aws.event": event,
        "aws.context": context,
    }
    return scope, body


# The headers the adapter itself reads (the last value given counts).
_READ = frozenset(("HTTP_HOST", "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_PORT"))
# What _scope's header loop treats apart: read, dropped, the content type, cookies (joined with "; ").
_UNPLAIN = _READ | {"-", "CONTENT_LENGTH", "CONTENT_TYPE", "HTTP_COOKIE"}
# Header name -> its lower-case form, for a name that is none of _UNPLAIN (bounded as _CGI_KEYS).
_PLAIN_LOWER: dict[str, str] = {}


def _headers_of(multi: Any, single: Any) -> Any:
    # The event's headers: the multi-value form when it has one, else the single-value form.
    if multi and (type(multi) is dict or isinstance(multi, dict)):
        return multi
    return single if type(single) is dict or isinstance(single, dict) else None


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


# Header name as the event spells it -> its CGI variable ("HTTP_X_A", "CONTENT_TYPE"), or "-" for a
# name that cannot be one. Names are few; a client inventing names cannot grow this past its bound.
_CGI_KEYS: dict[str, str] = {}


def _cgi_key(name: str) -> str:
    # A name with "_" would pass for its "-" twin (x_forwarded_for as X-Forwarded-For, so a client
    # picks its own address behind trusted proxies): dropped, as gunicorn and nginx drop it.
    if not name or "_" in name or not _TOKEN.issuperset(name):
        key = "-"
    else:
        key = name.upper().replace("-", "_")
        if key not in ("CONTENT_TYPE", "CONTENT_LENGTH"):
            key = "HTTP_" + key
    if len(_CGI_KEYS) < 1024:
        _CGI_KEYS[name] = key
    return key


_TOKEN = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def _encode_query(params: Any) -> str:
    if not isinstance(params, dict) or not params:
        return ""
    # The usual parameters (strings of unreserved characters) need no escaping: joined as they are,
    # then checked at once (no character outside the unreserved set and the separators, and exactly
    # one "=" per pair and one "&" between pairs); anything else takes the careful road.
    parts: list[str] = []
    try:
        for name, values in params.items():
            if type(values) is list:
                for value in values:
                    parts.append(name + "=" + value)
            else:
                parts.append(name + "=" + values)
    except TypeError:  # a name or value that is not a string (a malformed event's number, a None)
        return _encode_query_escaped(params)
    query = "&".join(parts)
    if (query.isascii() and not query.encode("ascii").translate(None, _QUERY_BYTES)
            and query.count("=") == len(parts) and query.count("&") == len(parts) - 1):
        return query
    return _encode_query_escaped(params)


def _encode_query_escaped(params: dict[Any, Any]) -> str:
    parts: list[str] = []
    for name, values in params.items():
        name = _q(name if type(name) is str else str(name))
        for value in _listed(values):
            parts.append(f"{name}={_q(value)}")
    return "&".join(parts)


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# A joined query that needs no escaping is ASCII and nothing is left of it once these are deleted.
_QUERY_BYTES = "".join(sorted(_UNRESERVED | {"=", "&"})).encode("ascii")


def _q(text: str) -> str:
    if _UNRESERVED.issuperset(text):
        return text
    from urllib.parse import quote

    return quote(text, safe="")


def _unquote(text: str) -> str:
    # urllib.parse (and the re and ipaddress modules it loads) only for a path that has an escape:
    # a cold start of the common request does without them.
    if "%" not in text:
        return text
    from urllib.parse import unquote

    return unquote(text)


def _take_prefix(path: str, prefix: str) -> tuple[str, str]:
    """``path`` without ``prefix`` and the prefix taken, if it starts the path on a segment boundary."""
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix):] or "/", prefix
    return path, ""


def _to_wsgi(text: str) -> str:
    # ASCII text is its own latin-1 transcoding (the common case: no copy).
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _body(event: dict[str, Any], kind: str) -> bytes:
    raw = event.get("body")
    if raw is None:
        return b""
    if type(raw) is str and kind != "lattice1" and not event.get("isBase64Encoded"):
        return raw.encode("utf-8", "surrogatepass")
    if not isinstance(raw, str):
        # Events carry the body as text (base64 for binary); an int must not become that many zero bytes.
        raise BadEventBody(f"The event's body must be a string, not {type(raw).__name__}.")
    encoded = event.get("is_base64_encoded") if kind == "lattice1" else event.get("isBase64Encoded")
    if encoded:
        try:
            import base64  # and re with it: only for a body that is base64

            return base64.b64decode(raw, validate=True)
        except (ValueError, TypeError) as e:
            raise BadEventBody(f"The request body is marked base64 but does not decode: {e}") from None
    return raw.encode("utf-8", "surrogatepass")


def _is_text(content_type: str, forced_binary: frozenset[str]) -> bool:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    if mimetype in forced_binary:
        return False
    return mimetype.startswith(TEXT_TYPES) or mimetype.endswith(("+json", "+xml")) or not mimetype


def _shaper(kind: str, forced_binary: frozenset[str]) -> Callable[[bytes, str, int, str, bool], dict[str, Any]]:
    """For an API Gateway event (``kind`` v1 or v2), the ``shaped`` of ``wsgi.whole``: the event's
    response to a fast answer, what ``_response`` makes of its status line and its two headers
    (Content-Type, Content-Length)."""
    multi = kind == "v1"
    text_kinds = _TEXT_KINDS if not forced_binary else {}

    def shaped(body: bytes, content_type: str, code: int, length: str, head: bool) -> dict[str, Any]:
        if multi:
            out = {"statusCode": code, "multiValueHeaders": {"Content-Type": [content_type], "Content-Length": [length]}}
        else:
            out = {"statusCode": code, "headers": {"content-type": content_type, "content-length": length}}
        if head:
            body = b""
        if text_kinds.get(content_type):  # text, as _body_field decides (the common case inline)
            try:
                out["body"] = body.decode()  # (UTF-8: the default, without naming it)
                out["isBase64Encoded"] = False
                return out
            except UnicodeDecodeError:
                pass
        out["body"], out["isBase64Encoded"] = _body_field(body, content_type, forced_binary)
        return out

    return shaped


def _body_field(body: bytes, content_type: str, forced_binary: frozenset[str]) -> tuple[str, bool]:
    # The response's body as Lambda sends it: (text or base64, whether base64).
    as_text = _TEXT_KINDS.get(content_type) if not forced_binary else None
    if as_text is None:
        as_text = _is_text(content_type, forced_binary)
        if not forced_binary and len(_TEXT_KINDS) < 256:  # a function sends few distinct types
            _TEXT_KINDS[content_type] = as_text
    if as_text:
        try:
            return body.decode("utf-8"), False
        except UnicodeDecodeError:
            pass
    from binascii import b2a_base64  # base64.b64encode without loading base64 (and re)

    return b2a_base64(body, newline=False).decode("ascii"), True


def _response(kind: str, event: dict[str, Any], status: str, headers: list[tuple[str, str]], body: bytes,
              forced_binary: frozenset[str]) -> dict[str, Any]:
    code = int(status[:3])
    content_type = ""
    for name, value in headers:
        if name == "Content-Type" or name.lower() == "content-type":
            content_type = value
            break
    out: dict[str, Any] = {"statusCode": code}
    if kind == "v2":
        joined: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in headers:
            key = name.lower()
            if key == "set-cookie":
                cookies.append(value)
            else:
                joined[key] = f"{joined[key]},{value}" if key in joined else value
        out["headers"] = joined
        if cookies:
            out["cookies"] = cookies
    elif kind == "v1" or (kind == "alb" and "multiValueHeaders" in event):
        multi: dict[str, list[str]] = {}
        for name, value in headers:
            if name in multi:
                multi[name].append(value)
            else:
                multi[name] = [value]
        out["multiValueHeaders"] = multi
    else:  # ALB single-value and VPC Lattice: one value per name
        single: dict[str, str] = {}
        cookie_names = iter(_case_variants("set-cookie"))
        for name, value in headers:
            if name.lower() == "set-cookie":
                # One value per name: each cookie goes under another spelling of Set-Cookie.
                single[next(cookie_names)] = value
            else:
                single[name] = f"{single[name]}, {value}" if name in single else value
        out["headers"] = single
    if kind in ("alb", "lattice1", "lattice2"):
        out["statusDescription"] = status
    out["body"], out["isBase64Encoded"] = _body_field(body, content_type, forced_binary)
    return out


# Content-Type -> whether a body of it goes as text (without binary_content_types).
_TEXT_KINDS: dict[str, bool] = {}


def _case_variants(name: str) -> Iterable[str]:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    for mask in range(2 ** len(letters)):
        chars = list(name)
        for bit, index in enumerate(letters):
            if mask >> bit & 1:
                chars[index] = chars[index].upper()
        yield "".join(chars)
