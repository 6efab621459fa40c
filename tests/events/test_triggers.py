"""One function, many triggers: queue, storage, stream, schedule and CloudEvents handlers on the
same App as its routes, through the same ``lambda_handler(app)`` and ``cloud_function(app)``.

Real event shapes: AWS's (tests/fixtures/aws-trigger-events, from Powertools) and Google's
(tests/fixtures/gcp-events), the test helpers of ``manypaths.testing``, and CloudEvents built by the
``cloudevents`` SDK; side by side with AWS Powertools' BatchProcessor on the same failing batches.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pytest

from manypaths import App, Blueprint, g
from manypaths.events import Event, MalformedEvent, UnroutableEvent
from manypaths.platforms import cloud_function, lambda_handler
from manypaths.testing import (
    cloudevent,
    eventbridge_event,
    kinesis_event,
    pubsub_cloudevent,
    s3_event,
    schedule_event,
    sns_event,
    sqs_event,
    storage_cloudevent,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
AWS = FIXTURES / "aws-trigger-events"
GCP = FIXTURES / "gcp-events"


def load(name: str) -> Any:
    return json.loads((AWS / name).read_text())


def make() -> tuple[App, list[tuple[str, Any]]]:
    app = App(__name__)
    seen: list[tuple[str, Any]] = []

    @app.get("/health")
    def health() -> str:
        return "ok"

    @app.on_sqs("orders")
    def order(event: Event) -> None:
        if isinstance(event.data, dict) and event.data.get("fail"):
            raise ValueError(f"order {event.data['n']} failed")
        seen.append(("orders", event.data))

    @app.on_sqs("orders-*")  # a pattern: less specific than the literal name
    def other_orders(event: Event) -> None:
        seen.append(("orders-*", event.source))

    @app.on_kafka()
    def any_topic(event: Event) -> None:
        seen.append(("kafka", event.id))

    @app.on_sqs()
    def any_queue(event: Event) -> None:
        g.kind = "any queue"
        seen.append(("any", (event.source, event.data, g.kind)))

    @app.on_sns("sns-lambda")
    def notification(event: Event) -> None:
        seen.append(("sns", event.data))

    @app.on_s3(bucket="uploads", prefix="images/", suffix=".png", event="ObjectCreated:*")
    def image(event: Event) -> None:
        seen.append(("png", event.key))

    @app.on_s3(bucket="uploads")
    def upload(event: Event) -> None:
        seen.append(("upload", (event.key, event.event_name)))

    @app.on_eventbridge(source="aws.ec2")
    def ec2(event: Event) -> None:
        seen.append(("ec2", (event.detail_type, event.detail)))

    @app.on_schedule()
    def tick(event: Event) -> None:
        seen.append(("tick", event.raw["resources"]))

    @app.on_kinesis("lambda-stream")
    def kinesis(event: Event) -> None:
        seen.append(("kinesis", event.data))

    @app.on_kinesis("counted")
    def counted(event: Event) -> None:
        if event.data == "bad":
            raise RuntimeError("bad record")
        seen.append(("counted", event.data))

    @app.on_dynamodb()
    def change(event: Event) -> None:
        seen.append(("dynamodb", (event.event_name, event.keys)))

    return app, seen


# ------------------------------------------------------------------------------------------ Lambda


def test_aws_fixture_events_reach_their_handlers() -> None:
    app, seen = make()
    handler = lambda_handler(app)
    assert handler(load("sqsEvent.json"), None) == {"batchItemFailures": []}
    assert ("any", ("my-queue", "Test message.", "any queue")) in seen
    assert ("any", ("my-queue", {"message": "foo1"}, "any queue")) in seen  # a JSON body is decoded
    seen.clear()
    assert handler(load("snsEvent.json"), None) is None
    assert seen == [("sns", "Hello from SNS!")]
    seen.clear()
    assert handler(load("kinesisStreamEvent.json"), None) == {"batchItemFailures": []}
    assert seen == [("kinesis", "Hello, this is a test."), ("kinesis", "This is only a test.")]
    seen.clear()
    handler(load("dynamoStreamEvent.json"), None)
    assert [s[1][0] for s in seen] == ["INSERT", "MODIFY"]
    seen.clear()
    handler(load("eventBridgeEvent.json"), None)
    assert seen == [("ec2", ("EC2 Instance State-change Notification",
                             {"instance_id": "i-1234567890abcdef0", "state": "terminated"}))]
    # An HTTP event on the same handler still goes to the routes.
    http = json.loads((FIXTURES / "aws-events" / "apiGatewayProxyV2Event_GET.json").read_text())
    http["rawPath"] = http["requestContext"]["http"]["path"] = "/health"
    assert handler(http, None)["body"] == "ok"


def test_most_specific_match_wins() -> None:
    app, seen = make()
    handler = lambda_handler(app)
    handler(sqs_event({"n": 1}, queue="orders"), None)
    handler(sqs_event("x", queue="orders-eu"), None)
    handler(sqs_event("y", queue="billing"), None)
    assert seen == [("orders", {"n": 1}), ("orders-*", "orders-eu"), ("any", ("billing", "y", "any queue"))]
    seen.clear()
    handler(s3_event("uploads", "images/cat photo.png"), None)  # URL-encoded by S3, decoded for the handler
    handler(s3_event("uploads", "images/cat.png", event_name="ObjectRemoved:Delete"), None)
    handler(s3_event("uploads", "docs/a.txt"), None)
    assert seen == [("png", "images/cat photo.png"), ("upload", ("images/cat.png", "ObjectRemoved:Delete")),
                    ("upload", ("docs/a.txt", "ObjectCreated:Put"))]
    seen.clear()
    handler(schedule_event("nightly"), None)
    assert seen == [("tick", ["arn:aws:events:us-east-1:123456789012:rule/nightly"])]


def test_partial_batch_failures(caplog: pytest.LogCaptureFixture) -> None:
    app, seen = make()
    handler = lambda_handler(app)
    batch = sqs_event({"n": 1}, {"n": 2, "fail": True}, {"n": 3}, {"n": 4, "fail": True}, queue="orders")
    with caplog.at_level("ERROR", logger="manypaths.events"):
        assert handler(batch, None) == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m3"}]}
    assert seen == [("orders", {"n": 1}), ("orders", {"n": 3})]  # the others ran, once
    assert "sqs record m1 failed" in caplog.text and "order 2 failed" in caplog.text
    # FIFO: the first failure stops the batch; it and every later record are reported, in order.
    seen.clear()
    fifo = sqs_event({"n": 1}, {"n": 2, "fail": True}, {"n": 3}, queue="orders", fifo=True)
    fifo_app, fifo_seen = make()

    @fifo_app.on_sqs("orders.fifo")
    def in_order(event: Event) -> None:
        if event.data.get("fail"):
            raise ValueError("stop")
        fifo_seen.append(("fifo", event.data["n"]))

    assert lambda_handler(fifo_app)(fifo, None) == {"batchItemFailures": [{"itemIdentifier": "m1"},
                                                                          {"itemIdentifier": "m2"}]}
    assert fifo_seen == [("fifo", 1)]
    # Kinesis reports sequence numbers.
    assert handler(kinesis_event("good", "bad", "good", stream="counted"), None) == \
        {"batchItemFailures": [{"itemIdentifier": "1"}]}


def test_a_whole_batch_handler() -> None:
    app = App(__name__)

    @app.on_sqs("bulk", batch=True)
    def bulk(events: list[Event]) -> list[Event]:
        return [e for e in events if e.data == "bad"]  # the failed ones

    answer = lambda_handler(app)(sqs_event("ok", "bad", "ok", queue="bulk"), None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}]}


@pytest.mark.parametrize(("event", "message"), [
    (sqs_event("x", queue="nobody-listens"), None),
    (sns_event("x", topic="unknown"), "no sns handler matches topic='unknown'"),
    (eventbridge_event("my.app", "Something"), "no eventbridge handler matches source='my.app'"),
    ({"Records": [{"eventSource": "aws:s3", "s3": "nope"}]}, "an S3 record without s3.bucket"),
    ({"Records": [{"eventSource": "aws:kinesis", "eventSourceARN": "x", "kinesis": {"data": "***"}}]},
     "whose data is not base64"),
    ({"Records": "not a list"}, None),
])
def test_unroutable_and_malformed_events_raise_naming_what_arrived(event: dict[str, Any], message: str | None) -> None:
    app = App(__name__)

    @app.on_sqs("orders")
    def order(event: Event) -> None:
        pass

    @app.on_sns("known")
    def sns(event: Event) -> None:
        pass

    @app.on_eventbridge(source="aws.ec2")
    def ec2(event: Event) -> None:
        pass

    @app.on_s3()
    def s3(event: Event) -> None:
        pass

    @app.on_kinesis()
    def kinesis(event: Event) -> None:
        pass

    handler = lambda_handler(app)
    with pytest.raises(UnroutableEvent) as caught:  # MalformedEvent is one too
        handler(event, None)
    if "Records" in event and not isinstance(event["Records"], list):
        assert isinstance(caught.value, MalformedEvent)
    if message is not None:
        assert message in str(caught.value)


def test_an_app_without_handlers_and_a_plain_wsgi_app_refuse_events() -> None:
    with pytest.raises(UnroutableEvent, match="has no event handlers"):
        lambda_handler(App(__name__))(sqs_event("x"), None)
    from manypaths.platforms.aws import UnsupportedEvent

    def bare(environ: Any, start_response: Any) -> Any:
        return []

    with pytest.raises(UnsupportedEvent, match="without event handlers"):
        lambda_handler(bare)(sqs_event("x"), None)


def test_registration_errors() -> None:
    app = App(__name__)

    @app.on_sqs("orders")
    def one(event: Event) -> None:
        pass

    with pytest.raises(ValueError, match="can never be told apart"):
        @app.on_sqs("orders")
        def two(event: Event) -> None:
            pass
    with pytest.raises(TypeError, match="batch=True is for SQS"):
        app.on_event("sns", batch=True, topic="t")(lambda e: None)
    with pytest.raises(TypeError, match="match on queue"):
        app.on_event("sqs", topic="t")(lambda e: None)
    with pytest.raises(ValueError, match="storage kind"):
        app.on_storage("b", kind="eaten")(lambda e: None)
    with pytest.raises(TypeError, match="pubsub handlers take topic, not bucket"):
        app.on_event("pubsub", bucket="b")(lambda e: None)
    with pytest.raises(ValueError, match="unknown event kind 'sqs2'"):
        app.on_event("sqs2")(lambda e: None)


def test_blueprint_handlers_and_the_app_context() -> None:
    app = App(__name__)
    jobs = Blueprint("jobs", __name__)
    seen: list[Any] = []

    @jobs.on_sqs("jobs")
    def job(event: Event) -> None:
        g.job = event.data
        seen.append(g.job)

    app.register_blueprint(jobs)
    assert lambda_handler(app)(sqs_event("build", queue="jobs"), None) == {"batchItemFailures": []}
    assert seen == ["build"]


def test_side_by_side_with_powertools_batch_processor() -> None:
    # The same batches with failing records: the same batchItemFailures as Powertools' BatchProcessor.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    def powertools(event: dict[str, Any], kind: EventType, fail: Any) -> Any:
        processor = BatchProcessor(event_type=kind)

        def record_handler(record: Any) -> None:
            if fail(record):
                raise ValueError("fail")

        return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=None)

    sqs = sqs_event("a", "FAIL", "b", "FAIL", queue="side")
    kinesis = kinesis_event("a", "FAIL", "b", stream="side")
    app = App(__name__)

    @app.on_sqs("side")
    def sqs_record(event: Event) -> None:
        if event.data == "FAIL":
            raise ValueError("fail")

    @app.on_kinesis("side")
    def kinesis_record(event: Event) -> None:
        if event.data == "FAIL":
            raise ValueError("fail")

    handler = lambda_handler(app)
    import base64

    assert handler(sqs, None) == powertools(sqs, EventType.SQS, lambda r: r.body == "FAIL")
    assert handler(kinesis, None) == powertools(
        kinesis, EventType.KinesisDataStreams, lambda r: base64.b64decode(r.kinesis.data) == b"FAIL")


# ---------------------------------------------------------------------------------------- CloudEvents


def cloud_app() -> tuple[App, list[Any]]:
    app = App(__name__)
    seen: list[Any] = []

    @app.get("/")
    def index() -> str:
        return "http"

    @app.on_pubsub("my-topic")
    def message(event: Event) -> None:
        seen.append(("pubsub", event.data, event.message_attributes))

    @app.on_storage("my-bucket")
    def stored(event: Event) -> None:
        seen.append(("storage", event.data["name"], event.subject))

    @app.on_storage("my-bucket", kind="deleted")
    def deleted(event: Event) -> None:
        seen.append(("deleted", event.data["name"]))

    @app.on_cloudevent(type="com.example.*")
    def custom(event: Event) -> None:
        if event.data == {"fail": True}:
            raise RuntimeError("handler failed")
        seen.append(("custom", event.type, event.data))

    return app, seen


@pytest.mark.parametrize("structured", [False, True])
def test_cloudevents_are_routed_and_http_still_goes_to_routes(structured: bool) -> None:
    app, seen = cloud_app()
    client = app.test_client()
    assert client.post("/", **pubsub_cloudevent("my-topic", {"order": 7}, attributes={"a": "1"},
                                                structured=structured)).status_code == 204
    assert client.post("/", **storage_cloudevent("my-bucket", "reports/q1.csv", structured=structured)).status_code == 204
    assert client.post("/", **storage_cloudevent("my-bucket", "old.csv", "deleted",
                                                 structured=structured)).status_code == 204
    assert seen == [("pubsub", {"order": 7}, {"a": "1"}), ("storage", "reports/q1.csv", "objects/reports/q1.csv"),
                    ("deleted", "old.csv")]
    assert client.get("/").get_data() == b"http"
    assert client.post("/", json={"not": "an event"}).status_code == 405  # an ordinary POST: the routes answer


def test_cloudevents_built_by_the_sdk() -> None:
    from cloudevents.conversion import to_binary, to_structured
    from cloudevents.http import CloudEvent

    app, seen = cloud_app()
    client = app.test_client()
    for convert in (to_binary, to_structured):
        event = CloudEvent({"type": "com.example.order.created", "source": "//shop", "subject": "orders/1"},
                           {"order": 1})
        headers, body = convert(event)
        answer = client.post("/", data=body, headers={k: v for k, v in headers.items() if k.lower() != "content-type"},
                             content_type=headers.get("content-type"))
        assert answer.status_code == 204, answer.get_data()
    assert seen == [("custom", "com.example.order.created", {"order": 1})] * 2


def test_google_fixture_payloads() -> None:
    app, seen = cloud_app()
    client = app.test_client()
    structured = (GCP / "structured" / "pubsub-MessagePublishedData.json").read_bytes()
    assert client.post("/", data=structured, content_type="application/cloudevents+json").status_code == 204
    binary = (GCP / "binary" / "storage-StorageObjectData-simple.json").read_bytes()
    headers = {"ce-specversion": "1.0", "ce-type": "google.cloud.storage.object.v1.finalized", "ce-id": "1",
               "ce-source": "//storage.googleapis.com/projects/_/buckets/my-bucket", "ce-subject": "objects/x"}
    assert client.post("/", data=binary, headers=headers, content_type="application/json").status_code == 204
    assert seen[0] == ("pubsub", "test message 3", {"attr1": "attr1-value"})
    assert seen[1][0] == "storage"


def test_eventarc_contract_for_errors() -> None:
    app, _ = cloud_app()
    client = app.test_client()
    failed = client.post("/", **cloudevent("com.example.x", "//shop", {"fail": True}))
    assert failed.status_code == 500  # redelivered by Eventarc; the traceback only in the log
    assert b"handler failed" not in failed.get_data()
    missing = client.post("/", data=b"{}", headers={"ce-specversion": "1.0", "ce-type": "com.example.x"},
                          content_type="application/json")
    assert missing.status_code == 400 and b"no id, source attribute" in missing.get_data()
    broken = client.post("/", data=b"{not json", content_type="application/cloudevents+json")
    assert broken.status_code == 400
    nobody = client.post("/", **cloudevent("com.other.x", "//elsewhere", {}))
    assert nobody.status_code == 404


def test_cloudevents_under_functions_framework(serve_ff: Any) -> None:
    # The same through the real functions-framework server, on cloud_function(app).
    import urllib.request

    base = serve_ff("tests.events.targets:cloud_main")
    kw = pubsub_cloudevent("my-topic", {"n": 1})
    request = urllib.request.Request(base + "/", data=kw["data"].encode(), method="POST",
                                     headers={**kw["headers"], "Content-Type": kw["content_type"]})
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 204
    with urllib.request.urlopen(base + "/seen", timeout=10) as response:
        assert json.loads(response.read()) == [["pubsub", {"n": 1}]]


def test_cloud_function_entry_point_routes_cloudevents() -> None:
    from manypaths.testing import TestClient

    app, seen = cloud_app()
    client = TestClient(cloud_function(app).wsgi_app)  # the WSGI app functions-framework calls
    assert client.post("/", **pubsub_cloudevent("my-topic", "plain text")).status_code == 204
    assert seen == [("pubsub", "plain text", {})]


def test_the_command_line_lists_and_invokes_event_handlers(tmp_path: Path) -> None:
    import subprocess
    import sys

    (tmp_path / "worker.py").write_text(
        "from manypaths import App\napp = App(__name__)\n\n@app.get('/')\ndef index():\n    return 'hi'\n\n"
        "@app.on_sqs('orders')\ndef order(event):\n    if event.data == 'bad':\n        raise ValueError('bad')\n\n"
        "@app.on_s3(bucket='uploads', prefix='in/')\ndef upload(event):\n    pass\n")
    (tmp_path / "batch.json").write_text(json.dumps(sqs_event("ok", "bad", queue="orders")))
    (tmp_path / "other.json").write_text(json.dumps(sqs_event("ok", queue="elsewhere")))
    manypaths = str(Path(sys.executable).parent / "manypaths")

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([manypaths, *args], cwd=tmp_path, capture_output=True, text=True, timeout=60)

    table = run("routes", "worker").stdout
    assert "Trigger" in table and "queue=orders" in table and "bucket=uploads, prefix=in/" in table
    assert "worker.order" in table and "/" in table
    invoked = run("invoke", "worker", "--event", "batch.json")
    assert invoked.returncode == 0 and json.loads(invoked.stdout) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    nobody = run("invoke", "worker", "--event", "other.json")
    assert nobody.returncode == 2 and "UnroutableEvent: no sqs handler matches queue='elsewhere'" in nobody.stderr


def test_registering_a_handler_loads_the_events_module_and_an_http_app_does_not() -> None:
    import subprocess
    import sys

    probe = ("import sys\nfrom manypaths import App\nfrom manypaths.platforms import lambda_handler\napp = App('x')\n"
             "@app.get('/')\ndef i():\n    return 'x'\nh = lambda_handler(app)\n"
             "print('manypaths.events' in sys.modules)\n@app.on_sqs('q')\ndef q(e):\n    pass\n"
             "print('manypaths.events' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["False", "True"]


def test_fuzzed_trigger_events_never_crash_inside_the_router() -> None:
    # Mutated real events (fields dropped, retyped, emptied): the handler returns, or raises
    # UnroutableEvent / MalformedEvent naming what arrived — never a KeyError, TypeError or the like
    # from inside the router. (A handler's own exception on a batch record is a reported failure.)
    import os

    from hypothesis import HealthCheck, given, settings
    from hypothesis import strategies as st

    from manypaths.platforms.aws import UnsupportedEvent

    app, _ = make()
    handler = lambda_handler(app)
    samples = [load(name) for name in ("sqsEvent.json", "snsEvent.json", "s3Event.json", "kinesisStreamEvent.json",
                                       "dynamoStreamEvent.json", "eventBridgeEvent.json", "sqsDlqTriggerEvent.json",
                                       "cloudWatchLogEvent.json", "kafkaEventMsk.json")]
    junk = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))

    def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
        found = [prefix] if prefix else []
        if isinstance(value, dict):
            for key, item in value.items():
                found.extend(paths(item, (*prefix, key)))
        elif isinstance(value, list):
            for i, item in enumerate(value):
                found.extend(paths(item, (*prefix, i)))
        return found

    @settings(max_examples=int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "300")), deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(st.integers(0, len(samples) - 1), st.integers(0, 10_000), junk, st.booleans())
    def check(which: int, where: int, value: Any, drop: bool) -> None:
        event = json.loads(json.dumps(samples[which]))
        found = paths(event)
        path = found[where % len(found)]
        parent = event
        for key in path[:-1]:
            parent = parent[key]
        if drop and isinstance(parent, dict):
            del parent[path[-1]]
        else:
            parent[path[-1]] = value
        try:
            handler(event, None)
        except (UnroutableEvent, UnsupportedEvent):  # an event that lost its Records is no shape at all
            pass

    check()


# ------------------------------------------------------------------------------- typed payloads, envelopes


import dataclasses  # noqa: E402

import msgspec  # noqa: E402


@dataclasses.dataclass
class Signup:
    name: str
    age: int


class Reading(msgspec.Struct):
    sensor: str
    value: float


def test_typed_payloads_are_validated_and_a_bad_one_fails_alone(caplog: pytest.LogCaptureFixture) -> None:
    app = App(__name__)
    got: list[Any] = []

    @app.on_sqs("signups")
    def signup(payload: Signup) -> None:
        got.append(payload)

    @app.on_kinesis("readings")
    def reading(payload: Reading) -> None:
        got.append(payload)

    @app.on_pubsub("typed")
    def typed_message(payload: Signup) -> None:
        got.append(payload)

    handler = lambda_handler(app)
    with caplog.at_level("ERROR", logger="manypaths.events"):
        answer = handler(sqs_event({"name": "ada", "age": 36}, {"name": "bob", "age": "old"}, "not json",
                                   queue="signups"), None)
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m1"}, {"itemIdentifier": "m2"}]}
    assert got == [Signup("ada", 36)]
    assert "sqs m1: the payload is not a Signup: age: Expected `int`, got `str`" in caplog.text
    got.clear()
    assert handler(kinesis_event({"sensor": "t1", "value": 21.5}, stream="readings"), None) == \
        {"batchItemFailures": []}
    assert got == [Reading("t1", 21.5)]
    client = app.test_client()
    assert client.post("/", **pubsub_cloudevent("typed", {"name": "cy", "age": 3})).status_code == 204
    bad = client.post("/", **pubsub_cloudevent("typed", {"name": "cy"}))
    assert bad.status_code == 400 and b"missing required field `age`" in bad.get_data()


def test_envelopes_through_sqs() -> None:
    app = App(__name__)
    got: list[Any] = []

    @app.on_sqs("SQS", envelope="s3")
    def from_s3(event: Event) -> None:
        got.append(("s3", event.bucket, event.key, event.event_name))

    @app.on_sqs("powertools265", envelope="sns")
    def from_sns(event: Event) -> None:
        got.append(("sns", event.source, event.data))

    @app.on_sqs("rules", envelope="eventbridge")
    def from_rules(event: Event) -> None:
        got.append(("eventbridge", event.source, event.detail_type))

    handler = lambda_handler(app)
    assert handler(load("s3SqsEvent.json"), None) == {"batchItemFailures": []}
    assert handler(load("snsSqsEvent.json"), None) == {"batchItemFailures": []}
    bridged = sqs_event(eventbridge_event("my.app", "OrderPlaced", {"id": 1}), "not an event", queue="rules")
    assert handler(bridged, None) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert got[0][0] == "s3" and got[0][3] == "ObjectCreated:Put"
    assert ("sns", "powertools265", {"message": "hello world", "username": "lessa"}) in got
    assert got[-1] == ("eventbridge", "my.app", "OrderPlaced")
    with pytest.raises(TypeError, match="envelope= is for SQS handlers"):
        app.on_event("sns", envelope="s3", topic="t")(lambda e: None)


def test_a_processing_line_per_invocation_when_the_access_log_is_on(caplog: pytest.LogCaptureFixture) -> None:
    app = App(__name__, access_log=True)

    @app.on_sqs("orders")
    def order(event: Event) -> None:
        if event.data == "bad":
            raise ValueError("bad")

    class Context:
        aws_request_id = "req-7"

    with caplog.at_level("INFO", logger="manypaths.events"):
        lambda_handler(app)(sqs_event("ok", "bad", "ok", queue="orders"), Context())
    line = [r.getMessage() for r in caplog.records if "record" in r.getMessage() and "request" in r.getMessage()]
    assert line and "a aws:sqs event: 3 records, 1 failed (m1) in" in line[0] and "[request req-7]" in line[0]
    caplog.clear()
    quiet = App(__name__, access_log=False)
    quiet.on_sqs("orders")(lambda event: None)
    with caplog.at_level("INFO", logger="manypaths.events"):
        lambda_handler(quiet)(sqs_event("ok", queue="orders"), Context())
    assert not [r for r in caplog.records if "[request" in r.getMessage()]


def test_cloudwatch_logs_subscription_is_decoded() -> None:
    app = App(__name__)
    got: list[Any] = []

    @app.on_cloudwatch_logs("testLogGroup")
    def logs(event: Event) -> None:
        got.append((event.source, event.log_stream, [e["message"] for e in event.log_events]))

    lambda_handler(app)(load("cloudWatchLogEvent.json"), None)
    assert got == [("testLogGroup", "testLogStream", ["[ERROR] First test message", "[ERROR] Second test message"])]
    with pytest.raises(MalformedEvent, match="not base64 gzip JSON"):
        lambda_handler(app)({"awslogs": {"data": "bm90IGd6aXA="}}, None)


def test_cloudevents_through_the_asgi_driver() -> None:
    # Cloud Run behind uvicorn: the App as an ASGI app takes CloudEvents through the same core.
    import asyncio

    from tests.aio.asgi_client import call

    app, seen = cloud_app()
    kw = pubsub_cloudevent("my-topic", {"via": "asgi"})
    headers = [*kw["headers"].items(), ("content-type", kw["content_type"])]
    answer = asyncio.run(call(app, "POST", "/", headers=headers, body=kw["data"].encode()))
    assert answer.status == 204
    assert seen == [("pubsub", {"via": "asgi"}, {})]
    bad = asyncio.run(call(app, "POST", "/", headers=[("ce-specversion", "1.0"), ("content-type", "application/json")],
                           body=b"{}"))
    assert bad.status == 400


def test_cloudevents_pass_the_apps_host_check_and_before_request_hooks() -> None:
    # On a public function anyone can POST a CloudEvent: the app's auth hook and TRUSTED_HOSTS apply
    # to events as to requests, so a forged event never reaches a handler.
    from manypaths import abort, request

    app, seen = cloud_app()

    @app.before_request
    def only_the_push_account() -> None:
        if request.headers.get("Authorization") != "Bearer eventarc-token":
            abort(401)

    client = app.test_client()
    forged = client.post("/", **pubsub_cloudevent("my-topic", {"forged": True}))
    assert forged.status_code == 401 and seen == []
    kw = pubsub_cloudevent("my-topic", {"real": True})
    kw["headers"]["Authorization"] = "Bearer eventarc-token"
    assert client.post("/", **kw).status_code == 204 and seen == [("pubsub", {"real": True}, {})]
    app.config["TRUSTED_HOSTS"] = ["events.example"]
    assert client.post("/", **kw).status_code == 400  # Host: localhost is not trusted


def test_manypaths_serve_takes_cloudevents() -> None:
    import subprocess
    import sys
    import time
    import urllib.request

    from tests.conftest import free_port

    port = free_port()
    root = Path(__file__).resolve().parents[2]
    server = subprocess.Popen([sys.executable, "-m", "manypaths", "serve", "tests.events.targets:app", "--port",
                               str(port)], cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(base + "/seen", timeout=2).read()
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)
        kw = pubsub_cloudevent("my-topic", {"served": True}, structured=True)
        sent = urllib.request.Request(base + "/", data=kw["data"].encode(), method="POST",
                                      headers={"Content-Type": kw["content_type"]})
        with urllib.request.urlopen(sent, timeout=10) as answer:
            assert answer.status == 204
        with urllib.request.urlopen(base + "/seen", timeout=10) as answer:
            assert json.loads(answer.read()) == [["pubsub", {"served": True}]]
    finally:
        server.terminate()
        server.wait(10)


def test_teardown_appcontext_runs_after_each_invocation() -> None:
    # As after a request: a connection a handler opened in g is closed when the invocation ends,
    # even when a record failed.
    app = App(__name__)
    closed: list[Any] = []

    @app.teardown_appcontext
    def close(error: BaseException | None) -> None:
        closed.append(g.pop("db", None))

    @app.on_sqs("orders")
    def order(event: Event) -> None:
        g.db = f"connection for {event.id}"
        if event.data == "bad":
            raise ValueError("bad")

    handler = lambda_handler(app)
    assert handler(sqs_event("ok", "bad", queue="orders"), None) == {"batchItemFailures": [{"itemIdentifier": "m1"}]}
    assert closed == ["connection for m1"]  # one app context per invocation: the last connection set
    with pytest.raises(UnroutableEvent):
        handler(sns_event("x", topic="nobody"), None)
    assert closed == ["connection for m1", None]  # torn down after a failed invocation too


def test_each_eventbridge_invocation_is_its_own_app_context() -> None:
    # Each EventBridge invocation runs in its own application context: g is fresh per invocation,
    # current_app is the app inside, nothing is left active after, and an async handler is run.
    from manypaths import current_app, has_app_context
    from manypaths.events import _BridgeEvent, _event

    app = App(__name__)
    seen: list[Any] = []

    @app.on_eventbridge(source="shop", detail_type="Placed")
    def placed(event: Event) -> Any:
        seen.append((g.get("order"), current_app.name, event.detail_type, event.detail, event.attributes, event.kind))
        g.order = event.detail["order"]
        return g.order

    @app.on_eventbridge(source="shop", detail_type="Paid")
    async def paid(event: Event) -> Any:
        return {"paid": event.detail["order"]}

    handler = lambda_handler(app)
    assert handler(eventbridge_event("shop", "Placed", {"order": 1}), None) == 1
    assert handler(eventbridge_event("shop", "Placed", {"order": 2}), None) == 2
    assert seen == [(None, app.name, "Placed", {"order": 1}, {}, "eventbridge"),
                    (None, app.name, "Placed", {"order": 2}, {}, "eventbridge")]
    assert handler(eventbridge_event("shop", "Paid", {"order": 3}), None) == {"paid": 3}
    assert not has_app_context()
    # The batch roads' Event maker gives what the public constructor gives.
    raw = {"id": "e1"}
    made, built = _event(_BridgeEvent, "eventbridge", raw, "e1", "shop", [1], {}), Event("eventbridge", raw, "e1",
                                                                                            "shop", [1])
    assert [getattr(made, f) for f in ("kind", "raw", "id", "source", "data", "attributes")] == \
        [getattr(built, f) for f in ("kind", "raw", "id", "source", "data", "attributes")]
    assert repr(made) == repr(built) and isinstance(made, Event)


class Poison(ValueError):
    """A message that can never succeed: acknowledged by its error handler, not retried."""


def test_event_hooks_and_error_handlers_by_exception_class(caplog: pytest.LogCaptureFixture) -> None:
    app = App(__name__)
    calls: list[Any] = []
    bp = Blueprint("billing", __name__)

    @app.before_event
    def app_before(event: Event) -> Any:
        g.seen = event.id
        calls.append(("app before", event.id))
        return "skipped" if event.data == {"skip": True} else None

    @app.after_event
    def app_after(event: Event, result: Any) -> Any:
        calls.append(("app after", event.id, result, g.seen))
        return None

    @bp.before_event
    def bp_before(event: Event) -> None:
        calls.append(("bp before", event.id))

    @bp.after_event
    def bp_after(event: Event, result: Any) -> Any:
        calls.append(("bp after", event.id, result))
        return f"{result}!"

    @app.errorhandler(Poison)
    def poisoned(error: Poison) -> str:
        calls.append(("poisoned", str(error)))
        return "dropped"

    @app.errorhandler(Exception)  # an HTTP catch-all: never acknowledges a failed record
    def everything(error: Exception) -> Any:
        calls.append(("catch-all", str(error)))
        return "oops", 500

    @app.on_sqs("orders")
    def order(event: Event) -> str:
        if event.data.get("poison"):
            raise Poison("bad bytes")
        if event.data.get("fail"):
            raise RuntimeError("database down")
        return "done"

    @bp.on_eventbridge("billing")
    def invoice(event: Event) -> str:
        return f"invoice {event.detail['n']}"

    app.register_blueprint(bp)
    handler = lambda_handler(app)

    batch = sqs_event({"ok": 1}, {"poison": True}, {"fail": True}, {"skip": True}, queue="orders")
    with caplog.at_level("INFO", logger="manypaths.events"):
        answer = handler(batch, None)
    # The poison message was handled by its handler (acknowledged); the failure is still reported.
    assert answer == {"batchItemFailures": [{"itemIdentifier": "m2"}]}
    assert ("poisoned", "bad bytes") in calls
    assert not any(c[0] == "catch-all" for c in calls)
    assert ("app after", "m0", "done", "m0") in calls
    assert ("app after", "m1", "dropped", "m1") in calls
    assert ("app after", "m3", "skipped", "m3") in calls  # a before hook answered: the handler never ran
    assert not any(c[0] == "app after" and c[1] == "m2" for c in calls)
    assert "Poison handled by" in caplog.text and "m2 failed" in caplog.text

    calls.clear()
    result = handler(eventbridge_event("billing", "Invoice", {"n": 7}), None)
    assert result == "invoice 7!"  # the blueprint's after hook replaced the result
    assert [c[0] for c in calls] == ["app before", "bp before", "bp after", "app after"]
    assert calls[-1][2] == "invoice 7!"

    # A CloudEvent goes through the same hooks (after the request's own).
    @app.on_pubsub("jobs")
    def job(event: Event) -> None:
        raise Poison("unparseable job")

    calls.clear()
    client = app.test_client()
    response = client.post("/", **pubsub_cloudevent("jobs", {"x": 1}))
    assert response.status_code == 204  # acknowledged by the Poison handler
    assert [c[0] for c in calls] == ["app before", "poisoned", "app after"]


def test_event_payloads_decode_as_json_only_when_the_whole_text_is_json() -> None:
    from manypaths.events import _decoded

    assert _decoded('{"a": 1}') == {"a": 1}
    assert _decoded('{"a": 1}\r\n ') == {"a": 1}
    assert _decoded(' [1, 2]') == [1, 2]
    assert _decoded("12") == 12
    assert _decoded("true") is True
    for text in ('{"a": 1} trailing', '{"a": 1}\x0b', "[1, 2", "tru", "hello", "-", "NaN", ""):
        assert _decoded(text) == text
    assert _decoded(b'{"a": 1}') == {"a": 1}
    assert _decoded(b"\xff\xfe") == b"\xff\xfe"


def test_kafka_records_from_msk_and_self_managed_clusters(caplog: pytest.LogCaptureFixture) -> None:
    from aws_lambda_powertools.utilities.data_classes import KafkaEvent

    from manypaths.events import RecordFailed
    from manypaths.testing import kafka_event

    app = App(__name__)
    seen: list[Any] = []

    @app.on_kafka("mytopic", cluster="SalesCluster")
    def sale(event: Event) -> None:
        seen.append((event.id, event.data, event.key, event.attributes, event.cluster, event.partition, event.offset))

    @app.on_kafka("orders-*")
    def order(event: Event) -> None:
        if event.data == {"fail": True}:
            raise ValueError("cannot ship")
        seen.append(("order", event.data, event.cluster))

    @app.on_kafka("audit", batch=True)
    def audit(events: list[Event]) -> None:
        seen.append(("audit", [e.data for e in events]))

    handler = lambda_handler(app)
    fixture = load("kafkaEventMsk.json")
    assert handler(fixture, None) is None
    ident, data, key, headers, cluster, partition, offset = seen.pop()
    theirs = next(KafkaEvent(load("kafkaEventMsk.json")).records)  # Powertools decodes the same record
    assert data == theirs.json_value and key.encode() == theirs.decoded_key
    assert {k.lower(): v.encode() for k, v in headers.items()} == dict(theirs.decoded_headers)
    assert (ident, cluster, partition, offset) == ("mytopic-0@15", "SalesCluster", theirs.partition, theirs.offset)

    # Self-managed Kafka (no cluster ARN), matched by topic; records in offset order.
    assert handler(kafka_event({"n": 1}, {"n": 2}, topic="orders-eu", cluster=None), None) is None
    assert seen == [("order", {"n": 1}, None), ("order", {"n": 2}, None)]
    seen.clear()

    # No partial batch response for Kafka: the first failure fails the invocation, naming the record.
    with caplog.at_level("ERROR", logger="manypaths.events"), \
            pytest.raises(RecordFailed, match=r"orders-eu-3@1 failed .*cannot ship"):
        handler(kafka_event({"n": 1}, {"fail": True}, {"n": 3}, topic="orders-eu", partition=3), None)
    assert seen == [("order", {"n": 1}, "cluster")]  # the record after the failure never ran
    assert "orders-eu-3@1 failed" in caplog.text

    assert handler(kafka_event("a", "b", topic="audit", headers={"trace": "t-1"}), None) is None
    assert seen[-1] == ("audit", ["a", "b"])

    for event, error, message in [
        ({"eventSource": "aws:kafka", "records": []}, MalformedEvent, "object of lists"),
        ({"eventSource": "aws:kafka", "records": {"t-0": [{"topic": "mytopic", "value": "!!"}]}}, MalformedEvent,
         "not base64"),
        ({"eventSource": "aws:kafka", "records": {"t-0": [{"topic": "mytopic", "headers": [{"h": [300]}]}]}},
         MalformedEvent, "not bytes"),
        ({"eventSource": "aws:kafka", "records": {"t-0": [{"topic": "mytopic", "headers": 1}]}},
         MalformedEvent, "headers must be a list"),  # found by the fuzz: was a TypeError inside the router
        ({"eventSource": "aws:kafka", "records": {"t-0": [{"partition": 0}]}}, MalformedEvent, "topic"),
        ({"eventSource": "SelfManagedKafka", "records": {}}, MalformedEvent, "no records"),
        (kafka_event("x", topic="elsewhere"), UnroutableEvent, "topic='elsewhere'"),
    ]:
        with pytest.raises(error, match=message):
            handler(event, None)


GOOGLE_TYPES = {"pubsub": "google.cloud.pubsub.topic.v1.messagePublished",
                "storage": "google.cloud.storage.object.v1.finalized",
                "scheduler": "google.cloud.scheduler.job.v1.executed",
                "firestore": "google.cloud.firestore.document.v1.written",
                "audit": "google.cloud.audit.log.v1.written"}


def test_side_by_side_with_functions_frameworks_own_cloud_event_signature(tmp_path: Path,
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    # Every Google fixture, binary and structured, to functions-framework's @cloud_event function
    # (its own Flask app, through Flask's test client) and to the App: the same data and attributes.
    from functions_framework import create_app

    source = tmp_path / "main.py"
    source.write_text("import functions_framework\n\nSEEN = []\n\n@functions_framework.cloud_event\n"
                      "def receive(cloud_event):\n    SEEN.append((dict(cloud_event.get_attributes()), "
                      "cloud_event.data))\n")
    for name in ("FUNCTION_TARGET", "FUNCTION_SIGNATURE_TYPE"):  # create_app sets them: undone after the test
        monkeypatch.setenv(name, "")
    theirs = create_app("receive", str(source), "cloudevent")
    import sys

    module = next(m for m in list(sys.modules.values()) if getattr(m, "__file__", None) == str(source))
    their_seen = module.SEEN

    ours = App(__name__)
    our_seen: list[Any] = []

    @ours.on_cloudevent()
    def anything(event: Event) -> None:
        our_seen.append((dict(event.attributes), event.raw["data"], event.data))

    flask_client, client = theirs.test_client(), ours.test_client()
    compared = 0
    for mode in ("binary", "structured"):
        for path in sorted((GCP / mode).glob("*.json")):
            body = path.read_bytes()
            if mode == "binary":
                kind = path.name.split("-", 1)[0]
                headers = {"ce-specversion": "1.0", "ce-type": GOOGLE_TYPES[kind], "ce-id": f"id-{path.stem}",
                           "ce-source": f"//{kind}.googleapis.com/projects/p/x", "ce-subject": "documents/a/b",
                           "ce-time": "2026-01-01T00:00:00Z"}
                content_type = "application/json"
            else:
                headers, content_type = {}, "application/cloudevents+json"
            assert flask_client.post("/", data=body, headers=headers, content_type=content_type).status_code == 200
            assert client.post("/", data=body, headers=headers, content_type=content_type).status_code == 204
            (their_attributes, their_data), (our_attributes, our_raw, our_data) = their_seen[-1], our_seen[-1]
            assert our_raw == their_data, path.name
            for name in ("id", "type", "source", "subject", "specversion", "time"):
                assert our_attributes.get(name) == their_attributes.get(name), (path.name, name)
            if path.name.startswith("pubsub"):  # message.data, base64-decoded for the handler
                from manypaths.events import _decoded

                assert our_data == _decoded(base64.b64decode(their_data["message"]["data"]))
            compared += 1
    assert compared == 10
