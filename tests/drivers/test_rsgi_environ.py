"""The RSGI driver's environ: what granian's scope says, per request, whatever came before.

The fixed part of the environ (server, scheme, HTTP version) is kept per server address and copied
for each request; these tests make sure one request's environ never shows another's, and that a
view writing into its environ changes nothing for the next request. (The driver itself runs under
the real granian server in tests/drivers/test_conformance.py.)
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

from manypaths.rsgi import scope_environ


class Headers:
    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = list(pairs)

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)


def scope(**given: Any) -> Any:
    fields: dict[str, Any] = {"proto": "http", "http_version": "1.1", "server": "127.0.0.1:8000",
                              "client": "127.0.0.1:50000", "scheme": "http", "method": "GET", "path": "/",
                              "query_string": "", "headers": Headers(("host", "example.test"))}
    fields.update(given)
    return SimpleNamespace(**fields)


def test_each_request_gets_its_own_server_scheme_version_and_client() -> None:
    cases = [
        (scope(), {"SERVER_NAME": "127.0.0.1", "SERVER_PORT": "8000", "wsgi.url_scheme": "http",
                   "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1", "REMOTE_PORT": "50000"}),
        (scope(server="10.1.2.3:443", scheme="https", http_version="2", client="[::1]:61000"),
         {"SERVER_NAME": "10.1.2.3", "SERVER_PORT": "443", "wsgi.url_scheme": "https", "SERVER_PROTOCOL": "HTTP/2",
          "REMOTE_ADDR": "::1", "REMOTE_PORT": "61000"}),
        (scope(server="127.0.0.1:8000", scheme="https"),
         {"SERVER_PORT": "8000", "wsgi.url_scheme": "https", "SERVER_PROTOCOL": "HTTP/1.1"}),
        (scope(http_version="1.0"), {"SERVER_PROTOCOL": "HTTP/1.0", "wsgi.url_scheme": "http"}),
        (scope(server="[::1]:9000"), {"SERVER_NAME": "[::1]", "SERVER_PORT": "9000"}),
    ]
    for _ in range(2):  # the second time, every base is the one kept from the first
        for given, expected in cases:
            environ = scope_environ(given)
            assert {k: environ[k] for k in expected} == expected, given


def test_a_view_writing_into_its_environ_changes_nothing_for_the_next_request() -> None:
    first = scope_environ(scope(method="POST", path="/a", query_string="x=1",
                                headers=Headers(("host", "a.test"), ("content-type", "text/plain"),
                                                ("cookie", "a=1"), ("x-custom", "yes"))))
    first["SERVER_NAME"] = "changed"
    first["SCRIPT_NAME"] = "/mounted"
    first["HTTP_X_INJECTED"] = "1"
    second = scope_environ(scope(path="/b"))
    assert second["SERVER_NAME"] == "127.0.0.1" and second["SCRIPT_NAME"] == ""
    assert second["REQUEST_METHOD"] == "GET" and second["PATH_INFO"] == "/b" and second["QUERY_STRING"] == ""
    assert not {"HTTP_X_INJECTED", "HTTP_COOKIE", "CONTENT_TYPE", "HTTP_X_CUSTOM"} & set(second)
    assert second["HTTP_HOST"] == "example.test"


def test_headers_are_joined_dropped_and_decoded_as_wsgi_wants() -> None:
    environ = scope_environ(scope(
        path="/caf\u00e9", query_string="q=%C3%A9",
        headers=Headers(("host", "h.test"), ("cookie", "a=1"), ("cookie", "b=2"), ("accept", "text/html"),
                        ("accept", "application/json"), ("x_forwarded_for", "6.6.6.6"),
                        ("x-name", "caf\u00e9"), ("content-type", "text/plain"), ("content-length", "3"))))
    assert environ["PATH_INFO"] == "/caf\u00e9".encode().decode("latin-1")
    assert environ["QUERY_STRING"] == "q=%C3%A9"
    assert environ["HTTP_COOKIE"] == "a=1; b=2"
    assert environ["HTTP_ACCEPT"] == "text/html,application/json"
    assert environ["HTTP_X_NAME"] == "caf\u00e9".encode().decode("latin-1")
    assert environ["CONTENT_TYPE"] == "text/plain" and environ["CONTENT_LENGTH"] == "3"
    assert "6.6.6.6" not in environ.values()  # a name with "_" would pass for its "-" twin
    assert environ["rsgi.scope"].path == "/caf\u00e9"
