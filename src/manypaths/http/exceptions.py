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
}  # fmt: skip


class HTTPError(Exception):
    """An HTTP error response: ``code``, ``name`` and a ``description`` shown to the client."""

    code: ClassVar[int] = 500
    description: str = "The server could not complete the request."

    def __init__(self, description: str | None = None, *, response: Response | None = None) -> None:
        if description is not None:
            self.description = description
        self.response = response
        super().__init__(description)

    def __str__(self) -> str:
        return f"{self.code} {self.name}: {self.description}"

    @property
    def name(self) -> str:
        return STATUS_TEXT.get(self.code, "Error")

    def headers(self) -> list[tuple[str, str]]:
        """Extra headers the error response carries."""
        return []

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

    def get_response(self) -> Response:
        """The response for this error (``response`` if one was given)."""
        if self.response is not None:
            return self.response
        global _responses
        if _responses is None:
            from . import response as _responses
        response: Response = _responses.fast_response(_responses.Response, self.body(), "text/html; charset=utf-8",
                                                      self.code)
        for key, value in self.headers():
            response.headers.set(key, value)
        return response


def _error(code: int, description: str) -> type[HTTPError]:
    name = "".join(STATUS_TEXT[code].replace("'", "").replace("-", " ").title().split())
    return type(name, (HTTPError,), {"code": code, "description": description, "__doc__": f"{code} {STATUS_TEXT[code]}."})


BadRequest = _error(400, "The browser (or proxy) sent a request that this server could not understand.")
Unauthorized = _error(401, "The server could not verify that you are authorized to access the URL requested.")
Forbidden = _error(403, "You don't have the permission to access the requested resource.")
NotFound = _error(404, "The requested URL was not found on the server.")
NotAcceptable = _error(406, "The resource cannot produce a response the client accepts.")
Conflict = _error(409, "A conflict happened while processing the request.")
Gone = _error(410, "The requested URL is no longer available on this server.")
LengthRequired = _error(411, "A request with this method requires a valid Content-Length header.")
RequestEntityTooLarge = _error(413, "The data value transmitted exceeds the capacity limit.")
RequestURITooLarge = _error(414, "The length of the requested URL exceeds the capacity limit for this server.")
UnsupportedMediaType = _error(415, "The server does not support the media type transmitted in the request.")
UnprocessableEntity = _error(422, "The request was well-formed but was unable to be followed due to semantic errors.")
TooManyRequests = _error(429, "This user has exceeded an allotted request count. Try again later.")
InternalServerError = _error(500, "The server encountered an internal error and was unable to complete your request.")
NotImplementedError_ = _error(501, "The server does not support the action requested by the browser.")
BadGateway = _error(502, "The proxy server received an invalid response from an upstream server.")
ServiceUnavailable = _error(503, "The server is temporarily unable to service your request.")


class MethodNotAllowed(HTTPError):
    """405: the URL exists for other methods; the response lists them in ``Allow``."""

    code = 405
    description = "The method is not allowed for the requested URL."

    def __init__(self, valid_methods: Iterable[str] = (), description: str | None = None) -> None:
        super().__init__(description)
        self.valid_methods = sorted(valid_methods)

    def headers(self) -> list[tuple[str, str]]:
        return [("Allow", ", ".join(self.valid_methods))] if self.valid_methods else []


_BY_CODE: dict[int, type[HTTPError]] = {
    cls.code: cls
    for cls in (BadRequest, Unauthorized, Forbidden, NotFound, MethodNotAllowed, NotAcceptable, Conflict, Gone,
                LengthRequired, RequestEntityTooLarge, RequestURITooLarge, UnsupportedMediaType,
                UnprocessableEntity, TooManyRequests, InternalServerError, NotImplementedError_, BadGateway,
                ServiceUnavailable)
}  # fmt: skip


def error_class(code: int) -> type[HTTPError]:
    """The HTTPError subclass for ``code`` (made on the fly for codes without a named class)."""
    cls = _BY_CODE.get(code)
    if cls is None:
        if not 400 <= code <= 599:
            raise LookupError(f"{code} is not an HTTP error status (400-599)")
        cls = type(f"HTTPError{code}", (HTTPError,), {"code": code})
        _BY_CODE[code] = cls
    return cls


def abort(status: int | Response, description: str | None = None, **kwargs: Any) -> NoReturn:
    """Raise the HTTP error for ``status`` (or answer with a given Response)."""
    if not isinstance(status, int):
        raise HTTPError(response=status)
    raise error_class(status)(description, **kwargs)
