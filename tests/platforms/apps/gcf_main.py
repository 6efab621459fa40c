"""Served by functions-framework in the integration tests: one function per target."""

from __future__ import annotations

from typing import Any

import flask

from manypaths import App, redirect, request, url_for
from manypaths.platforms import cloud_function

app = App(__name__)


@app.route("/user/<string:id>", methods=["GET", "POST"])
def user(id: str) -> Any:
    return id, 200


@app.get("/items/<int:n>")
def item(n: int) -> Any:
    return {"n": n, "self": url_for("item", n=n, _external=True), "url": request.url, "root": request.script_root}


@app.post("/json")
def json_in() -> Any:
    return {"got": request.get_json(), "remote": request.remote_addr}


@app.post("/upload")
def upload() -> Any:
    f = request.files["file"]
    return {"name": f.filename, "size": len(f.read()), "field": request.form.get("note")}


@app.get("/cookies")
def cookies() -> Any:
    response = app.make_response({"got": request.cookies})
    response.set_cookie("one", "1")
    response.set_cookie("two", "2")
    return response


@app.get("/slow-stream")
def slow_stream() -> Any:
    # The first chunk, then wait (up to 20 s) for the client to say it has it: a server or adapter
    # that buffered the body would never let the client see the first chunk in time.
    import os
    import time

    flag = request.args["flag"]

    def chunks() -> Any:
        yield "first\n"
        deadline = time.monotonic() + 20
        while not os.path.exists(flag) and time.monotonic() < deadline:
            time.sleep(0.05)
        yield "last: " + ("after the client read the first chunk" if os.path.exists(flag) else "timed out") + "\n"

    return app.response_class(chunks(), mimetype="text/plain")


@app.get("/go")
def go() -> Any:
    return redirect(url_for("item", n=7))


@app.route("/static/peek", methods=["GET", "POST"])
def static_peek() -> Any:
    return "reached the function"


@app.get("/robots.txt")
def robots() -> Any:
    return "reached the function"


main = cloud_function(app, prefix="/fn")

flask_app = flask.Flask(__name__)


@flask_app.route("/user/<string:id>", methods=["GET", "POST"])
def flask_user(id: str) -> Any:
    return id, 200


@flask_app.route("/where")
def flask_where() -> Any:
    return {"self": flask.url_for("flask_where"), "root": flask.request.script_root}


flask_main = cloud_function(flask_app, prefix="/fn")


# -- ASGI apps through the same adapter (issue 11) -------------------------------------------------

from starlette.applications import Starlette  # noqa: E402
from starlette.requests import Request as StarletteRequest  # noqa: E402
from starlette.responses import JSONResponse, PlainTextResponse, StreamingResponse  # noqa: E402
from starlette.routing import Route  # noqa: E402


async def st_user(req: StarletteRequest) -> PlainTextResponse:
    return PlainTextResponse(req.path_params["id"])


async def st_item(req: StarletteRequest) -> JSONResponse:
    n = req.path_params["n"]
    return JSONResponse({"n": n, "self": str(req.url_for("st_item", n=n)), "root": req.scope.get("root_path", "")})


async def st_stream(req: StarletteRequest) -> StreamingResponse:
    async def chunks() -> Any:
        for i in range(3):
            yield f"chunk {i}\n"

    return StreamingResponse(chunks(), media_type="text/plain")


starlette_app = Starlette(routes=[
    Route("/user/{id}", st_user), Route("/items/{n:int}", st_item, name="st_item"), Route("/stream", st_stream),
])
starlette_main = cloud_function(starlette_app, prefix="/fn")

asgi_mode = App("asgi_mode")


@asgi_mode.route("/user/<id>")
async def asgi_user(id: str) -> Any:
    return id


@asgi_mode.route("/items/<int:n>")
async def asgi_item(n: int) -> Any:
    return {"n": n, "self": url_for("asgi_item", n=n, _external=True), "root": request.script_root}


@asgi_mode.route("/stream")
def asgi_stream() -> Any:
    async def chunks() -> Any:
        for i in range(3):
            yield f"chunk {i}\n"

    return chunks()


asgi_main = cloud_function(asgi_mode.asgi, prefix="/fn")
