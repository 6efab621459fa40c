"""A manypaths App on Lambda gets an environ that holds the request line, and is completed (headers,
body, server and client) on the first read of anything else: a view reading only its arguments never
pays for them. Proved here: completed or read key by key, it is the environ the handler builds for any
other WSGI app, for every fixture event; what an app writes before it is completed stays; a malformed
header part is a 400 when read, never a 500."""

from __future__ import annotations

import copy
import io
import json
from typing import Any

import pytest

from manypaths import App, request
from manypaths.platforms import aws, lambda_handler

from .test_aws_whole import EVENTS, FIXTURES

# This fixture's body is marked base64 and is not: a 400 before any environ, both ways (below).
UNDECODABLE = "apiGatewayProxyEventPathTrailingSlash.json"
BUILT = [name for name in FIXTURES if name != UNDECODABLE]


def _both(name: str) -> tuple[dict[str, Any], dict[str, Any]]:
    event = json.loads((EVENTS / name).read_text())
    kind = aws.detect(event)
    return aws._environ(kind, copy.deepcopy(event), None, ""), aws._pending_environ(kind, copy.deepcopy(event), None, "")


def test_a_body_that_does_not_decode_is_refused_up_front_both_ways() -> None:
    event = json.loads((EVENTS / UNDECODABLE).read_text())
    for build in (aws._environ, aws._pending_environ):
        with pytest.raises(aws.BadEventBody):
            build("v1", copy.deepcopy(event), None, "")


def _plain(environ: dict[str, Any]) -> dict[str, Any]:
    # The environ with its body stream as the bytes it holds, and the event's copies aside.
    out = {k: v for k, v in dict.items(environ) if not k.startswith(("manypaths.aws.", "serverless."))}
    if isinstance(out.get("wsgi.input"), io.BytesIO):
        out["wsgi.input"] = out["wsgi.input"].getvalue()
    return out


@pytest.mark.parametrize("name", BUILT)
def test_completed_it_is_the_environ_every_other_app_gets(name: str) -> None:
    eager, pending = _both(name)
    assert len(pending) == len(eager)  # len completes it
    assert _plain(pending) == _plain(eager)
    assert type(pending) is aws.Environ and isinstance(pending, dict)


@pytest.mark.parametrize("name", BUILT)
def test_read_key_by_key_it_answers_as_the_whole_environ(name: str) -> None:
    eager, _ = _both(name)
    for key in [*eager, "HTTP_NOT_SENT", "QUERY_STRING", "wsgi.input"]:
        for read in ("get", "in", "[]"):
            _, pending = _both(name)
            if read == "get":
                got, want = pending.get(key, "-"), eager.get(key, "-")
            elif read == "in":
                got, want = key in pending, key in eager
            else:
                got, want = _item(pending, key), _item(eager, key)
            if isinstance(want, io.BytesIO):
                got, want = got.getvalue(), want.getvalue()
            if key.startswith(("manypaths.aws.", "serverless.")):
                continue  # the same event object, copied separately here
            assert got == want, (key, read)


def _item(environ: dict[str, Any], key: str) -> Any:
    try:
        return environ[key]
    except KeyError:
        return KeyError


def test_the_request_line_and_the_query_need_nothing_else() -> None:
    event = json.loads((EVENTS / "apiGatewayProxyEvent.json").read_text())
    pending = aws._pending_environ("v1", event, None, "")
    assert pending["REQUEST_METHOD"] == "GET" and pending.get("PATH_INFO") == "/my/path"
    assert pending.get("QUERY_STRING") == "parameter1=value1&parameter1=value2&parameter2=value"
    assert type(pending) is aws._PendingEnviron and not dict.__contains__(pending, "HTTP_HOST")
    assert pending["HTTP_HEADER2"] == "value1, value2"  # anything else: all of it
    assert type(pending) is aws.Environ and dict.__contains__(pending, "HTTP_HOST")


def test_what_the_app_writes_or_deletes_before_it_is_complete_stays_so() -> None:
    event = json.loads((EVENTS / "apiGatewayProxyEvent.json").read_text())
    pending = aws._pending_environ("v1", event, None, "")
    pending["HTTP_ORIGIN"] = "https://mine.example"
    pending["QUERY_STRING"] = "mine=1"
    assert pending["HTTP_ORIGIN"] == "https://mine.example" and pending.get("QUERY_STRING") == "mine=1"
    assert pending.get("HTTP_HEADER1") == "value1"  # completed: what was written is kept
    assert pending["HTTP_ORIGIN"] == "https://mine.example" and pending["QUERY_STRING"] == "mine=1"
    gone = aws._pending_environ("v1", copy.deepcopy(event), None, "")
    del gone["HTTP_HEADER1"]
    assert "HTTP_HEADER1" not in gone and gone.get("HTTP_HEADER1") is None and "HTTP_HEADER2" in gone
    for whole in (dict, list, lambda e: e.copy(), lambda e: {**e}, repr, lambda e: e == {}):
        environ = aws._pending_environ("v1", copy.deepcopy(event), None, "")
        whole(environ)
        assert type(environ) is aws.Environ and "HTTP_HOST" in dict.keys(environ) and "manypaths.aws.pending" not in environ


def _app(seen: list[Any]) -> App:
    app = App("pending")

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> Any:
        seen.append(request.environ)
        return f"user {user_id}"

    @app.get("/agent")
    def agent() -> Any:
        seen.append(request.environ)
        return {"agent": request.headers.get("User-Agent"), "host": request.host, "args": request.args.to_dict(flat=False)}

    @app.get("/docs/")
    def docs() -> Any:
        return "docs"

    return app


def _rest(path: str, **changes: Any) -> dict[str, Any]:
    event: dict[str, Any] = json.loads((EVENTS / "apiGatewayProxyEvent.json").read_text())
    event["path"] = event["requestContext"]["path"] = path
    event["body"] = None
    event.update(changes)
    return event


def test_a_view_that_reads_only_its_arguments_never_builds_the_rest() -> None:
    seen: list[Any] = []
    handler = lambda_handler(_app(seen))
    handler(_rest("/users/1"), None)  # the first request decides the road
    seen.clear()
    result = handler(_rest("/users/7"), None)
    assert (result["statusCode"], result["body"]) == (200, "user 7")
    assert type(seen[0]) is aws._PendingEnviron and not dict.__contains__(seen[0], "HTTP_HOST")
    result = handler(_rest("/agent", headers={"User-Agent": "probe/1"}, multiValueHeaders=None), None)
    assert result["statusCode"] == 200 and json.loads(result["body"]) == {
        "agent": "probe/1", "host": "id.execute-api.us-east-1.amazonaws.com",
        "args": {"parameter1": ["value1", "value2"], "parameter2": ["value"]}}
    assert type(seen[1]) is aws.Environ


def test_a_slash_redirect_keeps_the_query_built_when_read() -> None:
    handler = lambda_handler(_app([]))
    for _ in range(2):  # the first request decides the road; the second takes it
        result = handler(_rest("/docs"), None)
        assert result["statusCode"] == 308
        location = result["multiValueHeaders"]["Location"][0]
        assert location.endswith("/docs/?parameter1=value1&parameter1=value2&parameter2=value"), location


@pytest.mark.parametrize("change", [
    {"headers": {"X-Bad": "\ud800"}, "multiValueHeaders": None},
    {"requestContext": {"domainName": 5, "path": "/agent", "stage": "$default"}},
])
def test_a_malformed_header_part_is_a_400_when_read_and_nothing_when_not(change: dict[str, Any]) -> None:
    handler = lambda_handler(_app([]))
    handler(_rest("/users/1"), None)
    read = handler(_rest("/agent", **copy.deepcopy(change)), None)
    assert read["statusCode"] == 400 and "malformed" in read["body"], read
    change = copy.deepcopy(change)
    if "requestContext" in change:
        change["requestContext"]["path"] = "/users/3"
    unread = handler(_rest("/users/3", **change), None)
    assert (unread["statusCode"], unread["body"]) == (200, "user 3")
