"""manypaths.http.multipart: form fields and files from a multipart body (python-multipart), with limits."""

from __future__ import annotations

import io

import pytest

from manypaths.http.exceptions import BadRequest, RequestEntityTooLarge
from manypaths.http.multipart import parse_multipart

BOUNDARY = "xyz"


def _body(*parts: str) -> bytes:
    return ("".join(f"--{BOUNDARY}\r\n{p}\r\n" for p in parts) + f"--{BOUNDARY}--\r\n").encode()


def _parse(body: bytes, *, max_memory: int = 1000, max_parts: int = 10, boundary: str = BOUNDARY) -> tuple:  # type: ignore[type-arg]
    return parse_multipart(io.BytesIO(body), boundary, len(body), max_memory=max_memory, max_parts=max_parts)


def test_fields_and_files() -> None:
    form, files = _parse(_body('Content-Disposition: form-data; name="note"\r\n\r\nhello',
                               'Content-Disposition: form-data; name="f"; filename="a.txt"\r\n'
                               'Content-Type: text/plain\r\n\r\nfile body'))
    assert form["note"] == "hello"
    upload = files["f"]
    assert upload.filename == "a.txt" and upload.mimetype == "text/plain" and upload.read() == b"file body"
    upload.close()


def test_a_large_file_is_spooled_not_kept_in_memory() -> None:
    data = "x" * 5000
    _, files = _parse(_body(f'Content-Disposition: form-data; name="f"; filename="big.bin"\r\n\r\n{data}'),
                      max_memory=100)
    assert files["f"].read() == data.encode()
    files["f"].close()


def test_too_many_parts_no_boundary_and_truncated_bodies_are_4xx() -> None:
    many = _body(*[f'Content-Disposition: form-data; name="f{i}"\r\n\r\nv' for i in range(5)])
    with pytest.raises(RequestEntityTooLarge, match="Too many parts"):
        _parse(many, max_parts=3)
    with pytest.raises(BadRequest, match="no boundary"):
        _parse(many, boundary="")
    with pytest.raises(BadRequest):
        _parse(f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="f"\r\n\r\nunterminated'.encode())
