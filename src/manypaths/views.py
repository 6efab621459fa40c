"""Class-based views, as Flask's: ``View`` (one ``dispatch_request``) and ``MethodView`` (a method per verb).

``app.add_url_rule("/users/<int:id>", view_func=UserAPI.as_view("user"))``; imported only by apps
that use it.
"""

from __future__ import annotations

from .context import current_request
from .http.exceptions import MethodNotAllowed

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Callable, Collection
    from typing import Any, ClassVar

HTTP_METHOD_FUNCS = frozenset({"get", "post", "head", "options", "delete", "put", "trace", "patch"})


class View:
    """Subclass and implement ``dispatch_request(**view_args)``; route with ``as_view(name)``.

    Class attributes: ``methods`` (the rule's methods), ``provide_automatic_options``,
    ``decorators`` (applied to the view function, first one innermost), ``init_every_request``
    (False: one instance serves every request).
    """

    methods: ClassVar[Collection[str] | None] = None
    provide_automatic_options: ClassVar[bool | None] = None
    decorators: ClassVar[list[Callable[..., Any]]] = []
    init_every_request: ClassVar[bool] = True

    def dispatch_request(self, **view_args: Any) -> Any:
        """Answer the request (the route's values as keyword arguments)."""
        raise NotImplementedError(f"{type(self).__name__} must implement dispatch_request()")

    @classmethod
    def as_view(cls, name: str, *class_args: Any, **class_kwargs: Any) -> Callable[..., Any]:
        """A view function named ``name`` that makes the class (with these arguments) and dispatches."""
        view: Any
        if cls.init_every_request:
            def view(**kwargs: Any) -> Any:
                return view.view_class(*class_args, **class_kwargs).dispatch_request(**kwargs)
        else:
            instance = cls(*class_args, **class_kwargs)

            def view(**kwargs: Any) -> Any:
                return instance.dispatch_request(**kwargs)

        if cls.decorators:
            view.__name__ = name
            view.__module__ = cls.__module__
            for decorator in cls.decorators:
                view = decorator(view)
        view.view_class = cls
        view.__name__ = name
        view.__doc__ = cls.__doc__
        view.__module__ = cls.__module__
        view.methods = cls.methods
        view.provide_automatic_options = cls.provide_automatic_options
        return view  # type: ignore[no-any-return]


class MethodView(View):
    """A method per HTTP verb (``get``, ``post``...); ``methods`` is worked out from them (and the bases')."""

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if "methods" not in cls.__dict__:
            methods: set[str] = set()
            for base in cls.__bases__:
                methods.update(getattr(base, "methods", None) or ())
            methods.update(key.upper() for key in HTTP_METHOD_FUNCS if hasattr(cls, key))
            if methods:
                cls.methods = methods

    def dispatch_request(self, **view_args: Any) -> Any:
        method = current_request().method
        handler = getattr(self, method.lower(), None)
        if handler is None and method == "HEAD":
            handler = getattr(self, "get", None)
        if handler is None:
            # Only reachable when ``methods`` lists a verb the class does not implement.
            allowed = sorted(m.upper() for m in HTTP_METHOD_FUNCS if hasattr(self, m))
            raise MethodNotAllowed(allowed)
        return handler(**view_args)


__all__ = ["HTTP_METHOD_FUNCS", "MethodView", "View"]
