"""The app of the request-retention test: how many Request objects and environs are alive."""

from __future__ import annotations

import gc
from typing import Any

from manypaths import App, Response
from manypaths.http.request import Request

app = App(__name__)


@app.get("/text")
def text() -> str:
    return "hello"


@app.get("/object")
def an_object() -> Response:
    return Response("made", status=201)


@app.get("/alive")
def alive() -> Any:
    # Requests alive besides this one, after a collection of garbage (cycles): what something
    # still holds (a server timer's context, a cache).
    gc.collect()
    return {"requests": sum(1 for o in gc.get_objects() if isinstance(o, Request)) - 1}
