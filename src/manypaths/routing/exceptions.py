"""Routing outcomes and rule errors: plain exceptions, not HTTP responses."""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Hashable, Mapping
    from typing import Any


class RoutingError(Exception):
    """Root of every outcome of ``Map.match`` that is not a match."""


class NotFound(RoutingError):
    """No rule matches the path: ``NotFound(path)``."""

    # No __init__: misses are frequent (scanners, typos), and a Python-level __init__ would double
    # what raising one costs. BaseException keeps the arguments; the message is formatted when shown.

    @property
    def path(self) -> str:
        return str(self.args[0]) if self.args else ""

    def __str__(self) -> str:
        return f"no rule matches {self.path!r}"


class MethodNotAllowed(RoutingError):
    """The path exists, but only under other methods: ``MethodNotAllowed(allowed, path, method)``."""

    # No __init__, as NotFound.

    @property
    def allowed(self) -> frozenset[str]:
        allowed = self.args[0] if self.args else ()
        return allowed if type(allowed) is frozenset else frozenset(allowed)

    @property
    def path(self) -> str:
        return str(self.args[1]) if len(self.args) > 1 else ""

    @property
    def method(self) -> str:
        return str(self.args[2]) if len(self.args) > 2 else ""

    def __str__(self) -> str:
        return f"{self.method} {self.path!r} not allowed; allowed: {', '.join(sorted(self.allowed))}"


class RequestRedirect(RoutingError):
    """The path must be requested at ``new_url`` (a path plus any query string)."""

    code = 308
    #: True for a redirect to the same path with its slashes right (a missing trailing slash,
    #: doubled slashes): the request's query string belongs to it. ``Map.match`` puts the
    #: ``query_string`` it was given into ``new_url``; a caller that gave none adds the query itself.
    keeps_query = False

    def __init__(self, new_url: str) -> None:
        super().__init__(f"redirect to {new_url!r}")
        self.new_url = new_url


class BuildError(RoutingError, LookupError):
    """No rule of ``endpoint`` can build a URL from ``values`` (and ``method``)."""

    def __init__(
        self,
        endpoint: Hashable,
        values: Mapping[str, Any],
        method: str | None,
        *,
        reason: str,
        suggestion: Hashable | None = None,
    ) -> None:
        self.endpoint = endpoint
        self.values = dict(values)
        self.method = method
        self.reason = reason
        self.suggestion = suggestion
        message = f"could not build a URL for endpoint {endpoint!r}: {reason}"
        if suggestion is not None:
            message += f" Did you mean {suggestion!r}?"
        super().__init__(message)


class RuleError(ValueError):
    """A rule is malformed, names an unknown converter, or collides with another rule."""

    def __init__(self, rule: str, problem: str) -> None:
        super().__init__(f"bad rule {rule!r}: {problem}")
        self.rule = rule
        self.problem = problem
