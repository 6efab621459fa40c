"""The App: a WSGI callable that routes each request to a view (Flask's model, on our Map)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from time import perf_counter

from . import routing
from .blueprints import Blueprint, Scaffold, blueprint_names
from .config import Config
from .context import (
    AppContext,
    RequestContext,
    _current,
    app_context_owned,
    current_app_object,
    current_request,
)
from .http import exceptions as http_errors
from .http.datastructures import Headers
from .http.exceptions import HTTPError
from .http.request import DEFAULT_MAX_BUFFERED, Request
from .http.response import Response, fast_response, json_text, redirect
from .params import Param

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable
    from typing import Any, TypeVar

    from .json import JSONProvider
    from .proxies import ProxyTrust
    from .testing import TestClient

    F = TypeVar("F", bound=Callable[..., Any])


async def _probe() -> None:
    return None


_probe_coroutine = _probe()
_COROUTINE: type[Any] = type(_probe_coroutine)  # types.CoroutineType, without importing types
_probe_coroutine.close()
del _probe_coroutine


def _in_event_loop() -> bool:
    global _running_loop
    if _running_loop is None:
        from asyncio import _get_running_loop  # asyncio is loaded: a coroutine exists

        _running_loop = _get_running_loop
    return _running_loop() is not None


_running_loop: Callable[[], object] | None = None


def _first_binder(app: App, endpoint: Any) -> Any:
    # The first typed request imports manypaths.validation (and msgspec); later ones call it directly.
    global _binder_for
    from .validation import binder_for

    _binder_for = binder_for
    return binder_for(app, endpoint)


_binder_for: Callable[..., Any] = _first_binder
# cors.apply, compression.compress, accesslog.write: imported when an app first uses one of them.
_features: tuple[Callable[..., Any], Callable[..., Any], Callable[..., Any]] | None = None


_STATIC_DEFAULT: Any = object()  # App(static_folder=...) not given: "static" if that folder exists

# What a view's str and dict become (Response's default mimetype; Flask's JSON type).
_HTML = "text/html; charset=utf-8"
_JSON = "application/json"


class App(Scaffold):
    """A web application: ``app = App(__name__)``, then ``@app.route("/")``.

    Args:
        import_name: the module's ``__name__`` (names the logger).
        debug: show tracebacks in 500 responses (never in production).
        max_content_length: the largest request body in bytes (larger: 413).
        strict_slashes: as ``Map``'s: ``/docs`` redirects to the rule ``/docs/``.
        converters: extra route converters by name.
        json_errors: answer every error page as RFC 9457 problem details (``application/problem+json``);
            by default only clients that prefer JSON (``Accept``) get them.
        static_folder: a folder of files served under ``static_url_path`` (endpoint ``static``:
            ``url_for("static", filename="app.css")``), relative to the module's folder. By default
            ``"static"`` when that folder exists; None: no static route.
        static_url_path: the URL path of those files (default ``/`` + the folder's name).
        asgi_threads: under ASGI, run every request in a worker thread (as Starlette runs sync
            views), so a blocking sync view never stalls the event loop. By default a request of an
            app without hooks runs inline on the loop (faster); apps with hooks always use threads.
        title, version: the OpenAPI document's ``info`` (see ``openapi()``, ``enable_docs()``).
        cors: a CORS policy for every route (``True``, an origin, a list, a predicate or
            ``manypaths.cors.CORS(...)``); blueprints and routes may set their own (``cors=``).
        compress: gzip (brotli/zstd when installed) for compressible answers the client accepts
            (``COMPRESS``, ``COMPRESS_MIN_SIZE``; see ``manypaths.compression``).
        access_log: one line per request (method, path, status, duration, request id; see
            ``manypaths.accesslog``): JSON on Lambda and Cloud Functions/Run, text locally. Default
            (None): on where a platform runs the app, off locally and with ``TESTING``.
        trusted_proxies: which ``X-Forwarded-*`` headers proxies in front of the app set, and how
            many proxies: an int N trusts ``X-Forwarded-For`` and ``-Proto`` from N proxies (as
            werkzeug's ProxyFix); ``manypaths.proxies.ProxyTrust(x_host=1, x_prefix=1, ...)`` (or a
            dict of those counts) widens it header by header. None: those headers are ignored, as
            any client can forge them. A forwarded host is checked against ``TRUSTED_HOSTS``.

    ``app.config`` (a ``Config``, Flask's loaders) holds ``DEBUG``, ``TESTING``,
    ``PROPAGATE_EXCEPTIONS``, ``MAX_CONTENT_LENGTH`` (every read, streams included; None),
    ``MAX_BUFFERED_CONTENT_LENGTH`` (a body read into memory: 16 MiB), ``TRUSTED_HOSTS`` and
    ``JSON_ERRORS``.
    """

    request_class = Request
    response_class = Response
    #: The class of ``app.json`` (None: ``manypaths.json.DefaultJSONProvider``, imported when first used).
    json_provider_class: type[JSONProvider] | None = None

    def __init__(
        self,
        import_name: str,
        *,
        debug: bool = False,
        max_content_length: int | None = None,
        strict_slashes: bool = True,
        converters: dict[str, type[routing.BaseConverter]] | None = None,
        json_errors: bool = False,
        static_folder: str | os.PathLike[str] | None = _STATIC_DEFAULT,
        static_url_path: str | None = None,
        asgi_threads: bool = False,
        title: str | None = None,
        version: str | None = None,
        cors: Any = None,
        compress: bool = False,
        trusted_proxies: int | ProxyTrust | dict[str, int] | None = None,
        access_log: bool | None = None,
    ) -> None:
        self.import_name = import_name
        self.root_path = _root_path(import_name)
        self.url_map = routing.Map(converters=converters, strict_slashes=strict_slashes)
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.config = Config(self.root_path, {
            "DEBUG": debug, "TESTING": False, "PROPAGATE_EXCEPTIONS": None, "MAX_CONTENT_LENGTH": max_content_length,
            "MAX_BUFFERED_CONTENT_LENGTH": DEFAULT_MAX_BUFFERED, "TRUSTED_HOSTS": None, "JSON_ERRORS": json_errors,
            "SERVER_NAME": None, "APPLICATION_ROOT": "/", "PREFERRED_URL_SCHEME": "http",
            "SEND_FILE_MAX_AGE_DEFAULT": None, "ASGI_THREADS": asgi_threads,
            "OPENAPI_TITLE": title, "OPENAPI_VERSION": version, "OPENAPI_DESCRIPTION": None,
            "DOCS_ASSETS_URL": None, "COMPRESS": compress, "COMPRESS_MIN_SIZE": 500,
            "ACCESS_LOG": access_log,
        })
        self.blueprints: dict[str, Blueprint] = {}
        # Scope None is the app; a blueprint's full name scopes its own handlers and hooks.
        self._error_handlers: dict[str | None, dict[int | type[BaseException], Callable[..., Any]]] = {}
        self._hooks: dict[str, dict[str | None, list[Callable[..., Any]]]] = {
            "before": {}, "after": {}, "teardown": {}, "url_value": {}, "url_defaults": {},
        }
        # Flask's names: functions by scope (None: the app; else a blueprint's name).
        self.url_value_preprocessors = self._hooks["url_value"]
        self.url_default_functions = self._hooks["url_defaults"]
        self.url_build_error_handlers: list[Callable[[routing.BuildError, str, dict[str, Any]], Any]] = []
        self._json: JSONProvider | None = None
        # True while dicts and lists can go out through the prebuilt encoder (see manypaths.json).
        self._json_stock = type(self).json_provider_class is None
        self._startup_hooks: list[Callable[[], Any]] = []
        self._shutdown_hooks: list[Callable[[], Any]] = []
        self._started = False
        self._teardown_appcontext: list[Callable[..., Any]] = []
        self._has_teardown = False  # any teardown_request or teardown_appcontext hook
        self._logger: Any = None
        # True while no hook or override can observe a response object (see wsgi_app); None: not known.
        self._plain: bool | None = None
        self._scoped_cache: dict[tuple[str, Any], list[Callable[..., Any]]] = {}
        self._asgi: Callable[..., Awaitable[None]] | None = None  # App.asgi, made on first use
        # Endpoints of typed views (see manypaths.validation): their Binder, once built (None before).
        self._typed: dict[Any, Any] = {}
        self._openapi_hidden: set[Any] = set()  # endpoints left out of the OpenAPI document
        self._route_status: dict[Any, int] = {}  # route(status=201): a typed view's success status
        # CORS policies by ("app", None), ("blueprint", name) or ("route", endpoint); see manypaths.cors.
        self._cors: dict[tuple[str, Any], Any] = {}
        self._cors_cache: dict[Any, Any] = {}
        # compress= of routes and blueprints, by the same keys (True/False; the app's is COMPRESS).
        self._compress: dict[tuple[str, Any], bool] = {}
        self._compress_cache: dict[Any, Any] = {}
        self._middleware: list[Callable[..., Any]] = []
        self._post_process = False  # CORS, compression or the access log on: set on the first request
        self._access_log: str | None = None  # where the access log is written ("aws", "gcp", "local"), if on
        #: Which X-Forwarded-* headers are applied, from how many proxies (a ``manypaths.proxies.ProxyTrust``;
        #: None: those headers are ignored).
        self.trusted_proxies: Any = None
        if trusted_proxies is not None:
            from .proxies import proxy_trust

            self.trusted_proxies = proxy_trust(trusted_proxies)
        if cors is not None:
            from .cors import policy

            self._set_cors(("app", None), policy(cors))
        self._openapi_cache: dict[Any, bytes] = {}
        self.static_folder: str | None = None
        self.static_url_path: str | None = None
        if static_folder is _STATIC_DEFAULT:
            default = os.path.join(self.root_path, "static")
            static_folder = default if os.path.isdir(default) else None
        if static_folder is not None:
            self.static_folder = os.path.join(self.root_path, os.fspath(static_folder))
            if static_url_path is None:
                static_url_path = "/" + os.path.basename(self.static_folder.rstrip("/\\"))
            self.static_url_path = static_url_path.rstrip("/")
            self.add_url_rule(f"{self.static_url_path}/<path:filename>", "static", self.send_static_file)

    @property
    def debug(self) -> bool:
        return bool(self.config["DEBUG"])

    @debug.setter
    def debug(self, value: bool) -> None:
        self.config["DEBUG"] = value

    @property
    def json(self) -> JSONProvider:
        """The JSON provider (``dumps``, ``loads``, ``response``; ``app.json.sort_keys = False``...)."""
        provider = self._json
        if provider is None:
            from .json import DefaultJSONProvider, is_stock

            provider = self._json = (type(self).json_provider_class or DefaultJSONProvider)(self)
            self._json_stock = is_stock(provider)
        return provider

    @json.setter
    def json(self, provider: JSONProvider) -> None:
        from .json import is_stock

        self._json = provider
        self._json_stock = is_stock(provider)

    @property
    def testing(self) -> bool:
        """``TESTING``: unhandled exceptions propagate to the caller (the test client) instead of a 500."""
        return bool(self.config["TESTING"])

    @testing.setter
    def testing(self, value: bool) -> None:
        self.config["TESTING"] = value

    @property
    def name(self) -> str:
        """The app's name: ``import_name``, or the script's name when run as ``__main__`` (as Flask)."""
        if self.import_name == "__main__":
            import sys

            path = getattr(sys.modules.get("__main__"), "__file__", None)
            if path:
                return str(os.path.splitext(os.path.basename(path))[0])
        return self.import_name

    @property
    def logger(self) -> Any:
        """The ``logging`` logger named after the app (logging is imported on first use)."""
        if self._logger is None:
            import logging

            self._logger = logging.getLogger(self.import_name)
        return self._logger

    # -- registration ---------------------------------------------------------------------------

    def add_url_rule(
        self,
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
            self._openapi_hidden.add(endpoint)
        if "cors" in options:
            from .cors import policy

            self._set_cors(("route", endpoint), policy(options.pop("cors")))
        if "compress" in options:
            self._set_compress(("route", endpoint), options.pop("compress"), rule)
        status = options.pop("status", None)
        if status is not None:
            if not isinstance(status, int) or not 100 <= status <= 599:
                raise TypeError(f"status for {rule!r} must be an HTTP status code like 201, not {status!r}")
            self._route_status[endpoint] = status
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
        self.url_map.add(url_rule)
        if view_func is not None:
            self.view_functions[endpoint] = view_func
        self._note_typed(endpoint)

    def _register_view(self, endpoint: str, func: Callable[..., Any]) -> None:
        self.view_functions[endpoint] = func
        self._note_typed(endpoint)

    def _set_cors(self, key: tuple[str, Any], checked: Any) -> None:
        self._cors[key] = checked  # None: explicitly off at that level (cors=False)
        self._cors_cache.clear()
        self._plain = None

    def _set_compress(self, key: tuple[str, Any], value: Any, where: str) -> None:
        if not isinstance(value, bool):
            raise TypeError(f"compress for {where!r} must be True or False, not {value!r}")
        self._compress[key] = value
        self._compress_cache.clear()
        self._plain = None

    def _cors_for(self, endpoint: Any) -> Any:
        return _most_specific(self._cors, self._cors_cache, endpoint)

    def _compresses(self, endpoint: Any) -> bool:
        # route(compress=...), else its blueprints' (innermost first), else COMPRESS.
        found = _most_specific(self._compress, self._compress_cache, endpoint) if self._compress else None
        return bool(self.config["COMPRESS"]) if found is None else bool(found)

    def middleware(self, func: F) -> F:
        """Wrap every request: ``func(request, call_next)`` returns the response (``call_next(request)``
        gives the app's: 404/405 and error pages included). Declared first is outermost. An exception
        it raises is handled like a view's (500, logged). ``app.wsgi_app = M(app.wsgi_app)`` wraps
        the WSGI callable instead."""
        self._middleware.append(func)
        self._plain = None
        return func

    def _through_middleware(self, request: Request) -> Response:
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

    def _preflight(self, request: Request, path: str) -> Response | None:
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
        from . import cors

        return cors.preflight(request, policies, policy, self.response_class)

    def _post_process_response(self, request: Request, response: Response) -> None:
        # CORS headers, then compression: on every answer (errors and 404s included).
        environ = request.environ
        preflight = environ.get("REQUEST_METHOD") == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
        global _features
        if _features is None:
            from . import accesslog, compression, cors

            _features = (cors.apply, compression.compress, accesslog.write)
        if self._cors and not preflight:  # an allowed preflight has its headers; a refused one gets none
            policy = self._cors_for(request.endpoint)
            if policy is not None:
                _features[0](request, response, policy)
        config = self.config
        if self._compresses(request.endpoint):
            _features[1](request, response, int(config["COMPRESS_MIN_SIZE"]))
        if self._access_log:
            _features[2](request, response, self._access_log)

    def _access_log_target(self) -> str | None:
        # ACCESS_LOG None: on where a platform runs the app (Lambda, Cloud Functions/Run), off in tests
        # and locally; True: on everywhere (text locally); False: off.
        setting = self.config["ACCESS_LOG"]
        env = os.environ
        where = ("aws" if env.get("AWS_LAMBDA_FUNCTION_NAME") else
                 "gcp" if env.get("K_SERVICE") or env.get("FUNCTION_TARGET") else "local")
        if setting is None:
            return None if where == "local" or self.config["TESTING"] else where
        return where if setting else None

    def _note_typed(self, endpoint: Any) -> None:
        # Whether the endpoint's view reads typed values from the request (decided from its code
        # object and return annotation only: nothing is imported until its first request).
        view = self.view_functions.get(endpoint)
        if view is None:
            return
        url_args: set[str] = set()
        for rule in self.url_map.iter_rules(endpoint):
            url_args |= rule.arguments
        if endpoint in self._route_status or is_typed_view(view, url_args):
            if not _installed("msgspec"):
                # At registration, not as a 500 on every request in production.
                raise ModuleNotFoundError(
                    f"view {endpoint!r} reads typed values (a marked parameter, a model, or route(status=...)), "
                    "which needs the validation extra: pip install 'manypaths[validation]'", name="msgspec")
            self._typed.setdefault(endpoint, None)
        else:
            self._typed.pop(endpoint, None)

    def register_error_handler(self, key: int | type[BaseException], func: Callable[..., Any]) -> None:
        self._add_error_handler(None, key, func)

    def _add_error_handler(self, scope: str | None, key: int | type[BaseException], func: Callable[..., Any]) -> None:
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
        self._error_handlers.setdefault(scope, {})[key] = func

    def _hook(self, kind: str, func: Callable[..., Any]) -> None:
        self._add_hook(None, kind, func)

    def _add_hook(self, scope: str | None, kind: str, func: Callable[..., Any]) -> None:
        self._hooks[kind].setdefault(scope, []).append(func)
        self._plain = None
        self._scoped_cache.clear()
        self._has_teardown = bool(self._hooks["teardown"] or self._teardown_appcontext)

    def teardown_appcontext(self, func: F) -> F:
        """Call ``func(error_or_None)`` when an application context ends: after each request (which
        is its own application context) and at the end of ``with app.app_context():``."""
        self._teardown_appcontext.append(func)
        self._has_teardown = True
        return func

    def register_blueprint(
        self,
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
            from .blueprints import _no_subdomain

            _no_subdomain(subdomain, full_name)
        self.blueprints[full_name] = blueprint
        blueprint.register(self, name=full_name, url_prefix=url_prefix, url_defaults=url_defaults)

    # -- OpenAPI --------------------------------------------------------------------------------

    def openapi(self, script_root: str | None = None) -> dict[str, Any]:
        """The app's OpenAPI 3.1 document (a dict), built from the route map and the typed views.

        ``script_root`` (default: the current request's, else ``APPLICATION_ROOT``) goes into
        ``servers`` when the app is mounted under a prefix. ``info`` comes from ``App(title=,
        version=)`` or the config keys ``OPENAPI_TITLE``, ``OPENAPI_VERSION``, ``OPENAPI_DESCRIPTION``.
        """
        from . import openapi as openapi_module

        return openapi_module.document(self, self._script_root() if script_root is None else script_root)

    def _script_root(self) -> str:
        request = self._current_request()
        if request is not None:
            return request.script_root
        root = str(self.config["APPLICATION_ROOT"] or "/").rstrip("/")
        return root

    def enable_docs(self, path: str = "/docs", spec_path: str = "/openapi.json", *,
                    assets_url: str | None = None, title: str | None = None) -> None:
        """Serve the OpenAPI document at ``spec_path`` and a Swagger UI page at ``path``.

        Both are answered under the app's script root (a Cloud Functions prefix, an API Gateway
        stage), and neither appears in the document. Swagger UI's files load from ``assets_url``
        (or the ``DOCS_ASSETS_URL`` config key; default: the jsDelivr CDN of ``swagger-ui-dist@5``);
        a path starting with ``/`` is taken under the script root, to self-host them. Nothing is
        imported until the first request to either.
        """
        app = self

        def openapi_spec() -> Response:
            from . import openapi as openapi_module

            data = openapi_module.document_json(app, current_request().script_root)
            return app.response_class(data, content_type="application/json")

        def openapi_docs() -> Response:
            from . import openapi as openapi_module

            root = current_request().script_root
            assets = assets_url or app.config["DOCS_ASSETS_URL"] or openapi_module.SWAGGER_UI_CDN
            if assets.startswith("/"):
                assets = root + assets
            doc_title = title or f"{app.config['OPENAPI_TITLE'] or app.name} - API docs"
            page = openapi_module.docs_page(doc_title, root + spec_path, assets)
            return app.response_class(page, content_type=_HTML)

        self.add_url_rule(spec_path, "openapi_spec", openapi_spec, include_in_schema=False)
        self.add_url_rule(path, "openapi_docs", openapi_docs, include_in_schema=False)

    # -- WSGI -----------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any] | None = None, *send: Any) -> Any:
        """The WSGI entry point (``app(environ, start_response)``), and the ASGI one: ``app(scope,
        receive, send)`` (ASGI 3) or ``app(scope)`` (ASGI 2, what uvicorn's auto-detection calls)."""
        if send or start_response is None:
            if send:
                return self.asgi(environ, start_response, send[0])  # type: ignore[arg-type]
            scope = environ
            return lambda receive, send: self.asgi(scope, receive, send)
        return self.wsgi_app(environ, start_response)

    @property
    def asgi(self) -> Callable[[dict[str, Any], Callable[..., Any], Callable[..., Any]], Awaitable[None]]:
        """The ASGI 3 application (``uvicorn module:app.asgi``; ``uvicorn module:app`` works too): HTTP
        and lifespan scopes; ``root_path`` becomes the script root, so ``url_for`` is right behind a
        prefix. A plain ``async def`` made on first use (``asyncio`` is imported then, not before)."""
        asgi = self._asgi
        if asgi is None:
            from .aio import asgi_application

            asgi = self._asgi = asgi_application(self)
        return asgi

    def on_startup(self, func: F) -> F:
        """Call ``func()`` (sync or async) once per process before the first request: at the ASGI
        lifespan startup, or before the first WSGI request (a Lambda container, a worker)."""
        self._startup_hooks.append(func)
        return func

    def on_shutdown(self, func: F) -> F:
        """Call ``func()`` (sync or async) at the ASGI lifespan shutdown (WSGI: at interpreter exit)."""
        self._shutdown_hooks.append(func)
        return func

    def _startup_sync(self) -> None:
        # WSGI: the startup hooks before the first request; shutdown hooks at exit.
        self._started = True
        for func in self._startup_hooks:
            self._sync(func())
        if self._shutdown_hooks:
            import atexit

            atexit.register(lambda: [self._sync(func()) for func in self._shutdown_hooks])

    async def _startup_async(self) -> None:
        from .aio import call_hooks

        if not self._started:
            self._started = True
            await call_hooks(self._startup_hooks)

    def _inline_asgi(self) -> bool:
        # Under ASGI, a request runs inline on the server's loop when no hook can run between the
        # view and the response (the WSGI fast path's condition) and nothing tears down.
        plain = self._plain
        if plain is None:
            plain = self._plain = self._nothing_observes_responses()
        return plain and not self._has_teardown

    @staticmethod
    def _sync(rv: Any) -> Any:
        """A view's, hook's or handler's value; a coroutine is run to completion first (WSGI: on the
        thread's event loop; in an ASGI worker thread: on the server's loop)."""
        if type(rv) is _COROUTINE:
            from .aio import resolve

            return resolve(rv)
        return rv

    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one request: match, hooks, the view, error handlers (``__call__`` calls this, so
        middleware can wrap it: ``app.wsgi_app = Middleware(app.wsgi_app)``)."""
        if self.trusted_proxies:
            from .proxies import apply_forwarded

            apply_forwarded(environ, self.trusted_proxies)
        request = self.request_class(environ)
        request.app = self
        limit = self.config["MAX_CONTENT_LENGTH"]
        if limit is not None:
            request.max_content_length = limit
        token = _current.set(request)
        error: BaseException | None = None
        try:
            try:
                plain = self._plain
                if plain is None:
                    if self._startup_hooks and not self._started:
                        self._startup_sync()
                    self._access_log = self._access_log_target()
                    plain = self._plain = self._nothing_observes_responses()
                    self._post_process = (bool(self._cors) or bool(self.config["COMPRESS"]) or bool(self._access_log)
                                          or any(self._compress.values()))
                if self._access_log:
                    environ["manypaths.started"] = perf_counter()  # the access log's duration
                if plain and self.response_class is Response:
                    # Nothing can see a Response object between the view and the server (no
                    # after-request hooks, no overridden make_response): text and JSON go out
                    # without one. Same status, headers and body as make_response would give.
                    rv = self._view_value(request, False)
                    kind = type(rv)
                    if kind is str or (kind is dict and self._json_stock and not self.config["DEBUG"]):
                        if kind is str:
                            data = rv.encode("utf-8")
                            content_type = _HTML
                        else:
                            data = json_text(rv).encode("ascii")
                            content_type = _JSON
                        start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(data)))])
                        return [] if environ.get("REQUEST_METHOD") == "HEAD" else [data]
                    response = self._make_response_or_error(rv, request)
                elif self._middleware:
                    response = self._through_middleware(request)
                else:
                    response = self.full_dispatch_request(request)
            except Exception as e:
                error = e
                response = self.handle_exception(e)
            if self._post_process:
                self._post_process_response(request, response)
            return response(environ, start_response)
        finally:
            if self._has_teardown or "form" in request._cache:
                self._teardown(request, error)
            _current.reset(token)
            if "manypaths.preserve_context" in environ:  # the test client's ``with client:``
                environ["manypaths.preserve_context"](request)

    def _nothing_observes_responses(self) -> bool:
        # Worked out on the first request (and again after a hook is added).
        cls = type(self)
        return (not self._hooks["before"] and not self._hooks["after"] and not self._hooks["url_value"]
                and not self._cors and not self._middleware and not self.config["COMPRESS"] and not self.trusted_proxies
                and not any(self._compress.values())
                and not self._access_log
                and cls.full_dispatch_request is App.full_dispatch_request and cls.make_response is App.make_response)

    def full_dispatch_request(self, request: Request) -> Response:
        """Match, run before-hooks, the view and after-hooks; turn errors into responses."""
        response = self._make_response_or_error(self._view_value(request, True), request)
        if self._hooks["after"]:
            for func in reversed(self._scoped("after", request)):
                response = self._sync(func(response))
        return response

    def _view_value(self, request: Request, hooks: bool) -> Any:
        # Match the request, run the before-request hooks (if ``hooks``), then the view: what it
        # returned, or what the error handlers made of a routing miss or an exception.
        environ = request.environ
        path = environ.get("PATH_INFO")
        if type(path) is str and path[:1] == "/" and path[1:2] != "/" and path.isascii():
            request._cache["path"] = path  # what request.path would work out, the common case
        else:
            path = request.path
        routing_error: Exception | None = None
        # WSGI servers send the method upper-case; Map.match upper-cases anything else itself.
        method = environ.get("REQUEST_METHOD") or "GET"
        try:
            if self.config["TRUSTED_HOSTS"] is not None:
                self._check_host(request)
            rule, request.view_args = self.url_map.match(
                path, method, return_rule=True, query_string=environ.get("QUERY_STRING") or "",
            )
            request.url_rule = rule
            request.endpoint = rule.endpoint
            if method != "GET" and rule.provide_automatic_options and str(method).upper() == "OPTIONS":
                routing_error = _Options()
        except routing.RoutingError as e:
            routing_error = self._routing_error(e, request)
        except http_errors.SecurityError as e:
            routing_error = e
        if (self._cors and method == "OPTIONS" and "HTTP_ACCESS_CONTROL_REQUEST_METHOD" in environ
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
                # Answer the miss directly: raising it again only to catch it below costs.
                return self.handle_user_exception(routing_error, request)
            if request.body_pending is not None:
                # An ASGI request served on the loop: its body is received now that a view will
                # run (never for a miss, a redirect or an automatic OPTIONS).
                return self._dispatch_after_body(request)
            return self.dispatch_request(request)
        except Exception as e:
            return self.handle_user_exception(e, request)

    async def _dispatch_after_body(self, request: Request) -> Any:
        receive_body, request.body_pending = request.body_pending, None
        if receive_body is not None:
            await receive_body(request)
        rv = self.dispatch_request(request)
        return (await rv) if type(rv) is _COROUTINE else rv

    def _make_response_or_error(self, rv: Any, request: Request) -> Response:
        try:
            return self.make_response(rv)
        except HTTPError as e:  # e.g. a header value with a line break
            return self.make_response(self.handle_user_exception(e, request))

    def _check_host(self, request: Request) -> None:
        # TRUSTED_HOSTS (as Flask's): a Host header not listed answers 400 before routing, so no URL
        # (redirect, url_for(_external=True)) is ever built from it. ".example.org" allows subdomains.
        host = str(request.environ.get("HTTP_HOST") or request.environ.get("SERVER_NAME") or "")
        if not host_is_trusted(host, self.config["TRUSTED_HOSTS"]):
            raise http_errors.SecurityError(f"Host {host[:100]!r} is not trusted.")

    def _routing_error(self, error: routing.RoutingError, request: Request) -> Exception:
        # What a miss of the route map answers: a redirect, 405 (with Allow) or 404.
        if isinstance(error, routing.RequestRedirect):
            url = error.new_url
            target = url if "://" in url else f"{request.scheme}://{request.host}{request.script_root}{url}"
            return _Redirect(target, error.code)
        if isinstance(error, routing.MethodNotAllowed):
            return http_errors.MethodNotAllowed(error.allowed)
        return http_errors.NotFound()

    def dispatch_request(self, request: Request) -> Any:
        """Call the matched view with the route's values."""
        rule = request.url_rule
        if rule is None:
            raise http_errors.NotFound()
        view = self.view_functions.get(request.endpoint)
        if view is None:
            raise LookupError(f"No view function is registered for endpoint {request.endpoint!r}.")
        if self._typed and request.endpoint in self._typed:
            rv = _binder_for(self, request.endpoint)(view, request)
        else:
            args = request.view_args
            rv = view(**args) if args else view()
        if type(rv) is _COROUTINE and (_running_loop is None or _running_loop() is None) and not _in_event_loop():
            return self._sync(rv)  # an async view under WSGI; under ASGI the caller awaits it
        return rv

    def make_default_options_response(self) -> Response:
        """The answer to OPTIONS on a URL no view handles it for: ``Allow`` lists the URL's methods."""
        request = current_request()
        response = self.response_class()
        response.headers.set("Allow", ", ".join(sorted(self.url_map.allowed_methods(request.path))))
        return response

    def _scoped(self, kind: str, request: Request) -> list[Callable[..., Any]]:
        return self._scoped_for(kind, request.endpoint)

    def _scoped_for(self, kind: str, endpoint: Any) -> list[Callable[..., Any]]:
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

    def do_teardown_request(self, exc: BaseException | None = None) -> None:
        """Run the teardown_request hooks for the current request (the request context's end calls this)."""
        for func in reversed(self._scoped("teardown", current_request())):
            self._sync(func(exc))

    def do_teardown_appcontext(self, exc: BaseException | None = None) -> None:
        """Run the teardown_appcontext hooks (an application context's end calls this)."""
        for func in reversed(self._teardown_appcontext):
            self._sync(func(exc))

    def _teardown(self, request: Request, error: BaseException | None) -> None:
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

    def app_context(self) -> AppContext:
        """An application context: ``with app.app_context():`` makes ``current_app`` and ``g`` work
        outside a request (scripts, CLI commands, tests), and ``url_for`` with ``SERVER_NAME``."""
        return AppContext(self)

    # -- errors ---------------------------------------------------------------------------------

    def _find_handler(self, error: BaseException, request: Request | None,
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

    def handle_user_exception(self, error: Exception, request: Request) -> Any:
        """An HTTP error or an exception a handler is registered for becomes a response; others re-raise."""
        if isinstance(error, _Redirect):
            return error.response()
        if isinstance(error, _Options):
            return self.make_default_options_response()
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

    def error_response(self, error: HTTPError, request: Request | None = None) -> Response:
        """The page for an HTTP error no handler took: RFC 9457 problem details for a client that
        prefers JSON (or with ``JSON_ERRORS``), the HTML page otherwise."""
        if error.response is None and (self.config["JSON_ERRORS"] or (request is not None and wants_json(request))):
            return error.get_response(json=True)
        return error.get_response()

    def handle_exception(self, error: Exception) -> Response:
        """An unhandled exception: log it with its traceback and answer 500 (the traceback only in debug).

        With ``TESTING`` or ``PROPAGATE_EXCEPTIONS`` the exception propagates instead (the test client
        raises it), as in Flask. The after-request hooks run on the 500 response, as in Flask.
        """
        propagate = self.config["PROPAGATE_EXCEPTIONS"]
        if propagate is None:
            propagate = self.config["TESTING"]
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

    # -- responses --------------------------------------------------------------------------------

    def make_response(self, rv: Any) -> Response:
        """Turn a view's return value into a Response, exactly as Flask does.

        str/bytes: the body; dict/list: JSON; a Response as is; a generator/iterator: streamed;
        a tuple ``(body, status)``, ``(body, headers)`` or ``(body, status, headers)``.
        """
        kind = type(rv)
        if kind is str and self.response_class is Response:  # the common cases first
            return fast_response(Response, rv, _HTML)
        if kind is dict and self._json_stock and not self.config["DEBUG"]:
            return fast_response(self.response_class, json_text(rv), _JSON)
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
        if kind is _COROUTINE:
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
        elif isinstance(rv, Iterator) or hasattr(rv, "__aiter__"):
            response = self.response_class(rv)
        else:
            raise TypeError(
                f"The view function for {self._endpoint()!r} returned a {type(rv).__name__}; it must return a "
                "str, bytes, dict, list, Response, generator (or async generator), or a tuple of one of these "
                "with a status/headers."
            )
        if status is not None:
            response.status = status
        if headers:
            pairs = headers.items() if isinstance(headers, (dict, Headers)) else headers
            for key, value in pairs:
                response.headers.set(key, value) if not isinstance(headers, list) else response.headers.add(key, value)
        return response

    @staticmethod
    def _current_request() -> Request | None:
        try:
            return current_request()
        except RuntimeError:
            return None

    @staticmethod
    def _endpoint() -> Any:
        try:
            return current_request().endpoint
        except RuntimeError:
            return None

    # -- URLs -----------------------------------------------------------------------------------

    def url_for(
        self,
        endpoint: str,
        /,
        *,
        _external: bool | None = None,
        _anchor: str | None = None,
        _method: str | None = None,
        _scheme: str | None = None,
        **values: Any,
    ) -> str:
        """The URL of ``endpoint`` for the current request (its script root and host).

        ``".view"`` means a view of the current blueprint; extra values go to the query string.
        Outside a request (an application context, a script) the URL is external and built from
        ``SERVER_NAME``, ``APPLICATION_ROOT`` and ``PREFERRED_URL_SCHEME``, as in Flask. The
        ``url_defaults`` functions fill in values first; a ``BuildError`` goes to the
        ``url_build_error_handlers`` before it is raised.
        """
        request = _current.get(None)
        if request is not None:
            if endpoint[:1] == ".":
                names = list(blueprint_names(request.endpoint))
                endpoint = f"{names[0]}{endpoint}" if names else endpoint[1:]
            if _external is None:
                _external = _scheme is not None
            script_name, scheme, host = request.script_root, request.scheme, request.host
        else:
            if endpoint[:1] == ".":
                endpoint = endpoint[1:]
            server = self.config["SERVER_NAME"]
            if not server:
                raise RuntimeError(
                    f"url_for({endpoint!r}) outside a request needs SERVER_NAME in app.config (the host URLs are "
                    "built for); also set APPLICATION_ROOT and PREFERRED_URL_SCHEME as needed."
                )
            if _external is None:
                _external = True
            script_name = str(self.config["APPLICATION_ROOT"] or "/").rstrip("/")
            scheme = self.config["PREFERRED_URL_SCHEME"] or "http"
            host = str(server)
        if _scheme is not None and not _external:
            raise ValueError("When specifying '_scheme', '_external' must be True.")
        if self._hooks["url_defaults"]:
            self.inject_url_defaults(endpoint, values)
        try:
            url = self.url_map.build(
                endpoint, values, method=_method, script_name=script_name, force_external=_external,
                url_scheme=_scheme or scheme, host=host,
            )
        except routing.BuildError as e:
            error = routing.BuildError(e.endpoint, e.values, e.method, reason=e.reason, suggestion=e.suggestion)
            values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
            return self.handle_url_build_error(error, endpoint, values)
        if _anchor is not None:
            from urllib.parse import quote

            url += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
        return url

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Let the ``url_defaults`` functions (the app's, then those of the endpoint's blueprints)
        fill ``values`` in place before ``endpoint``'s URL is built."""
        for func in self._scoped_for("url_defaults", endpoint):
            func(endpoint, values)

    def handle_url_build_error(self, error: routing.BuildError, endpoint: str, values: dict[str, Any]) -> str:
        """Ask each of ``url_build_error_handlers`` (``handler(error, endpoint, values)``) for a URL;
        the first that returns one wins; else ``error`` is raised."""
        for handler in self.url_build_error_handlers:
            try:
                rv = handler(error, endpoint, values)
            except routing.BuildError as e:
                error = e  # the next handler sees this one
                continue
            if rv is not None:
                return str(rv)
        raise error from None

    # -- files ----------------------------------------------------------------------------------

    @property
    def has_static_folder(self) -> bool:
        return self.static_folder is not None

    def send_static_file(self, filename: str) -> Response:
        """The view of the ``static`` endpoint: ``filename`` from ``static_folder`` (404 outside it)."""
        if self.static_folder is None:
            raise RuntimeError("App has no static_folder: pass App(static_folder=...) to serve static files.")
        from .files import send_from_directory

        return send_from_directory(self.static_folder, filename, max_age=self.get_send_file_max_age(filename))

    def get_send_file_max_age(self, filename: str | None) -> int | None:
        """``Cache-Control: max-age`` of a sent file: ``SEND_FILE_MAX_AGE_DEFAULT`` (seconds or a
        timedelta; None: ``no-cache``, the browser revalidates with the ETag). Override per file type."""
        value = self.config["SEND_FILE_MAX_AGE_DEFAULT"]
        if value is None:
            return None
        if hasattr(value, "total_seconds"):
            return int(value.total_seconds())
        return int(value)

    # -- tools ----------------------------------------------------------------------------------

    def test_request_context(self, path: str = "/", method: str = "GET", **kwargs: Any) -> RequestContext:
        """A request context for tests and scripts, as Flask's: ``with app.test_request_context("/users/1"):``
        makes ``request``, ``g``, ``url_for`` and ``current_app`` work without dispatching a view.

        ``kwargs`` are those of ``manypaths.testing.build_environ`` (``base_url``, ``query_string``,
        ``headers``, ``data``, ``json``, ``content_type``, ``environ_overrides``). The URL is matched:
        ``request.url_rule``, ``endpoint`` and ``view_args`` are set when a rule matches it.
        """
        from .testing import build_environ

        request = self.request_class(build_environ(path, method, **kwargs))
        request.app = self
        request.max_content_length = self.config["MAX_CONTENT_LENGTH"]
        try:
            request.url_rule, request.view_args = self.url_map.match(request.path, request.method, return_rule=True)
            request.endpoint = request.url_rule.endpoint
        except routing.RoutingError:
            pass  # not matched: url_rule stays None, as in a view-less request
        return RequestContext(request)

    def test_client(self) -> TestClient:
        """A client that calls the app in-process: ``app.test_client().get("/")``."""
        from .testing import TestClient

        return TestClient(self)

    def run(self, host: str = "127.0.0.1", port: int = 8080, *, prefix: str = "") -> None:
        """Serve the app with the standard library's threaded WSGI server (for local use)."""
        from .serving import run

        run(self, host=host, port=port, prefix=prefix)


def _most_specific(table: dict[tuple[str, Any], Any], cache: dict[Any, Any], endpoint: Any) -> Any:
    # A per-route setting (CORS policy, compress=): the route's, its blueprints' (innermost first),
    # the app's; None when no level sets it. Kept per endpoint until a setting changes.
    try:
        return cache[endpoint]
    except KeyError:
        pass
    found = None
    for key in (("route", endpoint), *(("blueprint", name) for name in blueprint_names(endpoint)), ("app", None)):
        if key in table:
            found = table[key]
            break
    if len(cache) < 4096:
        cache[endpoint] = found
    return found


def _installed(module: str) -> bool:
    # Whether ``module`` can be imported, asked of the import system's finders: nothing is imported.
    import sys

    if module in sys.modules:
        return sys.modules[module] is not None
    return any(getattr(finder, "find_spec", None) is not None and finder.find_spec(module, None) is not None
               for finder in sys.meta_path)


def _is_model_class(obj: Any) -> bool:
    # A dataclass, msgspec Struct, pydantic model or TypedDict, told by attributes (nothing imported).
    return isinstance(obj, type) and any(hasattr(obj, name) for name in (
        "__dataclass_fields__", "__struct_fields__", "__pydantic_fields__", "__required_keys__"))


def _is_marker(obj: Any) -> bool:
    # Query(), Header(), Cookie(), Body(), Path(): an instance, or the class named in a string annotation.
    return isinstance(obj, Param) or (isinstance(obj, type) and issubclass(obj, Param))


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


def _root_path(import_name: str) -> str:
    # The folder of the app's module (config files are relative to it), as Flask's root_path.
    import sys

    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None)
    return os.path.dirname(os.path.abspath(filename)) if filename else os.getcwd()


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


_ROUTING_CODES: dict[type[BaseException], int] = {routing.NotFound: 404, routing.MethodNotAllowed: 405}


def host_is_trusted(host: str, trusted: Iterable[str]) -> bool:
    """Whether ``host`` (a Host header, port allowed) is one of ``trusted`` (``".example.org"``: and
    its subdomains), compared without the port and case-insensitively, as werkzeug's."""
    if isinstance(trusted, str):
        trusted = [trusted]
    if host.startswith("["):
        name = host.partition("]")[0] + "]"
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    name = name.lower().rstrip(".")
    if not name:
        return False
    for ref in trusted:
        ref = ref.lower()
        if ref.startswith("."):
            if name == ref[1:] or name.endswith(ref):
                return True
        elif name == ref:
            return True
    return False


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


class _Redirect(Exception):
    """The canonical URL differs (a trailing slash, merged slashes, ``redirect_to``)."""

    def __init__(self, location: str, code: int) -> None:
        super().__init__(location)
        self.location = location
        self.code = code

    def response(self) -> Response:
        return redirect(self.location, self.code)


class _Options(Exception):
    """OPTIONS on a rule that answers it automatically (``Allow``): before-request hooks run first."""


def url_for(endpoint: str, /, **values: Any) -> str:
    """The URL of ``endpoint`` in the current request's app (see ``App.url_for``)."""
    return current_app_object().url_for(endpoint, **values)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response of one value, several (a list), or keyword arguments (an object), made by the
    current app's JSON provider (see ``manypaths.json``)."""
    from .json import jsonify as provider_jsonify

    return provider_jsonify(*args, **kwargs)


def make_response(*args: Any) -> Response:
    """A Response from what a view may return (``make_response("hi", 201)``)."""
    app = current_app_object()
    if not args:
        return app.response_class()
    return app.make_response(args[0] if len(args) == 1 else args)
