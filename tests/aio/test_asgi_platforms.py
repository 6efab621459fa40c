"""Any ASGI app on Lambda and Cloud Functions (issue 11): a FastAPI app through ``lambda_handler``
on every fixture event, side by side with Mangum; stages and base paths in ``root_path``; lifespan
startup once per container; our App in ASGI mode through both platforms."""

from __future__ import annotations

import base64
import json
import warnings
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response as FastResponse
from mangum import Mangum

import manypaths
from manypaths.platforms import lambda_handler

EVENTS = Path(__file__).parent.parent / "fixtures" / "aws-events"
FIXTURES = sorted(p.name for p in EVENTS.glob("*.json"))


class Context:
    aws_request_id = "req-1"
    function_name = "fn"
    memory_limit_in_mb = 128
    invoked_function_arn = "arn:aws:lambda:us-east-1:123456789012:function:fn"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30000


def fastapi_app(startups: list[str]) -> FastAPI:
    from contextlib import asynccontextmanager

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        startups.append("startup")
        yield {"db": "connected"}

    api = FastAPI(lifespan=lifespan)

    @api.get("/binary")
    async def binary() -> FastResponse:
        return FastResponse(b"\x89PNG\x00\xff", media_type="image/png")

    @api.api_route("/{rest:path}", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    async def echo(rest: str, request: Request) -> Any:
        body = await request.body()
        response = FastResponse(json.dumps({
            "method": request.method, "rest": rest, "root": request.scope.get("root_path", ""),
            "query": sorted(request.query_params.multi_items()), "cookies": dict(request.cookies),
            "body": base64.b64encode(body).decode(), "state": getattr(request.state, "db", None),
            "url": str(request.url_for("echo", rest="other")), "host": request.headers.get("host"),
        }), media_type="application/json")
        response.set_cookie("a", "1")
        response.set_cookie("b", "2")
        return response

    return api


def wsgi_oracle() -> manypaths.App:
    # Our WSGI path on the same events: its script root and path are the reference for root_path.
    app = manypaths.App("oracle")

    @app.route("/<path:rest>", methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    @app.route("/", defaults={"rest": ""}, methods=["GET", "POST", "PUT", "DELETE", "PATCH"])
    def echo(rest: str) -> Any:
        return {"rest": rest, "root": manypaths.request.script_root}

    return app


def _decode(out: dict[str, Any]) -> tuple[int, Any]:
    body = out.get("body") or ""
    raw = base64.b64decode(body) if out.get("isBase64Encoded") else body.encode()
    return out["statusCode"], json.loads(raw) if raw[:1] == b"{" else raw


def _cookies(out: dict[str, Any]) -> list[str]:
    if "cookies" in out:
        return sorted(c.split(";")[0] for c in out["cookies"])
    multi = {k.lower(): v for k, v in (out.get("multiValueHeaders") or {}).items()}
    # Single-value headers (ALB without multi-value): one Set-Cookie per case variant of the name.
    single = [v for k, v in (out.get("headers") or {}).items() if k.lower() == "set-cookie"]
    return sorted(c.split(";")[0] for c in multi.get("set-cookie", []) + single)


@pytest.mark.parametrize("fixture", FIXTURES)
def test_fastapi_through_lambda_handler_and_mangum(fixture: str) -> None:
    def event() -> dict[str, Any]:
        return dict(json.loads((EVENTS / fixture).read_text()))

    ours_started: list[str] = []
    ours = lambda_handler(fastapi_app(ours_started))
    status, body = _decode(ours(event(), Context()))
    assert _decode(ours(event(), Context())) == (status, body)
    assert ours_started == (["startup"] if status == 200 else [])  # once per container, not per invocation
    oracle_status, oracle = _decode(lambda_handler(wsgi_oracle())(event(), Context()))
    assert status == oracle_status
    if status != 200:
        # A malformed fixture (a body marked base64 that is not): a 400, as our WSGI path answers it.
        assert status == 400
    else:
        # Stage and base path: root_path and url_for agree with our WSGI adapter's script root.
        assert (body["rest"], body["root"]) == (oracle["rest"], oracle["root"])
        assert body["url"] in (f"{scheme}://{body['host']}{oracle['root']}/other" for scheme in ("http", "https"))
        assert body["state"] == "connected" and body["host"]
        assert _cookies(ours(event(), Context())) == ["a=1", "b=2"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            theirs_status, theirs = _decode(Mangum(fastapi_app([]), lifespan="auto")(event(), Context()))
        except Exception as e:  # Mangum has no VPC Lattice handler and crashes on bad base64
            assert "Lattice" in fixture or status == 400, (fixture, e)
            return
    assert theirs_status == status
    # What does not depend on the stage or the Host is the same as Mangum's answer.
    for key in ("method", "query", "cookies", "body"):
        assert body[key] == theirs[key], key
    if body["rest"] != theirs["rest"]:
        # HTTP API's rawPath keeps the client's trailing slash; Mangum reads requestContext.http.path.
        assert event().get("rawPath", "").endswith("/") and body["rest"] == theirs["rest"] + "/"
    if theirs["root"] != body["root"]:
        assert theirs["root"] == "" and body["root"]  # Mangum drops the stage from root_path: URLs lose it
    if theirs["host"] is None:
        assert theirs["url"].startswith("https://mangum")  # no Host header in the event: Mangum invents one


def test_binary_response_goes_out_base64() -> None:
    event = json.loads((EVENTS / "apiGatewayProxyV2Event_GET.json").read_text())
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/binary"
    out = lambda_handler(fastapi_app([]))(event, Context())
    assert out["isBase64Encoded"] is True and base64.b64decode(out["body"]) == b"\x89PNG\x00\xff"


def test_stage_prod_never_strips_products() -> None:
    event = json.loads((EVENTS / "apiGatewayProxyV2Event_GET.json").read_text())
    event["requestContext"]["stage"] = "prod"
    event["rawPath"] = event["requestContext"]["http"]["path"] = "/products/1"
    _, body = _decode(lambda_handler(fastapi_app([]))(event, Context()))
    assert (body["rest"], body["root"]) == ("products/1", "")
    event["rawPath"] = "/prod/products/1"
    _, body = _decode(lambda_handler(fastapi_app([]))(event, Context()))
    assert (body["rest"], body["root"]) == ("products/1", "/prod")


def test_our_app_in_asgi_mode_through_lambda() -> None:
    app = manypaths.App("mode")

    @app.route("/items/<int:n>")
    async def item(n: int) -> Any:
        return {"n": n, "url": manypaths.url_for("item", n=n, _external=True)}

    event = json.loads((EVENTS / "apiGatewayProxyV2Event_GET.json").read_text())
    event["requestContext"]["stage"] = "v1"
    event["rawPath"] = "/v1/items/3"
    event["requestContext"]["http"]["path"] = "/v1/items/3"
    status, body = _decode(lambda_handler(app.asgi)(event, Context()))
    assert status == 200 and body["n"] == 3 and body["url"].endswith("/v1/items/3")
    assert _decode(lambda_handler(app)(event, Context())) == (status, body)  # the same as the WSGI path


def test_asgi_detection_and_explicit_flag() -> None:
    from manypaths.http.wsgi import is_asgi_app

    assert is_asgi_app(fastapi_app([])) and is_asgi_app(manypaths.App("x").asgi)
    assert not is_asgi_app(manypaths.App("x")) and not is_asgi_app(lambda environ, start_response: [])


def test_an_asgi_app_that_ignores_lifespan_is_served_and_the_asgi_flag_passes_through() -> None:
    # Many ASGI apps return at once on a scope they do not serve (``lifespan``) without a word: the
    # startup must not wait for a reply that never comes (it did: every invocation hung). And the
    # public entry points take the documented ``asgi=True`` (they dropped it: a TypeError).
    import threading

    from manypaths.platforms import cloud_function

    class Plain:
        async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
            if scope["type"] != "http":
                return
            await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
            await send({"type": "http.response.body", "body": scope["path"].encode()})

    event = json.loads((EVENTS / "apiGatewayProxyV2Event_GET.json").read_text())
    event["rawPath"], event["requestContext"]["http"]["path"] = "/plain", "/plain"
    event["requestContext"]["stage"] = "$default"
    results: list[Any] = []
    for handler in (lambda_handler(Plain(), asgi=True), lambda_handler(Plain())):
        worker = threading.Thread(target=lambda h=handler: results.append(h(json.loads(json.dumps(event)), Context())),
                                  daemon=True)  # its own thread: its own event loop, and a hang cannot stop the run
        worker.start()
        worker.join(timeout=20)
        assert not worker.is_alive(), "the handler hung on the app's lifespan"
    assert [(r["statusCode"], r["body"]) for r in results] == [(200, "/plain")] * 2
    assert callable(cloud_function(Plain(), asgi=True))
