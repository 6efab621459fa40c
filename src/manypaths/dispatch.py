"""The core: the one road every request takes, whatever the driver.

A driver (``manypaths.wsgi``, ``manypaths.asgi``; the platforms through them) translates its
protocol into an environ, then calls here: ``begin`` (trusted proxies applied, the Request made,
its limits set), ``App._view_value`` (match, url-value and before-request hooks, the view or what
the error handlers make of a miss or an exception), and ``finish`` (the fast answer for a str or
dict when nothing can observe a Response, else the Response: ``make_response``). The general road
adds the after-request hooks (``full_dispatch_request``), middleware, the error page
(``manypaths.errors``) and the post-processing (CORS, compression, the access log). What road a
request takes is decided once per app in ``App._decide`` (again after a hook or setting is added),
never in a driver. A coroutine from a view, hook or handler is resolved at one seam: ``_sync`` (sync
code: ``manypaths.coroutines``) or the ASGI driver's await.

The functions take the App as ``self``: ``App`` binds them as its methods (Flask's names, which
subclasses may override).
"""

from __future__ import annotations

from time import perf_counter

from . import routing
from .blueprints import blueprint_names
from .context import _current, app_context_owned, current_request, reset_current, set_current
from .http import exceptions as http_errors
from .http.datastructures import Headers, header_pairs, merged_headers
from .http.exceptions import HTTPError
from .http.request import Request
from .http.response import (
    STATUS_LINES,
    Response,
    bind_compiled_init,
    fast_response,
    json_bytes_encoder,
    known_length,
    length_text,
    redirect,
    speedup,
)

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any, TypeVar

    from .app import App

    F = TypeVar("F", bound=Callable[..., Any])


_new = object.__new__


async def _probe() -> None:
    return None


_probe_coroutine = _probe()
COROUTINE: type[Any] = type(_probe_coroutine)  # types.CoroutineType, without importing types
_probe_coroutine.close()
del _probe_coroutine

# What a view's str and dict become (Response's default mimetype; Flask's JSON type).
HTML = "text/html; charset=utf-8"
JSON = "application/json"
# Statuses a fast answer may carry (with their status lines): every known one that has a body.
FAST_STATUS = {code: line for code, line in STATUS_LINES.items() if code >= 200 and code not in (204, 304)}


def _in_event_loop() -> bool:
    global _running_loop
    if _running_loop is None:
        from asyncio import _get_running_loop  # asyncio is loaded: a coroutine exists

        _running_loop = _get_running_loop
    return _running_loop() is not None


_running_loop: Callable[[], object] | None = None


def decide(self: App) -> None:
    """Decide, for every driver, which road requests take: worked out on the first request, and
    again after a hook, a policy or a setting that changes it is added (``_plain = None``).
    Bound as ``App._decide``; the drivers call it, never decide themselves."""
    self._access_log = self._access_log_target()
    cls = type(self)
    # The access log does not leave the fast road: it only reads the answer's status (``logged``).
    plain = (not self._hooks["before"] and not self._hooks["after"] and not self._hooks["url_value"]
             and not self._uses_cors and not self._middleware and not self.config["COMPRESS"]
             and not self._trusted_proxies and not self._compress_on
             and cls.full_dispatch_request is full_dispatch_request and cls.make_response is make_response)
    # Nothing can see a Response object between the view and the server: a str or dict goes
    # out without one (dispatch.finish). A response_class of the app's own must be made.
    self._fast = plain and self.response_class is Response
    # ASGI and RSGI: served on the server's loop when nothing runs around the view or after the
    # answer, unless ASGI_THREADS asks for a worker thread per request.
    self._inline = plain and not self._has_teardown and not self.config["ASGI_THREADS"]
    self._post_process = (self._uses_cors or bool(self.config["COMPRESS"]) or bool(self._access_log)
                          or self._compress_on)
    if self._post_process and self._features is None:
        cors, compression, accesslog = self._feature("cors"), self._feature("compression"), self._feature("accesslog")
        self._features = (cors.apply, compression.compress, accesslog.write)
    # The compiled road (http/_speedups.c's Road, where built): begin, the match, the view and
    # finish in one call, for the plainest apps; it hands anything else to the functions below.
    # The access log keeps it: the road notes the start (``clock``) as begin does, and the drivers
    # write the line (``logged``) as for the Python road's answers.
    road = None
    if (self._fast and not (self._uses_cors or self.config["COMPRESS"] or self._compress_on)
            and not self._has_teardown and self._trusted_hosts is None
            and self._max_content_length is None and self.request_class is Request
            and cls._view_value is _view_value and cls.dispatch_request is dispatch_request):
        road_type = _road_type()
        if road_type is not None:
            road = road_type(self, Request, _current, FAST_STATUS, self._json_fast, routing.NotFound,
                             _not_found_page(), not self._error_handlers and not self._trap
                             and not self.config["JSON_ERRORS"], _view_value, finish, dispatch_request, settle,
                             COROUTINE, frozenset(e for e, known in self._endpoints.items() if known.typed),
                             perf_counter if self._access_log else None)
    self._road = road
    self._plain = plain


def begin(self: App, environ: dict[str, Any]) -> Request:
    """The request of ``environ``, made the current one: trusted proxies applied, its app and
    limits set, its start noted for the access log. ``end`` finishes it."""
    if self._access_log:
        environ["manypaths.started"] = perf_counter()  # the access log's duration
    if self._trusted_proxies:
        self._feature("proxies").apply_forwarded(environ, self._trusted_proxies)
    cls = self.request_class
    if cls is Request:  # Request(environ), without the class call (~1k instructions on CPython 3.11)
        request = _new(Request)
        request.environ = environ
        request._cache = {}
    else:
        request = cls(environ)
    request.app = self
    # Read on every request (finish, _view_value): as the instance's own, ~0.2k instructions fewer
    # each than the class default.
    request.post_view = False
    request.body_pending = None
    limit = self._max_content_length  # MAX_CONTENT_LENGTH, kept by App._setting_changed
    if limit is not None:
        request.max_content_length = limit
    request._token = set_current(request)
    return request


def finish(self: App, request: Request, rv: Any) -> Any:
    """What a view's value becomes: on the fast road (nothing can observe a Response: same status,
    headers and body as make_response gives) a str, bytes or dict is ``(bytes, content type)``;
    ``(body, status)`` is ``(bytes, content type, status)``; ``(body, status, headers)`` and
    ``(body, headers)`` with a dict of headers are ``(bytes, None, status, header pairs)``.
    Anything else is the Response."""
    if request.post_view:
        # after_this_request (this request's own after-hooks) or a session to save: a Response.
        response = self._make_response_or_error(rv, request)
        if request.after_this is not None:
            response = _after_this(self, request, response)
        if request.session_obj is not None:
            response = self.save_session(request, response)
        return response
    if self._fast:
        kind = type(rv)
        if kind is str:
            return rv.encode(), HTML  # (UTF-8: the default, without naming it)
        if kind is tuple:
            answer = _tuple_answer(rv, FAST_STATUS, self._json_fast)
            return answer if answer is not None else _tuple_rv(self, request, rv)
        if kind is Response:  # Response(text) nothing has touched since: the text's answer
            answer = _response_answer(rv)
            return rv if answer is None else answer  # (else what make_response makes of it: itself)
        if (kind is dict or kind is list) and self._json_fast:
            return _json_bytes(rv), JSON
        if kind is bytes:
            return rv, HTML  # a Response of bytes has the default (text/html) type too
    return self._make_response_or_error(rv, request)


def _tuple_rv(self: App, request: Request, rv: tuple[Any, ...]) -> Any:
    # finish's answer for a view's tuple that the compiled tuple_answer did not take (or every
    # tuple where it is not built): Flask's most common return forms, a status for a body that has
    # one (not 1xx/204/304), and a dict of headers.
    n = len(rv)
    code: Any
    headers: Any
    if n == 2:
        body, code = rv
        headers = None
        if type(code) is dict:
            code, headers = 200, code
    elif n == 3:
        body, code, headers = rv
    else:
        return self._make_response_or_error(rv, request)
    if type(code) is int and code in FAST_STATUS and (headers is None or type(headers) is dict):
        kind = type(body)
        if kind is str:
            data, content_type = body.encode("utf-8"), HTML
        elif kind is bytes:
            data, content_type = body, HTML
        elif (kind is dict or kind is list) and self._json_fast:
            data, content_type = _json_bytes(body), JSON
        else:
            return self._make_response_or_error(rv, request)
        if not headers:
            return data, content_type, code
        pairs = _plain_headers(data, content_type, headers)
        if pairs is not None:
            return data, None, code, pairs
        return _view_headers(self, request, rv, data, content_type, code, headers)
    return self._make_response_or_error(rv, request)


def _view_headers(self: App, request: Request, rv: Any, data: bytes, content_type: str, code: int,
                  headers: dict[Any, Any]) -> Any:
    # A fast answer with a view's dict of headers that _plain_headers did not take, as make_response
    # puts them on a Response (Headers.update_from) without the object. A dict of plain text pairs
    # that passed is remembered for _plain_headers (bounded, cleared when full: a cache
    # never grows with what clients send; long values are not kept).
    size = len(data)
    ours = [("Content-Type", content_type), ("Content-Length", known_length(size) or length_text(size))]
    try:
        given = header_pairs(headers)
    except (HTTPError, AttributeError, TypeError):  # a line break, a name that is not text: as make_response
        return self._make_response_or_error(rv, request)
    pairs = merged_headers(ours, given)
    items = tuple(headers.items())
    if (len(pairs) == 2 + len(items) and all(type(k) is str and type(v) is str and len(v) <= 256 for k, v in items)
            and len({k.lower() for k, _ in items}) == len(items)):  # nothing of ours replaced, one header a name
        if len(_PLAIN_HEADERS) >= 1024:
            _PLAIN_HEADERS.clear()
        _PLAIN_HEADERS.add(items)
    return data, None, code, pairs


# The view headers dicts (their items) that passed the checks: text pairs, no two names alike, none
# of them ours.
_PLAIN_HEADERS: set[tuple[tuple[str, str], ...]] = set()


def _plain_headers(data: bytes, content_type: str, headers: dict[Any, Any]) -> list[tuple[str, str]] | None:
    # A fast answer's header list for a view's dict of headers seen before (and so checked), or
    # None: _view_headers checks and merges them. (The compiled tuple_answer checks every dict.)
    items = tuple(headers.items())
    try:
        if items not in _PLAIN_HEADERS:
            return None
    except TypeError:  # an unhashable value (a list: one header per item)
        return None
    size = len(data)
    return [("Content-Type", content_type), ("Content-Length", known_length(size) or length_text(size)), *items]


def _load_tuple_answer(rv: tuple[Any, ...], fast_status: dict[int, str], json: bool) -> Any:
    # The first tuple a view returns: the compiled tuple_answer (http/_speedups.c) where built, from then on.
    global _tuple_answer
    compiled = speedup("tuple_answer")
    if compiled is not None:
        speedup("use_content_types")(HTML, JSON)  # these very objects: the drivers tell them apart by identity
    _tuple_answer = compiled or _no_tuple_answer
    return _tuple_answer(rv, fast_status, json)


def _load_response_answer(rv: Response) -> Any:
    # The first Response a view returns: Response.__init__ and response_answer compiled where built.
    global _response_answer
    if bind_compiled_init():
        speedup("use_content_types")(HTML, JSON)
        _response_answer = speedup("response_answer")
    else:
        _response_answer = _python_response_answer
    return _response_answer(rv)


def _python_response_answer(rv: Response) -> Any:
    # (body bytes, HTML) for a Response(text) that has nothing but its text (http.response: the
    # Python __init__ keeps ASCII text so, and __getattr__ makes the rest when first read), or None.
    state = rv.__dict__
    if len(state) == 1 and "_text" in state:
        return state["_text"].encode(), HTML
    return None


def _load_plain_path(path: Any) -> bool:
    # The first request: plain_path compiled (http/_speedups.c) where built, from then on.
    global _plain_path
    _plain_path = speedup("plain_path") or _python_plain_path
    return _plain_path(path)


def _python_plain_path(path: Any) -> bool:
    # Whether PATH_INFO is what Request.path would make of it: an ASCII str starting with one "/".
    # (By index: path[:1] == "/" != path[1:2], two slices, costs ~300 instructions more.)
    return type(path) is str and len(path) > 0 and path[0] == "/" and (len(path) == 1 or path[1] != "/") \
        and path.isascii()


def _no_tuple_answer(rv: tuple[Any, ...], fast_status: dict[int, str], json: bool) -> None:
    return None  # the pure build: _tuple_rv answers every tuple


def _load_json_bytes(value: Any) -> bytes:
    # The first JSON answer: http.response.json_bytes' writer (the compiled one where built), from then on.
    global _json_bytes
    _json_bytes = json_bytes_encoder()
    return _json_bytes(value)


def _road_type() -> Any:
    # The compiled Road, loaded with its content types (the drivers tell them apart by identity).
    road = speedup("Road")
    if road is not None:
        speedup("use_content_types")(HTML, JSON)
    return road


# What finish calls, each replaced on first use by the compiled one where built.
_tuple_answer: Callable[[tuple[Any, ...], dict[int, str], bool], Any] = _load_tuple_answer
_response_answer: Callable[[Response], Any] = _load_response_answer
_json_bytes: Callable[[Any], bytes] = _load_json_bytes
_plain_path: Callable[[Any], bool] = _load_plain_path


def logged(self: App, request: Request, answer: Any) -> None:
    """What a driver's fast road does after the answer is made when ``App._post_process`` is on
    (there, only the access log can be): the line written, from a fast answer's status or through
    the post-processing of a Response."""
    if type(answer) is tuple:
        features = self._features
        if features is not None and self._access_log:
            features[2](request, 200 if len(answer) == 2 else answer[2], self._access_log)
    else:
        self._post_process_response(request, answer)


def after_this_request(func: F) -> F:
    """Run ``func(response)`` after this request's view, before the ``after_request`` hooks (as
    Flask's): it returns the response to send (a cookie set by a view that has no response yet)."""
    request = current_request()
    if request.after_this is None:
        request.after_this = []
        request.post_view = True
    request.after_this.append(func)
    return func


def _after_this(self: App, request: Request, response: Response) -> Response:
    functions, request.after_this = request.after_this or [], None
    for func in functions:
        response = self._sync(func(response))
    return response


def end(self: App, request: Request, error: BaseException | None) -> None:
    """The end of a request ``begin`` made: teardown hooks and uploaded files (only when there is
    something to do), then it is no longer the current request."""
    try:
        if self._has_teardown or "form" in request._cache:
            self._teardown(request, error)
    finally:
        reset_current(request._token)


def full_dispatch_request(self: App, request: Request) -> Response:
    """Match, run before-hooks, the view and after-hooks; turn errors into responses."""
    response = self._make_response_or_error(self._view_value(request, True), request)
    if request.after_this is not None:
        response = _after_this(self, request, response)
    if self._hooks["after"]:
        for func in reversed(self._scoped("after", request)):
            response = self._sync(func(response))
    if request.session_obj is not None:  # as Flask: the session is saved after the after-request hooks
        response = self.save_session(request, response)
    return response


def _view_value(self: App, request: Request, hooks: bool) -> Any:
    # Match the request, run the before-request hooks (if ``hooks``), then the view: what it
    # returned, or what the error handlers made of a routing miss or an exception.
    environ = request.environ
    # Read by subscript, not .get: a driver's environ may be a dict subclass whose .get is Python's
    # (Lambda's, completed on first read of what it lacks), and these two it always holds.
    try:
        path = environ["PATH_INFO"]
    except KeyError:
        path = None
    if _plain_path(path):  # (compiled: ~0.7k instructions fewer per request, counted)
        request._cache["path"] = path  # what request.path would work out, the common case
    else:
        path = request.path
    routing_error: Exception | None = None
    # WSGI servers send the method upper-case; Map.match upper-cases anything else itself.
    try:
        method = environ["REQUEST_METHOD"] or "GET"
    except KeyError:
        method = "GET"
    if self._cloudevents and method == "POST" and (
            "HTTP_CE_SPECVERSION" in environ or str(environ.get("CONTENT_TYPE", ""))[:28].lower()
            == "application/cloudevents+json"):
        return _cloudevent(self, request, hooks)
    try:
        if self._trusted_hosts is not None:  # TRUSTED_HOSTS, kept by App._setting_changed
            self._check_host(request)
        # (No query string: only a redirect needs it, and _routing_error adds it there.)
        rule, request.view_args = self.url_map.match(path, method, return_rule=True)
        request.url_rule = rule
        request.endpoint = rule.endpoint
        if rule.default_redirects:  # werkzeug's redirect_defaults: /fetch -> / when "/" has js="fetch"
            canonical = self.url_map.default_redirect(rule, request.view_args or {}, method,
                                                      environ.get("QUERY_STRING") or "")
            if canonical is not None:
                raise routing.RequestRedirect(canonical)
        if method != "GET" and rule.provide_automatic_options and str(method).upper() == "OPTIONS":
            routing_error = _Options()
    except routing.RoutingError as e:
        # A plain miss is _MISS until something needs the HTTP error (~4k instructions to make):
        # the default 404 page below does not. (Not ``e``: kept, its traceback would hold this
        # frame in a cycle, left to the garbage collector.)
        routing_error = _MISS if type(e) is routing.NotFound else self._routing_error(e, request)
        # (for request.routing_exception; the plain miss as the class, made into a 404 only if read)
        request._cache["routing_exception"] = http_errors.NotFound if routing_error is _MISS else routing_error
    except http_errors.SecurityError as e:
        routing_error = request._cache["routing_exception"] = e
    if (self._uses_cors and method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
            and "HTTP_ORIGIN" in environ):
        # A CORS preflight: answered before any hook (an auth hook must not hide it).
        answer = self._preflight(request, path)
        if answer is not None:
            return answer
    try:
        if hooks and self._hooks["url_value"]:
            for func in self._scoped("url_value", request):
                self._sync(func(request.endpoint, request.view_args))
        if hooks and self._hooks["before"]:
            for func in self._scoped("before", request):
                rv = self._sync(func())
                if rv is not None:
                    return rv
        if routing_error is not None:
            if routing_error is _MISS:
                if (not self._error_handlers and not self._trap and "json" not in str(environ.get("HTTP_ACCEPT") or "")
                        and not self.config["JSON_ERRORS"]):
                    # A 404 no handler takes, for a client that wants HTML: the page error_response
                    # would make, as (body, status) for the fast road (the same status, headers and body).
                    return _not_found_page(), 404
                routing_error = http_errors.NotFound()
            # Answer the miss directly: raising it again only to catch it below costs.
            return self.handle_user_exception(routing_error, request)
        if request.body_pending is not None:
            # An ASGI request served on the loop: its body is received now that a view will
            # run (never for a miss, a redirect or an automatic OPTIONS).
            return self._dispatch_after_body(request)
        return self.dispatch_request(request)
    except Exception as e:
        return self.handle_user_exception(e, request)


def _cloudevent(self: App, request: Request, hooks: bool) -> Any:
    # A CloudEvent (Eventarc, Pub/Sub push): to its handler, not to the routes — behind the same
    # TRUSTED_HOSTS check and the app's before-request hooks as a request (an auth hook that
    # verifies the caller applies to events too: on a public function anyone can POST one).
    # (Its own function: the closure below made _view_value keep self and request in cells.)
    try:
        if self._trusted_hosts is not None:
            self._check_host(request)
        if hooks and self._hooks["before"]:
            for func in self._scoped("before", request):
                rv = self._sync(func())
                if rv is not None:
                    return rv
        events = self._feature("events")
        if request.body_pending is not None:  # ASGI on the loop: the event's body is received first
            return self._dispatch_after_body(request, lambda: events.handle_cloudevent(self, request))
        return events.handle_cloudevent(self, request)
    except Exception as e:
        return self.handle_user_exception(e, request)


async def _dispatch_after_body(self: App, request: Request, then: Callable[[], Any] | None = None) -> Any:
    # The body received (ASGI on the loop), then the view — or ``then``, what else reads the body.
    receive_body, request.body_pending = request.body_pending, None
    if receive_body is not None:
        await receive_body(request)
    rv = self.dispatch_request(request) if then is None else then()
    return (await rv) if type(rv) is COROUTINE else rv


def _make_response_or_error(self: App, rv: Any, request: Request) -> Response:
    try:
        return self.make_response(rv)
    except HTTPError as e:  # e.g. a header value with a line break
        return self.make_response(self.handle_user_exception(e, request))


def _check_host(self: App, request: Request) -> None:
    # TRUSTED_HOSTS (as Flask's): a Host header not listed answers 400 before routing, so no URL
    # (redirect, url_for(_external=True)) is ever built from it. ".example.org" allows subdomains.
    host = str(request.environ.get("HTTP_HOST") or request.environ.get("SERVER_NAME") or "")
    if not self._feature("proxies").host_is_trusted(host, self._trusted_hosts):
        raise http_errors.SecurityError(f"Host {host[:100]!r} is not trusted.")


# What _view_value holds for a plain miss of the route map until it needs the HTTP error (never raised).
_MISS = routing.NotFound()

_NOT_FOUND_PAGE: list[bytes] = []


def _not_found_page() -> bytes:
    # The default 404 page's bytes, made once.
    if not _NOT_FOUND_PAGE:
        _NOT_FOUND_PAGE.append(http_errors.NotFound().body().encode("utf-8"))
    return _NOT_FOUND_PAGE[0]


def _routing_error(self: App, error: routing.RoutingError, request: Request) -> Exception:
    # What a miss of the route map answers: a redirect, 405 (with Allow) or 404.
    if isinstance(error, routing.RequestRedirect):
        url = error.new_url
        if error.keeps_query:  # the same path with its slashes right: the request's query goes along
            query = request.environ.get("QUERY_STRING")
            if query:
                url = f"{url}?{query}"
        target = url if "://" in url else f"{request.scheme}://{request.host}{request.script_root}{url}"
        return _Redirect(target, error.code)
    if isinstance(error, routing.MethodNotAllowed):
        return http_errors.MethodNotAllowed(error.allowed)
    return http_errors.NotFound()


def dispatch_request(self: App, request: Request) -> Any:
    """Call the matched view with the route's values."""
    rule = request.url_rule
    if rule is None:
        raise http_errors.NotFound()
    view = self.view_functions.get(request.endpoint)
    if view is None:
        raise LookupError(f"No view function is registered for endpoint {request.endpoint!r}.")
    if self._any_typed and (record := self._endpoints.get(request.endpoint)) is not None and record.typed:
        rv = self._feature("validation").binder_for(self, request.endpoint)(view, request)
    else:
        args = request.view_args
        rv = view(**args) if args else view()
    return settle(self, rv) if type(rv) is COROUTINE else rv


def settle(self: App, rv: Any) -> Any:
    """An async view's coroutine: run to its value under WSGI; as it is under ASGI (the driver awaits it)."""
    if (_running_loop is None or _running_loop() is None) and not _in_event_loop():
        return self._sync(rv)
    return rv


def make_default_options_response(self: App) -> Response:
    """The answer to OPTIONS on a URL no view handles it for: ``Allow`` lists the URL's methods."""
    request = current_request()
    response = self.response_class()
    response.headers.set("Allow", ", ".join(sorted(self.url_map.allowed_methods(request.path))))
    return response


def _through_middleware(self: App, request: Request) -> Response:
    def innermost(req: Request) -> Response:
        try:
            return self.full_dispatch_request(req)
        except Exception as e:
            return self.handle_exception(e)

    def layer(func: Callable[..., Any], call_next: Callable[[Request], Response]) -> Callable[[Request], Response]:
        def call(req: Request) -> Response:
            rv = self._sync(func(req, call_next))
            return rv if isinstance(rv, Response) else self.make_response(rv)  # each layer gets a Response
        return call

    call: Callable[[Request], Response] = innermost
    for func in reversed(self._middleware):
        call = layer(func, call)
    return call(request)


def _preflight(self: App, request: Request, path: str) -> Response | None:
    # Each method of the URL is judged by the policy of the rule that serves it: the policy of
    # the rule serving the requested method answers, and a method whose rule refuses the origin
    # is not listed.
    try:
        methods = self.url_map.allowed_methods(path)
    except routing.RoutingError:
        return None
    policies: dict[str, Any] = {}
    for method in methods:
        if method == "OPTIONS":
            continue
        try:
            rule, _ = self.url_map.match(path, method, return_rule=True)
        except routing.RoutingError:
            continue
        policies[method] = self._cors_for(rule.endpoint)
    wanted = str(request.environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")).strip().upper()
    policy = policies.get(wanted)
    if policy is None:
        return None
    answer: Response | None = self._feature("cors").preflight(request, policies, policy, self.response_class)
    return answer


def _post_process_response(self: App, request: Request, response: Response) -> None:
    # CORS headers, then compression: on every answer (errors and 404s included).
    environ = request.environ
    preflight = environ.get("REQUEST_METHOD") == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
    features = self._features  # (cors.apply, compression.compress, accesslog.write): App._decide loads them
    if features is None:
        self._decide()
        features = self._features
        assert features is not None  # _decide loads them whenever anything post-processes
    if self._uses_cors and not preflight:  # an allowed preflight has its headers; a refused one gets none
        policy = self._cors_for(request.endpoint)
        if policy is not None:
            features[0](request, response, policy)
    config = self.config
    if self._compresses(request.endpoint):
        features[1](request, response, int(config["COMPRESS_MIN_SIZE"]))
    if self._access_log:
        features[2](request, response, self._access_log)


def _scoped(self: App, kind: str, request: Request) -> list[Callable[..., Any]]:
    return self._scoped_for(kind, request.endpoint)


def _scoped_for(self: App, kind: str, endpoint: Any) -> list[Callable[..., Any]]:
    # The app's hooks first, then each enclosing blueprint's, outermost first (as Flask);
    # kept per endpoint until a hook is added.
    key = (kind, endpoint)
    found = self._scoped_cache.get(key)
    if found is None:
        hooks = self._hooks[kind]
        found = list(hooks.get(None, ()))
        for name in reversed(list(blueprint_names(endpoint))):
            found.extend(hooks.get(name, ()))
        if len(self._scoped_cache) < 4096:
            self._scoped_cache[key] = found
    return found


def do_teardown_request(self: App, exc: BaseException | None = None) -> None:
    """Run the teardown_request hooks for the current request (the request context's end calls this)."""
    for func in reversed(self._scoped("teardown", current_request())):
        self._sync(func(exc))


def do_teardown_appcontext(self: App, exc: BaseException | None = None) -> None:
    """Run the teardown_appcontext hooks (an application context's end calls this)."""
    for func in reversed(self._teardown_appcontext):
        self._sync(func(exc))


def _teardown(self: App, request: Request, error: BaseException | None) -> None:
    # The end of a request: its teardown_request hooks, then, when the request was its own
    # application context, the teardown_appcontext hooks; then uploaded files are closed.
    try:
        if self._hooks["teardown"]:
            self.do_teardown_request(error)  # the request is still the current one here
        if self._teardown_appcontext and app_context_owned(self):
            self.do_teardown_appcontext(error)
    finally:
        if "form" in request._cache:
            request.close()


def make_response(self: App, rv: Any) -> Response:
    """Turn a view's return value into a Response, exactly as Flask does.

    str/bytes: the body; dict/list: JSON; a Response as is; a generator/iterator: streamed;
    a tuple ``(body, status)``, ``(body, headers)`` or ``(body, status, headers)``.
    """
    kind = type(rv)
    if kind is str and self.response_class is Response:  # the common cases first
        return fast_response(Response, rv, HTML)
    if (kind is dict or kind is list) and self._json_fast:
        return fast_response(self.response_class, _json_bytes(rv), JSON)
    status: Any = None
    headers: Any = None
    if isinstance(rv, tuple):
        if len(rv) == 3:
            rv, status, headers = rv
        elif len(rv) == 2:
            if isinstance(rv[1], (Headers, dict, tuple, list)):
                rv, headers = rv
            else:
                rv, status = rv
        else:
            raise TypeError(
                f"The view function for {self._endpoint()!r} returned a tuple of {len(rv)} items; "
                "use (body, status, headers), (body, status), or (body, headers)."
            )
    if kind is COROUTINE:
        rv.close()
        raise RuntimeError(
            f"The view function for {self._endpoint()!r} is async and was called from sync code inside a running "
            "event loop: serve the app through its ASGI interface (app.asgi), or through a WSGI server."
        )
    if rv is None:
        raise TypeError(
            f"The view function for {self._endpoint()!r} did not return a valid response: it returned None "
            "or ended without a return statement."
        )
    if isinstance(rv, Response):
        response = rv
    elif isinstance(rv, (str, bytes, bytearray)):
        response = self.response_class(bytes(rv) if isinstance(rv, bytearray) else rv)
    elif isinstance(rv, (dict, list)):
        response = self.json.response(rv)
    elif isinstance(rv, HTTPError):
        response = self.error_response(rv, self._current_request())
    elif hasattr(rv, "__next__") or hasattr(rv, "__aiter__"):  # an iterator (collections.abc.Iterator's test)
        response = self.response_class(rv)
    elif callable(rv):
        # Any WSGI callable, as Flask's force_type: a werkzeug Response or HTTPException, another app.
        from .http.wsgi import call_wsgi

        request = self._current_request()
        status_line, header_list, body = call_wsgi(rv, request.environ if request is not None else {})
        response = self.response_class(body, status=status_line,
                                       headers=[(k, v) for k, v in header_list if k.lower() != "content-length"])
    else:
        raise TypeError(
            f"The view function for {self._endpoint()!r} returned a {type(rv).__name__}; it must return a "
            "str, bytes, dict, list, Response, generator (or async generator), WSGI callable, or a tuple of one of "
            "these with a status/headers."
        )
    if status is not None:
        response.status = status
    if headers:
        response.headers.update_from(headers)
    return response


def sync_value(rv: Any) -> Any:
    """A view's, hook's or handler's value; a coroutine is run to completion first (WSGI: on the
    thread's event loop; in an ASGI worker thread: on the server's loop)."""
    if type(rv) is COROUTINE:
        run = _resolve
        if run is None:  # the first coroutine: manypaths.coroutines (and asyncio) load with it
            run = _load_resolve()
        return run(rv)
    return rv


# coroutines.resolve once loaded (an import statement per call would cost every coroutine ~10k
# instructions of importlib's lookups).
_resolve: Callable[[Any], Any] | None = None


def _load_resolve() -> Callable[[Any], Any]:
    global _resolve
    from .coroutines import resolve

    _resolve = resolve
    return resolve


def current_request_or_none() -> Request | None:
    try:
        return current_request()
    except RuntimeError:
        return None


def current_endpoint() -> Any:
    try:
        return current_request().endpoint
    except RuntimeError:
        return None


class _Redirect(Exception):
    # A routing redirect on its way to the error handlers (answered as the redirect).

    def __init__(self, location: str, code: int) -> None:
        super().__init__(location)
        self.location = location
        self.code = code

    def response(self) -> Response:
        return redirect(self.location, self.code)


class _Options(Exception):
    """An automatic OPTIONS answer on its way through the hooks."""

