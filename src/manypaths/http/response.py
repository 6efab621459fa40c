"""The response: a body (text, bytes or a stream), a status and headers, served as WSGI."""

from __future__ import annotations

from .datastructures import Headers, ascii_number
from .exceptions import STATUS_TEXT, escape

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from datetime import datetime, timedelta
    from typing import Any

# The Content-Length texts of the body lengths answered so far (``str(n)`` costs ~1k instructions,
# a lookup ~0.3k; every fast answer has one): the first 4,096 lengths under 1 MiB are kept, so the
# table never grows with what clients send. ``known_length(n) or length_text(n)``.
LENGTH_TEXT: dict[int, str] = {}


# LENGTH_TEXT.get, bound once: for the modules that import the table (CPython 3.11 makes no method
# call of an imported name: ``LENGTH_TEXT.get(n)`` there makes a bound method per call).
known_length = LENGTH_TEXT.get


def length_text(n: int) -> str:
    """``str(n)``, kept in ``LENGTH_TEXT`` while it has room (see there)."""
    text = str(n)
    if n < 1 << 20 and len(LENGTH_TEXT) < 4096:
        LENGTH_TEXT[n] = text
    return text


_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


class HeaderSet(set):  # type: ignore[type-arg]
    """A comma-separated header's items (``Vary``, ``Allow``) as a set that writes the header back when
    changed, as werkzeug's: ``response.vary.add("Cookie")``."""

    def __init__(self, items: Any, on_update: Callable[[HeaderSet], None]) -> None:
        super().__init__(items)
        self._on_update = on_update

    def _changed(self) -> None:
        self._on_update(self)

    def add(self, item: Any) -> None:
        if item not in self:
            super().add(item)
            self._changed()

    def discard(self, item: Any) -> None:
        if item in self:
            super().discard(item)
            self._changed()

    def remove(self, item: Any) -> None:
        super().remove(item)
        self._changed()

    def update(self, *others: Any) -> None:
        super().update(*others)
        self._changed()

    def clear(self) -> None:
        super().clear()
        self._changed()

    def pop(self) -> Any:
        item = super().pop()
        self._changed()
        return item


def _list_header(name: str, doc: str) -> Any:
    # A comma-separated header as a live set of its items (Allow, Vary).
    def get(self: Response) -> HeaderSet:
        def write(items: HeaderSet) -> None:
            if items:
                self._set_list(name, sorted(items))
            elif name in self.headers:
                self.headers.pop(name)

        return HeaderSet(_header_set(self.headers.get(name)), write)

    def set_(self: Response, value: Any) -> None:
        self._set_list(name, value)

    return property(get, set_, doc=doc)


def _text_header(name: str, doc: str) -> Any:
    # A header as its text; None deletes it.
    def get(self: Response) -> str | None:
        return self.headers.get(name)  # type: ignore[no-any-return]

    def set_(self: Response, value: Any) -> None:
        if value is not None and not isinstance(value, str) and hasattr(value, "value"):
            value = value.value  # an enum's value (werkzeug's COOP.SAME_ORIGIN...)
        self._set_or_delete(name, None if value is None else str(value))

    return property(get, set_, doc=doc)


def _seconds_text(value: Any) -> str:
    # An int or a timedelta as delta-seconds text.
    seconds = value.total_seconds() if hasattr(value, "total_seconds") else value
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or seconds < 0:
        raise TypeError(f"expected seconds (an int >= 0 or a timedelta), got {value!r}")
    return str(int(seconds))


class CallbackDict(dict):  # type: ignore[type-arg]
    """A dict that calls ``on_update(self)`` after every change (werkzeug's name): a header's
    parameters kept live, as ``response.mimetype_params``."""

    on_update: Callable[[Any], None] | None

    def __init__(self, initial: Any = None, on_update: Callable[[Any], None] | None = None) -> None:
        super().__init__(initial or ())
        object.__setattr__(self, "on_update", on_update)

    def _changed(self) -> None:
        if self.on_update is not None:
            self.on_update(self)

    def __setitem__(self, key: Any, value: Any) -> None:
        super().__setitem__(key, value)
        self._changed()

    def __delitem__(self, key: Any) -> None:
        super().__delitem__(key)
        self._changed()

    def pop(self, key: Any, *default: Any) -> Any:
        value = super().pop(key, *default)
        self._changed()
        return value

    def update(self, *others: Any, **more: Any) -> None:
        for key, value in dict(*others, **more).items():
            super().__setitem__(key, value)
        self._changed()

    def setdefault(self, key: Any, default: Any = None) -> Any:
        if key not in self:
            self[key] = default
        return self[key]

    def popitem(self) -> tuple[Any, Any]:
        item = super().popitem()
        self._changed()
        return item

    def clear(self) -> None:
        super().clear()
        self._changed()


class ContentSecurityPolicy(CallbackDict):
    """``Content-Security-Policy`` as a dict of directive -> value, with attribute access as werkzeug's
    (``csp.default_src = "'self'"``, ``csp["img-src"]``); every change is written to the header at once.
    A value holding ``;`` (it would start another directive) or a line break is refused."""

    def __init__(self, header: str | None, on_update: Callable[[str | None], None]) -> None:
        super().__init__()
        for item in (header or "").split(";"):
            key, _, value = item.strip().partition(" ")
            if key:
                dict.__setitem__(self, key.lower(), value.strip())
        object.__setattr__(self, "on_update", lambda policy: on_update(policy.to_header() or None))

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.get(name.replace("_", "-"))

    def __setattr__(self, name: str, value: Any) -> None:
        if value is None:
            self.pop(name.replace("_", "-"), None)
        else:
            self[name.replace("_", "-")] = value

    def __delattr__(self, name: str) -> None:
        self.pop(name.replace("_", "-"), None)

    def __setitem__(self, key: str, value: Any) -> None:
        text = str(value)
        if ";" in text or "\r" in text or "\n" in text or ";" in key or " " in key:
            raise ValueError(f"a Content-Security-Policy directive cannot hold ';' or a line break: {key!r} {text!r}")
        super().__setitem__(key.lower(), text)

    def update(self, *others: Any, **more: Any) -> None:
        for key, value in dict(*others, **more).items():
            self[key] = value

    def setdefault(self, key: str, default: Any = "") -> Any:
        return super().setdefault(key, default)

    def to_header(self) -> str:
        return "; ".join(f"{key} {value}" if value else key for key, value in self.items())

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<ContentSecurityPolicy {self.to_header()!r}>"


def _policy_header(name: str, doc: str) -> Any:
    # A Content-Security-Policy header as a live ContentSecurityPolicy; assign a str, a dict or None.
    def get(self: Response) -> ContentSecurityPolicy:
        return ContentSecurityPolicy(self.headers.get(name), lambda text: self._set_or_delete(name, text))

    def set_(self: Response, value: Any) -> None:
        if value is None or isinstance(value, str):
            self._set_or_delete(name, value or None)
        else:
            policy = ContentSecurityPolicy(None, lambda text: self._set_or_delete(name, text))
            policy.update(value)
            self._set_or_delete(name, policy.to_header() or None)

    return property(get, set_, doc=doc)


def _date_header(name: str, doc: str) -> Any:
    # An HTTP-date header as an aware datetime (Last-Modified, Expires).
    def get(self: Response) -> datetime | None:
        parsed: datetime | None = (_caching or _load_caching()).parse_date(self.headers.get(name))
        return parsed

    def set_(self: Response, value: datetime | int | float | None) -> None:
        self._set_or_delete(name, None if value is None else http_date(value))

    return property(get, set_, doc=doc)


class _InitSignature:
    # Response.__signature__: once Response.__init__ is the compiled one, inspect.signature(Response)
    # reads the Python __init__'s parameters here (inspect is imported only when asked).
    def __get__(self, obj: Any, cls: Any) -> Any:
        if obj is not None:
            raise AttributeError("__signature__")
        if cls.__init__ is not _response_init or _response_init is _python_init:
            return None  # a Python __init__ (Response's or a subclass's own): inspect reads it
        import inspect

        signature = inspect.signature(_python_init)
        return signature.replace(parameters=list(signature.parameters.values())[1:])


class Response:
    """An HTTP response.

    Args:
        response: the body: ``str`` (encoded as UTF-8), ``bytes``, or an iterable/generator of
            either, streamed to the client (its ``close()`` is called when the server is done).
        status: an int (``404``) or a status line (``"404 Not Found"``).
        headers: a mapping, pairs, or Headers.
        mimetype: e.g. ``"text/plain"``; text types get ``; charset=utf-8``.
        content_type: the whole Content-Type header (wins over ``mimetype``).
    """

    default_mimetype = "text/html"
    #: The status of a response made without one (werkzeug's name; a subclass may change it).
    default_status = 200
    #: werkzeug's settings, for code that reads them: a relative Location is sent as it is (RFC 9110
    #: allows it; werkzeug's default too since 2.1), and a body held whole gets its Content-Length.
    autocorrect_location_header = False
    automatically_set_content_length = True
    implicit_sequence_conversion = True
    #: The largest Set-Cookie header ``set_cookie`` writes (werkzeug's 4093); None: no check.
    max_cookie_size: int | None = 4093
    # Functions to call on close(); a list once call_on_close() is used.
    _on_close: tuple[Callable[[], Any], ...] | list[Callable[[], Any]] = ()
    _status_code = 200  # (until a status is set)
    _status = "200 OK"

    def __init__(
        self,
        response: str | bytes | Iterable[str | bytes] | None = None,
        status: int | str | None = None,
        headers: Any = None,
        mimetype: str | None = None,
        content_type: str | None = None,
    ) -> None:
        self.response: Iterable[bytes | str]
        if (type(response) is str and status is None and headers is None and mimetype is None
                and content_type is None and type(self) is Response and response.isascii()):
            # Response(text), the form a view returns most: the text kept as given; its headers and
            # body list are made when first read (__getattr__), and the App's drivers answer one
            # nothing has touched as they answer the text itself (dispatch.finish). Not for a
            # subclass (it may read attributes its own way). (The compiled __init__ bound by
            # bind_compiled_init takes any text that has a UTF-8 form.)
            self._text = response
            return
        if type(response) is str and headers is None and content_type is None:
            # The common case (a view returned text): two headers, no bookkeeping.
            kind = mimetype or self.default_mimetype
            _fill(self, response.encode("utf-8"), _CONTENT_TYPES.get(kind) or _with_charset(kind))
            if status is None:
                status = self.default_status
            if status != 200:
                self.status = status
            return
        self.headers = headers if isinstance(headers, Headers) else Headers(headers)
        self.status = self.default_status if status is None else status
        if content_type is None and "Content-Type" not in self.headers:
            content_type = _with_charset(mimetype or self.default_mimetype)
        if content_type is not None:
            self.headers.set("Content-Type", content_type)
        if response is None:
            self.set_data(b"")
        elif isinstance(response, (str, bytes, bytearray)):
            self.set_data(response)
        else:
            self.response = response

    if not TYPE_CHECKING:  # (for the type checker, every other name stays an error)
        def __getattr__(self, name: str) -> Any:
            # Only reached for a name the instance does not have: a Response(text) made by the
            # shortcut in __init__ gets its headers and body list the first time either is read.
            if name == "headers" or name == "response":
                text = self.__dict__.pop("_text", None)
                if text is not None:
                    data = text.encode("utf-8")
                    headers = _new_headers(Headers)
                    kind = self.default_mimetype  # (Response's: a subclass is made the eager way)
                    size = len(data)
                    headers._items = [("Content-Type", _CONTENT_TYPES.get(kind) or _with_charset(kind)),
                                      ("Content-Length", LENGTH_TEXT.get(size) or length_text(size))]
                    state = self.__dict__  # (a body or headers set since are kept)
                    state.setdefault("headers", headers)
                    state.setdefault("response", [data])
                    return state[name]
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    __signature__ = _InitSignature()

    # -- status ------------------------------------------------------------------------------

    @property
    def status(self) -> str:
        """The status line, e.g. ``"200 OK"``."""
        return self._status

    @status.setter
    def status(self, value: int | str) -> None:
        if isinstance(value, int):
            self._status_code = value
            line = _STATUS_LINES.get(value)
            self._status = line if line is not None else f"{value} UNKNOWN"
            return
        text = str(value).strip()
        code, _, reason = text.partition(" ")
        if not (code.isascii() and code.isdigit()) or len(code) != 3 or "\n" in text or "\r" in text:
            raise ValueError(f"invalid status {value!r}: expected an int or a line like '404 Not Found'")
        self._status_code = int(code)
        self._status = text if reason else f"{code} {STATUS_TEXT.get(int(code), 'UNKNOWN')}"

    @property
    def status_code(self) -> int:
        return self._status_code

    @status_code.setter
    def status_code(self, value: int) -> None:
        self.status = value

    # -- body --------------------------------------------------------------------------------

    def set_data(self, value: str | bytes | bytearray) -> None:
        """Replace the body and set Content-Length."""
        data = value.encode("utf-8") if isinstance(value, str) else bytes(value)
        self.response = [data]
        self.headers.set("Content-Length", str(len(data)))  # replaces any earlier one

    def get_data(self, as_text: bool = False) -> Any:
        """The whole body (a stream is read and kept), as bytes or text."""
        if not (isinstance(self.response, list) and all(isinstance(x, bytes) for x in self.response)):
            chunks = list(self.iter_encoded())
            self.close()
            self.response = chunks
        data = b"".join(self.response)
        return data.decode("utf-8", "replace") if as_text else data

    @property
    def data(self) -> bytes:
        """The body as bytes."""
        return self.get_data()  # type: ignore[no-any-return]

    @data.setter
    def data(self, value: str | bytes) -> None:
        self.set_data(value)

    @property
    def text(self) -> str:
        return self.get_data(as_text=True)  # type: ignore[no-any-return]

    @property
    def is_json(self) -> bool:
        mimetype = self.mimetype
        return mimetype == "application/json" or mimetype.endswith("+json")

    @property
    def json(self) -> Any:
        """The body parsed as JSON (None if the body is not JSON)."""
        return self.get_json()

    def get_json(self, force: bool = False, silent: bool = False) -> Any:
        """The body parsed as JSON: None if it is not JSON (unless ``force``) or, with ``silent``, malformed."""
        if not (force or self.is_json):
            return None
        import json

        try:
            return json.loads(self.get_data())
        except ValueError:
            if silent:
                return None
            raise

    @property
    def is_streamed(self) -> bool:
        return not isinstance(self.response, list)

    # -- headers -----------------------------------------------------------------------------

    @property
    def mimetype(self) -> str:
        return str(self.headers.get("Content-Type", "")).split(";", 1)[0].strip().lower()

    @mimetype.setter
    def mimetype(self, value: str) -> None:
        self.headers.set("Content-Type", _with_charset(value))

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")  # type: ignore[no-any-return]

    @content_type.setter
    def content_type(self, value: str) -> None:
        self.headers.set("Content-Type", value)

    @property
    def content_length(self) -> int | None:
        return self.headers.get("Content-Length", type=int)  # type: ignore[no-any-return]

    @property
    def location(self) -> str | None:
        return self.headers.get("Location")  # type: ignore[no-any-return]

    @location.setter
    def location(self, value: str) -> None:
        self.headers.set("Location", value)

    # -- headers werkzeug users reach for ---------------------------------------------------

    allow = _list_header("Allow", "The methods in ``Allow`` (assign an iterable to set them).")
    vary = _list_header("Vary", "The header names in ``Vary`` (assign an iterable to set them).")
    last_modified = _date_header("Last-Modified", "``Last-Modified`` as an aware datetime (assign one, or a timestamp).")
    expires = _date_header("Expires", "``Expires`` as an aware datetime (assign one, or a timestamp).")
    date = _date_header("Date", "``Date`` as an aware datetime (assign one, or a timestamp).")
    content_encoding = _text_header("Content-Encoding", "``Content-Encoding`` (None: not sent).")
    content_location = _text_header("Content-Location", "``Content-Location`` (None: not sent).")
    content_md5 = _text_header("Content-MD5", "``Content-MD5`` (obsolete; None: not sent).")
    content_language = _list_header("Content-Language", "The languages in ``Content-Language``.")
    accept_ranges = _text_header("Accept-Ranges", "``Accept-Ranges`` (``\"bytes\"``; None: not sent).")
    access_control_allow_origin = _text_header("Access-Control-Allow-Origin",
                                               "``Access-Control-Allow-Origin`` (the CORS option sets it for you).")
    access_control_allow_methods = _list_header("Access-Control-Allow-Methods",
                                                "The methods in ``Access-Control-Allow-Methods``.")
    access_control_allow_headers = _list_header("Access-Control-Allow-Headers",
                                                "The header names in ``Access-Control-Allow-Headers``.")
    access_control_expose_headers = _list_header("Access-Control-Expose-Headers",
                                                 "The header names in ``Access-Control-Expose-Headers``.")
    cross_origin_opener_policy = _text_header("Cross-Origin-Opener-Policy",
                                              "``Cross-Origin-Opener-Policy`` (``\"same-origin\"``...; None: not sent).")
    cross_origin_embedder_policy = _text_header("Cross-Origin-Embedder-Policy",
                                                "``Cross-Origin-Embedder-Policy`` (None: not sent).")
    content_security_policy = _policy_header("Content-Security-Policy",
                                             "``Content-Security-Policy`` as a dict of directives, live.")
    content_security_policy_report_only = _policy_header("Content-Security-Policy-Report-Only",
                                                         "``Content-Security-Policy-Report-Only``, as above.")

    @property
    def access_control_allow_credentials(self) -> bool:
        """Whether ``Access-Control-Allow-Credentials: true`` is sent (assign a bool)."""
        return bool(self.headers.get("Access-Control-Allow-Credentials") == "true")

    @access_control_allow_credentials.setter
    def access_control_allow_credentials(self, value: bool | None) -> None:
        self._set_or_delete("Access-Control-Allow-Credentials", "true" if value else None)

    @property
    def access_control_max_age(self) -> int | None:
        """``Access-Control-Max-Age`` in seconds (assign an int or a timedelta; None: not sent)."""
        return ascii_number(self.headers.get("Access-Control-Max-Age"))

    @access_control_max_age.setter
    def access_control_max_age(self, value: Any) -> None:
        self._set_or_delete("Access-Control-Max-Age", None if value is None else _seconds_text(value))

    @property
    def age(self) -> timedelta | None:
        """``Age`` as a timedelta (assign one or seconds; None: not sent)."""
        from datetime import timedelta

        seconds = ascii_number(self.headers.get("Age"))
        return None if seconds is None else timedelta(seconds=seconds)

    @age.setter
    def age(self, value: Any) -> None:
        self._set_or_delete("Age", None if value is None else _seconds_text(value))

    @property
    def retry_after(self) -> datetime | None:
        """``Retry-After`` as the aware datetime it names (seconds from now, or a date); assign a datetime,
        seconds or a timedelta (None: not sent)."""
        value = self.headers.get("Retry-After")
        seconds = ascii_number(value)
        if seconds is None:
            parsed: datetime | None = (_caching or _load_caching()).parse_date(value)
            return parsed
        from datetime import datetime, timedelta, timezone

        return datetime.now(timezone.utc).replace(microsecond=0) + timedelta(seconds=seconds)

    @retry_after.setter
    def retry_after(self, value: Any) -> None:
        if value is None:
            self._set_or_delete("Retry-After", None)
        elif hasattr(value, "tzinfo"):
            self._set_or_delete("Retry-After", http_date(value))
        else:
            self._set_or_delete("Retry-After", _seconds_text(value))

    @property
    def cache_control(self) -> Any:
        """``Cache-Control`` as an object: ``response.cache_control.max_age = 60``, ``.no_store = True``."""
        return (_caching or _load_caching()).CacheControl(self.headers.get("Cache-Control"), lambda text: self._set_or_delete("Cache-Control", text))

    @property
    def www_authenticate(self) -> Any:
        """``WWW-Authenticate`` as an object, as werkzeug's: ``response.www_authenticate.type = "basic"``,
        ``response.www_authenticate["realm"] = "api"`` (set on the response as it changes)."""
        WWWAuthenticate = _load_auth().WWWAuthenticate
        found = WWWAuthenticate.from_header(self.headers.get("WWW-Authenticate"))
        challenge = found if found is not None else WWWAuthenticate("basic")
        challenge._on_update = lambda value: self.headers.set("WWW-Authenticate", value.to_header())
        return challenge

    @www_authenticate.setter
    def www_authenticate(self, value: Any) -> None:
        if value is None:
            self._set_or_delete("WWW-Authenticate", None)
        else:
            self.headers.set("WWW-Authenticate", value if isinstance(value, str) else value.to_header())

    def set_etag(self, etag: str, weak: bool = False) -> None:
        """Set ``ETag`` (quoted; ``W/`` when weak)."""
        self.headers.set("ETag", (_caching or _load_caching()).quote_etag(etag, weak))

    def get_etag(self) -> tuple[str | None, bool | None]:
        """``(etag, weak)`` from ``ETag``, or ``(None, None)``."""
        found: tuple[str | None, bool | None] = (_caching or _load_caching()).unquote_etag(self.headers.get("ETag"))
        return found

    def add_etag(self, overwrite: bool = False, weak: bool = False) -> None:
        """Set an ETag from the body's SHA-1 unless one is set (or ``overwrite``)."""
        if overwrite or "ETag" not in self.headers:
            import hashlib

            self.set_etag(hashlib.sha1(self.get_data()).hexdigest(), weak)

    def make_conditional(self, request_or_environ: Any, accept_ranges: bool | str = False,
                         complete_length: int | None = None) -> Response:
        """Make the response conditional to the request (GET and HEAD only), as werkzeug's.

        304 Not Modified (no body) when ``If-None-Match`` names this ETag, or ``If-Modified-Since`` is
        not older than ``Last-Modified``. With ``accept_ranges`` (and the body's ``complete_length``)
        a ``Range`` request gets 206 Partial Content with that slice (unless ``If-Range`` says the
        resource changed), and an unsatisfiable one raises RequestedRangeNotSatisfiable (416).
        A ``Date`` header is added when missing.
        """
        caching = _caching or _load_caching()
        byte_range, if_range_holds, not_modified = caching.byte_range, caching.if_range_holds, caching.not_modified
        environ = getattr(request_or_environ, "environ", request_or_environ)
        if str(environ.get("REQUEST_METHOD", "GET")).upper() not in ("GET", "HEAD"):
            return self
        if "Date" not in self.headers:
            self.headers.set("Date", http_date(_now()))
        etag, weak = self.get_etag()
        partial = False
        if accept_ranges:
            self.headers.set("Accept-Ranges", "bytes" if accept_ranges is True else str(accept_ranges))
            header = environ.get("HTTP_RANGE")
            if complete_length and header and self._status_code == 200 and if_range_holds(
                    environ, etag, weak, self.last_modified):
                try:
                    found = byte_range(str(header), complete_length)
                except ValueError:
                    from .exceptions import RequestedRangeNotSatisfiable

                    self.close()
                    raise RequestedRangeNotSatisfiable(complete_length) from None
                if found is not None:
                    self._slice(*found)
                    self.status = 206
                    self.headers.set("Content-Range", f"bytes {found[0]}-{found[1] - 1}/{complete_length}")
                    partial = True
        if not partial and self._status_code == 200 and not_modified(environ, etag, self.last_modified):
            self.status = 304
        return self

    def _slice(self, start: int, stop: int) -> None:
        # Keep bytes [start, stop) of the body: a file body seeks, anything else is read and cut.
        body = self.response
        set_range = getattr(body, "set_range", None)
        if set_range is not None:
            set_range(start, stop - start)
        else:
            self.response = [self.get_data()[start:stop]]
        self.headers.set("Content-Length", str(stop - start))

    def _set_list(self, name: str, value: Any) -> None:
        if value is None:
            self.headers.pop(name)
        else:
            self.headers.set(name, ", ".join(value) if not isinstance(value, str) else value)

    def _set_or_delete(self, name: str, value: str | None) -> None:
        if value is None:
            self.headers.pop(name)
        else:
            self.headers.set(name, value)

    def set_cookie(
        self,
        key: str,
        value: str = "",
        max_age: int | None = None,
        expires: datetime | int | float | str | None = None,
        path: str | None = "/",
        domain: str | None = None,
        secure: bool = False,
        httponly: bool = False,
        samesite: str | None = None,
        partitioned: bool = False,
    ) -> None:
        """Add a ``Set-Cookie`` header (several cookies give several headers). A cookie larger than
        ``max_cookie_size`` (4093 bytes, werkzeug's) is a ValueError naming its size."""
        dump_cookie = _dump_cookie or _load_dump_cookie()  # manypaths.http.cookies, with the first cookie set
        self.headers.add("Set-Cookie", dump_cookie(key, value, max_age, expires, path, domain, secure, httponly,
                                                   samesite, partitioned, self.max_cookie_size))

    def delete_cookie(self, key: str, path: str | None = "/", domain: str | None = None,
                      secure: bool = False, httponly: bool = False, samesite: str | None = None,
                      partitioned: bool = False) -> None:
        """Ask the client to drop a cookie (expired, empty value)."""
        self.set_cookie(key, "", max_age=0, expires=0, path=path, domain=domain, secure=secure,
                        httponly=httponly, samesite=samesite, partitioned=partitioned)

    # -- serving -----------------------------------------------------------------------------

    def call_on_close(self, func: Callable[[], Any]) -> Callable[[], Any]:
        """Call ``func`` when the server closes the response."""
        self._on_close = [*self._on_close, func]
        return func

    def close(self) -> None:
        """Close the body iterable (and run ``call_on_close`` functions)."""
        close = getattr(self.response, "close", None)
        if close is not None:
            close()
        funcs, self._on_close = self._on_close, ()
        for func in funcs:
            func()

    def iter_encoded(self) -> Iterator[bytes]:
        source: Any = self.response
        if hasattr(source, "__aiter__"):  # an async generator body, served by a WSGI server
            from ..coroutines import iterate_async

            source = iterate_async(source)
        for chunk in source:
            yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk

    # -- werkzeug's response machinery, for middleware and caches --------------------------------

    @property
    def mimetype_params(self) -> CallbackDict:
        """The Content-Type's parameters (``{"charset": "utf-8"}``), live: a change is written back."""
        mimetype, *params = (self.headers.get("Content-Type") or "").split(";")
        found = {}
        for param in params:
            key, _, value = param.strip().partition("=")
            if key:
                found[key.strip().lower()] = value.strip().strip('"')

        def write(values: CallbackDict) -> None:
            tail = "".join(f"; {key}={value}" for key, value in values.items())
            self.headers.set("Content-Type", mimetype.strip() + tail)

        return CallbackDict(found, write)

    @property
    def is_sequence(self) -> bool:
        """Whether the body is held whole (a list or tuple), not a stream."""
        return isinstance(self.response, (list, tuple))

    def make_sequence(self) -> None:
        """Read a streamed body into memory (the stream's ``close`` still runs when this closes)."""
        if not self.is_sequence:
            close = getattr(self.response, "close", None)
            self.response = list(self.iter_encoded())
            if close is not None:
                self.call_on_close(close)

    def calculate_content_length(self) -> int | None:
        """The body's length in bytes (a streamed body is read into memory first, as werkzeug's)."""
        self.make_sequence()
        return sum(len(chunk) for chunk in self.iter_encoded())

    def freeze(self) -> None:
        """Ready to be kept or pickled, as werkzeug's: the body read whole into memory, its
        Content-Length set, and an ETag from it unless one is set."""
        data = self.get_data()
        self.response = [data]
        self.headers.set("Content-Length", length_text(len(data)))
        self.add_etag()

    def get_wsgi_headers(self, environ: dict[str, Any]) -> Headers:
        """The headers as they are sent for ``environ`` (none of a body's for 1xx, 204 and 304)."""
        code = self._status_code
        if code < 200 or code == 204 or code == 304:
            drop = _NOT_MODIFIED_DROPS if code == 304 else _NO_CONTENT_DROPS
            return Headers([(k, v) for k, v in self.headers._items if k.lower() not in drop])
        return Headers(list(self.headers._items))

    def get_app_iter(self, environ: dict[str, Any]) -> Iterable[bytes]:
        """The body as it is sent for ``environ``: nothing for HEAD, 1xx, 204 and 304."""
        code = self._status_code
        if environ.get("REQUEST_METHOD") == "HEAD" or code < 200 or code == 204 or code == 304:
            return ()
        return _ClosingIterator(self.iter_encoded(), self.close) if self._on_close else self.iter_encoded()

    def get_wsgi_response(self, environ: dict[str, Any]) -> tuple[Iterable[bytes], str, list[tuple[str, str]]]:
        """``(app_iter, status, headers)`` as ``__call__`` sends them."""
        return self.get_app_iter(environ), self._status, list(self.get_wsgi_headers(environ).items())

    @classmethod
    def from_app(cls, app: Callable[..., Iterable[bytes]], environ: dict[str, Any], buffered: bool = False) -> Response:
        """The answer of a WSGI ``app`` to ``environ`` as a response of this class (read whole)."""
        from .wsgi import call_wsgi

        status, headers, body = call_wsgi(app, environ)
        made = cls(body, status=status, headers=headers)
        if not any(name.lower() == "content-type" for name, _ in headers):
            made.headers.pop("Content-Type")  # (the app sent none: none is added)
        return made

    @classmethod
    def force_type(cls, response: Any, environ: dict[str, Any] | None = None) -> Response:
        """``response`` as this class: a manypaths Response is re-classed; any other WSGI callable is
        run with ``environ`` (required then) and its answer taken, as werkzeug's."""
        if not isinstance(response, Response):
            if environ is None:
                raise TypeError("cannot convert a WSGI application into a response without an environ")
            response = Response.from_app(response, environ)
        response.__class__ = cls
        made: Response = response
        return made

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        code = self._status_code
        if code < 200 or code == 204 or code == 304:
            # No body, and (RFC 9110 8.6, 15.4.5) no Content-Length or representation headers.
            drop = _NOT_MODIFIED_DROPS if code == 304 else _NO_CONTENT_DROPS
            start_response(self._status, [(k, v) for k, v in self.headers._items if k.lower() not in drop])
            self.close()
            return []
        start_response(self._status, self.headers._items)
        if environ.get("REQUEST_METHOD") == "HEAD":
            self.close()
            return []
        body: Any = self.response
        if type(body) is list:
            if not (len(body) == 1 and type(body[0]) is bytes) and not all(type(c) is bytes for c in body):
                body = [c.encode("utf-8") if isinstance(c, str) else bytes(c) for c in body]
            if self._on_close:
                return _ClosingIterator(body, self.close)
            return body  # type: ignore[no-any-return]
        return _ClosingIterator(self.iter_encoded(), self.close)

    def __repr__(self) -> str:
        size = "streamed" if self.is_streamed else f"{self.content_length} bytes"
        return f"<Response {size} [{self._status}]>"


def _header_set(value: str | None) -> set[str]:
    return {item.strip() for item in (value or "").split(",") if item.strip()}


class _ClosingIterator:
    """A WSGI body whose ``close()`` the server calls when done (PEP 3333)."""

    def __init__(self, iterable: Iterable[bytes], close: Callable[[], None]) -> None:
        self._iterator = iter(iterable)
        self.close = close

    def __iter__(self) -> _ClosingIterator:
        return self

    def __next__(self) -> bytes:
        return next(self._iterator)


def _fill(response: Response, data: bytes, content_type: str) -> None:
    # A 200 response of one body chunk: its two headers written directly.
    headers = _new_headers(Headers)
    size = len(data)
    headers._items = [("Content-Type", content_type), ("Content-Length", LENGTH_TEXT.get(size) or length_text(size))]
    response.headers = headers
    response.response = [data]
    response._status_code = 200
    response._status = "200 OK"


def fast_response(cls: type[Response], text: str | bytes, content_type: str, status: int = 200) -> Response:
    """``cls(text, status, content_type=content_type)`` for a Response class that keeps Response's
    ``__init__``, without running it (the App's path for text, JSON and error pages)."""
    if cls.__init__ is not _response_init:
        return cls(text, status, content_type=content_type)
    response = _new(cls)
    _fill(response, text if isinstance(text, bytes) else text.encode("utf-8"), content_type)
    if status != 200:
        response.status = status
    return response


_new = object.__new__
_new_headers = Headers.__new__
_python_init = Response.__init__
_response_init = _python_init  # Response's __init__ now (the compiled one once bound)


def bind_compiled_init() -> bool:
    """Make ``Response.__init__`` the compiled one (``http/_speedups.c``): ``Response(text)``
    keeps the text, as the Python ``__init__`` does for ASCII text, and every other call is handed
    to the Python ``__init__``. False where the compiled part is not built (or MANYPATHS_PURE=1).
    Called by the App with the first Response a view returns (a compiled ``response_answer``
    reads what this ``__init__`` keeps)."""
    global _response_init
    bind = speedup("bind_response_init")
    if bind is None:
        return False
    if Response.__dict__["__init__"] is _python_init:
        # (bind sets Response.__init__ itself, and Response's own call: Response(text) is made
        # without type.__call__ while this __init__ is Response's.)
        _response_init = bind(Response, _python_init)
    return True


# Headers a response without a body must not carry: 1xx and 204, and 304 (as werkzeug).
_NO_CONTENT_DROPS = frozenset({"content-length"})
_NOT_MODIFIED_DROPS = frozenset({"allow", "content-encoding", "content-language", "content-length", "content-md5",
                                 "content-range", "content-type", "last-modified"})

_STATUS_LINES = {code: f"{code} {text}" for code, text in STATUS_TEXT.items()}
STATUS_LINES = _STATUS_LINES  # "201 Created" by code: the status lines of the codes we know
_CONTENT_TYPES = {"text/html": "text/html; charset=utf-8", "text/plain": "text/plain; charset=utf-8",
                  "application/json": "application/json"}


def _with_charset(mimetype: str) -> str:
    if "charset=" not in mimetype and (
        mimetype.startswith("text/") or mimetype in ("application/xml", "application/javascript")
        or mimetype.endswith("+xml")
    ):
        return f"{mimetype}; charset=utf-8"
    return mimetype


def _now() -> float:
    import time

    return time.time()


def http_date(value: datetime | int | float) -> str:
    """An RFC 9110 date (``Wed, 21 Oct 2015 07:28:00 GMT``) for a datetime or a timestamp."""
    import time

    if not isinstance(value, (int, float)):
        from datetime import timezone

        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        value = value.timestamp()
    t = time.gmtime(value)
    return (f"{_DAYS[t.tm_wday]}, {t.tm_mday:02d} {_MONTHS[t.tm_mon - 1]} {t.tm_year} "
            f"{t.tm_hour:02d}:{t.tm_min:02d}:{t.tm_sec:02d} GMT")


def redirect(location: str, code: int = 302) -> Response:
    """A redirect response to ``location`` (unsafe characters, CR/LF among them, are percent-encoded)."""
    from urllib.parse import quote

    safe_location = quote(location, safe="/:?#[]@!$&'()*+,;=%~")
    body = (f"<!doctype html>\n<html lang=en>\n<title>Redirecting...</title>\n<h1>Redirecting...</h1>\n"
            f"<p>You should be redirected automatically to the target URL: "
            f'<a href="{escape(safe_location)}">{escape(location)}</a>. If not, click the link.\n')
    response = Response(body, status=code, mimetype="text/html")
    response.headers.set("Location", safe_location)
    return response


def json_text(data: Any) -> str:
    """``data`` as JSON text the way Flask's ``jsonify`` writes it: compact, sorted keys, ASCII, a
    final newline; dates, UUIDs, decimals and dataclasses are serialised too."""
    encode = _ENCODER
    if encode is None:
        encode = _make_encoder()
    return encode(data)


def json_response(
    data: Any, status: int = 200, *, indent: int | None = None, response_class: type[Response] | None = None
) -> Response:
    """``data`` as an ``application/json`` response (``indent``: pretty-printed)."""
    if indent is None:
        body = json_text(data)
    else:
        import json

        body = json.dumps(data, indent=indent, sort_keys=True, default=_json_default) + "\n"
    return fast_response(response_class or Response, body, "application/json", status)


def _json_default(value: Any) -> Any:
    # What Flask's JSON provider also serialises: dates, UUIDs, decimals, dataclasses.
    import datetime
    import decimal
    import uuid

    if isinstance(value, datetime.datetime):
        return http_date(value)
    if isinstance(value, datetime.date):
        return http_date(datetime.datetime(value.year, value.month, value.day))
    if isinstance(value, (uuid.UUID, decimal.Decimal)):
        return str(value)
    if hasattr(value, "__dataclass_fields__"):
        import dataclasses

        return dataclasses.asdict(value)
    if hasattr(value, "__html__"):
        return str(value.__html__())
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


_ENCODER: Callable[[Any], str] | None = None  # json is imported with the first JSON response


def json_bytes(data: Any) -> bytes:
    """``json_text(data).encode("ascii")``: the body of a JSON answer. Where the compiled part is
    built (``http/_speedups.c``), the values views return most (dicts with str keys, lists, str,
    numbers, booleans, None) are written in C; everything else by the Python encoder."""
    encode = _BYTES
    if encode is None:
        encode = json_bytes_encoder()
    return encode(data)


def json_bytes_encoder() -> Callable[[Any], bytes]:
    """The function ``json_bytes`` calls, for a caller that keeps it (the compiled ``Encoder``,
    unless not built or ``MANYPATHS_PURE=1``)."""
    global _BYTES
    if _BYTES is None:
        encoder = speedup("Encoder")
        _BYTES = _python_json_bytes if encoder is None else encoder(_python_json_bytes)
    return _BYTES


def speedup(name: str) -> Any:
    """``name`` from the compiled part of answers (``http/_speedups.c``), or None: not built for
    this platform, or turned off with ``MANYPATHS_PURE=1`` (loaded with the first use)."""
    from ..routing.compiler import may_compile

    if not may_compile():
        return None
    try:
        from . import _speedups
    except ImportError:
        return None
    return getattr(_speedups, name)


def _python_json_bytes(data: Any) -> bytes:
    return json_text(data).encode("ascii")


_BYTES: Callable[[Any], bytes] | None = None  # json_bytes' writer, chosen on first use


def _make_encoder() -> Callable[[Any], str]:
    """As Flask's JSON provider: compact, sorted keys, ASCII. One encoder, reused across calls."""
    global _ENCODER
    _ENCODER = encode = _build_encoder()
    return encode


def _build_encoder(sort_keys: bool = True) -> Callable[[Any], str]:
    """A compact, ASCII JSON encoder with a final newline (keys sorted unless ``sort_keys`` is
    false), built once and reused: Flask's JSON provider's output; the access log's lines."""
    import json
    from json import encoder as _encoder

    encoder: Any = _encoder  # its C accelerators are not in the type stubs
    if encoder.c_make_encoder is None or encoder.c_encode_basestring_ascii is None:  # pragma: no cover
        python_encoder = json.JSONEncoder(separators=(",", ":"), sort_keys=sort_keys, default=_json_default)
        return lambda data: python_encoder.encode(data) + "\n"
    # The C encoder keeps no state between calls when it does not track circular references
    # (markers=None): building it once saves most of json.dumps' per-call cost. A circular
    # structure then fails with RecursionError instead of ValueError.
    make = encoder.c_make_encoder(None, _json_default, encoder.c_encode_basestring_ascii, None, ":", ",",
                                  sort_keys, False, True)
    string = encoder.c_encode_basestring_ascii

    def encode(data: Any) -> str:
        if isinstance(data, str):
            return string(data) + "\n"  # type: ignore[no-any-return]
        return "".join(make(data, 0)) + "\n"  # a list or a tuple, by Python version

    return encode


# manypaths.http.caching once loaded (ETags, conditional requests, ranges, Cache-Control: an import
# statement per call cost ~2-3 µs of importlib's relative-name lookups).
_caching: Any = None


def _load_caching() -> Any:
    global _caching
    from . import caching

    _caching = caching
    return caching


def _load_auth() -> Any:
    # manypaths.http.auth, for response.www_authenticate (rare: no global kept).
    from . import auth

    return auth


# http.cookies.dump_cookie once loaded (an import statement in set_cookie cost every cookie ~3 µs of
# importlib's relative-name lookups).
_dump_cookie: Callable[..., str] | None = None


def _load_dump_cookie() -> Callable[..., str]:
    global _dump_cookie
    from .cookies import dump_cookie

    _dump_cookie = dump_cookie
    return dump_cookie


def __getattr__(name: str) -> Any:
    # dump_cookie lived here before manypaths.http.cookies; importable from here as before.
    if name == "dump_cookie":
        from .cookies import dump_cookie

        return dump_cookie
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
