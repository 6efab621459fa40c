"""Lambda events: one HTTP event through the handler, per event shape, in-process.

manypaths (``lambda_handler(app)``; also with the access log on, its default on Lambda: one JSON
line per request, to /dev/null here), Flask through the same adapter (what an existing Flask app
gets), and AWS Powertools' resolvers (REST and HTTP API; they log nothing by default). Each
handler's answer is checked before it is timed; µs per event, best of several passes, frameworks
interleaved.

    make bench-lambda        (or: .venv/bin/python benchmarks/lambda_events.py [--quick])
"""

from __future__ import annotations

import copy
import gc
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
EVENTS = HERE.parent / "tests" / "fixtures" / "aws-events"
QUICK = "--quick" in sys.argv
SHAPES = {"REST API (1.0)": "apiGatewayProxyEvent.json", "HTTP API (2.0)": "apiGatewayProxyV2Event_GET.json"}


class Context:
    aws_request_id = "bench"
    function_name = "bench"


def event(shape: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((EVENTS / SHAPES[shape]).read_text())
    if "rawPath" in data:
        data["rawPath"] = "/users/42"
        data["requestContext"]["http"]["method"] = "GET"
    else:
        data["path"] = "/users/42"
        data["httpMethod"] = "GET"
        data["requestContext"]["path"] = "/users/42"
    return data


def handlers(shape: str, routes: int = 1) -> dict[str, Any]:
    """The three handlers on an app of ``routes`` dynamic routes, ``/users/<id>`` registered last."""
    import flask
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, APIGatewayRestResolver

    from manypaths import App
    from manypaths.platforms import lambda_handler

    ours = App("bench")
    theirs = flask.Flask("bench")
    resolver = APIGatewayRestResolver() if shape.startswith("REST") else APIGatewayHttpResolver()
    for i in range(routes - 1):  # the routes before it: /items0/<id>, /items1/<id>...
        ours.add_url_rule(f"/items{i}/<int:item_id>", f"items{i}", lambda item_id: "item")
        theirs.add_url_rule(f"/items{i}/<int:item_id>", f"items{i}", lambda item_id: "item")
        resolver.get(f"/items{i}/<item_id>")(lambda item_id: "item")

    @ours.get("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    theirs.add_url_rule("/users/<int:user_id>", "user", lambda user_id: f"user {user_id}")

    from aws_lambda_powertools.event_handler import Response as PowertoolsResponse

    @resolver.get("/users/<user_id>")
    def powertools_user(user_id: str) -> Any:
        return PowertoolsResponse(status_code=200, content_type="text/html; charset=utf-8",
                                  body=f"user {int(user_id)}")

    # The same app as it runs on Lambda by default: the access log on (one JSON line per request
    # in Lambda's log format), written to /dev/null here. Powertools' resolver logs nothing.
    logged = App("bench-logged")
    for i in range(routes - 1):
        logged.add_url_rule(f"/items{i}/<int:item_id>", f"items{i}", lambda item_id: "item")
    logged.add_url_rule("/users/<int:user_id>", "user", lambda user_id: f"user {user_id}")
    logged_handler = lambda_handler(logged)
    os.environ["AWS_LAMBDA_FUNCTION_NAME"] = "bench"  # where the first request decides the log's format
    stdout, sys.stdout = sys.stdout, open(os.devnull, "w")  # noqa: SIM115 (the log's stream for the run)
    try:
        logged_handler(event(shape), Context())
    finally:
        sys.stdout = stdout
        del os.environ["AWS_LAMBDA_FUNCTION_NAME"]

    return {
        "manypaths": lambda_handler(ours),
        "manypaths, access log on": logged_handler,
        "flask (manypaths adapter)": lambda_handler(theirs),
        "powertools": lambda e, c: resolver.resolve(e, c),
    }


def body_of(result: dict[str, Any]) -> str:
    body = result["body"]
    return json.loads(body) if body.startswith('"') else body


def main() -> None:
    n = 300 if QUICK else 2000
    print(f"Lambda events: GET /users/42 through each handler, µs per event (Python {sys.version.split()[0]})")
    print("(1 route, and the last of 200 dynamic routes)\n")
    print(f"  {'event':<16}{'routes':>7}  {'handler':<28}{'µs':>8}{'× manypaths':>13}")
    for shape, routes in [(shape, routes) for routes in (1, 200) for shape in SHAPES]:
        hs = handlers(shape, routes)
        for name, handler in hs.items():
            result = handler(event(shape), Context())
            assert result["statusCode"] == 200 and body_of(result) == "user 42", (name, result)
        best = {name: float("inf") for name in hs}
        for _ in range(3 if QUICK else 11):
            for name, handler in hs.items():
                template = event(shape)
                events = [copy.deepcopy(template) for _ in range(n)]  # handlers may annotate the event
                gc.disable()
                t0 = time.perf_counter_ns()
                for e in events:
                    handler(e, Context())
                best[name] = min(best[name], time.perf_counter_ns() - t0)
                gc.enable()
        base = best["manypaths"]
        for name, t in best.items():
            print(f"  {shape:<16}{routes:>7}  {name:<28}{t / n / 1000:>8.1f}{t / base:>13.1f}")


if __name__ == "__main__":
    main()
