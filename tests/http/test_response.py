"""manypaths.http.response: building Responses and serving them as WSGI."""

from __future__ import annotations

from typing import Any

from manypaths.http.response import Response, fast_response, json_response, json_text, redirect


def _serve(response: Response, method: str = "GET") -> tuple[str, list[tuple[str, str]], bytes]:
    captured: list[Any] = []
    body = b"".join(response({"REQUEST_METHOD": method}, lambda s, h, e=None: captured.extend([s, h])))
    return captured[0], captured[1], body


def test_text_bytes_and_status() -> None:
    r = Response("héllo", status=201)
    assert r.status == "201 Created" and r.status_code == 201 and r.mimetype == "text/html"
    assert r.content_type == "text/html; charset=utf-8" and r.get_data() == "héllo".encode()
    r.status = "299 Custom"
    assert r.status_code == 299 and r.status == "299 Custom"


def test_wsgi_serving_sets_length_and_head_sends_no_body() -> None:
    status, headers, body = _serve(Response(b"abc", content_type="text/plain"))
    assert status == "200 OK" and ("Content-Length", "3") in headers and body == b"abc"
    assert _serve(Response(b"abc"), "HEAD")[2] == b""
    status, headers, body = _serve(Response(status=204))
    assert status.startswith("204") and body == b"" and not any(k == "Content-Length" for k, _ in headers)


def test_streamed_body_is_chunked_and_closed() -> None:
    closed = []

    def chunks() -> Any:
        try:
            yield "a"
            yield b"b"
        finally:
            closed.append(True)

    r = Response(chunks())
    assert r.is_streamed
    assert _serve(r)[2] == b"ab" and closed == [True]


def test_json_and_fast_responses() -> None:
    assert json_text({"b": 1, "a": [1, "x"]}) == '{"a":[1,"x"],"b":1}\n'  # sorted keys, as Flask
    r = json_response({"ok": True})
    assert r.mimetype == "application/json" and r.get_json() == {"ok": True}
    fast = fast_response(Response, "hi", "text/plain; charset=utf-8", 202)
    assert fast.status_code == 202 and fast.get_data() == b"hi" and fast.headers["Content-Length"] == "2"


def test_redirect_encodes_unsafe_characters() -> None:
    r = redirect("/next?a=1&b=<x>\r\nSet-Cookie: y", 303)
    assert r.status_code == 303
    assert "\r" not in r.headers["Location"] and "\n" not in r.headers["Location"]
    assert r.headers["Location"].startswith("/next?a=1&b=")


def test_length_texts_are_right_and_the_table_stays_bounded() -> None:
    # The fast answers' Content-Length comes from a table of the lengths seen so far: the text is
    # str(n) for every length, and the table never holds more than 4,096 lengths, none of 1 MiB or more.
    from manypaths.http.response import LENGTH_TEXT, length_text

    for n in (0, 1, 13, 4095, 1 << 20, (1 << 20) + 7, 10**12):
        assert (LENGTH_TEXT.get(n) or length_text(n)) == str(n)
    assert (1 << 20) not in LENGTH_TEXT and 10**12 not in LENGTH_TEXT
    for n in range(10_000):
        assert length_text(n) == str(n)
    assert len(LENGTH_TEXT) <= 4096
    assert all(str(n) == text and n < 1 << 20 for n, text in LENGTH_TEXT.items())
    for n in range(10_000):  # lengths the table had no room for are still answered right
        assert (LENGTH_TEXT.get(n) or length_text(n)) == str(n)
    bodies = [b"", b"x" * 13, b"y" * 5000]
    for body in bodies:
        response = fast_response(Response, body, "text/plain")
        assert response.headers["Content-Length"] == str(len(body))
