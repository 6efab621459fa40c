"""Errors: what an exception raised while answering a request becomes.

``handle_user_exception`` gives an HTTP error (ours or another library's, a werkzeug
``HTTPException`` left in a ported app) or an exception with a registered handler to that handler,
innermost blueprint first; ``handle_exception`` turns anything else into a logged 500 (the
traceback only in debug), or lets it propagate under ``TESTING``/``PROPAGATE_EXCEPTIONS``. An error
page is RFC 9457 problem details for a client that prefers JSON, HTML otherwise.

The functions take the App as ``self``: ``App`` binds them as its methods.
"""

from __future__ import annotations

from .blueprints import blueprint_names
from .context import current_request
from .dispatch import _Options, _Redirect
from .http import exceptions as http_errors
from .http.exceptions import HTTPError

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .app import App
    from .http.request import Request
    from .http.response import Response


def _find_handler(self: App, error: BaseException, request: Request | None,
                  original: BaseException | None = None) -> Callable[..., Any] | None:
    # Per scope (innermost blueprint first, then the app): the handler for the code, then for
    # the closest class (of ``original`` first: another library's error converted to ours).
    if not self._error_handlers:
        return None
    scopes: list[str | None] = list(blueprint_names(request.endpoint)) if request is not None else []
    scopes.append(None)
    code = error.code if isinstance(error, HTTPError) else None
    classes = type(error).__mro__ if original is None else (*type(original).__mro__, *type(error).__mro__)
    for scope in scopes:
        handlers = self._error_handlers.get(scope)
        if not handlers:
            continue
        if code is not None and code in handlers:
            return handlers[code]
        for cls in classes:
            if cls in handlers:
                return handlers[cls]
    return None


def _trapped(self: App, error: HTTPError) -> bool:
    # Flask's TRAP_HTTP_EXCEPTIONS (every HTTP error) and TRAP_BAD_REQUEST_ERRORS (400s; by default
    # only a missing key's, and only in debug): such an error is raised like any other exception.
    config = self.config
    if config.get("TRAP_HTTP_EXCEPTIONS"):
        return True
    trap_bad_request = config.get("TRAP_BAD_REQUEST_ERRORS")
    if trap_bad_request is None:
        return self._debug and isinstance(error, http_errors.BadRequestKeyError)
    return bool(trap_bad_request) and isinstance(error, http_errors.BadRequest)


def handle_user_exception(self: App, error: Exception, request: Request) -> Any:
    """An HTTP error or an exception a handler is registered for becomes a response; others re-raise."""
    if isinstance(error, _Redirect):
        return error.response()
    if isinstance(error, _Options):
        return self.make_default_options_response()
    if self._trap and isinstance(error, HTTPError) and _trapped(self, error):
        raise error
    code = None if isinstance(error, HTTPError) else http_errors.foreign_code(error)
    if code is not None:
        # Another library's HTTP error (a werkzeug HTTPException left in a ported app): handlers
        # for its code or its classes take it as it is; otherwise it answers its code, not a 500.
        converted = http_errors.from_foreign(error, code)
        handler = self._find_handler(converted, request, error)
        if handler is not None:
            return self._sync(handler(error))
        own = _foreign_response(error, self.response_class)
        if own is not None:
            return own  # its own status, headers and body, as Flask would answer it
        error = converted
    handler = self._find_handler(error, request)
    if handler is not None:
        return self._sync(handler(error))
    if isinstance(error, HTTPError):
        return self.error_response(error, request)
    raise error


def error_response(self: App, error: HTTPError, request: Request | None = None) -> Response:
    """The page for an HTTP error no handler took: RFC 9457 problem details for a client that
    prefers JSON (or with ``JSON_ERRORS``), the HTML page otherwise."""
    if error.response is None and (self.config["JSON_ERRORS"] or (request is not None and wants_json(request))):
        return error.get_response(json=True)
    return error.get_response()


def handle_exception(self: App, error: Exception) -> Response:
    """An unhandled exception: log it with its traceback and answer 500 (the traceback only in debug).

    With ``TESTING`` or ``PROPAGATE_EXCEPTIONS`` the exception propagates instead (the test client
    raises it), as in Flask. The after-request hooks run on the 500 response, as in Flask.
    """
    propagate = self.config["PROPAGATE_EXCEPTIONS"]
    if propagate is None:  # as Flask: in tests and in debug mode (a debugger or the console shows it)
        propagate = self.config["TESTING"] or self._debug
    if propagate:
        raise error
    request = current_request()
    self.logger.error("Exception on %s [%s]", request.path, request.method, exc_info=error)
    server_error = http_errors.InternalServerError(original_exception=error)
    handler = self._find_handler(server_error, request)
    if handler is not None:
        response = self.make_response(self._sync(handler(server_error)))
    elif self.debug:
        import traceback

        text = "".join(traceback.format_exception(type(error), error, error.__traceback__))
        response = self.response_class(text, status=500, mimetype="text/plain")
    else:
        response = self.error_response(server_error, request)
    if self._hooks["after"]:
        for func in reversed(self._scoped("after", request)):
            try:
                response = self._sync(func(response))
            except Exception as hook_error:  # the 500 still goes out; the hook's failure is logged
                self.logger.error("after_request hook failed on a 500 response", exc_info=hook_error)
    return response


def _foreign_response(error: BaseException, response_class: type[Response]) -> Response | None:
    # A werkzeug HTTPException's own response (``get_response()``: status, headers, body) as ours.
    get_response = getattr(error, "get_response", None)
    if not callable(get_response):
        return None
    try:
        theirs = get_response()
        body = theirs.get_data()
        status = int(theirs.status_code)
        headers = [(str(k), str(v)) for k, v in theirs.headers.items() if str(k).lower() != "content-length"]
    except Exception:  # not werkzeug's shape: answer with our page for its code
        return None
    return response_class(body, status=status, headers=headers)


def wants_json(request: Request) -> bool:
    """Whether the client's Accept header prefers JSON to HTML (``application/json``,
    ``application/problem+json`` or any ``+json`` type, by q-value; wildcards do not count for HTML)."""
    accept = request.environ.get("HTTP_ACCEPT")
    if not accept or "json" not in accept:
        return False
    json_q = html_q = 0.0
    json_first = html_first = None
    for position, item in enumerate(str(accept).split(",")):
        media, _, params = item.partition(";")
        media = media.strip().lower()
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        if media == "text/html" or media == "application/xhtml+xml":
            html_q = max(html_q, q)
            html_first = position if html_first is None else html_first
        elif media == "application/json" or (media.startswith("application/") and media.endswith("+json")):
            json_q = max(json_q, q)
            json_first = position if json_first is None else json_first
    if json_q <= 0:
        return False
    if json_q != html_q:
        return json_q > html_q
    return html_first is None or (json_first is not None and json_first < html_first)
