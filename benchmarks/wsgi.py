"""WSGI round trip: the same small app in manypaths, Flask, Falcon and bottle, called in-process.

Rows: a static route, an int-parameter route, a JSON response, a 404. "manypaths" runs on the
compiled matcher where it is built (``make speedups``), "mp pure" on the pure-Python one. "mp+hook" is the manypaths
app with an after_request hook added (its general path, through a Response object). Each framework's answer
is checked (status and body) before timing; µs per request, best of several passes, with the
ratio to manypaths measured in the same run.

    make bench-wsgi          (or: .venv/bin/python benchmarks/wsgi.py [--quick])
"""

from __future__ import annotations

import gc
import io
import json
import sys
import time
from collections.abc import Callable
from typing import Any

QUICK = "--quick" in sys.argv
ROWS = [("static", "/hello", 200, b"Hello, World!"), ("int param", "/users/42", 200, b"user 42"),
        ("json", "/json", 200, None), ("404", "/missing", 404, None)]
JSON_BODY = {"message": "Hello, World!", "items": [1, 2, 3]}


def manypaths_app() -> Any:
    from manypaths import App

    app = App(__name__)

    @app.get("/hello")
    def hello() -> str:
        return "Hello, World!"

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    @app.get("/json")
    def as_json() -> Any:
        return JSON_BODY

    return app


def manypaths_hooked_app() -> Any:
    """The same app with an after_request hook: every answer goes through a Response object (the
    general path), where the plain app sends text and JSON without one."""
    app = manypaths_app()

    @app.after_request
    def keep(response: Any) -> Any:
        return response

    return app


def flask_app() -> Any:
    import flask

    app = flask.Flask(__name__)

    @app.get("/hello")
    def hello() -> str:
        return "Hello, World!"

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    @app.get("/json")
    def as_json() -> Any:
        return JSON_BODY

    return app


def falcon_app() -> Any:
    import falcon

    class Hello:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = "Hello, World!"

    class User:
        def on_get(self, req: Any, resp: Any, user_id: int) -> None:
            resp.content_type = falcon.MEDIA_TEXT
            resp.text = f"user {user_id}"

    class Json:
        def on_get(self, req: Any, resp: Any) -> None:
            resp.media = JSON_BODY

    app = falcon.App()
    app.add_route("/hello", Hello())
    app.add_route("/users/{user_id:int}", User())
    app.add_route("/json", Json())
    return app


def bottle_app() -> Any:
    import bottle

    app = bottle.Bottle()

    @app.get("/hello")
    def hello() -> str:
        return "Hello, World!"

    @app.get("/users/<user_id:int>")
    def user(user_id: int) -> str:
        return f"user {user_id}"

    @app.get("/json")
    def as_json() -> Any:
        return JSON_BODY

    return app


def manypaths_pure_app() -> Any:
    """The same app on the pure-Python matcher (the compiled one turned off for its map)."""
    from manypaths.routing.compiler import use_compiled

    app = manypaths_app()
    use_compiled(False)
    try:
        call(app, environ("/hello"))  # prepares the map without the compiled matcher
    finally:
        use_compiled(True)
    return app


APPS: dict[str, Callable[[], Any]] = {"manypaths": manypaths_app, "mp pure": manypaths_pure_app,
                                      "mp+hook": manypaths_hooked_app, "flask": flask_app, "falcon": falcon_app,
                                      "bottle": bottle_app}


def environ(path: str) -> dict[str, Any]:
    return {
        "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": "", "SERVER_NAME": "localhost",
        "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "localhost", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr, "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
    }


def call(app: Any, env: dict[str, Any]) -> tuple[int, bytes]:
    status: list[str] = []
    body = app(env, lambda s, h, e=None: status.append(s))
    data = b"".join(body)
    if hasattr(body, "close"):
        body.close()
    return int(status[0].split()[0]), data


def time_rows(apps: dict[str, Any], path: str) -> dict[str, float]:
    """Best µs per request of each app, the apps interleaved pass by pass (drift hits all alike)."""
    n = 300 if QUICK else 1000

    def start_response(status: str, headers: Any, exc_info: Any = None) -> None:
        return None

    def run(app: Any, envs: list[dict[str, Any]]) -> int:
        t0 = time.perf_counter_ns()
        for env in envs:
            body = app(env, start_response)
            for _ in body:
                pass
            close = getattr(body, "close", None)
            if close is not None:
                close()
        return time.perf_counter_ns() - t0

    best = {name: float("inf") for name in apps}
    for app in apps.values():
        run(app, [environ(path) for _ in range(n)])  # warm up (manypaths compiles its matcher)
    for _ in range(5 if QUICK else 21):
        for name, app in apps.items():
            envs = [environ(path) for _ in range(n)]  # fresh environs: frameworks cache on them
            gc.disable()
            try:
                best[name] = min(best[name], run(app, envs))
            finally:
                gc.enable()
    return {name: t / n / 1000 for name, t in best.items()}


def main() -> None:
    apps = {name: make() for name, make in APPS.items()}
    for name, app in apps.items():  # every framework answers right before it is timed
        for _, path, status, body in ROWS:
            got_status, got_body = call(app, environ(path))
            assert got_status == status, (name, path, got_status)
            if body is not None:
                assert got_body == body, (name, path, got_body)
            if path == "/json":
                assert json.loads(got_body) == JSON_BODY, name
    print(f"WSGI round trip, µs per request (Python {sys.version.split()[0]}; best of passes)\n")
    names = list(apps)
    print(f"  {'row':<12}" + "".join(f"{n:>12}" for n in names) + "   ratios to manypaths")
    for label, path, _, _ in ROWS:
        times = time_rows(apps, path)
        ratios = "  ".join(f"{n} {times[n] / times['manypaths']:.1f}x" for n in names[1:])
        print(f"  {label:<12}" + "".join(f"{times[n]:>12.2f}" for n in names) + f"   {ratios}")


if __name__ == "__main__":
    main()
