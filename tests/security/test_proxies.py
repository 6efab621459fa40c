"""Finding 4: forwarded headers were trusted beyond what the user asked.

With ``trusted_proxies=1``, ``X-Forwarded-Host: evil.example`` and ``X-Forwarded-Prefix: /\\evil.example``
made ``url_for(_external=True)`` answer ``http://evil.example/\\evil.example/reset`` (password-reset
link poisoning) and the docs page load its script from evil.example. Now trust is per header
(For and Proto by default, as werkzeug's ProxyFix), a forwarded host is checked against
``TRUSTED_HOSTS``, and a prefix must be a plain path.
"""

from __future__ import annotations

from typing import Any

import pytest

from manypaths import App, url_for
from manypaths.proxies import ProxyTrust, is_plain_path

EVIL = {"X-Forwarded-For": "203.0.113.7", "X-Forwarded-Proto": "https", "X-Forwarded-Host": "evil.example",
        "X-Forwarded-Prefix": "/\\evil.example", "X-Forwarded-Port": "8443"}


def build(trust: Any, trusted_hosts: list[str] | None = None) -> App:
    app = App(__name__, trusted_proxies=trust)
    app.config["TRUSTED_HOSTS"] = trusted_hosts
    app.enable_docs(assets_url="/static/swagger")

    @app.get("/reset")
    def reset() -> Any:
        return {"link": url_for("reset", _external=True)}

    return app


def test_an_int_trusts_for_and_proto_only() -> None:
    c = build(1).test_client()
    assert c.get("/reset", headers=EVIL).get_json() == {"link": "https://localhost/reset"}
    page = c.get("/docs", headers=EVIL).get_data(as_text=True)
    assert "evil.example" not in page and 'src="/static/swagger/swagger-ui-bundle.js"' in page


def test_forwarded_host_is_checked_against_trusted_hosts() -> None:
    trust = ProxyTrust(x_host=1)
    c = build(trust, trusted_hosts=["api.example.com"]).test_client()
    assert c.get("/reset", headers=EVIL).status_code == 400
    ok = c.get("/reset", headers={**EVIL, "X-Forwarded-Host": "api.example.com"})
    assert ok.get_json() == {"link": "https://api.example.com/reset"}


@pytest.mark.parametrize("prefix", ["/\\evil.example", "//evil.example", "/a//b", "https://evil.example", "/a/../b",
                                    "/./x", "/a\r\nX: y", "/a?x", "/a#x", "evil", "/a b", "/日本"])
def test_a_forwarded_prefix_must_be_a_plain_path(prefix: str) -> None:
    c = build(ProxyTrust(x_prefix=1)).test_client()
    r = c.get("/reset", headers={"X-Forwarded-Prefix": prefix})
    assert r.get_json() == {"link": "http://localhost/reset"}
    assert not is_plain_path(prefix)


def test_a_plain_prefix_is_taken_when_trusted() -> None:
    c = build({"x_prefix": 1, "x_proto": 1}).test_client()
    r = c.get("/reset", headers={"X-Forwarded-Prefix": "/api/v1%2B", "X-Forwarded-Proto": "https"})
    assert r.get_json() == {"link": "https://localhost/api/v1%2B/reset"}


def test_trust_settings_are_checked() -> None:
    with pytest.raises(ValueError, match="x_hots"):
        App(__name__, trusted_proxies={"x_hots": 1})
    with pytest.raises(ValueError, match="x_for must be"):
        ProxyTrust(x_for=-1)
    with pytest.raises(ValueError, match="trusted_proxies must be"):
        App(__name__, trusted_proxies="1")
    assert App(__name__, trusted_proxies=0).trusted_proxies is None
    assert App(__name__, trusted_proxies=2).trusted_proxies == ProxyTrust(x_for=2, x_proto=2)
