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

HEAVY = {"manypaths.events", "fnmatch", "jinja2", "itsdangerous", "click", "markupsafe", "manypaths.sessions", "manypaths.templating",
         "manypaths.appcli", "datetime", "typing", "json", "msgspec", "pydantic", "manypaths.openapi", "manypaths.validation", "email", "http.cookies", "logging", "python_multipart", "wsgiref", "inspect", "dataclasses", "asyncio",
         "urllib.parse", "html", "uuid", "difflib", "socket", "threading", "tempfile", "re", "enum"}


def test_cold_start_first_request_imports_at_most_40_modules() -> None:
    out = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60, check=True)
    added = ast.literal_eval(out.stdout)
    assert len(added) <= 40, added
    assert not HEAVY & set(added), sorted(HEAVY & set(added))


TYPED_PROBE = r"""
import sys
from typing import Annotated
from manypaths import App, Header, Query
app = App("typed")
app.enable_docs()

class Item:
    __dataclass_fields__ = {}  # what marks a dataclass, without importing dataclasses here

# Marked parameters, as string annotations (evaluated on the first typed request).
def search(q: "Annotated[str, Query()]" = "", limit: "Annotated[int, Query()]" = 10) -> "list[Item]":
    return [{"q": q, "limit": limit}]

def hello():
    return "Hello"

app.add_url_rule("/search", "search", search)
app.add_url_rule("/hello", "hello", hello)
import io
def call(path, query=""):
    env = {"REQUEST_METHOD": "GET", "PATH_INFO": path, "QUERY_STRING": query, "SERVER_NAME": "x",
           "SERVER_PORT": "80", "wsgi.input": io.BytesIO(), "wsgi.url_scheme": "http"}
    status = []
    body = b"".join(app(env, lambda s, h, e=None: status.append(s)))
    return status[0], body
assert call("/hello") == ("200 OK", b"Hello")
before_typed = sorted(m for m in sys.modules if m.startswith(("msgspec", "pydantic", "manypaths.openapi",
                                                               "manypaths.validation")))
print(repr(before_typed))
"""



def test_docs_and_typed_views_cost_nothing_until_used() -> None:
    # An app with the docs page enabled and a typed view, serving a plain request: the validation
    # and OpenAPI machinery (and msgspec, pydantic) are not loaded yet.
    out = subprocess.run([sys.executable, "-c", TYPED_PROBE], capture_output=True, text=True, timeout=60, check=True)
    assert ast.literal_eval(out.stdout) == []
    # The same probe continued: the first typed request and the first docs request load them.
    probe = TYPED_PROBE.replace("print(repr(before_typed))", """
status, body = call("/search", "q=a&limit=x")
assert status.startswith("422"), status
status, body = call("/openapi.json")
assert status == "200 OK" and b'"operationId":"search"' in body, body
print(repr(sorted(m for m in sys.modules if m.startswith(("msgspec", "manypaths.openapi", "manypaths.validation")))))
""")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True)
    loaded = ast.literal_eval(out.stdout)
    assert {"msgspec", "manypaths.openapi", "manypaths.validation"} <= set(loaded)
    assert "pydantic" not in loaded  # no pydantic model anywhere: msgspec did it all


FLASK_PORT_PROBE = r"""
import sys
from manypaths import App, render_template_string, session
app = App("port")
app.secret_key = "k"

@app.cli.command("init-db")
def init_db():
    pass

@app.template_filter()
def shout(text):
    return text.upper()

@app.get("/plain")
def plain():
    return "plain"

@app.get("/page")
def page():
    return render_template_string("{{ 'hi'|shout }}")

@app.get("/who")
def who():
    return session.get("user", "nobody")

client = app.test_client()
assert client.get("/plain").get_data() == b"plain"
first = {m for m in ("jinja2", "itsdangerous", "manypaths.templating", "manypaths.sessions") if m in sys.modules}
assert client.get("/page").get_data() == b"HI"
second = {m for m in ("jinja2", "itsdangerous", "manypaths.templating", "manypaths.sessions") if m in sys.modules}
assert client.get("/who").get_data() == b"nobody"
third = {m for m in ("jinja2", "itsdangerous", "manypaths.templating", "manypaths.sessions") if m in sys.modules}
print(repr([sorted(first), sorted(second), sorted(third)]))
"""


def test_templates_and_sessions_load_on_first_use() -> None:
    # A request that renders nothing and touches no session imports neither Jinja2 nor itsdangerous;
    # the first render loads Jinja2 (and the flash helpers), the first session access itsdangerous.
    out = subprocess.run([sys.executable, "-c", FLASK_PORT_PROBE], capture_output=True, text=True, timeout=60,
                         check=True)
    first, second, third = ast.literal_eval(out.stdout)
    assert first == []
    assert "jinja2" in second and "manypaths.templating" in second and "itsdangerous" not in second
    assert "itsdangerous" in third


LAMBDA_PROBE = r"""
import sys
before = set(sys.modules)
from manypaths import App
from manypaths.platforms import lambda_handler
app = App("lambda")
app.add_url_rule("/users/<int:id>", "user", lambda id: f"user {id}")
handler = lambda_handler(app)
# A REST API and an HTTP API event as API Gateway sends them (a query, headers, a text body).
rest = {"httpMethod": "GET", "path": "/users/7", "resource": "/users/{id}",
        "headers": {"Host": "x.execute-api.us-east-1.amazonaws.com", "Accept": "*/*"},
        "multiValueHeaders": {"Host": ["x.execute-api.us-east-1.amazonaws.com"], "Accept": ["*/*"]},
        "queryStringParameters": {"a": "1"}, "multiValueQueryStringParameters": {"a": ["1"]},
        "requestContext": {"stage": "prod", "path": "/prod/users/7", "domainName": "x.execute-api.us-east-1.amazonaws.com",
                           "identity": {"sourceIp": "1.2.3.4"}},
        "body": None, "isBase64Encoded": False}
http = {"version": "2.0", "rawPath": "/users/8", "rawQueryString": "a=1", "headers": {"accept": "*/*"},
        "requestContext": {"http": {"method": "GET", "path": "/users/8", "sourceIp": "1.2.3.4"}, "stage": "$default"},
        "isBase64Encoded": False}
assert handler(rest, None)["body"] == "user 7"
assert handler(http, None)["body"] == "user 8"
added = sorted(set(sys.modules) - before)
print(repr(added))
# A path with an escape and a binary answer load what they need, and still work.
app.add_url_rule("/bin/<name>", "bin", lambda name: (b"\x00\xff" + name.encode(), 200, {"Content-Type": "image/png"}))
answer = handler(dict(http, rawPath="/bin/a%20b"), None)
import base64
assert answer["isBase64Encoded"] and base64.b64decode(answer["body"]) == b"\x00\xffa b", answer
"""


def test_a_lambda_http_cold_start_loads_no_parsing_or_encoding_modules() -> None:
    # base64, urllib.parse (and the re and ipaddress modules they load) only when an event needs
    # them: a body marked base64, a path with an escape, a binary answer.
    out = subprocess.run([sys.executable, "-c", LAMBDA_PROBE], capture_output=True, text=True, timeout=60, check=True)
    added = ast.literal_eval(out.stdout.splitlines()[0])
    unwanted = HEAVY | {"base64", "ipaddress", "struct", "binascii"}
    assert not unwanted & set(added), sorted(unwanted & set(added))
    assert "manypaths.platforms.aws" in added and len(added) <= 40, added
