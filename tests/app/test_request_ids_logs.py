"""Request ids (Lambda's request id, W3C traceparent, Cloud trace header, else random) and the
access log: JSON on Lambda and Cloud Functions/Run (each platform's format), text locally, off by
default locally and in tests; ``logging`` imported with the first line, not before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from http import HTTPStatus
from pathlib import Path
from typing import Any

from manypaths import App, request
from manypaths.platforms import lambda_handler

ROOT = Path(__file__).resolve().parents[2]
EVENTS = ROOT / "tests" / "fixtures" / "aws-events"
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"


def id_app() -> App:
    app = App(__name__)

    @app.get("/id")
    def show() -> Any:
        return {"id": request.id, "trace": request.trace_id}

    return app


def test_request_id_sources() -> None:
    client = id_app().test_client()
    assert client.get("/id", headers={"traceparent": f"00-{TRACE}-00f067aa0ba902b7-01"}).get_json() == {
        "id": TRACE, "trace": TRACE}
    assert client.get("/id", headers={"X-Cloud-Trace-Context": f"{TRACE.upper()}/1;o=1"}).get_json()["id"] == TRACE
    for bad in ("00-" + "0" * 32 + "-00f067aa0ba902b7-01", "garbage", f"00-{TRACE[:-1]}x-1-01"):
        got = client.get("/id", headers={"traceparent": bad}).get_json()
        assert got["trace"] is None and len(got["id"]) == 32 and got["id"] != TRACE
    first, second = (client.get("/id").get_json()["id"] for _ in range(2))
    assert first != second  # random ids differ


def test_lambda_request_id() -> None:
    class Context:
        aws_request_id = "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"

    event = json.loads((EVENTS / "apiGatewayProxyEvent.json").read_text())
    event.update(path="/id", httpMethod="GET", resource="/id")
    event["requestContext"]["path"] = "/id"
    out = lambda_handler(id_app())(event, Context())
    assert json.loads(out["body"])["id"] == "c6af9ac6-7b61-11e6-9a41-93e8deadbeef"


PROBE = r"""
import io, json, sys
from manypaths import App
from manypaths.platforms import lambda_handler
app = App("probe", access_log=__ACCESS_LOG__)
app.config["TESTING"] = __TESTING__
app.add_url_rule("/hello/<name>", "hello", lambda name: f"hi {name}")
assert "logging" not in sys.modules
env = {"REQUEST_METHOD": "GET", "PATH_INFO": "/hello/ada", "QUERY_STRING": "x=1", "SERVER_NAME": "h",
       "SERVER_PORT": "80", "HTTP_HOST": "h", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http",
       "REMOTE_ADDR": "198.51.100.4", "HTTP_TRACEPARENT": "00-__TRACE__-00f067aa0ba902b7-01"}
if __MODE__ == "lambda":
    class Context:
        aws_request_id = "req-123"
    event = json.load(open(sys.argv[1]))
    event.update(path="/hello/ada", httpMethod="GET", queryStringParameters={"x": "1"},
                 multiValueQueryStringParameters={"x": ["1"]})
    event["requestContext"]["path"] = "/hello/ada"
    print("BODY", lambda_handler(app)(event, Context())["body"], flush=True)
else:
    print("BODY", b"".join(app(env, lambda s, h, e=None: None)).decode(), flush=True)
print("LOGGING", "logging" in sys.modules, flush=True)
"""


def run_probe(mode: str, env: dict[str, str], access_log: str = "None", testing: str = "False") -> list[str]:
    code = (PROBE.replace("__ACCESS_LOG__", access_log).replace("__TESTING__", testing)
            .replace("__MODE__", repr(mode)).replace("__TRACE__", TRACE))
    clean = {k: v for k, v in os.environ.items()
             if k not in ("AWS_LAMBDA_FUNCTION_NAME", "K_SERVICE", "FUNCTION_TARGET", "GOOGLE_CLOUD_PROJECT")}
    out = subprocess.run([sys.executable, "-c", code, str(EVENTS / "apiGatewayProxyEvent.json")],
                         capture_output=True, text=True, timeout=60, env={**clean, **env}, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    # The body and whether logging was loaded first, then the log lines (written as the response is made).
    lines = out.stdout.strip().splitlines()
    marked = [line for line in lines if line.startswith(("BODY ", "LOGGING "))]
    return marked + [line for line in lines if line not in marked]


def test_lambda_json_access_log() -> None:
    lines = run_probe("lambda", {"AWS_LAMBDA_FUNCTION_NAME": "api"})
    body, loaded, entry = lines
    assert body == "BODY hi ada" and loaded == "LOGGING True"
    record = json.loads(entry)
    assert record["level"] == "INFO" and record["requestId"] == "req-123"
    assert (record["method"], record["path"], record["status"]) == ("GET", "/hello/ada?x=1", 200)
    assert record["message"].startswith("GET /hello/ada?x=1 200 ") and record["timestamp"].endswith("Z")


def test_cloud_logging_access_log() -> None:
    lines = run_probe("wsgi", {"K_SERVICE": "api", "GOOGLE_CLOUD_PROJECT": "my-project"})
    entry = json.loads(lines[2])
    assert entry["severity"] == "INFO"
    assert entry["logging.googleapis.com/trace"] == f"projects/my-project/traces/{TRACE}"
    assert entry["httpRequest"]["status"] == 200 and entry["httpRequest"]["remoteIp"] == "198.51.100.4"
    assert entry["httpRequest"]["latency"].endswith("s") and entry["requestId"] == TRACE


def test_access_log_off_locally_and_in_tests_on_when_asked() -> None:
    assert run_probe("wsgi", {}) == ["BODY hi ada", "LOGGING False"]  # local default: off, logging not loaded
    assert run_probe("wsgi", {"FUNCTION_TARGET": "main"}, testing="True") == ["BODY hi ada", "LOGGING False"]
    assert run_probe("wsgi", {"K_SERVICE": "api"}, access_log="False") == ["BODY hi ada", "LOGGING False"]
    lines = run_probe("wsgi", {}, access_log="True")
    assert lines[2].startswith("198.51.100.4 GET /hello/ada?x=1 200 ") and lines[2].endswith(f"id={TRACE}")


def test_the_lambda_line_is_one_line_of_json_whatever_the_request_holds() -> None:
    # The Lambda line is written field by field: a path, query and request id holding quotes,
    # backslashes, line breaks and non-ASCII text still make one line that parses to exactly them.
    import io

    from manypaths import accesslog

    app = App("lines")

    class Context:
        aws_request_id = 'id "quoted"\\\n\u2603'

    hostile = '/a"b\\c\nd\u00e9\u2603\x00'
    # An escaped query, one that ends in "?", a latin-1 one (a WSGI server's code points), none.
    for query in ("q=%22%0A%E2%98%83", "a=?", "q=caf\u00e9", ""):
        environ = {"REQUEST_METHOD": "GET", "PATH_INFO": hostile.encode().decode("latin-1"),
                   "QUERY_STRING": query, "SERVER_NAME": "h", "SERVER_PORT": "80",
                   "wsgi.url_scheme": "https", "wsgi.input": io.BytesIO(), "manypaths.started": 0.0,
                   "manypaths.aws.context": Context()}
        req = app.request_class(environ)
        req.app = app
        expected = req.full_path if query else req.path
        assert hostile in expected and (query in expected or not query)
        for status in (200, 404, 500, HTTPStatus.CREATED):
            text = accesslog.line(req, status, "aws")
            assert "\n" not in text and text.isascii()
            record = json.loads(text)
            assert list(record) == ["timestamp", "level", "message", "requestId", "method", "path", "status",
                                    "durationMs"]
            assert record["path"] == expected
            assert record["requestId"] == Context.aws_request_id and record["status"] == status
            assert record["level"] == ("ERROR" if status >= 500 else "INFO")
            assert record["message"].startswith(f"GET {expected} {int(status)} ")
            assert isinstance(record["durationMs"], float) and record["durationMs"] > 0


def test_the_line_writes_its_times_exactly(monkeypatch: Any) -> None:
    # The duration's and the timestamp's digits are written by integer arithmetic and a lookup, not
    # by float formatting: the same text a float format would give, to the microsecond.
    from manypaths import accesslog
    from manypaths.testing import build_environ

    app = App("times")
    clock = {"perf": 100.0, "wall": 1764842645.0456}
    monkeypatch.setattr(accesslog.time, "perf_counter", lambda: clock["perf"])
    monkeypatch.setattr(accesslog.time, "time", lambda: clock["wall"])
    for elapsed_us, short, exact in [(2100, "2.1", "2.100"), (5, "0.0", "0.005"), (1049, "1.0", "1.049"),
                                     (1050, "1.1", "1.050"), (123456789, "123456.8", "123456.789"), (0, "0.0", "0.000")]:
        environ = build_environ("/users/7", "GET", query_string="q=1")
        environ["manypaths.started"] = 100.0
        clock["perf"] = 100.0 + elapsed_us / 1_000_000
        request = app.request_class(environ)
        local = accesslog.line(request, 200, "local")
        assert f" GET /users/7?q=1 200 {short}ms id=" in local, local
        record = json.loads(accesslog.line(request, 201, "aws"))
        assert record["message"] == f"GET /users/7?q=1 201 {short}ms"
        assert record["timestamp"] == "2025-12-04T10:04:05.045Z"
        assert accesslog.line(request, 201, "aws").endswith(f'"durationMs":{exact}}}')
    # A start in the future (a clock that went back) is no negative duration.
    environ = build_environ("/")
    environ["manypaths.started"] = clock["perf"] + 1.0
    assert json.loads(accesslog.line(app.request_class(environ), 200, "aws"))["durationMs"] == 0.0
