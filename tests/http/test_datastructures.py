"""manypaths.http.datastructures: Headers (case-insensitive, ordered, safe), EnvironHeaders, MultiDict."""

from __future__ import annotations

import pytest

from manypaths.http.datastructures import EnvironHeaders, Headers, InvalidHeader, MultiDict
from manypaths.http.exceptions import BadRequestKeyError


def test_headers_are_case_insensitive_and_keep_order() -> None:
    h = Headers([("Content-Type", "text/plain"), ("X-A", "1")])
    h.add("x-a", "2")
    assert h["content-type"] == "text/plain" and h.getlist("X-A") == ["1", "2"]
    h.set("X-A", "3")
    assert h.items() == [("Content-Type", "text/plain"), ("X-A", "3")]
    assert "x-a" in h and len(h) == 2
    assert h.pop("X-A") == "3" and h.pop("X-A", "gone") == "gone"
    assert h.get("X-Num", type=int) is None and Headers({"X-Num": "7"}).get("x-num", type=int) == 7


@pytest.mark.parametrize("key,value", [("X-A", "a\r\nSet-Cookie: x=1"), ("X-A", "a\nb"), ("X-A\n", "v"),
                                       ("X:A", "v"), ("", "v"), ("X-A", "nul\x00"), ("X-A", "snowman \u2603")])
def test_headers_refuse_response_splitting_and_unsendable_values(key: str, value: str) -> None:
    with pytest.raises(InvalidHeader):
        Headers().set(key, value)
    assert issubclass(InvalidHeader, ValueError)


def test_add_vary_merges_without_duplicates() -> None:
    h = Headers()
    h.add_vary("Origin")
    h.add_vary("accept-encoding")
    h.add_vary("origin")
    assert h.getlist("Vary") == ["Origin", "accept-encoding"]
    h = Headers({"Vary": "*"})
    h.add_vary("Cookie")
    assert h.getlist("Vary") == ["*"]


def test_environ_headers_read_cgi_keys() -> None:
    h = EnvironHeaders({"HTTP_X_REQUEST_ID": "abc", "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": "3",
                        "HTTP_HOST": "h", "wsgi.input": None, "SERVER_NAME": "s"})
    assert h["X-Request-Id"] == "abc" and h["content-type"] == "application/json" and h["Content-Length"] == "3"
    assert "Server-Name" not in h


def test_multidict_first_value_lists_and_a_400_for_a_missing_key() -> None:
    d = MultiDict([("a", "1"), ("a", "2"), ("b", "x")])
    assert d["a"] == "1" and d.getlist("a") == ["1", "2"] and list(d.items(multi=True))[:2] == [("a", "1"), ("a", "2")]
    assert d.get("a", type=int) == 1 and d.get("b", type=int) is None and d.getlist("a", type=int) == [1, 2]
    assert d.to_dict() == {"a": "1", "b": "x"} and d.to_dict(flat=False)["a"] == ["1", "2"]
    with pytest.raises(BadRequestKeyError):
        d["missing"]
