"""``request``, ``g`` and ``current_app``, backed by contextvars (safe under threads and async).

Two contexts, as Flask's: the request context (``request``) and the application context
(``current_app`` and ``g``). A dispatched request is its own application context unless one for the
same app is already active (``with app.app_context():`` around test client calls shares its ``g``),
so a request costs one context variable, not two: the Request object carries its app and its ``g``.
"""

from __future__ import annotations

# _contextvars (the C module): the contextvars module only re-exports it (one module less at cold start).
from _contextvars import ContextVar

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator
    from contextvars import Token
    from typing import Any

    from .app import App
    from .http import Request


_MISSING: Any = object()


class AppGlobals:
    """``g``: a namespace for one request's data (``g.user = ...``)."""

    def get(self, name: str, default: Any = None) -> Any:
        return self.__dict__.get(name, default)

    def pop(self, name: str, default: Any = _MISSING) -> Any:
        """Remove ``name`` and return its value; without a default, a missing name is a KeyError (as Flask's)."""
        if default is _MISSING:
            return self.__dict__.pop(name)
        return self.__dict__.pop(name, default)

    def setdefault(self, name: str, default: Any = None) -> Any:
        return self.__dict__.setdefault(name, default)

    def __contains__(self, name: str) -> bool:
        return name in self.__dict__

    def __iter__(self) -> Iterator[str]:
        return iter(self.__dict__)

    def __repr__(self) -> str:
        return f"<g {self.__dict__!r}>"


# The running request (it carries its app and its ``g``): one object per request, set and reset
# around the dispatch.
_current: ContextVar[Request] = ContextVar("manypaths.request")
# Its set, reset and get, bound once for the hot paths (the drivers, url_for): ``_current.set(...)``
# in a module that imports ``_current`` compiles to an attribute read (CPython 3.11 makes no method
# call of an imported name), which makes a bound method per call.
set_current = _current.set
reset_current = _current.reset
get_current = _current.get
# An application context pushed explicitly (``app.app_context()``, or by a request context of a
# request that has no app of its own).
_app_ctx: ContextVar[AppContext] = ContextVar("manypaths.app_context")


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
        """Deactivate; the last pop runs the app's ``teardown_request`` hooks (with ``exc``), then its
        ``teardown_appcontext`` hooks unless an application context of the app surrounds this one."""
        if not self._tokens:
            raise RuntimeError("This request context is not active (pop() without push()).")
        try:
            if len(self._tokens) == 1 and self.request.app is not None:
                self.request.app._teardown(self.request, exc)  # while request and g still work
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


class AppContext:
    """Makes ``current_app`` and ``g`` work without a request: ``with app.app_context():``.

    Each context has its own ``g``. Requests handled inside it by the same app share that ``g``
    (and leave the ``teardown_appcontext`` hooks to its end), as in Flask. Contexts nest.
    """

    # Slots for what every context has (an event invocation makes one: cheap to make), a dict for
    # what extensions attach.
    __slots__ = ("app", "_g", "_tokens", "_request", "__dict__")

    def __init__(self, app: App) -> None:
        self.app = app
        self._g: AppGlobals | None = None  # made on first use
        self._tokens: list[Token[AppContext]] = []
        self._request: Request | None = None  # the request running when pushed: this context is inside it

    @property
    def g(self) -> AppGlobals:
        """This context's ``g``."""
        found = self._g
        if found is None:
            found = self._g = AppGlobals()
        return found

    @g.setter
    def g(self, value: AppGlobals) -> None:
        self._g = value

    def push(self) -> None:
        self._request = _current.get(None)
        self._tokens.append(_app_ctx.set(self))

    def pop(self, exc: BaseException | None = None) -> None:
        """Deactivate; the last pop runs the app's ``teardown_appcontext`` hooks (with ``exc``)."""
        tokens = self._tokens
        if not tokens:
            raise RuntimeError("This application context is not active (pop() without push()).")
        try:
            if len(tokens) == 1 and self.app._teardown_appcontext:
                self.app.do_teardown_appcontext(exc)
        finally:
            _app_ctx.reset(tokens.pop())

    def __enter__(self) -> AppContext:
        self.push()
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        self.pop(exc)

    def __repr__(self) -> str:
        return f"<AppContext of {self.app.import_name!r}>"


_new = object.__new__


def pushed_app_context(app: App) -> AppContext:
    """A new application context of ``app``, pushed: ``AppContext(app).push()`` without the class
    call (an event invocation's context; ``ctx.pop(exc)`` ends it)."""
    ctx: AppContext = _new(AppContext)
    ctx.app = app
    ctx._g = None
    ctx._request = _current.get(None)
    ctx._tokens = [_app_ctx.set(ctx)]
    return ctx


def _app_scope() -> AppContext | Request | None:
    # The innermost of the running request and the pushed application context.
    req = _current.get(None)
    ctx = _app_ctx.get(None)
    if ctx is not None and (req is None or ctx._request is req):
        return ctx
    return req


def app_context_owned(app: App) -> bool:
    """Whether a request of ``app`` that starts now is its own application context (no context of
    ``app`` is active around it): its end then runs the ``teardown_appcontext`` hooks."""
    ctx = _app_ctx.get(None)
    return ctx is None or ctx.app is not app


def app_or_none() -> App | None:
    """The App of the active application context or request, or None outside both."""
    scope = _app_scope()
    return None if scope is None else scope.app


def has_app_context() -> bool:
    """Whether ``current_app`` and ``g`` work here (a request or an application context is active)."""
    return _app_scope() is not None


def has_request_context() -> bool:
    """Whether ``request`` works here."""
    return _current.get(None) is not None


def current_app_object() -> App:
    """The App of the active application context (or of the running request)."""
    scope = _app_scope()
    if scope is None:
        raise RuntimeError(
            "Working outside of application context: 'current_app' and 'g' work only while the app handles "
            "a request or inside 'with app.app_context():'."
        )
    app = scope.app
    if app is None:
        raise RuntimeError("The running request has no App (it was not dispatched by App.wsgi_app).")
    return app


def _request_globals() -> AppGlobals:
    scope = _app_scope()
    if scope is None:
        raise RuntimeError(
            "Working outside of application context: 'g' works only while the app handles a request or "
            "inside 'with app.app_context():'."
        )
    if isinstance(scope, AppContext):
        return scope.g
    found = scope._g
    if found is None:  # made on first use: most requests never touch ``g``
        ctx = _app_ctx.get(None)
        found = ctx.g if ctx is not None and ctx.app is scope.app else AppGlobals()
        scope._g = found
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

    def __iter__(self) -> Any:
        return iter(self._find())

    def __bool__(self) -> bool:
        try:
            self._find()
        except RuntimeError:
            return False
        return True

    def __repr__(self) -> str:
        try:
            return repr(self._find())
        except RuntimeError:
            return "<unbound proxy: no active context>"

    def _get_current_object(self) -> Any:
        return self._find()


class _DictProxy(_Proxy):
    """A proxy that also behaves as the dict it finds (``session["user"]``, ``len``, ``==``, truth)."""

    __slots__ = ()

    def __getitem__(self, key: Any) -> Any:
        return self._find()[key]

    def __setitem__(self, key: Any, value: Any) -> None:
        self._find()[key] = value

    def __delitem__(self, key: Any) -> None:
        del self._find()[key]

    def __len__(self) -> int:
        return len(self._find())

    def __bool__(self) -> bool:
        return bool(self._find())

    def __eq__(self, other: object) -> bool:
        return bool(self._find() == other)

    def __ne__(self, other: object) -> bool:
        return bool(self._find() != other)

    __hash__ = None  # type: ignore[assignment]


def _current_session() -> Any:
    request = current_request()
    found = request.session_obj
    if found is None:
        app = request.app
        if app is None:
            raise RuntimeError("session needs a request of an App")
        found = request.session_obj = app.open_session(request)
        request.post_view = True
    return found


request: Request = _Proxy(current_request)  # type: ignore[assignment]
g: AppGlobals = _Proxy(_request_globals)  # type: ignore[assignment]
current_app: App = _Proxy(current_app_object)  # type: ignore[assignment]
#: The current request's session (Flask's signed cookie by default; see ``manypaths.sessions``).
session: Any = _DictProxy(_current_session)
