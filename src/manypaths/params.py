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
    from collections.abc import Callable, Iterable
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


# -- which views are typed (decided at registration from the code object: nothing imported) ----------


def installed(module: str) -> bool:
    # Whether ``module`` can be imported, asked of the import system's finders: nothing is imported.
    import sys

    if module in sys.modules:
        return sys.modules[module] is not None
    return any(getattr(finder, "find_spec", None) is not None and finder.find_spec(module, None) is not None
               for finder in sys.meta_path)


def _is_model_class(obj: Any) -> bool:
    # A dataclass, msgspec Struct, pydantic model or TypedDict, told by attributes (nothing imported).
    return isinstance(obj, type) and any(hasattr(obj, name) for name in (
        "__dataclass_fields__", "__struct_fields__", "__pydantic_fields__", "__required_keys__"))


def _is_marker(obj: Any) -> bool:
    # Query(), Header(), Cookie(), Body(), Path(): an instance, or the class named in a string annotation.
    return isinstance(obj, Param) or (isinstance(obj, type) and issubclass(obj, Param))


def _names(annotation: Any, scope: dict[str, Any], test: Callable[[Any], bool]) -> bool:
    # Whether ``annotation`` names something ``test`` accepts, looked up without evaluating it.
    if isinstance(annotation, str):  # ``from __future__ import annotations``: look the names up
        for char in "[],|.()=":
            annotation = annotation.replace(char, " ")
        return any(test(scope.get(word)) for word in annotation.split())
    if test(annotation):
        return True
    parts = (*(getattr(annotation, "__args__", ()) or ()), *(getattr(annotation, "__metadata__", ()) or ()))
    return any(_names(arg, scope, test) for arg in parts)


def _names_model(annotation: Any, scope: dict[str, Any]) -> bool:
    return _names(annotation, scope, _is_model_class)


def view_target(func: Any) -> tuple[Any, bool]:
    """The function a view's decorators wrap (``__wrapped__``), and whether there were any."""
    target = func
    while hasattr(target, "__wrapped__"):
        target = target.__wrapped__
    return target, target is not func


def is_typed_view(func: Any, url_args: Iterable[str]) -> bool:
    """Whether a view reads typed values from the request, and so is called through
    ``manypaths.validation``; others are called exactly as Flask calls them.

    A parameter is filled from the request only when the developer marked it: ``Query``,
    ``Header``, ``Cookie``, ``Body`` or ``Path`` in ``typing.Annotated``, or (not behind a
    decorator, which may supply that argument itself) a model type read from the JSON body. A view
    whose return annotation names a model is typed too.
    """
    target, wrapped = view_target(func)
    code = getattr(target, "__code__", None)
    if code is None:
        return False
    names = code.co_varnames[:code.co_argcount + code.co_kwonlyargcount]
    if hasattr(target, "__self__"):
        names = names[1:]  # a bound method's self
    annotations = getattr(target, "__annotations__", None) or {}
    scope = getattr(target, "__globals__", {})
    known = set(url_args)
    for name in names:
        annotation = annotations.get(name)
        if annotation is None:
            continue
        if _names(annotation, scope, _is_marker):
            return True
        if not wrapped and name not in known and _names_model(annotation, scope):
            return True
    returns = annotations.get("return")
    return returns is not None and _names_model(returns, scope)
