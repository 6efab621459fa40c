"""Cookies: ``Set-Cookie`` values made by manypaths.http.cookies, ``Cookie`` headers parsed by the request."""

from __future__ import annotations

import pytest

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
