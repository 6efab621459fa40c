"""CORS and compression cost: the WSGI round trip with CORS on (a simple GET and a preflight) and
with gzip on a 10 kB JSON answer, manypaths vs Flask + flask-cors / Flask-Compress, in-process; and
AWS Powertools (CORSConfig, compress=True) vs manypaths through lambda_handler on the same REST event.

Every answer is checked (status, the CORS header, the decompressed body) before timing; µs per
request, best of passes, frameworks interleaved.

    make bench-http          (or: .venv/bin/python benchmarks/http_features.py [--quick])
"""

from __future__ import annotations

import gc
import gzip
import io
import json
import sys
import time
from pathlib import Path
from typing import Any

QUICK = "--quick" in sys.argv
ORIGIN = "https://app.example"
BIG = {"items": [{"id": i, "name": f"item number {i}", "tags": ["a", "b"]} for i in range(200)]}
EVENT = Path(__file__).parent.parent / "tests" / "fixtures" / "aws-events" / "apiGatewayProxyEvent.json"
ROWS = {
    "cors simple": ("GET", "/items", {"HTTP_ORIGIN": ORIGIN}, 200),
    "cors preflight": ("OPTIONS", "/items", {"HTTP_ORIGIN": ORIGIN, "HTTP_ACCESS_CONTROL_REQUEST_METHOD": "GET",
                                             "HTTP_ACCESS_CONTROL_REQUEST_HEADERS": "x-token"}, (200, 204)),
    "gzip 10 kB": ("GET", "/big", {"HTTP_ACCEPT_ENCODING": "gzip"}, 200),
}


def manypaths_app() -> Any:
    from manypaths import App
    from manypaths.cors import CORS

    app = App("bench", cors=CORS([ORIGIN]), compress=True)
    app.add_url_rule("/items", "items", lambda: {"items": [1, 2, 3]})
    app.add_url_rule("/big", "big", lambda: BIG)
    return app


def flask_app() -> Any:
    from flask import Flask
    from flask_compress import Compress
    from flask_cors import CORS

    app = Flask("bench")
    CORS(app, origins=[ORIGIN])
    Compress(app)
    app.add_url_rule("/items", "items", lambda: {"items": [1, 2, 3]})
    app.add_url_rule("/big", "big", lambda: BIG)
    return app


def environ(method: str, path: str, extra: dict[str, str]) -> dict[str, Any]:
    return {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "bench",
            "SERVER_PORT": "80", "HTTP_HOST": "bench", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.input": io.BytesIO(),
            "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr, "wsgi.version": (1, 0),
            "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False, **extra}


def call(app: Any, env: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    got: list[Any] = []
    body = b"".join(app(env, lambda s, h, e=None: got.append((s, h))))
    status, headers = got[0]
    return int(status[:3]), {k.lower(): v for k, v in headers}, body


def check(name: str, label: str, status: int, headers: dict[str, str], body: bytes, want: Any) -> None:
    assert status == want or (isinstance(want, tuple) and status in want), (name, label, status)
    if label.startswith("cors"):
        assert headers.get("access-control-allow-origin") == ORIGIN, (name, label, headers)
    else:
        assert headers.get("content-encoding") == "gzip", (name, headers)
        assert json.loads(gzip.decompress(body)) == BIG, name


def best_of(run: Any) -> float:
    n = 300 if QUICK else 2000
    gc.disable()
    start = time.perf_counter_ns()
    for _ in range(n):
        run()
    elapsed = time.perf_counter_ns() - start
    gc.enable()
    return elapsed / n / 1000


def wsgi_rows() -> None:
    apps = {"manypaths": manypaths_app()}
    try:
        apps["flask+ext"] = flask_app()
    except ImportError as e:
        print(f"  (flask-cors / Flask-Compress not installed: {e.name}; make bench installs them)")
    print(f"WSGI round trip with CORS and gzip, µs per request (Python {sys.version.split()[0]}; best of passes)\n")
    print("  row              " + "".join(f"{name:>12}" for name in apps) + "   ratio")
    for label, (method, path, extra, want) in ROWS.items():
        for name, app in apps.items():
            check(name, label, *call(app, environ(method, path, extra)), want)
        best = {name: float("inf") for name in apps}
        for _ in range(5 if QUICK else 15):
            for name, app in apps.items():
                best[name] = min(best[name], best_of(
                    lambda a=app, m=method, p=path, x=extra: call(a, environ(m, p, x))))
        ratio = f"flask {best['flask+ext'] / best['manypaths']:.1f}x" if "flask+ext" in best else "-"
        print(f"  {label:<17}" + "".join(f"{best[name]:>12.2f}" for name in apps) + f"   {ratio}")


def lambda_rows() -> None:
    from manypaths.platforms import lambda_handler

    class Context:
        aws_request_id = "bench"

    handlers = {"manypaths": lambda_handler(manypaths_app())}
    try:
        from aws_lambda_powertools.event_handler import APIGatewayRestResolver, CORSConfig

        resolver = APIGatewayRestResolver(cors=CORSConfig(allow_origin=ORIGIN))
        resolver.get("/items", compress=True)(lambda: {"items": [1, 2, 3]})
        resolver.get("/big", compress=True)(lambda: BIG)
        handlers["powertools"] = resolver.resolve
    except ImportError:
        print("  (aws-lambda-powertools not installed)")
    template = json.loads(EVENT.read_text())
    print("\nLambda (REST event), µs per invocation, best of passes\n")
    print("  row              " + "".join(f"{name:>12}" for name in handlers) + "   ratio")
    for label, (method, path, extra, want) in ROWS.items():
        event = json.loads(json.dumps(template))
        headers = {key[5:].replace("_", "-").title(): value for key, value in extra.items()}
        event.update(path=path, httpMethod=method, resource=path, headers=headers, body=None, isBase64Encoded=False,
                     multiValueHeaders={k: [v] for k, v in headers.items()},
                     queryStringParameters=None, multiValueQueryStringParameters=None)
        text = json.dumps(event)
        for name, handler in handlers.items():
            out = handler(json.loads(text), Context())
            got = {k.lower(): v for k, v in (out.get("headers") or {}).items()}
            got.update({k.lower(): v[0] for k, v in (out.get("multiValueHeaders") or {}).items()})
            body = out["body"] or ""
            raw = __import__("base64").b64decode(body) if out.get("isBase64Encoded") else body.encode()
            check(name, label, out["statusCode"], got, raw, want)
        best = {name: float("inf") for name in handlers}
        for _ in range(5 if QUICK else 15):
            for name, handler in handlers.items():
                best[name] = min(best[name], best_of(
                    lambda h=handler, t=text: h(json.loads(t), Context())))
        ratio = f"powertools {best['powertools'] / best['manypaths']:.1f}x" if "powertools" in best else "-"
        print(f"  {label:<17}" + "".join(f"{best[name]:>12.2f}" for name in handlers) + f"   {ratio}")


def main() -> None:
    wsgi_rows()
    lambda_rows()


if __name__ == "__main__":
    main()
