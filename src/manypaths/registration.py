"""Registration: what an App is made of — rules and views, hooks, error handlers, blueprints,
per-route policies (CORS, compression), middleware — one record per endpoint (``Endpoint``), and
the typed-view check at registration.

Every change that alters the road a request takes sets ``_plain = None``, so the next request
decides it again (``App._decide``). The functions take the App as ``self``: ``App`` binds them as
its methods (Flask's names).
"""

from __future__ import annotations

import sys

from . import routing
from .blueprints import _no_subdomain, most_specific
from .http import exceptions as http_errors
from .http.exceptions import HTTPError

TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeVar

    from .app import App
    from .blueprints import Blueprint

    F = TypeVar("F", bound=Callable[..., Any])

# -- one record per endpoint: what the app knows of an endpoint besides its view --------------------
# (app.view_functions, Flask's dict, holds the view). A record is made when an endpoint first gets a
# fact: a typed view (and its Binder, built on the first typed request), route(status=...),
# include_in_schema=False, or a route's own cors= or compress= (UNSET until then: the blueprint's
# or the app's applies).


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


#: A route setting not given on the route itself (its blueprint's or the app's applies).
UNSET: Any = _Unset()


class Endpoint:
    """The facts about one endpoint."""

    __slots__ = ("name", "typed", "binder", "status", "hidden", "cors", "compress")

    def __init__(self, name: Any) -> None:
        self.name = name
        self.typed = False  # its view reads typed values (see manypaths.validation)
        self.binder: Any = None  # the typed view's Binder, built on its first typed request
        self.status: int | None = None  # route(status=201): a typed view's success status
        self.hidden = False  # left out of the OpenAPI document
        self.cors: Any = UNSET  # the route's own CORS policy (None: off on this route)
        self.compress: Any = UNSET  # the route's own compress= (True/False)

    def __repr__(self) -> str:
        return f"<Endpoint {self.name!r}>"


def record(endpoints: dict[Any, Endpoint], name: Any) -> Endpoint:
    """The record of endpoint ``name`` in ``endpoints``, made on first use."""
    found = endpoints.get(name)
    if found is None:
        found = endpoints[name] = Endpoint(name)
    return found


# routing.NotFound / MethodNotAllowed: the app answers them as 404 / 405.
_ROUTING_CODES: dict[type[BaseException], int] = {routing.NotFound: 404, routing.MethodNotAllowed: 405}


def add_url_rule(
    self: App,
    rule: str,
    endpoint: str | None = None,
    view_func: Callable[..., Any] | None = None,
    provide_automatic_options: bool | None = None,
    **options: Any,
) -> None:
    """Route ``rule`` to ``view_func`` under ``endpoint`` (default: the function's name).

    ``options`` go to ``Rule``: ``methods``, ``defaults``, ``strict_slashes``, ``redirect_to``...
    OPTIONS is answered automatically (``Allow``) unless the view lists it itself or
    ``provide_automatic_options=False``.
    """
    if endpoint is None:
        if view_func is None:
            raise TypeError(f"add_url_rule({rule!r}) needs an endpoint or a view function")
        endpoint = view_func.__name__
    methods = options.pop("methods", None)
    if not options.pop("include_in_schema", True):
        record(self._endpoints, endpoint).hidden = True
    if "cors" in options:
        self._set_cors(("route", endpoint), options.pop("cors"))
    if "compress" in options:
        self._set_compress(("route", endpoint), options.pop("compress"), rule)
    status = options.pop("status", None)
    if status is not None:
        if not isinstance(status, int) or not 100 <= status <= 599:
            raise TypeError(f"status for {rule!r} must be an HTTP status code like 201, not {status!r}")
        record(self._endpoints, endpoint).status = status
    if methods is None:
        methods = getattr(view_func, "methods", None) or ("GET",)
    if isinstance(methods, str):
        raise TypeError(f"methods for {rule!r} must be a list of strings, like ['GET', 'POST'], not {methods!r}")
    methods = {str(m).upper() for m in methods}
    # As Flask: OPTIONS is answered for the rule (with Allow) unless the view handles it itself.
    if provide_automatic_options is None:
        provide_automatic_options = getattr(view_func, "provide_automatic_options", None)
    if provide_automatic_options is None:
        provide_automatic_options = "OPTIONS" not in methods
    if provide_automatic_options:
        methods.add("OPTIONS")
    url_rule = routing.Rule(rule, endpoint=endpoint, methods=methods, **options)
    url_rule.provide_automatic_options = bool(provide_automatic_options)
    if view_func is not None:
        existing = self.view_functions.get(endpoint)
        if existing is not None and existing is not view_func:
            raise AssertionError(
                f"View function mapping is overwriting an existing endpoint function: {endpoint!r}"
            )
    try:
        self.url_map.add(url_rule)
    except routing.RuleError:
        if view_func is not None or endpoint in self.view_functions:
            raise
        # A rule without a view, for an endpoint that has none, on a URL another rule already serves
        # (flaskr's app.add_url_rule("/", endpoint="index") beside its blog's "/"): a build-only
        # alias, so url_for("index") works; the other rule answers the URL.
        url_rule = routing.Rule(rule, endpoint=endpoint, methods=methods, build_only=True, **options)
        url_rule.provide_automatic_options = bool(provide_automatic_options)
        self.url_map.add(url_rule)
    if view_func is not None:
        self.view_functions[endpoint] = view_func
    self._note_typed(endpoint)


def _register_view(self: App, endpoint: str, func: Callable[..., Any]) -> None:
    self.view_functions[endpoint] = func
    self._note_typed(endpoint)


def _set_cors(self: App, key: tuple[str, Any], setting: Any) -> None:
    # A cors= setting of the app, a blueprint or a route, checked and made a policy by manypaths.cors
    # (a bad one fails here, at start-up); None: explicitly off at that level (cors=False).
    policy = self._feature("cors").policy(setting)
    if key[0] == "route":
        record(self._endpoints, key[1]).cors = policy
    else:
        self._cors[key] = policy
    self._uses_cors = True
    self._cors_cache.clear()
    self._plain = self._road = None


def _set_compress(self: App, key: tuple[str, Any], value: Any, where: str) -> None:
    if not isinstance(value, bool):
        raise TypeError(f"compress for {where!r} must be True or False, not {value!r}")
    if key[0] == "route":
        record(self._endpoints, key[1]).compress = value
    else:
        self._compress[key] = value
    self._compress_on = self._compress_on or value
    self._compress_cache.clear()
    self._plain = self._road = None


def _cors_for(self: App, endpoint: Any) -> Any:
    # The route's policy, else its blueprints' (innermost first), else the app's (None: none).
    try:
        return self._cors_cache[endpoint]
    except KeyError:
        found = _setting(self, "cors", self._cors, endpoint)
        if len(self._cors_cache) < 4096:
            self._cors_cache[endpoint] = found
        return found


def _compresses(self: App, endpoint: Any) -> bool:
    # route(compress=...), else its blueprints' (innermost first), else COMPRESS.
    try:
        found = self._compress_cache[endpoint]
    except KeyError:
        found = _setting(self, "compress", self._compress, endpoint)
        if len(self._compress_cache) < 4096:
            self._compress_cache[endpoint] = found
    return bool(self.config["COMPRESS"]) if found is None else bool(found)


def _setting(self: App, kind: str, table: dict[tuple[str, Any], Any], endpoint: Any) -> Any:
    own = self._endpoints.get(endpoint)
    if own is not None and getattr(own, kind) is not UNSET:
        return getattr(own, kind)
    return most_specific(table, endpoint)


def middleware(self: App, func: F) -> F:
    """Wrap every request: ``func(request, call_next)`` returns the response (``call_next(request)``
    gives the app's: 404/405 and error pages included). Declared first is outermost. An exception
    it raises is handled like a view's (500, logged). ``app.wsgi_app = M(app.wsgi_app)`` wraps
    the WSGI callable instead."""
    self._middleware.append(func)
    self._plain = self._road = None
    return func


def _note_typed(self: App, endpoint: Any) -> None:
    # Whether the endpoint's view reads typed values from the request (decided from its code
    # object and return annotation only: nothing is imported until its first request).
    view = self.view_functions.get(endpoint)
    if view is None:
        return
    url_args: set[str] = set()
    for rule in self.url_map.iter_rules(endpoint):
        url_args |= rule.arguments
    known = self._endpoints.get(endpoint)
    if (known is not None and known.status is not None) or is_typed_view(view, url_args):
        if not installed("msgspec"):
            # At registration, not as a 500 on every request in production.
            raise ModuleNotFoundError(
                f"view {endpoint!r} reads typed values (a marked parameter, a model, or route(status=...)), "
                "which needs the validation extra: pip install 'manypaths[validation]'", name="msgspec")
        record(self._endpoints, endpoint).typed = True
        self._any_typed = True
        self._plain = self._road = None  # (the compiled road knows the typed endpoints)
    elif known is not None and known.typed:
        known.typed = False
        known.binder = None
        self._plain = self._road = None


def register_error_handler(self: App, key: int | type[BaseException], func: Callable[..., Any]) -> None:
    self._add_error_handler(None, key, func)


def _add_error_handler(self: App, scope: str | None, key: int | type[BaseException], func: Callable[..., Any]) -> None:
    if isinstance(key, int):
        http_errors.error_class(key)  # a clear error for a code that is not an HTTP error
    elif not (isinstance(key, type) and issubclass(key, BaseException)):
        raise TypeError(f"errorhandler takes an HTTP status code or an exception class, not {key!r}")
    elif key in _ROUTING_CODES:
        key = _ROUTING_CODES[key]  # routing.NotFound / MethodNotAllowed: the app answers them as 404 / 405
    elif issubclass(key, routing.RoutingError) and not issubclass(key, routing.BuildError):
        raise TypeError(
            f"errorhandler({key.__module__}.{key.__name__}) would never be called: routing misses are "
            "answered as HTTP errors. Register errorhandler(404) or errorhandler(405) (manypaths.exceptions."
            "NotFound / MethodNotAllowed); redirects (308) are not errors and have no handler."
        )
    elif issubclass(key, HTTPError) and key is not HTTPError and "code" in key.__dict__:
        key = key.code
    elif not issubclass(key, HTTPError):
        code = http_errors.foreign_code(key)  # werkzeug.exceptions.NotFound and the like: by their code
        if code is not None:
            key = code
        elif http_errors.is_foreign_http_base(key):
            key = HTTPError  # werkzeug's HTTPException itself: every HTTP error, ours included
    self._error_handlers.setdefault(scope, {})[key] = func
    self._plain = self._road = None  # (the compiled road answers a miss with the page only while there are none)


def _hook(self: App, kind: str, func: Callable[..., Any]) -> None:
    self._add_hook(None, kind, func)


def _add_hook(self: App, scope: str | None, kind: str, func: Callable[..., Any]) -> None:
    self._hooks[kind].setdefault(scope, []).append(func)
    self._plain = self._road = None
    self._scoped_cache.clear()
    self._has_teardown = bool(self._hooks["teardown"] or self._teardown_appcontext)


def teardown_appcontext(self: App, func: F) -> F:
    """Call ``func(error_or_None)`` when an application context ends: after each request (which
    is its own application context) and at the end of ``with app.app_context():``."""
    self._teardown_appcontext.append(func)
    self._has_teardown = True
    return func


def register_blueprint(
    self: App,
    blueprint: Blueprint,
    *,
    url_prefix: str | None = None,
    name: str | None = None,
    url_defaults: dict[str, Any] | None = None,
    subdomain: str | None = None,
) -> None:
    """Add a blueprint's routes, handlers and hooks (under ``name``, default the blueprint's).

    ``url_defaults`` are default view values of each of its rules (merged over the blueprint's own);
    ``subdomain`` must be None (no host matching).
    """
    full_name = name or blueprint.name
    if full_name in self.blueprints:
        raise ValueError(f"A blueprint named {full_name!r} is already registered; pass name= to register again.")
    if subdomain is not None:
        _no_subdomain(subdomain, full_name)
    self.blueprints[full_name] = blueprint
    blueprint.register(self, name=full_name, url_prefix=url_prefix, url_defaults=url_defaults)


# -- which views are typed (decided at registration from the code object: nothing imported) ------


def installed(module: str) -> bool:
    # Whether ``module`` can be imported, asked of the import system's finders once (each asking
    # walks sys.path: ~0.1 ms, which a 200-view app paid per typed view): nothing is imported.
    if module in sys.modules:
        return sys.modules[module] is not None
    found = _FOUND.get(module)
    if found is None:
        found = _FOUND[module] = any(getattr(finder, "find_spec", None) is not None
                                     and finder.find_spec(module, None) is not None for finder in sys.meta_path)
    return found


# The finders' answers, by module name (the few extras asked about).
_FOUND: dict[str, bool] = {}


def _is_model_class(obj: Any) -> bool:
    # A dataclass, msgspec Struct, pydantic model or TypedDict, told by attributes (nothing imported).
    return isinstance(obj, type) and any(hasattr(obj, name) for name in (
        "__dataclass_fields__", "__struct_fields__", "__pydantic_fields__", "__required_keys__"))


def _is_marker(obj: Any) -> bool:
    # Query(), Header(), Cookie(), Body(), Path(): an instance, or the class named in a string
    # annotation. No marker exists unless manypaths.params was imported: an app without markers
    # never loads it (cold start).
    params = sys.modules.get("manypaths.params")
    if params is None:
        return False
    marker = params.Param
    return isinstance(obj, marker) or (isinstance(obj, type) and issubclass(obj, marker))


def _names(annotation: Any, scope: dict[str, Any], test: Callable[[Any], bool]) -> bool:
    # Whether ``annotation`` names something ``test`` accepts, looked up without evaluating it.
    if isinstance(annotation, str):  # ``from __future__ import annotations``: look the names up
        for char in "[],|.()=":
            annotation = annotation.replace(char, " ")
        return any(test(scope.get(word)) for word in annotation.split())
    if test(annotation):
        return True
    parts = (*(getattr(annotation, "__args__", ()) or ()), *(getattr(annotation, "__metadata__", ()) or ()))
    return any(_names(arg, scope, test) for arg in parts)


def _names_model(annotation: Any, scope: dict[str, Any]) -> bool:
    return _names(annotation, scope, _is_model_class)


def view_target(func: Any) -> tuple[Any, bool]:
    """The function a view's decorators wrap (``__wrapped__``), and whether there were any."""
    target = func
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    return target, target is not func


def is_typed_view(func: Any, url_args: Iterable[str]) -> bool:
    """Whether a view reads typed values from the request, and so is called through
    ``manypaths.validation``; others are called exactly as Flask calls them.

    A parameter is filled from the request only when the developer marked it: ``Query``,
    ``Header``, ``Cookie``, ``Body`` or ``Path`` in ``typing.Annotated``, or (not behind a
    decorator, which may supply that argument itself) a model type read from the JSON body. A view
    whose return annotation names a model is typed too.
    """
    target, wrapped = view_target(func)
    code = getattr(target, "__code__", None)
    if code is None:
        return False
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    if hasattr(target, "__self__"):
        names = names[1:]  # a bound method's self
    annotations = getattr(target, "__annotations__", None) or {}
    scope = getattr(target, "__globals__", {})
    known = set(url_args)
    for name in names:
        annotation = annotations.get(name)
        if annotation is None:
            continue
        if _names(annotation, scope, _is_marker):
            return True
        if not wrapped and name not in known and _names_model(annotation, scope):
            return True
    returns = annotations.get("return")
    return returns is not None and _names_model(returns, scope)
