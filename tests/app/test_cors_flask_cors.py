"""CORS side by side with flask-cors: the same app in Flask + flask-cors and in manypaths, the same
requests. Where a browser's outcome is concerned (is the origin allowed, with credentials, may the
preflighted method and headers be used) both agree; the deliberate differences are asserted."""

from __future__ import annotations

from typing import Any

import flask
import flask_cors
import pytest

from manypaths import App
from manypaths.cors import CORS

ORIGIN = "https://app.example"
CASES = {
    "listed, credentials": ({"origins": [ORIGIN], "supports_credentials": True}, CORS([ORIGIN], credentials=True)),
    "any origin": ({}, CORS("*")),
}


def pair(flask_options: dict[str, Any], policy: CORS) -> tuple[Any, Any]:
    theirs = flask.Flask("theirs")
    flask_cors.CORS(theirs, **flask_options)
    ours = App("ours", cors=policy)
    for app in (theirs, ours):
        app.add_url_rule("/items", "items", lambda: {"items": []}, methods=["GET", "POST"])
    return theirs.test_client(), ours.test_client()


def browser_allows(response: Any, origin: str, credentials: bool = False) -> bool:
    """What a browser decides from the answer's headers (Fetch standard, CORS check)."""
    allowed = response.headers.get("Access-Control-Allow-Origin")
    if credentials:
        return allowed == origin and response.headers.get("Access-Control-Allow-Credentials") == "true"
    return allowed in ("*", origin)


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("origin", [ORIGIN, "https://evil.example"])
def test_same_browser_outcome(case: str, origin: str) -> None:
    theirs, ours = pair(*CASES[case])
    credentials = case == "listed, credentials"
    for method in ("GET", "POST"):
        a = theirs.open("/items", method=method, headers={"Origin": origin})
        b = ours.open("/items", method=method, headers={"Origin": origin})
        assert browser_allows(a, origin, credentials) == browser_allows(b, origin, credentials), (case, method)
    preflight = {"Origin": origin, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "X-Token"}
    a, b = theirs.options("/items", headers=preflight), ours.options("/items", headers=preflight)
    assert browser_allows(a, origin, credentials) == browser_allows(b, origin, credentials)
    if browser_allows(b, origin, credentials):
        for response in (a, b):
            assert "POST" in response.headers["Access-Control-Allow-Methods"]
            assert response.headers["Access-Control-Allow-Headers"] == "X-Token"


def test_deliberate_differences() -> None:
    theirs, ours = pair(*CASES["listed, credentials"])
    # A request without Origin is not a CORS request: flask-cors still sends the headers; we do not.
    assert "Access-Control-Allow-Origin" in theirs.get("/items").headers
    assert "Access-Control-Allow-Origin" not in ours.get("/items").headers
    # A preflight for a method the URL does not take: flask-cors allows every method; we refuse it
    # (the request would be a 405 anyway) and list only the URL's methods.
    preflight = {"Origin": ORIGIN, "Access-Control-Request-Method": "DELETE"}
    assert "DELETE" in theirs.options("/items", headers=preflight).headers["Access-Control-Allow-Methods"]
    assert "Access-Control-Allow-Origin" not in ours.options("/items", headers=preflight).headers
    ok = ours.options("/items", headers={"Origin": ORIGIN, "Access-Control-Request-Method": "POST"})
    assert ok.status_code == 204 and ok.headers["Access-Control-Allow-Methods"] == "GET, HEAD, POST"
    # Any origin without credentials: we send "*" (cacheable for every origin), flask-cors echoes the origin.
    theirs, ours = pair(*CASES["any origin"])
    assert theirs.get("/items", headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"] == ORIGIN
    assert ours.get("/items", headers={"Origin": ORIGIN}).headers["Access-Control-Allow-Origin"] == "*"
