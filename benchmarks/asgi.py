"""ASGI round trip: the same small app in manypaths, Starlette, FastAPI, Litestar, BlackSheep and
Falcon (ASGI), called in-process on one event loop; and Lambda: a FastAPI app through Mangum and
through ``lambda_handler``, and our App's ASGI path against its WSGI path, per event shape.

Rows: a static route, an int-parameter route, a JSON response, a 404. "mp threads" is the manypaths
app with ``asgi_threads=True`` (every request in a worker thread, Starlette's model for sync views).
Each answer is checked (status and body) before timing; µs per request, best of several passes,
frameworks interleaved pass by pass, ratios to manypaths from the same run.

    make bench-asgi          (or: .venv/bin/python benchmarks/asgi.py [--quick])
"""

from __future__ import annotations

import asyncio
import gc
import json
import logging
import sys
import time
import warnings
from pathlib import Path
from typing import Any

QUICK = "--quick" in sys.argv
ROWS = [("static", "/hello", 200, b"Hello, World!"), ("int param", "/users/42", 200, b"user 42"),
        ("json", "/json", 200, None), ("404", "/missing", 404, None)]
JSON_BODY = {"message": "Hello, World!", "items": [1, 2, 3]}
EVENTS = Path(__file__).parent.parent / "tests" / "fixtures" / "aws-events"


def manypaths_app(threads: bool = False) -> Any:
    from manypaths import App

    app = App(__name__, asgi_threads=threads)

    @app.get("/hello")
    async def hello() -> str:
        return "Hello, World!"

    @app.get("/users/<int:user_id>")
    async def user(user_id: int) -> str:
        return f"user {user_id}"

    @app.get("/json")
    async def as_json() -> Any:
        return JSON_BODY

    return app.asgi


def starlette_app() -> Any:
    from starlette.applications import Starlette
    from starlette.responses import JSONResponse, PlainTextResponse
    from starlette.routing import Route

    async def hello(request: Any) -> Any:
        return PlainTextResponse("Hello, World!")

    async def user(request: Any) -> Any:
        return PlainTextResponse(f"user {request.path_params['user_id']}")

    async def as_json(request: Any) -> Any:
        return JSONResponse(JSON_BODY)

    return Starlette(routes=[Route("/hello", hello), Route("/users/{user_id:int}", user), Route("/json", as_json)])


def fastapi_app() -> Any:
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse

    app = FastAPI()

    @app.get("/hello", response_class=PlainTextResponse)
    async def hello() -> str:
        return "Hello, World!"

    @app.get("/users/{user_id}", response_class=PlainTextResponse)
    async def user(user_id: int) -> str:
        return f"user {user_id}"

    @app.get("/json")
    async def as_json() -> Any:
        return JSON_BODY

    return app


def litestar_app() -> Any:
    from litestar import Litestar, get

    @get("/hello", sync_to_thread=False)
    async def hello() -> str:
        return "Hello, World!"

    @get("/users/{user_id:int}")
    async def user(user_id: int) -> str:
        return f"user {user_id}"

    @get("/json")
    async def as_json() -> dict[str, Any]:
        return JSON_BODY

    logging.getLogger("litestar").setLevel(logging.CRITICAL)
    return Litestar([hello, user, as_json], debug=False, logging_config=None)


def blacksheep_app() -> Any:
    from blacksheep import Application, text
    from blacksheep import json as bs_json

    app = Application()

    @app.router.get("/hello")
    async def hello() -> Any:
        return text("Hello, World!")

    @app.router.get("/users/{int:user_id}")
    async def user(user_id: int) -> Any:
        return text(f"user {user_id}")

    @app.router.get("/json")
    async def as_json() -> Any:
        return bs_json(JSON_BODY)

    return app


def falcon_app() -> Any:
    import falcon
    import falcon.asgi

    class Hello:
        async def on_get(self, req: Any, resp: Any) -> None:
            resp.text = "Hello, World!"
            resp.content_type = falcon.MEDIA_TEXT

    class User:
        async def on_get(self, req: Any, resp: Any, user_id: int) -> None:
            resp.text = f"user {user_id}"
            resp.content_type = falcon.MEDIA_TEXT

    class Json:
        async def on_get(self, req: Any, resp: Any) -> None:
            resp.media = JSON_BODY

    app = falcon.asgi.App()
    app.add_route("/hello", Hello())
    app.add_route("/users/{user_id:int}", User())
    app.add_route("/json", Json())
    return app


def scope(path: str) -> dict[str, Any]:
    return {"type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(), "root_path": "",
            "query_string": b"", "headers": [(b"host", b"bench"), (b"accept", b"*/*")],
            "client": ("127.0.0.1", 5000), "server": ("bench", 80)}


async def call(app: Any, path: str) -> tuple[int, bytes]:
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope(path), receive, send)
    status = next(m["status"] for m in sent if m["type"] == "http.response.start")
    return status, b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")


async def startup(app: Any) -> None:
    # Frameworks that need their lifespan startup before serving (Litestar, BlackSheep).
    inbox: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    replies: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
    await inbox.put({"type": "lifespan.startup"})
    task = asyncio.ensure_future(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}, inbox.get,
                                     replies.put))
    await replies.get()
    _tasks.append(task)  # kept: the app's lifespan stays open while it is timed


_tasks: list[asyncio.Future[Any]] = []


async def time_rows(apps: dict[str, Any], path: str) -> dict[str, float]:
    """Best µs per request of each app, interleaved pass by pass."""
    n = 300 if QUICK else 2000

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        return None

    async def run(app: Any) -> int:
        scopes = [scope(path) for _ in range(n)]
        gc.disable()
        start = time.perf_counter_ns()
        for s in scopes:
            await app(s, receive, send)
        elapsed = time.perf_counter_ns() - start
        gc.enable()
        return elapsed

    best = {name: float("inf") for name in apps}
    for app in apps.values():
        await run(app)
    for _ in range(5 if QUICK else 15):
        for name, app in apps.items():
            best[name] = min(best[name], await run(app))
    return {name: t / n / 1000 for name, t in best.items()}


async def in_process() -> None:
    builders = {"manypaths": manypaths_app, "mp threads": lambda: manypaths_app(True), "starlette": starlette_app,
                "fastapi": fastapi_app, "litestar": litestar_app, "blacksheep": blacksheep_app, "falcon": falcon_app}
    apps: dict[str, Any] = {}
    for name, build in builders.items():
        try:
            apps[name] = build()
        except ImportError as e:
            print(f"  ({name} not installed: {e.name}; make bench installs the peers)")
    for app in apps.values():
        await startup(app)
    for label, path, status, body in ROWS:
        for name, app in apps.items():
            got_status, got_body = await call(app, path)
            assert got_status == status, (name, label, got_status)
            if body is not None:
                assert got_body == body, (name, label, got_body)
            elif status == 200:
                assert json.loads(got_body) == JSON_BODY, (name, got_body)
    names = list(apps)
    print(f"ASGI round trip, µs per request (Python {sys.version.split()[0]}; best of passes)\n")
    print("  row        " + "".join(f"{n:>12}" for n in names) + "   ratios to manypaths")
    for label, path, _, _ in ROWS:
        times = await time_rows(apps, path)
        ours = times["manypaths"]
        ratios = "  ".join(f"{n} {times[n] / ours:.1f}x" for n in names if n != "manypaths")
        print(f"  {label:<11}" + "".join(f"{times[n]:>12.2f}" for n in names) + f"   {ratios}")


def lambda_rows() -> None:
    from manypaths.platforms import lambda_handler

    class Context:
        aws_request_id = "bench"

    fixtures = {"REST API (v1)": "apiGatewayProxyEvent.json", "HTTP API (v2)": "apiGatewayProxyV2Event_GET.json",
                "ALB": "albEvent.json", "Function URL": "lambdaFunctionUrlEvent.json"}
    api = fastapi_app()

    @api.get("/{rest:path}")
    async def anything(rest: str) -> Any:
        return {"rest": rest}

    handlers: dict[str, Any] = {"fastapi+lambda_handler": lambda_handler(api)}
    try:
        from mangum import Mangum

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            handlers["fastapi+mangum"] = Mangum(api, lifespan="off")
    except ImportError:
        print("  (mangum not installed)")
    from manypaths import App

    ours = App("lambda")

    @ours.route("/", defaults={"rest": ""})
    @ours.route("/<path:rest>")
    def anything_ours(rest: str) -> Any:
        return {"rest": rest}

    handlers["mp asgi path"] = lambda_handler(ours.asgi)
    handlers["mp wsgi path"] = lambda_handler(ours)
    n = 200 if QUICK else 2000
    print("\nLambda: one invocation, µs (best of passes; the handler's whole work, event to response dict)\n")
    print("  event          " + "".join(f"{name:>24}" for name in handlers) + "   mangum / ours")
    for label, fixture in fixtures.items():
        event = json.loads((EVENTS / fixture).read_text())
        best = {name: float("inf") for name in handlers}
        for name, handler in handlers.items():
            out = handler(json.loads(json.dumps(event)), Context())
            assert out["statusCode"] == 200, (name, label, out)
        for _ in range(5 if QUICK else 11):
            for name, handler in handlers.items():
                events = [json.loads(json.dumps(event)) for _ in range(n)]
                start = time.perf_counter_ns()
                for e in events:
                    handler(e, Context())
                best[name] = min(best[name], (time.perf_counter_ns() - start) / n / 1000)
        ratio = (f"{best['fastapi+mangum'] / best['fastapi+lambda_handler']:.1f}x"
                 if "fastapi+mangum" in best else "-")
        print(f"  {label:<15}" + "".join(f"{best[name]:>24.1f}" for name in handlers) + f"   {ratio}")


def main() -> None:
    asyncio.run(in_process())
    lambda_rows()


if __name__ == "__main__":
    main()
