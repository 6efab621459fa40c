"""The JSON answers' writer: the compiled one (http/_speedups.c: Encoder) writes exactly the bytes of the
Python encoder (``json_text(value).encode("ascii")``: Flask's compact, sorted, ASCII text) for every
value it takes, and hands every other value to it (which also raises json's errors)."""

from __future__ import annotations

import dataclasses
import datetime
import json
import math
import os
import sys
import uuid
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manypaths import App
from manypaths.http import response as responses
from manypaths.http.response import json_bytes, json_text
from tests.builds import needs_compiled


def _python(value: Any) -> bytes:
    return json_text(value).encode("ascii")


class _Counting:
    """The compiled Encoder with a fallback that notes what it was handed."""

    def __init__(self) -> None:
        from manypaths.http._speedups import Encoder

        self.handed: list[Any] = []
        self.encode = Encoder(self._fallback)

    def _fallback(self, value: Any) -> bytes:
        self.handed.append(value)
        return _python(value)

    def __call__(self, value: Any) -> bytes:
        return self.encode(value)


scalars = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True), st.text(), st.text(alphabet=st.characters(max_codepoint=0x7f)),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=6), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=8), inner, max_size=6)),
    max_leaves=30,
)


@needs_compiled
@settings(max_examples=int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "500")), deadline=None)
@given(values)
def test_the_compiled_writer_gives_the_python_encoders_bytes(value: Any) -> None:
    encode = _Counting()
    assert encode(value) == _python(value)


@needs_compiled
def test_what_the_compiled_writer_writes_itself() -> None:
    encode = _Counting()
    written = [
        {"message": "Hello, World!"}, ["Hello", "World"], "caf\u00e9 \U0001f600 \"q\" \\ \n\r\t\b\f\x00\x1f\x7f",
        {"b": 1, "a": [1.5, None, True, False, -3, (1, 2)], "c": {}, "": []}, -0.0, 1e16, 1e-7, 2**63 - 1, -(2**63),
        math.inf, -math.inf, math.nan, {f"k{i:03}": i for i in range(100, 0, -1)},  # > 32 keys: sorted by a list
        "x" * 5000, ["\u20ac" * 300] * 10,  # past the stack buffer
        {"z": 1, "Z": 2, "\u00e9": 3, "e": 4, "\U0001f600": 5, "\uffff": 6},  # code point order
        # every ASCII character alone, in an ASCII text and in a wider one (the ASCII text's own loop)
        *(chr(c) for c in range(128)), "".join(map(chr, range(128))), "".join(map(chr, range(128))) + "\u00e9",
        "\u00e9\u00ff\u0100\ud7ff\ue000\U00010000\U0010ffff",
    ]
    for value in written:
        assert encode(value) == _python(value), value
    assert encode.handed == []
    assert encode(2**63) == b"9223372036854775808\n" and encode.handed == [2**63]  # past 64 bits: Python's


@needs_compiled
def test_what_the_compiled_writer_hands_to_python() -> None:
    class Text(str):
        pass

    @dataclasses.dataclass
    class Point:
        x: int

    handed = [
        Text("a"), OrderedDict(a=1), {1: "a"}, {2: "b", 1: "a"}, [datetime.date(2026, 1, 2)], uuid.UUID(int=7),
        Point(1), {"a": [Point(2)]},
    ]
    for value in handed:
        encode = _Counting()
        assert encode(value) == _python(value) and encode.handed == [value], value
    encode = _Counting()
    assert encode(10**30) == _python(10**30) and encode.handed == [10**30]
    deep: Any = "leaf"
    for _ in range(100):  # deeper than the compiled writer goes: Python's (which still writes it)
        deep = [deep]
    encode = _Counting()
    assert encode(deep) == _python(deep) and encode.handed == [deep]


@needs_compiled
def test_the_python_encoders_errors_come_through() -> None:
    encode = _Counting()
    with pytest.raises(TypeError, match="not JSON serializable"):
        encode({"a": object()})
    with pytest.raises(TypeError):
        encode({"a": 1, 2: 3})  # str and int keys cannot be sorted together
    looped: list[Any] = []
    looped.append(looped)
    with pytest.raises((RecursionError, ValueError)):
        encode(looped)
    if hasattr(sys, "set_int_max_str_digits"):
        with pytest.raises(ValueError):
            encode(10**5000)  # past the int-to-str digit limit, as json.dumps
    with pytest.raises(TypeError):
        encode()  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        encode(1, 2)  # type: ignore[call-arg]
    from manypaths.http._speedups import Encoder

    with pytest.raises(TypeError, match="callable"):
        Encoder(1)  # type: ignore[arg-type]


def test_json_bytes_uses_the_compiled_writer_where_built() -> None:
    writer = responses.json_bytes_encoder()
    compiled = type(writer).__name__ == "Encoder"
    required = bool(os.environ.get("MANYPATHS_REQUIRE_COMPILED")) and not os.environ.get("MANYPATHS_PURE")
    assert compiled or not required, "the compiled JSON writer is not built (make test builds it)"
    if compiled:
        assert writer.fallback is responses._python_json_bytes  # type: ignore[attr-defined]
    assert json_bytes({"b": [1, 2.5], "a": "\u00e9"}) == b'{"a":"\\u00e9","b":[1,2.5]}\n'
    assert json_bytes({"b": [1, 2.5], "a": "\u00e9"}) == json.dumps(
        {"b": [1, 2.5], "a": "\u00e9"}, separators=(",", ":"), sort_keys=True).encode() + b"\n"


def test_an_app_answers_the_same_json_on_each_road() -> None:
    value = {"name": "caf\u00e9", "tags": ["a", "b"], "n": 1.5, "when": datetime.date(2026, 1, 2), "none": None}
    app = App(__name__)
    app.add_url_rule("/fast", "fast", lambda: value)
    app.add_url_rule("/tuple", "tuple", lambda: (value, 201, {"X-A": "1"}))
    hooked = App(__name__)  # an after-request hook: the make_response road
    hooked.add_url_rule("/fast", "fast", lambda: value)
    hooked.after_request(lambda response: response)
    expected = _python(value)
    client = app.test_client()
    for path in ("/fast", "/tuple"):
        answer = client.get(path)
        assert answer.data == expected and answer.headers["Content-Type"] == "application/json"
        assert answer.headers["Content-Length"] == str(len(expected))
    answer = hooked.test_client().get("/fast")
    assert answer.data == expected and answer.headers["Content-Type"] == "application/json"


# A view's dict of headers: the compiled check (view_headers) gives the pairs Python's merge gives,
# or hands the dict to Python (None) when a pair needs its checks or its merge.
header_names = st.one_of(st.sampled_from(["X-Id", "x-id", "Cache-Control", "Content-Type", "content-length", "Vary",
                                          "", "X:A", "X\nA", "X\u00e9", "Set-Cookie"]),
                         st.text(max_size=6))
header_values = st.one_of(st.sampled_from(["7", "", "a b", "caf\u00e9", "\u20ac", "a\r\nX: 1", "a\x00", "x" * 300]),
                          st.text(max_size=6), st.integers(), st.lists(st.sampled_from(["1", "2"]), max_size=2))


def _python_pairs(data: bytes, content_type: str, headers: dict[Any, Any]) -> list[tuple[str, str]] | None:
    from manypaths.http.datastructures import InvalidHeader, header_pairs, merged_headers

    try:
        given = header_pairs(headers)
    except (InvalidHeader, TypeError, AttributeError):
        return None  # make_response's error
    return merged_headers([("Content-Type", content_type), ("Content-Length", str(len(data)))], given)


@needs_compiled
@settings(max_examples=int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "500")), deadline=None)
@given(st.dictionaries(header_names, header_values, max_size=5), st.binary(max_size=20))
def test_the_compiled_header_check_gives_pythons_pairs_or_hands_over(headers: dict[Any, Any], data: bytes) -> None:
    from manypaths.http._speedups import view_headers

    compiled = view_headers(data, "text/plain", headers)
    python = _python_pairs(data, "text/plain", headers)
    if compiled is not None:
        assert compiled == python
        assert all(type(k) is str and type(v) is str for k, v in compiled)
    plain = all(type(k) is str and type(v) is str and k and k.isascii() and not set(k) & set("\r\n\x00:")
                and not set(v) & set("\r\n\x00") and all(ord(c) < 256 for c in v) for k, v in headers.items())
    lowers = [k.lower() for k in headers if type(k) is str]
    if plain and len(set(lowers)) == len(lowers) and not {"content-type", "content-length"} & set(lowers):
        assert compiled is not None, headers  # the common case is taken in C


@needs_compiled
def test_the_compiled_header_check_refuses_what_it_must() -> None:
    from manypaths.http._speedups import view_headers

    assert view_headers(b"abc", "t", {"X-Id": "7"}) == [("Content-Type", "t"), ("Content-Length", "3"), ("X-Id", "7")]
    for headers in ({"X-A": "a\r\nSet-Cookie: x=1"}, {"X-A\n": "1"}, {"X-A": "\u20ac"}, {"X\u00e9": "1"}, {"": "1"},
                    {"X-A": 1}, {"X-A": ["1"]}, {1: "1"}, {"content-TYPE": "x"}, {"Content-Length": "9"},
                    {"X-A": "1", "x-a": "2"}, {f"X-{i}": "1" for i in range(17)}):
        assert view_headers(b"abc", "t", headers) is None, headers
    with pytest.raises(TypeError):
        view_headers("abc", "t", {})  # type: ignore[arg-type]


@needs_compiled
def test_the_compiled_header_check_keeps_only_pairs_of_objects_held_elsewhere() -> None:
    # A view's constant header (its name and value held by its code) is checked and paired once and
    # the pair shared after; a value made for one request alone (held by the dict only) is not kept.
    from manypaths.http._speedups import view_headers

    held = "".join(["v", "-held"])  # (held by this frame, as a constant is by its code)
    first = view_headers(b"abc", "t", {"X-Held": held})
    assert first is not None and view_headers(b"abc", "t", {"X-Held": held})[2] is first[2]  # type: ignore[index]
    made = view_headers(b"abc", "t", {"X-Made": "".join(["once-", str(id(first))])})  # the dict alone holds it
    assert made is not None
    pair = made[2]  # (from here on the value is held by this pair too)
    again = view_headers(b"abc", "t", {"X-Made": pair[1]})
    assert again is not None and again[2] == pair and again[2] is not pair  # it was not kept
    assert view_headers(b"abc", "t", {"X-Made": pair[1]})[2] is again[2]  # type: ignore[index]  # now it is
    # A kept pair is not a pass for the rest of the dict: names alike are still handed over.
    assert view_headers(b"abc", "t", {"X-Held": held, "x-held": "2"}) is None


# A view's tuple: the compiled tuple_answer gives dispatch's Python answer (_tuple_rv) or hands the
# tuple to it (None); the common forms are taken in C.
bodies = st.one_of(st.text(max_size=8), st.binary(max_size=8), st.just("\ud800"), st.just("caf\u00e9"),
                   st.dictionaries(st.text(max_size=3), st.integers(), max_size=2), st.lists(st.integers(), max_size=2),
                   st.just({1: 2}), st.just([datetime.date(2026, 1, 2)]), st.just(None), st.just(b"x".decode))
codes = st.one_of(st.sampled_from([200, 201, 204, 304, 404, 418, 503, 100, 999, True, "201", 201.0]),
                  st.integers(-5, 700))
view_headers_dicts = st.one_of(st.none(), st.dictionaries(header_names, header_values, max_size=3),
                               st.just([("X-A", "1")]), st.just({}))
tuples = st.one_of(st.tuples(bodies, codes), st.tuples(bodies, view_headers_dicts), st.tuples(bodies, codes, view_headers_dicts),
                   st.tuples(bodies), st.tuples(bodies, codes, view_headers_dicts, st.none()))


class _Request:
    post_view = False


@needs_compiled
@settings(max_examples=int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "500")), deadline=None)
@given(tuples, st.booleans())
def test_the_compiled_tuple_answer_gives_pythons_answer_or_hands_over(rv: tuple[Any, ...], json_ok: bool) -> None:
    from manypaths import dispatch
    from manypaths.http._speedups import tuple_answer

    app = App(__name__)
    if not json_ok:
        app.config["DEBUG"] = True  # a debug app's JSON is pretty-printed: not the fast writer's
    compiled = tuple_answer(rv, dispatch.FAST_STATUS, app._json_stock and not app._debug)
    if compiled is None:
        return
    with app.test_request_context("/"):
        python = dispatch._tuple_rv(app, _Request(), rv)  # type: ignore[arg-type]
    assert type(python) is tuple and compiled == python
    assert all(type(part) is type(other) for part, other in zip(compiled, python))


@needs_compiled
def test_what_the_compiled_tuple_answer_takes() -> None:
    from manypaths import dispatch
    from manypaths.http._speedups import tuple_answer

    fast = dispatch.FAST_STATUS
    html, js = "text/html; charset=utf-8", "application/json"
    assert tuple_answer(("caf\u00e9", 201), fast, True) == ("caf\u00e9".encode(), html, 201)
    assert tuple_answer((b"x", {"X-A": "1"}), fast, True) == (b"x", None, 200, [("Content-Type", html),
                                                                             ("Content-Length", "1"), ("X-A", "1")])
    assert tuple_answer(({"a": [1]}, 404, {}), fast, True) == (b'{"a":[1]}\n', js, 404)
    assert tuple_answer((["a"], 200, None), fast, True) == (b'["a"]\n', js, 200)
    for declined in [("x",), ("x", 204), ("x", 304), ("x", 101), ("x", True), ("x", "201"), ("x", 200, [("X", "1")]),
                     ({"a": 1}, 200), ([datetime.date(2026, 1, 2)], 200), ("\ud800", 200), (None, 200),
                     ("x", 200, {"X-A": "a\nb"}), ("x", 200, {"Content-Type": "text/plain"}), ("x", 200, {}, None)]:
        json_ok = not (type(declined[0]) is dict and len(declined) == 2 and declined[1] == 200)
        assert tuple_answer(declined, fast, json_ok) is None, declined
    assert tuple_answer("x", fast, True) is None


@needs_compiled
def test_the_compiled_answers_carry_dispatchs_content_type_objects() -> None:
    # The drivers tell HTML from JSON answers by identity (their header bytes are made once).
    from manypaths import dispatch

    html = dispatch._load_tuple_answer(("x", 201), dispatch.FAST_STATUS, True)
    js = dispatch._tuple_answer(({"a": 1}, 201), dispatch.FAST_STATUS, True)
    assert type(dispatch._tuple_answer).__name__ == "builtin_function_or_method"
    assert html[1] is dispatch.HTML and js[1] is dispatch.JSON


class _Changer:
    """Cyclic garbage whose finalizer changes ``target`` (run by whichever allocation starts a collection)."""

    def __init__(self, change: Any) -> None:
        self.change = change
        self.me = self

    def __del__(self) -> None:
        self.change()


@needs_compiled
def test_a_collection_during_a_compiled_answer_changes_nothing_under_it() -> None:
    # With the collector's threshold at 1, the first object it tracks that C code allocates starts a
    # collection, and a finalizer changes the very containers being written. The JSON walk allocates no
    # such object (the bytes are the snapshot's); the header list is made of the pairs the dict held
    # when it was checked (held while the list is made), never of pairs freed under it.
    import gc

    from manypaths.http._speedups import Encoder, view_headers

    encode = Encoder(_python)
    thresholds = gc.get_threshold()
    try:
        for _ in range(20):
            inner = ["a"] * 40
            value = {f"k{i:02}": inner for i in range(40)}  # > 32 keys: the sorted-array road
            expected = _python(value)
            _Changer(lambda value=value, inner=inner: (inner.clear(), value.clear()))
            gc.set_threshold(1)
            got = encode(value)
            gc.set_threshold(*thresholds)
            gc.collect()
            assert got == expected
            headers = {"X-A": "1", "X-B": "2", f"X-C{len(expected)}": "3" * (len(expected) % 7)}
            checked = list(headers.items())
            _Changer(lambda headers=headers: (headers.clear(), headers.update({f"Y-{i}": "w" for i in range(10)})))
            gc.set_threshold(1)
            pairs = view_headers(b"x", "t", headers)
            gc.set_threshold(*thresholds)
            gc.collect()
            assert pairs == [("Content-Type", "t"), ("Content-Length", "1"), *checked]
    finally:
        gc.set_threshold(*thresholds)


# -- the route path check (http/_speedups.c: plain_path; dispatch._python_plain_path in the pure build) --

class _Text(str):
    pass


paths = st.one_of(st.text(max_size=8), st.text(max_size=8).map(lambda t: "/" + t), st.sampled_from(
    ["/", "//", "//x", "/x//", "", "x/", "/caf\u00e9", "/\x00", "/\x7f"]))


@needs_compiled
@settings(max_examples=int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "500")), deadline=None)
@given(st.one_of(paths, st.none(), st.builds(bytes, st.binary(max_size=4)), paths.map(_Text)))
def test_the_compiled_path_check_is_the_python_one(path: Any) -> None:
    from manypaths import dispatch
    from manypaths.http._speedups import plain_path

    assert plain_path(path) is dispatch._python_plain_path(path)


@settings(max_examples=int(os.environ.get("MANYPATHS_FUZZ_EXAMPLES", "300")), deadline=None)
@given(paths)
def test_a_plain_path_is_what_request_path_gives(path: str) -> None:
    # What _view_value keeps as request.path without working it out must be what Request.path works out.
    from manypaths import dispatch
    from manypaths.http.request import Request

    if dispatch._python_plain_path(path):
        assert Request({"PATH_INFO": path, "SCRIPT_NAME": "", "REQUEST_METHOD": "GET"}).path == path
    assert dispatch._python_plain_path("/users/7") and not dispatch._python_plain_path("//evil.example/x")
