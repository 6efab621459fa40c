"""manypaths: one function, many paths."""

from __future__ import annotations

from .app import App, jsonify, make_response, url_for
from .blueprints import Blueprint
from .config import Config
from .context import AppContext, current_app, g, has_app_context, has_request_context, request
from .dispatch import after_this_request
from .http import HTTPError, Request, Response, abort, redirect
from .http.exceptions import HTTPException

__version__ = "0.1.0"

#: For ports: ``from manypaths import Flask`` (the App is Flask's model).
Flask = App

# Imported when first used, so an app that does not send files pays nothing for them at cold start.
_LAZY = {"send_file": "files", "send_from_directory": "files", "safe_join": "files", "secure_filename": "files",
         "Query": "params", "Header": "params", "Cookie": "params", "Body": "params", "Path": "params"}


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
    "current_app",
    "exceptions",
    "g",
    "has_app_context",
    "has_request_context",
    "jsonify",
    "make_response",
    "redirect",
    "request",
    "safe_join",
    "secure_filename",
    "send_file",
    "send_from_directory",
    "url_for",
]

