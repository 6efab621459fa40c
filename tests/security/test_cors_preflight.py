"""Finding 6: a CORS preflight was answered with the wrong rule's policy.

The app's policy allows origin A with credentials on ``GET /a2``; ``cors=CORS([B])`` is on
``DELETE /a2``. A preflight from A for ``DELETE`` was allowed (204, credentials, DELETE listed).
The preflight's policy is the one of the rule that serves the requested method, and a method
whose rule refuses the origin is not listed.
"""

from __future__ import annotations

from manypaths import App
from manypaths.cors import CORS

A, B = "https://a.example", "https://b.example"


def build() -> App:
    app = App(__name__, cors=CORS([A], credentials=True))

    @app.get("/a2")
    def read() -> str:
        return "read"

    @app.delete("/a2", cors=CORS([B]))
    def remove() -> str:
        return "removed"

    @app.put("/a2", cors=False)
    def replace() -> str:
        return "replaced"

    return app


def preflight(origin: str, method: str) -> tuple[int, dict[str, str]]:
    r = build().test_client().options("/a2", headers={"Origin": origin, "Access-Control-Request-Method": method})
    return r.status_code, {k.lower(): v for k, v in r.headers.items() if k.lower().startswith("access-control")}


def test_preflight_uses_the_policy_of_the_rule_serving_the_method() -> None:
    status, headers = preflight(A, "DELETE")
    assert headers == {} and status != 204  # refused: no CORS headers, the browser blocks DELETE
    status, headers = preflight(B, "DELETE")
    assert status == 204 and headers["access-control-allow-origin"] == B
    assert headers["access-control-allow-methods"] == "DELETE"
    assert "access-control-allow-credentials" not in headers
    status, headers = preflight(A, "GET")
    assert status == 204 and headers["access-control-allow-credentials"] == "true"
    assert headers["access-control-allow-methods"] == "GET, HEAD"  # not DELETE (B only), not PUT (off)


def test_a_method_with_cors_off_is_never_allowed() -> None:
    status, headers = preflight(A, "PUT")
    assert headers == {} and status != 204
