"""HTTP errors: raise one (or ``abort(code)``) and the app answers with a small, safe page."""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any, ClassVar, NoReturn

    from .response import Response

def escape(text: str) -> str:
    """HTML-escape ``text`` (``&<>"'``), as ``html.escape`` does, without importing ``html``."""
    return (text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            .replace('"', "&quot;").replace("'", "&#x27;"))


_PAGES: dict[tuple[int, str], str] = {}
_responses: Any = None  # the response module, imported with the first error response (it imports this one)

STATUS_TEXT: dict[int, str] = {
    100: "Continue", 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content",
    206: "Partial Content", 301: "Moved Permanently", 302: "Found", 303: "See Other",
    304: "Not Modified", 307: "Temporary Redirect", 308: "Permanent Redirect",
    400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
    405: "Method Not Allowed", 406: "Not Acceptable", 408: "Request Timeout", 409: "Conflict",
    410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Request Entity Too Large",
    414: "Request-URI Too Large", 415: "Unsupported Media Type", 416: "Requested Range Not Satisfiable",
    418: "I'm a teapot", 422: "Unprocessable Entity", 428: "Precondition Required",
    429: "Too Many Requests", 431: "Request Header Fields Too Large", 500: "Internal Server Error",
    501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout",
    417: "Expectation Failed", 423: "Locked", 424: "Failed Dependency", 451: "Unavailable For Legal Reasons",
    505: "HTTP Version Not Supported", 507: "Insufficient Storage", 508: "Loop Detected",
    511: "Network Authentication Required",
}  # fmt: skip


class HTTPError(Exception):
    """An HTTP error response: ``code``, ``name`` and a ``description`` shown to the client.

    werkzeug calls this ``HTTPException`` (an alias here): ``raise NotFound()`` in a view answers
    404; ``get_response()`` is the page (HTML, or RFC 9457 problem details for JSON clients when
    the App answers it).
    """

    code: ClassVar[int] = 500
    description: str = "The server could not complete the request."

    def __init__(self, description: str | None = None, response: Response | None = None) -> None:
        if description is not None:
            self.description = description
        self.response = response
        super().__init__(description)

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.description}"

    def __repr__(self) -> str:
        return f"<{type(self).__name__} '{self.code}: {self.name}'>"

    @property
    def name(self) -> str:
        return STATUS_TEXT.get(self.code, "Error")

    def headers(self) -> list[tuple[str, str]]:
        """Extra headers the error response carries."""
        return []

    def get_headers(self, environ: Any = None, scope: Any = None) -> list[tuple[str, str]]:
        """werkzeug's name: the Content-Type and extra headers of the HTML page."""
        return [("Content-Type", "text/html; charset=utf-8"), *self.headers()]

    def body(self) -> str:
        """A minimal HTML page; the description is escaped (it may echo user input)."""
        key = (self.code, self.description)
        page = _PAGES.get(key)
        if page is None:
            page = (
                f"<!doctype html>\n<html lang=en>\n<title>{self.code} {escape(self.name)}</title>\n"
                f"<h1>{escape(self.name)}</h1>\n<p>{escape(self.description)}</p>\n"
            )
            # Only the classes' own descriptions are kept: custom ones may be unbounded user text.
            if self.description == type(self).description and len(_PAGES) < 256:
                _PAGES[key] = page
        return page

    def get_body(self, environ: Any = None, scope: Any = None) -> str:
        """werkzeug's name for ``body()``."""
        return self.body()

    def problem(self) -> dict[str, Any]:
        """RFC 9457 problem details: ``type``, ``title``, ``status``, ``detail``."""
        return {"type": "about:blank", "title": self.name, "status": self.code, "detail": self.description}

    def get_response(self, environ: Any = None, scope: Any = None, *, json: bool = False) -> Response:
        """The response for this error (``response`` if one was given); ``json=True``: problem details
        as ``application/problem+json``."""
        if self.response is not None:
            return self.response
        global _responses
        if _responses is None:
            from . import response as _responses
        if json:
            text = _responses.json_text(self.problem())
            content_type = "application/problem+json"
        else:
            text, content_type = self.body(), "text/html; charset=utf-8"
        response: Response = _responses.fast_response(_responses.Response, text, content_type, self.code)
        for key, value in self.headers():
            response.headers.set(key, value)
        return response


HTTPException = HTTPError


class BadRequest(HTTPError):
    """400: the request is malformed."""

    code = 400
    description = "The browser (or proxy) sent a request that this server could not understand."


class BadRequestKeyError(BadRequest, KeyError):
    """400 for a missing key of ``request.args``/``form``/``files``/``headers`` (also a KeyError)."""

    def __init__(self, key: Any = None, description: str | None = None) -> None:
        super().__init__(description or f"The request has no field {key!r}.")
        self.key = key

    def __str__(self) -> str:
        return HTTPError.__str__(self)


class SecurityError(BadRequest):
    """400 for a request refused on security grounds (an untrusted Host)."""


class Unauthorized(HTTPError):
    """401: credentials are missing or wrong; ``www_authenticate`` becomes the WWW-Authenticate header."""

    code = 401
    description = "The server could not verify that you are authorized to access the URL requested."

    def __init__(self, description: str | None = None, response: Response | None = None,
                 www_authenticate: str | Iterable[str] | None = None) -> None:
        super().__init__(description, response)
        if isinstance(www_authenticate, str):
            www_authenticate = [www_authenticate]
        self.www_authenticate = [str(v) for v in www_authenticate or ()]

    def headers(self) -> list[tuple[str, str]]:
        return [("WWW-Authenticate", value) for value in self.www_authenticate]


class Forbidden(HTTPError):
    """403."""

    code = 403
    description = "You don't have the permission to access the requested resource."


class NotFound(HTTPError):
    """404."""

    code = 404
    description = ("The requested URL was not found on the server. If you entered the URL manually please check "
                   "your spelling and try again.")


class MethodNotAllowed(HTTPError):
    """405: the URL exists for other methods; the response lists them in ``Allow``."""

    code = 405
    description = "The method is not allowed for the requested URL."

    def __init__(self, valid_methods: Iterable[str] | None = None, description: str | None = None,
                 response: Response | None = None) -> None:
        super().__init__(description, response)
        self.valid_methods = sorted(valid_methods or ())

    def headers(self) -> list[tuple[str, str]]:
        return [("Allow", ", ".join(self.valid_methods))] if self.valid_methods else []


class NotAcceptable(HTTPError):
    """406."""

    code = 406
    description = "The resource cannot produce a response the client accepts."


class RequestTimeout(HTTPError):
    """408."""

    code = 408
    description = "The server closed the connection because the request took too long."


class Conflict(HTTPError):
    """409."""

    code = 409
    description = "A conflict happened while processing the request."


class Gone(HTTPError):
    """410."""

    code = 410
    description = "The requested URL is no longer available on this server."


class LengthRequired(HTTPError):
    """411."""

    code = 411
    description = "A request with this method requires a valid Content-Length header."


class PreconditionFailed(HTTPError):
    """412."""

    code = 412
    description = "The precondition on the request for the URL failed positive evaluation."


class RequestEntityTooLarge(HTTPError):
    """413."""

    code = 413
    description = "The data value transmitted exceeds the capacity limit."


class RequestURITooLarge(HTTPError):
    """414."""

    code = 414
    description = "The length of the requested URL exceeds the capacity limit for this server."


class UnsupportedMediaType(HTTPError):
    """415."""

    code = 415
    description = "The server does not support the media type transmitted in the request."


class RequestedRangeNotSatisfiable(HTTPError):
    """416: ``length`` gives the ``Content-Range: bytes */length`` header."""

    code = 416
    description = "The server cannot provide the requested range."

    def __init__(self, length: int | None = None, units: str = "bytes", description: str | None = None,
                 response: Response | None = None) -> None:
        super().__init__(description, response)
        self.length = length
        self.units = units

    def headers(self) -> list[tuple[str, str]]:
        return [("Content-Range", f"{self.units} */{self.length}")] if self.length is not None else []


class ExpectationFailed(HTTPError):
    """417."""

    code = 417
    description = "The server could not meet the requirements of the Expect header."


class ImATeapot(HTTPError):
    """418."""

    code = 418
    description = "This server is a teapot, not a coffee machine."


class UnprocessableEntity(HTTPError):
    """422."""

    code = 422
    description = "The request was well-formed but was unable to be followed due to semantic errors."


class RequestValidationError(UnprocessableEntity):
    """422 from a typed view: ``errors`` lists each failing value as ``{"location", "path", "message"}``
    (location: path, query, header, cookie or body). Always answered as RFC 9457 problem details
    (``application/problem+json``) with those errors; ``@app.errorhandler(RequestValidationError)``
    (or 422) answers it otherwise."""

    description = "The request failed validation."

    def __init__(self, errors: list[dict[str, str]], description: str | None = None,
                 response: Response | None = None) -> None:
        self.errors = errors
        if description is None:
            count = len(errors)
            description = f"{count} request value{'s' if count != 1 else ''} failed validation."
        super().__init__(description, response)

    def problem(self) -> dict[str, Any]:
        return {**super().problem(), "errors": self.errors}

    def get_response(self, environ: Any = None, scope: Any = None, *, json: bool = True) -> Response:
        return super().get_response(json=True)


class ResponseValidationError(Exception):
    """A typed view returned a value that does not match its return annotation: a server error
    (logged, 500), not the client's fault."""


class Locked(HTTPError):
    """423."""

    code = 423
    description = "The resource that is being accessed is locked."


class FailedDependency(HTTPError):
    """424."""

    code = 424
    description = "The method could not be performed because the requested action depended on another action."


class PreconditionRequired(HTTPError):
    """428."""

    code = 428
    description = "This request is required to be conditional; try using If-Match or If-Unmodified-Since."


class _RetryAfter(HTTPError):
    """An error with an optional ``Retry-After`` (seconds, or a date)."""

    def __init__(self, description: str | None = None, response: Response | None = None,
                 retry_after: Any = None) -> None:
        super().__init__(description, response)
        self.retry_after = retry_after

    def headers(self) -> list[tuple[str, str]]:
        if self.retry_after is None:
            return []
        value = self.retry_after
        if not isinstance(value, (int, str)):
            from .response import http_date

            value = http_date(value)
        return [("Retry-After", str(value))]


class TooManyRequests(_RetryAfter):
    """429."""

    code = 429
    description = "This user has exceeded an allotted request count. Try again later."


class RequestHeaderFieldsTooLarge(HTTPError):
    """431."""

    code = 431
    description = "One or more header fields exceeds the maximum size."


class UnavailableForLegalReasons(HTTPError):
    """451."""

    code = 451
    description = "Unavailable for legal reasons."


class InternalServerError(HTTPError):
    """500; ``original_exception`` is the unhandled exception, when there was one."""

    code = 500
    description = "The server encountered an internal error and was unable to complete your request."

    def __init__(self, description: str | None = None, response: Response | None = None,
                 original_exception: BaseException | None = None) -> None:
        super().__init__(description, response)
        self.original_exception = original_exception


class NotImplemented_(HTTPError):  # exported as ``NotImplemented`` by manypaths.exceptions
    """501."""

    code = 501
    description = "The server does not support the action requested by the browser."


class BadGateway(HTTPError):
    """502."""

    code = 502
    description = "The proxy server received an invalid response from an upstream server."


class ServiceUnavailable(_RetryAfter):
    """503."""

    code = 503
    description = "The server is temporarily unable to service your request."


class GatewayTimeout(HTTPError):
    """504."""

    code = 504
    description = "The connection to an upstream server timed out."


class HTTPVersionNotSupported(HTTPError):
    """505."""

    code = 505
    description = "The server does not support the HTTP protocol version used in the request."


_BY_CODE: dict[int, type[HTTPError]] = {
    cls.code: cls
    for cls in (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable, RequestTimeout,
                Conflict, Gone, LengthRequired, PreconditionFailed, RequestEntityTooLarge, RequestURITooLarge,
                UnsupportedMediaType, RequestedRangeNotSatisfiable, ExpectationFailed, ImATeapot,
                UnprocessableEntity, Locked, FailedDependency, PreconditionRequired, TooManyRequests,
                RequestHeaderFieldsTooLarge, UnavailableForLegalReasons, InternalServerError, NotImplemented_,
                BadGateway, ServiceUnavailable, GatewayTimeout, HTTPVersionNotSupported)
}  # fmt: skip


def error_class(code: int) -> type[HTTPError]:
    """The HTTPError subclass for ``code`` (made on the fly for codes without a named class)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        if isinstance(code, bool) or not isinstance(code, int) or not 400 <= code <= 599:
            raise LookupError(f"{code!r} is not an HTTP error status (400-599)")
        cls = type(f"HTTPError{code}", (HTTPError,), {"code": code})
        _BY_CODE[code] = cls
    return cls


def foreign_code(error: BaseException | type[BaseException]) -> int | None:
    """The status of another library's HTTP error (werkzeug's ``HTTPException``, Starlette's...), an
    instance or a class: an int ``code`` in 400-599 beside a ``description`` (or ``detail``); else None."""
    code = getattr(error, "code", None)
    if type(code) is int and 400 <= code <= 599 and (hasattr(error, "description") or hasattr(error, "detail")):
        return code
    return None


def is_foreign_http_base(cls: type[BaseException]) -> bool:
    """Whether ``cls`` is another library's root HTTP error class (werkzeug's ``HTTPException``): no
    code of its own, but the interface of one (``get_response``, ``description``)."""
    return (cls.__name__ == "HTTPException" and getattr(cls, "code", None) is None
            and callable(getattr(cls, "get_response", None)) and hasattr(cls, "description"))


def from_foreign(error: BaseException, code: int) -> HTTPError:
    """Our HTTPError for another library's (see ``foreign_code``): its code and description."""
    description = getattr(error, "description", None) or getattr(error, "detail", None)
    return error_class(code)(description=str(description) if description is not None else None)


def abort(status: int | Response, description: str | None = None, **kwargs: Any) -> NoReturn:
    """Raise the HTTP error for ``status`` (or answer with a given Response)."""
    if not isinstance(status, int):
        raise HTTPError(response=status)
    raise error_class(status)(description=description, **kwargs)
