"""The functions-framework source of the CloudEvents test: an App with HTTP routes and a Pub/Sub handler."""

from __future__ import annotations

from typing import Any

from manypaths import App
from manypaths.events import Event
from manypaths.platforms import cloud_function

app = App(__name__)
SEEN: list[Any] = []


@app.get("/seen")
def seen() -> Any:
    return list(SEEN)


@app.on_pubsub("my-topic")
def message(event: Event) -> None:
    SEEN.append(["pubsub", event.data])


cloud_main = cloud_function(app)
