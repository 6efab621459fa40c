"""Production HTTP features: CORS (Fetch standard), compression, middleware, trusted proxies."""

from __future__ import annotations

import base64
import gzip
import json
import zlib
from pathlib import Path
from typing import Annotated, Any

import pytest

from manypaths import App, Blueprint, Query, abort, request, url_for
from manypaths.compression import choose
from manypaths.cors import CORS
from manypaths.platforms import lambda_handler
from manypaths.proxies import ProxyTrust

EVENTS = Path(__file__).resolve().parents[1] / "fixtures" / "aws-events"
ORIGIN = "https://app.example"


def cors_app(**kwargs: Any) -> App:
    app = App(__name__, **kwargs)

    @app.before_request
    def auth() -> Any:
        if request.method != "OPTIONS" and request.headers.get("X-Token") != "secret" and request.path != "/public":
            abort(401)
        return None

    @app.route("/items", methods=["GET", "POST"])
    def items() -> Any:
        return {"items": [1, 2]}

    @app.get("/public")
    def public() -> str:
        return "hello"

    @app.get("/typed")
    def typed(n: Annotated[int, Query()]) -> dict[str, int]:
        return {"n": n}

    @app.get("/boom")
    def boom() -> str:
        raise RuntimeError("boom")

    return app


def test_any_origin() -> None:
    client = cors_app(cors=True).test_client()
    r = client.get("/public", headers={"Origin": ORIGIN})
    assert r.headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in r.headers
    assert "Access-Control-Allow-Origin" not in client.get("/public").headers  # no Origin: not a CORS request


def test_listed_origins_with_credentials() -> None:
    policy = CORS([ORIGIN, "http://localhost:3000"], credentials=True, expose_headers=["X-Total"], max_age=60)
    client = cors_app(cors=policy).test_client()
    r = client.get("/items", headers={"Origin": ORIGIN, "X-Token": "secret"})
    assert r.status_code == 200
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN  # echoed, never * with credentials
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    assert r.headers["Access-Control-Expose-Headers"] == "X-Total"
    assert "Origin" in r.headers["Vary"]
    refused = client.get("/items", headers={"Origin": "https://evil.example", "X-Token": "secret"})
    assert refused.status_code == 200 and "Access-Control-Allow-Origin" not in refused.headers
    assert "Origin" in refused.headers["Vary"]


def test_preflight_comes_before_auth_hooks() -> None:
    client = cors_app(cors=CORS([ORIGIN], credentials=True, headers=["X-Token", "Content-Type"])).test_client()
    r = client.options("/items", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST",
                                          "Access-Control-Request-Headers": "X-Token, content-type"})
    assert r.status_code == 204
    assert r.headers["Access-Control-Allow-Origin"] == ORIGIN
    assert r.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST"
    assert r.headers["Access-Control-Allow-Headers"] == "X-Token, content-type"  # as the browser asked
    assert r.headers["Access-Control-Max-Age"] == "600"
    assert r.headers["Access-Control-Allow-Credentials"] == "true"
    # Refused: a method the URL does not take, a header not allowed, another origin.
    for headers in ({"Access-Control-Request-Method": "DELETE"},
                    {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-Other"},
                    {"Access-Control-Request-Method": "POST", "Origin": "https://evil.example"}):
        refused = client.options("/items", headers={"Origin": ORIGIN, **headers})
        assert "Access-Control-Allow-Origin" not in refused.headers, headers
        assert refused.status_code in (200, 204)


def test_errors_carry_cors_headers() -> None:
    app = cors_app(cors=True)
    client = app.test_client()
    for path, status in (("/items", 401), ("/missing", 404), ("/public?x", 200), ("/boom", 500)):
        headers = {"Origin": ORIGIN} if path == "/items" else {"Origin": ORIGIN, "X-Token": "secret"}
        r = client.get(path, headers=headers)
        assert r.status_code == status and r.headers["Access-Control-Allow-Origin"] == "*", path
    r = client.delete("/public", headers={"Origin": ORIGIN, "X-Token": "secret"})
    assert r.status_code == 405 and r.headers["Access-Control-Allow-Origin"] == "*"
    r = client.get("/typed?n=x", headers={"Origin": ORIGIN, "X-Token": "secret"})
    assert r.status_code == 422 and r.headers["Access-Control-Allow-Origin"] == "*"


def test_blueprint_and_route_policies() -> None:
    app = App(__name__)
    api = Blueprint("api", __name__, url_prefix="/api", cors=[ORIGIN])

    @api.get("/a")
    def a() -> str:
        return "a"

    @api.get("/private", cors=False)
    def private() -> str:
        return "p"

    @app.get("/open", cors=True)
    def open_() -> str:
        return "o"

    @app.get("/plain")
    def plain() -> str:
        return "x"

    app.register_blueprint(api)
    client = app.test_client()
    origin = {"Origin": ORIGIN}
    assert client.get("/api/a", headers=origin).headers["Access-Control-Allow-Origin"] == ORIGIN
    assert "Access-Control-Allow-Origin" not in client.get("/api/private", headers=origin).headers
    assert client.get("/open", headers={"Origin": "https://x.example"}).headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Origin" not in client.get("/plain", headers=origin).headers


def test_configuration_errors_at_start_up() -> None:
    with pytest.raises(ValueError, match="credentials=True with origins='\\*'"):
        CORS("*", credentials=True)
    with pytest.raises(ValueError, match="no path, no trailing slash"):
        App(__name__, cors="https://app.example/")
    with pytest.raises(ValueError, match="not a list holding"):
        CORS(["*"])
    with pytest.raises(TypeError, match="cors= takes"):
        App(__name__, cors=42)
    with pytest.raises(ValueError, match="max_age"):
        CORS(max_age=-1)


def test_predicate_origins() -> None:
    app = App(__name__, cors=CORS(lambda origin: origin.endswith(".example.org"), credentials=True))
    app.add_url_rule("/", "index", lambda: "ok")
    client = app.test_client()
    assert client.get("/", headers={"Origin": "https://a.example.org"}).headers["Access-Control-Allow-Origin"] == \
        "https://a.example.org"
    assert "Access-Control-Allow-Origin" not in client.get("/", headers={"Origin": "https://example.com"}).headers


# -- compression ---------------------------------------------------------------------------------

BIG = {"items": [{"id": i, "name": f"item number {i}"} for i in range(200)]}


def compress_app() -> App:
    app = App(__name__, compress=True)

    @app.get("/big")
    def big() -> Any:
        return BIG

    @app.get("/small")
    def small() -> Any:
        return {"ok": True}

    @app.get("/png")
    def png() -> Any:
        return app.response_class(b"\x89PNG" + b"0" * 5000, mimetype="image/png")

    @app.get("/stream")
    def stream() -> Any:
        def chunks() -> Any:
            for i in range(50):
                yield f"line {i} " * 20 + "\n"
        return app.response_class(chunks(), mimetype="text/plain")

    @app.get("/encoded")
    def encoded() -> Any:
        return app.response_class(gzip.compress(b"x" * 1000), headers={"Content-Encoding": "gzip"},
                                  mimetype="text/plain")

    @app.get("/etag")
    def etag() -> Any:
        response = app.response_class("y" * 2000, mimetype="text/plain")
        response.set_etag("abc")
        return response

    return app


def test_gzip_when_accepted() -> None:
    client = compress_app().test_client()
    r = client.get("/big", headers={"Accept-Encoding": "br;q=0.5, gzip"})
    assert r.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in r.headers["Vary"]
    assert int(r.headers["Content-Length"]) == len(r.data)
    assert json.loads(gzip.decompress(r.data)) == BIG
    plain = client.get("/big")
    assert "Content-Encoding" not in plain.headers and plain.get_json() == BIG
    assert "Accept-Encoding" in plain.headers["Vary"]  # a cache must keep both answers apart


def test_accept_encoding_rules() -> None:
    assert choose("gzip") == "gzip"
    assert choose("gzip;q=0, identity") is None
    assert choose("*") == "br"  # the best installed (brotli and zstandard are in the test extra)
    assert choose("zstd, gzip;q=0.5") == "zstd"
    assert choose("br;q=0.1, gzip") == "gzip"
    assert choose("*;q=0") is None
    assert choose("identity;q=0") is None
    assert choose("x-gzip") == "gzip"
    assert choose("gzip;q=bogus") is None
    assert choose("deflate") is None
    assert choose("") is None


def test_what_is_never_compressed() -> None:
    client = compress_app().test_client()
    gz = {"Accept-Encoding": "gzip"}
    small = client.get("/small", headers=gz)
    assert "Content-Encoding" not in small.headers and "Accept-Encoding" in small.headers["Vary"]
    png = client.get("/png", headers=gz)
    assert "Content-Encoding" not in png.headers and "Vary" not in png.headers
    encoded = client.get("/encoded", headers=gz)
    assert gzip.decompress(encoded.data) == b"x" * 1000  # compressed once, not twice
    ranged = client.get("/big", headers={**gz, "Range": "bytes=0-10"})
    assert "Content-Encoding" not in ranged.headers
    head = client.head("/big", headers=gz)
    assert "Content-Encoding" not in head.headers


def test_brotli_and_zstd_when_installed() -> None:
    import brotli
    import zstandard

    client = compress_app().test_client()
    r = client.get("/big", headers={"Accept-Encoding": "br"})
    assert r.headers["Content-Encoding"] == "br" and json.loads(brotli.decompress(r.data)) == BIG
    r = client.get("/big", headers={"Accept-Encoding": "zstd"})
    assert r.headers["Content-Encoding"] == "zstd"
    assert json.loads(zstandard.ZstdDecompressor().decompressobj().decompress(r.data)) == BIG
    r = client.get("/stream", headers={"Accept-Encoding": "br"})
    expected = "".join(f"line {i} " * 20 + "\n" for i in range(50)).encode()
    assert r.headers["Content-Encoding"] == "br" and brotli.decompress(r.data) == expected


def test_streams_compressed_chunk_by_chunk() -> None:
    client = compress_app().test_client()
    r = client.get("/stream", headers={"Accept-Encoding": "gzip"})
    assert r.headers["Content-Encoding"] == "gzip" and "Content-Length" not in r.headers
    expected = "".join(f"line {i} " * 20 + "\n" for i in range(50)).encode()
    assert zlib.decompress(r.data, 31) == expected


def test_etag_becomes_weak() -> None:
    r = compress_app().test_client().get("/etag", headers={"Accept-Encoding": "gzip"})
    assert r.headers["ETag"] == 'W/"abc"' and r.headers["Content-Encoding"] == "gzip"


def test_compressed_through_lambda() -> None:
    handler = lambda_handler(compress_app())
    event = json.loads((EVENTS / "apiGatewayProxyV2Event_GET.json").read_text())
    event["rawPath"] = "/big"
    event["requestContext"]["http"]["path"] = "/big"
    event["rawQueryString"] = ""
    event.pop("queryStringParameters", None)
    event["headers"]["accept-encoding"] = "gzip"
    out = handler(event, None)
    assert out["statusCode"] == 200 and out["isBase64Encoded"] is True
    assert {k.lower(): v for k, v in out["headers"].items()}["content-encoding"] == "gzip"
    assert json.loads(gzip.decompress(base64.b64decode(out["body"]))) == BIG


# -- middleware --------------------------------------------------------------------------------

def test_middleware_order_and_reach() -> None:
    app = App(__name__)
    seen: list[str] = []

    @app.middleware
    def outer(req: Any, call_next: Any) -> Any:
        seen.append("outer in")
        response = call_next(req)
        seen.append("outer out")
        response.headers["X-Outer"] = "1"
        return response

    @app.middleware
    def inner(req: Any, call_next: Any) -> Any:
        seen.append("inner in")
        response = call_next(req)
        seen.append(f"inner out {response.status_code}")
        return response

    @app.middleware
    def gate(req: Any, call_next: Any) -> Any:
        if req.path == "/blocked":
            return "no", 403  # answered without calling the app
        if req.path == "/broken":
            raise RuntimeError("middleware bug")
        return call_next(req)

    @app.get("/")
    def index() -> str:
        seen.append("view")
        return "hi"

    client = app.test_client()
    r = client.get("/")
    assert r.data == b"hi" and r.headers["X-Outer"] == "1"
    assert seen == ["outer in", "inner in", "view", "inner out 200", "outer out"]
    assert client.get("/missing").headers["X-Outer"] == "1"
    assert client.post("/").status_code == 405 and client.post("/").headers["X-Outer"] == "1"
    assert client.get("/blocked").status_code == 403
    assert client.get("/broken").status_code == 500


# -- trusted proxies ---------------------------------------------------------------------------

def proxied(n: Any) -> App:
    app = App(__name__, trusted_proxies=n)

    @app.get("/where")
    def where() -> Any:
        return {"addr": request.remote_addr, "scheme": request.scheme, "host": request.host,
                "root": request.script_root, "url": url_for("where", _external=True)}

    return app


FORWARDED = {"X-Forwarded-For": "203.0.113.7, 10.0.0.2", "X-Forwarded-Proto": "https",
             "X-Forwarded-Host": "api.example", "X-Forwarded-Prefix": "/v1"}


def test_trusted_proxy_headers() -> None:
    # An int trusts For and Proto only (werkzeug ProxyFix's defaults); Host and Prefix when asked.
    r = proxied(1).test_client().get("/where", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.get_json() == {"addr": "10.0.0.2", "scheme": "https", "host": "localhost", "root": "",
                            "url": "https://localhost/where"}
    wide = ProxyTrust(x_for=1, x_proto=1, x_host=1, x_prefix=1)
    r = proxied(wide).test_client().get("/where", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.get_json() == {"addr": "10.0.0.2", "scheme": "https", "host": "api.example", "root": "/v1",
                            "url": "https://api.example/v1/where"}
    r = proxied(2).test_client().get("/where", headers=FORWARDED)
    assert r.get_json()["addr"] == "203.0.113.7"


def test_forwarded_headers_ignored_unless_trusted() -> None:
    r = proxied(None).test_client().get("/where", headers=FORWARDED, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert r.get_json() == {"addr": "10.0.0.9", "scheme": "http", "host": "localhost", "root": "",
                            "url": "http://localhost/where"}
    # Too few values for the proxies trusted (a client-made header), or a scheme that is not http(s).
    r = proxied(3).test_client().get("/where", headers={**FORWARDED, "X-Forwarded-Proto": "javascript"})
    assert r.get_json()["addr"] == "127.0.0.1"
    r = proxied(1).test_client().get("/where", headers={"X-Forwarded-Proto": "javascript"})
    assert r.get_json()["scheme"] == "http"
    with pytest.raises(ValueError, match="trusted_proxies"):
        App(__name__, trusted_proxies=-1)


# -- Lambda's buffered response limit -------------------------------------------------------------

def test_lambda_response_over_the_limit_names_it(caplog: Any) -> None:
    from manypaths.platforms.aws import RESPONSE_LIMIT

    app = App(__name__)

    @app.get("/size/<int:n>")
    def size(n: int) -> Any:
        return app.response_class(b"x" * n, mimetype="text/plain")

    handler = lambda_handler(app)
    event = json.loads((EVENTS / "apiGatewayProxyV2Event_GET.json").read_text())
    event.pop("queryStringParameters", None)
    event["rawQueryString"] = ""

    def get(n: int) -> dict[str, Any]:
        e = json.loads(json.dumps(event))
        e["rawPath"] = e["requestContext"]["http"]["path"] = f"/size/{n}"
        return handler(e, None)

    ok = get(5 * 1024 * 1024)
    assert ok["statusCode"] == 200 and len(ok["body"]) == 5 * 1024 * 1024
    with caplog.at_level("ERROR"):
        too_big = get(RESPONSE_LIMIT + 1)
    assert too_big["statusCode"] == 500
    assert "6,291,456-byte response payload limit" in too_big["body"] and "S3" in too_big["body"]
    assert any("payload limit" in r.getMessage() for r in caplog.records)

    @app.get("/text/<int:n>")
    def text(n: int) -> Any:
        return "x" * n  # the core's fast road: a body with the default headers

    def get_text(n: int) -> dict[str, Any]:
        e = json.loads(json.dumps(event))
        e["rawPath"] = e["requestContext"]["http"]["path"] = f"/text/{n}"
        return handler(e, None)

    assert get_text(5 * 1024 * 1024)["statusCode"] == 200
    too_big = get_text(RESPONSE_LIMIT + 1)
    assert too_big["statusCode"] == 500 and "6,291,456-byte response payload limit" in too_big["body"]


@pytest.mark.parametrize("fixture", ["apiGatewayProxyEvent.json", "apiGatewayProxyV2Event_GET.json", "albEvent.json",
                                     "lambdaFunctionUrlEvent.json", "vpcLatticeEvent.json", "vpcLatticeV2Event.json"])
def test_compressed_through_every_lambda_shape(fixture: str) -> None:
    from manypaths.platforms.aws import detect

    event = json.loads((EVENTS / fixture).read_text())
    kind = detect(event)
    event["isBase64Encoded"] = event["is_base64_encoded"] = False
    event["body"] = ""
    if kind == "v1" or kind == "alb":
        event.update(path="/big", httpMethod="GET", queryStringParameters=None, multiValueQueryStringParameters=None)
        if "requestContext" in event and "path" in event["requestContext"]:
            event["requestContext"]["path"] = "/big"
        event["headers"] = {"Accept-Encoding": "gzip", "Host": "h"}
        event["multiValueHeaders"] = {"Accept-Encoding": ["gzip"], "Host": ["h"]}
    elif kind == "v2":
        event.update(rawPath="/big", rawQueryString="")
        event.pop("queryStringParameters", None)
        event["requestContext"]["http"].update(path="/big", method="GET")
        event["headers"] = {"accept-encoding": "gzip", "host": "h"}
    elif kind == "lattice1":
        event.update(raw_path="/big", method="GET", headers={"accept-encoding": "gzip", "host": "h"},
                     query_string_parameters={})
    else:
        event.update(path="/big", method="GET", headers={"accept-encoding": ["gzip"], "host": ["h"]},
                     queryStringParameters={})
    out = lambda_handler(compress_app())(event, None)
    headers = {k.lower(): (v[0] if isinstance(v, list) else v)
               for k, v in {**(out.get("headers") or {}), **(out.get("multiValueHeaders") or {})}.items()}
    assert out.get("statusCode", out.get("status_code")) == 200, (fixture, out)
    assert headers["content-encoding"] == "gzip", fixture
    assert out.get("isBase64Encoded", out.get("is_base64_encoded")) is True
    assert json.loads(gzip.decompress(base64.b64decode(out["body"]))) == BIG


def test_compressed_through_cloud_functions() -> None:
    from werkzeug.test import EnvironBuilder
    from werkzeug.wrappers import Request as WerkzeugRequest

    from manypaths.platforms import cloud_function

    main = cloud_function(compress_app(), prefix="/fn")
    response = main(WerkzeugRequest(EnvironBuilder(path="/fn/big", headers={"Accept-Encoding": "gzip"}).get_environ()))
    assert response.status_code == 200 and response.headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(response.get_data())) == BIG
