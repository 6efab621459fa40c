"""Event triggers: manypaths' event routing against AWS Powertools and functions-framework.

- A 10-record SQS batch with 2 failing records: ``lambda_handler(app)`` with ``@app.on_sqs`` against
  Powertools' ``BatchProcessor`` + ``process_partial_response`` (the same ``batchItemFailures``
  checked first).
- An EventBridge event: ``@app.on_eventbridge`` against Powertools' ``@event_source(EventBridgeEvent)``.
- A binary-mode Pub/Sub CloudEvent: the App (``@app.on_pubsub``) through its WSGI callable against
  functions-framework's own ``cloud_event`` signature (its Flask app), both given the same environ.
- Cold start of a function with HTTP routes plus five trigger handlers (import, build, first SQS
  batch) against Powertools (an APIGatewayRestResolver with the same routes + BatchProcessor),
  fresh processes, median.

µs per invocation, best of several passes, interleaved; ratios in the same run.

    make bench-events        (or: .venv/bin/python benchmarks/events.py [--quick])
"""

from __future__ import annotations

import base64
import copy
import gc
import io
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
QUICK = "--quick" in sys.argv
sys.path.insert(0, str(HERE.parent / "src"))


def sqs_batch() -> dict[str, Any]:
    from manypaths.testing import sqs_event

    bodies = [{"order": i, "fail": i in (3, 7)} for i in range(10)]
    return sqs_event(*bodies, queue="orders")


def ours_sqs() -> Any:
    from manypaths import App
    from manypaths.platforms import lambda_handler

    app = App("bench")

    @app.on_sqs("orders")
    def order(event: Any) -> None:
        if event.data["fail"]:
            raise ValueError("failed order")

    return lambda_handler(app)


def powertools_sqs() -> Any:
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS)

    def record_handler(record: Any) -> None:
        if json.loads(record.body)["fail"]:
            raise ValueError("failed order")

    def handler(event: dict[str, Any], context: Any) -> Any:
        return process_partial_response(event=event, record_handler=record_handler, processor=processor,
                                        context=context)

    return handler


def eventbridge() -> dict[str, Any]:
    from manypaths.testing import eventbridge_event

    return eventbridge_event("shop.orders", "OrderPlaced", {"order": 7, "total": 12.5})


def ours_eventbridge() -> Any:
    from manypaths import App
    from manypaths.platforms import lambda_handler

    app = App("bench")

    @app.on_eventbridge(source="shop.orders", detail_type="OrderPlaced")
    def placed(event: Any) -> Any:
        return event.detail["order"]

    return lambda_handler(app)


def powertools_eventbridge() -> Any:
    from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, event_source

    @event_source(data_class=EventBridgeEvent)
    def handler(event: EventBridgeEvent, context: Any) -> Any:
        if event.source == "shop.orders" and event.detail_type == "OrderPlaced":
            return event.detail["order"]
        raise ValueError("unroutable")

    return handler


def quiet_logging() -> None:
    import logging

    logging.getLogger("manypaths.events").disabled = True  # failing records log a traceback each
    logging.getLogger("aws_lambda_powertools").disabled = True
    logging.disable(logging.CRITICAL)


def time_lambda(handlers: dict[str, Any], event: dict[str, Any], n: int) -> dict[str, float]:
    best = {name: float("inf") for name in handlers}
    for _ in range(3 if QUICK else 9):
        for name, handler in handlers.items():
            events = [copy.deepcopy(event) for _ in range(n)]
            gc.disable()
            t0 = time.perf_counter_ns()
            for e in events:
                handler(e, None)
            best[name] = min(best[name], (time.perf_counter_ns() - t0) / n / 1000)
            gc.enable()
    return best


def cloudevent_apps() -> dict[str, Any]:
    import functions_framework
    from functions_framework import create_app

    from manypaths import App

    ours = App("bench")
    seen: list[Any] = []

    @ours.on_pubsub("orders")
    def message(event: Any) -> None:
        seen.append(event.data)

    source = HERE / "_ff_cloudevent_target.py"
    source.write_text("import base64\nimport functions_framework\n\nSEEN = []\n\n@functions_framework.cloud_event\n"
                      "def on_message(cloud_event):\n    SEEN.append(base64.b64decode(cloud_event.data['message']"
                      "['data']))\n")
    try:
        theirs = create_app("on_message", str(source), "cloudevent")
    finally:
        source.unlink()
        # create_app leaves FUNCTION_TARGET in the environment, which would make our App believe it
        # runs on Cloud Functions and write an access log line per request in this process.
        import os

        os.environ.pop("FUNCTION_TARGET", None)
        os.environ.pop("FUNCTION_SIGNATURE_TYPE", None)
    del functions_framework
    return {"manypaths (App)": ours.wsgi_app, "functions-framework cloud_event": theirs.wsgi_app}


def cloudevent_environ() -> dict[str, Any]:
    body = json.dumps({"message": {"data": base64.b64encode(b'{"order": 7}').decode(), "messageId": "1",
                                   "attributes": {}}, "subscription": "projects/p/subscriptions/s"}).encode()
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "SCRIPT_NAME": "", "QUERY_STRING": "", "SERVER_NAME": "x",
            "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
            "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body)), "HTTP_CE_SPECVERSION": "1.0",
            "HTTP_CE_TYPE": "google.cloud.pubsub.topic.v1.messagePublished",
            "HTTP_CE_SOURCE": "//pubsub.googleapis.com/projects/p/topics/orders", "HTTP_CE_ID": "1",
            "HTTP_CE_TIME": "2026-01-01T00:00:00Z", "bench.body": body}


def call(app: Any, template: dict[str, Any]) -> str:
    environ = dict(template)
    environ["wsgi.input"] = io.BytesIO(template["bench.body"])
    status: list[str] = []
    body = b"".join(app(environ, lambda s, h, e=None: status.append(s)))
    del body
    return status[0]


COLD_OURS = r"""
import time
t0 = time.perf_counter()
from manypaths import App
from manypaths.platforms import lambda_handler
app = App("cold")
for i in range(20):
    app.add_url_rule(f"/r{i}/<int:id>", f"r{i}", lambda id: "x")
@app.on_sqs("orders")
def orders(e): pass
@app.on_sns("alerts")
def alerts(e): pass
@app.on_s3(bucket="uploads")
def uploads(e): pass
@app.on_schedule()
def nightly(e): pass
@app.on_eventbridge(source="shop")
def shop(e): pass
handler = lambda_handler(app)
event = {"Records": [{"messageId": f"m{i}", "receiptHandle": "h", "body": b, "attributes": {}, "messageAttributes": {},
         "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:orders",
         "awsRegion": "us-east-1"} for i, b in enumerate(["a", "b"])]}
assert handler(event, None) == {"batchItemFailures": []}
print(time.perf_counter() - t0)
"""

COLD_POWERTOOLS = r"""
import time
t0 = time.perf_counter()
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, S3Event, SNSEvent
resolver = APIGatewayRestResolver()
for i in range(20):
    resolver.get(f"/r{i}/<id>")(lambda id: "x")
processor = BatchProcessor(event_type=EventType.SQS)
def record_handler(record): pass
def handler(event, context):
    if "Records" in event and event["Records"][0].get("eventSource") == "aws:sqs":
        return process_partial_response(event=event, record_handler=record_handler, processor=processor, context=context)
    return resolver.resolve(event, context)
event = {"Records": [{"messageId": f"m{i}", "receiptHandle": "h", "body": b, "attributes": {}, "messageAttributes": {},
         "md5OfBody": "", "eventSource": "aws:sqs", "eventSourceARN": "arn:aws:sqs:us-east-1:1:orders",
         "awsRegion": "us-east-1"} for i, b in enumerate(["a", "b"])]}
assert handler(event, None) == {"batchItemFailures": []}
print(time.perf_counter() - t0)
"""


def cold_start() -> dict[str, float]:
    runs = 5 if QUICK else 15
    found: dict[str, list[float]] = {"manypaths": [], "powertools": []}
    env = {"PYTHONPATH": str(HERE.parent / "src"), "PATH": "/usr/bin:/bin", "POWERTOOLS_DEV": "0"}
    for _ in range(runs):
        for name, code in (("manypaths", COLD_OURS), ("powertools", COLD_POWERTOOLS)):
            out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, env=env)
            found[name].append(float(out.stdout.strip()) * 1000)
    return {name: statistics.median(times) for name, times in found.items()}


def main() -> None:
    quiet_logging()
    n = 200 if QUICK else 1000
    print(f"Event triggers, µs per invocation (Python {sys.version.split()[0]})\n")
    print(f"  {'row':<44}{'handler':<34}{'µs':>9}{'× manypaths':>13}")

    batch = sqs_batch()
    sqs = {"manypaths": ours_sqs(), "powertools BatchProcessor": powertools_sqs()}
    answers = [h(copy.deepcopy(batch), None) for h in sqs.values()]
    assert answers[0] == answers[1] == {"batchItemFailures": [{"itemIdentifier": "m3"}, {"itemIdentifier": "m7"}]}, \
        answers
    best = time_lambda(sqs, batch, n // 4)
    for name, t in best.items():
        print(f"  {'SQS batch, 10 records (2 failing)':<44}{name:<34}{t:>9.1f}{t / best['manypaths']:>13.2f}")

    bridge = eventbridge()
    handlers = {"manypaths": ours_eventbridge(), "powertools event_source": powertools_eventbridge()}
    assert all(h(copy.deepcopy(bridge), None) == 7 for h in handlers.values())
    best = time_lambda(handlers, bridge, n)
    for name, t in best.items():
        print(f"  {'EventBridge event':<44}{name:<34}{t:>9.1f}{t / best['manypaths']:>13.2f}")

    apps = cloudevent_apps()
    template = cloudevent_environ()
    statuses = {name: call(app, template) for name, app in apps.items()}
    assert all(s.startswith(("200", "204")) for s in statuses.values()), statuses
    best = {name: float("inf") for name in apps}
    for _ in range(3 if QUICK else 9):
        for name, app in apps.items():
            gc.disable()
            t0 = time.perf_counter_ns()
            for _ in range(n):
                call(app, template)
            best[name] = min(best[name], (time.perf_counter_ns() - t0) / n / 1000)
            gc.enable()
    for name, t in best.items():
        print(f"  {'Pub/Sub CloudEvent (binary), WSGI in-process':<44}{name:<34}{t:>9.1f}"
              f"{t / best['manypaths (App)']:>13.2f}")

    cold = cold_start()
    print(f"\n  Cold start, 20 HTTP routes + 5 trigger handlers, first SQS batch (median of "
          f"{5 if QUICK else 15} fresh processes):")
    for name, ms in cold.items():
        print(f"  {name:<44}{'':<34}{ms:>8.1f} ms{ms / cold['manypaths']:>10.2f}")


if __name__ == "__main__":
    main()
