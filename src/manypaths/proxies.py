"""Requests through trusted proxies: ``X-Forwarded-*`` applied to the environ (as werkzeug's ProxyFix).

Only with ``App(trusted_proxies=N)``: N proxies in front of the app each append the address they
got the request from to ``X-Forwarded-For``, so the client is the N-th value from the right (values
further left are whatever the client sent). ``X-Forwarded-Proto`` sets ``wsgi.url_scheme`` (only
``http`` or ``https``: anything else is ignored), ``X-Forwarded-Host`` the host, ``X-Forwarded-Port``
the port and ``X-Forwarded-Prefix`` the script root. The originals stay in
``environ["manypaths.proxy.orig"]``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


def _nth_from_right(value: str | None, n: int) -> str | None:
    # The value the n-th trusted proxy appended: None when fewer than n are there (a forged or short header).
    if not value:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) < n:
        return None
    found = parts[-n]
    return found or None


def apply_forwarded(environ: dict[str, Any], proxies: int) -> None:
    """Rewrite ``environ`` from the X-Forwarded-* headers the ``proxies`` trusted proxies set."""
    if "manypaths.proxy.orig" in environ:
        return  # already applied (a middleware and the app both configured)
    environ["manypaths.proxy.orig"] = {key: environ.get(key) for key in (
        "REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")}
    address = _nth_from_right(environ.get("HTTP_X_FORWARDED_FOR"), proxies)
    if address:
        environ["REMOTE_ADDR"] = address
    scheme = _nth_from_right(environ.get("HTTP_X_FORWARDED_PROTO"), proxies)
    if scheme and scheme.lower() in ("http", "https"):
        environ["wsgi.url_scheme"] = scheme.lower()
    host = _nth_from_right(environ.get("HTTP_X_FORWARDED_HOST"), proxies)
    if host and all(c.isalnum() or c in ".-:[]_" for c in host):
        environ["HTTP_HOST"] = host
        name, _, host_port = host.rpartition(":") if host.rfind(":") > host.rfind("]") else (host, "", "")
        environ["SERVER_NAME"] = name
        if host_port.isdigit():
            environ["SERVER_PORT"] = host_port
    port = _nth_from_right(environ.get("HTTP_X_FORWARDED_PORT"), proxies)
    if port and port.isdigit():
        environ["SERVER_PORT"] = port
        current = environ.get("HTTP_HOST")
        if current:
            base = current.rpartition(":")[0] if current.rfind(":") > current.rfind("]") else current
            environ["HTTP_HOST"] = f"{base}:{port}"
    prefix = _nth_from_right(environ.get("HTTP_X_FORWARDED_PREFIX"), proxies)
    if prefix and prefix.startswith("/") and "//" not in prefix:
        environ["SCRIPT_NAME"] = prefix.rstrip("/")  # as werkzeug's ProxyFix: the proxy's prefix is the root
