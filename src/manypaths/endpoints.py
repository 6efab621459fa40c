"""One record per endpoint: what the app knows of an endpoint besides its view (``app.view_functions``,
Flask's dict, holds the view).

A record is made when an endpoint first gets a fact: a typed view (and its Binder, built on the
first typed request), ``route(status=...)``, ``include_in_schema=False``, or a route's own ``cors=``
or ``compress=`` (``UNSET`` until then: the blueprint's or the app's applies).
"""

from __future__ import annotations

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any


class _Unset:
    __slots__ = ()

    def __repr__(self) -> str:
        return "UNSET"


#: A route setting not given on the route itself (its blueprint's or the app's applies).
UNSET: Any = _Unset()


class Endpoint:
    """The facts about one endpoint."""

    __slots__ = ("name", "typed", "binder", "status", "hidden", "cors", "compress")

    def __init__(self, name: Any) -> None:
        self.name = name
        self.typed = False  # its view reads typed values (see manypaths.validation)
        self.binder: Any = None  # the typed view's Binder, built on its first typed request
        self.status: int | None = None  # route(status=201): a typed view's success status
        self.hidden = False  # left out of the OpenAPI document
        self.cors: Any = UNSET  # the route's own CORS policy (None: off on this route)
        self.compress: Any = UNSET  # the route's own compress= (True/False)

    def __repr__(self) -> str:
        return f"<Endpoint {self.name!r}>"


def record(endpoints: dict[Any, Endpoint], name: Any) -> Endpoint:
    """The record of endpoint ``name`` in ``endpoints``, made on first use."""
    found = endpoints.get(name)
    if found is None:
        found = endpoints[name] = Endpoint(name)
    return found
