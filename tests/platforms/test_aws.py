"""AWS Lambda: every fixture event and built events, through a manypaths app and a Flask app."""

from __future__ import annotations

import base64
import copy
import json
from pathlib import Path
from typing import Any

import flask
import pytest

import manypaths
from manypaths.platforms import lambda_handler
from manypaths.platforms.aws import UnsupportedEvent, detect

EVENTS = Path(__file__).parent.parent / "fixtures" / "aws-events"


def make_app(kind: str) -> Any:
    if kind == "flask":
        app: Any = flask.Flask(__name__)
        req, url_for = flask.request, flask.url_for
    else:
        app = manypaths.App(__name__)
        req, url_for = manypaths.request, manypaths.url_for

    @app.route("/<path:anything>", methods=["GET", "POST", "PUT", "DELETE"])
    @app.route("/", defaults={"anything": ""}, methods=["GET", "POST", "PUT", "DELETE"])
    def echo(anything: str) -> Any:
        response = app.make_response(
            {
                "method": req.method,
                "path": req.path,
                "script_root": req.script_root,
                "url": req.url,
                "args": {k: req.args.getlist(k) for k in req.args},
                "body": req.get_data(as_text=True),
                "cookies": dict(req.cookies),
                "remote_addr": req.remote_addr,
                "self": url_for("echo", anything="x/y"),
                "event_seen": "manypaths.aws.event" in req.environ,
            }
        )
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    @app.route("/binary")
    def binary() -> Any:
        return app.response_class(bytes(range(256)), mimetype="image/png")

    return app


APPS = {kind: make_app(kind) for kind in ("manypaths", "flask")}


def load(name: str) -> dict[str, Any]:
    return json.loads((EVENTS / name).read_text())  # type: ignore[no-any-return]


def call(kind: str, event: dict[str, Any], **options: Any) -> tuple[dict[str, Any], Any]:
    result = lambda_handler(APPS[kind], **options)(event, {"aws_request_id": "r1"})
    if result["isBase64Encoded"]:
        body = base64.b64decode(result["body"])
    else:
        body = json.loads(result["body"]) if result["body"].startswith("{") else result["body"]
    return result, body


FIXTURES = sorted(p.name for p in EVENTS.glob("*.json"))
EXPECTED_SHAPE = {"alb": "alb", "apiGatewayProxyEvent": "v1", "apiGatewayProxyOther": "v1", "apiGatewayProxyV2": "v2",
                  "lambdaFunctionUrl": "v2", "vpcLatticeEvent": "lattice1", "vpcLatticeV2": "lattice2"}


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
@pytest.mark.parametrize("name", FIXTURES)
def test_aws_fixture_events_reach_the_app(kind: str, name: str) -> None:
    event = load(name)
    shape = next(v for k, v in EXPECTED_SHAPE.items() if name.startswith(k))
    assert detect(event) == shape
    result, body = call(kind, event)
    if name == "apiGatewayProxyEventPathTrailingSlash.json":
        # This sample marks a plain-text body as base64: a client error, answered 400 in the v1 style.
        assert result["statusCode"] == 400 and "multiValueHeaders" in result
        assert "does not decode" in body
        return
    assert result["statusCode"] == 200, result
    assert isinstance(body, dict)
    method = event.get("httpMethod") or event.get("method") or event["requestContext"]["http"]["method"]
    assert body["method"] == method
    raw_path = event.get("path") or event.get("rawPath") or event.get("raw_path")
    assert body["path"] == raw_path.split("?")[0]
    assert body["event_seen"] is True
    if name.startswith("apiGatewayProxyV2"):
        assert body["args"] == {"parameter1": ["value1", "value2"], "parameter2": ["value"]}
        assert body["cookies"] == {} or isinstance(body["cookies"], dict)
        assert result["cookies"] == ["a=1; Path=/", "b=2; Path=/"]
        assert "set-cookie" not in result["headers"]
    if name in ("apiGatewayProxyEvent.json", "albMultiValueQueryStringEvent.json"):
        assert body["args"] == {"parameter1": ["value1", "value2"], "parameter2": ["value"]}
    if shape == "v1" or ("multiValueHeaders" in event and shape == "alb"):
        assert result["multiValueHeaders"]["Set-Cookie"] == ["a=1; Path=/", "b=2; Path=/"]
    if shape in ("alb", "lattice1", "lattice2") and "multiValueHeaders" not in event:
        cookies = [v for k, v in result["headers"].items() if k.lower() == "set-cookie"]
        assert sorted(cookies) == ["a=1; Path=/", "b=2; Path=/"]
        assert result["statusDescription"] == "200 OK"
    if name == "vpcLatticeEvent.json":
        assert body["body"] == '{"test": "event"}'  # base64 in the event
    if name == "apiGatewayProxyEvent.json":
        assert body["remote_addr"] == "192.168.0.1"
        assert body["body"] == "Hello from Lambda!"


def _v1(path: str, *, stage: str = "prod", domain: str = "abc.execute-api.eu-west-1.amazonaws.com",
        request_path: str | None = None) -> dict[str, Any]:
    event = load("apiGatewayProxyEvent.json")
    event["path"] = path
    event["requestContext"]["stage"] = stage
    event["requestContext"]["domainName"] = domain
    event["headers"]["Host"] = domain
    event["multiValueHeaders"]["Host"] = [domain]
    event["requestContext"]["path"] = request_path if request_path is not None else f"/{stage}{path}"
    return event


def _v2(raw_path: str, *, stage: str = "$default") -> dict[str, Any]:
    event = load("apiGatewayProxyV2Event_GET.json")
    event["rawPath"] = raw_path
    event["requestContext"]["stage"] = stage
    event["requestContext"]["http"]["path"] = raw_path
    return event


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_rest_api_stage_goes_to_script_name(kind: str) -> None:
    _, body = call(kind, _v1("/users/1"))
    assert body["path"] == "/users/1"
    assert body["script_root"] == "/prod"
    assert body["self"] == "/prod/x/y"
    assert body["url"].startswith("https://abc.execute-api.eu-west-1.amazonaws.com/prod/users/1?")


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_rest_api_custom_domain_base_path(kind: str) -> None:
    event = _v1("/users/1", domain="api.example.com", request_path="/v1/users/1")
    _, body = call(kind, event)
    assert (body["script_root"], body["self"]) == ("/v1", "/v1/x/y")
    event = _v1("/users/1", domain="api.example.com", request_path="/users/1")
    _, body = call(kind, event, base_path="/v1")
    assert (body["path"], body["script_root"], body["self"]) == ("/users/1", "/v1", "/v1/x/y")


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_http_api_named_stage_on_segment_boundary(kind: str) -> None:
    _, body = call(kind, _v2("/prod/products/1", stage="prod"))
    assert (body["path"], body["script_root"], body["self"]) == ("/products/1", "/prod", "/prod/x/y")
    _, body = call(kind, _v2("/products/1", stage="prod"))  # "prod" must not strip "/products"
    assert (body["path"], body["script_root"]) == ("/products/1", "")
    _, body = call(kind, _v2("/products/1", stage="$default"))
    assert (body["path"], body["script_root"]) == ("/products/1", "")


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_http_api_custom_domain_base_path(kind: str) -> None:
    _, body = call(kind, _v2("/v1/items"), base_path="/v1")
    assert (body["path"], body["script_root"], body["self"]) == ("/items", "/v1", "/v1/x/y")
    _, body = call(kind, _v2("/v10/items"), base_path="/v1")
    assert (body["path"], body["script_root"]) == ("/v10/items", "/v1")


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_binary_and_base64_bodies(kind: str) -> None:
    result, body = call(kind, _v2("/binary"))
    assert result["isBase64Encoded"] is True and body == bytes(range(256))
    event = _v2("/echo")
    event["body"] = base64.b64encode("ü and bytes".encode()).decode()
    event["isBase64Encoded"] = True
    event["requestContext"]["http"]["method"] = "POST"
    result, body = call(kind, event)
    assert result["isBase64Encoded"] is False and body["body"] == "ü and bytes"


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_cookies_and_encoded_query(kind: str) -> None:
    event = _v2("/q")
    event["cookies"] = ["s=1", "t=two"]
    event["rawQueryString"] = "a=%C3%BC&a=b+c&empty="
    _, body = call(kind, event)
    assert body["cookies"] == {"s": "1", "t": "two"}
    assert body["args"] == {"a": ["ü", "b c"], "empty": [""]}
    alb = load("albEvent.json")
    alb["queryStringParameters"] = {"q": "a%20b", "r": "%C3%BC"}  # ALB does not decode
    _, body = call(kind, alb)
    assert body["args"] == {"q": ["a b"], "r": ["ü"]}


@pytest.mark.parametrize("event", [{}, {"foo": 1}, [], "text"])
def test_aws_unsupported_event_says_what_was_expected(event: Any) -> None:
    with pytest.raises(UnsupportedEvent, match="Not an HTTP event: expected API Gateway REST"):
        lambda_handler(APPS["manypaths"])(event, None)


def test_aws_trigger_event_for_an_app_without_handlers_says_so() -> None:
    # A queue/storage event is never answered as HTTP: the App's event router says nothing takes it
    # (an App with handlers routes it: tests/events).
    from manypaths.events import UnroutableEvent

    with pytest.raises(UnroutableEvent, match="has no event handlers"):
        lambda_handler(APPS["manypaths"])({"Records": [{"s3": {}}]}, None)


def test_aws_missing_optional_fields_are_absent() -> None:
    event = copy.deepcopy(_v2("/bare"))
    for key in ("cookies", "rawQueryString", "body", "queryStringParameters", "headers"):
        event.pop(key, None)
    result, body = call("manypaths", event)
    assert result["statusCode"] == 200 and body["args"] == {} and body["body"] == ""


def _variants() -> list[tuple[dict[str, Any], str]]:
    # Every fixture event, and copies with repeated, mixed-case, hostile and non-ASCII headers,
    # HTTP API cookies and a base path.
    headers = [("Host", "api.example:8443"), ("host", "other.example"), ("X-Forwarded-For", "1.2.3.4, 5.6.7.8"),
               ("x-forwarded-proto", "http"), ("X-Forwarded-Proto", "ftp"), ("X-Forwarded-Port", "8080"),
               ("Cookie", "a=1"), ("cookie", "b=2"), ("Content-Type", "application/json"), ("content-length", "99"),
               ("x_forwarded_for", "6.6.6.6"), ("X-Name", "ünïcode"), ("", "empty"), ("Accept", "a"),
               ("accept", "b"), ("X-Number", 5)]
    out: list[tuple[dict[str, Any], str]] = []
    for name in FIXTURES:
        event = load(name)
        out.append((event, ""))
        for i, (header, value) in enumerate(headers):
            copied = copy.deepcopy(event)
            key = "multiValueHeaders" if "multiValueHeaders" in copied and i % 2 else "headers"
            target = copied.get(key) if isinstance(copied.get(key), dict) else {}
            target[header] = [value, "again"] if key == "multiValueHeaders" and i % 3 == 0 else (
                [value] if key == "multiValueHeaders" else value)
            copied[key] = target
            if i % 4 == 0:
                copied["cookies"] = ["c=3", "d=ü"]
            out.append((copied, "/v1" if i % 5 == 0 else ""))
    return out


def test_an_asgi_apps_scope_comes_straight_from_the_event_and_equals_the_one_through_the_environ() -> None:
    from manypaths.asgi.environ import environ_scope
    from manypaths.platforms.aws import _environ, _scope

    compared = 0
    for event, base in _variants():
        kind = detect(event)
        try:
            through_environ = environ_scope(_environ(kind, copy.deepcopy(event), None, base), None)
        except ValueError as e:  # a fixture's body marked base64 that is not: the same 400 either way
            with pytest.raises(type(e), match="base64"):
                _scope(kind, copy.deepcopy(event), "ctx", base)
            compared += 1
            continue
        direct, body = _scope(kind, copy.deepcopy(event), "ctx", base)
        assert direct.pop("aws.event") == event and direct.pop("aws.context") == "ctx"  # as Mangum names them
        if not direct["server"][0].isascii():  # the environ carries it as latin-1 code points, the scope as text
            assert through_environ["server"][0].encode("latin-1").decode("utf-8") == direct["server"][0]
            through_environ["server"] = direct["server"]
        assert direct == through_environ, (event, base)
        assert body == _environ(kind, copy.deepcopy(event), None, base)["wsgi.input"].read()
        compared += 1
    assert compared == len(FIXTURES) * 17


def test_an_asgi_app_on_lambda_gets_the_event_its_lifespan_state_and_answers() -> None:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "lifespan":
            assert (await receive())["type"] == "lifespan.startup"
            scope["state"]["db"] = "connected"
            await send({"type": "lifespan.startup.complete"})
            await receive()  # shutdown, at exit
            return
        request = await receive()
        payload = {"path": scope["path"], "root": scope["root_path"], "state": scope["state"]["db"],
                   "event": scope["aws.event"]["requestContext"].get("requestId"), "body": request["body"].decode(),
                   "query": scope["query_string"].decode()}
        await send({"type": "http.response.start", "status": 201,
                    "headers": [(b"content-type", b"application/json"), (b"set-cookie", b"a=1"),
                                (b"set-cookie", b"b=2")]})
        await send({"type": "http.response.body", "body": json.dumps(payload).encode()})

    handler = lambda_handler(app)
    for name in ("apiGatewayProxyEvent.json", "apiGatewayProxyV2Event.json", "albMultiValueHeadersEvent.json"):
        event = load(name)
        result = handler(event, None)
        assert result["statusCode"] == 201, result
        answer = json.loads(result["body"])
        assert answer["state"] == "connected" and answer["event"] == event["requestContext"].get("requestId")
        assert answer["body"] == (event.get("body") or "")
        if "cookies" in result:  # HTTP API: each cookie in the cookies list
            assert result["cookies"] == ["a=1", "b=2"]
        else:
            assert result["multiValueHeaders"]["set-cookie"] == ["a=1", "b=2"]
        if name.startswith("alb"):
            assert result["statusDescription"] == "201 Created"
