"""Request-scoped ``request`` and ``g``, backed by contextvars (safe under threads and async)."""

from __future__ import annotations

from contextvars import ContextVar

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .app import App
    from .http import Request


class _AppGlobals:
    """``g``: a namespace for one request's data (``g.user = ...``)."""

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = None) -> Any:
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self.__dict__.setdefault(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__

    def __repr__(self) -> str:
        return f"<g {self.__dict__!r}>"


class RequestContext:
    """What belongs to one request: the app, the Request and ``g`` (made on first use)."""

    __slots__ = ("_g", "app", "request")

    def __init__(self, app: App, request: Request) -> None:
        self.app = app
        self.request = request
        self._g: _AppGlobals | None = None

    @property
    def g(self) -> _AppGlobals:
        if self._g is None:
            self._g = _AppGlobals()
        return self._g


_current: ContextVar[RequestContext] = ContextVar("manypaths.request")


def current_context() -> RequestContext:
    """The running request's context; a clear error outside a request."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError(
            "Working outside of a request: 'request', 'g', 'url_for' and 'current_app' work only while "
            "the app handles a request (use app.test_client() or app.test_request_context() in tests)."
        ) from None


class _Proxy:
    """Forwards attribute access to an object found at access time (the current request's)."""

    __slots__ = ("_find",)

    def __init__(self, find: Callable[[], Any]) -> None:
        object.__setattr__(self, "_find", find)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._find(), name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._find(), name, value)

    def __delattr__(self, name: str) -> None:
        delattr(self._find(), name)

    def __contains__(self, name: str) -> bool:
        return name in self._find()

    def __bool__(self) -> bool:
        try:
            _current.get()
        except LookupError:
            return False
        return True

    def __repr__(self) -> str:
        try:
            return repr(self._find())
        except RuntimeError:
            return "<unbound proxy: no request>"

    def _get_current_object(self) -> Any:
        return self._find()


request: Request = _Proxy(lambda: current_context().request)  # type: ignore[assignment]
g: _AppGlobals = _Proxy(lambda: current_context().g)  # type: ignore[assignment]
current_app: App = _Proxy(lambda: current_context().app)  # type: ignore[assignment]
