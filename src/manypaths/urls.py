"""URL building: ``url_for`` for the current request (its script root and host) or, outside one,
from ``SERVER_NAME``/``APPLICATION_ROOT``/``PREFERRED_URL_SCHEME``; ``url_defaults`` functions and
``url_build_error_handlers`` as Flask's.

The functions take the App as ``self``: ``App`` binds them as its methods.
"""

from __future__ import annotations

from . import routing
from .blueprints import blueprint_names
from .context import get_current

TYPE_CHECKING = False

if TYPE_CHECKING:
    from typing import Any

    from .app import App


def url_for(
    self: App,
    endpoint: str,
    /,
    *,
    _external: bool | None = None,
    _anchor: str | None = None,
    _method: str | None = None,
    _scheme: str | None = None,
    **values: Any,
) -> str:
    """The URL of ``endpoint`` for the current request (its script root and host).

    ``".view"`` means a view of the current blueprint; extra values go to the query string.
    Outside a request (an application context, a script) the URL is external and built from
    ``SERVER_NAME``, ``APPLICATION_ROOT`` and ``PREFERRED_URL_SCHEME``, as in Flask. The
    ``url_defaults`` functions fill in values first; a ``BuildError`` goes to the
    ``url_build_error_handlers`` before it is raised.
    """
    request = get_current(None)
    if request is not None:
        if endpoint[:1] == ".":
            names = list(blueprint_names(request.endpoint))
            endpoint = f"{names[0]}{endpoint}" if names else endpoint[1:]
        if _external is None:
            _external = _scheme is not None
        script_name, scheme, host = request.script_root, request.scheme, request.host
    else:
        if endpoint[:1] == ".":
            endpoint = endpoint[1:]
        server = self.config["SERVER_NAME"]
        if not server:
            raise RuntimeError(
                f"url_for({endpoint!r}) outside a request needs SERVER_NAME in app.config (the host URLs are "
                "built for); also set APPLICATION_ROOT and PREFERRED_URL_SCHEME as needed."
            )
        if _external is None:
            _external = True
        script_name = str(self.config["APPLICATION_ROOT"] or "/").rstrip("/")
        scheme = self.config["PREFERRED_URL_SCHEME"] or "http"
        host = str(server)
    if _scheme is not None and not _external:
        raise ValueError("When specifying '_scheme', '_external' must be True.")
    if self._hooks["url_defaults"]:
        self.inject_url_defaults(endpoint, values)
    try:
        url = self.url_map.build(
            endpoint, values, method=_method, script_name=script_name, force_external=_external,
            url_scheme=_scheme or scheme, host=host,
        )
    except routing.BuildError as e:
        error = routing.BuildError(e.endpoint, e.values, e.method, reason=e.reason, suggestion=e.suggestion)
        values.update(_anchor=_anchor, _method=_method, _scheme=_scheme, _external=_external)
        return self.handle_url_build_error(error, endpoint, values)
    if _anchor is not None:
        from urllib.parse import quote

        url += "#" + quote(_anchor, safe="%!#$&'()*+,/:;=?@")
    return url


def inject_url_defaults(self: App, endpoint: str, values: dict[str, Any]) -> None:
    """Let the ``url_defaults`` functions (the app's, then those of the endpoint's blueprints)
    fill ``values`` in place before ``endpoint``'s URL is built."""
    for func in self._scoped_for("url_defaults", endpoint):
        func(endpoint, values)


def handle_url_build_error(self: App, error: routing.BuildError, endpoint: str, values: dict[str, Any]) -> str:
    """Ask each of ``url_build_error_handlers`` (``handler(error, endpoint, values)``) for a URL;
    the first that returns one wins; else ``error`` is raised."""
    for handler in self.url_build_error_handlers:
        try:
            rv = handler(error, endpoint, values)
        except routing.BuildError as e:
            error = e  # the next handler sees this one
            continue
        if rv is not None:
            return str(rv)
    raise error from None
