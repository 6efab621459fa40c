"""One function, many triggers: queue, storage, stream, schedule and CloudEvents handlers on the
App, routed by declarative matchers as paths are routed by rules.

AWS Lambda (the same ``lambda_handler(app)``): SQS, SNS, S3, EventBridge (and scheduled rules),
Kinesis and DynamoDB Streams. A batch (SQS, Kinesis, DynamoDB) calls the handler once per record;
a record whose handler raises is logged with its id and reported in ``batchItemFailures`` (the
event source mapping needs ``ReportBatchItemFailures``), the others are not retried; on a FIFO
queue the first failure stops the batch and it and every later record are reported. SNS, S3 and
EventBridge invocations raise when a handler fails, so Lambda retries them or sends them to their
DLQ. An event nothing matches, or a malformed one, raises ``UnroutableEvent`` naming what arrived.

Google (``cloud_function(app)``, and the App on any server, Cloud Run behind Eventarc): a POST that
is a CloudEvent — binary mode (``ce-`` headers) or structured (``application/cloudevents+json``) —
goes to the handler matching its ``type``/``source``/``subject``: 204 acknowledges, a handler's
exception answers 500 (the event is redelivered), a malformed CloudEvent 400 naming the missing
attribute. Other requests go to the routes.

Loaded when a handler is registered or an event arrives: an HTTP-only app never imports it.
"""

from __future__ import annotations

import json

from .context import pushed_app_context
from .http.exceptions import BadRequest, NotFound

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

# base64, logging, fnmatch and urllib.parse are imported where they are needed (a Kinesis record, the
# first failure or log line, a pattern, an S3 key): a function's cold start pays only for what it gets.


class _Logger:
    """``logging.getLogger("manypaths.events")``, imported with the first line written (then it
    takes this placeholder's place)."""

    def __getattr__(self, name: str) -> Any:
        import logging

        global logger
        logger = logging.getLogger("manypaths.events")
        return getattr(logger, name)


logger: Any = _Logger()


class UnroutableEvent(ValueError):
    """An event no handler matches, or one that is not a shape this router knows (the message says
    what arrived). Raised out of the Lambda handler, so Lambda retries it or sends it to its DLQ."""


class MalformedEvent(UnroutableEvent):
    """An event of a known source whose fields are missing or of the wrong type."""


# -- what a handler receives ---------------------------------------------------------------------


class Event:
    """One record (or one event) as a handler gets it.

    ``kind`` ("sqs", "sns", "s3", "eventbridge", "kinesis", "dynamodb", "cloudevent"), ``id``
    (message id, sequence number, CloudEvent id), ``source`` (the queue, topic, bucket, stream,
    table, EventBridge source or CloudEvent source), ``data`` (the payload decoded: JSON when it
    parses, else text; Kinesis base64 decoded; Pub/Sub ``message.data`` decoded), ``raw`` (the
    record as it arrived), ``attributes`` (SQS/SNS message attributes, Pub/Sub attributes,
    CloudEvent attributes), and per kind: ``bucket``, ``key`` (URL-decoded), ``event_name``,
    ``detail_type``, ``detail``, ``subject``, ``type``.
    """

    # The fields every event has in slots (a batch makes one Event per record: cheap to make);
    # the per-kind ones in the instance dict, with these class defaults.
    __slots__ = ("kind", "raw", "id", "source", "data", "attributes", "__dict__")

    bucket: str | None = None
    key: str | None = None
    event_name: str | None = None
    detail_type: str | None = None
    detail: Any = None
    subject: str | None = None
    type: str | None = None

    def __init__(self, kind: str, raw: Any, id: str | None = None, source: str | None = None,
                 data: Any = None, attributes: dict[str, Any] | None = None, **extra: Any) -> None:
        self.kind = kind
        self.raw = raw
        self.id = id
        self.source = source
        self.data = data
        self.attributes = attributes if attributes is not None else {}
        if extra:
            self.__dict__.update(extra)

    @property
    def resources(self) -> list[Any]:
        """An EventBridge event's ``resources`` (a scheduled rule's ARN)."""
        found = self.raw.get("resources") if isinstance(self.raw, dict) else None
        return found if isinstance(found, list) else []

    def json(self) -> Any:
        """The payload parsed as JSON (a ValueError when it is not)."""
        return self.data if not isinstance(self.data, (str, bytes)) else json.loads(self.data)

    def __repr__(self) -> str:
        return f"<Event {self.kind} {self.source!r} id={self.id!r}>"


class _BridgeEvent(Event):
    # An EventBridge event: its two own fields in slots too (made once per invocation, cheaply).
    __slots__ = ("detail_type", "detail")


_new = object.__new__


def _event(cls: type[Event], kind: str, raw: Any, id: Any, source: Any, data: Any, attributes: Any) -> Any:
    # ``Event(kind, raw, id, source, data, attributes)`` without the class call (on CPython 3.11 a
    # class with a Python __init__ costs ~1.3k instructions more to call): the Event a batch makes
    # per record. ``attributes`` must be a dict here (never None).
    event = _new(cls)
    event.kind = kind
    event.raw = raw
    event.id = id
    event.source = source
    event.data = data
    event.attributes = attributes
    return event


_json_decode = json.JSONDecoder().decode
# The C scanner under json.loads: a body that is one JSON value from its first character is read
# without loads' type and whitespace checks (a fourth of the cost of a small message).
_json_scan = json.JSONDecoder().scan_once  # type: ignore[attr-defined]
_JSON_START = frozenset('{["-0123456789tfn')
_JSON_SPACE = " \t\n\r"


def _decoded(text: Any) -> Any:
    # A payload as the handler wants it: JSON when it parses, else the text itself.
    if type(text) is not str:
        if not isinstance(text, (bytes, bytearray)):
            return text
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            return bytes(text)
    if not text:
        return text
    if text[0] in _JSON_START:
        try:
            value, end = _json_scan(text, 0)
        except (StopIteration, ValueError):
            return text
        if end == len(text) or not text[end:].strip(_JSON_SPACE):
            return value
        return text
    if text[0].isspace():
        try:
            return _json_decode(text)
        except ValueError:
            return text
    return text


_ARN_NAMES: dict[str, str] = {}


def _name_from_arn(arn: Any) -> str:
    # arn:aws:sqs:us-east-1:123456789012:my-queue -> my-queue; a table's stream ARN -> the table.
    if type(arn) is not str:
        return ""
    name = _ARN_NAMES.get(arn)
    if name is not None:
        return name
    if ":table/" in arn:
        name = arn.split(":table/", 1)[1].split("/", 1)[0]
    elif ":stream/" in arn:
        name = arn.split(":stream/", 1)[1].split("/", 1)[0]
    else:
        name = arn.rsplit(":", 1)[-1]
    if len(_ARN_NAMES) < 256:
        _ARN_NAMES[arn] = name
    return name


# -- handlers and their matchers ---------------------------------------------------------------------


ENVELOPES = ("sns", "s3", "eventbridge")
_UNSET: Any = object()


async def _probe() -> None:
    pass


_coroutine = _probe()
_COROUTINE = type(_coroutine)
_coroutine.close()


class PayloadError(ValueError):
    """A payload that does not fit the handler's annotated model (the reasons in the message)."""


class Handler:
    """A registered handler: its kind, what it matches (None: anything), the function, whether it
    takes the whole batch, the envelope its SQS messages come in, and where it was defined."""

    def __init__(self, kind: str, match: dict[str, str | None], func: Callable[..., Any], batch: bool,
                 name: str, envelope: str | None = None, scope: str | None = None) -> None:
        self.kind = kind
        #: The blueprint it was registered by (its event hooks and error handlers apply), or None.
        self.scope = scope
        # The scopes whose hooks and error handlers apply, innermost first (the app's last).
        self.scopes: tuple[str | None, ...] = (*_blueprint_names(scope), None)
        self.match = match
        self.func = func
        self.batch = batch
        self.name = name
        self.envelope = envelope
        self._codec: Any = _UNSET  # the annotated payload model's codec, worked out on the first call
        # Most specific first: more fields given, then longer (more literal) patterns.
        given = [v for v in match.values() if v is not None]
        self.specificity = (len(given), sum(len(v.replace("*", "")) for v in given))
        # Each field's test, made once: equality for literal text, else prefix, suffix or a pattern.
        self._tests: list[tuple[str, int, Any]] = []
        for field, pattern in match.items():
            if pattern is None:
                continue
            if field == "prefix":
                self._tests.append((field, 1, pattern))
            elif field == "suffix":
                self._tests.append((field, 2, pattern))
            elif not any(c in pattern for c in "*?["):
                self._tests.append((field, 0, pattern))
            else:
                import fnmatch
                import re

                self._tests.append((field, 3, re.compile(fnmatch.translate(pattern)).match))

    def matches(self, values: dict[str, str | None]) -> bool:
        for field, how, test in self._tests:
            value = values.get(field)
            if type(value) is not str:  # absent, or not a string in a malformed event: no match
                return False
            if how == 0:
                if value != test:
                    return False
            elif how == 1:
                if not value.startswith(test):
                    return False
            elif how == 2:
                if not value.endswith(test):
                    return False
            elif test(value) is None:
                return False
        return True

    def describe(self) -> str:
        given = ", ".join(f"{k}={v!r}" for k, v in self.match.items() if v is not None) or "any"
        return f"{self.kind}({given}){' batch' if self.batch else ''}"

    def codec(self) -> Any:
        """The codec of the model the handler's first parameter is annotated with (a dataclass,
        TypedDict, msgspec Struct or pydantic model: the payload is validated into it), or None."""
        if self._codec is _UNSET:
            self._codec = _payload_codec(self.func, self.name)
        return self._codec

    def call(self, app: Any, event: Any) -> Any:
        """The handler's bare call (the payload validated into its model, a coroutine run); see
        ``invoke`` for the call with the app's event hooks and error handlers."""
        codec = self._codec
        if codec is None or self.batch:
            rv = self.func(event)
            return rv if type(rv) is not _COROUTINE else app._sync(rv)
        if codec is _UNSET:
            codec = self.codec()
        if codec is not None:
            try:
                value = codec.from_python(event.data)
            except codec.failures as e:
                reasons = "; ".join(f"{path or '(root)'}: {message}" for path, message in codec.errors(e))
                raise PayloadError(f"{event.kind} {event.id}: the payload is not a {_type_name(codec.type)}: "
                                   f"{reasons}") from None
            return app._sync(self.func(value))
        return app._sync(self.func(event))


def _blueprint_names(scope: str | None) -> list[str]:
    # "a.b" -> ["a.b", "a"]: a nested blueprint's scopes, innermost first.
    if not scope:
        return []
    parts = scope.split(".")
    return [".".join(parts[:i]) for i in range(len(parts), 0, -1)]


def _plain(app: Any) -> bool:
    """Whether handlers can be called bare: no event hooks and no error handlers on the app."""
    hooks = app._hooks
    return not (hooks["before_event"] or hooks["after_event"] or app._error_handlers)


def invoke(app: Any, handler: Handler, event: Any) -> Any:
    """Call ``handler`` for ``event`` with the app's event hooks and error handlers (the one way a
    handler is called when the app has any): ``before_event`` hooks (the app's, then the handler's
    blueprints', outermost first) may answer instead of the handler; an exception goes to the error
    handler registered for its class (innermost scope first; ``errorhandler(Exception)`` and HTTP
    status codes are for requests and are not consulted, so a catch-all written to render a 500 never
    acknowledges a failed record); ``after_event`` hooks (innermost first) may replace the result."""
    hooks = app._hooks
    sync = app._sync
    try:
        result = None
        before = hooks["before_event"]
        if before:
            for scope in reversed(handler.scopes):
                for func in before.get(scope, ()):
                    result = sync(func(event))
                    if result is not None:
                        break
                if result is not None:
                    break
        if result is None:
            result = handler.call(app, event)
    except Exception as e:
        found = _event_error_handler(app, e, handler.scopes)
        if found is None:
            raise
        result = sync(found(e))
        logger.info("%s %s: %s handled by %s", handler.kind, getattr(event, "id", None), type(e).__name__,
                    getattr(found, "__qualname__", found))
    after = hooks["after_event"]
    if after:
        for scope in handler.scopes:
            for func in reversed(after.get(scope, ())):
                replaced = sync(func(event, result))
                if replaced is not None:
                    result = replaced
    return result


def _event_error_handler(app: Any, error: BaseException, scopes: tuple[str | None, ...]) -> Any:
    # The handler registered for the error's closest class, innermost scope first; the catch-alls
    # (Exception, BaseException) and HTTP codes are left to requests.
    if not app._error_handlers:
        return None
    for scope in scopes:
        handlers = app._error_handlers.get(scope)
        if not handlers:
            continue
        for cls in type(error).__mro__:
            if cls is Exception or cls is BaseException:
                break
            if cls in handlers:
                return handlers[cls]
    return None


def _type_name(tp: Any) -> str:
    return getattr(tp, "__name__", None) or repr(tp)


def _payload_codec(func: Callable[..., Any], name: str) -> Any:
    code = getattr(func, "__code__", None)
    annotations = getattr(func, "__annotations__", None) or {}
    if code is None or not code.co_argcount or not annotations:
        return None
    first = code.co_varnames[0]
    if first not in annotations:
        return None
    import typing

    try:
        hints = typing.get_type_hints(func, include_extras=True)
    except Exception as e:
        raise TypeError(f"the annotations of event handler {name} cannot be evaluated: {e}") from e
    tp = hints.get(first)
    if tp is None or tp is Event or tp is typing.Any:
        return None
    from . import validation

    if not validation.is_model_type(tp):
        return None
    return validation.Codec(tp)


KINDS: dict[str, tuple[str, ...]] = {
    "sqs": ("queue",),
    "sns": ("topic",),
    "s3": ("bucket", "prefix", "suffix", "event"),
    "eventbridge": ("source", "detail_type"),
    "kinesis": ("stream",),
    "dynamodb": ("table",),
    "cloudevent": ("type", "source", "subject"),
    "cloudwatch_logs": ("log_group",),
    "kafka": ("topic", "cluster"),
}
BATCHES = ("sqs", "kinesis", "dynamodb", "kafka")
KAFKA_SOURCES = ("aws:kafka", "SelfManagedKafka")


class RecordFailed(RuntimeError):
    """A record of a batch without partial batch responses (Kafka) failed: the invocation fails
    and Lambda retries the batch. The message names the record; the handler's error is the cause."""


class EventRouter:
    """The handlers of an App (``app.triggers``), by kind."""

    def __init__(self) -> None:
        self.handlers: dict[str, list[Handler]] = {kind: [] for kind in KINDS}
        self.count = 0
        #: Where the processing line goes (App._access_log_target), worked out on the first event
        #: (False: not yet; the App resets it when ACCESS_LOG changes).
        self.log_target: Any = False
        # (source, detail-type) -> the EventBridge handler, a queue's ARN -> its SQS handler: a
        # function gets few distinct ones (bounded all the same).
        self._bridge: dict[tuple[str, str], Handler] = {}
        self._queues: dict[str, Handler] = {}

    def add(self, kind: str, match: dict[str, str | None], func: Callable[..., Any], batch: bool = False,
            envelope: str | None = None, scope: str | None = None) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown event kind {kind!r}: one of {', '.join(KINDS)}")
        unknown = set(match) - set(KINDS[kind])
        if unknown:
            raise TypeError(f"{kind} handlers match on {', '.join(KINDS[kind])}, not {', '.join(sorted(unknown))}")
        if batch and kind not in BATCHES:
            raise TypeError(f"batch=True is for SQS, Kinesis and DynamoDB handlers, not {kind}")
        if envelope is not None and (kind != "sqs" or envelope not in ENVELOPES):
            raise TypeError(f"envelope= is for SQS handlers: one of {', '.join(ENVELOPES)} (not {envelope!r} on {kind})")
        for field, value in match.items():
            if value is not None and (not isinstance(value, str) or not value):
                raise TypeError(f"{kind} handler {func.__name__!r}: {field} must be a non-empty string, not {value!r}")
        name = f"{getattr(func, '__module__', '?')}.{getattr(func, '__qualname__', repr(func))}"
        full = {field: match.get(field) for field in KINDS[kind]}
        for other in self.handlers[kind]:
            if other.match == full:  # two handlers nothing can tell apart, as a duplicate rule
                raise ValueError(f"{kind} handler {name} matches exactly what {other.name} matches "
                                 f"({other.describe()}): they can never be told apart")
        self.handlers[kind].append(Handler(kind, full, func, batch, name, envelope, scope))
        self.handlers[kind].sort(key=lambda h: h.specificity, reverse=True)
        self.count += 1
        self._bridge.clear()
        self._queues.clear()

    def find(self, kind: str, values: dict[str, str | None]) -> Handler | None:
        for handler in self.handlers[kind]:
            if handler.matches(values):
                return handler
        return None

    def __iter__(self) -> Any:
        for kind in KINDS:
            yield from self.handlers[kind]

    def __bool__(self) -> bool:
        return self.count > 0


# -- AWS Lambda ----------------------------------------------------------------------------------------


def _record_event(source: str, record: dict[str, Any]) -> tuple[Event, dict[str, str | None], str | None]:
    # (the Event, the values matchers see, the batch item identifier)
    if source == "aws:sqs":
        queue = _name_from_arn(record.get("eventSourceARN"))
        body = record.get("body")
        if not isinstance(body, str):
            raise MalformedEvent(f"an SQS record without a string body (messageId {record.get('messageId')!r})")
        event = Event("sqs", record, id=record.get("messageId"), source=queue, data=_decoded(body),
                      attributes=record.get("messageAttributes") or {})
        return event, {"queue": queue, "arn": record.get("eventSourceARN")}, record.get("messageId")
    if source == "aws:sns":
        sns = record.get("Sns")
        if not isinstance(sns, dict):
            raise MalformedEvent("an SNS record without its Sns object")
        topic = _name_from_arn(sns.get("TopicArn"))
        event = Event("sns", record, id=sns.get("MessageId"), source=topic, data=_decoded(sns.get("Message")),
                      attributes=sns.get("MessageAttributes") or {}, subject=sns.get("Subject"))
        return event, {"topic": topic, "arn": sns.get("TopicArn")}, None
    if source == "aws:s3":
        s3 = record.get("s3")
        if not isinstance(s3, dict) or not isinstance(s3.get("bucket"), dict) or not isinstance(s3.get("object"), dict):
            raise MalformedEvent("an S3 record without s3.bucket and s3.object")
        from urllib.parse import unquote_plus

        bucket = s3["bucket"].get("name")
        key = unquote_plus(str(s3["object"].get("key", "")))
        name = record.get("eventName")
        event = Event("s3", record, id=s3["object"].get("sequencer"), source=bucket, data=s3["object"],
                      bucket=bucket, key=key, event_name=name)
        return event, {"bucket": bucket, "prefix": key, "suffix": key, "event": name}, None
    if source == "aws:kinesis":
        kinesis = record.get("kinesis")
        if not isinstance(kinesis, dict) or not isinstance(kinesis.get("data"), str):
            raise MalformedEvent("a Kinesis record without kinesis.data")
        import base64

        try:
            payload = base64.b64decode(kinesis["data"], validate=True)
        except ValueError:
            raise MalformedEvent(f"a Kinesis record whose data is not base64 ({kinesis.get('sequenceNumber')!r})") \
                from None
        stream = _name_from_arn(record.get("eventSourceARN"))
        sequence = kinesis.get("sequenceNumber")
        event = Event("kinesis", record, id=sequence, source=stream, data=_decoded(payload),
                      partition_key=kinesis.get("partitionKey"))
        return event, {"stream": stream}, sequence
    if source == "aws:dynamodb":
        change = record.get("dynamodb")
        if not isinstance(change, dict):
            raise MalformedEvent("a DynamoDB Streams record without its dynamodb object")
        table = _name_from_arn(record.get("eventSourceARN"))
        sequence = change.get("SequenceNumber")
        event = Event("dynamodb", record, id=sequence, source=table, data=change, event_name=record.get("eventName"),
                      keys=change.get("Keys"), new_image=change.get("NewImage"), old_image=change.get("OldImage"))
        return event, {"table": table}, sequence
    raise UnroutableEvent(f"records from {source!r}: no handler kind takes them")


_KIND = {"aws:sqs": "sqs", "aws:sns": "sns", "aws:s3": "s3", "aws:kinesis": "kinesis", "aws:dynamodb": "dynamodb"}


def handle_lambda_event(app: Any, event: dict[str, Any], context: Any) -> Any:
    """Route a non-HTTP Lambda event to the app's handlers; the batch answer for SQS/Kinesis/DynamoDB.

    With the app's access log on (``ACCESS_LOG``; by default where a platform runs the app), one
    processing line per invocation on the ``manypaths.events`` logger: what arrived, how many
    records, which failed, the duration and Lambda's request id."""
    router: EventRouter | None = app.__dict__.get("_events")
    if router is None or not router.count:
        raise UnroutableEvent(f"{_describe(event)} arrived, and the app has no event handlers")
    target = router.log_target
    if target is False:
        target = router.log_target = app._access_log_target()
    if target is None:
        return _route(app, router, event)
    import time

    started = time.perf_counter()
    outcome = "failed"
    try:
        answer = _route(app, router, event)
        failed = answer.get("batchItemFailures") if isinstance(answer, dict) else None
        outcome = f"{len(failed)} failed ({', '.join(f['itemIdentifier'] for f in failed[:10])})" if failed else "ok"
        return answer
    finally:
        records = event.get("Records")
        count = len(records) if isinstance(records, list) else 1
        if isinstance(event.get("records"), dict):  # Kafka: lists by topic-partition
            count = sum(len(group) for group in event["records"].values() if isinstance(group, list))
        logger.info("%s: %d record%s, %s in %.1f ms [request %s]", _describe(event), count, "" if count == 1 else "s",
                    outcome, (time.perf_counter() - started) * 1000, getattr(context, "aws_request_id", "-"))


def _cloudwatch_logs(app: Any, router: EventRouter, event: dict[str, Any]) -> Any:
    # A CloudWatch Logs subscription: awslogs.data is base64 of gzip of JSON.
    import base64
    import gzip

    data = event.get("awslogs", {}).get("data") if isinstance(event.get("awslogs"), dict) else None
    if not isinstance(data, str):
        raise MalformedEvent("a CloudWatch Logs event without awslogs.data")
    try:
        payload = json.loads(gzip.decompress(base64.b64decode(data, validate=True)))
    except (ValueError, OSError, EOFError) as e:
        raise MalformedEvent(f"awslogs.data is not base64 gzip JSON: {e}") from None
    if not isinstance(payload, dict):
        raise MalformedEvent("awslogs.data does not hold a JSON object")
    group = payload.get("logGroup")
    found = Event("cloudwatch_logs", event, id=None, source=group if isinstance(group, str) else None, data=payload,
                  log_stream=payload.get("logStream"), log_events=payload.get("logEvents") or [])
    values: dict[str, str | None] = {"log_group": found.source}
    handler = router.find("cloudwatch_logs", values)
    if handler is None:
        raise UnroutableEvent(f"no cloudwatch_logs handler matches log_group={found.source!r}")
    return _call(app, handler, found)


def _route(app: Any, router: EventRouter, event: dict[str, Any]) -> Any:
    # One invocation in its own application context (g, current_app, teardown_appcontext hooks).
    ctx = pushed_app_context(app)
    error: BaseException | None = None
    try:
        return _route_in_context(app, router, event)
    except BaseException as e:
        error = e
        raise
    finally:
        ctx.pop(error)


def _route_in_context(app: Any, router: EventRouter, event: dict[str, Any]) -> Any:
    if "Records" not in event:
        if "detail-type" in event:
            return _eventbridge(app, router, event)
        if event.get("eventSource") in KAFKA_SOURCES:
            return _kafka(app, router, event)
        if "awslogs" in event:
            return _cloudwatch_logs(app, router, event)
    records = event.get("Records")
    if type(records) is list and records and type(records[0]) is dict and records[0].get("eventSource") == "aws:sqs":
        answer = _sqs_batch(app, router, records)
        if answer is not None:
            return answer
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise MalformedEvent(f"Records must be a list of objects; got {type(records).__name__}")
    if not records:
        raise MalformedEvent("Records is empty: nothing to route")
    sources = {str(r.get("eventSource") or r.get("EventSource")) for r in records}
    if len(sources) != 1:
        raise MalformedEvent(f"one batch from several sources: {sorted(sources)}")
    source = sources.pop()
    kind = _KIND.get(source)
    if kind is None:
        raise UnroutableEvent(f"records from {source!r}: no handler kind takes them (sqs, sns, s3, kinesis, "
                              "dynamodb)")
    if kind in BATCHES:
        return _batch(app, router, kind, source, records)
    for record in records:
        found, values, _ = _record_event(source, record)
        handler = router.find(kind, values)
        if handler is None:
            raise UnroutableEvent(f"no {kind} handler matches {_values(values)}")
        _call(app, handler, found)
    return None


def _values(values: dict[str, str | None]) -> str:
    return ", ".join(f"{k}={v!r}" for k, v in values.items() if k in ("queue", "topic", "bucket", "event", "stream",
                                                                         "table", "source", "detail_type", "type",
                                                                         "subject") or k == "prefix")


def _describe(event: Any) -> str:
    if isinstance(event, dict) and event.get("eventSource") in KAFKA_SOURCES:
        records = event.get("records")
        return f"a Kafka event ({', '.join(sorted(records)[:5]) if isinstance(records, dict) else 'no records'})"
    if isinstance(event, dict):
        records = event.get("Records")
        if isinstance(records, list) and records and isinstance(records[0], dict):
            return f"a {records[0].get('eventSource') or records[0].get('EventSource')} event"
        if "detail-type" in event:
            return f"an EventBridge event ({event.get('source')!r}, {event.get('detail-type')!r})"
        if "awslogs" in event:
            return "a CloudWatch Logs event"
        return f"an event with keys {sorted(event)[:12]}"
    return f"a {type(event).__name__}"


def _call(app: Any, handler: Handler, event: Any) -> Any:
    # The handler's call for an event (each inner event of an envelope), with the app's event hooks
    # and error handlers when it has any.
    plain = _plain(app)
    if handler.envelope is None or not isinstance(event, Event):
        return handler.call(app, event) if plain else invoke(app, handler, event)
    for inner in _unwrap(handler.envelope, event):  # S3 / SNS / EventBridge delivered through SQS
        if plain:
            handler.call(app, inner)
        else:
            invoke(app, handler, inner)
    return None


def _unwrap(envelope: str, event: Event) -> list[Event]:
    body = event.data
    if not isinstance(body, dict):
        raise MalformedEvent(f"sqs {event.id}: the body is not a {envelope} message (not a JSON object)")
    if envelope == "sns":
        if "Message" not in body:
            raise MalformedEvent(f"sqs {event.id}: the body is not an SNS notification (no Message)")
        return [Event("sns", body, id=body.get("MessageId"), source=_name_from_arn(body.get("TopicArn")),
                      data=_decoded(body.get("Message")), attributes=body.get("MessageAttributes") or {},
                      subject=body.get("Subject"))]
    if envelope == "eventbridge":
        if not isinstance(body.get("source"), str) or not isinstance(body.get("detail-type"), str):
            raise MalformedEvent(f"sqs {event.id}: the body is not an EventBridge event (source, detail-type)")
        return [Event("eventbridge", body, id=body.get("id"), source=body["source"], data=body.get("detail"),
                      detail_type=body["detail-type"], detail=body.get("detail"))]
    records = body.get("Records")
    if records is None and body.get("Event") == "s3:TestEvent":
        return []  # S3's test message when a notification is configured: nothing to do
    if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
        raise MalformedEvent(f"sqs {event.id}: the body is not an S3 notification (no Records)")
    return [_record_event("aws:s3", record)[0] for record in records]


def _batch(app: Any, router: EventRouter, kind: str, source: str, records: list[dict[str, Any]]) -> dict[str, Any]:
    # One call per record; failures reported by id (partial batch response). FIFO: the first failure
    # stops the batch, and it and every later record are reported (order must be kept).
    fifo = kind == "sqs" and str(records[0].get("eventSourceARN", "")).endswith(".fifo")
    failures: list[dict[str, str]] = []
    parsed: list[tuple[Event | None, dict[str, str | None] | None, Any]] = []
    for record in records:
        try:
            found, values, item = _record_event(source, record)
        except MalformedEvent as e:
            item = record.get("messageId") if kind == "sqs" else None
            if item is None:
                raise
            logger.error("%s record %s is malformed: %s", kind, item, e)
            parsed.append((None, None, item))
            continue
        parsed.append((found, values, item))
    # A whole-batch handler takes the records at once (it returns the failed ids, or raises).
    if parsed and parsed[0][1] is not None:
        whole = router.find(kind, parsed[0][1])
        if whole is not None and whole.batch:
            events = [p[0] for p in parsed if p[0] is not None]
            failed = _call(app, whole, events) or []
            return {"batchItemFailures": [{"itemIdentifier": str(getattr(f, "id", f))} for f in failed]}
    stop = False
    found_for: dict[Any, Handler] = {}  # a batch's records share their source: matched once
    for maybe_event, maybe_values, item in parsed:
        if stop:
            failures.append({"itemIdentifier": str(item)})
            continue
        if maybe_event is None or maybe_values is None:
            failures.append({"itemIdentifier": str(item)})
            stop = fifo
            continue
        arn = maybe_values.get("arn") if kind == "sqs" else maybe_values.get("stream") or maybe_values.get("table")
        if type(arn) is not str:
            arn = None
        handler = found_for.get(arn) if arn is not None else None
        if handler is None:
            handler = router.find(kind, maybe_values)
            if handler is None:
                raise UnroutableEvent(f"no {kind} handler matches {_values(maybe_values)}")
            if arn is not None:
                found_for[arn] = handler
        try:
            _call(app, handler, maybe_event)
        except Exception:
            logger.exception("%s record %s failed in %s", kind, item, handler.name)
            failures.append({"itemIdentifier": str(item)})
            stop = fifo
    return {"batchItemFailures": failures}


def _sqs_batch(app: Any, router: EventRouter, records: list[Any]) -> dict[str, Any] | None:
    # The common SQS batch in one checking pass and one running pass: well-formed records of one
    # standard queue, a per-record handler. None for anything else (FIFO, several queues, a whole-
    # batch handler, an odd record): the general path takes it from the start, as nothing ran yet.
    first = records[0]
    if type(first) is not dict:
        return None
    arn = first.get("eventSourceARN")
    if type(arn) is not str or arn.endswith(".fifo"):
        return None
    for record in records:
        if (type(record) is not dict or record.get("eventSourceARN") != arn or type(record.get("body")) is not str
                or record.get("eventSource") != "aws:sqs"):
            return None
    handler = router._queues.get(arn)
    if handler is None:
        handler = router.find("sqs", {"queue": _name_from_arn(arn), "arn": arn})
        if handler is None or handler.batch:
            return None
        if len(router._queues) < 256:
            router._queues[arn] = handler
    queue = _name_from_arn(arn)
    # The handler's function itself when nothing comes between (no hooks, error handlers, envelope
    # or payload model): one call per record, a coroutine run as Handler.call runs it. Else _call,
    # which takes each of those into account.
    func = handler.func if _plain(app) and handler.envelope is None and handler.codec() is None else None
    sync = app._sync
    failures: list[dict[str, str]] = []
    scan = _json_scan
    for record in records:
        item = record.get("messageId")
        body = record["body"]
        # _decoded, inlined for the usual body (a JSON object or array, nothing after it).
        if body and (body[0] == "{" or body[0] == "["):
            try:
                data, end = scan(body, 0)
                if end != len(body) and body[end:].strip(_JSON_SPACE):
                    data = body
            except (StopIteration, ValueError):
                data = body
        else:
            data = _decoded(body)
        event = _event(Event, "sqs", record, item, queue, data, record.get("messageAttributes") or {})
        try:
            if func is not None:
                rv = func(event)
                if type(rv) is _COROUTINE:
                    sync(rv)
            else:
                _call(app, handler, event)
        except Exception:
            logger.exception("sqs record %s failed in %s", item, handler.name)
            failures.append({"itemIdentifier": str(item)})
    return {"batchItemFailures": failures}


def _kafka_event(record: Any, cluster: str | None) -> Event:
    import base64

    if not isinstance(record, dict) or not isinstance(record.get("topic"), str):
        raise MalformedEvent("a Kafka record without its topic")
    topic, partition, offset = record["topic"], record.get("partition"), record.get("offset")
    try:
        value = record.get("value")
        key = record.get("key")
        data = _decoded(base64.b64decode(value, validate=True)) if isinstance(value, str) else None
        key_bytes = base64.b64decode(key, validate=True) if isinstance(key, str) else None
    except ValueError:
        raise MalformedEvent(f"Kafka record {topic}-{partition}@{offset}: the key or value is not base64") from None
    headers: dict[str, str] = {}
    listed = record.get("headers") or ()
    if not isinstance(listed, (list, tuple)):
        raise MalformedEvent(f"Kafka record {topic}-{partition}@{offset}: headers must be a list of objects")
    for header in listed:
        if not isinstance(header, dict):
            raise MalformedEvent(f"Kafka record {topic}-{partition}@{offset}: a header that is not an object")
        for name, raw in header.items():
            if not isinstance(raw, list) or not all(isinstance(b, int) and 0 <= b < 256 for b in raw):
                raise MalformedEvent(f"Kafka record {topic}-{partition}@{offset}: header {name!r} is not bytes")
            headers[str(name)] = bytes(raw).decode("utf-8", "replace")
    found = Event("kafka", record, f"{topic}-{partition}@{offset}", topic, data, headers)
    found.__dict__.update(key=key_bytes.decode("utf-8", "replace") if key_bytes is not None else None,
                          key_bytes=key_bytes, partition=partition, offset=offset, timestamp=record.get("timestamp"),
                          cluster=cluster)
    return found


def _kafka(app: Any, router: EventRouter, event: dict[str, Any]) -> Any:
    # MSK / self-managed Kafka: records by topic-partition, each partition in offset order. No
    # partial batch response exists for these sources: the first failure fails the invocation.
    groups = event.get("records")
    if not isinstance(groups, dict) or not all(isinstance(g, list) for g in groups.values()):
        raise MalformedEvent("a Kafka event's records must be an object of lists (by topic-partition)")
    arn = event.get("eventSourceArn")
    cluster = arn.split(":cluster/", 1)[1].split("/", 1)[0] if isinstance(arn, str) and ":cluster/" in arn else None
    events = [_kafka_event(record, cluster) for records in groups.values() for record in records]
    if not events:
        raise MalformedEvent("a Kafka event with no records")
    handlers: dict[str, Handler] = {}
    for found in events:
        source = found.source or ""
        if source not in handlers:
            handler = router.find("kafka", {"topic": source, "cluster": cluster})
            if handler is None:
                raise UnroutableEvent(f"no kafka handler matches topic={source!r}, cluster={cluster!r}")
            handlers[source] = handler
    whole = handlers[events[0].source or ""]
    if whole.batch:
        if len(set(handlers.values())) != 1:
            raise UnroutableEvent(f"one Kafka batch for several handlers with batch=True: topics {sorted(handlers)}")
        return _call(app, whole, events)
    for found in events:
        handler = handlers[found.source or ""]
        try:
            _call(app, handler, found)
        except Exception as e:
            logger.exception("kafka record %s failed in %s", found.id, handler.name)
            raise RecordFailed(f"kafka record {found.id} failed in {handler.name} ({type(e).__name__}: {e}); "
                               f"Lambda retries the batch") from e
    return None


def _eventbridge(app: Any, router: EventRouter, event: dict[str, Any]) -> Any:
    source, detail_type = event.get("source"), event.get("detail-type")
    if not isinstance(source, str) or not isinstance(detail_type, str):
        raise MalformedEvent("an EventBridge event needs string source and detail-type")
    detail = event.get("detail")
    found = _event(_BridgeEvent, "eventbridge", event, event.get("id"), source, detail, {})
    found.detail_type = detail_type
    found.detail = detail
    handler = router._bridge.get((source, detail_type))
    if handler is None:
        values: dict[str, str | None] = {"source": source, "detail_type": detail_type}
        handler = router.find("eventbridge", values)
        if handler is None:
            raise UnroutableEvent(f"no eventbridge handler matches {_values(values)}")
        if len(router._bridge) < 256:
            router._bridge[(source, detail_type)] = handler
    return handler.call(app, found) if _plain(app) else invoke(app, handler, found)


# -- CloudEvents (Google) ---------------------------------------------------------------------------


REQUIRED = ("id", "source", "specversion", "type")


def read_cloudevent(request: Any) -> tuple[dict[str, Any], Any]:
    """(attributes, data) of a CloudEvent request; a 400 (BadRequest) naming what is missing."""
    environ = request.environ
    if "HTTP_CE_SPECVERSION" in environ:
        attributes = {key[8:].lower(): value for key, value in environ.items() if key.startswith("HTTP_CE_")}
        body = request.get_data()
        data: Any = _decoded(body) if body else None
    else:
        try:
            envelope = json.loads(request.get_data() or b"null")
        except ValueError as e:
            raise BadRequest(f"The structured CloudEvent is not JSON: {e}") from None
        if not isinstance(envelope, dict):
            raise BadRequest("A structured CloudEvent must be a JSON object.")
        data = envelope.pop("data", None)
        if "data_base64" in envelope:
            import base64

            try:
                data = _decoded(base64.b64decode(envelope.pop("data_base64"), validate=True))
            except ValueError:
                raise BadRequest("The CloudEvent's data_base64 is not base64.") from None
        attributes = envelope
    missing = [name for name in REQUIRED if not isinstance(attributes.get(name), str) or not attributes.get(name)]
    if missing:
        raise BadRequest(f"The CloudEvent has no {', '.join(missing)} attribute (required: {', '.join(REQUIRED)}).")
    return attributes, data


def _pubsub_data(data: Any) -> Any:
    # Pub/Sub's message.data is base64: decoded (JSON when it parses).
    if isinstance(data, dict) and isinstance(data.get("message"), dict) and "data" in data["message"]:
        import base64

        try:
            return _decoded(base64.b64decode(data["message"]["data"], validate=True))
        except (ValueError, TypeError):
            return data["message"]["data"]
    return data


def handle_cloudevent(app: Any, request: Any) -> Any:
    """The answer to a CloudEvent request: 204 once its handler returns, 500 if it raises (logged;
    Eventarc redelivers), 400 for a malformed event, 404 when no handler matches it."""
    router: EventRouter | None = app.__dict__.get("_events")
    attributes, data = read_cloudevent(request)
    values: dict[str, str | None] = {"type": attributes["type"], "source": attributes["source"],
                                     "subject": attributes.get("subject")}
    handler = router.find("cloudevent", values) if router is not None else None
    if handler is None:
        raise NotFound(f"No handler takes CloudEvents of type {attributes['type']!r} from {attributes['source']!r}.")
    message = data.get("message") if isinstance(data, dict) else None
    pubsub = "pubsub" in attributes["type"] and isinstance(message, dict)
    event = Event("cloudevent", {"attributes": attributes, "data": data}, id=attributes["id"],
                  source=attributes["source"], data=_pubsub_data(data) if pubsub else data, attributes=attributes,
                  type=attributes["type"], subject=attributes.get("subject"), time=attributes.get("time"),
                  message=message, message_attributes=message.get("attributes") if pubsub and message else None)
    try:
        _call(app, handler, event)
    except PayloadError as e:
        raise BadRequest(str(e)) from None
    return app.response_class(status=204)


# -- registration helpers (App and Blueprint) -------------------------------------------------------


PUBSUB = "google.cloud.pubsub.topic.v1.messagePublished"
STORAGE = "google.cloud.storage.object.v1.{kind}"
SCHEDULER = "google.cloud.scheduler.job.v1.executed"
FIRESTORE = "google.cloud.firestore.document.v1.{kind}"


# The helpers' options (they become CloudEvent or EventBridge matchers).
HELPERS = {"pubsub": ("topic",), "storage": ("bucket", "kind"), "scheduler": ("job",),
           "firestore": ("document", "kind"), "schedule": ()}


def matcher(kind: str, /, **options: Any) -> tuple[str, dict[str, str | None]]:
    """(kind, match) for a registration decorator's options (the helpers: pubsub, storage...)."""
    allowed = HELPERS.get(kind)
    if allowed is not None and set(options) - set(allowed):
        unknown = ", ".join(sorted(set(options) - set(allowed)))
        raise TypeError(f"{kind} handlers take {', '.join(allowed) or 'no options'}, not {unknown}")
    if kind == "pubsub":
        topic = options.pop("topic", None)
        return "cloudevent", {"type": PUBSUB, "source": f"//pubsub.googleapis.com/projects/*/topics/{topic}"
                              if topic else None, "subject": None}
    if kind == "storage":
        bucket = options.pop("bucket", None)
        which = options.pop("kind", "finalized")
        if which not in ("finalized", "deleted", "archived", "metadataUpdated"):
            raise ValueError(f"storage kind must be finalized, deleted, archived or metadataUpdated, not {which!r}")
        return "cloudevent", {"type": STORAGE.format(kind=which),
                              "source": f"//storage.googleapis.com/projects/_/buckets/{bucket}" if bucket else None,
                              "subject": None}
    if kind == "scheduler":
        job = options.pop("job", None)
        return "cloudevent", {"type": SCHEDULER, "source": f"//cloudscheduler.googleapis.com/projects/*/locations/*/"
                              f"jobs/{job}" if job else None, "subject": None}
    if kind == "firestore":
        which = options.pop("kind", "written")
        document = options.pop("document", None)
        return "cloudevent", {"type": FIRESTORE.format(kind=which), "source": None,
                              "subject": f"documents/{document}" if document else None}
    if kind == "schedule":  # EventBridge scheduled rules
        return "eventbridge", {"source": "aws.events", "detail_type": "Scheduled Event"}
    return kind, dict(options)  # EventRouter.add checks the kind and its fields
