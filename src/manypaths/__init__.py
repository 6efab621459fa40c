"""manypaths: one function, many paths."""

from __future__ import annotations

from . import exceptions
from .app import App, jsonify, make_response, url_for
from .blueprints import Blueprint
from .config import Config
from .context import current_app, g, request
from .http import HTTPError, Request, Response, abort, redirect
from .http.exceptions import HTTPException

__version__ = "0.1.0"

__all__ = [
    "App",
    "Blueprint",
    "Config",
    "HTTPError",
    "HTTPException",
    "Request",
    "Response",
    "abort",
    "current_app",
    "exceptions",
    "g",
    "jsonify",
    "make_response",
    "redirect",
    "request",
    "url_for",
]
