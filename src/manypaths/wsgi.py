"""The WSGI driver: ``app(environ, start_response)`` (``App.wsgi_app``) on the shared core.

It only translates: the environ is the core's input, and a fast answer or a Response goes back
through ``start_response``. Everything between (proxies, the request, routing, hooks, the view,
errors, post-processing, teardown) is ``manypaths.dispatch``'s; the road is the one ``App._decide``
chose. ASGI requests served in a worker thread come through here too.
"""

from __future__ import annotations

from time import perf_counter

from .context import reset_current
from .dispatch import FAST_STATUS, begin, end, finish, logged
from .http.response import known_length, length_text
from .http.wsgi import call_wsgi

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any

    from .app import App
    from .http.request import Request
    from .http.response import Response


def wsgi_app(self: App, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    """Answer one request: match, hooks, the view, error handlers (``__call__`` calls this, so
    middleware can wrap it: ``app.wsgi_app = Middleware(app.wsgi_app)``)."""
    road = self._road  # the compiled road (dispatch.decide): begin to finish in one call, or None
    taken = road(environ) if road is not None else None
    if taken is None:
        return respond(self, environ, start_response, begin(self, environ), None)
    return respond(self, environ, start_response, taken[0], taken[1])


def respond(self: App, environ: dict[str, Any], start_response: Callable[..., Any], request: Request,
            answer: Any) -> Iterable[bytes]:
    """The rest of ``wsgi_app`` for a ``request`` begun (by ``dispatch.begin``, or by the compiled
    road, which also gives its fast ``answer``; None: not made yet): the view, errors,
    post-processing, ``start_response`` and the end of the request. (The compiled ``App.__call__``
    answers the road's plainest answers itself, as this does, and hands it the rest.)"""
    error: BaseException | None = None
    response: Response
    fast: tuple[Any, ...] | None = None
    try:
        try:
            if answer is None and self._plain is None:
                if self._startup_hooks and not self._started:
                    self._startup_sync()
                self._decide()
                if self._access_log:  # begin noted it for the requests after the road was decided
                    environ["manypaths.started"] = perf_counter()
            if self._fast:
                if answer is None:
                    answer = finish(self, request, self._view_value(request, False))
                if type(answer) is tuple:
                    if self._post_process:
                        logged(self, request, answer)
                    fast = answer
                else:
                    response = answer
            elif self._middleware:
                response = self._through_middleware(request)
            else:
                response = self.full_dispatch_request(request)
        except Exception as e:
            error = e
            response = self.handle_exception(e)
        if fast is not None:
            # As a Response's, start_response is called after the error handlers: what it raises
            # goes to the server. (The compiled App.__call__ does this itself for the road's answers.)
            start_response(*_head(fast))
            return [] if environ.get("REQUEST_METHOD") == "HEAD" else [fast[0]]
        if self._post_process:
            self._post_process_response(request, response)
        return response(environ, start_response)
    finally:
        if self._has_teardown or "form" in request._cache:
            end(self, request, error)
        else:
            reset_current(request._token)  # dispatch.end's last step, without the call
        if "manypaths.preserve_context" in environ:  # the test client's ``with client:``
            environ["manypaths.preserve_context"](request)


def _head(answer: tuple[Any, ...]) -> tuple[str, list[tuple[str, str]]]:
    # A fast answer's status line and headers (dispatch.finish: (bytes, type), + status, + header pairs).
    if len(answer) == 4:  # with the view's headers
        return FAST_STATUS[answer[2]], answer[3]
    size = len(answer[0])
    return ("200 OK" if len(answer) == 2 else FAST_STATUS[answer[2]],
            [("Content-Type", answer[1]), ("Content-Length", known_length(size) or length_text(size))])


def whole(app: Any, environ: dict[str, Any], shaped: Callable[[bytes, str, int, str, bool], Any] | None = None) -> Any:
    """A manypaths App's whole answer to ``environ`` — (status line, headers, body) — for a platform
    that sends answers whole (Lambda): the core's steps as ``wsgi_app`` takes them on the fast road,
    without ``start_response`` between. None when that road does not apply (not a manypaths App, its
    ``wsgi_app`` or ``__call__`` replaced or wrapped, the road not decided yet, or not the fast one):
    then call the app as WSGI. ``shaped(body, content type, status code, Content-Length, head)``,
    if given, makes the platform's own answer of a body with only the default headers (its result is
    returned as is)."""
    plain = _WHOLE.get(type(app))
    if plain is None:
        # Served as is only if the class keeps App's entry points (a subclass may change them).
        kind = type(app)
        # (App's wsgi_app is its stub until the first WSGI request binds this module's function.)
        entry, call = getattr(kind, "wsgi_app", None), kind.__call__
        plain = ((entry is wsgi_app or (getattr(entry, "__qualname__", "") == "App.wsgi_app"
                                        and getattr(entry, "__module__", "") == "manypaths.app"))
                 and (call in COMPILED_CALL or (getattr(call, "__qualname__", "") == "App.__call__"
                                                and getattr(call, "__module__", "") == "manypaths.app")))
        if len(_WHOLE) < 64:
            _WHOLE[kind] = plain
    if not plain or app._plain is None or not app._fast or "wsgi_app" in app.__dict__:
        return None
    # The compiled road where it applies, as wsgi_app takes it (lazy: Lambda's environ is a dict
    # that gets its headers on the first read of one, which the road reads only by its get).
    road = app._road
    taken = road(environ, False, True) if road is not None else None
    if taken is None:
        request = begin(app, environ)
    else:
        request, answer = taken
    error: BaseException | None = None
    try:
        if taken is None:
            try:
                answer = finish(app, request, app._view_value(request, False))
            except Exception as e:
                error = e
                answer = app.handle_exception(e)
        if app._post_process:  # (the access log: the only post-processing on the fast road)
            logged(app, request, answer)
        if type(answer) is tuple:
            # (By subscript: Lambda's environ holds the method, and its .get is Python's.)
            head = environ["REQUEST_METHOD"] == "HEAD"
            if shaped is not None and len(answer) < 4:
                body = answer[0]
                return shaped(body, answer[1], 200 if len(answer) == 2 else answer[2],
                              known_length(len(body)) or length_text(len(body)), head)
            status, headers = _head(answer)
            return status, headers, b"" if head else answer[0]
        return call_wsgi(answer, environ)
    finally:
        if app._has_teardown or "form" in request._cache:
            end(app, request, error)
        else:
            reset_current(request._token)  # dispatch.end's last step, without the call


# Classes whose instances ``whole`` may answer (App and subclasses that keep its entry points).
_WHOLE: dict[type, bool] = {}

# App.__call__ compiled (http/_speedups.c's bind_call), once the first WSGI request bound it.
COMPILED_CALL: list[Any] = []
