"""The manypaths command on every kind of target, through a subprocess, as a user runs it."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from .conftest import free_port

ROOT = Path(__file__).parents[1]
EVENTS = ROOT / "examples" / "api" / "events"


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "manypaths", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)


def _rows(out: str) -> list[list[str]]:
    return [line.replace(",", "").split() for line in out.splitlines()]


@pytest.mark.parametrize(("target", "row"), [
    ("examples.api.app:app", ["users.show_user", "GET", "/users/<int(min=1):user_id>"]),
    ("examples.api.app", ["posts", "GET", "POST", "/posts"]),  # module alone: its `app`
    ("examples.api.main:main", ["users.show_user", "GET", "/users/<int(min=1):user_id>"]),
    ("examples.api.lambda_function:handler", ["files", "GET", "/files/<path:path>"]),
    ("examples.api.lambda_function", ["files", "GET", "/files/<path:path>"]),  # its imported `app`
    ("tests.cli_targets.kinds:flask_app", ["flask_view", "GET", "POST", "/flask/<int:n>"]),
    ("tests.cli_targets.kinds:flask_handler", ["flask_view", "GET", "POST", "/flask/<int:n>"]),
    ("tests.cli_targets.factory", ["made", "GET", "/made"]),
])
def test_cli_routes_on_every_kind_of_target(target: str, row: list[str]) -> None:
    out = run("routes", target)
    assert out.returncode == 0, out.stderr
    rows = _rows(out.stdout)
    assert rows[0] == ["Endpoint", "Methods", "Rule"] and row in rows, out.stdout


def test_cli_routes_on_a_bare_wsgi_callable_says_so() -> None:
    out = run("routes", "tests.cli_targets.kinds:bare_wsgi")
    assert out.returncode == 0 and "is a WSGI app without a route map" in out.stdout


def test_cli_routes_on_an_asgi_app() -> None:
    out = run("routes", "tests.cli_targets.kinds:fastapi_app")
    assert out.returncode == 0, out.stderr
    assert ["fast_view", "GET", "/fast/{n}"] in _rows(out.stdout), out.stdout


@pytest.mark.parametrize(("target", "event", "status", "body"), [
    ("examples.api.app:app", "rest-api-stage.json", 200, {"id": 1, "name": "Ada"}),
    ("examples.api.lambda_function:handler", "rest-api-stage.json", 200, {"id": 1, "name": "Ada"}),
    ("examples.api.lambda_function:handler", "http-api.json", 200, [{"id": 1, "name": "Ada"}]),
    ("examples.api.lambda_function:handler", "alb.json", 201, {"id": 3, "name": "Linus"}),
    ("examples.api.lambda_function:handler", "function-url.json", 200,
     {"path": "docs/readme.txt", "parts": ["docs", "readme.txt"]}),
    ("examples.api.main:main", "function-url.json", 200, {"path": "docs/readme.txt", "parts": ["docs", "readme.txt"]}),
    ("tests.cli_targets.kinds:flask_app", None, 200, {"flask": 5}),
    ("tests.cli_targets.kinds:flask_handler", None, 200, {"flask": 5}),
    ("tests.cli_targets.kinds:bare_wsgi", None, 200, "bare /flask/5"),
])
def test_cli_invoke_on_every_kind_of_target(target: str, event: str | None, status: int, body: object,
                                            tmp_path: Path) -> None:
    if event is None:
        data = json.loads((EVENTS / "http-api.json").read_text())
        data["rawPath"] = "/flask/5"
        data["rawQueryString"] = ""
        path = tmp_path / "event.json"
        path.write_text(json.dumps(data))
    else:
        path = EVENTS / event
    out = run("invoke", target, "--event", str(path))
    assert out.returncode == 0, out.stderr
    result = json.loads(out.stdout)
    assert result["statusCode"] == status
    assert (json.loads(result["body"]) if isinstance(body, (dict, list)) else result["body"]) == body


def test_cli_invoke_rest_event_keeps_the_stage_in_urls(tmp_path: Path) -> None:
    data = json.loads((EVENTS / "rest-api-stage.json").read_text())
    data["path"] = "/"
    data["requestContext"]["path"] = "/prod/"
    path = tmp_path / "root.json"
    path.write_text(json.dumps(data))
    out = run("invoke", "examples.api.lambda_function:handler", "--event", str(path))
    assert out.returncode == 0, out.stderr
    links = json.loads(json.loads(out.stdout)["body"])
    assert links["one_user"] == "https://abc123.execute-api.eu-west-1.amazonaws.com/prod/users/1"


def _serve(target: str, port: int, *extra: str) -> subprocess.Popen[str]:
    return subprocess.Popen([sys.executable, "-m", "manypaths", "serve", target, "--port", str(port), *extra],
                            cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _get(url: str) -> tuple[int, bytes]:
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                return response.status, response.read()
        except urllib.error.HTTPError as e:
            return e.code, e.read()
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.1)


@pytest.mark.parametrize(("target", "path", "expected"), [
    ("examples.api.app", "/users/1", b'{"id":1,"name":"Ada"}\n'),
    ("tests.cli_targets.kinds:main", "/fn/hello/you", b'{"hello":"you"}\n'),  # the cloud_function's prefix
    ("tests.cli_targets.kinds:handler", "/hello/you", b'{"hello":"you"}\n'),
    ("tests.cli_targets.kinds:flask_app", "/flask/3", b'{"flask":3}\n'),
    ("tests.cli_targets.kinds:bare_wsgi", "/any/path", b"bare /any/path"),
    ("tests.cli_targets.kinds:fastapi_app", "/fast/4", b'{"fast":4}'),  # ASGI-only, through WSGIFromASGI
    ("tests.cli_targets.kinds:fastapi_main", "/fast/5", b'{"fast":5}'),
])
def test_cli_serve_on_every_kind_of_target(target: str, path: str, expected: bytes) -> None:
    port = free_port()
    process = _serve(target, port)
    try:
        assert _get(f"http://127.0.0.1:{port}{path}") == (200, expected)
    finally:
        process.terminate()
        process.communicate(timeout=20)


def _one_line_error(out: subprocess.CompletedProcess[str] | tuple[int, str], *words: str) -> None:
    code, stderr = (out.returncode, out.stderr) if isinstance(out, subprocess.CompletedProcess) else out
    assert code == 2, stderr
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("manypaths: error:") and "Traceback" not in stderr, stderr
    for word in words:
        assert word in lines[0], lines[0]


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    _one_line_error(run("routes", "no_such_module"), "no module named 'no_such_module'")
    _one_line_error(run("routes", "examples.api.app:nope"), "no attribute 'nope'")
    _one_line_error(run("routes", "tests.cli_targets.broken"), "RuntimeError", "DATABASE_URL")
    _one_line_error(run("routes", "tests.cli_targets.kinds:not_an_app"), "not an app")
    _one_line_error(run("routes", "manypaths.routing"), "no 'app', 'application' or 'create_app'")
    _one_line_error(run("routes", "x:"), "module:attribute")
    _one_line_error(run("invoke", "examples.api.app", "--event", str(tmp_path / "missing.json")), "cannot read")
    (tmp_path / "bad.json").write_text("{not json")
    _one_line_error(run("invoke", "examples.api.app", "--event", str(tmp_path / "bad.json")), "not JSON")
    (tmp_path / "s3.json").write_text('{"Records": []}')
    # A non-HTTP event that is malformed (no records): what arrived, and why nothing takes it.
    _one_line_error(run("invoke", "examples.api.app", "--event", str(tmp_path / "s3.json")), "MalformedEvent",
                    "Records is empty")
    _one_line_error(run("invoke", "tests.cli_targets.kinds:ours", "--event", str(tmp_path / "s3.json")),
                    "UnroutableEvent", "has no event handlers")


def test_cli_busy_port_is_a_one_line_error() -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        process = _serve("examples.api.app", port)
        _, stderr = process.communicate(timeout=30)
        _one_line_error((process.returncode, stderr), f"port {port}", "already in use", "--port")


def test_cli_help_shows_every_argument_with_its_default() -> None:
    out = run("serve", "--help")
    assert out.returncode == 0
    assert "(default: 127.0.0.1)" in out.stdout and "(default: 8080)" in out.stdout and "module:attribute" in out.stdout
    out = run("invoke", "--help")
    assert "--event" in out.stdout and "--base-path" in out.stdout and "(default: None)" in out.stdout
    out = run("--version")
    assert out.returncode == 0 and out.stdout.startswith("manypaths ")
