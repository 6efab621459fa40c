"""What validation and OpenAPI cost: cold start of the 203-route GitHub API app with typed views and
docs, and the throughput of a typed JSON-body view, against AWS Powertools (enable_validation +
enable_swagger), FastAPI and Litestar.

Cold start (fresh processes, interleaved, median): every route's view takes the route's variables
plus a typed query parameter ``per_page: Annotated[int, Query()] = 30``. Rows: the plain app (the same views without
``per_page``: no typed views, no docs);
ours with typed views and docs enabled, first request to an untyped route (what typing costs before
it is used: goal within 2 ms of plain, each row's own view module import timed in the child and left
out: a typed module imports ``typing`` and evaluates its annotations, which is the developer's code); the first typed request; the first docs request (the whole
203-operation document). Powertools and FastAPI: the same views, first typed request, first docs request.

Throughput (in-process, best of passes, frameworks interleaved): POST /orders with a JSON order,
validated into a model and returned; and the same with an invalid quantity (the 422 path). Each
answer is checked before timing.

    make bench-openapi       (or: .venv/bin/python benchmarks/openapi.py [--quick])
"""

from __future__ import annotations

import asyncio
import dataclasses
import gc
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).parent
ROUTES = HERE / "routesets" / "github_api_werkzeug.txt"
EVENT = HERE.parent / "tests" / "fixtures" / "aws-events" / "apiGatewayProxyEvent.json"
QUICK = "--quick" in sys.argv
RUNS = 5 if QUICK else 11
TARGET = "/repos/julienschmidt/httprouter/stargazers"

# One view per route, with the route's variables and a typed query parameter, written as ordinary
# modules (and compiled to .pyc, as a deployment ships them) so every framework imports real functions.
# module -> where its views' Query marker comes from (None: no per_page at all).
VIEW_MODULES = {"views_plain": None, "views_typed": "manypaths", "views_fastapi": "fastapi",
                "views_powertools": "aws_lambda_powertools.event_handler.openapi.params"}


def write_view_modules(folder: Path) -> None:
    import compileall
    import re

    routes = [line.split() for line in ROUTES.read_text().splitlines() if line.strip()]
    for module, annotated in VIEW_MODULES.items():
        lines = ["from typing import Annotated", "", f"from {annotated} import Query", "", ""] if annotated else []
        table = []
        for i, (method, rule) in enumerate(routes):
            names = re.findall(r"<([^>]+)>", rule)
            typed = "per_page: Annotated[int, Query()] = 30" if annotated else ""
            sig = ", ".join(p for p in (", ".join(f"{n}: str" for n in names), typed) if p)
            lines += [f"def e{i}({sig}):", f"    return {rule!r}", ""]
            braces = re.sub(r"<([^>]+)>", r"{\1}", rule)
            table.append(f"    ({method!r}, {rule!r}, {braces!r}, e{i}),")
        lines += ["VIEWS = [", *table, "]", ""]
        (folder / f"{module}.py").write_text("\n".join(lines))
    compileall.compile_dir(str(folder), quiet=1)


PRELUDE = r"""
import sys, time
sys.path.insert(0, sys.argv[3])
t0 = time.perf_counter()
base = set(sys.modules)
"""

_HELPERS = r"""
def environ(path, query=""):
    import io
    return {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "localhost",
            "SERVER_PORT": "80", "HTTP_HOST": "localhost", "SERVER_PROTOCOL": "HTTP/1.1",
            "wsgi.input": io.BytesIO(b""), "wsgi.url_scheme": "http", "wsgi.errors": sys.stderr,
            "wsgi.version": (1, 0), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False}
def call(app, path, query=""):
    out = []
    body = b"".join(app(environ(path, query), lambda s, h, e=None: out.append(s)))
    return out[0], body
def asgi(app, path, query=""):
    import asyncio
    sent = []
    async def receive():
        return {"type": "http.request", "body": b"", "more_body": False}
    async def send(message):
        sent.append(message)
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": path, "raw_path": path.encode(), "root_path": "", "query_string": query.encode(),
             "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 1), "server": ("bench", 80)}
    asyncio.run(app(scope, receive, send))
    return b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
"""

EPILOGUE = """
t1 = time.perf_counter()
import json as _json
print(_json.dumps({"ms": (t1 - t0) * 1000, "modules": len(set(sys.modules) - base), "answer": answer,
                   "views_ms": globals().get("views_ms")}))
"""

_OURS_BUILD = """
from manypaths import App
_tv = time.perf_counter()
from views_typed import VIEWS
views_ms = (time.perf_counter() - _tv) * 1000
app = App("bench")
for i, (method, rule, _, view) in enumerate(VIEWS):
    app.add_url_rule(rule, f"e{i}", view, methods=[method])
app.add_url_rule("/health", "health", lambda: "ok")
app.enable_docs()
"""
_POWERTOOLS_BUILD = """
import json as _j
from aws_lambda_powertools.event_handler import APIGatewayRestResolver
from views_powertools import VIEWS
app = APIGatewayRestResolver(enable_validation=True)
app.enable_swagger(path="/swagger")
for method, rule, _, view in VIEWS:
    app.route(rule, method)(view)
event = _j.load(open(sys.argv[2]))
class Context:
    aws_request_id = "bench"
def resolve(path, query=None):
    event["path"] = path
    event["httpMethod"] = "GET"
    event["queryStringParameters"] = query
    event["multiValueQueryStringParameters"] = {k: [v] for k, v in (query or {}).items()}
    return app.resolve(event, Context())["body"]
"""
_FASTAPI_BUILD = """
from fastapi import FastAPI
from views_fastapi import VIEWS
app = FastAPI()
for method, _, path, view in VIEWS:
    app.add_api_route(path, view, methods=[method])
"""

SCRIPTS: dict[str, str] = {
    "manypaths plain": """
from manypaths import App
_tv = time.perf_counter()
from views_plain import VIEWS  # the same views, without per_page
views_ms = (time.perf_counter() - _tv) * 1000
app = App("bench")
for i, (method, rule, _, view) in enumerate(VIEWS):
    app.add_url_rule(rule, f"e{i}", view, methods=[method])
answer = call(app, TARGET)[1].decode()
""",
    "manypaths typed+docs, untyped request": _OURS_BUILD + """
assert call(app, "/health")[1] == b"ok"
answer = "/repos/<owner>/<repo>/stargazers"
""",
    "manypaths first typed request": _OURS_BUILD + """
answer = call(app, TARGET, "per_page=10")[1].decode()
""",
    "manypaths first docs request": _OURS_BUILD + """
doc = _json_doc = __import__("json").loads(call(app, "/openapi.json")[1])
answer = "/repos/<owner>/<repo>/stargazers" if sum(map(len, doc["paths"].values())) >= 203 else "?"
""",
    "powertools first typed request": _POWERTOOLS_BUILD + """
body = resolve(TARGET, {"per_page": "10"})
answer = _j.loads(body) if body.startswith('"') else body
""",
    "powertools first docs request": _POWERTOOLS_BUILD + """
doc = _j.loads(resolve("/swagger", {"format": "json"}))
answer = "/repos/<owner>/<repo>/stargazers" if sum(map(len, doc["paths"].values())) >= 203 else "?"
""",
    "fastapi first typed request": _FASTAPI_BUILD + """
import json as _j
answer = _j.loads(asgi(app, TARGET, "per_page=10"))
""",
    "fastapi first docs request": _FASTAPI_BUILD + """
import json as _j
doc = _j.loads(asgi(app, "/openapi.json"))
answer = "/repos/<owner>/<repo>/stargazers" if sum(map(len, doc["paths"].values())) >= 203 else "?"
""",
}


def run_once(name: str, folder: Path) -> dict[str, Any]:
    code = PRELUDE + _HELPERS + SCRIPTS[name].replace("TARGET", repr(TARGET)) + EPILOGUE
    out = subprocess.run([sys.executable, "-c", code, str(ROUTES), str(EVENT), str(folder)], capture_output=True, text=True,
                         check=False, env=dict(os.environ))
    if out.returncode != 0:
        raise RuntimeError(f"{name} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    if result["answer"] != "/repos/<owner>/<repo>/stargazers":
        raise RuntimeError(f"{name} answered {result['answer']!r}")
    return result


def cold_start() -> None:
    import manypaths

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(manypaths.__file__).parent)], check=True)
    import tempfile

    names = list(SCRIPTS)
    results: dict[str, list[dict[str, Any]]] = {name: [] for name in names}
    with tempfile.TemporaryDirectory() as folder:
        write_view_modules(Path(folder))
        for _ in range(RUNS):
            for name in names:
                results[name].append(run_once(name, Path(folder)))
    plain = statistics.median(r["ms"] for r in results["manypaths plain"])
    print(f"Cold start with typed views and docs: import + build the 203-route app + first request "
          f"({RUNS} fresh processes each, median)\n")
    print(f"  {'':<40}{'ms':>8}{'(min-max)':>16}{'modules':>9}{'x plain':>9}")
    for name in names:
        ms = [r["ms"] for r in results[name]]
        median = statistics.median(ms)
        print(f"  {name:<40}{median:>8.1f}{f'({min(ms):.1f}-{max(ms):.1f})':>16}"
              f"{int(statistics.median(r['modules'] for r in results[name])):>9}{median / plain:>9.1f}")
    ours = {k: statistics.median(r["ms"] for r in results[k]) for k in names}
    # What manypaths adds: each row's own view module import (the developer's code: a typed one
    # imports typing and evaluates 203 Annotated[int, Query()]) left out, run by run.
    own = {k: statistics.median(r["ms"] - r["views_ms"] for r in results[k])
           for k in ("manypaths plain", "manypaths typed+docs, untyped request")}
    views = {k: statistics.median(r["views_ms"] for r in results[k]) for k in own}
    print(f"\n  typing + docs before first use: "
          f"{own['manypaths typed+docs, untyped request'] - own['manypaths plain']:+.1f} ms over plain (goal: <= 2 ms),"
          f" each row's view module import left out (typed: {views['manypaths typed+docs, untyped request']:.1f} ms,"
          f" plain: {views['manypaths plain']:.1f} ms; with it: "
          f"{ours['manypaths typed+docs, untyped request'] - plain:+.1f} ms)")
    for peer in ("powertools", "fastapi"):
        print(f"  first typed request: {peer} {ours[f'{peer} first typed request'] / ours['manypaths first typed request']:.1f}x "
              f"ours; first docs request: {ours[f'{peer} first docs request'] / ours['manypaths first docs request']:.1f}x ours")


# -- throughput ------------------------------------------------------------------------------------

ORDER = {"item": "lamp", "quantity": 2, "price": 9.5, "tags": ["a", "b"]}
VALID = json.dumps(ORDER).encode()
INVALID = json.dumps({**ORDER, "quantity": "two"}).encode()


@dataclasses.dataclass
class OrderDC:
    item: str
    quantity: int
    price: float
    tags: list[str] = dataclasses.field(default_factory=list)


def ours(pydantic: bool = False) -> Any:
    from manypaths import App

    app = App("bench")
    model = _pydantic_order() if pydantic else OrderDC

    def create(order: Any) -> Any:
        return order

    create.__annotations__ = {"order": model, "return": model}  # real classes (this module defers annotations)
    app.add_url_rule("/orders", "create", create, methods=["POST"])
    return app


def _pydantic_order() -> Any:
    import pydantic

    class Order(pydantic.BaseModel):
        item: str
        quantity: int
        price: float
        tags: list[str] = []

    return Order


def fastapi_app() -> Any:
    from fastapi import FastAPI

    app = FastAPI()
    order_model = _pydantic_order()

    async def create(order: Any) -> Any:
        return order

    create.__annotations__ = {"order": order_model, "return": order_model}

    app.add_api_route("/orders", create, methods=["POST"])
    return app


def litestar_app() -> Any:
    from litestar import Litestar, post

    async def create(data: Any) -> Any:
        return data

    create.__annotations__ = {"data": OrderDC, "return": OrderDC}
    create = post("/orders", status_code=200)(create)

    return Litestar([create])


def powertools_app() -> Any:
    from aws_lambda_powertools.event_handler import APIGatewayRestResolver

    app = APIGatewayRestResolver(enable_validation=True)
    order_model = _pydantic_order()

    def create(order: Any) -> Any:
        return order

    create.__annotations__ = {"order": order_model, "return": order_model}
    app.post("/orders")(create)
    return app


def wsgi_environ(body: bytes) -> dict[str, Any]:
    return {"REQUEST_METHOD": "POST", "PATH_INFO": "/orders", "QUERY_STRING": "", "SERVER_NAME": "bench",
            "SERVER_PORT": "80", "HTTP_HOST": "bench", "SERVER_PROTOCOL": "HTTP/1.1", "CONTENT_TYPE": "application/json",
            "CONTENT_LENGTH": str(len(body)), "wsgi.input": io.BytesIO(body), "wsgi.url_scheme": "http",
            "wsgi.errors": sys.stderr, "wsgi.version": (1, 0), "wsgi.multithread": False,
            "wsgi.multiprocess": False, "wsgi.run_once": False}


def asgi_scope(body: bytes) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
            "path": "/orders", "raw_path": b"/orders", "root_path": "", "query_string": b"",
            "headers": [(b"host", b"bench"), (b"content-type", b"application/json"),
                        (b"content-length", str(len(body)).encode())],
            "client": ("127.0.0.1", 1), "server": ("bench", 80)}


def lambda_event(body: bytes) -> dict[str, Any]:
    event: dict[str, Any] = json.loads(EVENT.read_text())
    event.update(path="/orders", httpMethod="POST", body=body.decode(), isBase64Encoded=False,
                 queryStringParameters=None, multiValueQueryStringParameters=None, resource="/orders")
    event["headers"] = {"Content-Type": "application/json", "Host": "bench"}
    event["multiValueHeaders"] = {"Content-Type": ["application/json"], "Host": ["bench"]}
    event["requestContext"]["path"] = "/orders"
    return event


class Context:
    aws_request_id = "bench"


def runners() -> dict[str, Any]:
    """name -> (kind, callable): callables answer (status, body bytes) for a request body."""
    from manypaths.platforms import lambda_handler

    out: dict[str, Any] = {}

    def wsgi(app: Any) -> Any:
        def run(body: bytes) -> tuple[int, bytes]:
            status: list[str] = []
            data = b"".join(app(wsgi_environ(body), lambda s, h, e=None: status.append(s)))
            return int(status[0][:3]), data
        return run

    def asgi(app: Any, loop: asyncio.AbstractEventLoop) -> Any:
        def run(body: bytes) -> tuple[int, bytes]:
            sent: list[dict[str, Any]] = []

            async def receive() -> dict[str, Any]:
                return {"type": "http.request", "body": body, "more_body": False}

            async def send(message: dict[str, Any]) -> None:
                sent.append(message)

            loop.run_until_complete(app(asgi_scope(body), receive, send))
            status = next(m["status"] for m in sent if m["type"] == "http.response.start")
            return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
        return run

    events = {body: json.dumps(lambda_event(body)) for body in (VALID, INVALID)}

    def on_lambda(handler: Any) -> Any:
        # The event's JSON text is prepared once; each call parses a fresh copy (both Lambda rows pay it).
        def run(body: bytes) -> tuple[int, bytes]:
            result = handler(json.loads(events[body]), Context())
            return result["statusCode"], result["body"].encode()
        return run

    loop = asyncio.new_event_loop()
    out["manypaths wsgi"] = wsgi(ours())
    out["manypaths asgi"] = asgi(ours().asgi, loop)
    out["manypaths pydantic"] = wsgi(ours(pydantic=True))
    out["manypaths lambda"] = on_lambda(lambda_handler(ours()))
    for name, build in (("fastapi", fastapi_app), ("litestar", litestar_app)):
        try:
            out[name] = asgi(build(), loop)
        except ImportError as e:
            print(f"  ({name} not installed: {e.name}; make bench installs the peers)")
    try:
        powertools = powertools_app()
        out["powertools lambda"] = on_lambda(powertools.resolve)
    except ImportError as e:
        print(f"  (powertools not installed: {e.name})")
    return out


def throughput() -> None:
    import logging

    logging.disable(logging.CRITICAL)
    found = runners()
    # Every answer checked first: the order back on a valid body, a 422 (Litestar: 400) naming the field on an invalid one.
    for name, run in found.items():
        status, body = run(VALID)
        assert status == 200 and json.loads(body) == ORDER, (name, status, body)
        status, body = run(INVALID)
        assert status in (400, 422) and b"quantity" in body, (name, status, body)  # Litestar: 400
    n = 300 if QUICK else 2000
    print(f"\nTyped JSON body view (POST /orders, validated and returned), µs per request, best of passes "
          f"(Python {sys.version.split()[0]})\n")
    names = list(found)
    print("  row       " + "".join(f"{name:>20}" for name in names))
    for label, body in (("valid", VALID), ("invalid", INVALID)):
        best = {name: float("inf") for name in names}
        for _ in range(5 if QUICK else 11):
            for name in names:
                run = found[name]
                gc.disable()
                start = time.perf_counter_ns()
                for _ in range(n):
                    run(body)
                best[name] = min(best[name], (time.perf_counter_ns() - start) / n / 1000)
                gc.enable()
        print(f"  {label:<10}" + "".join(f"{best[name]:>20.1f}" for name in names))
        base_wsgi, base_asgi = best["manypaths wsgi"], best["manypaths asgi"]
        parts = [f"{peer} {best[peer] / base_asgi:.1f}x (asgi)" for peer in ("fastapi", "litestar") if peer in best]
        if "powertools lambda" in best:
            parts.append(f"powertools {best['powertools lambda'] / best['manypaths lambda']:.1f}x (lambda)")
        print(f"  {'':<10}vs ours: " + ", ".join(parts) + f"; wsgi {base_wsgi:.1f} µs")


def main() -> None:
    throughput()
    print()
    cold_start()


if __name__ == "__main__":
    main()
