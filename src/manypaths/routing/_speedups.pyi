# The compiled matcher (src/manypaths/routing/_speedups.c); absent where it was not built.
from collections.abc import Callable
from typing import Any

class Matcher:
    fallback: Callable[[list[str], int, str, list[Any]], Any]
    def __init__(self, program: tuple[Any, ...], fallback: Callable[[list[str], int, str, list[Any]], Any]) -> None: ...
    def __call__(self, parts: list[str], n: int, method: str, ctx: list[Any]) -> Any: ...
