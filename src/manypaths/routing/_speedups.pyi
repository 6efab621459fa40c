# The compiled matcher (src/manypaths/routing/_speedups.c); absent where not built.
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
