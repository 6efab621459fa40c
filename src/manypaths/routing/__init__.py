"""The route system: werkzeug's rule syntax and matching order, without HTTP or WSGI."""

from __future__ import annotations

from .converters import (
    AnyConverter,
    BaseConverter,
    FloatConverter,
    IntegerConverter,
    PathConverter,
    UnicodeConverter,
    UUIDConverter,
    ValidationError,
)
from .exceptions import BuildError, MethodNotAllowed, NotFound, RequestRedirect, RoutingError, RuleError
from .map import Map
from .rules import Rule

__all__ = [
    "AnyConverter",
    "BaseConverter",
    "BuildError",
    "FloatConverter",
    "IntegerConverter",
    "Map",
    "MethodNotAllowed",
    "NotFound",
    "PathConverter",
    "RequestRedirect",
    "RoutingError",
    "Rule",
    "RuleError",
    "UUIDConverter",
    "UnicodeConverter",
    "ValidationError",
]
