"""Cloud Functions: the real functions-framework server on 127.0.0.1, many paths on one function."""

from __future__ import annotations

import json
import subprocess
import sys
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import start_functions_framework

SOURCE = Path(__file__).parent / "apps" / "gcf_main.py"
BIN = Path(sys.executable).parent


def _start(target: str) -> tuple[subprocess.Popen[bytes], str]:
    return start_functions_framework(SOURCE, target, "/fn/user/ping")


def _serve(target: str) -> Iterator[str]:
    proc, base = _start(target)
    yield base
    proc.terminate()
    proc.wait(10)


@pytest.fixture(scope="module")
def function() -> Iterator[str]:
    yield from _serve("main")


@pytest.fixture(scope="module")
def flask_function() -> Iterator[str]:
    yield from _serve("flask_main")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def fetch(url: str, method: str = "GET", data: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(url, data=data, method=method, headers=headers or {})
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.headers, e.read()


@pytest.mark.parametrize("path", ["/fn/user/123", "/user/123"])  # local (with prefix) and deployed shapes
def test_gcf_many_paths_one_function(function: str, path: str) -> None:
    status, _, body = fetch(function + path)
    assert (status, body) == (200, b"123")


def test_gcf_converters_and_urls_under_prefix(function: str) -> None:
    status, _, body = fetch(function + "/fn/items/5?x=1")
    data = json.loads(body)
    assert status == 200
    assert data["n"] == 5 and data["root"] == "/fn"
    assert data["self"].endswith("/fn/items/5") and data["url"].endswith("/fn/items/5?x=1")
    assert fetch(function + "/fn/items/x")[0] == 404
    assert fetch(function + "/fn/items/5", method="DELETE")[0] == 405


def test_gcf_post_json_multipart_head_cookies_redirect(function: str) -> None:
    status, _, body = fetch(function + "/fn/json", "POST", b'{"a": [1, 2]}', {"Content-Type": "application/json"})
    assert status == 200 and json.loads(body) == {"got": {"a": [1, 2]}, "remote": "127.0.0.1"}
    boundary = "BOUND"
    multipart = (f'--{boundary}\r\nContent-Disposition: form-data; name="note"\r\n\r\nhi\r\n'
                 f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
                 f"Content-Type: text/plain\r\n\r\n{'x' * 3000}\r\n--{boundary}--\r\n").encode()
    status, _, body = fetch(function + "/fn/upload", "POST", multipart,
                            {"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert status == 200 and json.loads(body) == {"name": "a.txt", "size": 3000, "field": "hi"}
    status, headers, body = fetch(function + "/fn/user/9", "HEAD")
    assert status == 200 and body == b""
    status, headers, body = fetch(function + "/fn/cookies", headers={"Cookie": "c=3; d=4"})
    assert json.loads(body) == {"got": {"c": "3", "d": "4"}}
    assert sorted(headers.get_all("Set-Cookie")) == ["one=1; Path=/", "two=2; Path=/"]
    status, headers, _ = fetch(function + "/fn/go")
    assert status == 302 and headers["Location"] == "/fn/items/7"
    status, _, _ = fetch(function + "/fn/user/9", "OPTIONS")
    assert status == 200


@pytest.mark.parametrize("path", ["/fn/user/123", "/user/123"])
def test_gcf_flask_app_through_cloud_function(flask_function: str, path: str) -> None:
    status, _, body = fetch(flask_function + path)
    assert (status, body) == (200, b"123")
    status, _, body = fetch(flask_function + "/fn/where")
    assert json.loads(body) == {"self": "/fn/where", "root": "/fn"}


def test_gcf_runtime_answers_some_paths_itself(function: str) -> None:
    # Deployed shape (no prefix in the path): functions-framework serves these without the function.
    for path in ("/robots.txt", "/favicon.ico", "/static/peek"):
        status, _, body = fetch(function + path)
        assert status == 404 and b"reached the function" not in body, path
    assert fetch(function + "/static/peek", "POST")[2] == b"reached the function"  # only GET/HEAD are static
    # With the prefix in the path (a local run), they reach the function.
    assert fetch(function + "/fn/static/peek")[2] == b"reached the function"
    assert fetch(function + "/fn/robots.txt")[2] == b"reached the function"


@pytest.fixture(scope="module", params=["starlette_main", "asgi_main"])
def asgi_function(request: pytest.FixtureRequest) -> Iterator[str]:
    yield from _serve(request.param)


@pytest.mark.parametrize("path", ["/fn/user/123", "/user/123"])
def test_gcf_asgi_app_many_paths(asgi_function: str, path: str) -> None:
    status, _, body = fetch(asgi_function + path)
    assert (status, body) == (200, b"123")


def test_gcf_asgi_app_urls_under_the_prefix_and_streams(asgi_function: str) -> None:
    status, _, body = fetch(asgi_function + "/fn/items/5")
    data = json.loads(body)
    assert status == 200 and data["n"] == 5 and data["root"] == "/fn"
    assert data["self"] == f"{asgi_function}/fn/items/5"
    status, _, body = fetch(asgi_function + "/fn/stream")
    assert (status, body) == (200, b"chunk 0\nchunk 1\nchunk 2\n")
    assert fetch(asgi_function + "/fn/nowhere")[0] == 404


def test_gcf_streams_a_generator(function: str, tmp_path: Path) -> None:
    # A real client reads the first chunk while the view has not produced the last one yet.
    import http.client
    import urllib.parse

    flag = tmp_path / "got-first-chunk"
    host, port = urllib.parse.urlsplit(function).netloc.split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=15)
    conn.request("GET", "/fn/slow-stream?" + urllib.parse.urlencode({"flag": str(flag)}))
    response = conn.getresponse()
    assert response.status == 200
    assert response.readline() == b"first\n"
    flag.touch()
    assert response.read() == b"last: after the client read the first chunk\n"
    conn.close()
