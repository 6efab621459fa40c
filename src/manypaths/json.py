"""JSON as Flask's ``flask.json``: a provider per app (``app.json``) and module-level helpers.

``app.json`` is a ``DefaultJSONProvider``: ``dumps``/``loads``/``response`` with ``sort_keys``,
``ensure_ascii``, ``compact`` (None: compact unless debug), ``mimetype`` and ``default`` (dates as
HTTP dates, ``uuid.UUID`` and ``decimal.Decimal`` as strings, dataclasses as dicts, objects with
``__html__`` as their markup). Set ``App.json_provider_class`` or assign ``app.json`` to replace it.

While an app keeps the stock settings, a dict a view returns goes out through one prebuilt encoder
(the WSGI fast path); changing a setting switches that app to its provider.
"""

from __future__ import annotations

from .context import app_or_none
from .http.response import Response, _json_default, json_text

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import IO, Any

    from .app import App

class JSONProvider:
    """The interface: ``dumps``, ``loads``, ``dump``, ``load`` and ``response``, bound to an app."""

    def __init__(self, app: App) -> None:
        self._app = app

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        raise NotImplementedError

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        raise NotImplementedError

    def dump(self, obj: Any, fp: IO[str], **kwargs: Any) -> None:
        """Write ``obj`` as JSON to the text file ``fp``."""
        fp.write(self.dumps(obj, **kwargs))

    def load(self, fp: IO[Any], **kwargs: Any) -> Any:
        """Read JSON from the file ``fp``."""
        return self.loads(fp.read(), **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response of ``args`` (one value, or several as a list) or ``kwargs`` (an object)."""
        return self._app.response_class(self.dumps(_response_value(args, kwargs)), mimetype="application/json")


class DefaultJSONProvider(JSONProvider):
    """Flask's default provider, with its settings and serialisation of extra types."""

    default = staticmethod(_json_default)
    ensure_ascii = True
    sort_keys = True
    compact: bool | None = None
    mimetype = "application/json"

    def __setattr__(self, name: str, value: Any) -> None:
        object.__setattr__(self, name, value)
        if name != "_app":
            self._app.json_settings_changed()  # the app's dicts now go through this provider

    def dumps(self, obj: Any, **kwargs: Any) -> str:
        """``obj`` as JSON text, with this provider's ``default``, ``ensure_ascii`` and ``sort_keys``."""
        import json

        kwargs.setdefault("default", self.default)
        kwargs.setdefault("ensure_ascii", self.ensure_ascii)
        kwargs.setdefault("sort_keys", self.sort_keys)
        return json.dumps(obj, **kwargs)

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        import json

        return json.loads(s, **kwargs)

    def response(self, *args: Any, **kwargs: Any) -> Response:
        """A JSON response: compact with a final newline, or indented (2) when ``compact`` is False or
        is None in debug mode, as Flask's."""
        obj = _response_value(args, kwargs)
        if (self.compact is None and self._app.debug) or self.compact is False:
            text = self.dumps(obj, indent=2) + "\n"
        elif is_stock(self):
            text = json_text(obj)
        else:
            text = self.dumps(obj, separators=(",", ":")) + "\n"
        return self._app.response_class(text, mimetype=self.mimetype)


def is_stock(provider: object) -> bool:
    """Whether ``provider`` is a ``DefaultJSONProvider`` with no setting changed (the fast path's JSON)."""
    return type(provider) is DefaultJSONProvider and not provider.__dict__.keys() - {"_app"}


def _response_value(args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    if args and kwargs:
        raise TypeError("jsonify() takes positional or keyword arguments, not both")
    if not args:
        return kwargs
    return args[0] if len(args) == 1 else list(args)


def dumps(obj: Any, **kwargs: Any) -> str:
    """``obj`` as JSON text: with the current app's provider, else the standard library's with the
    extra types (dates, UUIDs, decimals, dataclasses) serialised."""
    app = app_or_none()
    if app is not None:
        return app.json.dumps(obj, **kwargs)
    import json

    kwargs.setdefault("default", _json_default)
    return json.dumps(obj, **kwargs)


def loads(s: str | bytes, **kwargs: Any) -> Any:
    """JSON text to Python, with the current app's provider if there is one."""
    app = app_or_none()
    if app is not None:
        return app.json.loads(s, **kwargs)
    import json

    return json.loads(s, **kwargs)


def dump(obj: Any, fp: IO[str], **kwargs: Any) -> None:
    """Write ``obj`` as JSON to the text file ``fp``."""
    fp.write(dumps(obj, **kwargs))


def load(fp: IO[Any], **kwargs: Any) -> Any:
    """Read JSON from the file ``fp``."""
    return loads(fp.read(), **kwargs)


def jsonify(*args: Any, **kwargs: Any) -> Response:
    """A JSON response of one value, several (a list), or keyword arguments (an object), made by the
    current app's provider (compact and sorted by default)."""
    app = app_or_none()
    if app is not None:
        return app.json.response(*args, **kwargs)
    return Response(json_text(_response_value(args, kwargs)), mimetype="application/json")
