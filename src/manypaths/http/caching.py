"""Cache and conditional-request headers for responses: ``Cache-Control``, ETags, dates, 304s.

Imported by the Response properties that need it (``cache_control``, ``last_modified``,
``make_conditional``...), never by a plain request.
"""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime
    from typing import Any

# Directives that are flags (present or not); the others carry a value.
_FLAGS = frozenset({"no-store", "no-transform", "must-revalidate", "proxy-revalidate", "public", "private",
                    "immutable", "must-understand"})
_NUMBERS = frozenset({"max-age", "s-maxage", "stale-while-revalidate", "stale-if-error"})


class CacheControl:
    """``Cache-Control`` as attributes: ``max_age``, ``s_maxage``, ``no_cache``, ``no_store``, ``public``,
    ``private``, ``must_revalidate``, ``immutable``...; every change is written to the header at once."""

    def __init__(self, header: str | None, on_update: Callable[[str | None], None]) -> None:
        object.__setattr__(self, "_on_update", on_update)
        directives: dict[str, Any] = {}
        for item in (header or "").split(","):
            key, sep, value = item.strip().partition("=")
            key = key.strip().lower()
            if key:
                directives[key] = value.strip().strip('"') if sep else True
        object.__setattr__(self, "_directives", directives)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        key = name.replace("_", "-")
        value = self._directives.get(key)
        if value is None:
            return False if key in _FLAGS else None
        if key in _NUMBERS:
            try:
                return int(value)
            except (TypeError, ValueError):
                return None
        return value

    def __setattr__(self, name: str, value: Any) -> None:
        key = name.replace("_", "-")
        if value is None or value is False:
            self._directives.pop(key, None)
        else:
            self._directives[key] = True if value is True and (key in _FLAGS or key == "no-cache") else value
        self._on_update(self.to_header() or None)

    def __delattr__(self, name: str) -> None:
        self.__setattr__(name, None)

    def to_header(self) -> str:
        parts = []
        for key, value in self._directives.items():
            parts.append(key if value is True else f"{key}={value}")
        return ", ".join(parts)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<CacheControl {self.to_header()!r}>"


def parse_date(value: str | None) -> datetime | None:
    """An HTTP date as an aware UTC datetime, or None if absent or malformed."""
    if not value:
        return None
    from email.utils import parsedate_to_datetime

    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if parsed.tzinfo is None:
        from datetime import timezone

        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def quote_etag(etag: str, weak: bool = False) -> str:
    """``"etag"`` (or ``W/"etag"``); a quote inside is refused."""
    if '"' in etag:
        raise ValueError(f"an ETag must not contain a double quote: {etag!r}")
    return f'W/"{etag}"' if weak else f'"{etag}"'


def unquote_etag(header: str | None) -> tuple[str | None, bool | None]:
    """``(etag, weak)`` from an ETag header, or ``(None, None)``."""
    if not header:
        return None, None
    value = header.strip()
    weak = value[:2] in ("W/", "w/")
    if weak:
        value = value[2:]
    if len(value) >= 2 and value[0] == value[-1] == '"':
        value = value[1:-1]
    return value, weak


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison, RFC 9110 13.1.2) or is ``*``."""
    if if_none_match.strip() == "*":
        return True
    for candidate in if_none_match.split(","):
        value, _ = unquote_etag(candidate)
        if value == etag:
            return True
    return False


def not_modified(environ: dict[str, Any], etag: str | None, last_modified: datetime | None) -> bool:
    """RFC 9110 13.2.2 for GET/HEAD: If-None-Match decides when present, else If-Modified-Since."""
    if environ.get("REQUEST_METHOD", "GET").upper() not in ("GET", "HEAD"):
        return False
    if_none_match = environ.get("HTTP_IF_NONE_MATCH")
    if if_none_match:
        return etag is not None and etag_matches(str(if_none_match), etag)
    since = parse_date(environ.get("HTTP_IF_MODIFIED_SINCE"))
    if since is None or last_modified is None:
        return False
    return last_modified.replace(microsecond=0) <= since
