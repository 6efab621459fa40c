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
_NUMBERS = frozenset({"max-age", "s-maxage", "stale-while-revalidate", "stale-if-error", "max-stale", "min-fresh"})


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


class RequestCacheControl(CacheControl):
    """A request's ``Cache-Control`` (``no_cache``, ``no_store``, ``max_age``, ``max_stale``,
    ``min_fresh``, ``only_if_cached``...): read-only."""

    def __init__(self, header: str | None) -> None:
        super().__init__(header, _read_only)

    def __setattr__(self, name: str, value: Any) -> None:
        _read_only(None)

    def __repr__(self) -> str:
        return f"<RequestCacheControl {self.to_header()!r}>"


def _read_only(_: Any) -> None:
    raise TypeError("the request's headers are read-only")


class ETags:
    """The entity tags of an ``If-Match`` or ``If-None-Match`` header, as werkzeug's: ``"v1" in
    etags`` (a strong match, or ``*``), ``contains_weak``, ``is_weak``, ``star_tag``, ``as_set``."""

    def __init__(self, strong: Any = (), weak: Any = (), star_tag: bool = False) -> None:
        self._strong = frozenset(strong)
        self._weak = frozenset(weak)
        self.star_tag = star_tag

    def is_weak(self, etag: str) -> bool:
        return etag in self._weak

    def is_strong(self, etag: str) -> bool:
        return etag in self._strong

    def contains(self, etag: str) -> bool:
        """A strong match (``*`` matches any)."""
        return self.star_tag or etag in self._strong

    def contains_weak(self, etag: str) -> bool:
        """A weak match: strong or weak (``*`` matches any)."""
        return self.contains(etag) or etag in self._weak

    def contains_raw(self, etag: str) -> bool:
        """Whether a quoted tag (``'W/"v1"'``, ``'"v1"'``) is here, weakly if it is weak."""
        value, weak = unquote_etag(etag)
        return value is not None and (self.contains_weak(value) if weak else self.contains(value))

    def as_set(self, include_weak: bool = False) -> set[str]:
        return set(self._strong | self._weak) if include_weak else set(self._strong)

    def to_header(self) -> str:
        if self.star_tag:
            return "*"
        tags = [f'"{tag}"' for tag in sorted(self._strong)] + [f'W/"{tag}"' for tag in sorted(self._weak)]
        return ", ".join(tags)

    def __contains__(self, etag: object) -> bool:
        return isinstance(etag, str) and self.contains(etag)

    def __iter__(self) -> Any:
        return iter(self._strong)

    def __bool__(self) -> bool:
        return bool(self.star_tag or self._strong or self._weak)

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<ETags {self.to_header()!r}>"


def parse_etags(header: str | None) -> ETags:
    """An ``If-Match`` / ``If-None-Match`` header's tags (RFC 9110 8.8.3): ``*``, or a list of
    ``"tag"`` and ``W/"tag"`` (an unquoted tag read as one, as werkzeug reads it)."""
    if not header:
        return ETags()
    text = header.strip()
    if text == "*":
        return ETags(star_tag=True)
    strong: list[str] = []
    weak: list[str] = []
    at = 0
    while at < len(text):
        if text[at] in " \t,":
            at += 1
            continue
        is_weak = text.startswith(("W/", "w/"), at)
        start = at + 2 if is_weak else at
        if start >= len(text) or text[start] != '"':  # unquoted: the text to the next comma, as werkzeug
            end = text.find(",", start)
            end = len(text) if end < 0 else end
            tag = text[start:end].strip()
            if tag:
                (weak if is_weak else strong).append(tag)
            at = end + 1
            continue
        end = text.find('"', start + 1)
        if end < 0:
            break
        (weak if is_weak else strong).append(text[start + 1:end])
        at = end + 1
    return ETags(strong, weak)


class IfRange:
    """An ``If-Range`` header: an entity tag (``etag``; ``weak`` when it is, which never matches) or a
    date (``date``), or neither."""

    def __init__(self, etag: str | None = None, date: datetime | None = None, weak: bool = False) -> None:
        self.etag = etag
        self.date = date
        self.weak = weak

    def to_header(self) -> str:
        if self.date is not None:
            from .response import http_date

            return http_date(self.date)
        return quote_etag(self.etag) if self.etag is not None else ""

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<IfRange {self.to_header()!r}>"


def parse_if_range(header: str | None) -> IfRange:
    if not header:
        return IfRange()
    text = header.strip()
    if text.startswith(('"', "W/", "w/")):
        etag, weak = unquote_etag(text)
        return IfRange(etag=etag, weak=bool(weak)) if etag and '"' not in etag else IfRange()  # (malformed: none)
    return IfRange(date=parse_date(text))


class Range:
    """A ``Range`` header, as werkzeug's: ``units`` and ``ranges``, a list of ``(start, stop)`` (stop
    exclusive, None: to the end; a negative start: the last bytes)."""

    def __init__(self, units: str, ranges: list[tuple[int, int | None]]) -> None:
        self.units = units
        self.ranges = ranges

    def range_for_length(self, length: int | None) -> tuple[int, int] | None:
        """``(start, stop)`` of a ``length``-byte body for a single satisfiable range, else None."""
        if self.units != "bytes" or length is None or len(self.ranges) != 1:
            return None
        start, stop = self.ranges[0]
        if stop is None:
            stop = length
            if start < 0:
                start += length
        if 0 <= start < length:
            return start, min(stop, length)
        return None

    def to_header(self) -> str:
        parts = []
        for start, stop in self.ranges:
            parts.append(f"{start}" if start < 0 else f"{start}-" if stop is None else f"{start}-{stop - 1}")
        return f"{self.units}={','.join(parts)}"

    def __str__(self) -> str:
        return self.to_header()

    def __repr__(self) -> str:
        return f"<Range {self.to_header()!r}>"


def parse_range(header: str | None) -> Range | None:
    """A ``Range`` header (RFC 9110 14.1.1), or None when it is absent or malformed (a range that ends
    before it starts, a number that is not ASCII digits...)."""
    if not header:
        return None
    units, sep, spec = header.partition("=")
    units = units.strip().lower()
    if not sep or not units:
        return None
    ranges: list[tuple[int, int | None]] = []
    for item in spec.split(","):
        first, dash, last = item.strip().partition("-")
        first, last = first.strip(), last.strip()
        if not dash or not all(part == "" or (len(part) <= 18 and part.isascii() and part.isdigit())
                               for part in (first, last)):
            return None
        if not first:
            if not last or int(last) == 0:
                return None
            ranges.append((-int(last), None))
        elif not last:
            ranges.append((int(first), None))
        elif int(last) < int(first):
            return None
        else:
            ranges.append((int(first), int(last) + 1))
    return Range(units, ranges) if ranges else None


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
    return parse_etags(if_none_match).contains_weak(etag)


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


def byte_range(header: str, length: int) -> tuple[int, int] | None:
    """The ``(start, stop)`` bytes a ``Range`` header asks of a ``length``-byte body (RFC 9110 14.1.2),
    or None when it is to be ignored (another unit, or several ranges: the whole body is sent, as the
    RFC allows). Raises ValueError when the range is malformed or starts past the end (a 416)."""
    unit, sep, spec = header.partition("=")
    if not sep:
        raise ValueError(f"malformed Range {header[:100]!r}")
    if unit.strip().lower() != "bytes":
        return None  # a unit we do not serve: ignored (RFC 9110 14.2)
    if "," in spec:
        return None
    parsed = parse_range(header)  # (the grammar request.range reads: None when malformed)
    if parsed is None:
        raise ValueError(f"malformed Range {header[:100]!r}")
    start, stop = parsed.ranges[0]
    if start < 0:  # the last N bytes
        return max(0, length + start), length
    if start >= length:
        raise ValueError(f"range starts past the end ({length} bytes)")
    return start, length if stop is None else min(stop, length)


def if_range_holds(environ: dict[str, Any], etag: str | None, weak: bool | None,
                   last_modified: datetime | None) -> bool:
    """Whether a ``Range`` may be honoured: no ``If-Range``, or it names the current strong ETag or
    exactly the ``Last-Modified`` date (RFC 9110 13.1.5)."""
    condition = environ.get("HTTP_IF_RANGE")
    if not condition:
        return True
    wanted = parse_if_range(str(condition))  # (request.if_range's reading)
    if wanted.etag is not None:
        return bool(etag is not None and not weak and not wanted.weak and wanted.etag == etag)
    return (wanted.date is not None and last_modified is not None
            and last_modified.replace(microsecond=0) == wanted.date)
