"""Converters: the regex a variable part matches, and its conversion to and from Python."""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    import uuid
    from collections.abc import Mapping
    from typing import Any, ClassVar

# Characters a path segment may carry unescaped (WHATWG path-segment set, as werkzeug).
PATH_SAFE = "!$&'()*+,/:;=@"
_PLAIN = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~" + PATH_SAFE)


def quote_segment(value: str) -> str:
    """Percent-encode ``value`` for a URL path, skipping the work when nothing needs it."""
    # Most values (ids, slugs) need no escaping; a set check is far cheaper than quote().
    if _PLAIN.issuperset(value):
        return value
    from urllib.parse import quote  # only values that need escaping pay for the module

    return quote(value, safe=PATH_SAFE)


class ValidationError(ValueError):
    """Raised by ``to_python``: this rule does not match the value; the next rule is tried."""


def is_validation_error(error: BaseException) -> bool:
    """Ours, or another library's class of that name (werkzeug's), recognised without importing it."""
    return isinstance(error, ValidationError) or any(
        cls.__name__ == "ValidationError" and cls.__module__.startswith("werkzeug") for cls in type(error).__mro__)


class BaseConverter:
    """A converter: ``regex`` selects the text, ``to_python``/``to_url`` convert it.

    ``weight`` orders converters at the same place (lower first); ``part_isolating``
    is False when the regex can match a ``/`` (it is derived from ``regex``).
    """

    regex: str = "[^/]+"
    weight: int = 100
    part_isolating: ClassVar[bool] = True

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "regex" in cls.__dict__ and "part_isolating" not in cls.__dict__:
            cls.part_isolating = "/" not in cls.regex

    def __init__(self, map: Any = None, *args: Any, **kwargs: Any) -> None:
        if args or kwargs:
            raise TypeError(f"{type(self).__name__} takes no arguments")
        self.map = map

    def to_python(self, value: str) -> Any:
        """Convert the matched text to the value the view receives."""
        return value

    @property
    def inline(self) -> str | None:
        """A builtin whose call equals ``to_python`` on any text the regex matches ("" for none), or None.

        A converter class may set ``inline_safe = True`` in its own body to promise that its
        ``to_python`` equals its base's inline form; without it, an override is always called.
        """
        return "" if type(self).to_python is BaseConverter.to_python else None

    def to_url(self, value: Any) -> str:
        """Convert a value to its (percent-encoded) URL text."""
        return quote_segment(str(value))


class UnicodeConverter(BaseConverter):
    """One path segment (the default): ``minlength`` (1), ``maxlength``, ``length``."""

    def __init__(
        self,
        map: Any = None,
        minlength: int = 1,
        maxlength: int | None = None,
        length: int | None = None,
    ) -> None:
        super().__init__(map)
        # Kept for the OpenAPI document (the regex is what matches).
        self.minlength = length if length is not None else minlength
        self.maxlength = length if length is not None else maxlength
        if length is not None:
            self.regex = f"[^/]{{{_nonneg('length', length)}}}"
        else:
            upper = "" if maxlength is None else str(_nonneg("maxlength", maxlength))
            self.regex = f"[^/]{{{_nonneg('minlength', minlength)},{upper}}}"


class AnyConverter(BaseConverter):
    """One of the given items: ``<any(about, help, "a,b"):page>``."""

    def __init__(self, map: Any = None, *items: str) -> None:
        super().__init__(map)
        if not items:
            raise TypeError("any() needs at least one item")
        import re

        self.choices = tuple(str(item) for item in items)  # in the rule's order (the OpenAPI enum)
        self.items = frozenset(self.choices)
        self.regex = f"(?:{'|'.join(re.escape(str(x)) for x in items)})"

    def to_url(self, value: Any) -> str:
        if value in self.items:
            return str(value)
        valid = ", ".join(f"'{item}'" for item in sorted(self.items))
        raise ValueError(f"'{value}' is not one of {valid}")


class PathConverter(BaseConverter):
    """The rest of the path, slashes included (matched last)."""

    part_isolating = False
    regex = "[^/].*?"
    weight = 200


class NumberConverter(BaseConverter):
    """Base of ``int`` and ``float``: ``min``, ``max``, ``signed`` (and ``fixed_digits``)."""

    weight = 50
    num_convert: Any = int

    def __init__(
        self,
        map: Any = None,
        fixed_digits: int = 0,
        min: Any = None,
        max: Any = None,
        signed: bool = False,
    ) -> None:
        super().__init__(map)
        for name, bound in (("min", min), ("max", max)):
            if bound is not None and (isinstance(bound, bool) or not isinstance(bound, (int, float))):
                raise TypeError(f"{name} must be a number, not {bound!r}")
        if not isinstance(signed, bool):
            raise TypeError(f"signed must be True or False, not {signed!r}")
        if signed:
            self.regex = f"-?{type(self).regex}"
        self.fixed_digits = _nonneg("fixed_digits", fixed_digits)
        self.min = min
        self.max = max
        self.signed = signed

    def to_python(self, value: str) -> Any:
        if self.fixed_digits and len(value) != self.fixed_digits:
            raise ValidationError
        try:
            number = self.num_convert(value)
        except ValueError:
            raise ValidationError from None
        if (self.min is not None and number < self.min) or (self.max is not None and number > self.max):
            raise ValidationError
        return number

    @property
    def inline(self) -> str | None:
        # Only the exact built-in classes (or a subclass that declares ``inline_safe = True`` in its
        # own body) are inlined: a subclass that overrides ``to_python``, ``regex`` or
        # ``num_convert`` must be called, or its checks would be skipped once the map is compiled.
        cls = type(self)
        if cls not in (IntegerConverter, FloatConverter) and not cls.__dict__.get("inline_safe", False):
            return None
        # Unconstrained, the regex (digits, a dot) guarantees int()/float() succeed.
        if self.fixed_digits or self.min is not None or self.max is not None:
            return None
        return {int: "int", float: "float"}.get(self.num_convert)

    def to_url(self, value: Any) -> str:
        text = str(self.num_convert(value))
        if self.fixed_digits:
            text = text.zfill(self.fixed_digits)
        return text


class IntegerConverter(NumberConverter):
    """An integer: ``<int:id>``, ``<int(min=1, max=99, fixed_digits=2, signed=True):n>``."""

    regex = r"\d+"


class FloatConverter(NumberConverter):
    """A float written with a dot: ``<float:f>``, ``<float(min=0.5, signed=True):f>``."""

    regex = r"\d+\.\d+"
    num_convert = float

    def __init__(self, map: Any = None, min: Any = None, max: Any = None, signed: bool = False) -> None:
        super().__init__(map, min=min, max=max, signed=signed)


class UUIDConverter(BaseConverter):
    """A UUID in its canonical 8-4-4-4-12 form; the view receives a ``uuid.UUID``."""

    regex = r"[A-Fa-f0-9]{8}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{4}-[A-Fa-f0-9]{12}"

    def to_python(self, value: str) -> uuid.UUID:
        import uuid  # only routes with UUIDs pay for the module

        return uuid.UUID(value)

    def to_url(self, value: Any) -> str:
        return str(value)


def _nonneg(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise TypeError(f"{name} must be a non-negative integer, not {value!r}")
    return value


DEFAULT_CONVERTERS: Mapping[str, type[BaseConverter]] = {
    "default": UnicodeConverter,
    "string": UnicodeConverter,
    "any": AnyConverter,
    "path": PathConverter,
    "int": IntegerConverter,
    "float": FloatConverter,
    "uuid": UUIDConverter,
}
