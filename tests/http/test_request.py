"""manypaths.http.request: lazy parsing of the environ, limits and bad input as 4xx."""

from __future__ import annotations

import io

import pytest

from manypaths.http.exceptions import BadRequest, RequestEntityTooLarge, UnsupportedMediaType
from manypaths.http.request import MAX_FIELDS, Request, parse_qs


def _request(body: bytes = b"", **environ: str) -> Request:
    base = {"REQUEST_METHOD": "POST", "PATH_INFO": "/p", "SERVER_NAME": "h", "SERVER_PORT": "80",
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "CONTENT_LENGTH": str(len(body))}
    return Request({**base, **environ})


def test_query_parsing() -> None:
    q = parse_qs("a=1&a=2&b=%C3%A9&c=x+y&&d")
    assert q.getlist("a") == ["1", "2"] and q["b"] == "é" and q["c"] == "x y" and q["d"] == ""
    with pytest.raises(BadRequest, match="Too many fields"):
        parse_qs("&".join(f"f{i}=1" for i in range(MAX_FIELDS + 1)))


def test_json_body_and_its_errors() -> None:
    assert _request(b'{"a": 1}', CONTENT_TYPE="application/json").get_json() == {"a": 1}
    with pytest.raises(BadRequest):
        _request(b"{not json", CONTENT_TYPE="application/json").get_json()
    with pytest.raises(UnsupportedMediaType):
        _request(b"{}", CONTENT_TYPE="text/plain").get_json()
    assert _request(b"{not json", CONTENT_TYPE="application/json").get_json(silent=True) is None
    deep = b"[" * 100_000 + b"]" * 100_000
    with pytest.raises(BadRequest):
        _request(deep, CONTENT_TYPE="application/json").get_json()


@pytest.mark.parametrize("length", ["abc", "-1"])
def test_a_bad_content_length_is_a_400(length: str) -> None:
    with pytest.raises(BadRequest):
        _request(b"x", CONTENT_LENGTH=length).get_data()


def test_limits() -> None:
    r = _request(b"x" * 100)
    r.max_content_length = 50
    with pytest.raises(RequestEntityTooLarge):
        r.get_data()
    r = _request(b"x" * 100)
    r.max_buffered_content_length = 99
    with pytest.raises(RequestEntityTooLarge):
        r.get_data()
    r = _request(b"x" * 100)
    r.max_buffered_content_length = 99
    assert r.stream.read() == b"x" * 100  # a stream is not bounded by the buffered limit
    chunked = _request(b"y" * 100, **{"wsgi.input_terminated": True})  # type: ignore[arg-type]
    del chunked.environ["CONTENT_LENGTH"]
    chunked.max_buffered_content_length = 10
    with pytest.raises(RequestEntityTooLarge):
        chunked.get_data()


def test_urlencoded_form_cookies_and_url_parts() -> None:
    r = _request(b"a=1&b=%20x", CONTENT_TYPE="application/x-www-form-urlencoded", QUERY_STRING="q=1",
                 HTTP_COOKIE="s=abc; t=1", SCRIPT_NAME="/api", HTTP_HOST="example.org")
    assert r.form["b"] == " x" and r.values.getlist("q") == ["1"] and r.cookies == {"s": "abc", "t": "1"}
    assert r.path == "/p" and r.script_root == "/api" and r.url == "http://example.org/api/p?q=1"
    assert r.host == "example.org" and r.full_path == "/p?q=1"
