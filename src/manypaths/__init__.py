"""manypaths: one function, many paths."""

from __future__ import annotations

from .app import App, jsonify, make_response, url_for
from .blueprints import Blueprint
from .context import current_app, g, request
from .http import HTTPError, Request, Response, abort, redirect

__version__ = "0.1.0"

__all__ = [
    "App",
    "Blueprint",
    "HTTPError",
    "Request",
    "Response",
    "abort",
    "current_app",
    "g",
    "jsonify",
    "make_response",
    "redirect",
    "request",
    "url_for",
]
