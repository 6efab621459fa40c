"""Ranges and conditional requests: manypaths.http.caching and Response.make_conditional."""

from __future__ import annotations

import pytest

from manypaths.http.caching import byte_range, etag_matches, parse_date, quote_etag, unquote_etag
from manypaths.http.exceptions import RequestedRangeNotSatisfiable
from manypaths.http.response import Response


@pytest.mark.parametrize("header,expected", [
    ("bytes=0-4", (0, 5)), ("bytes=5-", (5, 10)), ("bytes=-3", (7, 10)), ("bytes=2-100", (2, 10)),
    ("bytes=-100", (0, 10)), ("items=0-1", None), ("bytes=0-1,3-4", None), (" bytes = 1 - 2 ", (1, 3)),
])
def test_byte_range(header: str, expected: tuple[int, int] | None) -> None:
    assert byte_range(header, 10) == expected


@pytest.mark.parametrize("header", ["bytes", "bytes=a-b", "bytes=-", "bytes=5-2", "bytes=10-", "bytes=-0",
                                    "bytes=１-2", "bytes=--1"])
def test_malformed_or_unsatisfiable_ranges_raise(header: str) -> None:
    with pytest.raises(ValueError):
        byte_range(header, 10)


def test_etags() -> None:
    assert quote_etag("abc") == '"abc"' and quote_etag("abc", weak=True) == 'W/"abc"'
    assert unquote_etag('W/"abc"') == ("abc", True) and unquote_etag('"abc"') == ("abc", False)
    assert etag_matches('"x", "abc"', "abc") and etag_matches("*", "abc") and not etag_matches('"x"', "abc")
    assert parse_date("Sun, 06 Nov 1994 08:49:37 GMT") is not None and parse_date("not a date") is None


def _environ(**headers: str) -> dict[str, str]:
    return {"REQUEST_METHOD": "GET", **{f"HTTP_{k.upper()}": v for k, v in headers.items()}}


def test_make_conditional_serves_a_range_a_304_and_a_416() -> None:
    r = Response(b"0123456789", content_type="application/octet-stream")
    r.make_conditional(_environ(range="bytes=2-4"), accept_ranges=True, complete_length=10)
    assert r.status_code == 206 and r.get_data() == b"234" and r.headers["Content-Range"] == "bytes 2-4/10"
    r = Response(b"0123456789")
    r.set_etag("v1")
    r.make_conditional(_environ(if_none_match='"v1"'))
    sent: list[object] = []
    assert r.status_code == 304 and b"".join(r({"REQUEST_METHOD": "GET"}, lambda *a: sent.append(a))) == b""
    r = Response(b"0123456789")
    with pytest.raises(RequestedRangeNotSatisfiable):
        r.make_conditional(_environ(range="bytes=20-"), accept_ranges=True, complete_length=10)


def test_if_range_with_another_etag_sends_the_whole_body() -> None:
    r = Response(b"0123456789")
    r.set_etag("v2")
    r.make_conditional(_environ(range="bytes=0-1", if_range='"v1"'), accept_ranges=True, complete_length=10)
    assert r.status_code == 200 and r.get_data() == b"0123456789"
