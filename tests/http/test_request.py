"""manypaths.http.request: lazy parsing of the environ, limits and bad input as 4xx."""

from __future__ import annotations

import io

import pytest

from manypaths.http.exceptions import (
    BadRequest,
    LengthRequired,
    RequestEntityTooLarge,
    RequestTimeout,
    UnsupportedMediaType,
)
from manypaths.http.request import MAX_FIELDS, Request, parse_qs, read_body


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


@pytest.mark.parametrize("length", ["abc", "-1", "+1", "1_0", "0x1", "1.0", "\u0661", "1 1", " "])
def test_a_bad_content_length_is_a_400(length: str) -> None:
    # Only ASCII digits: int() would take "+1", "1_0" and "\u0661" (ARABIC-INDIC DIGIT ONE) as lengths a
    # proxy in front reads otherwise.
    with pytest.raises(BadRequest, match="Content-Length"):
        _request(b"x", CONTENT_LENGTH=length).get_data()


def test_a_content_length_is_digits_with_optional_blanks_and_never_huge() -> None:
    assert _request(b"abc", CONTENT_LENGTH=" 3\t").get_data() == b"abc"
    with pytest.raises(RequestEntityTooLarge, match="declares more bytes"):
        _request(b"x", CONTENT_LENGTH="9" * 5000).get_data()  # (int() of it alone is a ValueError)


class _Trickle(io.RawIOBase):
    """A server input that hands over at most ``step`` bytes a read, and records the sizes asked."""

    def __init__(self, data: bytes, step: int = 1, fail: BaseException | None = None) -> None:
        self._data, self._step, self._fail = data, step, fail
        self.asked: list[int] = []

    def read(self, size: int = -1) -> bytes:
        self.asked.append(size)
        if not self._data and self._fail is not None:
            raise self._fail
        n = self._step if size < 0 else min(size, self._step)
        out, self._data = self._data[:n], self._data[n:]
        return out


def test_short_reads_of_the_server_input_are_filled_to_the_body() -> None:
    r = _request(**{"wsgi.input": _Trickle(b"0123456789", step=3), "CONTENT_LENGTH": "10"})  # type: ignore[arg-type]
    assert r.get_data() == b"0123456789"
    r = _request(**{"wsgi.input": _Trickle(b"0123456789", step=3), "CONTENT_LENGTH": "10"})  # type: ignore[arg-type]
    assert r.stream.read(7) == b"0123456" and r.stream.read() == b"789" and r.stream.read() == b""


def test_a_body_that_ends_before_its_content_length_is_a_400_not_a_short_body() -> None:
    with pytest.raises(BadRequest, match="ended after 3 of the 10 bytes"):
        _request(**{"wsgi.input": io.BytesIO(b"abc"), "CONTENT_LENGTH": "10"}).get_data()  # type: ignore[arg-type]
    r = _request(**{"wsgi.input": io.BytesIO(b"abcdef"), "CONTENT_LENGTH": "10"})  # type: ignore[arg-type]
    assert r.stream.read(4) == b"abcd"
    with pytest.raises(BadRequest, match="ended after 6 of the 10 bytes"):
        r.stream.read()
    form = _request(**{"wsgi.input": io.BytesIO(b"a=1&b="), "CONTENT_LENGTH": "20",  # type: ignore[arg-type]
                       "CONTENT_TYPE": "application/x-www-form-urlencoded"})
    with pytest.raises(BadRequest):
        form.form.to_dict()


@pytest.mark.parametrize(("error", "expected"), [(TimeoutError("timed out"), RequestTimeout),
                                                 (ConnectionResetError(104, "reset"), BadRequest)])
def test_a_read_that_times_out_or_is_reset_is_a_client_error(error: BaseException, expected: type) -> None:
    raw = _Trickle(b"abc", step=3, fail=error)
    with pytest.raises(expected) as caught:
        _request(**{"wsgi.input": raw, "CONTENT_LENGTH": "10"}).get_data()  # type: ignore[arg-type]
    assert caught.value.code in (400, 408) and caught.value.__cause__ is None


def test_a_body_the_server_left_chunked_is_a_411_not_an_empty_body() -> None:
    undecoded = _request(b"5\r\nhello\r\n0\r\n\r\n", HTTP_TRANSFER_ENCODING="chunked")
    del undecoded.environ["CONTENT_LENGTH"]
    with pytest.raises(LengthRequired, match="Transfer-Encoding"):
        undecoded.get_data()
    decoded = _request(b"hello", HTTP_TRANSFER_ENCODING="chunked", **{"wsgi.input_terminated": True})  # type: ignore[arg-type]
    del decoded.environ["CONTENT_LENGTH"]
    assert decoded.get_data() == b"hello"
    bodiless = _request(b"never read: it could be the next request")
    del bodiless.environ["CONTENT_LENGTH"]
    assert bodiless.get_data() == b""


def test_a_terminated_input_is_never_read_more_than_one_byte_past_the_limit() -> None:
    raw = _Trickle(b"z" * 1000, step=1000)
    r = _request(**{"wsgi.input": raw, "wsgi.input_terminated": True})  # type: ignore[arg-type]
    del r.environ["CONTENT_LENGTH"]
    r.max_content_length = 10
    with pytest.raises(RequestEntityTooLarge):
        r.stream.read()
    assert raw.asked == [11]


def test_read_body_takes_the_same_rules() -> None:
    assert read_body({"CONTENT_LENGTH": "3", "wsgi.input": io.BytesIO(b"abcdef")}) == b"abc"
    assert read_body({"wsgi.input": io.BytesIO(b"next request")}) == b""
    with pytest.raises(BadRequest):
        read_body({"CONTENT_LENGTH": "9", "wsgi.input": io.BytesIO(b"abc")})
    with pytest.raises(RequestEntityTooLarge):
        read_body({"CONTENT_LENGTH": "6", "wsgi.input": io.BytesIO(b"abcdef")}, 5)
    with pytest.raises(LengthRequired):
        read_body({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"abc")})


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


@pytest.mark.parametrize("step", [1, 4, 1000])
def test_the_stream_reads_by_line_as_a_file_does(step: int) -> None:
    body = b"first\nsecond\n\nlast without newline"
    r = _request(**{"wsgi.input": _Trickle(body + b"NEXT REQUEST", step=step),  # type: ignore[arg-type]
                    "CONTENT_LENGTH": str(len(body))})
    assert list(r.stream) == [b"first\n", b"second\n", b"\n", b"last without newline"]
    r = _request(body)
    assert r.stream.readline(3) == b"fir" and r.stream.readline() == b"st\n"
    assert r.stream.readlines() == [b"second\n", b"\n", b"last without newline"] and r.stream.readline() == b""
    cut = _request(**{"wsgi.input": io.BytesIO(b"one\ntw"), "CONTENT_LENGTH": "20"})  # type: ignore[arg-type]
    with pytest.raises(BadRequest, match="ended after 6 of the 20"):
        list(cut.stream)
    terminated = _request(b"a\nb", **{"wsgi.input_terminated": True})  # type: ignore[arg-type]
    del terminated.environ["CONTENT_LENGTH"]
    assert terminated.stream.readlines() == [b"a\n", b"b"]
