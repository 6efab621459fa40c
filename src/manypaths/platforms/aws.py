"""AWS Lambda: every HTTP event shape to a WSGI environ, and the response back in the same style.

Shapes: API Gateway REST API (payload 1.0), HTTP API (payload 2.0), ALB (single- and
multi-value headers), Lambda Function URL, VPC Lattice v1 and v2. The raw event and context
reach the app as ``environ["manypaths.aws.event"]`` and ``environ["manypaths.aws.context"]``.
"""

from __future__ import annotations

import base64
import io
import sys
from urllib.parse import quote, unquote

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

    def handler(event: dict[str, Any], context: Any) -> dict[str, Any]:
        if isinstance(event, dict) and ("Records" in event or "detail-type" in event or "awslogs" in event):
            # A queue, storage, stream or schedule event: to the App's event handlers (manypaths.events),
            # never an HTTP-shaped answer. No HTTP event has these keys.
            route = getattr(wsgi_app, "handle_event", None)
            if route is None:
                raise UnsupportedEvent(f"a non-HTTP event (keys {sorted(event)[:8]}) reached a WSGI/ASGI app "
                                       "without event handlers; register them on a manypaths App (app.on_sqs...)")
            return route(event, context)  # type: ignore[no-any-return]
        kind = detect(event)
        try:
            environ = _environ(kind, event, context, base)
        except (BadEventBody, TypeError, AttributeError, ValueError) as e:
            # A body marked base64 that is not, or a value no real event holds (a number for a path,
            # a string for a list): answer 400 in the event's style, never crash the invocation.
            reason = str(e) if isinstance(e, BadEventBody) else f"The {kind} event is malformed: {e}"
            return _response(kind, event, "400 Bad Request", [("Content-Type", "text/plain; charset=utf-8")],
                             f"{reason}\n".encode(), forced_binary)
        status, headers, body = call_wsgi(served, environ)
        result = _response(kind, event, status, headers, body, forced_binary)
        size = len(result.get("body") or "") + sum(len(k) + len(str(v)) for k, v in (result.get("headers") or {}).items())
        if size > RESPONSE_LIMIT:
            # Lambda would fail the invocation with its own error (a 502 from API Gateway with no
            # clue): answer a 500 that names the limit, and log it.
            import logging

            message = (f"The response ({size:,} bytes as Lambda sends it, body {len(body):,} bytes before encoding) "
                       f"exceeds AWS Lambda's {RESPONSE_LIMIT:,}-byte response payload limit for buffered "
                       "responses; send large content from S3 (a presigned URL) or page it.")
            logging.getLogger("manypaths.aws").error("%s %s: %s", environ.get("REQUEST_METHOD"),
                                                     environ.get("PATH_INFO"), message)
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
    if isinstance(event, dict):
        context = event.get("requestContext")
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
    keys = sorted(event) if isinstance(event, dict) else type(event).__name__
    raise UnsupportedEvent(
        "Not an HTTP event: expected API Gateway REST (httpMethod, path), HTTP API or Function URL "
        "(version 2.0, rawPath, requestContext.http), ALB (requestContext.elb), or VPC Lattice "
        f"(raw_path / version 2.0 with method and path); got {keys}"
    )


def _text(value: Any, what: str, default: str = "") -> str:
    # A value events hold as a string; anything else is a malformed event (a 400, see handler).
    if value is None:
        return default
    if not isinstance(value, str):
        raise TypeError(f"{what} must be a string, not {type(value).__name__}")
    return value


def _environ(kind: str, event: dict[str, Any], context: Any, base: str) -> dict[str, Any]:
    ctx = event.get("requestContext") or {}
    if not isinstance(ctx, dict):
        raise TypeError(f"requestContext must be an object, not {type(ctx).__name__}")
    headers: list[tuple[str, str]] = []
    script_name = ""
    if kind == "v1":
        method = _text(event["httpMethod"], "httpMethod")
        path = _text(event["path"], "path") or "/"
        headers = _header_pairs(event.get("multiValueHeaders"), event.get("headers"))
        query = _encode_query(event.get("multiValueQueryStringParameters") or event.get("queryStringParameters"))
        identity = ctx.get("identity") or {}
        remote = identity.get("sourceIp") if isinstance(identity, dict) else None
        # requestContext.path is what the client asked for (with the stage, or a base-path mapping).
        full = _text(ctx.get("path"), "requestContext.path")
        stage = _text(ctx.get("stage"), "requestContext.stage")
        if full and full != path and full.endswith(path.rstrip("/") or "/"):
            script_name = full[: len(full) - len(path.rstrip("/") or "/")].rstrip("/")
        elif stage and stage != "$default" and _is_execute_api(ctx.get("domainName")):
            script_name = "/" + stage
    elif kind == "v2":
        http = ctx.get("http") or {}
        if not isinstance(http, dict):
            raise TypeError("requestContext.http must be an object")
        method = _text(http.get("method"), "requestContext.http.method", "GET")
        raw_path = _text(event.get("rawPath"), "rawPath") or "/"
        headers = _header_pairs(None, event.get("headers"))
        cookies = event.get("cookies")
        if cookies:
            if not isinstance(cookies, list):
                raise TypeError("cookies must be a list of strings")
            headers.append(("cookie", "; ".join(_text(c, "a cookie") for c in cookies)))
        # The raw query as the client sent it: as a WSGI server passes it (bytes as latin-1 code points).
        query = _to_wsgi(_text(event.get("rawQueryString"), "rawQueryString"))
        remote = http.get("sourceIp")
        stage = _text(ctx.get("stage"), "requestContext.stage")
        # A named stage shows in rawPath: move it to SCRIPT_NAME, on a segment boundary of the raw
        # path (so "/%70rod/x" is not taken for stage "prod").
        if stage and stage != "$default":
            raw_path, script_name = _take_prefix(raw_path, "/" + stage)
        path = unquote(raw_path)
    elif kind == "alb":
        method = _text(event["httpMethod"], "httpMethod")
        path = unquote(_text(event.get("path"), "path") or "/")
        headers = _header_pairs(event.get("multiValueHeaders"), event.get("headers"))
        # ALB passes query parameters as the client sent them: already encoded.
        params = event.get("multiValueQueryStringParameters") or event.get("queryStringParameters") or {}
        if not isinstance(params, dict):
            raise TypeError("the query string parameters must be an object")
        query = _to_wsgi("&".join(f"{k}={v}" for k, values in params.items() for v in _listed(values)))
        remote = None
    elif kind == "lattice2":
        method = _text(event["method"], "method")
        path = unquote(_text(event["path"], "path").split("?", 1)[0] or "/")
        headers = _header_pairs(None, event.get("headers"))
        query = _encode_query(event.get("queryStringParameters"))
        remote = None
    else:  # lattice1
        method = _text(event["method"], "method")
        raw = _text(event["raw_path"], "raw_path")
        path = unquote(raw.split("?", 1)[0] or "/")
        headers = _header_pairs(None, event.get("headers"))
        query = _to_wsgi(raw.split("?", 1)[1]) if "?" in raw else _encode_query(event.get("query_string_parameters"))
        remote = None

    if base:
        path, taken = _take_prefix(path, base)
        script_name = script_name + (taken or base)

    body = _body(event, kind)
    lower = {k.lower(): v for k, v in headers}
    forwarded = lower.get("x-forwarded-for", "")
    if remote is None:
        # ALB and VPC Lattice append the address they saw to X-Forwarded-For: the last entry is the
        # one the client cannot forge (the first is whatever the client sent).
        remote = forwarded.split(",")[-1].strip() or "127.0.0.1"
    remote = str(remote).split("/")[0]  # API Gateway may send "1.2.3.4/32"
    host = lower.get("host") or ctx.get("domainName") or "localhost"
    scheme = lower.get("x-forwarded-proto", "https").split(",")[0].strip() or "https"
    port = lower.get("x-forwarded-port", "443" if scheme == "https" else "80")
    if not method or not _TOKEN.issuperset(method):
        raise ValueError(f"the HTTP method {method[:20]!r} is not a method")
    if not path.startswith("/"):
        path = "/" + path
    if script_name and not script_name.startswith("/"):
        script_name = "/" + script_name
    environ: dict[str, Any] = {
        "REQUEST_METHOD": str(method).upper(),
        "SCRIPT_NAME": _to_wsgi(script_name),
        "PATH_INFO": _to_wsgi(path),
        "QUERY_STRING": query,
        "SERVER_NAME": host.split(":")[0],
        "SERVER_PORT": str(port),
        "SERVER_PROTOCOL": str((ctx.get("http") or {}).get("protocol") or ctx.get("protocol") or "HTTP/1.1"),
        "REMOTE_ADDR": remote,
        "CONTENT_LENGTH": str(len(body)),
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": scheme,
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": False,
        "wsgi.run_once": False,
        "manypaths.aws.event": event,
        "manypaths.aws.context": context,
        # The names serverless-wsgi uses, so apps written for it keep working.
        "serverless.event": event,
        "serverless.context": context,
    }
    keys = _CGI_KEYS
    for name, value in headers:
        value = _to_wsgi(value)  # PEP 3333: header values are latin-1 code points of the bytes
        key = keys.get(name) or _cgi_key(name)
        if key == "CONTENT_TYPE":
            environ["CONTENT_TYPE"] = value
        elif key == "CONTENT_LENGTH" or key == "-":
            continue  # the decoded body's length counts, not the client's header
        else:
            if key in environ:
                sep = "; " if key == "HTTP_COOKIE" else ", "
                environ[key] = environ[key] + sep + value
            else:
                environ[key] = value
    environ.setdefault("HTTP_HOST", _to_wsgi(host))
    environ["SERVER_NAME"] = _to_wsgi(environ["SERVER_NAME"]) or "localhost"
    if not environ["SERVER_PORT"].isdigit():
        environ["SERVER_PORT"] = "443" if scheme == "https" else "80"
    if scheme not in ("http", "https"):
        environ["wsgi.url_scheme"] = "https"
    environ["REMOTE_ADDR"] = _to_wsgi(environ["REMOTE_ADDR"])
    return environ


def _listed(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _header_pairs(multi: Any, single: Any) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    source = multi if isinstance(multi, dict) and multi else single if isinstance(single, dict) else None
    if source:
        keys = _CGI_KEYS
        for name, values in source.items():
            name = name if type(name) is str else str(name)
            # Names that cannot be CGI variables (empty, or with characters outside a token) are
            # dropped, as WSGI servers drop them.
            if (keys.get(name) or _cgi_key(name)) == "-":
                continue
            if type(values) is str:
                pairs.append((name, values))
            else:
                pairs.extend([(name, v) for v in _listed(values)])
    return pairs


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
    if not isinstance(params, dict):
        return ""
    # Most parameters need no escaping: checking is much cheaper than urlencode's quote().
    return "&".join(f"{_q(str(k))}={_q(v)}" for k, values in params.items() for v in _listed(values))


_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _q(text: str) -> str:
    return text if _UNRESERVED.issuperset(text) else quote(text, safe="")


def _take_prefix(path: str, prefix: str) -> tuple[str, str]:
    """``path`` without ``prefix`` and the prefix taken, if it starts the path on a segment boundary."""
    if path == prefix or path.startswith(prefix + "/"):
        return path[len(prefix):] or "/", prefix
    return path, ""


def _is_execute_api(domain: Any) -> bool:
    return isinstance(domain, str) and ".execute-api." in domain


def _to_wsgi(text: str) -> str:
    # ASCII text is its own latin-1 transcoding (the common case: no copy).
    return text if text.isascii() else text.encode("utf-8").decode("latin-1")


def _body(event: dict[str, Any], kind: str) -> bytes:
    raw = event.get("body")
    if raw is None:
        return b""
    if not isinstance(raw, str):
        # Events carry the body as text (base64 for binary); an int must not become that many zero bytes.
        raise BadEventBody(f"The event's body must be a string, not {type(raw).__name__}.")
    encoded = event.get("is_base64_encoded") if kind == "lattice1" else event.get("isBase64Encoded")
    if encoded:
        try:
            return base64.b64decode(raw, validate=True)
        except (ValueError, TypeError) as e:
            raise BadEventBody(f"The request body is marked base64 but does not decode: {e}") from None
    return raw.encode("utf-8", "surrogatepass")


def _is_text(content_type: str, forced_binary: frozenset[str]) -> bool:
    mimetype = content_type.split(";", 1)[0].strip().lower()
    if mimetype in forced_binary:
        return False
    return mimetype.startswith(TEXT_TYPES) or mimetype.endswith(("+json", "+xml")) or not mimetype


def _response(kind: str, event: dict[str, Any], status: str, headers: list[tuple[str, str]], body: bytes,
              forced_binary: frozenset[str]) -> dict[str, Any]:
    code = int(status.split(" ", 1)[0])
    content_type = next((v for k, v in headers if k.lower() == "content-type"), "")
    as_text = _is_text(content_type, forced_binary)
    if as_text:
        try:
            text = body.decode("utf-8")
        except UnicodeDecodeError:
            as_text = False
    out: dict[str, Any] = {"statusCode": code}
    if kind == "v2":
        joined: dict[str, str] = {}
        cookies: list[str] = []
        for name, value in headers:
            if name.lower() == "set-cookie":
                cookies.append(value)
            else:
                key = name.lower()
                joined[key] = f"{joined[key]},{value}" if key in joined else value
        out["headers"] = joined
        if cookies:
            out["cookies"] = cookies
    elif kind == "v1" or (kind == "alb" and "multiValueHeaders" in event):
        multi: dict[str, list[str]] = {}
        for name, value in headers:
            multi.setdefault(name, []).append(value)
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
    out["body"] = text if as_text else base64.b64encode(body).decode("ascii")
    out["isBase64Encoded"] = not as_text
    return out


def _case_variants(name: str) -> Iterable[str]:
    letters = [i for i, c in enumerate(name) if c.isalpha()]
    for mask in range(2 ** len(letters)):
        chars = list(name)
        for bit, index in enumerate(letters):
            if mask >> bit & 1:
                chars[index] = chars[index].upper()
        yield "".join(chars)
