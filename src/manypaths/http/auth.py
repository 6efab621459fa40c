"""The ``Authorization``, ``WWW-Authenticate`` and ``Accept*`` headers, parsed as werkzeug's
(``request.authorization``, ``response.www_authenticate``, ``request.accept_mimetypes``...).

Loaded on first use. A malformed header is treated as absent (``authorization`` is None, an
``Accept`` that cannot be read accepts everything): bad input never becomes a 500.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator
    from typing import Any


def _split_params(text: str) -> dict[str, str]:
    # key=value, key="quoted, value" pairs separated by commas (RFC 9110 auth-params).
    params: dict[str, str] = {}
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " ,\t":
            i += 1
        start = i
        while i < n and text[i] not in "=,":
            i += 1
        key = text[start:i].strip().lower()
        if i >= n or text[i] != "=":
            if key:
                params[key] = ""
            continue
        i += 1
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == '"':
            i += 1
            value = []
            while i < n and text[i] != '"':
                if text[i] == "\\" and i + 1 < n:
                    i += 1
                value.append(text[i])
                i += 1
            i += 1
            params[key] = "".join(value)
        else:
            start = i
            while i < n and text[i] != ",":
                i += 1
            params[key] = text[start:i].strip()
        if key == "":
            params.pop("", None)
    return params


def _quote(value: str) -> str:
    if value and all(c.isalnum() or c in "!#$%&'*+-.^_`|~" for c in value):
        return value
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


class Authorization:
    """A parsed ``Authorization`` header: ``type`` (lower case), ``token`` (Bearer and other
    token schemes), ``parameters`` (Digest's and others'); ``username``/``password`` for Basic."""

    def __init__(self, auth_type: str, data: dict[str, str] | None = None, token: str | None = None) -> None:
        self.type = auth_type.lower()
        self.parameters: dict[str, str] = dict(data or {})
        self.token = token

    @classmethod
    def from_header(cls, value: str | None) -> Authorization | None:
        if not value:
            return None
        scheme, _, rest = value.strip().partition(" ")
        scheme = scheme.lower()
        rest = rest.strip()
        if not scheme:
            return None
        if scheme == "basic":
            import base64
            import binascii

            try:
                decoded = base64.b64decode(rest, validate=True).decode("utf-8")
            except (binascii.Error, ValueError, UnicodeDecodeError):
                return None
            username, sep, password = decoded.partition(":")
            if not sep:
                return None
            return cls("basic", {"username": username, "password": password})
        if rest and "=" in rest.rstrip("=") and not rest.endswith("=="):
            return cls(scheme, _split_params(rest))  # Digest and other parameter schemes
        return cls(scheme, token=rest or None)

    def __getitem__(self, key: str) -> str:
        return self.parameters[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.parameters.get(key, default)

    def __getattr__(self, name: str) -> Any:
        # username, password, realm, nonce, uri, response, qop, nc, cnonce, opaque...
        if name.startswith("_"):
            raise AttributeError(name)
        return self.__dict__.get("parameters", {}).get(name)

    def __eq__(self, other: object) -> bool:
        return (isinstance(other, Authorization) and other.type == self.type and other.token == self.token
                and other.parameters == self.parameters)

    def to_header(self) -> str:
        if self.type == "basic":
            import base64

            raw = f"{self.parameters.get('username', '')}:{self.parameters.get('password', '')}".encode()
            return "Basic " + base64.b64encode(raw).decode("ascii")
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        return f"{self.type.title()} " + ", ".join(f"{k}={_quote(v)}" for k, v in self.parameters.items())

    def __repr__(self) -> str:
        return f"<Authorization {self.to_header()!r}>" if self.type != "basic" else "<Authorization basic>"


class WWWAuthenticate:
    """The ``WWW-Authenticate`` challenge of a response (``response.www_authenticate``):
    ``type`` ("basic", "bearer", "digest"), ``parameters`` (``realm``...), or a ``token``."""

    def __init__(self, auth_type: str = "basic", values: dict[str, str] | None = None, token: str | None = None,
                 on_update: Any = None) -> None:
        self.type = auth_type.lower()
        self.parameters: dict[str, str] = dict(values or {})
        self.token = token
        self._on_update = on_update

    @classmethod
    def from_header(cls, value: str | None) -> WWWAuthenticate | None:
        if value and value[:5].lower() == "basic":  # a challenge's Basic has parameters, not credentials
            return cls("basic", _split_params(value[5:].strip()))
        found = Authorization.from_header(value)
        return None if found is None else cls(found.type, found.parameters, found.token)

    def __setitem__(self, key: str, value: str) -> None:
        self.parameters[key] = value
        self._changed()

    def __getitem__(self, key: str) -> str:
        return self.parameters[key]

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        return self.__dict__.get("parameters", {}).get(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("type", "parameters", "token", "_on_update"):
            object.__setattr__(self, name, value)
            if name != "_on_update":
                self._changed()
        else:
            self.parameters[name] = value
            self._changed()

    def _changed(self) -> None:
        hook = self.__dict__.get("_on_update")
        if hook is not None and "token" in self.__dict__:
            hook(self)

    def to_header(self) -> str:
        if self.token is not None:
            return f"{self.type.title()} {self.token}"
        if not self.parameters:
            return self.type.title()
        # Quoted always: some clients read a realm only as a quoted-string (RFC 7617's examples).
        quoted = (f'{k}="{v.replace(chr(92), chr(92) * 2).replace(chr(34), chr(92) + chr(34))}"'
                  for k, v in self.parameters.items())
        return f"{self.type.title()} " + ", ".join(quoted)

    def __str__(self) -> str:
        return self.to_header()


class Accept:
    """An ``Accept*`` header: values with their quality, best first."""

    def __init__(self, values: Iterable[tuple[str, float]] = ()) -> None:
        self._values = sorted(values, key=lambda item: -item[1])
        self.provided = bool(self._values)

    @classmethod
    def parse(cls, header: str | None) -> Accept:
        if not header:
            return cls()
        values = []
        for item in header.split(",")[:64]:  # a client listing more than 64 is not believed further
            value, *params = (part.strip() for part in item.split(";"))
            if not value:
                continue
            quality = 1.0
            for param in params:
                key, _, raw = param.partition("=")
                if key.strip().lower() == "q":
                    try:
                        quality = max(0.0, min(1.0, float(raw)))
                    except ValueError:
                        quality = 0.0
            values.append((value.lower() if cls is not Accept else value, quality))
        return cls(values)

    def _matches(self, value: str, offered: str) -> bool:
        return value == "*" or value.lower() == offered.lower()

    def quality(self, offered: str) -> float:
        """The quality the client gives ``offered`` (0 when it is not accepted)."""
        if not self.provided:
            return 1.0
        best = 0.0
        for value, quality in self._values:
            if self._matches(value, offered) and quality > best:
                best = quality
        return best

    def __contains__(self, offered: str) -> bool:
        return self.quality(offered) > 0

    def best_match(self, matches: Iterable[str], default: str | None = None) -> str | None:
        """The offered value the client prefers (the first offered wins a tie), or ``default``."""
        best, best_quality = default, 0.0
        for offered in matches:
            quality = self.quality(offered)
            if quality > best_quality:
                best, best_quality = offered, quality
        return best

    @property
    def best(self) -> str | None:
        return self._values[0][0] if self._values else None

    def __iter__(self) -> Iterator[tuple[str, float]]:
        return iter(self._values)

    def __len__(self) -> int:
        return len(self._values)

    def __bool__(self) -> bool:
        return bool(self._values)

    def __getitem__(self, key: str) -> float:
        return self.quality(key)

    def values(self) -> Iterator[str]:
        return (value for value, _ in self._values)

    def to_header(self) -> str:
        return ",".join(value if quality == 1 else f"{value};q={quality:g}" for value, quality in self._values)

    def __str__(self) -> str:
        return self.to_header()


class MIMEAccept(Accept):
    """``Accept``: ``text/*`` and ``*/*`` match, parameters ignored."""

    def _matches(self, value: str, offered: str) -> bool:
        value = value.split(";", 1)[0].strip().lower()
        offered = offered.split(";", 1)[0].strip().lower()
        if value in ("*", "*/*"):
            return True
        kind, _, sub = value.partition("/")
        offered_kind, _, offered_sub = offered.partition("/")
        return kind == offered_kind and (sub == "*" or sub == offered_sub)

    @property
    def accept_html(self) -> bool:
        return "text/html" in self or "application/xhtml+xml" in self

    @property
    def accept_json(self) -> bool:
        return "application/json" in self


class LanguageAccept(Accept):
    """``Accept-Language``: ``en-US`` accepts an offered ``en``, and ``en`` accepts ``en-GB``."""

    def _matches(self, value: str, offered: str) -> bool:
        value = value.lower().replace("_", "-")
        offered = offered.lower().replace("_", "-")
        return (value == "*" or value == offered or value.split("-", 1)[0] == offered
                or offered.split("-", 1)[0] == value)
