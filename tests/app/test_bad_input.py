"""Bad input gets a 4xx (or a safe answer), never a 500 or a traceback: through the test client
and through a real server on 127.0.0.1."""

from __future__ import annotations

import http.client
import socket
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

import pytest

from manypaths import App, redirect, request

app = App(__name__, max_content_length=1000)


@app.route("/echo/<value>", methods=["GET", "POST"])
def echo(value: str) -> Any:
    return {"value": value, "args": request.args.to_dict(flat=False)}


@app.post("/json")
def json_in() -> Any:
    return {"got": request.get_json()}


@app.post("/form")
def form_in() -> Any:
    return {"form": request.form.to_dict(), "files": sorted(request.files)}


@app.get("/go")
def go() -> Any:
    return redirect(request.args.get("next", "/"))


@app.get("/header")
def header() -> Any:
    return "ok", {"X-Echo": request.args.get("v", "")}


@app.get("/cookie")
def cookie() -> Any:
    return dict(request.cookies)


BOUNDARY = "XyZ"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"
GOOD_PART = f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n'
# (method, raw path with query, headers, body, acceptable statuses)
CASES: list[tuple[str, str, dict[str, str], bytes, set[int]]] = [
    ("POST", "/json", {"Content-Type": "application/json"}, b"{not json", {400}),
    ("POST", "/json", {"Content-Type": "application/json"}, b"\xff\xfe\x00", {400}),
    ("POST", "/json", {"Content-Type": "text/plain"}, b'{"a": 1}', {415}),
    ("POST", "/json", {"Content-Type": "application/json"}, b"[" * 5000 + b"]" * 5000, {413}),
    ("POST", "/json", {"Content-Type": "application/json"}, b"[" * 499 + b"]" * 499, {200, 400}),
    ("POST", "/echo/x", {"Content-Type": "text/plain"}, b"x" * 5000, {200, 413}),
    ("POST", "/form", {"Content-Type": "application/x-www-form-urlencoded"}, b"a=" + b"x" * 2000, {413}),
    ("POST", "/form", {"Content-Type": MULTIPART}, GOOD_PART.encode(), {400}),  # truncated: no closing
    ("POST", "/form", {"Content-Type": "multipart/form-data"}, b"--x\r\n\r\n", {400}),  # no boundary
    ("POST", "/form", {"Content-Type": MULTIPART}, b"garbage without boundaries", {400}),
    ("POST", "/form", {"Content-Type": MULTIPART, "Content-Length": "abc"}, b"", {400}),
    ("GET", "/echo/%zz?q=%zz&r=%", {}, b"", {200}),
    ("GET", "/echo/%ff%fe?q=%ff", {}, b"", {200}),
    ("GET", "/go?next=/x%0d%0aSet-Cookie:%20evil=1", {}, b"", {302}),
    ("GET", "/header?v=a%0d%0aSet-Cookie:%20evil=1", {}, b"", {400}),
    ("GET", "/echo/" + "a" * 20000, {}, b"", {200, 404, 414}),
    ("GET", "/echo/x?" + "&".join(f"k{i}=v" for i in range(5000)), {}, b"", {400}),
    ("GET", "/cookie", {"Cookie": 'a=1; =bad; b="\\303\\251t\\"e"; ;;c'}, b"", {200}),
    ("GET", "/nowhere/../../etc/passwd", {}, b"", {404}),
]


def _check(status: int, headers: Any, body: bytes, allowed: set[int]) -> None:
    assert status in allowed, (status, body[:300])
    assert b"Traceback" not in body
    for name, value in headers:
        assert "\n" not in value and "\r" not in value
        assert not (name.lower() == "set-cookie" and "evil" in value)


@pytest.mark.parametrize(("method", "target", "headers", "body", "allowed"), CASES,
                         ids=[f"{c[0]} {c[1][:40]}" for c in CASES])
def test_bad_input_through_test_client(method: str, target: str, headers: dict[str, str], body: bytes,
                                       allowed: set[int]) -> None:
    response = app.test_client().open(target, method, headers=headers, data=body)
    _check(response.status_code, response.headers.items(), response.get_data(), allowed)


@pytest.mark.parametrize(("method", "target", "headers", "body", "allowed"), CASES,
                         ids=[f"{c[0]} {c[1][:40]}" for c in CASES])
def test_bad_input_through_real_server(serve: Callable[..., str], method: str, target: str,
                                       headers: dict[str, str], body: bytes, allowed: set[int]) -> None:
    base = urlsplit(serve(app))
    conn = http.client.HTTPConnection(base.hostname, base.port, timeout=10)
    try:
        conn.putrequest(method, target, skip_accept_encoding=True)
        if "Content-Length" not in headers:
            conn.putheader("Content-Length", str(len(body)))
        for name, value in headers.items():
            conn.putheader(name, value)
        conn.endheaders(body)
        response = conn.getresponse()
        _check(response.status, response.getheaders(), response.read(), allowed)
    finally:
        conn.close()


def test_bad_input_invalid_utf8_bytes_on_the_wire(serve: Callable[..., str]) -> None:
    base = urlsplit(serve(app))
    with socket.create_connection((base.hostname, base.port), timeout=10) as sock:
        sock.sendall(b"GET /echo/\xff\xfe?q=\xc3 HTTP/1.0\r\nHost: x\r\n\r\n")
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    status = int(data.split(b" ", 2)[1])
    assert status == 200 and b"Traceback" not in data
    assert "\ufffd".encode() in data or b"\\ufffd" in data


def test_bad_input_redirect_target_is_encoded() -> None:
    response = app.test_client().get("/go", query_string={"next": "/x\r\nSet-Cookie: evil=1"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/x%0D%0ASet-Cookie:%20evil=1"
    assert "Set-Cookie" not in response.headers
