"""Routing outcomes and rule errors: plain exceptions, not HTTP responses."""

from __future__ import annotations

# typing is for the type checker only: importing it at run time would cost every cold start
# milliseconds, for annotations that `from __future__ import annotations` never evaluates.
TYPE_CHECKING = False

if TYPE_CHECKING:
    from collections.abc import Hashable, Iterable, Mapping
    from typing import Any


class RoutingError(Exception):
    """Root of every outcome of ``Map.match`` that is not a match."""


class NotFound(RoutingError):
    """No rule matches the path."""

    def __init__(self, path: str = "") -> None:
        # Misses are frequent (scanners, typos): the message is only formatted when shown.
        super().__init__(path)
        self.path = path

    def __str__(self) -> str:
        return f"no rule matches {self.path!r}"


class MethodNotAllowed(RoutingError):
    """The path exists, but only under other methods (``allowed``)."""

    def __init__(self, allowed: Iterable[str], path: str = "", method: str = "") -> None:
        self.allowed: frozenset[str] = frozenset(allowed)
        self.path = path
        self.method = method
        super().__init__(path)

    def __str__(self) -> str:
        return f"{self.method} {self.path!r} not allowed; allowed: {', '.join(sorted(self.allowed))}"


class RequestRedirect(RoutingError):
    """The path must be requested at ``new_url`` (a path plus any query string)."""

    code = 308

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
