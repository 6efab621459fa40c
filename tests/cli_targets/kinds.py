"""A Flask app, a bare WSGI callable, and the platform entry points around a manypaths App."""

from __future__ import annotations

from typing import Any

import flask

from manypaths import App
from manypaths.platforms import cloud_function, lambda_handler

ours = App(__name__)


@ours.get("/hello/<name>")
def hello(name: str) -> Any:
    return {"hello": name}


flask_app = flask.Flask(__name__)


@flask_app.route("/flask/<int:n>", methods=["GET", "POST"])
def flask_view(n: int) -> Any:
    return {"flask": n}


def bare_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [f"bare {environ['PATH_INFO']}".encode()]


main = cloud_function(ours, prefix="/fn")
handler = lambda_handler(ours)
flask_handler = lambda_handler(flask_app)
not_an_app = 42


# An ASGI-only app (FastAPI), alone and behind cloud_function: `manypaths serve` serves both, through
# WSGIFromASGI; `manypaths routes` lists FastAPI's own route table.
from fastapi import FastAPI  # noqa: E402

fastapi_app = FastAPI()


@fastapi_app.get("/fast/{n}")
async def fast_view(n: int) -> dict[str, int]:
    return {"fast": n}


fastapi_main = cloud_function(fastapi_app)
