"""Where a typed view's parameter comes from: request values reach only parameters marked here.

A view parameter is read from the request and validated against its annotation (see
``manypaths.validation``) only when it is marked with one of these in ``typing.Annotated``, or is a
model type (dataclass, ``TypedDict``, ``msgspec.Struct``, pydantic model), which is the JSON body.
Any other parameter is Flask's: a URL variable, a rule default or its Python default — a query
value never reaches a parameter the developer did not mark::

    def search(q: Annotated[str, Query()],                       # ?q=... (required)
               limit: Annotated[int, Query(ge=1, le=100)] = 10,  # ?limit=... (1 to 100)
               x_api_key: Annotated[str, Header()],              # the X-Api-Key header
               session: Annotated[str | None, Cookie()] = None,
               tags: Annotated[list[str], Query()] = []) -> list[Result]:  # ?tags=a&tags=b

These markers are plain objects: importing them costs nothing at cold start.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any


class Param:
    """A parameter's source and what the document says of it.

    Args:
        alias: the name in the request, when the Python name cannot be it (``Query(alias="page-size")``).
            A header's default name is the parameter's with ``_`` as ``-`` (``x_api_key`` -> ``X-Api-Key``).
        description: shown in the OpenAPI document.
        deprecated: marked deprecated in the document.
        ge, gt, le, lt: bounds of a number (validated, and in the document).
        min_length, max_length: bounds of a string's or list's length.
        pattern: a regular expression a string must match.
        example: an example value for the document.
    """

    location = "query"

    __slots__ = ("alias", "description", "deprecated", "constraints", "example")

    def __init__(
        self,
        alias: str | None = None,
        *,
        description: str | None = None,
        deprecated: bool = False,
        ge: float | None = None,
        gt: float | None = None,
        le: float | None = None,
        lt: float | None = None,
        min_length: int | None = None,
        max_length: int | None = None,
        pattern: str | None = None,
        example: Any = None,
    ) -> None:
        self.alias = alias
        self.description = description
        self.deprecated = deprecated
        self.example = example
        self.constraints: dict[str, Any] = {key: value for key, value in (
            ("ge", ge), ("gt", gt), ("le", le), ("lt", lt),
            ("min_length", min_length), ("max_length", max_length), ("pattern", pattern),
        ) if value is not None}

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.alias!r})" if self.alias else f"{type(self).__name__}()"


class Query(Param):
    """A query-string parameter (a ``list[...]`` type takes every value of a repeated key)."""

    __slots__ = ()
    location = "query"


class Header(Param):
    """A request header (``x_api_key`` reads ``X-Api-Key``; ``alias`` names another)."""

    __slots__ = ()
    location = "header"


class Cookie(Param):
    """A cookie sent by the client."""

    __slots__ = ()
    location = "cookie"


class Path(Param):
    """A URL variable (the default for a parameter named like one): adds constraints or a description."""

    __slots__ = ()
    location = "path"


class Body(Param):
    """The JSON request body, whatever the type (``Annotated[list[int], Body()]``)."""

    __slots__ = ()
    location = "body"
