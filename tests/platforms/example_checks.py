"""The request table every real server of the example app must answer the same way (gunicorn,
uvicorn, hypercorn, granian)."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.request


def wait_until_serving(proc: subprocess.Popen[bytes], base: str, name: str) -> None:
    """Poll ``base``/users/1 until the server answers (the example app's first user), or fail with its stderr."""
    deadline = time.monotonic() + 30
    while True:
        try:
            with urllib.request.urlopen(base + "/users/1", timeout=2) as r:
                assert json.loads(r.read()) == {"id": 1, "name": "Ada"}
            return
        except (urllib.error.URLError, ConnectionError):
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
            assert time.monotonic() < deadline, f"{name} did not start"
            time.sleep(0.2)


def check_example_app(base: str) -> None:
    """Requests to the example app served at ``base`` (``http://127.0.0.1:PORT``), with their answers."""
    with urllib.request.urlopen(base + "/", timeout=5) as r:
        links = json.loads(r.read())
    assert links["one_user"] == f"{base}/users/1"
    with urllib.request.urlopen(base + "/files/a/b.txt", timeout=5) as r:
        assert json.loads(r.read()) == {"parts": ["a", "b.txt"], "path": "a/b.txt"}
    req = urllib.request.Request(base + "/users/", data=b'{"name": "Lin"}', method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        assert r.status == 201 and r.headers["Location"].startswith("/users/")
    try:
        urllib.request.urlopen(base + "/users/99", timeout=5)
    except urllib.error.HTTPError as e:
        assert e.code == 404 and json.loads(e.read())["detail"] == "There is no user 99."
    else:
        raise AssertionError("expected 404")
    request = urllib.request.Request(base + "/users/1", method="DELETE")
    try:
        urllib.request.urlopen(request, timeout=5)
    except urllib.error.HTTPError as e:
        assert e.code == 405 and set(e.headers["Allow"].split(", ")) == {"GET", "HEAD", "OPTIONS"}
    else:
        raise AssertionError("expected 405")
    with urllib.request.urlopen(urllib.request.Request(base + "/users/1", method="HEAD"), timeout=5) as r:
        assert r.status == 200 and r.read() == b"" and int(r.headers["Content-Length"]) > 0
    with urllib.request.urlopen(base + "/users/?limit=1", timeout=5) as r:
        assert len(json.loads(r.read())) == 1
    with urllib.request.urlopen(base + "/files/caf%C3%A9/%E2%9C%93.txt", timeout=5) as r:
        assert json.loads(r.read())["path"] == "café/✓.txt"
    form = urllib.request.Request(base + "/posts", data=b"title=hello+world", method="POST",
                                  headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(form, timeout=5) as r:
        assert r.status in (200, 201) and json.loads(r.read())["title"] == "hello world"
