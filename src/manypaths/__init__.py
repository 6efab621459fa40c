"""manypaths: one function, many paths."""

from __future__ import annotations

from .app import App, jsonify, make_response, url_for
from .blueprints import Blueprint
from .config import Config
from .context import AppContext, current_app, g, has_app_context, has_request_context, request, session
from .dispatch import after_this_request
from .http import HTTPError, Request, Response, abort, redirect
from .http.exceptions import HTTPException

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

__version__ = "0.1.0"

#: For ports: ``from manypaths import Flask`` (the App is Flask's model).
Flask = App

# Imported when first used, so an app that does not send files pays nothing for them at cold start.
_LAZY = {"template_rendered": "signals", "before_render_template": "signals", "message_flashed": "signals",
         "send_file": "files", "send_from_directory": "files", "safe_join": "files", "secure_filename": "files",
         "Query": "params", "Header": "params", "Cookie": "params", "Body": "params", "Path": "params",
}


# Flask's template and flash helpers: importing the names (``from manypaths import render_template``,
# as every ported app does at the top) costs nothing; Jinja2 and itsdangerous load at the first call.


def render_template(template_name_or_list: Any, **context: Any) -> str:
    """Render a template of the app's (or a blueprint's) template folder (see ``manypaths.templating``)."""
    from .templating import render_template as render

    return render(template_name_or_list, **context)


def render_template_string(source: str, **context: Any) -> str:
    """Render ``source`` as a template, autoescaped."""
    from .templating import render_template_string as render

    return render(source, **context)


def stream_template(template_name_or_list: Any, **context: Any) -> Any:
    """Render a template chunk by chunk (return it from a view to stream the page)."""
    from .templating import stream_template as stream

    return stream(template_name_or_list, **context)


def stream_template_string(source: str, **context: Any) -> Any:
    """``render_template_string``, chunk by chunk."""
    from .templating import stream_template_string as stream

    return stream(source, **context)


def flash(message: Any, category: str = "message") -> None:
    """Keep ``message`` for the next request's ``get_flashed_messages()`` (in the session)."""
    from .sessions import flash as keep

    keep(message, category)


def get_flashed_messages(with_categories: bool = False, category_filter: Any = ()) -> list[Any]:
    """The messages flashed for this request (see ``manypaths.sessions``)."""
    from .sessions import get_flashed_messages as take

    return take(with_categories, category_filter)


def __getattr__(name: str) -> object:
    import importlib

    if name == "exceptions":  # the module itself (a plain request never needs it)
        return importlib.import_module(f"{__name__}.exceptions")
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'manypaths' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


__all__ = [
    "App",
    "AppContext",
    "Blueprint",
    "Body",
    "Config",
    "Cookie",
    "Flask",
    "HTTPError",
    "HTTPException",
    "Header",
    "Path",
    "Query",
    "Request",
    "Response",
    "abort",
    "after_this_request",
    "before_render_template",
    "current_app",
    "exceptions",
    "flash",
    "g",
    "get_flashed_messages",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "message_flashed",
    "redirect",
    "render_template",
    "render_template_string",
    "request",
    "safe_join",
    "secure_filename",
    "send_file",
    "send_from_directory",
    "session",
    "stream_template",
    "stream_template_string",
    "template_rendered",
    "url_for",
]

