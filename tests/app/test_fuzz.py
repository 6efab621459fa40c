"""Fuzz: random paths, queries, headers, cookies and bodies through the example app's WSGI callable.

Whatever a client sends, the app answers a well-formed response that is not a 500, and no
exception escapes (bounded examples: ``make test`` stays fast).
"""

from __future__ import annotations

import io
import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from examples.api.app import app
from manypaths.http.wsgi import call_wsgi

PATHS = ["/", "/users/", "/users/1", "/users/0", "/users/x", "/posts", "/posts/", "/files/a/b", "/upload",
         "/posts/00000000-0000-0000-0000-000000000000", "//users//1", "/nowhere"]
METHODS = ["GET", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "get", "BREW"]
# WSGI strings: latin-1 code points (raw bytes as a server decodes them).
wsgi_text = st.binary(max_size=40).map(lambda b: b.decode("latin-1"))
header_names = st.sampled_from(["HTTP_ACCEPT", "HTTP_COOKIE", "HTTP_HOST", "CONTENT_TYPE", "CONTENT_LENGTH",
                                "HTTP_X_FORWARDED_FOR", "HTTP_IF_NONE_MATCH", "HTTP_AUTHORIZATION"])
content_types = st.sampled_from(["application/json", "application/x-www-form-urlencoded", "text/plain", "",
                                 "multipart/form-data; boundary=xyz", "multipart/form-data",
                                 "multipart/form-data; boundary=" + "b" * 300, "application/merge-patch+json"])
bodies = st.one_of(
    st.binary(max_size=200),
    st.builds(lambda v: json.dumps(v).encode(), st.recursive(st.none() | st.integers() | st.text(max_size=10),
                                                             lambda i: st.lists(i, max_size=3)
                                                             | st.dictionaries(st.text(max_size=5), i, max_size=3),
                                                             max_leaves=8)),
    st.just(b'--xyz\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n\r\nhello\r\n--xyz--\r\n'),
    st.just(b"--xyz\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nunterminated"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    path=st.one_of(st.sampled_from(PATHS), wsgi_text.map(lambda t: "/" + t)),
    method=st.sampled_from(METHODS),
    query=wsgi_text,
    headers=st.dictionaries(header_names, wsgi_text, max_size=4),
    content_type=content_types,
    body=bodies,
    length_kind=st.sampled_from(["exact", "missing", "short", "long", "junk", "digit-like", "huge"]),
)
def test_fuzz_wsgi_requests_never_500(path: str, method: str, query: str, headers: dict[str, str],
                                      content_type: str, body: bytes, length_kind: str) -> None:
    environ: dict[str, Any] = {
        "REQUEST_METHOD": method, "SCRIPT_NAME": "", "PATH_INFO": path, "QUERY_STRING": query,
        "SERVER_NAME": "localhost", "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "127.0.0.1",
        "wsgi.version": (1, 0), "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body),
        "wsgi.errors": io.StringIO(), "wsgi.multithread": False, "wsgi.multiprocess": False, "wsgi.run_once": False,
        "CONTENT_TYPE": content_type,
        "CONTENT_LENGTH": {"exact": str(len(body)), "missing": "", "short": str(len(body) // 2),
                           "long": str(len(body) + 7), "junk": "-x", "digit-like": "\u00b2", "huge": "9" * 5000,
                           }[length_kind],
        **headers,
    }
    status, response_headers, data = call_wsgi(app, environ)
    code = int(status.split(" ", 1)[0])
    assert 100 <= code <= 599 and code != 500, (status, data[:300])
    for name, value in response_headers:
        assert isinstance(name, str) and isinstance(value, str)
        value.encode("latin-1")
        assert "\n" not in value and "\r" not in value and "\x00" not in value
    assert b"Traceback" not in data
    length = dict((k.lower(), v) for k, v in response_headers).get("content-length")
    if length is not None and method.upper() != "HEAD":
        assert int(length) == len(data)
