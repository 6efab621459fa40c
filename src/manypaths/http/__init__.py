"""HTTP objects over WSGI: Request, Response, headers and HTTP errors."""

from __future__ import annotations

from .datastructures import FileStorage, Headers, MultiDict
from .exceptions import HTTPError, abort
from .request import Request
from .response import Response, json_response, redirect

__all__ = ["FileStorage", "HTTPError", "Headers", "MultiDict", "Request", "Response", "abort", "json_response",
           "redirect"]
