# The compiled core (src/manypaths/routing/_speedups.c): the matcher and the ASGI environ; absent where not built.
from collections.abc import Callable
from typing import Any

class FastMatch:
    """Installed as a prepared Map's ``match`` (see Map._install_fast); called as Map.match is."""

    def __init__(self, static: dict[str, dict[str, Any]], program: tuple[Any, ...], methods: frozenset[str],
                 fallback: Callable[..., tuple[Any, dict[str, Any]]], not_found: type[Exception],
                 not_allowed: type[Exception]) -> None: ...
    def __call__(self, path: str, method: str = "GET", *, return_rule: bool = False,
                 query_string: str = "") -> tuple[Any, dict[str, Any]]: ...
    @property
    def fallback(self) -> Callable[..., tuple[Any, dict[str, Any]]]: ...

def asgi_environ(scope: dict[str, Any], base: dict[str, Any], keys: dict[bytes, str],
                 errors: Any) -> dict[str, Any] | None:
    """The WSGI environ of an ASGI HTTP scope in its common case (see manypaths.aio.environ_py), or None."""
