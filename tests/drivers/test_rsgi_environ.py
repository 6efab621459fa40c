"""The RSGI driver's environ: what granian's scope says, per request, whatever came before.

The fixed part of the environ (server, scheme, HTTP version) is kept per server address and copied
for each request; these tests make sure one request's environ never shows another's, and that a
view writing into its environ changes nothing for the next request. The compiled builder
(asgi/_environ.c: rsgi_environ) gives the same dict, in the same order, as the Python one
(``rsgi.environ_py``), or hands the scope over (None). (The driver itself runs under the real
granian server in tests/drivers/test_conformance.py.)

The scopes here are plain objects with granian's fields (its scope type cannot be made outside
the server): what the builders read is the same, attributes and ``headers.items()``.
"""

from __future__ import annotations

import os
import sys
from types import SimpleNamespace
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from manypaths import rsgi
from manypaths.asgi.environ import NO_BODY, bodiless
from manypaths.rsgi import scope_environ
from tests.builds import needs_compiled


class Headers:
    def __init__(self, *pairs: tuple[str, str]) -> None:
        self.pairs = list(pairs)

    def items(self) -> list[tuple[str, str]]:
        return list(self.pairs)


def scope(**given: Any) -> Any:
    fields: dict[str, Any] = {"proto": "http", "http_version": "1.1", "server": "127.0.0.1:8000",
                              "client": "127.0.0.1:50000", "scheme": "http", "method": "GET", "path": "/",
                              "query_string": "", "headers": Headers(("host", "example.test")), "authority": None}
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
        for made, expected in cases:
            environ = scope_environ(made)
            assert {k: environ[k] for k in expected} == expected, made


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


def test_a_query_granian_decoded_is_given_as_its_bytes() -> None:
    # granian gives raw UTF-8 in the query decoded ("q=\u00e9"); WSGI wants the bytes, as latin-1 text.
    for _ in range(2):  # (the second time on the kept base: the compiled builder's turn)
        environ = scope_environ(scope(query_string="q=\u00e9", headers=Headers(("host", "h.test"))))
        assert environ["QUERY_STRING"] == "q=\u00e9".encode().decode("latin-1")


def test_over_http2_the_host_is_the_authority() -> None:
    # HTTP/2 and 3 have no Host header: granian gives the :authority pseudo-header as scope.authority.
    for _ in range(2):  # (the second time on the kept base: the compiled builder's turn)
        h2 = scope(http_version="2", authority="api.example:8443", headers=Headers(("accept", "*/*")))
        assert scope_environ(h2)["HTTP_HOST"] == "api.example:8443"
        both = scope(authority="other.example", headers=Headers(("host", "api.example")))
        assert scope_environ(both)["HTTP_HOST"] == "api.example"  # a Host header is the host
        assert "HTTP_HOST" not in scope_environ(scope(headers=Headers()))  # HTTP/1.0 without Host
        older = scope(headers=Headers())
        del older.authority  # a granian older than the field
        assert "HTTP_HOST" not in scope_environ(older)


def test_no_body_goes_only_to_a_request_without_one() -> None:
    cases = [(scope(), True), (scope(method="POST"), False),
             (scope(method="POST", headers=Headers(("content-length", "0"))), True),
             (scope(headers=Headers(("transfer-encoding", "chunked"))), False), (scope(http_version="2"), False)]
    for _ in range(2):
        for given_scope, expected in cases:
            environ = scope_environ(given_scope, NO_BODY)
            assert (environ.get("wsgi.input") is NO_BODY) is expected, given_scope
            assert "wsgi.input" not in scope_environ(given_scope)


def _compiled(given_scope: Any, no_body: Any = None) -> dict[str, Any] | None:
    core = rsgi._compiled_environ
    assert core is not None, "the compiled environ builder is not built (make test builds it)"
    for name, _ in given_scope.headers.items():  # as the Python builder does first, learn the names
        if isinstance(name, str) and name not in rsgi._KEYS:
            rsgi._key(name)
    rsgi._base_of("127.0.0.1:8000", "http", "1.1")
    last = rsgi.LAST[0]
    return core(given_scope, last, rsgi._KEYS, sys.stderr) if no_body is None else \
        core(given_scope, last, rsgi._KEYS, sys.stderr, no_body)


def _python(given_scope: Any) -> dict[str, Any]:
    return rsgi.environ_py(given_scope, rsgi._base_of("127.0.0.1:8000", "http", "1.1"))


@needs_compiled
def test_the_compiled_builder_gives_the_same_dict_in_the_same_order() -> None:
    given_scope = scope(method="POST", path="/users/7", query_string="a=1&b=%C3%A9", client="[::1]:61000",
                        headers=Headers(("host", "h.test"), ("cookie", "a=1"), ("content-type", "text/plain"),
                                        ("content-type", "application/json"), ("x_forwarded_for", "6.6.6.6")))
    compiled = _compiled(given_scope)
    assert compiled is not None  # the common case is built in C
    python = _python(given_scope)
    assert compiled == python and list(compiled) == list(python)
    assert compiled["rsgi.scope"] is given_scope and compiled["CONTENT_TYPE"] == "application/json"
    assert compiled["REMOTE_ADDR"] == "::1" and "REQUEST_METHOD" not in rsgi.LAST[0][3]  # the base is not written
    h2 = scope(authority="api.example:8443", headers=Headers(("accept", "*/*")))  # HTTP/2: no Host header
    compiled = _compiled(h2)
    assert compiled is not None and compiled["HTTP_HOST"] == "api.example:8443"
    assert compiled == _python(h2) and list(compiled) == list(_python(h2))


@needs_compiled
def test_the_compiled_builder_hands_over_what_it_does_not_build() -> None:
    for given_scope in [scope(path=""), scope(path="/caf\u00e9"), scope(query_string="q=\u00e9"),
                        scope(method=""), scope(client=None), scope(headers=Headers(("x-name", "caf\u00e9"))),
                        scope(headers=Headers(("cookie", "a=1"), ("cookie", "b=2"))),
                        scope(server="10.0.0.1:80"), scope(scheme="https"),
                        scope(http_version="2"), scope(server=("127.0.0.1", 8000))]:
        assert _compiled(given_scope) is None, given_scope
        assert scope_environ(given_scope)["wsgi.errors"] is sys.stderr  # Python builds it
    core = rsgi._compiled_environ
    assert core is not None
    for odd in [scope(headers=Headers(("x-never-seen-before", "1"))),  # a new name: Python learns it
                scope(headers=Headers((b"host", b"h")))]:  # not granian's types
        assert core(odd, rsgi.LAST[0], rsgi._KEYS, sys.stderr) is None


@needs_compiled
def test_a_scope_missing_a_field_is_an_error_that_names_it() -> None:
    bare = SimpleNamespace(server="127.0.0.1:8000", scheme="http", http_version="1.1")
    try:
        _compiled(SimpleNamespace(**vars(bare), headers=Headers()))
    except AttributeError as e:
        assert "path" in str(e)
    else:
        raise AssertionError("a scope without a path was built")


header_names = st.sampled_from(["host", "accept", "content-type", "content-length", "cookie", "x-a",
                                "x_forwarded_for", "transfer-encoding"])
texts = st.text(max_size=8)
scopes = st.fixed_dictionaries({
    "path": st.one_of(st.just("/"), texts.map(lambda t: "/" + t), st.just("")),
    "method": st.sampled_from(["GET", "POST", "HEAD", "", "get"]),
    "query_string": texts,
    "client": st.one_of(texts, st.sampled_from(["127.0.0.1:5", "[::1]:61000", ":5", "h:", "[]:1", "a:b:c"])),
    "headers": st.lists(st.tuples(header_names, st.one_of(texts, st.sampled_from(["0", "5", "chunked"]))),
                        max_size=6).map(lambda pairs: Headers(*pairs)),
    "authority": st.one_of(st.none(), texts, st.just("api.example:8443")),
})


@needs_compiled
@settings(max_examples=int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "300")), deadline=None)
@given(scopes)
def test_compiled_and_python_builders_agree(changes: dict[str, Any]) -> None:
    given_scope = scope(**changes)
    compiled = _compiled(given_scope)
    if compiled is None:
        assert _needs_python(given_scope), given_scope  # only the uncommon cases are handed over
        return
    python = _python(given_scope)
    assert compiled == python and list(compiled) == list(python)
    # Handed NO_BODY, it gives it to the requests the Python rule finds bodiless, and only those.
    marked = _compiled(given_scope, no_body=NO_BODY)
    assert marked is not None and (marked.pop("wsgi.input", None) is NO_BODY) is bodiless(python)
    assert marked == python


def _needs_python(given_scope: Any) -> bool:
    pairs = given_scope.headers.items()
    kept = [rsgi._KEYS[name] for name, _ in pairs if rsgi._KEYS[name] not in ("", "CONTENT_TYPE")]
    return (not given_scope.path or not given_scope.path.isascii() or not given_scope.method
            or not given_scope.query_string.isascii() or len(set(kept)) != len(kept)
            or not all(value.isascii() for _, value in pairs)
            or ("host" not in dict(pairs) and given_scope.authority is not None and not given_scope.authority.isascii()))


def test_the_rsgi_entry_point_is_the_driver_itself() -> None:
    # granian reads app.__rsgi__ once and calls it per request: the driver, not a method around it.
    import asyncio

    from manypaths import App

    app = App(__name__)

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    entry = app.__rsgi__
    assert entry is app.__rsgi__ and not hasattr(entry, "__self__")

    class Protocol:
        def __init__(self) -> None:
            self.sent: list[tuple[int, list[tuple[str, str]], bytes]] = []

        def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.sent.append((status, headers, body))

    protocol = Protocol()
    for path in ("/users/7", "/users/x"):
        asyncio.run(entry(scope(path=path), protocol))
    (status, _, body), (missed, _, _) = protocol.sent
    assert (status, body, missed) == (200, b'{"id":7}\n', 404)


def test_an_http2_authority_is_checked_against_trusted_hosts_as_a_host_header_is() -> None:
    # The authority is client input, as Host is: TRUSTED_HOSTS refuses one it does not list.
    import asyncio

    from manypaths import App

    app = App(__name__)
    app.config["TRUSTED_HOSTS"] = ["api.example"]

    @app.get("/")
    def index() -> str:
        return "ok"

    class Protocol:
        def __init__(self) -> None:
            self.statuses: list[int] = []

        def response_bytes(self, status: int, headers: list[tuple[str, str]], body: bytes) -> None:
            self.statuses.append(status)

        def __aiter__(self) -> Any:  # the request body (HTTP/2 says nothing of one before it ends): none
            return self

        async def __anext__(self) -> bytes:
            raise StopAsyncIteration

    protocol = Protocol()
    for authority in ("evil.example", "api.example", "evil.example"):
        asyncio.run(app.__rsgi__(scope(http_version="2", authority=authority, headers=Headers()), protocol))
    assert protocol.statuses == [400, 200, 400]
