"""Cold start: import + app build + a first plain request pull in few modules, none of the heavy ones.

A behaviour test (which modules load), not a timing: serverless functions pay every import on
each cold start.
"""

from __future__ import annotations

import ast
import subprocess
import sys

PROBE = r"""
import sys
before = set(sys.modules)
from manypaths import App
app = App("coldstart")
for i in range(50):
    app.add_url_rule(f"/r{i}/<int:id>", f"r{i}", lambda id: f"item {id}")
app.add_url_rule("/hello", "hello", lambda: "Hello")
app.add_url_rule("/users/<name>/repos/<repo>", "repo", lambda name, repo: repo)
import io
def call(path):
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "SERVER_NAME": "x", "SERVER_PORT": "80",
           "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http"}
    return b"".join(app(env, lambda s, h, e=None: None))
assert call("/hello") == b"Hello"
assert call("/r7/3") == b"item 3"
assert call("/users/a/repos/b") == b"b"
for _ in range(20):  # past the walks: the generated matcher takes over
    assert call("/r7/4") == b"item 4"
added = sorted(set(sys.modules) - before)
print(repr(added))
"""

HEAVY = {"typing", "json", "email", "http.cookies", "logging", "python_multipart", "wsgiref", "inspect", "dataclasses", "asyncio",
         "urllib.parse", "html", "uuid", "difflib", "socket", "threading", "tempfile", "re", "enum"}


def test_cold_start_first_request_imports_at_most_40_modules() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    added = ast.literal_eval(out.stdout)
    assert len(added) <= 40, added
    assert not HEAVY & set(added), sorted(HEAVY & set(added))
