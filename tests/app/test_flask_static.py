"""Static files and send_file (issue 10), side by side with Flask: same status, headers and bytes for
plain, conditional and range requests, and no way out of the folder."""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import Any

import flask
import pytest
import werkzeug.security
import werkzeug.utils

import manypaths
import manypaths.testing

CONTENT = b"0123456789abcdefghij"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("site")
    static = root / "static"
    (static / "css").mkdir(parents=True)
    (static / "a.txt").write_bytes(CONTENT)
    (static / "css" / "site.css").write_bytes(b"body { color: red }\n")
    (static / "blob.unknownext").write_bytes(b"\x00\x01\x02")
    (static / "bundle.tar.gz").write_bytes(b"\x1f\x8b fake")
    (static / "empty.txt").write_bytes(b"")
    (static / "sub dir").mkdir()
    (static / "sub dir" / "spaced name.txt").write_bytes(b"spaced")
    (root / "secret.txt").write_bytes(b"never served")
    (static / "link-out.txt").symlink_to(root / "secret.txt")
    (static / "link-in.txt").symlink_to(static / "a.txt")
    return root


def build(ns: Any, site: Path, **kw: Any) -> Any:
    app = ns.App("staticapp", static_folder=str(site / "static"), **kw)

    @app.route("/download/<path:name>")
    def download(name: str) -> Any:
        return ns.send_from_directory(str(site / "static"), name, as_attachment=True)

    @app.route("/memory/<kind>")
    def memory(kind: str) -> Any:
        data = io.BytesIO(b"in memory " * 10)
        if kind == "named":
            return ns.send_file(data, download_name="report.csv")
        if kind == "unicode":
            return ns.send_file(data, download_name="résumé 2024.pdf", as_attachment=True)
        if kind == "typed":
            return ns.send_file(data, mimetype="application/x-custom", etag="fixed-tag", conditional=True)
        return ns.send_file(data, mimetype="text/plain", conditional=False)

    @app.route("/path")
    def by_path() -> Any:
        return ns.send_file(str(site / "static" / "css" / "site.css"), max_age=60)

    @app.route("/urls")
    def urls() -> Any:
        return {"css": ns.url_for("static", filename="css/site.css"), "a": ns.url_for("static", filename="a.txt")}

    return app


class NS:
    def __init__(self, module: Any) -> None:
        self.App = module.Flask if module is flask else module.App
        self.send_file = module.send_file
        self.send_from_directory = module.send_from_directory
        self.url_for = module.url_for


FLASK, OURS = NS(flask), NS(manypaths)
IGNORED = {"date", "expires"}  # clock-dependent


def _answer(app: Any, method: str, path: str, headers: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
    response = app.test_client().open(path, method=method, headers=headers)
    kept = {k.lower(): v for k, v in response.headers.items() if k.lower() not in IGNORED}
    if "allow" in kept:  # werkzeug lists a set in no particular order
        kept["allow"] = ", ".join(sorted(kept["allow"].split(", ")))
    return response.status_code, kept, response.data


def _etag(app: Any, path: str) -> str:
    return str(app.test_client().get(path).headers["ETag"])


REQUESTS: list[tuple[str, str, dict[str, str]]] = [
    ("GET", "/static/a.txt", {}),
    ("HEAD", "/static/a.txt", {}),
    ("GET", "/static/css/site.css", {}),
    ("GET", "/static/blob.unknownext", {}),
    ("GET", "/static/bundle.tar.gz", {}),
    ("GET", "/static/empty.txt", {}),
    ("GET", "/static/empty.txt", {"Range": "bytes=0-1"}),
    ("GET", "/static/sub%20dir/spaced%20name.txt", {}),
    ("GET", "/static/link-in.txt", {}),
    ("GET", "/static/a.txt", {"If-None-Match": "ETAG"}),
    ("GET", "/static/a.txt", {"If-None-Match": '"other", ETAG'}),
    ("GET", "/static/a.txt", {"If-None-Match": '"other"'}),
    ("GET", "/static/a.txt", {"If-Modified-Since": "Fri, 01 Jan 2100 00:00:00 GMT"}),
    ("GET", "/static/a.txt", {"If-Modified-Since": "Thu, 01 Jan 1970 00:00:00 GMT"}),
    ("GET", "/static/a.txt", {"If-Modified-Since": "not a date"}),
    ("HEAD", "/static/a.txt", {"If-None-Match": "ETAG"}),
    ("POST", "/static/a.txt", {}),
    ("GET", "/static/a.txt", {"Range": "bytes=0-4"}),
    ("GET", "/static/a.txt", {"Range": "bytes=5-"}),
    ("GET", "/static/a.txt", {"Range": "bytes=-3"}),
    ("GET", "/static/a.txt", {"Range": "bytes=15-100"}),
    ("GET", "/static/a.txt", {"Range": "bytes=20-30"}),
    ("GET", "/static/a.txt", {"Range": "bytes=7-3"}),
    ("GET", "/static/a.txt", {"Range": "bytes=x-y"}),
    ("GET", "/static/a.txt", {"Range": "bytes=0-4", "If-Range": "ETAG"}),
    ("GET", "/static/a.txt", {"Range": "bytes=0-4", "If-Range": '"stale"'}),
    ("GET", "/static/a.txt", {"Range": "bytes=0-4", "If-Range": "Thu, 01 Jan 1970 00:00:00 GMT"}),
    ("GET", "/static/a.txt", {"Range": "bytes=0-4", "If-Range": '"'}),
    ("GET", "/static/a.txt", {"If-None-Match": "W/ETAG"}),  # (If-None-Match compares weakly)
    ("GET", "/static/a.txt", {"Range": "bytes=-0"}),
    ("GET", "/static/a.txt", {"Range": "bytes=+1-2"}),
    ("GET", "/static/missing.txt", {}),
    ("GET", "/static/css", {}),
    ("GET", "/static/css/", {}),
    ("GET", "/static/../secret.txt", {}),
    ("GET", "/static/css/../../secret.txt", {}),
    ("GET", "/static/%2e%2e/secret.txt", {}),
    ("GET", "/static/..%2fsecret.txt", {}),
    ("GET", "/static/..%5csecret.txt", {}),
    ("GET", "/static/a.txt%00.png", {}),
    ("GET", "/download/a.txt", {}),
    ("GET", "/download/../secret.txt", {}),
    ("GET", "/memory/named", {}),
    ("GET", "/memory/unicode", {}),
    ("GET", "/memory/typed", {}),
    ("GET", "/memory/typed", {"If-None-Match": '"fixed-tag"'}),
    ("GET", "/memory/plain", {"Range": "bytes=0-1"}),
    ("GET", "/path", {}),
    ("GET", "/urls", {}),
]


@pytest.mark.parametrize(("method", "path", "headers"), REQUESTS)
def test_static_and_send_file_like_flask(site: Path, method: str, path: str, headers: dict[str, str]) -> None:
    ours, theirs = build(OURS, site), build(FLASK, site)
    tag = _etag(theirs, "/static/a.txt")
    assert _etag(ours, "/static/a.txt") == tag  # the same ETag formula (mtime, size, path checksum)
    headers = {k: v.replace("ETAG", tag) for k, v in headers.items()}
    assert _answer(ours, method, path, headers) == _answer(theirs, method, path, headers)


def test_the_answers_are_the_intended_ones(site: Path) -> None:
    app = build(OURS, site)
    client = app.test_client()
    full = client.get("/static/a.txt")
    assert (full.status_code, full.data, full.headers["Accept-Ranges"]) == (200, CONTENT, "bytes")
    assert full.headers["Cache-Control"] == "no-cache" and full.headers["Content-Type"] == "text/plain; charset=utf-8"
    assert client.get("/static/a.txt", headers={"If-None-Match": full.headers["ETag"]}).status_code == 304
    part = client.get("/static/a.txt", headers={"Range": "bytes=-3"})
    assert (part.status_code, part.data, part.headers["Content-Range"]) == (206, b"hij", "bytes 17-19/20")
    bad = client.get("/static/a.txt", headers={"Range": "bytes=20-"})
    assert (bad.status_code, bad.headers["Content-Range"]) == (416, "bytes */20")
    for escape in ("/static/../secret.txt", "/static/%2e%2e/secret.txt", "/download/../secret.txt"):
        answer = client.get(escape)
        assert answer.status_code == 404 and b"never served" not in answer.data, escape


def test_config_max_age_and_url_path(site: Path) -> None:
    for ns in (OURS, FLASK):
        app = build(ns, site, static_url_path="/assets")
        app.config["SEND_FILE_MAX_AGE_DEFAULT"] = 3600
        response = app.test_client().get("/assets/a.txt")
        assert response.status_code == 200 and response.headers["Cache-Control"] == "public, max-age=3600"
        assert "Expires" in response.headers
        assert app.test_client().get("/urls").get_json()["a"] == "/assets/a.txt"


def test_symlink_out_of_the_folder_is_404_where_flask_serves_it(site: Path) -> None:
    # A deliberate difference: werkzeug follows a link that leads out of the static folder.
    assert build(FLASK, site).test_client().get("/static/link-out.txt").data == b"never served"
    response = build(OURS, site).test_client().get("/static/link-out.txt")
    assert response.status_code == 404 and b"never served" not in response.data


def test_range_cases_where_werkzeug_answers_416_and_the_rfc_does_not(site: Path) -> None:
    # RFC 9110 14.2 lets a server ignore Range; werkzeug refuses multiple ranges with 416.
    headers = {"Range": "bytes=0-1,5-6"}
    assert build(FLASK, site).test_client().get("/static/a.txt", headers=headers).status_code == 416
    response = build(OURS, site).test_client().get("/static/a.txt", headers=headers)
    assert (response.status_code, response.data) == (200, CONTENT)
    # RFC 9110 14.1.2: a suffix longer than the file means the whole file; werkzeug answers 416.
    headers = {"Range": "bytes=-100"}
    assert build(FLASK, site).test_client().get("/static/a.txt", headers=headers).status_code == 416
    response = build(OURS, site).test_client().get("/static/a.txt", headers=headers)
    assert (response.status_code, response.data, response.headers["Content-Range"]) == (206, CONTENT, "bytes 0-19/20")
    other_unit = build(OURS, site).test_client().get("/static/a.txt", headers={"Range": "items=0-1"})
    assert (other_unit.status_code, other_unit.data) == (200, CONTENT)


def test_no_static_route_without_a_folder(tmp_path: Path) -> None:
    app = manypaths.App("nostatic")
    assert app.static_folder is None and "static" not in {r.endpoint for r in app.url_map.iter_rules()}
    assert manypaths.App("explicit", static_folder=None).static_folder is None


@pytest.mark.parametrize("name", [
    "report.pdf", "../../etc/passwd", "  my  cv .docx", "ünïcödé.txt", "...", "a/b\\c.txt", "i contain cool \xfcml\xe4uts.txt",
    "\x00nul.txt", ".hidden", "con.txt", "",
])
def test_secure_filename_like_werkzeug(name: str) -> None:
    assert manypaths.secure_filename(name) == werkzeug.utils.secure_filename(name)


@pytest.mark.parametrize("parts", [
    ("a.txt",), ("css", "site.css"), ("../x",), ("..",), ("/etc/passwd",), ("a/../../x",), ("a/./b",), ("",),
    ("a", ""), ("a//b",), ("./a",),
])
def test_safe_join_like_werkzeug(parts: tuple[str, ...]) -> None:
    assert manypaths.safe_join("/srv/static", *parts) == werkzeug.security.safe_join("/srv/static", *parts)


def test_safe_join_refuses_nul_and_backslash() -> None:
    assert manypaths.safe_join("/srv", "a\x00b") is None
    assert manypaths.safe_join("/srv", "..\\x") is None


def test_send_file_from_a_text_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.txt"
    path.write_text("x")
    with open(path) as text, pytest.raises(ValueError, match="binary"):
        manypaths.send_file(text, mimetype="text/plain")  # type: ignore[arg-type]


def test_file_body_is_streamed_in_chunks_and_closed(site: Path, tmp_path: Path) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(os.urandom(300 * 1024))
    app = manypaths.App("big", static_folder=str(tmp_path), static_url_path="/files")
    chunks: list[int] = []
    statuses: list[str] = []
    environ = manypaths.testing.build_environ("/files/big.bin")
    body = app(environ, lambda status, headers, exc=None: statuses.append(status))
    assert statuses == ["200 OK"]
    for chunk in body:
        chunks.append(len(chunk))
    body.close()  # type: ignore[attr-defined]
    assert sum(chunks) == 300 * 1024 and max(chunks) == 64 * 1024 and len(chunks) == 5


def test_a_weak_if_range_tag_never_matches_unlike_werkzeug(site: Path) -> None:
    # RFC 9110 13.1.5: If-Range compares strongly, so a weak tag sends the whole body (werkzeug drops
    # the W/ and answers 206: a range of a representation that may differ byte for byte).
    ours, theirs = build(OURS, site), build(FLASK, site)
    tag = _etag(theirs, "/static/a.txt")
    headers = {"Range": "bytes=0-4", "If-Range": f"W/{tag}"}
    assert _answer(ours, "GET", "/static/a.txt", headers)[0] == 200
    assert _answer(theirs, "GET", "/static/a.txt", headers)[0] == 206
    assert _answer(ours, "GET", "/static/a.txt", {"Range": "bytes=0-4", "If-Range": tag})[0] == 206
