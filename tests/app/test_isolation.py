"""``request`` and ``g`` never leak between concurrent requests on a threaded real server."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from manypaths import App, g, request

app = App(__name__)


@app.before_request
def remember() -> None:
    g.n = request.args["n"]


@app.get("/slow")
def slow() -> Any:
    time.sleep(0.005)  # let other requests interleave
    return {"g": g.n, "arg": request.args["n"], "path": request.path, "seen_before": "other" in g}


@app.after_request
def mark(response: Any) -> Any:
    g.other = True
    return response


def test_isolation_threaded_server_concurrent_clients(serve: Callable[..., str]) -> None:
    base = serve(app)

    def call(n: int) -> dict[str, Any]:
        with urllib.request.urlopen(f"{base}/slow?n={n}", timeout=10) as response:
            return json.loads(response.read())  # type: ignore[no-any-return]

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(call, range(200)))
    for n, result in enumerate(results):
        assert result == {"g": str(n), "arg": str(n), "path": "/slow", "seen_before": False}


def test_isolation_request_outside_a_request_is_a_clear_error() -> None:
    import pytest

    with pytest.raises(RuntimeError, match="outside of a request"):
        request.path  # noqa: B018
    assert not request
