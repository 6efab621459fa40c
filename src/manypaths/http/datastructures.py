"""Multi-value mappings for query strings, forms and headers, and uploaded files."""

from __future__ import annotations

from .exceptions import BadRequest, BadRequestKeyError

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from typing import IO, Any



class MultiDict(dict[str, list[str]]):
    """A mapping of keys to several values; ``d[key]`` and ``get`` give the first.

    Read with ``get(key, default, type=int)`` and ``getlist(key)``; iterate ``items(multi=True)``
    for every pair.
    """

    def __init__(self, pairs: Iterable[tuple[str, str]] = ()) -> None:
        super().__init__()
        for key, value in pairs:
            self.add(key, value)

    def add(self, key: str, value: Any) -> None:
        """Append ``value`` to ``key``'s values."""
        dict.setdefault(self, key, []).append(value)

    def __getitem__(self, key: str) -> Any:
        values = dict.get(self, key)
        if not values:
            # A KeyError that is also a 400: ``request.form["name"]`` on a form without it (as werkzeug).
            raise BadRequestKeyError(key)
        return values[0]

    def __setitem__(self, key: str, value: Any) -> None:
        dict.__setitem__(self, key, [value])

    def get(self, key: str, default: Any = None, type: Callable[[Any], Any] | None = None) -> Any:
        """The first value of ``key`` (converted by ``type``), or ``default`` if absent or not convertible."""
        values = dict.get(self, key)
        if not values:
            return default
        if type is None:
            return values[0]
        try:
            return type(values[0])
        except (ValueError, TypeError):
            return default

    def getlist(self, key: str, type: Callable[[Any], Any] | None = None) -> list[Any]:
        """Every value of ``key`` (those ``type`` cannot convert are left out)."""
        values = dict.get(self, key, [])
        if type is None:
            return list(values)
        out = []
        for value in values:
            try:
                out.append(type(value))
            except (ValueError, TypeError):
                continue
        return out

    def items(self, multi: bool = False) -> Iterator[tuple[str, Any]]:  # type: ignore[override]
        """``(key, first value)`` pairs, or every pair with ``multi=True``."""
        for key, values in dict.items(self):
            if multi:
                for value in values:
                    yield key, value
            else:
                yield key, values[0]

    def values(self) -> Iterator[Any]:  # type: ignore[override]
        for values in dict.values(self):
            yield values[0]

    def to_dict(self, flat: bool = True) -> dict[str, Any]:
        """A plain dict: first values, or lists with ``flat=False``."""
        if flat:
            return {k: v[0] for k, v in dict.items(self)}
        return {k: list(v) for k, v in dict.items(self)}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({list(self.items(multi=True))!r})"


class Headers:
    """Case-insensitive HTTP headers that keep order and repeated names (``Set-Cookie``)."""

    __slots__ = ("_items",)

    def __init__(self, items: Iterable[tuple[str, str]] | dict[str, str] | Headers | None = None) -> None:
        self._items: list[tuple[str, str]] = []
        if items is not None:
            self.extend(items)

    def extend(self, items: Iterable[tuple[str, Any]] | dict[str, Any] | Headers) -> None:
        """Add every header of ``items`` (a mapping, pairs, or Headers); a mapping's list, tuple or
        set value is one header per item (as werkzeug's)."""
        self._items.extend(header_pairs(items))

    def update_from(self, items: Iterable[tuple[str, Any]] | dict[str, Any] | Headers) -> None:
        """A view's headers onto these (``return body, status, headers``): each name given replaces
        the headers of that name already here; a name given more than once (in a list of pairs, as
        a mapping's list/tuple/set value, or in Headers) is sent as often."""
        self._items = merged_headers(self._items, header_pairs(items))

    def add(self, key: str, value: Any) -> None:
        """Add a header, keeping any of the same name; CR/LF in it is refused."""
        self._items.append(_checked(key, value))

    def set(self, key: str, value: Any) -> None:
        """Replace every header named ``key`` by one."""
        key, text = _checked(key, value)
        lower = key.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != lower]
        self._items.append((key, text))

    __setitem__ = set

    def setdefault(self, key: str, value: Any) -> str:
        """The header's value, setting it first if absent."""
        current = self.get(key)
        if current is None:
            self.add(key, value)
            return str(value)
        return str(current)

    def get(self, key: str, default: Any = None, type: Callable[[str], Any] | None = None) -> Any:
        """The first value of ``key`` (converted by ``type``), or ``default``."""
        lower = key.lower()
        for k, v in self._items:
            if k.lower() == lower:
                if type is None:
                    return v
                try:
                    return type(v)
                except (ValueError, TypeError):
                    return default
        return default

    def getlist(self, key: str) -> list[str]:
        """Every value of ``key``, in order."""
        lower = key.lower()
        return [v for k, v in self._items if k.lower() == lower]

    get_all = getlist

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise BadRequestKeyError(key)
        return str(value)

    def __delitem__(self, key: str) -> None:
        lower = key.lower()
        self._items = [(k, v) for k, v in self._items if k.lower() != lower]

    def pop(self, key: str, default: Any = None) -> Any:
        """Remove ``key`` and return its first value (or ``default``)."""
        value = self.get(key, default)
        del self[key]
        return value

    def add_vary(self, name: str) -> None:
        """Add ``name`` (a header name) to ``Vary`` unless it (or ``*``) is listed already."""
        wanted = name.lower()
        for key, value in self._items:
            if key.lower() == "vary":
                listed = [v.strip().lower() for v in value.split(",")]
                if wanted in listed or "*" in listed:
                    return
        self._items.append(("Vary", _checked("Vary", name)[1]))

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[tuple[str, str]]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def items(self) -> list[tuple[str, str]]:
        """Every ``(name, value)`` pair, in order."""
        return list(self._items)

    def keys(self) -> list[str]:
        return [k for k, _ in self._items]

    def to_wsgi_list(self) -> list[tuple[str, str]]:
        """The pairs as WSGI ``start_response`` takes them."""
        return list(self._items)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            return sorted((k.lower(), v) for k, v in self._items) == sorted((k.lower(), v) for k, v in other._items)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Headers({self._items!r})"


def header_pairs(items: Iterable[tuple[str, Any]] | dict[str, Any] | Headers) -> list[tuple[str, str]]:
    """The checked ``(name, text)`` pairs of a mapping, Headers or pairs; a mapping's list, tuple or
    set value is one header per item."""
    if isinstance(items, Headers):
        return list(items._items)  # checked when added
    if isinstance(items, dict):
        return [_checked(key, item) for key, value in items.items()
                for item in (value if isinstance(value, (list, tuple, set)) else (value,))]
    pairs = []
    for pair in items:
        if not isinstance(pair, (tuple, list)) or len(pair) != 2:
            raise TypeError(f"A header must be a (name, value) pair, not {pair!r:.80}.")
        pairs.append(_checked(*pair))
    return pairs


def merged_headers(pairs: list[tuple[str, str]], given: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """``pairs`` with ``given`` put over them: the first of a name given removes that name's
    headers from ``pairs`` (case-insensitively); every pair given is then added, in order."""
    seen: set[str] = set()
    for key, text in given:
        lower = key.lower()
        if lower not in seen:
            seen.add(lower)
            pairs = [(k, v) for k, v in pairs if k.lower() != lower]
        pairs.append((key, text))
    return pairs


class InvalidHeader(BadRequest, ValueError):
    """A header name or value holds a line break (response splitting): refused, answered 400."""


def _checked(key: str, value: Any) -> tuple[str, str]:
    text = str(value)
    # A CR or LF would let a value start a new header (response splitting); NUL and characters
    # outside latin-1 make WSGI servers fail with a 500: refuse them all here.
    if ("\n" in text or "\r" in text or "\x00" in text or "\n" in key or "\r" in key or ":" in key
            or "\x00" in key or not key or not (text.isascii() or _latin1(text)) or not key.isascii()):
        raise InvalidHeader(f"The header {key[:60]!r} would hold a line break, a NUL or a character outside "
                            "latin-1 (encode the value first).")
    return key, text


def _latin1(text: str) -> bool:
    try:
        text.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return True


class EnvironHeaders(Headers):
    """The request's headers, read from a WSGI environ (``HTTP_*``, ``CONTENT_TYPE``, ``CONTENT_LENGTH``)."""

    __slots__ = ()

    def __init__(self, environ: dict[str, Any]) -> None:
        super().__init__()
        items = self._items
        for key, value in environ.items():
            if key.startswith("HTTP_"):
                name = key[5:]
                if name in ("CONTENT_TYPE", "CONTENT_LENGTH"):
                    continue
            elif key in ("CONTENT_TYPE", "CONTENT_LENGTH") and value:
                name = key
            else:
                continue
            items.append((name.replace("_", "-").title(), _latin1_to_text(str(value))))


def _latin1_to_text(value: str) -> str:
    # WSGI carries headers as latin-1 "bytes in str"; decode UTF-8 where it is valid.
    try:
        return value.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return value


class FileStorage:
    """An uploaded file: ``filename``, ``content_type``, ``stream``, ``read()``, ``save(path)``."""

    def __init__(self, stream: IO[bytes], filename: str | None, name: str, content_type: str | None) -> None:
        self.stream = stream
        self.filename = filename
        self.name = name
        self.content_type = content_type

    @property
    def mimetype(self) -> str:
        """The content type without parameters, lower-case (``"text/csv"``)."""
        return (self.content_type or "").partition(";")[0].strip().lower()

    @property
    def mimetype_params(self) -> dict[str, str]:
        """The content type's parameters (``{"charset": "utf-8"}``)."""
        params: dict[str, str] = {}
        for item in (self.content_type or "").split(";")[1:]:
            key, _, value = item.partition("=")
            if key.strip():
                params[key.strip().lower()] = value.strip().strip('"')
        return params

    def __bool__(self) -> bool:
        return bool(self.filename)  # as werkzeug's: an empty file field is falsy

    def read(self, size: int = -1) -> bytes:
        """Read from the file's start (first call) or where the last read stopped."""
        return self.stream.read(size)

    def save(self, destination: str | IO[bytes], buffer_size: int = 64 * 1024) -> None:
        """Copy the file to a path or a binary file object."""
        import shutil

        self.stream.seek(0)
        if isinstance(destination, str):
            with open(destination, "wb") as out:
                shutil.copyfileobj(self.stream, out, buffer_size)
        else:
            shutil.copyfileobj(self.stream, destination, buffer_size)

    def close(self) -> None:
        self.stream.close()

    def __repr__(self) -> str:
        return f"<FileStorage {self.filename!r} ({self.content_type})>"


def ascii_number(text: str | None) -> int | None:
    """A header value that is plain ASCII digits (at most 18: no real length, count or age is longer)
    as a number, else None. (``int()`` would also take "+5", "1_0" and other scripts' digits, and
    raise for "²", which ``str.isdigit()`` accepts.)"""
    if text is not None and len(text) <= 18 and text.isascii() and text.isdigit():
        return int(text)
    return None
