"""Requests through trusted proxies: ``X-Forwarded-*`` applied to the environ (as werkzeug's ProxyFix).

Only with ``App(trusted_proxies=...)``, and only the headers it names. Each trusted header counts
the proxies that set it: N proxies each append a value, so the one to use is the N-th from the right
(values further left are whatever the client sent). ``trusted_proxies=N`` (an int) trusts
``X-Forwarded-For`` and ``X-Forwarded-Proto`` from N proxies and nothing else, as ProxyFix's
defaults; ``ProxyTrust(x_for=1, x_proto=1, x_host=1, x_port=0, x_prefix=1)`` (or a dict of those
counts) widens it header by header:

- ``X-Forwarded-For``: ``REMOTE_ADDR``;
- ``X-Forwarded-Proto``: ``wsgi.url_scheme`` (only ``http`` or ``https``: anything else is ignored);
- ``X-Forwarded-Host``: the host (a host name or address with an optional port, nothing else), then
  checked against ``TRUSTED_HOSTS`` like a direct ``Host`` (400 when not listed) — set
  ``TRUSTED_HOSTS`` whenever the host is trusted, or a link built with ``url_for(_external=True)``
  names whatever host the proxy passed on;
- ``X-Forwarded-Port``: the port;
- ``X-Forwarded-Prefix``: the script root, only a plain path (``/api/v1``: no ``\\``, no ``//``,
  no ``.``/``..`` segment, no scheme, query or control character).

The originals stay in ``environ["manypaths.proxy.orig"]``.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable
    from typing import Any

_HEADERS = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")
# What a forwarded prefix may hold: RFC 3986 path characters, percent escapes included.
_PATH_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@%/")
_HOST_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-:[]_")


class ProxyTrust:
    """How many proxies set each ``X-Forwarded-*`` header (0: the header is ignored).

    Args:
        x_for: how many proxies set ``X-Forwarded-For`` (default 1, as werkzeug's ProxyFix).
        x_proto: the same for ``X-Forwarded-Proto`` (default 1).
        x_host: the same for ``X-Forwarded-Host`` (default 0: not trusted).
        x_port: the same for ``X-Forwarded-Port`` (default 0).
        x_prefix: the same for ``X-Forwarded-Prefix`` (default 0).
    """

    __slots__ = ("x_for", "x_proto", "x_host", "x_port", "x_prefix")
    x_for: int
    x_proto: int
    x_host: int
    x_port: int
    x_prefix: int

    def __init__(self, x_for: int = 1, x_proto: int = 1, x_host: int = 0, x_port: int = 0, x_prefix: int = 0) -> None:
        for name, value in zip(_HEADERS, (x_for, x_proto, x_host, x_port, x_prefix)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"ProxyTrust: {name} must be a number of proxies (an int >= 0), not {value!r}")
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError("ProxyTrust is immutable: make a new one")

    def __bool__(self) -> bool:
        return any(getattr(self, name) for name in _HEADERS)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ProxyTrust) and all(getattr(self, n) == getattr(other, n) for n in _HEADERS)

    def __hash__(self) -> int:
        return hash(tuple(getattr(self, n) for n in _HEADERS))

    def __repr__(self) -> str:
        return f"ProxyTrust({', '.join(f'{n}={getattr(self, n)}' for n in _HEADERS)})"


def proxy_trust(value: Any) -> ProxyTrust | None:
    """``App(trusted_proxies=...)`` as a ProxyTrust: an int N (For and Proto from N proxies), a
    ProxyTrust, or a dict of its counts; None (or nothing trusted) for None."""
    if value is None:
        return None
    if isinstance(value, ProxyTrust):
        trust = value
    elif isinstance(value, dict):
        unknown = set(value) - set(_HEADERS)
        if unknown:
            raise ValueError(f"trusted_proxies: unknown header {sorted(unknown)[0]!r}; use {', '.join(_HEADERS)}")
        trust = ProxyTrust(**{"x_for": 0, "x_proto": 0, **value})
    elif isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        trust = ProxyTrust(x_for=value, x_proto=value)
    else:
        raise ValueError("trusted_proxies must be the number of proxies in front of the app (an int >= 0), "
                         f"a ProxyTrust or a dict of its counts, not {value!r}")
    return trust if trust else None


def _nth_from_right(value: str | None, n: int) -> str | None:
    # The value the n-th trusted proxy appended: None when fewer than n are there (a forged or short header).
    if not value or not n:
        return None
    parts = [p.strip() for p in value.split(",")]
    if len(parts) < n:
        return None
    found = parts[-n]
    return found or None


def is_plain_path(prefix: str) -> bool:
    """Whether ``prefix`` is a path a URL may start with: ``/`` and path characters only, no empty,
    ``.`` or ``..`` segment (so no ``//host``, ``/\\host``, ``/../``, scheme or query)."""
    if not prefix.startswith("/") or not _PATH_CHARS.issuperset(prefix):
        return False
    segments = prefix.rstrip("/").split("/")[1:]
    return all(segment not in ("", ".", "..") for segment in segments)


def apply_forwarded(environ: dict[str, Any], trust: ProxyTrust) -> None:
    """Rewrite ``environ`` from the X-Forwarded-* headers ``trust`` names."""
    if "manypaths.proxy.orig" in environ:
        return  # already applied (a middleware and the app both configured)
    environ["manypaths.proxy.orig"] = {key: environ.get(key) for key in (
        "REMOTE_ADDR", "wsgi.url_scheme", "HTTP_HOST", "SERVER_NAME", "SERVER_PORT", "SCRIPT_NAME")}
    address = _nth_from_right(environ.get("HTTP_X_FORWARDED_FOR"), trust.x_for)
    if address:
        environ["REMOTE_ADDR"] = address
    scheme = _nth_from_right(environ.get("HTTP_X_FORWARDED_PROTO"), trust.x_proto)
    if scheme and scheme.lower() in ("http", "https"):
        environ["wsgi.url_scheme"] = scheme.lower()
    host = _nth_from_right(environ.get("HTTP_X_FORWARDED_HOST"), trust.x_host)
    if host and _HOST_CHARS.issuperset(host):
        environ["HTTP_HOST"] = host
        name, _, host_port = host.rpartition(":") if host.rfind(":") > host.rfind("]") else (host, "", "")
        environ["SERVER_NAME"] = name
        if host_port.isascii() and host_port.isdigit():
            environ["SERVER_PORT"] = host_port
    port = _nth_from_right(environ.get("HTTP_X_FORWARDED_PORT"), trust.x_port)
    if port and port.isascii() and port.isdigit():
        environ["SERVER_PORT"] = port
        current = environ.get("HTTP_HOST")
        if current:
            base = current.rpartition(":")[0] if current.rfind(":") > current.rfind("]") else current
            environ["HTTP_HOST"] = f"{base}:{port}"
    prefix = _nth_from_right(environ.get("HTTP_X_FORWARDED_PREFIX"), trust.x_prefix)
    if prefix and is_plain_path(prefix):
        environ["SCRIPT_NAME"] = prefix.rstrip("/")  # as werkzeug's ProxyFix: the proxy's prefix is the root


def host_is_trusted(host: str, trusted: Iterable[str]) -> bool:
    """Whether ``host`` (a Host header, port allowed) is one of ``trusted`` (``".example.org"``: and
    its subdomains), compared without the port and case-insensitively, as werkzeug's."""
    if isinstance(trusted, str):
        trusted = [trusted]
    if host.startswith("["):
        name = host.partition("]")[0] + "]"
    else:
        name = host.rpartition(":")[0] if host.count(":") == 1 else host
    name = name.lower().rstrip(".")
    if not name:
        return False
    for ref in trusted:
        ref = ref.lower()
        if ref.startswith("."):
            if name == ref[1:] or name.endswith(ref):
                return True
        elif name == ref:
            return True
    return False
