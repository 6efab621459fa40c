"""``Response(text)`` keeps its text and makes its headers and body list when first read: whatever
is done to it after (a header, a status, a cookie, a new body, a close callback), it answers exactly
what a Response made the eager way answers. The App answers one nothing has touched as it answers
the text itself (``dispatch.finish``); everything else is the Response itself.

Both ``__init__``s are held to it: the Python one (the pure build) and the compiled one
(``http/_speedups.c``, bound with the first Response a view returns), and both answer functions.
"""

from __future__ import annotations

import copy
import inspect
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from manypaths import App, Response, dispatch
from manypaths.http import response as responses
from manypaths.http.datastructures import Headers
from manypaths.testing import build_environ
from tests.builds import needs_compiled

TEXT = "made by hand, grüße"


def _python_made(text: Any, *args: Any, **kwargs: Any) -> Response:
    response = object.__new__(Response)
    responses._python_init(response, text, *args, **kwargs)
    return response


def _compiled_made(text: Any, *args: Any, **kwargs: Any) -> Response:
    assert responses.bind_compiled_init(), "the compiled part is not built"
    return Response(text, *args, **kwargs)


def _eager(text: str) -> Response:
    # A mimetype given: the Python __init__ makes headers and body at once (the old way for all).
    return Response(text, mimetype="text/html")


MAKERS = [pytest.param(_python_made, id="python __init__"),
          pytest.param(_compiled_made, id="compiled __init__", marks=needs_compiled)]


def _served(response: Response, method: str = "GET") -> tuple[str, list[tuple[str, str]], bytes]:
    seen: list[Any] = []
    body = response(build_environ("/", method), lambda status, headers, exc_info=None: seen.extend([status, headers]))
    try:
        return seen[0], list(seen[1]), b"".join(body)
    finally:
        if hasattr(body, "close"):
            body.close()


def _closed(response: Response) -> None:
    response.call_on_close(lambda: CLOSED.append(1))


CLOSED: list[int] = []

# What a view may do to the Response it made, each compared with the same done to an eager one.
STORIES: dict[str, Callable[[Response], Any]] = {
    "nothing": lambda r: None,
    "a header set": lambda r: r.headers.set("X-Id", "7"),
    "a header added by item": lambda r: r.headers.__setitem__("X-Id", "7"),
    "the body list replaced": lambda r: setattr(r, "response", [b"another body, same size!"]),
    "the headers replaced": lambda r: setattr(r, "headers", Headers({"X-Only": "1"})),
    "the status set": lambda r: setattr(r, "status", 201),
    "the status code set": lambda r: setattr(r, "status_code", 410),
    "a status line set": lambda r: setattr(r, "status", "299 Fine"),
    "no content": lambda r: setattr(r, "status_code", 204),
    "a cookie": lambda r: r.set_cookie("a", "1", httponly=True),
    "the data set": lambda r: setattr(r, "data", "new text"),
    "set_data": lambda r: r.set_data(b"bytes now"),
    "the mimetype set": lambda r: setattr(r, "mimetype", "text/plain"),
    "the content type set": lambda r: setattr(r, "content_type", "application/xml"),
    "an etag": lambda r: r.set_etag("abc"),
    "the body read": lambda r: r.get_data(),
    "another attribute": lambda r: setattr(r, "direct_passthrough", True),
    "a close callback": _closed,
    "copied": lambda r: copy.copy(r),
}


@pytest.mark.parametrize("text", ["made by hand", TEXT])
@pytest.mark.parametrize("make", MAKERS)
@pytest.mark.parametrize("story", list(STORIES))
def test_a_response_made_of_text_answers_what_an_eager_one_answers(make: Callable[..., Response], story: str,
                                                                  text: str) -> None:
    lazy, eager = make(text), _eager(text)
    # The text is kept, its headers made when first read (by the Python __init__: ASCII text only).
    assert ("headers" in lazy.__dict__) is (make is _python_made and not text.isascii())
    STORIES[story](lazy)
    STORIES[story](eager)
    CLOSED.clear()
    for method in ("GET", "HEAD"):
        assert _served(lazy, method) == _served(eager, method), (story, method)
    assert lazy.get_data() == eager.get_data() and lazy.status == eager.status
    assert list(lazy.headers.items()) == list(eager.headers.items())
    if story == "a close callback":
        assert CLOSED == [1, 1]  # each called once (close() forgets them), as the eager one


@pytest.mark.parametrize("make", MAKERS)
def test_the_app_answers_an_untouched_response_as_its_text_and_a_touched_one_as_itself(
        make: Callable[..., Response]) -> None:
    app = App(__name__)

    @app.get("/")
    def index() -> str:
        return "x"

    app.test_client().get("/")  # decides the road: the fast answers
    request = app.test_request_context("/").request
    assert dispatch.finish(app, request, make("made by hand")) == (b"made by hand", dispatch.HTML)
    for story in ("a header set", "the body list replaced", "the headers replaced", "the status set",
                  "a cookie", "another attribute", "a close callback", "the body read"):
        response = make(TEXT)
        STORIES[story](response)
        assert dispatch.finish(app, request, response) is response, story
    with_status = Response(TEXT, 201)  # (made the eager way: only Response(text) is kept as text)
    assert dispatch.finish(app, request, with_status) is with_status


def test_a_view_returning_response_objects_gets_the_same_answers_through_the_test_client() -> None:
    app = App(__name__)

    @app.get("/plain")
    def plain() -> Any:
        return Response(TEXT)

    @app.get("/touched")
    def touched() -> Any:
        response = Response(TEXT)
        response.headers["X-Touched"] = "1"
        response.status_code = 202
        return response

    class Plain(Response):
        default_mimetype = "text/plain"

    @app.get("/subclass")
    def subclass() -> Any:
        return Plain("plain text")

    client = app.test_client()
    for _ in range(2):  # the first Response a view returns binds the compiled __init__
        got = client.get("/plain")
        assert got.status_code == 200 and got.get_data(as_text=True) == TEXT
        assert got.headers["Content-Type"] == "text/html; charset=utf-8"
        assert got.headers["Content-Length"] == str(len(TEXT.encode()))
        got = client.get("/touched")
        assert (got.status_code, got.headers["X-Touched"], got.get_data(as_text=True)) == (202, "1", TEXT)
        got = client.get("/subclass")
        assert got.headers["Content-Type"] == "text/plain; charset=utf-8" and got.data == b"plain text"
        assert client.head("/plain").data == b""


@pytest.mark.parametrize("make", MAKERS)
def test_text_without_a_utf8_form_fails_where_it_is_made(make: Callable[..., Response]) -> None:
    with pytest.raises(UnicodeEncodeError):
        make("lone \ud800 surrogate")


@pytest.mark.parametrize("make", MAKERS)
def test_every_other_call_is_the_python_init(make: Callable[..., Response]) -> None:
    response = make(TEXT, 201, {"X-A": "1"}, content_type="text/csv")
    assert (response.status, response.headers["X-A"], response.headers["Content-Type"]) == ("201 Created", "1",
                                                                                         "text/csv")
    assert make(b"bytes").get_data() == b"bytes"
    assert make(None).get_data() == b""
    assert make(TEXT, status=None, headers=None).get_data(as_text=True) == TEXT
    with pytest.raises(TypeError):
        make(TEXT, 200, None, None, None, "one too many")
    with pytest.raises(TypeError):
        make(TEXT, nonsense=1)
    with pytest.raises(ValueError, match="invalid status"):
        make(TEXT, "not a status")


@needs_compiled
def test_the_compiled_init_keeps_what_the_signature_and_subclasses_see() -> None:
    before = inspect.signature(responses._python_init)
    assert responses.bind_compiled_init()
    assert Response.__init__ is responses._response_init and Response.__init__ is not responses._python_init
    assert list(inspect.signature(Response).parameters) == list(before.parameters)[1:]

    class Tagged(Response):
        def __init__(self, body: str, tag: str) -> None:
            super().__init__(body)
            self.headers["X-Tag"] = tag

    assert list(inspect.signature(Tagged).parameters) == ["body", "tag"]
    tagged = Tagged("t", "7")
    assert (tagged.headers["X-Tag"], tagged.get_data()) == ("7", b"t")
    assert responses.fast_response(Response, "x", "text/plain").headers["Content-Type"] == "text/plain"
    with pytest.raises(AttributeError, match="'Response' object has no attribute 'nothing'"):
        Response("x").nothing  # type: ignore[attr-defined]  # noqa: B018
    unmade = object.__new__(Response)
    with pytest.raises(AttributeError, match="no attribute 'headers'"):
        unmade.headers  # noqa: B018
    assert responses.bind_compiled_init()  # a second call binds nothing new
    assert Response.__init__ is responses._response_init


def test_the_python_answer_takes_only_a_response_that_has_nothing_but_its_text() -> None:
    assert dispatch._python_response_answer(_python_made("abc")) == (b"abc", dispatch.HTML)
    assert dispatch._python_response_answer(_eager("abc")) is None
    touched = _python_made("abc")
    touched.status_code = 201
    assert dispatch._python_response_answer(touched) is None


@pytest.mark.parametrize("compiled", [pytest.param(False, id="python __init__"),
                                      pytest.param(True, id="compiled __init__", marks=needs_compiled)])
def test_a_subclass_is_made_the_eager_way(compiled: bool) -> None:
    class Own(Response):  # reads missing attributes its own way: nothing may be left to make later
        def __getattr__(self, name: str) -> Any:
            raise AttributeError(name)

    if compiled:
        assert responses.bind_compiled_init()
        made = Own("text")
    else:
        made = object.__new__(Own)
        responses._python_init(made, "text")
    assert (made.headers["Content-Length"], made.get_data()) == ("4", b"text")


@needs_compiled
@pytest.mark.parametrize("change", ["__init__", "__setattr__"])
def test_the_compiled_call_of_response_gives_way_to_what_is_set_on_it_since(change: str) -> None:
    # Response(text) is made by the compiled call of the type itself (no type.__call__, no __init__
    # call) only while Response keeps the __init__, __new__ and __setattr__ it was bound with.
    # (__new__: in a process of its own, below: CPython keeps a class's __new__ slot once set.)
    assert responses.bind_compiled_init()
    assert Response("before").get_data() == b"before"
    bound = Response.__dict__["__init__"]
    seen: list[str] = []

    def init(self: Response, *args: Any, **kwargs: Any) -> None:
        seen.append("init")
        responses._python_init(self, *args, **kwargs)

    def setattr_(self: Response, name: str, value: Any) -> None:
        seen.append(f"set {name}")
        object.__setattr__(self, name, value)

    setattr(Response, change, {"__init__": init, "__setattr__": setattr_}[change])
    try:
        made = Response("after")
    finally:  # Response as it was (__new__ and __setattr__ deleted: set back, they would stay slots)
        if change == "__init__":
            setattr(Response, "__init__", bound)  # noqa: B010
        else:
            delattr(Response, change)
    assert made.get_data() == b"after" and type(made) is Response
    assert seen and seen[0] in ("init", "set _text"), seen
    seen.clear()
    assert Response("again").get_data() == b"again" and seen == []  # (bound again: the compiled call)
    assert Response.__init__ is responses._response_init


@needs_compiled
def test_the_compiled_call_of_response_gives_way_to_a_new_set_on_it() -> None:
    script = """
from manypaths import Response
from manypaths.http import response as responses
assert responses.bind_compiled_init()
seen = []
def new(cls, *args, **kwargs):
    seen.append(args)
    return object.__new__(cls)
Response.__new__ = new
made = Response("after")
assert seen == [("after",)] and made.get_data() == b"after", (seen, made.get_data())
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60,
                          env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[2] / "src")})
    assert done.stdout.strip() == "ok", done.stderr


@needs_compiled
def test_the_compiled_call_of_response_passes_every_other_call_on() -> None:
    assert responses.bind_compiled_init()
    assert Response().get_data() == b""
    assert _served(Response("a", 201)) == _served(_python_made("a", 201))
    assert _served(Response(b"b", headers={"X-Id": "7"})) == _served(_python_made(b"b", headers={"X-Id": "7"}))
    assert _served(Response("c", mimetype="text/plain")) == _served(_python_made("c", mimetype="text/plain"))
    assert _served(Response(response="d")) == _served(_python_made("d"))
    assert _served(Response("caf\u00e9")) == _served(_python_made("caf\u00e9"))
    with pytest.raises(UnicodeEncodeError):
        Response("\ud800").get_data()  # a lone surrogate: the Python __init__'s error
    with pytest.raises(TypeError):
        Response("x", nonsense=1)  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Response("x", 200, None, None, None, "one too many")  # type: ignore[call-arg]

    class Sub(Response):
        pass

    assert type(Sub("s")) is Sub and _served(Sub("s")) == _served(_python_made("s"))
