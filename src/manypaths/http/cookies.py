"""Cookies sent to the client: a ``Set-Cookie`` header value, its name checked and its value quoted
(RFC 6265); loaded with the first cookie a response sets. (Cookies the client sends are parsed by
``manypaths.http.request.parse_cookie``.)"""

from __future__ import annotations

from .response import http_date

TYPE_CHECKING = False

if TYPE_CHECKING:
    from datetime import datetime

_COOKIE_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'()*+-./:<=>?@[]^_`{|}~")


def dump_cookie(
    key: str,
    value: str = "",
    max_age: int | None = None,
    expires: datetime | int | float | str | None = None,
    path: str | None = "/",
    domain: str | None = None,
    secure: bool = False,
    httponly: bool = False,
    samesite: str | None = None,
    partitioned: bool = False,
    max_size: int | None = 4093,
) -> str:
    """A ``Set-Cookie`` header value; the value is quoted when it holds unsafe characters.

    A cookie larger than ``max_size`` bytes (werkzeug's 4093: browsers drop larger ones silently) is
    a ValueError naming its size, so the loss is seen where the cookie is set."""
    if not isinstance(key, str) or not key or not _COOKIE_SAFE.issuperset(key) or "=" in key:
        raise ValueError(f"set_cookie: key {key!r} is not a valid cookie name (letters, digits and "
                         "!#$%&'*+-.^_`|~ only; no '=', ';', spaces or quotes)")
    parts = [f"{key}={_quote_cookie(str(value))}"]
    if max_age is not None and expires is None:
        import time

        expires = time.time() + int(max_age)  # for clients that predate Max-Age
    if domain:
        parts.append(f"Domain={_attribute('domain', domain)}")
    if expires is not None:
        parts.append(f"Expires={expires if isinstance(expires, str) else http_date(expires)}")
    if max_age is not None:
        parts.append(f"Max-Age={int(max_age)}")
    if secure:
        parts.append("Secure")
    if httponly:
        parts.append("HttpOnly")
    if path is not None:
        parts.append(f"Path={_attribute('path', path)}")
    if samesite is not None:
        same = samesite.title()
        if same not in ("Strict", "Lax", "None"):
            raise ValueError(f"samesite must be 'Strict', 'Lax' or 'None', not {samesite!r}")
        parts.append(f"SameSite={same}")
    if partitioned:
        parts.append("Partitioned")
    header = "; ".join(parts)
    if max_size is not None and len(header.encode("utf-8")) > max_size:
        raise ValueError(f"set_cookie: the cookie {key!r} is {len(header.encode('utf-8'))} bytes, more than "
                         f"{max_size} (browsers drop it): keep less in it (a session: store an id, not the data)")
    return header


def _attribute(name: str, value: str) -> str:
    if not isinstance(value, str) or any(c in value for c in ";\r\n\x00") or not value.isascii():
        raise ValueError(f"set_cookie: {name} {value!r} must be ASCII text without ';', CR, LF or NUL")
    return value


def _quote_cookie(value: str) -> str:
    if _COOKIE_SAFE.issuperset(value):
        return value
    out = []
    for char in value:
        if char in _COOKIE_SAFE and char not in '"\\':
            out.append(char)
        elif char in '"\\':
            out.append("\\" + char)
        else:
            out.extend(f"\\{byte:03o}" for byte in char.encode("utf-8"))
    return '"' + "".join(out) + '"'
