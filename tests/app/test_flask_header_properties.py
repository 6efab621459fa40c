"""The header properties Flask code reads and sets, side by side with werkzeug's own Request and
Response on the same headers: ``request.origin``, ``if_none_match``, ``range``, ``cache_control``,
``routing_exception``, ``on_json_loading_failed``...; ``response.access_control_*``,
``content_security_policy``, ``retry_after``, ``age``... (they were missing: a port that read
one failed with AttributeError, a 500)."""

from __future__ import annotations

import datetime
import io
from typing import Any

import flask
import pytest
import werkzeug
import werkzeug.user_agent
from werkzeug.test import EnvironBuilder

import manypaths
from manypaths.http.request import Request
from manypaths.http.response import Response

HEADERS: list[dict[str, str]] = [
    {},
    {"Origin": "https://app.example", "Content-Encoding": "gzip", "Content-MD5": "Q2hlY2sgSW50ZWdyaXR5IQ==",
     "Max-Forwards": "7", "Pragma": "no-cache, x-thing", "Date": "Wed, 21 Oct 2015 07:28:00 GMT"},
    {"If-Modified-Since": "Wed, 21 Oct 2015 07:28:00 GMT", "If-Unmodified-Since": "Sun, 06 Nov 1994 08:49:37 GMT",
     "If-None-Match": '"v1", W/"v2", "v,3"', "If-Match": "*", "If-Range": '"v1"', "Range": "bytes=0-99"},
    {"If-None-Match": 'W/"only-weak"', "If-Match": '"a", "b"', "If-Range": "Wed, 21 Oct 2015 07:28:00 GMT",
     "Range": "bytes=-500", "Cache-Control": "no-cache, max-age=0, max-stale=60, min-fresh=5, only-if-cached"},
    {"Range": "bytes=500-", "Cache-Control": "no-store, no-transform", "Max-Forwards": "\u00b2",
     "Access-Control-Request-Method": "PUT", "Access-Control-Request-Headers": "X-One, x-two"},
    {"Range": "bytes=5-1", "If-Modified-Since": "not a date", "If-None-Match": "junk", "Max-Forwards": "-1"},
    {"Range": "bytes=0-1, 5-9", "If-None-Match": "", "Date": ""},
    {"Range": "lines=1-2"},
]


def pair(headers: dict[str, str]) -> tuple[Request, Any]:
    environ = EnvironBuilder(path="/", headers=headers, environ_base={"REMOTE_USER": "ada"}).get_environ()
    ours = Request(dict(environ, **{"wsgi.input": io.BytesIO()}))
    return ours, werkzeug.Request(environ)


@pytest.mark.parametrize("headers", HEADERS)
def test_request_header_properties_read_as_werkzeugs(headers: dict[str, str]) -> None:
    ours, theirs = pair(headers)
    # (werkzeug reads Max-Forwards: -1 as -1; RFC 9110 7.6.2 allows digits only: ours is None)
    assert ours.max_forwards == (theirs.max_forwards if (theirs.max_forwards or 0) >= 0 else None)
    for name in ["origin", "content_encoding", "content_md5", "remote_user", "date",
                 "if_modified_since", "if_unmodified_since", "access_control_request_method", "is_multithread",
                 "is_multiprocess", "is_run_once"]:
        assert getattr(ours, name) == getattr(theirs, name), name
    assert ours.pragma == set(theirs.pragma)
    assert ours.access_control_request_headers == set(theirs.access_control_request_headers or ())
    for name in ["if_match", "if_none_match"]:
        mine, real = getattr(ours, name), getattr(theirs, name)
        assert (mine.star_tag, bool(mine)) == (real.star_tag, bool(real)), name
        assert mine.as_set(include_weak=True) == real.as_set(include_weak=True), name
        for tag in ["v1", "v2", "v,3", "only-weak", "a", "zz"]:
            assert (tag in mine, mine.contains_weak(tag), mine.is_weak(tag)) == (
                tag in real, real.contains_weak(tag), real.is_weak(tag)), (name, tag)
    assert (ours.if_range.etag, ours.if_range.date) == (theirs.if_range.etag, theirs.if_range.date)
    if theirs.range is None:
        assert ours.range is None
    else:
        assert (ours.range.units, ours.range.ranges) == (theirs.range.units, theirs.range.ranges)
        for length in (0, 50, 100, 1000):
            assert ours.range.range_for_length(length) == theirs.range.range_for_length(length), length
        assert ours.range.to_header() == theirs.range.to_header()
    for directive in ["no_cache", "no_store", "max_age", "max_stale", "min_fresh", "no_transform", "only_if_cached"]:
        mine_value, real_value = getattr(ours.cache_control, directive), getattr(theirs.cache_control, directive)
        assert mine_value == real_value or (not mine_value and not real_value), directive


def test_the_request_cache_control_is_read_only() -> None:
    ours, _ = pair({"Cache-Control": "no-cache"})
    with pytest.raises(TypeError, match="read-only"):
        ours.cache_control.max_age = 5


@pytest.mark.parametrize(("path", "method", "expected"), [
    ("/items", "GET", None), ("/nowhere", "GET", 404), ("/items", "DELETE", 405), ("/folder", "GET", 308),
])
def test_routing_exception_is_flasks_in_before_request_hooks(path: str, method: str, expected: int | None) -> None:
    seen: dict[str, list[Any]] = {}
    for name, module in (("flask", flask), ("manypaths", manypaths)):
        app = module.Flask(__name__) if name == "flask" else module.App(__name__)
        found: list[Any] = []
        seen[name] = found

        @app.before_request
        def note(found: list[Any] = found, module: Any = module) -> None:
            error = module.request.routing_exception
            found.append(None if error is None else getattr(error, "code", None))

        app.add_url_rule("/items", "items", lambda: "items", methods=["GET"])
        app.add_url_rule("/folder/", "folder", lambda: "folder")
        app.test_client().open(path, method=method)
    assert seen["manypaths"] == seen["flask"] == [expected]


@pytest.mark.parametrize(("body", "content_type"), [(b"{oops", "application/json"), (b"{}", "text/plain")])
def test_on_json_loading_failed_is_flasks_hook(body: bytes, content_type: str) -> None:
    answers = []
    for module in (flask, manypaths):
        class Lenient(module.Request if module is flask else manypaths.Request):  # type: ignore[misc,name-defined]
            def on_json_loading_failed(self, e: Any) -> Any:
                return {"fallback": e is None}

        app = module.Flask(__name__) if module is flask else module.App(__name__)
        app.request_class = Lenient

        @app.post("/j")
        def j(module: Any = module) -> Any:
            return {"got": module.request.get_json()}

        answers.append(app.test_client().post("/j", data=body, content_type=content_type).get_json())
    assert answers[0] == answers[1]


SETTINGS: list[tuple[str, Any]] = [
    ("access_control_allow_origin", "https://app.example"),
    ("access_control_allow_credentials", True),
    ("access_control_allow_methods", ["GET", "POST"]),
    ("access_control_allow_headers", ["X-One"]),
    ("access_control_expose_headers", ["X-Total"]),
    ("access_control_max_age", 600),
    ("content_location", "/things/1"),
    ("content_language", ["de"]),
    ("accept_ranges", "bytes"),
    ("age", 30),
    ("age", datetime.timedelta(minutes=2)),
    ("retry_after", 120),
    ("retry_after", datetime.datetime(2030, 1, 2, 3, 4, 5, tzinfo=datetime.timezone.utc)),
    ("date", datetime.datetime(2015, 10, 21, 7, 28, tzinfo=datetime.timezone.utc)),
    ("cross_origin_opener_policy", werkzeug.http.COOP.SAME_ORIGIN),
    ("cross_origin_embedder_policy", werkzeug.http.COEP.REQUIRE_CORP),
    ("content_md5", "Q2hlY2sgSW50ZWdyaXR5IQ=="),
]


@pytest.mark.parametrize(("name", "value"), SETTINGS)
def test_response_header_properties_write_what_werkzeug_writes(name: str, value: Any) -> None:
    ours, theirs = Response("x"), werkzeug.Response("x")
    setattr(ours, name, value)
    setattr(theirs, name, value)
    header = name.replace("_", "-").title().replace("Md5", "MD5")
    assert ours.headers.get(header) == theirs.headers.get(header), header
    read_ours, read_theirs = getattr(ours, name), getattr(theirs, name)
    if name == "retry_after" and isinstance(value, int):  # (seconds from now: read at two moments)
        assert abs((read_ours - read_theirs).total_seconds()) <= 1
    elif isinstance(read_theirs, (set, frozenset)) or type(read_theirs).__name__ == "HeaderSet":
        assert set(read_ours) == set(read_theirs)
    else:
        assert read_ours in (read_theirs, getattr(read_theirs, "value", read_theirs)), (read_ours, read_theirs)
    setattr(ours, name, None)
    assert header not in ours.headers


def test_live_sets_and_the_content_security_policy() -> None:
    ours, theirs = Response("x"), werkzeug.Response("x")
    # (werkzeug's are None until the header is set; ours are live and empty: .add() works at once)
    theirs.access_control_expose_headers = ["X-Total"]
    theirs.content_security_policy = "default-src 'self'"
    theirs.content_security_policy_report_only = "script-src 'none'"
    theirs.content_security_policy.img_src = "* data:"
    ours.access_control_expose_headers.add("X-Total")
    ours.content_security_policy.default_src = "'self'"
    ours.content_security_policy.img_src = "* data:"
    ours.content_security_policy_report_only["script-src"] = "'none'"
    for header in ["Access-Control-Expose-Headers", "Content-Security-Policy", "Content-Security-Policy-Report-Only"]:
        assert ours.headers.get(header) == theirs.headers.get(header), header
    assert ours.content_security_policy.img_src == theirs.content_security_policy.img_src == "* data:"
    del ours.content_security_policy.img_src
    assert ours.headers["Content-Security-Policy"] == "default-src 'self'"
    ours.content_security_policy = {"default-src": "'none'", "frame-ancestors": "'none'"}
    assert ours.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize("value", ["'self'; report-uri https://evil.example", "'self'\r\nX-Injected: 1"])
def test_a_policy_value_cannot_start_another_directive_or_header(value: str) -> None:
    response = Response("x")
    with pytest.raises(ValueError, match="cannot hold"):
        response.content_security_policy.script_src = value
    assert "Content-Security-Policy" not in response.headers


def test_user_agent_reads_as_werkzeugs_and_is_still_its_text() -> None:
    ours, theirs = pair({"User-Agent": "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0"})
    agent = ours.user_agent
    assert agent.string == theirs.user_agent.string == str(theirs.user_agent) == agent.to_header()
    for name in ("platform", "browser", "version", "language"):
        assert getattr(agent, name) == getattr(theirs.user_agent, name) is None, name
    assert agent == "Mozilla/5.0 (X11; Linux x86_64) Firefox/120.0" and "Firefox" in agent  # (it was a str: still is)

    class Parsed(werkzeug.user_agent.UserAgent):  # a werkzeug-style parser subclass serves here too
        browser = "firefox"

    ours.user_agent_class = Parsed
    assert ours.user_agent.browser == "firefox" and ours.user_agent.string.startswith("Mozilla")


def test_response_machinery_matches_werkzeugs() -> None:
    environ = EnvironBuilder(path="/", method="GET").get_environ()
    for cls in (Response, werkzeug.Response):
        class Created(cls):  # type: ignore[valid-type,misc]
            default_status = 201

        assert Created("x").status_code == 201 and Created("x", status=200).status_code == 200

    def stream() -> Any:
        yield "ab"
        yield b"cd"

    answers = []
    for cls in (Response, werkzeug.Response):
        r = cls(stream(), mimetype="text/plain")
        before = r.is_sequence
        r.make_sequence()
        length = r.calculate_content_length()
        frozen = cls("hello")
        frozen.freeze()
        head = dict(environ, REQUEST_METHOD="HEAD")
        app_iter, status, headers = cls("body", status=204).get_wsgi_response(environ)
        answers.append((before, r.is_sequence, length, r.get_data(), frozen.headers.get("Content-Length"),
                        frozen.headers.get("ETag"), list(cls("body").get_app_iter(head)), list(app_iter), status[:3],
                        [name for name, _ in headers if name.lower() == "content-length"],
                        dict(cls("x", mimetype="text/plain").mimetype_params)))
    assert answers[0] == answers[1]


def test_mimetype_params_are_live_and_from_app_and_force_type_take_any_wsgi_answer() -> None:
    ours, theirs = Response("x", mimetype="text/plain"), werkzeug.Response("x", mimetype="text/plain")
    for response in (ours, theirs):
        response.mimetype_params["charset"] = "latin-1"
    assert ours.headers["Content-Type"] == theirs.headers["Content-Type"] == "text/plain; charset=latin-1"

    def legacy(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("202 Accepted", [("Content-Type", "text/csv"), ("X-Legacy", "1")])
        return [b"a,b\n", b"1,2\n"]

    environ = EnvironBuilder(path="/").get_environ()
    made = Response.from_app(legacy, environ)
    real = werkzeug.Response.from_app(legacy, environ)
    assert (made.status, made.headers.get("X-Legacy"), made.mimetype, made.get_data()) == (
        real.status, real.headers.get("X-Legacy"), real.mimetype, real.get_data())

    class Mine(Response):
        pass

    forced = Mine.force_type(werkzeug.Response("from werkzeug", status=203), environ)
    assert type(forced) is Mine and forced.status_code == 203 and forced.get_data() == b"from werkzeug"
    kept = Response("ours")
    assert Mine.force_type(kept) is kept and type(kept) is Mine
    with pytest.raises(TypeError, match="without an environ"):
        Mine.force_type(legacy)
