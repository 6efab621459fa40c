"""The App: the public face of the framework (Flask's model, on our Map).

It holds what the app is made of (routes, views, hooks, error handlers, config, policies) and binds
the core as its methods: a request's road is ``manypaths.dispatch`` (with ``manypaths.errors`` and
``manypaths.urls``), reached through a driver: ``manypaths.wsgi`` (``app(environ,
start_response)``) or ``manypaths.asgi`` (``app.asgi``). See ARCHITECTURE.md.
"""

from __future__ import annotations

import os

from . import dispatch, registration, routing
from .blueprints import Blueprint, Scaffold, _template_decorator
from .config import Config
from .context import AppContext, RequestContext, current_app_object
from .http.exceptions import HTTPError
from .http.request import DEFAULT_MAX_BUFFERED, Request
from .http.response import Response, speedup

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable, Iterable
    from typing import Any, TypeVar

    from .json import JSONProvider
    from .proxies import ProxyTrust
    from .registration import Endpoint
    from .testing import TestClient

    F = TypeVar("F", bound=Callable[..., Any])


_STATIC_DEFAULT: Any = object()  # App(static_folder=...) not given: "static" if that folder exists


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
        title: the OpenAPI document's ``info.title`` (see ``openapi()``, ``enable_docs()``).
        version: the OpenAPI document's ``info.version``.
        cors: a CORS policy for every route (``True``, an origin, a list, a predicate or
            ``manypaths.cors.CORS(...)``); blueprints and routes may set their own (``cors=``).
        compress: gzip (brotli/zstd when installed) for compressible answers the client accepts
            (``COMPRESS``, ``COMPRESS_MIN_SIZE``; see ``manypaths.compression``).
        root_path: the app's folder (default: its module's); config files, resources and templates
            are relative to it.
        instance_path: an absolute path for files that are not deployed with the code (default:
            ``<root_path>/instance``); ``instance_relative_config`` makes config files relative to it.
        template_folder: templates for ``render_template`` (default ``"templates"``).
        static_host: Flask's host routing, not supported: any value is a ValueError that says so.
        host_matching: the same (only False is accepted).
        subdomain_matching: the same (only False is accepted).
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
        root_path: str | os.PathLike[str] | None = None,
        instance_path: str | os.PathLike[str] | None = None,
        instance_relative_config: bool = False,
        template_folder: str | os.PathLike[str] | None = "templates",
        static_host: str | None = None,
        host_matching: bool = False,
        subdomain_matching: bool = False,
    ) -> None:
        if host_matching or static_host is not None or subdomain_matching:
            which = "host_matching" if host_matching else "static_host" if static_host is not None else \
                "subdomain_matching"
            raise ValueError(f"App({which}=...) is not supported: manypaths routes by path only. Deploy one function "
                             "per host, or read request.host in a before_request hook.")
        self.import_name = import_name
        self.root_path = os.fspath(root_path) if root_path is not None else _root_path(import_name)
        if instance_path is None:
            instance_path = os.path.join(self.root_path, "instance")
        elif not os.path.isabs(instance_path):
            raise ValueError(f"App(instance_path={os.fspath(instance_path)!r}) must be an absolute path, as Flask's.")
        #: The instance folder (Flask's: for files that are not deployed with the code, such as a local
        #: database): ``<root_path>/instance`` by default. Not created for you.
        self.instance_path = os.fspath(instance_path)
        #: Templates are looked up here (relative to ``root_path``); see ``manypaths.templating``.
        self.template_folder = os.fspath(template_folder) if template_folder is not None else None
        self._cloudevents = False  # a CloudEvent handler is registered: such POSTs go to it
        #: Where Flask extensions keep their state (``app.extensions["name"]``).
        self.extensions: dict[str, Any] = {}
        #: Context processors by scope (None: every render; a blueprint's name: its requests), as Flask's.
        self.template_context_processors: dict[str | None, list[Callable[[], dict[str, Any]]]] = {None: []}
        #: Template filters, tests and globals, by name (given to ``jinja_env`` when it is made).
        self.template_extras: dict[str, dict[str, Callable[..., Any]]] = {"filters": {}, "tests": {}, "globals": {}}
        self.url_map = routing.Map(converters=converters, strict_slashes=strict_slashes)
        self.view_functions: dict[str, Callable[..., Any]] = {}
        self.config = Config(self.instance_path if instance_relative_config else self.root_path, {
            "DEBUG": debug, "TESTING": False, "PROPAGATE_EXCEPTIONS": None, "MAX_CONTENT_LENGTH": max_content_length,
            "MAX_BUFFERED_CONTENT_LENGTH": DEFAULT_MAX_BUFFERED, "TRUSTED_HOSTS": None, "JSON_ERRORS": json_errors,
            "SERVER_NAME": None, "APPLICATION_ROOT": "/", "PREFERRED_URL_SCHEME": "http",
            "SEND_FILE_MAX_AGE_DEFAULT": None, "ASGI_THREADS": asgi_threads,
            "OPENAPI_TITLE": title, "OPENAPI_VERSION": version, "OPENAPI_DESCRIPTION": None,
            "DOCS_ASSETS_URL": None, "COMPRESS": compress, "COMPRESS_MIN_SIZE": 500,
            "ACCESS_LOG": access_log, "SECRET_KEY": None,
            "MAX_FORM_MEMORY_SIZE": 500_000, "MAX_FORM_PARTS": 1000,
            "SECRET_KEY_FALLBACKS": None, "SESSION_COOKIE_NAME": "session", "SESSION_COOKIE_DOMAIN": None,
            "SESSION_COOKIE_PATH": None, "SESSION_COOKIE_HTTPONLY": True, "SESSION_COOKIE_SECURE": False,
            "SESSION_COOKIE_PARTITIONED": False, "SESSION_COOKIE_SAMESITE": None,
            "SESSION_REFRESH_EACH_REQUEST": True, "PERMANENT_SESSION_LIFETIME": 31 * 86400,  # seconds (or a timedelta)
            "TRAP_HTTP_EXCEPTIONS": False, "TRAP_BAD_REQUEST_ERRORS": None, "TEMPLATES_AUTO_RELOAD": None,
            "EXPLAIN_TEMPLATE_LOADING": False,
        })
        # A setting that chooses the road (compression, the access log, ASGI_THREADS; JSON_ERRORS: the
        # compiled road's 404 page) changed: decided again; settings every request reads are kept as
        # attributes (no dict lookup per request).
        self.config.watched = frozenset({"COMPRESS", "ACCESS_LOG", "DEBUG", "TRUSTED_HOSTS", "MAX_CONTENT_LENGTH",
                                         "TRAP_HTTP_EXCEPTIONS", "TRAP_BAD_REQUEST_ERRORS", "ASGI_THREADS",
                                         "JSON_ERRORS"})
        self.config.on_change = self._setting_changed
        self._debug = bool(debug)
        self._trap = self._debug  # an HTTP error may be trapped (TRAP_*; a missing key's 400 in debug)
        self._trusted_hosts: Any = None
        self._max_content_length: int | None = max_content_length
        self.blueprints: dict[str, Blueprint] = {}
        # Scope None is the app; a blueprint's full name scopes its own handlers and hooks.
        self._error_handlers: dict[str | None, dict[int | type[BaseException], Callable[..., Any]]] = {}
        self._hooks: dict[str, dict[str | None, list[Callable[..., Any]]]] = {
            "before": {}, "after": {}, "teardown": {}, "url_value": {}, "url_defaults": {},
            "before_event": {}, "after_event": {},
        }
        # Flask's names: functions by scope (None: the app; else a blueprint's name).
        self.url_value_preprocessors = self._hooks["url_value"]
        self.url_default_functions = self._hooks["url_defaults"]
        self.url_build_error_handlers: list[Callable[[routing.BuildError, str, dict[str, Any]], Any]] = []
        self._json: JSONProvider | None = None
        # True while dicts and lists can go out through the prebuilt encoder (see manypaths.json).
        self._json_stock = type(self).json_provider_class is None
        self._json_fast = self._json_stock and not self._debug  # finish's JSON road: kept by _json_road
        self._startup_hooks: list[Callable[[], Any]] = []
        self._shutdown_hooks: list[Callable[[], Any]] = []
        self._started = False
        self._teardown_appcontext: list[Callable[..., Any]] = []
        self._has_teardown = False  # any teardown_request or teardown_appcontext hook
        self._logger: Any = None
        # True while no hook or override can observe a response object (see wsgi_app); None: not known.
        self._plain: bool | None = None
        # The compiled road (dispatch.decide): set with _plain, None wherever _plain is.
        self._road: Any = None
        self._scoped_cache: dict[tuple[str, Any], list[Callable[..., Any]]] = {}
        self._asgi: Callable[..., Awaitable[None]] | None = None  # App.asgi, made on first use
        self._rsgi: Callable[..., Awaitable[None]] | None = None  # App.__rsgi__'s driver, made on first use
        # One record per endpoint with facts beyond its view (see manypaths.endpoints).
        self._endpoints: dict[Any, Endpoint] = {}
        self._any_typed = False  # some endpoint's view is typed (the dispatch checks its record)
        # CORS policies and compress= of the app ("app", None) and blueprints ("blueprint", name);
        # a route's own is in its record. Resolved per endpoint (route, blueprints, app) and kept.
        self._cors: dict[tuple[str, Any], Any] = {}
        self._cors_cache: dict[Any, Any] = {}
        self._compress: dict[tuple[str, Any], bool] = {}
        self._compress_cache: dict[Any, Any] = {}
        self._uses_cors = False  # a cors= setting anywhere (CORS post-processing and preflights)
        self._compress_on = False  # compress=True on a route or blueprint
        self._middleware: list[Callable[..., Any]] = []
        # The road requests take, decided by _decide on the first request (see manypaths.dispatch).
        self._fast = False  # str/dict answered without a Response object
        self._inline = False  # ASGI: served on the server's loop
        self._post_process = False  # CORS, compression or the access log on
        self._features: tuple[Callable[..., Any], ...] | None = None  # cors.apply, compression.compress, accesslog.write
        self._access_log: str | None = None  # where the access log is written ("aws", "gcp", "local"), if on
        self._trusted_proxies: Any = None  # (trusted_proxies, below)
        if trusted_proxies is not None:
            from .proxies import proxy_trust

            self.trusted_proxies = proxy_trust(trusted_proxies)
        if cors is not None:
            self._set_cors(("app", None), cors)
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
    def secret_key(self) -> Any:
        """``config["SECRET_KEY"]``: signs the session cookie (see ``manypaths.sessions``)."""
        return self.config["SECRET_KEY"]

    @secret_key.setter
    def secret_key(self, value: Any) -> None:
        self.config["SECRET_KEY"] = value

    @property
    def cli(self) -> Any:
        """The app's click group (``@app.cli.command("init-db")``), run as ``manypaths --app APP init-db``
        or with ``app.test_cli_runner()``; click is imported on first use (see ``manypaths.appcli``)."""
        group = self.__dict__.get("_cli")
        if group is None:
            from .appcli import AppGroup

            group = self.__dict__["_cli"] = AppGroup(self.name)
        return group

    # -- event triggers (manypaths.events: loaded with the first handler) ----------------------------

    @property
    def triggers(self) -> Any:
        """The app's event handlers (a ``manypaths.events.EventRouter``): ``app.on_sqs``... add to it."""
        found = self.__dict__.get("_events")
        if found is None:
            from .events import EventRouter

            found = self.__dict__["_events"] = EventRouter()
        return found

    def _add_event(self, kind: str, match: dict[str, Any], func: Callable[..., Any], batch: bool,
                   scope: str | None = None) -> None:
        from .events import matcher

        options = dict(match)
        envelope = options.pop("_envelope", None)
        kind, found = matcher(kind, **options)
        self.triggers.add(kind, found, func, batch, envelope, scope)
        if kind == "cloudevent":
            self._cloudevents = True

    def handle_event(self, event: dict[str, Any], context: Any = None) -> Any:
        """Route a non-HTTP Lambda event to the handlers (``lambda_handler`` calls this; bound to
        ``manypaths.events.handle_lambda_event`` on the first event)."""
        return _bind_events().handle_lambda_event(self, event, context)

    # -- templates (manypaths.templating, Jinja2: loaded with the first render) -----------------------

    @property
    def jinja_env(self) -> Any:
        """The Jinja environment templates render in (made on first use)."""
        found = self.__dict__.get("_jinja_env")
        if found is None:
            from .templating import create_environment

            found = self.__dict__["_jinja_env"] = create_environment(self)
        return found

    def _template_part(self, kind: str, name: str | None, func: Callable[..., Any], app_wide: bool) -> None:
        self._add_template_part(kind, name, func, None)

    def _add_template_part(self, kind: str, name: str | None, func: Callable[..., Any], scope: str | None) -> None:
        if kind == "context":
            self.template_context_processors.setdefault(scope, []).append(func)
            return
        key = name or func.__name__
        self.template_extras[kind][key] = func
        env = self.__dict__.get("_jinja_env")
        if env is not None:
            getattr(env, kind)[key] = func

    def template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """A template filter (``{{ value|name }}``); the function's name by default."""
        return _template_decorator(self, "filters", name)

    def add_template_filter(self, func: Callable[..., Any], name: str | None = None) -> None:
        self._add_template_part("filters", name, func, None)

    def template_test(self, name: str | None = None) -> Callable[[F], F]:
        """A template test (``{% if value is name %}``)."""
        return _template_decorator(self, "tests", name)

    def add_template_test(self, func: Callable[..., Any], name: str | None = None) -> None:
        self._add_template_part("tests", name, func, None)

    def template_global(self, name: str | None = None) -> Callable[[F], F]:
        """A global for every template."""
        return _template_decorator(self, "globals", name)

    def add_template_global(self, func: Callable[..., Any], name: str | None = None) -> None:
        self._add_template_part("globals", name, func, None)

    @property
    def session_interface(self) -> Any:
        """How sessions are opened and saved: Flask's signed cookie (``manypaths.sessions``) unless set."""
        found = self.__dict__.get("_session_interface")
        if found is None:
            from .sessions import SecureCookieSessionInterface

            found = self.__dict__["_session_interface"] = SecureCookieSessionInterface()
        return found

    @session_interface.setter
    def session_interface(self, value: Any) -> None:
        self.__dict__["_session_interface"] = value

    def open_session(self, request: Request) -> Any:
        """The request's session (``manypaths.session`` calls this on first use)."""
        from .sessions import open_session

        return open_session(self, request)

    def save_session(self, request: Request, response: Response) -> Response:
        """Write the request's session into ``response`` (after the after-request hooks)."""
        from .sessions import save_session

        return save_session(self, request, response)

    def test_cli_runner(self, **kwargs: Any) -> Any:
        """A click ``CliRunner`` for the app's commands: ``runner.invoke(args=["init-db"])``."""
        from .appcli import CliRunner

        return CliRunner(self, **kwargs)

    def open_resource(self, resource: str, mode: str = "rb", encoding: str | None = None) -> Any:
        """Open a file relative to ``root_path`` for reading (as Flask's: ``app.open_resource("schema.sql")``)."""
        return _open_inside(self.root_path, resource, mode, encoding)

    def open_instance_resource(self, resource: str, mode: str = "rb", encoding: str | None = None) -> Any:
        """Open a file relative to ``instance_path`` (reading or writing, as Flask's)."""
        return _open_inside(self.instance_path, resource, mode, encoding, writable=True)

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
            self._json_road()
        return provider

    @json.setter
    def json(self, provider: JSONProvider) -> None:
        from .json import is_stock

        self._json = provider
        self._json_stock = is_stock(provider)
        self._json_road()

    def json_settings_changed(self) -> None:
        """A setting of the JSON provider changed: dicts and lists go through it from now on
        (the provider calls this; the prebuilt encoder is used only while nothing changed)."""
        self._json_stock = False
        self._json_road()

    @property
    def trusted_proxies(self) -> Any:
        """Which X-Forwarded-* headers are applied, from how many proxies (a
        ``manypaths.proxies.ProxyTrust``; None: those headers are ignored). Set after the first
        request, the next request decides its road again (the compiled road is for apps without)."""
        return self._trusted_proxies

    @trusted_proxies.setter
    def trusted_proxies(self, value: Any) -> None:
        self._trusted_proxies = value
        self._plain = self._road = None

    def _json_road(self) -> None:
        # dispatch.finish writes a view's dict or list with the prebuilt encoder while the JSON
        # provider is the stock one and debug is off (debug pretty-prints): one attribute to read.
        fast = self._json_stock and not self._debug
        if fast is not self._json_fast:
            self._json_fast = fast
            self._plain = self._road = None  # (the compiled road holds it)

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

    # -- registration (manypaths.registration) ---------------------------------------------------

    add_url_rule = registration.add_url_rule
    _register_view = registration._register_view
    _set_cors = registration._set_cors
    _set_compress = registration._set_compress
    _cors_for = registration._cors_for
    _compresses = registration._compresses
    middleware = registration.middleware
    _note_typed = registration._note_typed
    register_error_handler = registration.register_error_handler
    _add_error_handler = registration._add_error_handler
    _hook = registration._hook
    _add_hook = registration._add_hook
    teardown_appcontext = registration.teardown_appcontext
    register_blueprint = registration.register_blueprint



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
        from .docs import enable_docs  # a small module: the document's machinery loads with the first request

        enable_docs(self, path, spec_path, assets_url=assets_url, title=title)

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
            from .asgi import asgi_application

            asgi = self._asgi = asgi_application(self)
        return asgi

    @property
    def __rsgi__(self) -> Callable[[Any, Any], Awaitable[None]]:
        """The RSGI entry point, ``app.__rsgi__(scope, protocol)``: ``granian --interface rsgi
        module:app`` (``manypaths.rsgi``). The driver itself (made on first read): granian reads it
        once and calls it per request, without a method's frame between."""
        rsgi = self._rsgi
        if rsgi is None:
            from .rsgi import rsgi_application

            rsgi = self._rsgi = rsgi_application(self)
        return rsgi

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
        from .coroutines import call_hooks

        if not self._started:
            self._started = True
            await call_hooks(self._startup_hooks)

    # -- the road a request takes (decided once; see manypaths.dispatch) -------------------------

    _decide = dispatch.decide

    def _setting_changed(self, key: str) -> None:
        config = self.config
        if key in ("DEBUG", "TRAP_HTTP_EXCEPTIONS", "TRAP_BAD_REQUEST_ERRORS"):
            self._debug = bool(config.get("DEBUG"))
            self._json_road()
            trap_bad_request = config.get("TRAP_BAD_REQUEST_ERRORS")
            self._trap = bool(config.get("TRAP_HTTP_EXCEPTIONS") or trap_bad_request
                              or (trap_bad_request is None and self._debug))
        elif key == "TRUSTED_HOSTS":
            self._trusted_hosts = config.get("TRUSTED_HOSTS")
        elif key == "MAX_CONTENT_LENGTH":
            self._max_content_length = config.get("MAX_CONTENT_LENGTH")
        else:
            router = self.__dict__.get("_events")
            if router is not None:
                router.log_target = False  # ACCESS_LOG: the next event decides again
        self._plain = self._road = None  # the next request, whatever its driver, decides the road again

    def _feature(self, name: str) -> Any:
        """A feature module the core uses, imported on first use (the face imports features; the
        core never does): cors, compression, accesslog, proxies, validation."""
        # The imports inside functions that keep the cold start small are these and the ones
        # listed in ARCHITECTURE.md; each feature loads with the first app that uses it.
        if name == "cors":
            from . import cors

            return cors
        if name == "compression":
            from . import compression

            return compression
        if name == "accesslog":
            from . import accesslog

            return accesslog
        if name == "proxies":
            from . import proxies

            return proxies
        if name == "validation":
            from . import validation

            return validation
        if name == "events":
            from . import events

            return events
        raise LookupError(f"no feature {name!r}")

    # The core, bound as methods (Flask's names; subclasses may override them): manypaths.dispatch,
    # manypaths.errors, manypaths.urls.
    full_dispatch_request = dispatch.full_dispatch_request
    dispatch_request = dispatch.dispatch_request
    make_response = dispatch.make_response
    make_default_options_response = dispatch.make_default_options_response
    do_teardown_request = dispatch.do_teardown_request
    do_teardown_appcontext = dispatch.do_teardown_appcontext
    _view_value = dispatch._view_value
    _dispatch_after_body = dispatch._dispatch_after_body
    _make_response_or_error = dispatch._make_response_or_error
    _check_host = dispatch._check_host
    _routing_error = dispatch._routing_error
    _through_middleware = dispatch._through_middleware
    _preflight = dispatch._preflight
    _post_process_response = dispatch._post_process_response
    _scoped = dispatch._scoped
    _scoped_for = dispatch._scoped_for
    _teardown = dispatch._teardown
    _sync = staticmethod(dispatch.sync_value)
    _current_request = staticmethod(dispatch.current_request_or_none)
    _endpoint = staticmethod(dispatch.current_endpoint)

    # Errors (manypaths.errors) and the WSGI driver (manypaths.wsgi) are bound on first use, as URL
    # building is: a plain first request never loads errors, an ASGI-only app never loads the WSGI
    # driver. Each stub replaces itself (on App, not on a subclass that overrides it).
    def handle_user_exception(self, error: Exception, request: Request) -> Any:
        """An HTTP error or an exception a handler is registered for becomes a response; others re-raise."""
        return _bind_errors().handle_user_exception(self, error, request)

    def handle_exception(self, error: Exception) -> Response:
        """An unhandled exception: logged, 500 (see ``manypaths.errors.handle_exception``)."""
        response: Response = _bind_errors().handle_exception(self, error)
        return response

    def error_response(self, error: HTTPError, request: Request | None = None) -> Response:
        """The page for an HTTP error no handler took (see ``manypaths.errors.error_response``)."""
        response: Response = _bind_errors().error_response(self, error, request)
        return response

    def _find_handler(self, error: BaseException, request: Request | None,
                      original: BaseException | None = None) -> Callable[..., Any] | None:
        handler: Callable[..., Any] | None = _bind_errors()._find_handler(self, error, request, original)
        return handler

    # URL building (manypaths.urls) is bound on its first use: a request that builds no URL never
    # loads it (cold start). The stubs below replace themselves with the module's functions.
    def url_for(self, endpoint: str, /, **values: Any) -> str:
        """The URL of ``endpoint`` for the current request (see ``manypaths.urls.url_for``)."""
        return str(_bind_urls().url_for(self, endpoint, **values))

    def inject_url_defaults(self, endpoint: str, values: dict[str, Any]) -> None:
        """Let the ``url_defaults`` functions fill ``values`` (see ``manypaths.urls``)."""
        _bind_urls().inject_url_defaults(self, endpoint, values)

    def handle_url_build_error(self, error: routing.BuildError, endpoint: str, values: dict[str, Any]) -> str:
        """Ask the ``url_build_error_handlers`` for a URL (see ``manypaths.urls``)."""
        return str(_bind_urls().handle_url_build_error(self, error, endpoint, values))


    def wsgi_app(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        """Answer one request: match, hooks, the view, error handlers (``__call__`` calls this, so
        middleware can wrap it: ``app.wsgi_app = Middleware(app.wsgi_app)``)."""
        answer: Iterable[bytes] = _bind_wsgi().wsgi_app(self, environ, start_response)
        return answer


    def app_context(self) -> AppContext:
        """An application context: ``with app.app_context():`` makes ``current_app`` and ``g`` work
        outside a request (scripts, CLI commands, tests), and ``url_for`` with ``SERVER_NAME``."""
        return AppContext(self)


    # -- URLs -----------------------------------------------------------------------------------


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

    def static_view(self, folder: str) -> Callable[[str], Response]:
        """A view sending ``filename`` from ``folder`` (a blueprint's ``static`` endpoint), as ``send_static_file``."""

        def send_static_file(filename: str) -> Response:
            from .files import send_from_directory

            return send_from_directory(folder, filename, max_age=self.get_send_file_max_age(filename))

        return send_static_file

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

    def test_client(self, use_cookies: bool = True, **kwargs: Any) -> TestClient:
        """A client that calls the app in-process: ``app.test_client().get("/")`` (``use_cookies=False``:
        no cookie jar; ``base_url=``; SERVER_NAME, APPLICATION_ROOT and PREFERRED_URL_SCHEME by default)."""
        from .testing import TestClient

        return TestClient(self, use_cookies=use_cookies, **kwargs)

    def run(self, host: str | None = None, port: int | None = None, debug: bool | None = None, *, prefix: str = "",
            load_dotenv: bool = True, **options: Any) -> None:
        """Serve the app with the standard library's threaded WSGI server (for local use), as Flask's
        ``app.run(host, port, debug=...)``: ``host`` 127.0.0.1 and ``port`` 5000 by default.

        ``debug`` sets ``DEBUG``. Options of werkzeug's development server that change nothing here
        (``threaded``, ``use_reloader``, ``use_debugger``...) are accepted and ignored; any other
        option is a TypeError naming it.
        """
        from .serving import run

        ignored = {"threaded", "processes", "use_reloader", "use_debugger", "use_evalex", "reloader_type",
                   "reloader_interval", "extra_files", "exclude_patterns", "passthrough_errors", "request_handler",
                   "ssl_context"}
        unknown = sorted(set(options) - ignored)
        if unknown:
            raise TypeError(f"app.run() got unknown options: {', '.join(unknown)}")
        if options.get("ssl_context") is not None:
            raise TypeError("app.run(ssl_context=...) is not supported: serve HTTPS with a real server (gunicorn, "
                            "uvicorn, granian) or a proxy")
        if debug is not None:
            self.debug = bool(debug)
        run(self, host=host or "127.0.0.1", port=5000 if port is None else int(port), prefix=prefix)


def _root_path(import_name: str) -> str:
    # The folder of the app's module (config files are relative to it), as Flask's root_path.
    import sys

    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None)
    return os.path.dirname(os.path.abspath(filename)) if filename else os.getcwd()


def _open_inside(folder: str, resource: str, mode: str, encoding: str | None, writable: bool = False) -> Any:
    # A resource path may not leave its folder (a ".." or an absolute path is a ValueError naming it).
    if mode not in ("r", "rt", "rb") and not (writable and set(mode) <= set("rwtbax+")):
        raise ValueError(f"open_resource is for reading: mode {mode!r} is not allowed")
    target = os.path.normpath(os.path.join(folder, resource))
    if os.path.isabs(resource) or not (target + os.sep).startswith(os.path.normpath(folder) + os.sep):
        raise ValueError(f"resource {resource!r} is outside {folder}")
    if "b" in mode:
        return open(target, mode)
    return open(target, mode, encoding=encoding or "utf-8")


_python_call = App.__call__  # (what the compiled __call__ hands ASGI calls to)


def _bind(module: Any, names: tuple[str, ...]) -> Any:
    # App's stubs for ``names`` become ``module``'s functions (a subclass's own overrides stay its own).
    for name in names:
        if App.__dict__[name].__module__ == __name__:
            setattr(App, name, getattr(module, name))
    return module


def _bind_events() -> Any:
    from . import events  # the first event

    if App.__dict__["handle_event"].__module__ == __name__:
        App.handle_event = events.handle_lambda_event  # type: ignore[method-assign, assignment]
    return events


def _bind_errors() -> Any:
    from . import errors  # the first error handled

    return _bind(errors, ("handle_user_exception", "handle_exception", "error_response", "_find_handler"))


def _bind_wsgi() -> Any:
    from . import wsgi  # the first WSGI request

    _bind(wsgi, ("wsgi_app",))
    # App.__call__ compiled where built: a WSGI server's app(environ, start_response) reaches
    # wsgi_app without a Python frame between (~1.4k instructions a request, counted), and where
    # wsgi_app is App's own and the compiled road is taken, does its work without its frames.
    if App.__dict__["__call__"] is _python_call and not wsgi.COMPILED_CALL:
        bind_call = speedup("bind_call")
        if bind_call is not None:
            wsgi.COMPILED_CALL.append(bind_call(App, _python_call, wsgi.wsgi_app, wsgi.respond))
            App.__call__ = wsgi.COMPILED_CALL[0]  # type: ignore[method-assign]
    return wsgi


def _bind_urls() -> Any:
    from . import urls  # the first URL built

    return _bind(urls, ("url_for", "inject_url_defaults", "handle_url_build_error"))


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


def __getattr__(name: str) -> Any:
    # Names that lived here before the core was split out, importable from here as before.
    if name == "host_is_trusted":
        from .proxies import host_is_trusted

        return host_is_trusted
    if name in ("is_typed_view", "view_target"):
        return getattr(registration, name)
    if name == "wants_json":
        return _bind_errors().wants_json
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
