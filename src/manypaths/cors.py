"""Cross-origin resource sharing (the Fetch standard's CORS protocol), per app, blueprint or route.

``App(cors=...)``, ``Blueprint(cors=...)`` and ``@app.route(..., cors=...)`` take ``True`` (any
origin, no credentials), an origin (``"https://app.example"``), a list of origins, a predicate
``origin -> bool``, or a ``CORS(...)`` with every setting. The most specific one applies: the
route's, else its blueprint's (innermost first), else the app's; ``cors=False`` turns it off there.

- A preflight (``OPTIONS`` with ``Origin`` and ``Access-Control-Request-Method``) to a URL with a
  policy is answered 204 before any before-request hook runs (so an auth hook never hides it),
  with the allowed methods (the URL's, within the policy's), the allowed request headers and
  ``Access-Control-Max-Age``. A refused preflight gets no CORS headers: the browser refuses it.
- Every other response to a request with an allowed ``Origin`` carries ``Access-Control-Allow-Origin``
  (the origin, or ``*`` for any origin without credentials), ``Vary: Origin``, and the exposed
  headers and credentials flag when configured: error responses too (404, 405, 422, 500).
- ``*`` is never sent with credentials: ``CORS(origins="*", credentials=True)`` is a ValueError
  at configuration time, not a silent failure in the browser.
"""

from __future__ import annotations

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping
    from typing import Any

    from .http.request import Request
    from .http.response import Response

_SAFELISTED_METHODS = frozenset({"GET", "HEAD", "POST"})


class CORS:
    """One CORS policy.

    Args:
        origins: ``"*"`` (any), an origin, a list of origins, or a predicate ``origin -> bool``.
            Origins are compared exactly (scheme, host and port: ``https://app.example:8443``).
        methods: the methods a cross-origin request may use (default: every method of the URL).
        headers: the request headers it may send (``"*"``: any it asks for; default: any).
        expose_headers: response headers the page's script may read.
        credentials: allow cookies and HTTP auth (``Access-Control-Allow-Credentials: true``);
            then the origin is echoed, never ``*``.
        max_age: seconds a browser may cache a preflight answer (default 600; None: not sent).
    """

    __slots__ = ("origins", "_match", "any_origin", "methods", "headers", "expose_headers", "credentials", "max_age")

    def __init__(
        self,
        origins: str | Iterable[str] | Callable[[str], bool] = "*",
        *,
        methods: Iterable[str] | None = None,
        headers: str | Iterable[str] = "*",
        expose_headers: Iterable[str] = (),
        credentials: bool = False,
        max_age: int | None = 600,
    ) -> None:
        self.origins = origins
        self.any_origin = origins == "*"
        if callable(origins):
            self._match: Callable[[str], bool] = origins
        elif isinstance(origins, str):
            if not self.any_origin:
                _check_origin(origins)
            exact = origins
            self._match = (lambda origin: True) if self.any_origin else (lambda origin: origin == exact)
        else:
            allowed = frozenset(origins)
            if "*" in allowed:
                raise ValueError("CORS origins: use origins='*' for any origin, not a list holding '*'")
            for origin in allowed:
                _check_origin(origin)
            self._match = allowed.__contains__
        if credentials and self.any_origin:
            raise ValueError("CORS: credentials=True with origins='*' is refused by every browser; list the "
                             "allowed origins (or give a predicate) to send credentials")
        self.methods = None if methods is None else frozenset(str(m).upper() for m in methods)
        if isinstance(headers, str):
            self.headers: frozenset[str] | None = None if headers == "*" else frozenset({headers.lower()})
        else:
            self.headers = frozenset(h.lower() for h in headers)
        self.expose_headers = ", ".join(expose_headers)
        self.credentials = credentials
        if max_age is not None and (not isinstance(max_age, int) or max_age < 0):
            raise ValueError(f"CORS max_age must be a number of seconds (>= 0), not {max_age!r}")
        self.max_age = max_age

    def allows(self, origin: str) -> bool:
        try:
            return bool(self._match(origin))
        except Exception:  # a predicate that fails refuses (the request itself still answers)
            return False

    def __repr__(self) -> str:
        return f"CORS(origins={self.origins!r}, credentials={self.credentials})"


def _check_origin(origin: str) -> None:
    if not isinstance(origin, str) or "://" not in origin or origin.endswith("/") or origin.count("/") > 2:
        raise ValueError(f"CORS origin {origin!r} must be scheme://host[:port], like 'https://app.example' "
                         "(no path, no trailing slash)")


def policy(value: Any) -> CORS | None:
    """A ``cors=`` setting as a CORS policy (None: off)."""
    if value is None or value is False:
        return None
    if isinstance(value, CORS):
        return value
    if value is True:
        return CORS("*")
    if isinstance(value, str) or callable(value) or isinstance(value, (list, tuple, set, frozenset)):
        return CORS(value)
    raise TypeError(f"cors= takes True, an origin, a list of origins, a predicate or CORS(...), not {value!r}")


def preflight(request: Request, policies: Mapping[str, CORS | None], cors: CORS,
              response_class: type[Response]) -> Response | None:
    """The answer to a preflight ``cors`` (the policy of the rule serving the requested method)
    allows; None: not allowed (answered as a plain OPTIONS).

    ``policies`` maps each method of the URL to the policy of the rule that serves it: a method is
    listed only if its own policy allows the origin and the method.
    """
    environ = request.environ
    origin = environ.get("HTTP_ORIGIN")
    if not origin or not cors.allows(origin):
        return None
    wanted = str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_METHOD", "")).strip().upper()
    offered = {method for method, policy in policies.items()
               if policy is not None and method != "OPTIONS" and policy.allows(origin)
               and (policy.methods is None or method in policy.methods | _SAFELISTED_METHODS)}
    if wanted not in offered:
        return None
    requested = [h.strip() for h in str(environ.get("HTTP_ACCESS_CONTROL_REQUEST_HEADERS", "")).split(",")
                 if h.strip()]
    if cors.headers is not None and any(h.lower() not in cors.headers for h in requested):
        return None
    response = response_class(status=204)
    headers = response.headers
    _origin_headers(headers, origin, cors)
    headers.set("Access-Control-Allow-Methods", ", ".join(sorted(offered)))
    if requested:
        headers.set("Access-Control-Allow-Headers", ", ".join(requested))
    if cors.max_age is not None:
        headers.set("Access-Control-Max-Age", str(cors.max_age))
    headers.add_vary("Access-Control-Request-Method")
    headers.add_vary("Access-Control-Request-Headers")
    return response


def apply(request: Request, response: Response, cors: CORS) -> None:
    """Add the CORS headers to an actual (non-preflight) response, if the request's origin is allowed."""
    origin = request.environ.get("HTTP_ORIGIN")
    if not origin:
        if not cors.any_origin or cors.credentials:
            response.headers.add_vary("Origin")  # a cache must not give this answer to another origin
        return
    if not cors.allows(origin):
        response.headers.add_vary("Origin")
        return
    headers = response.headers
    _origin_headers(headers, origin, cors)
    if cors.expose_headers:
        headers.set("Access-Control-Expose-Headers", cors.expose_headers)


def _origin_headers(headers: Any, origin: str, cors: CORS) -> None:
    if cors.any_origin and not cors.credentials:
        headers.set("Access-Control-Allow-Origin", "*")
    else:
        headers.set("Access-Control-Allow-Origin", origin)
        headers.add_vary("Origin")
    if cors.credentials:
        headers.set("Access-Control-Allow-Credentials", "true")
