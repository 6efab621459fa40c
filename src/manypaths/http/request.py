"""The request: a lazy view of a WSGI environ; nothing is parsed until it is read."""

from __future__ import annotations

from .datastructures import EnvironHeaders, FileStorage, MultiDict, ascii_number
from .exceptions import (
    BadRequest,
    LengthRequired,
    RequestEntityTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
)

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterator
    from typing import IO, Any

    from ..app import App
    from ..context import AppGlobals
    from ..routing import Rule

_UNSET: Any = object()
# Far beyond any real form or query string; a flood of fields is refused, not parsed.
MAX_FIELDS = 1000
#: The default largest body read into memory (``Request.max_buffered_content_length``): 16 MiB.
DEFAULT_MAX_BUFFERED = 16 * 1024 * 1024


def wsgi_to_text(value: str) -> str:
    """A WSGI string (latin-1 code points for raw bytes) as text, decoding UTF-8."""
    if value.isascii():
        return value
    try:
        return value.encode("latin-1").decode("utf-8", "replace")
    except UnicodeEncodeError:  # a server that already decoded it
        return value


def _text(value: Any) -> str | None:
    # A header from the environ as text (UTF-8 decoded), None when absent.
    return None if value is None else wsgi_to_text(str(value))


def _items(text: str | None) -> frozenset[str]:
    # A comma-separated header's items.
    return frozenset(item.strip() for item in (text or "").split(",") if item.strip())


def _header(key: str, parser: Callable[[str | None], Any] | str | None, doc: str) -> Any:
    # A property: the environ's ``key`` as text, through ``parser`` when there is one: a function, or
    # the name of one in http.caching (imported when first read).
    def get(self: Request) -> Any:
        text = _text(self.environ.get(key))
        if parser is None:
            return text
        if isinstance(parser, str):
            from . import caching

            return getattr(caching, parser)(text)
        return parser(text)

    return property(get, doc=doc)


class UserAgent(str):
    """The ``User-Agent`` header: its text (a str), with werkzeug's attributes: ``string``,
    ``to_header()``, and ``platform``, ``browser``, ``version`` and ``language``, None as in werkzeug
    since 2.0, which no longer parses them (``Request.user_agent_class``: a subclass that does)."""

    platform: str | None = None
    browser: str | None = None
    version: str | None = None
    language: str | None = None

    @property
    def string(self) -> str:
        return str.__str__(self)

    def to_header(self) -> str:
        return str.__str__(self)


class Request:
    """The current request, over its WSGI ``environ``.

    ``args``, ``form``, ``files``, ``json``, ``cookies`` and ``headers`` are parsed on first
    read; a malformed body or query answers 400 (413 past ``max_content_length``).
    """

    #: The largest body read (bytes), streams included, or None for no limit;
    #: ``App(max_content_length=...)`` (``MAX_CONTENT_LENGTH``) sets it.
    max_content_length: int | None = None
    #: The largest body read into memory (``get_data``, ``json``, a urlencoded ``form``, a typed
    #: view's body): 16 MiB unless the app's ``MAX_BUFFERED_CONTENT_LENGTH`` says otherwise (None: no
    #: limit). Streamed reads (``stream``, multipart files spooled to disk) are not bounded by it.
    max_buffered_content_length: int | None = DEFAULT_MAX_BUFFERED
    #: A non-file form field larger than this (bytes) answers 413, and an upload larger than this is
    #: spooled to a temporary file instead of memory: werkzeug's default, 500,000
    #: (``MAX_FORM_MEMORY_SIZE``; None: fields unbounded).
    max_form_memory_size: int | None = 500_000
    #: At most this many fields and files in a multipart form (413 past it): werkzeug's 1,000 (``MAX_FORM_PARTS``).
    max_form_parts: int | None = MAX_FIELDS
    #: The App handling the request (set before dispatch; None for a Request made by hand).
    app: App | None = None
    _g: AppGlobals | None = None  # the request's ``g``, made on first use

    #: A driver's coroutine function that receives the body into ``environ`` (ASGI served on the
    #: loop): awaited by the app once routing found a view, so a miss never reads the body.
    body_pending: Callable[[Request], Awaitable[None]] | None = None

    #: The session, once something read it (``manypaths.session``); saved after the view.
    session_obj: Any = None
    #: True once a session or an ``after_this_request`` function needs the view's Response (one
    #: check on the fast road for both).
    post_view = False
    #: Functions ``after_this_request`` added: run on this request's response (None: none).
    after_this: list[Callable[..., Any]] | None = None

    _token: Any = None  # the context variable's token while the request is the current one (dispatch.begin)

    #: What routing matched: the view's arguments, its endpoint and its Rule (None before, or on a miss).
    view_args: dict[str, Any] | None = None
    endpoint: Any = None
    url_rule: Rule | None = None

    def __init__(self, environ: dict[str, Any]) -> None:
        self.environ = environ
        self._cache: dict[str, Any] = {}

    def _cached(self, key: str, make: Callable[[], Any]) -> Any:
        cache = self._cache
        if key not in cache:
            cache[key] = make()
        return cache[key]

    # -- where the request went ---------------------------------------------------------------

    @property
    def id(self) -> str:
        """This request's id: Lambda's ``aws_request_id``, else the trace id of a ``traceparent`` or
        ``X-Cloud-Trace-Context`` header (Cloud Functions, Cloud Run), else a random 32-hex id."""
        found = self._cache.get("id")
        if found is None:
            found = self._cache["id"] = request_id(self.environ)
        return str(found)

    @property
    def trace_id(self) -> str | None:
        """The W3C/Cloud trace id the request carries (``traceparent`` or ``X-Cloud-Trace-Context``), if any."""
        return self._cached("trace_id", lambda: trace_id(self.environ))  # type: ignore[no-any-return]

    @property
    def method(self) -> str:
        return str(self.environ.get("REQUEST_METHOD", "GET")).upper()

    @property
    def path(self) -> str:
        """The path below the app's root, percent-decoded (``/users/42``)."""
        path = self._cache.get("path")
        if path is None:
            raw = wsgi_to_text(self.environ.get("PATH_INFO", ""))
            path = self._cache["path"] = raw if raw[:1] == "/" and raw[1:2] != "/" else "/" + raw.lstrip("/")
        return path

    @property
    def script_root(self) -> str:
        """Where the app is mounted (``SCRIPT_NAME``), without a trailing slash."""
        return wsgi_to_text(self.environ.get("SCRIPT_NAME", "")).rstrip("/")

    @property
    def query_string(self) -> bytes:
        return str(self.environ.get("QUERY_STRING", "")).encode("latin-1", "replace")

    @property
    def full_path(self) -> str:
        return f"{self.path}?{self.query_string.decode('latin-1')}"

    @property
    def scheme(self) -> str:
        return str(self.environ.get("wsgi.url_scheme", "http"))

    @property
    def is_secure(self) -> bool:
        return self.scheme in ("https", "wss")

    @property
    def host(self) -> str:
        """The Host header (or SERVER_NAME and a non-default port), without characters a URL cannot hold."""
        return str(self._cached("host", self._host))

    def _host(self) -> str:
        env = self.environ
        host = str(env.get("HTTP_HOST", ""))
        if not host or any(c in host for c in " \t\r\n/\\?#@<>\"'"):
            host = str(env.get("SERVER_NAME", "localhost"))
            port = str(env.get("SERVER_PORT", ""))
            if port and (self.scheme, port) not in (("http", "80"), ("https", "443")):
                host = f"{host}:{port}"
        return host

    @property
    def root_url(self) -> str:
        return f"{self.scheme}://{self.host}{_quote_path(self.script_root)}/"

    url_root = root_url

    @property
    def host_url(self) -> str:
        return f"{self.scheme}://{self.host}/"

    @property
    def base_url(self) -> str:
        """The URL without the query string."""
        return f"{self.scheme}://{self.host}{_quote_path(self.script_root + self.path)}"

    @property
    def url(self) -> str:
        """The full URL the client asked for."""
        qs = self.environ.get("QUERY_STRING", "")
        return self.base_url + (f"?{qs}" if qs else "")

    @property
    def remote_addr(self) -> str | None:
        addr = self.environ.get("REMOTE_ADDR")
        return None if addr is None else str(addr)

    @property
    def headers(self) -> EnvironHeaders:
        return self._cached("headers", lambda: EnvironHeaders(self.environ))  # type: ignore[no-any-return]

    #: The class ``user_agent`` is made with, from the header's text (werkzeug's name).
    user_agent_class: Any = UserAgent

    @property
    def user_agent(self) -> Any:
        """The ``User-Agent`` header (a ``UserAgent``: its text, with werkzeug's ``.string``...)."""
        return self.user_agent_class(str(self.environ.get("HTTP_USER_AGENT", "")))

    # -- query, cookies ------------------------------------------------------------------------

    @property
    def args(self) -> MultiDict:
        """The query string's values (``request.args.get("page", 1, type=int)``)."""
        return self._cached("args", lambda: parse_qs(str(self.environ.get("QUERY_STRING", ""))))  # type: ignore[no-any-return]

    @property
    def cookies(self) -> dict[str, str]:
        """The request's cookies (the first of a repeated name wins)."""
        return self._cached("cookies", lambda: parse_cookie(str(self.environ.get("HTTP_COOKIE", ""))))  # type: ignore[no-any-return]

    # -- body -----------------------------------------------------------------------------------

    @property
    def content_type(self) -> str:
        return str(self.environ.get("CONTENT_TYPE", ""))

    @property
    def mimetype(self) -> str:
        return self.content_type.split(";", 1)[0].strip().lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        params = {}
        for item in self.content_type.split(";")[1:]:
            key, _, value = item.strip().partition("=")
            if key:
                params[key.lower()] = value.strip().strip('"')
        return params

    @property
    def content_length(self) -> int | None:
        return declared_length(self.environ)

    @property
    def stream(self) -> IO[bytes]:
        """The body stream, limited to Content-Length (read it once; or use ``get_data``)."""
        return self._cached("stream", self._stream)  # type: ignore[no-any-return]

    def _stream(self) -> IO[bytes]:
        return body_stream(self.environ, self.content_length, self.max_content_length)

    def _buffered_limit(self) -> int | None:
        app = self.app
        if app is not None:
            return app.config.get("MAX_BUFFERED_CONTENT_LENGTH", self.max_buffered_content_length)
        return self.max_buffered_content_length

    def get_data(self, cache: bool = True, as_text: bool = False, parse_form_data: bool = False) -> Any:
        """The whole body, as bytes (or text with ``as_text=True``); 413 past the buffered limit."""
        data = self._cache.get("data")
        if data is None:
            if "form" in self._cache and self.mimetype == "multipart/form-data":
                data = b""  # the multipart parser consumed the stream
            else:
                limit = self._buffered_limit()
                if limit is None:
                    data = self.stream.read()
                else:
                    length = self.content_length
                    if length is not None and length > limit:
                        raise RequestEntityTooLarge(f"The body is {length} bytes; the limit is {limit}.")
                    data = _read_at_most(self.stream, limit)
            if cache:
                self._cache["data"] = data
        return data.decode("utf-8", "replace") if as_text else data

    @property
    def data(self) -> bytes:
        return self.get_data()  # type: ignore[no-any-return]

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == "application/json" or (mimetype.startswith("application/") and mimetype.endswith("+json"))

    @property
    def json(self) -> Any:
        """The body parsed as JSON (415 if the content type is not JSON, 400 if it is malformed)."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False, cache: bool = True) -> Any:
        """Parse the body as JSON.

        Args:
            force: parse whatever the content type.
            silent: return None instead of answering 400/415.
        """
        key = "json"
        if cache and key in self._cache:
            return self._cache[key]
        if not (force or self.is_json):
            return None if silent else self.on_json_loading_failed(None)
        data = self.get_data()
        try:
            if self.app is not None and not self.app._json_stock:
                value = self.app.json.loads(data)  # a provider of the app's own
            else:
                import json

                value = json.loads(data)
        except (ValueError, RecursionError) as e:  # malformed, not UTF-8, or nested too deep
            if silent:
                return None
            return self.on_json_loading_failed(e)
        if cache:
            self._cache[key] = value
        return value

    def on_json_loading_failed(self, e: Exception | None) -> Any:
        """What ``get_json`` does with a body that is not JSON (``e``: the parser's error) or a content
        type that is not (``e`` None): 400 or 415. Override it in a Request subclass to answer
        otherwise, as in Flask; what it returns, ``get_json`` returns."""
        if e is None:
            raise UnsupportedMediaType(
                "Did not attempt to load JSON data because the request Content-Type was not 'application/json'.")
        # The parser's message (line, column, what it expected) only in debug mode, as Flask.
        detail = f": {e}" if self.app is not None and self.app.debug else "."
        raise BadRequest(f"Failed to decode JSON object{detail}") from None

    @property
    def form(self) -> MultiDict:
        """Fields of a urlencoded or multipart body."""
        return self._parse_form()[0]

    @property
    def files(self) -> MultiDict:
        """Uploaded files (``FileStorage``) of a multipart body."""
        return self._parse_form()[1]

    @property
    def values(self) -> MultiDict:
        """``args`` and ``form`` together."""
        both = MultiDict(self.args.items(multi=True))
        for key, value in self.form.items(multi=True):
            both.add(key, value)
        return both

    def _parse_form(self) -> tuple[MultiDict, MultiDict]:
        cached = self._cache.get("form")
        if cached is not None:
            return cached  # type: ignore[no-any-return]
        mimetype = self.mimetype
        if mimetype == "application/x-www-form-urlencoded":
            result = (parse_qs(self.get_data().decode("latin-1")), MultiDict())
        elif mimetype == "multipart/form-data" and "data" not in self._cache:
            from .multipart import parse_multipart

            memory, parts = self.max_form_memory_size, self.max_form_parts
            app = self.app
            if app is not None:
                memory = app.config.get("MAX_FORM_MEMORY_SIZE", memory)
                parts = app.config.get("MAX_FORM_PARTS", parts)
            result = parse_multipart(self.stream, self.mimetype_params.get("boundary", ""), self.content_length,
                                     max_memory=memory, max_parts=parts)
        else:
            result = (MultiDict(), MultiDict())
        self._cache["form"] = result
        return result

    # -- Flask's and werkzeug's other request attributes --------------------------------------------

    @property
    def referrer(self) -> str | None:
        """The ``Referer`` header."""
        return self.headers.get("Referer")  # type: ignore[no-any-return]

    # -- headers werkzeug users reach for (parsed when read) ---------------------------------

    origin = _header("HTTP_ORIGIN", None, "The ``Origin`` header (a CORS or a form post's origin).")
    content_encoding = _header("HTTP_CONTENT_ENCODING", None, "The ``Content-Encoding`` header.")
    content_md5 = _header("HTTP_CONTENT_MD5", None, "The ``Content-MD5`` header.")
    remote_user = _header("REMOTE_USER", None, "``REMOTE_USER``: the user a server in front authenticated.")
    access_control_request_method = _header("HTTP_ACCESS_CONTROL_REQUEST_METHOD", None,
                                            "A CORS preflight's ``Access-Control-Request-Method``.")
    access_control_request_headers = _header("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", _items,
                                             "A CORS preflight's ``Access-Control-Request-Headers``, as a set.")
    pragma = _header("HTTP_PRAGMA", _items, "The ``Pragma`` header's items, as a set.")
    max_forwards = _header("HTTP_MAX_FORWARDS", ascii_number, "``Max-Forwards`` as a number (None: absent or not digits).")
    date = _header("HTTP_DATE", "parse_date", "The ``Date`` header as an aware datetime (None: absent or not a date).")
    if_modified_since = _header("HTTP_IF_MODIFIED_SINCE", "parse_date", "``If-Modified-Since`` as an aware datetime.")
    if_unmodified_since = _header("HTTP_IF_UNMODIFIED_SINCE", "parse_date",
                                  "``If-Unmodified-Since`` as an aware datetime.")
    if_match = _header("HTTP_IF_MATCH", "parse_etags",
                       "``If-Match`` as ETags: ``\"v1\" in request.if_match``, ``.star_tag``, ``.contains_weak(tag)``.")
    if_none_match = _header("HTTP_IF_NONE_MATCH", "parse_etags", "``If-None-Match`` as ETags (see ``if_match``).")
    if_range = _header("HTTP_IF_RANGE", "parse_if_range", "``If-Range``: ``.etag`` or ``.date``.")
    range = _header("HTTP_RANGE", "parse_range",
                    "``Range`` (``.units``, ``.ranges``, ``.range_for_length(n)``), None when absent or malformed.")
    cache_control = _header("HTTP_CACHE_CONTROL", "RequestCacheControl",
                            "The request's ``Cache-Control`` (``no_cache``, ``max_age``...), read-only.")

    @property
    def input_stream(self) -> IO[bytes]:
        """The server's own input (``wsgi.input``), unbounded: prefer ``stream``."""
        return self.environ["wsgi.input"]  # type: ignore[no-any-return]

    @property
    def is_multithread(self) -> bool:
        return bool(self.environ.get("wsgi.multithread"))

    @property
    def is_multiprocess(self) -> bool:
        return bool(self.environ.get("wsgi.multiprocess"))

    @property
    def is_run_once(self) -> bool:
        return bool(self.environ.get("wsgi.run_once"))

    @property
    def routing_exception(self) -> Exception | None:
        """What matching the URL raised (NotFound, MethodNotAllowed, a redirect), or None when it
        matched: for before-request hooks, which run before the error is answered (as Flask's)."""
        found = self._cache.get("routing_exception")
        if isinstance(found, type):  # the router's plain miss: its error made now that it is read
            found = self._cache["routing_exception"] = found()
        return found

    @routing_exception.setter
    def routing_exception(self, value: Exception | None) -> None:
        self._cache["routing_exception"] = value

    @property
    def access_route(self) -> list[str]:
        """The client's address and the proxies' (``X-Forwarded-For``, then ``REMOTE_ADDR``): as sent, for
        logging only — only ``remote_addr`` under ``trusted_proxies`` is a trusted address."""
        forwarded = self.headers.get("X-Forwarded-For")
        if forwarded:
            return [part.strip() for part in forwarded.split(",") if part.strip()]
        return [self.remote_addr] if self.remote_addr else []

    @property
    def authorization(self) -> Any:
        """The ``Authorization`` header parsed (``.type``: "basic", "bearer", "digest"...; ``.username``,
        ``.password``, ``.token``, ``["param"]``), or None when absent or malformed."""
        Authorization = (_auth or _load_auth()).Authorization
        return self._cached("authorization", lambda: Authorization.from_header(self.headers.get("Authorization")))

    @property
    def accept_mimetypes(self) -> Any:
        """The ``Accept`` header: ``best_match(["application/json", "text/html"])``, ``quality(...)``, ``in``,
        ``accept_json``, ``accept_html``."""
        MIMEAccept = (_auth or _load_auth()).MIMEAccept
        return self._cached("accept", lambda: MIMEAccept.parse(self.headers.get("Accept")))

    @property
    def accept_charsets(self) -> Any:
        """The ``Accept-Charset`` header (``best_match``, ``quality``, ``in``)."""
        Accept = (_auth or _load_auth()).Accept
        return self._cached("accept_charset", lambda: Accept.parse(self.headers.get("Accept-Charset")))

    @property
    def accept_languages(self) -> Any:
        """The ``Accept-Language`` header (``best_match(["en", "fr"])``: ``en-US`` matches ``en``)."""
        LanguageAccept = (_auth or _load_auth()).LanguageAccept
        return self._cached("accept_language", lambda: LanguageAccept.parse(self.headers.get("Accept-Language")))

    @property
    def accept_encodings(self) -> Any:
        """The ``Accept-Encoding`` header (``best_match``, ``quality``, ``in``)."""
        Accept = (_auth or _load_auth()).Accept
        return self._cached("accept_encoding", lambda: Accept.parse(self.headers.get("Accept-Encoding")))

    @property
    def blueprint(self) -> str | None:
        """The name of the blueprint of the matched endpoint (``"admin.users"`` for ``admin.users.edit``)."""
        endpoint = self.endpoint
        if isinstance(endpoint, str) and "." in endpoint:
            return endpoint.rpartition(".")[0]
        return None

    @property
    def blueprints(self) -> list[str]:
        """The blueprint and its parents, innermost first (``["admin.users", "admin"]``)."""
        name = self.blueprint
        if name is None:
            return []
        parts = name.split(".")
        return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]

    def close(self) -> None:
        """Close uploaded files' temporary storage."""
        form = self._cache.get("form")
        if form is not None:
            for _, f in form[1].items(multi=True):
                f.close()

    def __repr__(self) -> str:
        return f"<Request {self.method} {self.path!r}>"


def _read_at_most(stream: IO[bytes], limit: int) -> bytes:
    # The rest of ``stream``, or 413 as soon as more than ``limit`` bytes arrived (never buffered).
    chunks: list[bytes] = []
    size = 0
    while True:
        chunk = stream.read(min(limit + 1 - size, 1 << 20))
        if not chunk:
            return b"".join(chunks)
        size += len(chunk)
        if size > limit:
            raise RequestEntityTooLarge(f"The body exceeds the limit of {limit} bytes.")
        chunks.append(chunk)


def declared_length(environ: dict[str, Any]) -> int | None:
    """The request's CONTENT_LENGTH as a number, None when there is none; 400 unless it is ASCII
    digits (``int()`` would also take "+5", "1_0" and other scripts' digits, which no proxy in
    front reads as the same length), 413 for one longer than any body a server reads."""
    raw = environ.get("CONTENT_LENGTH")
    if raw is None or raw == "":
        return None
    text = str(raw).strip(" \t")
    digits = text[1:] if text[:1] == "-" else text
    if not (digits.isascii() and digits.isdigit()):
        raise BadRequest("The Content-Length header is not a number.")
    if digits is not text:
        raise BadRequest("The Content-Length header is negative.")
    if len(text) > 18:
        raise RequestEntityTooLarge("The Content-Length header declares more bytes than any body this server reads.")
    return int(text)


def body_stream(environ: dict[str, Any], length: int | None, limit: int | None) -> IO[bytes]:
    """The body of a WSGI request as a stream that ends where the body ends: ``length`` (the
    declared Content-Length) bytes, or the whole input where the server marks it terminated (a
    chunked body it decoded: ``wsgi.input_terminated``); 413 past ``limit``. A body framed by
    Transfer-Encoding that the server passed on undecoded cannot be read: 411, never an empty body."""
    if length is not None and limit is not None and length > limit:
        raise RequestEntityTooLarge(f"The body is {length} bytes; the limit is {limit}.")
    raw = environ.get("wsgi.input")
    if length is None and not environ.get("wsgi.input_terminated"):
        if environ.get("HTTP_TRANSFER_ENCODING"):
            raise LengthRequired("The body was sent with Transfer-Encoding, which this server does not "
                                 "decode: send it with a Content-Length.")
        raw = None  # no body (reading the input to its end could wait for the next request)
    if raw is None or length == 0:
        import io

        return io.BytesIO()
    return _LimitedStream(raw, length, limit)  # type: ignore[return-value]


def read_body(environ: dict[str, Any], limit: int | None = None) -> bytes:
    """The whole body of a WSGI request, by the rules of ``body_stream`` (400 for one that ends
    before its Content-Length, 413 as soon as more than ``limit`` bytes arrived)."""
    stream = body_stream(environ, declared_length(environ), limit)
    return stream.read() if limit is None else _read_at_most(stream, limit)


class BodyStream:
    """What a request body's stream offers beyond ``read`` and ``readline`` (which a subclass
    gives): ``readlines`` and iteration by line, as a file does (PEP 3333's ``wsgi.input``)."""

    def read(self, size: int | None = -1) -> bytes:
        raise NotImplementedError

    def readline(self, size: int | None = -1) -> bytes:
        raise NotImplementedError

    def readlines(self, hint: int = -1) -> list[bytes]:
        lines, total = [], 0
        while line := self.readline():
            lines.append(line)
            total += len(line)
            if 0 < hint <= total:
                break
        return lines

    def __iter__(self) -> Iterator[bytes]:
        while line := self.readline():
            yield line

    def readable(self) -> bool:
        return True


class _LimitedStream(BodyStream):
    """The request body out of the server's input: ``length`` bytes (None: to the end of an input
    the server terminates), 413 past ``limit`` (never more than one byte past it is taken from the
    server). An input that ends before ``length`` answers 400, a read that times out 408, a reset
    connection 400: a body is never passed on cut short. A read is filled to the size asked (or to
    the end of the body), whatever sizes the server's input returns."""

    def __init__(self, raw: IO[bytes], length: int | None, limit: int | None) -> None:
        self._raw = raw
        self._left = length
        self._limit = limit
        self._read = 0

    def _pull(self, size: int, line: bool) -> bytes:
        try:
            if not line:
                return self._raw.read(size)
            readline = getattr(self._raw, "readline", None)
            return readline(size) if readline is not None else self._raw.read(min(size, 1) if size >= 0 else 1)
        except TimeoutError:
            raise RequestTimeout("The client stopped sending the body: the read timed out.") from None
        except ConnectionError:
            raise BadRequest("The client closed the connection before the body arrived.") from None

    def _take(self, size: int | None, line: bool) -> bytes:
        # ``size`` bytes (all: -1), or up to and with the next b"\n" (``line``), of what is left.
        left, limit = self._left, self._limit
        if left is None:  # to the end: never more than one byte past the limit
            want = -1 if limit is None else limit + 1 - self._read
        else:
            want = left
        if size is not None and size >= 0:
            want = size if want < 0 else min(size, want)
        chunks: list[bytes] = []
        got = 0
        while want < 0 or got < want:
            # (to the end: a line as long as it is, other reads 64 KiB at a time)
            chunk = self._pull(want - got if want >= 0 else -1 if line else 65536, line)
            if not chunk:
                if left is not None:
                    raise BadRequest(f"The body ended after {self._read + got} of the {self._read + left} bytes "
                                     "its Content-Length declared.")
                break
            chunks.append(chunk)
            got += len(chunk)
            if line and chunk.endswith(b"\n"):
                break
        self._read += got
        if left is not None:
            self._left = left - got
        if limit is not None and self._read > limit:
            raise RequestEntityTooLarge(f"The body exceeds the limit of {limit} bytes.")
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    def read(self, size: int | None = -1) -> bytes:
        return self._take(size, False)

    def readline(self, size: int | None = -1) -> bytes:
        """The next line of the body, with its b"\\n" (at most ``size`` bytes)."""
        return self._take(size, True)

    def close(self) -> None:
        """Nothing: the server owns its input."""


def parse_qs(query: str) -> MultiDict:
    """A query string (or urlencoded body) as a MultiDict; 400 past ``MAX_FIELDS`` fields."""
    if not query:
        return MultiDict()
    from urllib.parse import unquote

    if query.count("&") >= MAX_FIELDS:
        raise BadRequest(f"Too many fields in the query string or form (the limit is {MAX_FIELDS}).")
    out = MultiDict()
    for piece in query.split("&"):
        if not piece:
            continue
        key, _, value = piece.partition("=")
        # WSGI gives latin-1 code points; percent-escapes decode as UTF-8 (invalid bytes replaced).
        key = unquote(wsgi_to_text(key.replace("+", " ")), errors="replace")
        value = unquote(wsgi_to_text(value.replace("+", " ")), errors="replace")
        out.add(key, value)
    return out


def parse_cookie(header: str) -> dict[str, str]:
    """A Cookie header as a dict; malformed pieces are skipped, quoted values unescaped."""
    cookies: dict[str, str] = {}
    for piece in wsgi_to_text(header).split(";"):
        key, sep, value = piece.partition("=")
        key = key.strip()
        if not sep or not key or key in cookies:
            continue
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] == '"':
            value = _unquote_cookie(value[1:-1])
        cookies[key] = value
    return cookies


_OCTAL_ESCAPE = frozenset("01234567")


def _unquote_cookie(value: str) -> str:
    if "\\" not in value:
        return value
    out = bytearray()
    i = 0
    while i < len(value):
        c = value[i]
        digits = value[i + 1 : i + 4]
        if c == "\\" and len(digits) == 3 and digits[0] in "0123" and _OCTAL_ESCAPE.issuperset(digits):
            out.append(int(digits, 8))  # \\000 to \\377 (a "\\999" or "\\²²²" is not one: kept as text)
            i += 4
        elif c == "\\" and i + 1 < len(value):
            out.extend(value[i + 1].encode())
            i += 2
        else:
            out.extend(c.encode())
            i += 1
    return out.decode("utf-8", "replace")


def _quote_path(path: str) -> str:
    from urllib.parse import quote

    return quote(path, safe="/!$&'()*+,:;=@%")


__all__ = ["DEFAULT_MAX_BUFFERED", "MAX_FIELDS", "FileStorage", "Request", "parse_cookie", "parse_qs", "wsgi_to_text"]


_HEX = frozenset("0123456789abcdefABCDEF")


def trace_id(environ: dict[str, Any]) -> str | None:
    """The trace id of ``traceparent`` (``00-<32 hex>-<16 hex>-<flags>``) or ``X-Cloud-Trace-Context``
    (``<32 hex>/<span>;o=1``); None when neither is there or well-formed."""
    parent = environ.get("HTTP_TRACEPARENT")
    if isinstance(parent, str):
        parts = parent.strip().split("-")
        if len(parts) >= 4 and len(parts[1]) == 32 and _HEX.issuperset(parts[1]) and parts[1].strip("0"):
            return parts[1].lower()
    cloud = environ.get("HTTP_X_CLOUD_TRACE_CONTEXT")
    if isinstance(cloud, str):
        trace = cloud.split("/", 1)[0].strip()
        if len(trace) == 32 and _HEX.issuperset(trace) and trace.strip("0"):
            return trace.lower()
    return None


def request_id(environ: dict[str, Any]) -> str:
    """See ``Request.id``."""
    # dict's own get: Lambda's environ (a dict subclass whose .get is Python's) always holds this key.
    context = dict.get(environ, "manypaths.aws.context")
    aws_id = getattr(context, "aws_request_id", None)
    if isinstance(aws_id, str) and aws_id:
        return aws_id
    found = trace_id(environ)
    if found is not None:
        return found
    import os

    return os.urandom(16).hex()


# manypaths.http.auth once loaded (an import statement per access cost ~2-3 µs of importlib's
# relative-name lookups).
_auth: Any = None


def _load_auth() -> Any:
    global _auth
    from . import auth

    _auth = auth
    return auth
