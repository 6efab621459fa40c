"""AWS Lambda adapter on odd and hostile events: 400 or UnsupportedEvent, never a crash (issue 9)."""

from __future__ import annotations

import base64
import copy
import json
import random
import wsgiref.validate
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from manypaths.platforms import lambda_handler
from manypaths.platforms.aws import UnsupportedEvent

from .test_aws import APPS, FIXTURES, _v2, call, load


def _assert_well_formed(result: dict[str, Any]) -> None:
    assert isinstance(result["statusCode"], int) and 100 <= result["statusCode"] <= 599
    assert isinstance(result["body"], str) and isinstance(result["isBase64Encoded"], bool)
    if result["isBase64Encoded"]:
        base64.b64decode(result["body"], validate=True)
    headers = result.get("headers") or result.get("multiValueHeaders")
    assert isinstance(headers, dict)
    json.dumps(result)  # what the Lambda runtime must serialise


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_alb_and_lattice_remote_addr_is_the_last_forwarded_entry(kind: str) -> None:
    for name in ("albEvent.json", "vpcLatticeV2Event.json"):
        event = load(name)
        headers = event.get("headers") or {}
        headers.pop("X-Forwarded-For", None)
        headers["x-forwarded-for"] = "6.6.6.6, 10.0.0.1, 203.0.113.9"
        event["headers"] = headers
        _, body = call(kind, event)
        assert body["remote_addr"] == "203.0.113.9", name


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_raw_query_string_with_non_latin1_text(kind: str) -> None:
    event = _v2("/q")
    event["rawQueryString"] = "q=€&r=日本"
    result, body = call(kind, event)
    assert result["statusCode"] == 200 and body["args"] == {"q": ["€"], "r": ["日本"]}


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
def test_aws_percent_encoded_stage_is_not_the_stage(kind: str) -> None:
    _, body = call(kind, _v2("/%70rod/x", stage="prod"))
    assert (body["path"], body["script_root"]) == ("/prod/x", "")
    _, body = call(kind, _v2("/prod/x", stage="prod"))
    assert (body["path"], body["script_root"]) == ("/x", "/prod")


def _mutations() -> list[tuple[str, Any]]:
    return [
        ("v2", lambda e: e.__setitem__("cookies", [1])),
        ("v2", lambda e: e.__setitem__("cookies", "a=1")),
        ("v2", lambda e: e.__setitem__("body", 1.5)),
        ("v2", lambda e: e.__setitem__("body", 5)),
        ("v2", lambda e: e["requestContext"].__setitem__("stage", 5)),
        ("v2", lambda e: e.__setitem__("rawPath", 5)),
        ("v2", lambda e: e.__setitem__("rawQueryString", ["a"])),
        ("v2", lambda e: e["requestContext"]["http"].__setitem__("method", "GE T")),
        ("v2", lambda e: e.__setitem__("headers", {"host": 5, "x-a": None, "": "empty", "bad name": "v"})),
        ("v2", lambda e: e.__setitem__("rawQueryString", "\ud800")),
        ("v1", lambda e: e.__setitem__("path", 5)),
        ("v1", lambda e: e.__setitem__("requestContext", "x")),
        ("v1", lambda e: e["requestContext"].__setitem__("stage", 5)),
        ("v1", lambda e: e["requestContext"].__setitem__("identity", "x")),
        ("v1", lambda e: e.__setitem__("multiValueQueryStringParameters", "a=1")),
        ("v1", lambda e: e.__setitem__("body", 12)),
        ("alb", lambda e: e.__setitem__("multiValueQueryStringParameters", "a=1")),
        ("alb", lambda e: e.__setitem__("queryStringParameters", ["a"])),
        ("alb", lambda e: e.__setitem__("httpMethod", None)),
    ]


FIXTURE_OF = {"v2": "apiGatewayProxyV2Event_GET.json", "v1": "apiGatewayProxyEvent.json", "alb": "albEvent.json"}


@pytest.mark.parametrize("kind", ["manypaths", "flask"])
@pytest.mark.parametrize("index", range(len(_mutations())))
def test_aws_values_no_real_event_holds_give_400_or_unsupported(kind: str, index: int) -> None:
    shape, mutate = _mutations()[index]
    event = load(FIXTURE_OF[shape])
    mutate(event)
    try:
        result = lambda_handler(APPS[kind])(event, None)
    except UnsupportedEvent:
        return
    _assert_well_formed(result)
    assert result["statusCode"] in (200, 400, 404), result
    if isinstance(event.get("body"), (int, float)) and not isinstance(event.get("body"), bool):
        assert result["statusCode"] == 400  # never that many zero bytes


def _validated_environs(event: dict[str, Any]) -> dict[str, Any]:
    seen: dict[str, Any] = {}

    def app(environ: dict[str, Any], start_response: Any) -> Any:
        seen.update(environ)
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"ok"]

    # wsgiref's validator checks every key and type PEP 3333 asks of the environ (and of our use of it).
    result = lambda_handler(wsgiref.validate.validator(app))(event, None)
    assert result["statusCode"] in (200, 400), result
    return seen


@pytest.mark.parametrize("name", FIXTURES)
def test_aws_every_fixture_environ_passes_wsgiref_validate(name: str) -> None:
    environ = _validated_environs(load(name))
    if name != "apiGatewayProxyEventPathTrailingSlash.json":  # a 400 before any environ
        assert environ["PATH_INFO"].startswith("/")


_JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


def _paths(event: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix] if prefix else []
    if isinstance(event, dict):
        for key, value in event.items():
            out.extend(_paths(value, (*prefix, key)))
    return out


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(FIXTURES), st.randoms(use_true_random=False), _JSONISH)
def test_aws_mutated_fixture_events_never_crash(name: str, rnd: random.Random, value: Any) -> None:
    event = copy.deepcopy(load(name))
    target = rnd.choice(_paths(event))
    holder = event
    for key in target[:-1]:
        holder = holder[key]
    holder[target[-1]] = value
    for kind in ("manypaths", "flask"):
        try:
            result = lambda_handler(APPS[kind])(copy.deepcopy(event), None)
        except UnsupportedEvent:
            continue
        _assert_well_formed(result)
        assert result["statusCode"] != 500, (kind, target, value, result)
    try:
        _validated_environs(copy.deepcopy(event))
    except UnsupportedEvent:
        pass
