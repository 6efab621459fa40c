"""The registration surface shared by App and Blueprint, and the Blueprint itself."""

from __future__ import annotations

import os

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from typing import Any, TypeVar

    from .app import App

if TYPE_CHECKING:
    F = TypeVar("F", bound=Callable[..., Any])


class Scaffold:
    """``route``, ``get``/``post``/..., ``errorhandler`` and request hooks, for App and Blueprint."""

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        raise NotImplementedError

    def route(self, rule: str, **options: Any) -> Callable[[F], F]:
        """Register the decorated view for ``rule`` (``methods=[...]``, ``endpoint=...``, ``defaults=...``)."""

        def decorator(func: F) -> F:
            self.add_url_rule(rule, options.pop("endpoint", None), func, **options)
            return func

        return decorator

    def _method_route(self, method: str, rule: str, options: dict[str, Any]) -> Callable[[F], F]:
        if "methods" in options:
            raise TypeError(f"Use the 'route' decorator to give 'methods'; '{method.lower()}' sets it to {method}.")
        return self.route(rule, methods=[method], **options)

    def get(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["GET"])``."""
        return self._method_route("GET", rule, options)

    def post(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["POST"])``."""
        return self._method_route("POST", rule, options)

    def put(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["PUT"])``."""
        return self._method_route("PUT", rule, options)

    def patch(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["PATCH"])``."""
        return self._method_route("PATCH", rule, options)

    def delete(self, rule: str, **options: Any) -> Callable[[F], F]:
        """``route(rule, methods=["DELETE"])``."""
        return self._method_route("DELETE", rule, options)

    def endpoint(self, endpoint: str) -> Callable[[F], F]:
        """Register the decorated function as the view of ``endpoint`` (for rules added without one)."""

        def decorator(func: F) -> F:
            self._register_view(endpoint, func)
            return func

        return decorator

    def _register_view(self, endpoint: str, func: Callable[..., Any]) -> None:
        raise NotImplementedError

    def errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """Handle an HTTP error code or an exception class (and its subclasses) with the decorated function."""

        def decorator(func: F) -> F:
            self.register_error_handler(code_or_exception, func)
            return func

        return decorator

    def register_error_handler(self, key: int | type[BaseException], func: Callable[..., Any]) -> None:
        raise NotImplementedError

    def before_request(self, func: F) -> F:
        """Call ``func()`` before each view; a return value other than None is the response."""
        self._hook("before", func)
        return func

    def after_request(self, func: F) -> F:
        """Call ``func(response)`` after each view; it returns the response to send."""
        self._hook("after", func)
        return func

    def teardown_request(self, func: F) -> F:
        """Call ``func(error_or_None)`` when the request ends, even after an error."""
        self._hook("teardown", func)
        return func

    def url_value_preprocessor(self, func: F) -> F:
        """Call ``func(endpoint, view_args)`` after matching, before the before-request hooks: it may
        pop values from ``view_args`` (a language code kept in ``g``, say) before the view sees them."""
        self._hook("url_value", func)
        return func

    def url_defaults(self, func: F) -> F:
        """Call ``func(endpoint, values)`` before each ``url_for``: it fills in values in place."""
        self._hook("url_defaults", func)
        return func

    def _hook(self, kind: str, func: Callable[..., Any]) -> None:
        raise NotImplementedError

    def context_processor(self, func: F) -> F:
        """Call ``func()`` before each render: the dict it returns is added to the template's context
        (on a Blueprint: for its own requests only)."""
        self._template_part("context", None, func, False)
        return func

    def _template_part(self, kind: str, name: str | None, func: Callable[..., Any], app_wide: bool) -> None:
        raise NotImplementedError

    # -- event triggers (manypaths.events): routed like paths, by what the event is ----------------

    def before_event(self, func: F) -> F:
        """Call ``func(event)`` before each event handler (a record of a batch, an EventBridge event, a
        CloudEvent; a whole-batch handler's list). A value other than None is taken as the handler's
        result and the handler is not called; an exception fails the record as the handler's would.
        On a Blueprint: for its own handlers only."""
        self._hook("before_event", func)
        return func

    def after_event(self, func: F) -> F:
        """Call ``func(event, result)`` after each event handler returns (innermost scope first); a
        value other than None replaces the result. On a Blueprint: for its own handlers only."""
        self._hook("after_event", func)
        return func

    def on_event(self, trigger: str, /, *, batch: bool = False, envelope: str | None = None,
                 **match: Any) -> Callable[[F], F]:
        """Handle events of ``trigger`` ("sqs", "sns", "s3", "eventbridge", "schedule", "kinesis",
        "dynamodb", "cloudevent", "pubsub", "storage", "scheduler", "firestore") matching ``match``."""

        def decorator(func: F) -> F:
            self._add_event(trigger, {**match, "_envelope": envelope} if envelope else match, func, batch)
            return func

        return decorator

    def on_sqs(self, queue: str | None = None, *, batch: bool = False, envelope: str | None = None) -> Callable[[F], F]:
        """An SQS queue's messages (by queue name, ``*`` patterns allowed): one call per record, or the
        whole batch with ``batch=True``. A failing record is reported in ``batchItemFailures``.
        ``envelope="s3"``, ``"sns"`` or ``"eventbridge"``: the messages carry those events (S3 -> SQS...),
        and the handler gets the inner events."""
        return self.on_event("sqs", batch=batch, envelope=envelope, queue=queue)

    def on_sns(self, topic: str | None = None) -> Callable[[F], F]:
        """An SNS topic's notifications (by topic name)."""
        return self.on_event("sns", topic=topic)

    def on_s3(self, bucket: str | None = None, *, prefix: str | None = None, suffix: str | None = None,
              event: str | None = None) -> Callable[[F], F]:
        """S3 notifications: bucket, key prefix/suffix, event name pattern (``"ObjectCreated:*"``)."""
        return self.on_event("s3", bucket=bucket, prefix=prefix, suffix=suffix, event=event)

    def on_eventbridge(self, source: str | None = None, detail_type: str | None = None) -> Callable[[F], F]:
        """EventBridge events by ``source`` and ``detail-type`` (patterns allowed)."""
        return self.on_event("eventbridge", source=source, detail_type=detail_type)

    def on_schedule(self) -> Callable[[F], F]:
        """EventBridge scheduled rules (``source`` aws.events, ``detail-type`` Scheduled Event)."""
        return self.on_event("schedule")

    def on_kinesis(self, stream: str | None = None, *, batch: bool = False) -> Callable[[F], F]:
        """A Kinesis stream's records (data base64-decoded), one call per record."""
        return self.on_event("kinesis", batch=batch, stream=stream)

    def on_dynamodb(self, table: str | None = None, *, batch: bool = False) -> Callable[[F], F]:
        """A DynamoDB table's stream records."""
        return self.on_event("dynamodb", batch=batch, table=table)

    def on_kafka(self, topic: str | None = None, *, cluster: str | None = None, batch: bool = False) -> Callable[[F], F]:
        """Amazon MSK and self-managed Kafka records (by topic, and the MSK cluster's name; value and
        key base64-decoded, headers as text in ``event.attributes``), one call per record in offset
        order, or the whole batch with ``batch=True``. Kafka event sources have no partial batch
        response: the first failing record stops the batch and the invocation fails (Lambda retries
        it), naming the record."""
        return self.on_event("kafka", batch=batch, topic=topic, cluster=cluster)

    def on_cloudwatch_logs(self, log_group: str | None = None) -> Callable[[F], F]:
        """A CloudWatch Logs subscription (``awslogs.data`` base64 gzip decoded: ``event.log_events``)."""
        return self.on_event("cloudwatch_logs", log_group=log_group)

    def on_cloudevent(self, type: str | None = None, source: str | None = None,
                      subject: str | None = None) -> Callable[[F], F]:
        """CloudEvents (binary or structured mode) by ``type``, ``source`` and ``subject`` patterns."""
        return self.on_event("cloudevent", type=type, source=source, subject=subject)

    def on_pubsub(self, topic: str | None = None) -> Callable[[F], F]:
        """Pub/Sub messages through Eventarc (``message.data`` base64-decoded into ``event.data``)."""
        return self.on_event("pubsub", topic=topic)

    def on_storage(self, bucket: str | None = None, kind: str = "finalized") -> Callable[[F], F]:
        """Cloud Storage object events: ``kind`` finalized, deleted, archived or metadataUpdated."""
        return self.on_event("storage", bucket=bucket, kind=kind)

    def on_scheduler(self, job: str | None = None) -> Callable[[F], F]:
        """Cloud Scheduler jobs delivered as CloudEvents."""
        return self.on_event("scheduler", job=job)

    def on_firestore(self, document: str | None = None, kind: str = "written") -> Callable[[F], F]:
        """Firestore document events (``document`` a path pattern such as ``users/*``)."""
        return self.on_event("firestore", document=document, kind=kind)

    def _add_event(self, kind: str, match: dict[str, Any], func: Callable[..., Any], batch: bool) -> None:
        raise NotImplementedError


_CLI_GROUP_DEFAULT: Any = object()  # Blueprint(cli_group=...) not given: the blueprint's name


def _template_decorator(owner: Any, kind: str, name: str | None) -> Callable[[F], F]:
    if callable(name):  # used without parentheses: @app.template_filter
        func, name = name, None
        owner._template_part(kind, None, func, True)
        return func

    def decorator(func: F) -> F:
        owner._template_part(kind, name, func, True)
        return func

    return decorator


def _module_folder(import_name: str) -> str:
    import sys

    module = sys.modules.get(import_name)
    filename = getattr(module, "__file__", None)
    return os.path.dirname(os.path.abspath(filename)) if filename else os.getcwd()


class Blueprint(Scaffold):
    """A group of routes, error handlers and hooks registered on an app under a name and prefix.

    Args:
        name: the endpoint prefix (``"users"`` gives ``users.show``).
        import_name: the module's ``__name__``.
        url_prefix: a path put before every rule (``"/users"``).
        url_defaults: default view values of every rule (``{"lang": "en"}``).
        subdomain: only None: subdomain and host matching are not supported.
        cors: a CORS policy for this blueprint's routes (see ``manypaths.cors``; False: none here).
        compress: False turns response compression off for this blueprint's routes (True: on,
            whatever the app's ``COMPRESS``); a route's own ``compress=`` wins.
    """

    def __init__(
        self,
        name: str,
        import_name: str,
        url_prefix: str | None = None,
        *,
        url_defaults: dict[str, Any] | None = None,
        subdomain: str | None = None,
        cors: Any = None,
        compress: bool | None = None,
        static_folder: str | os.PathLike[str] | None = None,
        static_url_path: str | None = None,
        template_folder: str | os.PathLike[str] | None = None,
        root_path: str | os.PathLike[str] | None = None,
        cli_group: str | None = _CLI_GROUP_DEFAULT,
    ) -> None:
        if not name or "." in name:
            raise ValueError(f"Blueprint name {name!r} must be non-empty and hold no dot.")
        _no_subdomain(subdomain, name)
        self.name = name
        self.import_name = import_name
        self.url_prefix = url_prefix
        #: The blueprint's folder (its module's, as Flask's); its static and template folders are relative to it.
        self.root_path = os.fspath(root_path) if root_path is not None else _module_folder(import_name)
        self.static_folder = os.path.join(self.root_path, os.fspath(static_folder)) if static_folder else None
        self.static_url_path = None
        self.template_folder = os.fspath(template_folder) if template_folder is not None else None
        #: The CLI group of ``bp.cli`` commands: the blueprint's name by default; None puts them at the top.
        self.cli_group = name if cli_group is _CLI_GROUP_DEFAULT else cli_group
        self._cli: Any = None
        self.url_values_defaults = dict(url_defaults or {})
        self._deferred: list[Callable[[App, _Setup], None]] = []
        if cors is not None:  # checked when the blueprint is registered (at start-up), by manypaths.cors
            self._deferred.append(lambda app, setup: app._set_cors(("blueprint", setup.name), cors))
        if compress is not None:
            if not isinstance(compress, bool):
                raise TypeError(f"compress for blueprint {name!r} must be True or False, not {compress!r}")
            self._deferred.append(lambda app, setup: app._set_compress(("blueprint", setup.name), compress, name))
        if self.static_folder is not None:
            # As Flask's: <url_prefix>/<static_url_path>/<path:filename>, endpoint "<name>.static".
            if static_url_path is None:
                static_url_path = "/" + os.path.basename(self.static_folder.rstrip("/\\"))
            self.static_url_path = "/" + static_url_path.strip("/")
            folder, url_path = self.static_folder, self.static_url_path

            def register_static(app: App, setup: _Setup) -> None:
                app.add_url_rule(_join(setup.prefix, f"{url_path}/<path:filename>"), f"{setup.name}.static",
                                 app.static_view(folder))

            self._deferred.append(register_static)

    @property
    def cli(self) -> Any:
        """A click group for this blueprint's commands (``@bp.cli.command("seed")``): run as
        ``manypaths <cli_group> seed`` (click is imported on first use)."""
        if self._cli is None:
            from .appcli import AppGroup

            self._cli = AppGroup(self.name)
        return self._cli

    def add_url_rule(
        self,
        rule: str,
        endpoint: str | None = None,
        view_func: Callable[..., Any] | None = None,
        **options: Any,
    ) -> None:
        """Add a rule when the blueprint is registered; the endpoint gets the blueprint's name."""
        if endpoint is None and view_func is not None:
            endpoint = view_func.__name__
        if endpoint is not None and "." in endpoint:
            raise ValueError(f"Blueprint endpoint {endpoint!r} must not hold a dot.")

        def register(app: App, setup: _Setup) -> None:
            full_rule = _join(setup.prefix, rule)
            rule_options = options
            if setup.defaults:
                rule_options = {**options, "defaults": {**setup.defaults, **(options.get("defaults") or {})}}
            app.add_url_rule(full_rule, f"{setup.name}.{endpoint}" if endpoint else None, view_func, **rule_options)

        self._deferred.append(register)

    def _register_view(self, endpoint: str, func: Callable[..., Any]) -> None:
        self._deferred.append(lambda app, setup: app._register_view(f"{setup.name}.{endpoint}", func))

    def register_error_handler(self, key: int | type[BaseException], func: Callable[..., Any]) -> None:
        self._deferred.append(lambda app, setup: app._add_error_handler(setup.name, key, func))

    def _hook(self, kind: str, func: Callable[..., Any]) -> None:
        self._deferred.append(lambda app, setup: app._add_hook(setup.name, kind, func))

    def _app_hook(self, kind: str, func: F) -> F:
        self._deferred.append(lambda app, setup: app._add_hook(None, kind, func))
        return func

    def _template_part(self, kind: str, name: str | None, func: Callable[..., Any], app_wide: bool) -> None:
        self._deferred.append(lambda app, setup: app._add_template_part(
            kind, name, func, None if app_wide or kind != "context" else setup.name))

    def _add_event(self, kind: str, match: dict[str, Any], func: Callable[..., Any], batch: bool) -> None:
        self._deferred.append(lambda app, setup: app._add_event(kind, match, func, batch, setup.name))

    def app_context_processor(self, func: F) -> F:
        """``context_processor`` for every render of the app."""
        self._template_part("context", None, func, True)
        return func

    def app_template_filter(self, name: str | None = None) -> Callable[[F], F]:
        """A template filter for the whole app (``{{ value|name }}``)."""
        return _template_decorator(self, "filters", name)

    def add_app_template_filter(self, func: Callable[..., Any], name: str | None = None) -> None:
        self._template_part("filters", name, func, True)

    def app_template_test(self, name: str | None = None) -> Callable[[F], F]:
        """A template test for the whole app (``{% if value is name %}``)."""
        return _template_decorator(self, "tests", name)

    def add_app_template_test(self, func: Callable[..., Any], name: str | None = None) -> None:
        self._template_part("tests", name, func, True)

    def app_template_global(self, name: str | None = None) -> Callable[[F], F]:
        """A global for every template of the app."""
        return _template_decorator(self, "globals", name)

    def add_app_template_global(self, func: Callable[..., Any], name: str | None = None) -> None:
        self._template_part("globals", name, func, True)

    # App-wide hooks recorded on a blueprint: they apply to every request of the app, as Flask's.

    def before_app_request(self, func: F) -> F:
        """``before_request`` for every request of the app, not only this blueprint's."""
        return self._app_hook("before", func)

    def after_app_request(self, func: F) -> F:
        """``after_request`` for every request of the app."""
        return self._app_hook("after", func)

    def teardown_app_request(self, func: F) -> F:
        """``teardown_request`` for every request of the app."""
        return self._app_hook("teardown", func)

    def app_url_value_preprocessor(self, func: F) -> F:
        """``url_value_preprocessor`` for every request of the app."""
        return self._app_hook("url_value", func)

    def app_url_defaults(self, func: F) -> F:
        """``url_defaults`` for every ``url_for`` of the app."""
        return self._app_hook("url_defaults", func)

    def app_errorhandler(self, code_or_exception: int | type[BaseException]) -> Callable[[F], F]:
        """``errorhandler`` for errors anywhere in the app."""

        def decorator(func: F) -> F:
            self._deferred.append(lambda app, setup: app._add_error_handler(None, code_or_exception, func))
            return func

        return decorator

    def register_blueprint(
        self,
        blueprint: Blueprint,
        *,
        url_prefix: str | None = None,
        name: str | None = None,
        url_defaults: dict[str, Any] | None = None,
        subdomain: str | None = None,
    ) -> None:
        """Nest ``blueprint``: its endpoints become ``outer.inner.view``, its prefix follows ours."""
        if blueprint is self:
            raise ValueError(f"Blueprint {self.name!r} cannot be registered on itself.")
        _no_subdomain(subdomain, blueprint.name)

        def register(app: App, setup: _Setup) -> None:
            inner_prefix = url_prefix if url_prefix is not None else blueprint.url_prefix
            blueprint.register(app, name=f"{setup.name}.{name or blueprint.name}",
                               url_prefix=_join(setup.prefix, inner_prefix), url_defaults=url_defaults)

        self._deferred.append(register)

    def register(
        self,
        app: App,
        *,
        name: str | None = None,
        url_prefix: str | None = None,
        url_defaults: dict[str, Any] | None = None,
    ) -> None:
        """Apply everything recorded on this blueprint to ``app`` (``app.register_blueprint`` calls this)."""
        prefix = url_prefix if url_prefix is not None else self.url_prefix
        setup = _Setup(name or self.name, prefix, {**self.url_values_defaults, **(url_defaults or {})})
        for deferred in self._deferred:
            deferred(app, setup)
        if self._cli is not None:
            from .appcli import add_blueprint_commands

            add_blueprint_commands(app, self)


class _Setup:
    """Where a blueprint is registered: its full name, URL prefix and default view values."""

    __slots__ = ("name", "prefix", "defaults")

    def __init__(self, name: str, prefix: str | None, defaults: dict[str, Any]) -> None:
        self.name = name
        self.prefix = prefix
        self.defaults = defaults


def _no_subdomain(subdomain: str | None, name: str) -> None:
    if subdomain is not None:
        raise ValueError(
            f"Blueprint {name!r}: subdomain={subdomain!r} needs host matching, which manypaths does not do. Deploy "
            "one function per host, or branch on request.host in a before_request hook."
        )


def _join(prefix: str | None, rule: str | None) -> str:
    if not prefix:
        return rule or ""
    if not rule:
        return prefix
    return "/".join((prefix.rstrip("/"), rule.lstrip("/")))


def blueprint_names(endpoint: Any) -> Iterable[str]:
    """``"a.b.view"`` -> ``["a.b", "a"]``: the blueprints an endpoint belongs to, innermost first."""
    if not isinstance(endpoint, str) or "." not in endpoint:
        return []
    parts = endpoint.split(".")[:-1]
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def most_specific(table: dict[tuple[str, Any], Any], endpoint: Any) -> Any:
    """A setting of ``endpoint``'s blueprints (innermost first), else the app's, from ``table``
    (keys ``("blueprint", name)`` and ``("app", None)``); None when neither sets it."""
    for name in blueprint_names(endpoint):
        key = ("blueprint", name)
        if key in table:
            return table[key]
    return table.get(("app", None))
