"""The WSGI environ of an ASGI scope: the compiled builder (asgi/_environ.c: asgi_environ) gives
the same dict as the Python one (manypaths.asgi.environ.environ_py) or hands over (None); every scope, in the end,
gives the environ the WSGI spec asks for, and a missing optional key its ASGI default."""

from __future__ import annotations

import os
import sys
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from manypaths.asgi import environ as aio
from tests.builds import needs_compiled

BASE = aio._base(("testserver", 80), "http", "1.1")
LAST = (("testserver", 80), "http", "1.1", BASE)  # the shared part, with what it was made for


def _scope(**changes: Any) -> dict[str, Any]:
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET", "scheme": "http",
             "path": "/users/7", "raw_path": b"/users/7", "root_path": "", "query_string": b"a=1&b=%C3%A9",
             "headers": [(b"host", b"example.org"), (b"accept", b"*/*"), (b"content-type", b"text/plain")],
             "client": ("10.0.0.1", 5123), "server": ("testserver", 80)}
    scope.update(changes)
    return scope


def _compiled(scope: dict[str, Any], no_body: Any = None) -> dict[str, Any] | None:
    core = aio._compiled_environ
    assert core is not None, "the compiled environ builder is not built (make test builds it)"
    keys = aio._ENVIRON_KEYS
    for name, _ in scope.get("headers") or ():  # as the Python builder does first, learn the names
        if isinstance(name, bytes) and name not in keys:
            aio._environ_key(name)
    return core(scope, LAST, keys, sys.stderr) if no_body is None else core(scope, LAST, keys, sys.stderr, no_body)


def test_the_environ_of_a_plain_scope() -> None:
    environ = aio.environ_py(_scope(), BASE)
    assert {k: v for k, v in environ.items() if k not in ("wsgi.errors", "asgi.scope")} == {
        **BASE, "REQUEST_METHOD": "GET", "SCRIPT_NAME": "", "PATH_INFO": "/users/7", "QUERY_STRING": "a=1&b=%C3%A9",
        "REMOTE_ADDR": "10.0.0.1", "REMOTE_PORT": "5123", "HTTP_HOST": "example.org", "HTTP_ACCEPT": "*/*",
        "CONTENT_TYPE": "text/plain"}
    assert environ["wsgi.errors"] is sys.stderr


@needs_compiled
def test_the_compiled_builder_gives_the_same_dict_in_the_same_order() -> None:
    scope = _scope()
    compiled = _compiled(scope)
    assert compiled is not None  # the common case is built in C
    python = aio.environ_py(scope, BASE)
    assert compiled == python and list(compiled) == list(python)
    assert compiled["asgi.scope"] is scope and compiled is not BASE and "REQUEST_METHOD" not in BASE


@needs_compiled
def test_the_compiled_builder_hands_over_what_it_does_not_build() -> None:
    handed_over = [
        _scope(root_path="/api"),  # a script root: stripped from the path in Python
        _scope(path="/caf\u00e9"),  # a non-ASCII path: re-encoded in Python
        _scope(path=""),
        _scope(method=""),
        _scope(query_string=None),
        _scope(client=["10.0.0.1", 5123]),  # a list, not a tuple
        _scope(headers=[(b"accept", b"a"), (b"accept", b"b")]),  # repeated: joined in Python
        _scope(headers=[(b"cookie", b"a=1"), (b"cookie", b"b=2")]),
        _scope(headers=[(b"host", b""), (b"host", b"")]),  # the same (shared) value object twice
        _scope(headers=[(b"x-a", b"1"), (b"x-a", b"1")]),
        _scope(headers=[[b"accept", b"a"]]),
        _scope(headers=[(b"accept", bytearray(b"a"))]),
    ]
    for scope in handed_over:
        assert _compiled(scope) is None, scope
    for key in ("client", "server", "scheme", "http_version", "headers"):
        missing = _scope()
        del missing[key]
        assert _compiled(missing) is None, key
    for other in (_scope(server=("other", 80)), _scope(scheme="https"), _scope(http_version="2")):
        assert _compiled(other) is None  # another server: the caller picks its base
    assert _compiled(_scope(server=["testserver", 80])) is None
    assert _compiled(_scope(server=("testserver", 80))) is not None  # an equal tuple: the same server
    assert aio._environ(_scope(headers=[(b"accept", b"a"), (b"accept", b"b")]))["HTTP_ACCEPT"] == "a,b"
    assert aio._environ(_scope(root_path="/api", path="/api/users/7"))["PATH_INFO"] == "/users/7"


def test_missing_optional_keys_take_their_asgi_defaults() -> None:
    environ = aio._environ({"type": "http", "path": "/x", "headers": []})
    assert (environ["REQUEST_METHOD"], environ["SCRIPT_NAME"], environ["QUERY_STRING"], environ["SERVER_PROTOCOL"],
            environ["wsgi.url_scheme"], environ["SERVER_NAME"]) == ("GET", "", "", "HTTP/1.1", "http", "localhost")
    assert "REMOTE_ADDR" not in environ


@needs_compiled
def test_the_compiled_builder_gives_a_bodiless_request_no_body_by_the_python_rule() -> None:
    cases = {
        "GET": (_scope(), True),
        "HEAD": (_scope(method="HEAD"), True),
        "POST": (_scope(method="POST"), False),  # no Content-Length: the body is read to its end
        "POST, Content-Length 0": (_scope(method="POST", headers=[(b"content-length", b"0")]), True),
        "POST, Content-Length 5": (_scope(method="POST", headers=[(b"content-length", b"5")]), False),
        "GET, Content-Length 5": (_scope(headers=[(b"content-length", b"5")]), False),
        "GET, chunked": (_scope(headers=[(b"transfer-encoding", b"chunked")]), False),
        "get (lower case)": (_scope(method="get"), False),
    }
    for name, (scope, expected) in cases.items():
        python = aio.environ_py(scope, BASE)
        assert aio.bodiless(python) is expected, name
        compiled = _compiled(scope, no_body=aio.NO_BODY)
        assert compiled is not None, name
        assert ("wsgi.input" in compiled) is expected, name
        assert compiled.pop("wsgi.input", aio.NO_BODY) is aio.NO_BODY
        assert compiled == python and list(compiled) == list(python), name
    # HTTP/2 frames its bodies itself: a GET without Content-Length may still have one.
    base2 = aio._base(("testserver", 80), "http", "2")
    scope = _scope(http_version="2")
    compiled = aio._compiled_environ(scope, (("testserver", 80), "http", "2", base2), aio._ENVIRON_KEYS,
                                     sys.stderr, aio.NO_BODY) if aio._compiled_environ else None
    assert compiled is not None and "wsgi.input" not in compiled and not aio.bodiless(compiled)
    aio._base(("testserver", 80), "http", "1.1")


@needs_compiled
def test_the_compiled_builder_writes_each_port_as_its_text() -> None:
    # REMOTE_PORT's text is remembered per port (64 slots): ports sharing a slot, ports seen again,
    # and numbers no port has, each give str(port).
    for port in (5123, 5123 + 64, 5123, 0, 65535, 65535 - 64, 65536, 10**12, -1, 5123 + 64):
        environ = _compiled(_scope(client=("10.0.0.1", port)))
        assert environ is not None and environ["REMOTE_PORT"] == str(port), port
    # granian's ASGI scope gives the client's port as text: built here too (it was handed to Python).
    scope = _scope(client=("127.0.0.1", "50368"), server=("testserver", 80))
    environ = _compiled(scope)
    assert environ is not None and environ == aio.environ_py(scope, BASE) and environ["REMOTE_PORT"] == "50368"


@needs_compiled
def test_the_compiled_builder_follows_the_base_it_is_given() -> None:
    # It starts each environ from a roomier copy of the last base it was given (kept by identity):
    # another server's base, and then the first one again, each give that server's environ.
    other = aio._base(("other", 8080), "https", "1.1")
    try:
        for last, base in [(LAST, BASE), ((("other", 8080), "https", "1.1", other), other), (LAST, BASE)]:
            scope = _scope(server=last[0], scheme=last[1])
            compiled = aio._compiled_environ(scope, last, aio._ENVIRON_KEYS, sys.stderr)  # type: ignore[misc]
            python = aio.environ_py(scope, base)
            assert compiled == python and list(compiled) == list(python)
            assert compiled["SERVER_NAME"] == base["SERVER_NAME"] and compiled is not base
        assert "REQUEST_METHOD" not in BASE and "REQUEST_METHOD" not in other  # neither base is written to
    finally:
        aio._base(("testserver", 80), "http", "1.1")


header_names = st.sampled_from([b"host", b"accept", b"content-type", b"content-length", b"cookie", b"x-a",
                                b"x_forwarded_for", b"X-Mixed-Case", b"transfer-encoding"])
latin1 = st.binary(max_size=12)
scopes = st.fixed_dictionaries({
    "path": st.one_of(st.just("/"), st.text(max_size=12).map(lambda t: "/" + t), st.just("")),
    "root_path": st.sampled_from(["", "/api", "/api/", "/caf\u00e9"]),
    "method": st.sampled_from(["GET", "POST", "HEAD", "", "get"]),
    "query_string": st.one_of(latin1, st.none()),
    "client": st.one_of(st.none(), st.tuples(st.sampled_from(["10.0.0.1", "::1"]), st.integers(0, 65535)),
                        st.tuples(st.just("10.0.0.1"), st.sampled_from(["5123", "", "x"])),  # text (granian)
                        st.just(["h", 1])),
    "headers": st.lists(st.tuples(header_names, st.one_of(latin1, st.sampled_from([b"0", b"5", b"chunked"]))),
                        max_size=6),
})


@needs_compiled
@settings(max_examples=int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "300")), deadline=None)
@given(scopes)
def test_compiled_and_python_builders_agree(changes: dict[str, Any]) -> None:
    scope = _scope(**changes)
    compiled = _compiled(scope)
    if compiled is None:
        assert _needs_python(scope), scope  # only the uncommon cases are handed over
    else:
        python = aio.environ_py(scope, BASE)
        assert compiled == python and list(compiled) == list(python)
        # Handed NO_BODY, it gives it to the requests the Python rule finds bodiless, and only those.
        marked = _compiled(scope, no_body=aio.NO_BODY)
        assert marked is not None and (marked.pop("wsgi.input", None) is aio.NO_BODY) is aio.bodiless(python)
        assert marked == python


def _needs_python(scope: dict[str, Any]) -> bool:
    keys = [aio._ENVIRON_KEYS[name] for name, _ in scope["headers"]]
    kept = [k for k in keys if k and k != "CONTENT_TYPE"]
    return (scope["root_path"] != "" or not scope["path"] or not scope["path"].isascii() or not scope["method"]
            or scope["query_string"] is None or isinstance(scope["client"], list) or len(set(kept)) != len(kept))
