"""Request-scoped ``request`` and ``g``, backed by contextvars (safe under threads and async)."""

from __future__ import annotations

from contextvars import ContextVar, Token

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable
    from typing import Any

    from .app import App
    from .http import Request


class AppGlobals:
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


# The running request (it carries its app and its ``g``): one object per request, set and reset
# around the dispatch.
_current: ContextVar[Request] = ContextVar("manypaths.request")


def current_request() -> Request:
    """The running request; a clear error outside a request."""
    try:
        return _current.get()
    except LookupError:
        raise RuntimeError(
            "Working outside of a request: 'request', 'g', 'url_for' and 'current_app' work only while "
            "the app handles a request (use app.test_client() or app.test_request_context() in tests)."
        ) from None


class RequestContext:
    """Makes ``request`` a given Request while active: ``with app.test_request_context("/x"):``.

    Inside, ``request``, ``g``, ``url_for`` and ``current_app`` work as in a view. Contexts nest
    (the outer request comes back when the inner one ends).
    """

    def __init__(self, request: Request) -> None:
        self.request = request
        self._tokens: list[Token[Request]] = []

    def push(self) -> None:
        self._tokens.append(_current.set(self.request))

    def pop(self, exc: BaseException | None = None) -> None:
        """Deactivate; the last pop runs the app's teardown_request hooks (with ``exc``), as Flask."""
        if not self._tokens:
            raise RuntimeError("This request context is not active (pop() without push()).")
        try:
            if len(self._tokens) == 1 and self.request.app is not None:
                self.request.app.do_teardown_request(exc)  # while request and g still work
        finally:
            _current.reset(self._tokens.pop())
            if not self._tokens:
                self.request.close()

    def __enter__(self) -> RequestContext:
        self.push()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        self.pop(exc)

    def __repr__(self) -> str:
        return f"<RequestContext {self.request!r}>"


def current_app_object() -> App:
    """The App handling the running request."""
    app = current_request().app
    if app is None:
        raise RuntimeError("The running request has no App (it was not dispatched by App.wsgi_app).")
    return app


def _request_globals() -> AppGlobals:
    # Made on first use: most requests never touch ``g``.
    req = current_request()
    found = req._g
    if found is None:
        found = req._g = AppGlobals()
    return found


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


request: Request = _Proxy(current_request)  # type: ignore[assignment]
g: AppGlobals = _Proxy(_request_globals)  # type: ignore[assignment]
current_app: App = _Proxy(current_app_object)  # type: ignore[assignment]
