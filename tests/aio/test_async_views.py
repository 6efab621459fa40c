"""Async views, hooks and handlers under WSGI (issue 11): they run on an event loop kept per thread,
mixed with sync views in one app, and a sync app never imports asyncio."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
from typing import Any

import pytest

import manypaths
from manypaths import g, request
from manypaths.views import MethodView


def build() -> tuple[manypaths.App, list[str]]:
    app = manypaths.App("asyncapp")
    log: list[str] = []

    @app.before_request
    async def before() -> Any:
        await asyncio.sleep(0)
        g.started = True
        if request.args.get("stop"):
            return {"stopped": "by an async before_request"}, 202
        return None

    @app.after_request
    async def after(response: Any) -> Any:
        response.headers["X-After"] = "async"
        return response

    @app.teardown_request
    async def teardown(error: Any) -> None:
        log.append(f"teardown {type(error).__name__ if error else None}")

    @app.errorhandler(LookupError)
    async def lookup(error: Exception) -> Any:
        return {"handled": str(error)}, 418

    @app.errorhandler(404)
    async def missing(error: Any) -> Any:
        return {"missing": request.path}, 404

    @app.route("/sync")
    def sync_view() -> Any:
        return {"kind": "sync", "g": g.started}

    @app.route("/async/<int:n>")
    async def async_view(n: int) -> Any:
        await asyncio.sleep(0)
        return {"kind": "async", "n": n, "g": g.started, "loop": id(asyncio.get_running_loop()),
                "url": manypaths.url_for("async_view", n=n + 1)}

    @app.route("/raise")
    async def raising() -> Any:
        await asyncio.sleep(0)
        raise KeyError("from a coroutine")

    @app.route("/boom")
    async def boom() -> Any:
        raise ZeroDivisionError

    @app.route("/stream")
    def stream() -> Any:
        async def chunks() -> Any:
            for i in range(3):
                await asyncio.sleep(0)
                yield f"part {i};"

        return chunks()

    class Items(MethodView):
        async def get(self) -> Any:
            return {"method": "get"}

        def post(self) -> Any:
            return {"method": "post"}

    app.add_url_rule("/items", view_func=Items.as_view("items"))
    return app, log


def test_async_and_sync_views_with_async_hooks_and_handlers() -> None:
    app, log = build()
    client = app.test_client()
    assert client.get("/sync").get_json() == {"kind": "sync", "g": True}
    answer = client.get("/async/4")
    body = answer.get_json()
    assert (body["kind"], body["n"], body["g"], body["url"]) == ("async", 4, True, "/async/5")
    assert answer.headers["X-After"] == "async"
    assert client.get("/async/1?stop=1").status_code == 202
    assert (client.get("/raise").status_code, client.get("/raise").get_json()) == (418, {"handled": "'from a coroutine'"})
    assert client.get("/nowhere").get_json() == {"missing": "/nowhere"}
    assert client.get("/boom").status_code == 500
    assert client.get("/stream").data == b"part 0;part 1;part 2;"
    assert client.get("/items").get_json() == {"method": "get"}
    assert client.post("/items").get_json() == {"method": "post"}
    assert log.count("teardown None") >= 8 and "teardown ZeroDivisionError" in log


def test_one_loop_per_thread_reused_across_requests() -> None:
    app, _ = build()
    client = app.test_client()
    first = client.get("/async/1").get_json()["loop"]
    assert client.get("/async/2").get_json()["loop"] == first
    other: list[int] = []
    thread = threading.Thread(target=lambda: other.append(app.test_client().get("/async/3").get_json()["loop"]))
    thread.start()
    thread.join()
    assert other and other[0] != first


def test_async_views_through_lambda_and_wsgi_servers_code_paths() -> None:
    from manypaths.platforms import lambda_handler

    app, _ = build()
    handler = lambda_handler(app)
    event = {"version": "2.0", "rawPath": "/async/7", "rawQueryString": "", "headers": {"host": "x.example"},
             "requestContext": {"http": {"method": "GET", "path": "/async/7", "sourceIp": "1.2.3.4"},
                                "stage": "$default"}, "isBase64Encoded": False}
    out = handler(event, None)
    assert out["statusCode"] == 200 and '"n":7' in out["body"]


def test_on_startup_runs_once_before_the_first_wsgi_request() -> None:
    app, _ = build()
    calls: list[str] = []

    @app.on_startup
    async def connect() -> None:
        calls.append("async startup")

    @app.on_startup
    def warm() -> None:
        calls.append("sync startup")

    client = app.test_client()
    client.get("/sync")
    client.get("/async/1")
    assert calls == ["async startup", "sync startup"]


def test_sync_app_never_imports_asyncio() -> None:
    code = ("import sys, manypaths\napp = manypaths.App('x')\napp.add_url_rule('/', 'i', lambda: 'hi')\n"
            "assert app.test_client().get('/').data == b'hi'\nprint('asyncio' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_coroutine_reaching_sync_code_inside_a_running_loop_is_a_clear_error() -> None:
    app, _ = build()
    app.testing = True

    async def inside() -> None:
        app.test_client().get("/async/1")

    with pytest.raises(RuntimeError, match="ASGI interface"):
        asyncio.run(inside())
