"""HTTP errors by name, as werkzeug.exceptions has them: ``raise NotFound()`` in a view answers 404.

Every class is an ``HTTPError`` (also named ``HTTPException``) with ``code``, ``name``,
``description`` and ``get_response()``. ``abort(code)`` raises the class for a code.
"""

from __future__ import annotations

from .http.exceptions import (
    BadGateway,
    BadRequest,
    BadRequestKeyError,
    Conflict,
    ExpectationFailed,
    FailedDependency,
    Forbidden,
    GatewayTimeout,
    Gone,
    HTTPError,
    HTTPException,
    HTTPVersionNotSupported,
    ImATeapot,
    InternalServerError,
    LengthRequired,
    Locked,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    NotImplemented_,
    PreconditionFailed,
    PreconditionRequired,
    RequestedRangeNotSatisfiable,
    RequestEntityTooLarge,
    RequestHeaderFieldsTooLarge,
    RequestTimeout,
    RequestURITooLarge,
    SecurityError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnavailableForLegalReasons,
    UnprocessableEntity,
    UnsupportedMediaType,
    abort,
    error_class,
)

NotImplemented = NotImplemented_  # werkzeug's name for 501 (it shadows the builtin constant here only)

__all__ = [
    "BadGateway", "BadRequest", "BadRequestKeyError", "Conflict", "ExpectationFailed", "FailedDependency",
    "Forbidden", "GatewayTimeout", "Gone", "HTTPError", "HTTPException", "HTTPVersionNotSupported", "ImATeapot",
    "InternalServerError", "LengthRequired", "Locked", "MethodNotAllowed", "NotAcceptable", "NotFound",
    "NotImplemented", "PreconditionFailed", "PreconditionRequired", "RequestEntityTooLarge",
    "RequestHeaderFieldsTooLarge", "RequestTimeout", "RequestURITooLarge", "RequestedRangeNotSatisfiable",
    "SecurityError", "ServiceUnavailable", "TooManyRequests", "Unauthorized", "UnavailableForLegalReasons",
    "UnprocessableEntity", "UnsupportedMediaType", "abort", "error_class",
]  # fmt: skip
