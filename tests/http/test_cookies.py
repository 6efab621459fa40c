"""Cookies: ``Set-Cookie`` values made by manypaths.http.cookies, ``Cookie`` headers parsed by the request."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from manypaths.http.cookies import dump_cookie
from manypaths.http.request import parse_cookie
from manypaths.http.response import Response


def test_dump_cookie_attributes() -> None:
    assert dump_cookie("a", "1") == "a=1; Path=/"
    value = dump_cookie("s", "x", max_age=60, domain="example.org", secure=True, httponly=True, samesite="lax")
    parts = value.split("; ")
    assert parts[0] == "s=x" and "Domain=example.org" in parts and "Max-Age=60" in parts
    assert "Secure" in parts and "HttpOnly" in parts and "SameSite=Lax" in parts
    assert any(p.startswith("Expires=") and p.endswith(" GMT") for p in parts)  # for clients before Max-Age


def test_values_are_quoted_and_round_trip() -> None:
    for value in ["plain", "with space", 'quote"and\\slash', "semi;colon", "ünïcode", ""]:
        header = dump_cookie("k", value, path=None)
        assert "\r" not in header and "\n" not in header
        assert parse_cookie(header.split("; ")[0]) == {"k": value}


@pytest.mark.parametrize("key", ["", "a b", "a=b", "a;b", 'a"b', "\u00e9"])
def test_bad_names_are_refused(key: str) -> None:
    with pytest.raises(ValueError, match="not a valid cookie name"):
        dump_cookie(key, "v")


@pytest.mark.parametrize("field,value", [("domain", "a.org;x=1"), ("path", "/\r\nX: y"), ("domain", "é.org")])
def test_attributes_cannot_inject(field: str, value: str) -> None:
    with pytest.raises(ValueError, match="must be ASCII text"):
        dump_cookie("k", "v", **{field: value})  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="samesite"):
        dump_cookie("k", "v", samesite="sometimes")


def test_parse_cookie_skips_malformed_pieces_and_keeps_the_first() -> None:
    assert parse_cookie("a=1; junk; =x; b=2; a=3;;c=\"q\\\"d\"") == {"a": "1", "b": "2", "c": 'q"d'}


def test_response_set_and_delete_cookie() -> None:
    r = Response("x")
    r.set_cookie("a", "1", httponly=True)
    r.delete_cookie("b", path="/x")
    cookies = r.headers.getlist("Set-Cookie")
    assert cookies[0] == "a=1; HttpOnly; Path=/"
    assert cookies[1].startswith("b=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Max-Age=0") and "Path=/x" in cookies[1]


@pytest.mark.parametrize(("header", "expected"), [
    ('a="\\141bc"', "abc"),  # an octal escape
    ('a="\\999"', "999"),  # 9 is not octal: the backslash escapes the next character (it was a 500)
    ('a="\\8x"', "8x"),
    ('a="\\477"', "477"),  # past \\377: not an escape
    # (WSGI strings: the header's UTF-8 bytes as latin-1 code points, as a server passes them)
    ('a="\\\u00b2\u00b2\u00b2"'.encode().decode("latin-1"), "\u00b2\u00b2\u00b2"),  # str.isdigit() says yes to ²
    ('a="\\\u0661\u0662\u0663"'.encode().decode("latin-1"), "\u0661\u0662\u0663"),  # ARABIC-INDIC digits too
    ('a="\\"', "\\"),
])
def test_escapes_in_quoted_values(header: str, expected: str) -> None:
    assert parse_cookie(header) == {"a": expected}


# Quoted values made of the pieces the unquoting reads: backslashes, digit runs (octal or not, of
# other scripts too), quotes and separators.
CONTENT = st.lists(st.one_of(st.sampled_from(["\\", '"', ";", " ", "=", "\u00b2", "\u0661", "a"]),
                             st.text(alphabet="0123456789", min_size=1, max_size=4)), max_size=8).map("".join)
PAIR = st.one_of(st.tuples(st.sampled_from(["a", "b", "", " c"]), st.just('="'), CONTENT, st.just('"')).map("".join),
                 st.text(alphabet='"\\;= a0123456789\u00b2', max_size=10))


@settings(max_examples=400, deadline=None)
@given(st.lists(PAIR, max_size=4).map("; ".join))
def test_any_cookie_header_parses_without_an_error(header: str) -> None:
    cookies = parse_cookie(header)
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in cookies.items())
